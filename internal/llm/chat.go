package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Role is the author of a chat message.
type Role string

// Message roles.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one chat message.
type Message struct {
	Role    Role
	Content string
}

// ChatRequest is one chat completion.
type ChatRequest struct {
	Messages []Message
	// MaxTokens and Temperature override the client's settings when > 0.
	MaxTokens   int
	Temperature float32
}

var (
	errFirstToken = errors.New("no response before the first-token timeout")
	errIdle       = errors.New("stream stalled between chunks")
	errTimeout    = errors.New("model timeout")
)

// Chat runs a streaming chat completion. onDelta (may be nil) receives each
// piece of the answer as it arrives; an error from it stops the stream and is
// returned. Failed attempts (429, 5xx, broken connections, no first chunk in
// time) are retried with backoff only while nothing has been passed to
// onDelta. A leading <think>…</think> block (reasoning models served by
// Ollama or vLLM) is dropped. Chat returns the full text it delivered; on an
// error after streaming began the partial text is returned with the error.
func (c *Client) Chat(ctx context.Context, req ChatRequest, onDelta func(string) error) (string, error) {
	if c.cfg.ChatModel == "" {
		return "", errors.New("llm: chat: no chat model configured (GOVCHAT_CHAT_MODEL)")
	}
	if len(req.Messages) == 0 {
		return "", errors.New("llm: chat: no messages")
	}
	oreq := openai.ChatCompletionRequest{
		Model:       c.cfg.ChatModel,
		MaxTokens:   c.cfg.MaxTokens,
		Temperature: c.cfg.Temperature,
		Stream:      true,
	}
	if req.MaxTokens > 0 {
		oreq.MaxTokens = req.MaxTokens
	}
	if req.Temperature > 0 {
		oreq.Temperature = req.Temperature
	}
	for _, m := range req.Messages {
		oreq.Messages = append(oreq.Messages, openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content})
	}

	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Timeout, errTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		hint := &retryHint{}
		text, started, err := c.chatAttempt(context.WithValue(ctx, hintKey{}, hint), oreq, onDelta)
		if err == nil {
			return text, nil
		}
		var ce *callerError
		if errors.As(err, &ce) {
			return text, fmt.Errorf("llm: chat: %w", ce.err)
		}
		if ctx.Err() != nil {
			return text, fmt.Errorf("llm: chat: %w", context.Cause(ctx))
		}
		status := statusOf(err)
		if started || attempt >= c.cfg.MaxRetries || !retryable(err, status) {
			return text, &Error{Op: "chat", StatusCode: status, Attempts: attempt + 1, Err: err}
		}
		if err := sleep(ctx, c.backoff(attempt, hint.wait)); err != nil {
			return "", fmt.Errorf("llm: chat: %w", err)
		}
	}
}

// Complete runs Chat with one system and one user message (it satisfies
// answer.ChatModel).
func (c *Client) Complete(ctx context.Context, system, user string, onDelta func(string) error) (string, error) {
	return c.Chat(ctx, ChatRequest{Messages: []Message{{Role: RoleSystem, Content: system}, {Role: RoleUser, Content: user}}}, onDelta)
}

// callerError is an error returned by the caller's onDelta.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }

// chatAttempt runs one streaming request. started reports whether any text
// reached onDelta.
func (c *Client) chatAttempt(ctx context.Context, oreq openai.ChatCompletionRequest, onDelta func(string) error) (text string, started bool, err error) {
	actx, acancel := context.WithCancelCause(ctx)
	defer acancel(nil)
	// A watchdog cancels the attempt when the first chunk, or later the next
	// chunk, does not arrive in time.
	var stall atomic.Pointer[error]
	stall.Store(&errFirstToken)
	timer := time.AfterFunc(c.cfg.FirstTokenTimeout, func() { acancel(*stall.Load()) })
	defer timer.Stop()
	cause := func(err error) error {
		if c := context.Cause(actx); c != nil && ctx.Err() == nil {
			return fmt.Errorf("%w (%v)", c, err)
		}
		return err
	}

	stream, err := c.api.CreateChatCompletionStream(actx, oreq)
	if err != nil {
		return "", false, cause(err)
	}
	defer stream.Close()

	var b strings.Builder
	var think thinkFilter
	emit := func(s string) error {
		if s == "" {
			return nil
		}
		if onDelta != nil {
			started = true
			if err := onDelta(s); err != nil {
				return &callerError{err}
			}
		}
		b.WriteString(s)
		return nil
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if err := emit(think.flush()); err != nil {
				return b.String(), started, err
			}
			return b.String(), started, nil
		}
		if err != nil {
			return b.String(), started, cause(err)
		}
		stall.Store(&errIdle)
		timer.Reset(c.cfg.IdleTimeout)
		for _, ch := range resp.Choices {
			if ch.Index != 0 {
				continue
			}
			if err := emit(think.feed(ch.Delta.Content)); err != nil {
				return b.String(), started, err
			}
		}
	}
}

// thinkFilter drops a leading <think>…</think> block from streamed content.
type thinkFilter struct {
	state int // 0 undecided, 1 inside think, 2 pass through
	buf   strings.Builder
}

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

func (f *thinkFilter) feed(s string) string {
	switch f.state {
	case 2:
		return s
	case 0:
		f.buf.WriteString(s)
		head := strings.TrimLeft(f.buf.String(), " \t\r\n")
		switch {
		case strings.HasPrefix(head, thinkOpen):
			f.state = 1
			rest := head[len(thinkOpen):]
			f.buf.Reset()
			return f.feed(rest)
		case strings.HasPrefix(thinkOpen, head):
			return "" // still undecided
		default:
			f.state = 2
			all := f.buf.String()
			f.buf.Reset()
			return all
		}
	default: // inside think: keep a tail long enough to catch a split </think>
		f.buf.WriteString(s)
		all := f.buf.String()
		if i := strings.Index(all, thinkClose); i >= 0 {
			f.state = 2
			f.buf.Reset()
			return strings.TrimLeft(all[i+len(thinkClose):], " \t\r\n")
		}
		if len(all) > len(thinkClose) {
			tail := all[len(all)-len(thinkClose):]
			f.buf.Reset()
			f.buf.WriteString(tail)
		}
		return ""
	}
}

// flush returns what is still held at the end of the stream: an undecided
// prefix is text; an unterminated think block is dropped.
func (f *thinkFilter) flush() string {
	if f.state == 0 {
		s := f.buf.String()
		f.buf.Reset()
		return s
	}
	return ""
}
