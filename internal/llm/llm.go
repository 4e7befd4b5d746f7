// Package llm talks to an OpenAI-compatible model server (OpenAI, Ollama,
// vLLM, Xinference, DashScope compatible mode …): streaming chat completions
// and embeddings. It is the only package that imports go-openai.
//
// Chat retries only before the first token has been handed to the caller, so
// a caller never sees text twice; embeddings are batched and retried with
// exponential backoff. Every call ends when its context ends.
package llm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Config configures a Client. Zero values take the documented defaults.
type Config struct {
	BaseURL    string // OPENAI_BASE_URL, e.g. http://localhost:11434/v1; a URL without a path gets /v1
	APIKey     string // OPENAI_API_KEY (optional for local servers)
	ChatModel  string // GOVCHAT_CHAT_MODEL; required for Chat
	EmbedModel string // GOVCHAT_EMBED_MODEL; required for Embed

	// Timeout bounds one whole call (all attempts of a chat, one embeddings
	// batch with its retries). Default 60s (GOVCHAT_MODEL_TIMEOUT).
	Timeout time.Duration
	// FirstTokenTimeout bounds the wait for the first streamed chunk of one
	// attempt; when it passes the attempt is abandoned and retried.
	// Default: Timeout/3, at most 30s.
	FirstTokenTimeout time.Duration
	// IdleTimeout bounds the gap between two chunks once streaming has
	// started. Default 30s (capped by Timeout).
	IdleTimeout time.Duration

	// MaxRetries is how many times a failed attempt is retried (so at most
	// MaxRetries+1 attempts). Default 2; negative means no retries.
	MaxRetries int
	// RetryBase and RetryMax shape the exponential backoff with jitter
	// (base·2^attempt, capped). A Retry-After header from a 429/503 is
	// honoured up to RetryMax. Defaults 500ms and 8s.
	RetryBase time.Duration
	RetryMax  time.Duration

	// Generation settings. MaxTokens default 1024; Temperature default 0.2.
	MaxTokens   int
	Temperature float32

	// Embedding batching: at most EmbedBatchSize texts (default 32) and
	// EmbedBatchRunes runes (default 16000) per request; each text is cut to
	// EmbedMaxRunes runes (default 2000) first.
	EmbedBatchSize  int
	EmbedBatchRunes int
	EmbedMaxRunes   int
	// EmbedDimensions asks text-embedding-3 style models for shorter vectors
	// (0: the model's default).
	EmbedDimensions int

	// HTTPClient is used for requests (default: a client without an overall
	// timeout; deadlines come from the contexts above).
	HTTPClient *http.Client
}

func (c *Config) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.FirstTokenTimeout <= 0 {
		c.FirstTokenTimeout = min(c.Timeout/3, 30*time.Second)
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = min(c.Timeout, 30*time.Second)
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 2
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 500 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 8 * time.Second
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = 1024
	}
	if c.Temperature == 0 {
		c.Temperature = 0.2
	}
	if c.EmbedBatchSize <= 0 {
		c.EmbedBatchSize = 32
	}
	if c.EmbedBatchRunes <= 0 {
		c.EmbedBatchRunes = 16000
	}
	if c.EmbedMaxRunes <= 0 {
		c.EmbedMaxRunes = 2000
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
}

// Client is a model-server client. It is safe for concurrent use.
type Client struct {
	cfg Config
	api *openai.Client
}

// New validates cfg and returns a client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	cfg.defaults()
	base, err := normalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	cfg.BaseURL = base
	if cfg.ChatModel == "" && cfg.EmbedModel == "" {
		return nil, errors.New("llm: neither a chat model nor an embedding model is configured")
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = base
	oc.HTTPClient = &retryAfterDoer{next: cfg.HTTPClient}
	return &Client{cfg: cfg, api: openai.NewClientWithConfig(oc)}, nil
}

// normalizeBaseURL checks the base URL and appends /v1 when it has no path
// (http://localhost:8000 → http://localhost:8000/v1), the convention of every
// OpenAI-compatible server.
func normalizeBaseURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("llm: OPENAI_BASE_URL is empty")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("llm: OPENAI_BASE_URL %q is not an http(s) URL", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1"
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ChatModel is the configured chat model name ("" when none).
func (c *Client) ChatModel() string { return c.cfg.ChatModel }

// EmbedModel is the configured embedding model name ("" when none).
func (c *Client) EmbedModel() string { return c.cfg.EmbedModel }

// Error is a failure reported by the model server.
type Error struct {
	Op         string // "chat" or "embed"
	StatusCode int    // HTTP status, 0 for transport errors
	Attempts   int
	Err        error
}

func (e *Error) Error() string {
	if e.StatusCode > 0 {
		return fmt.Sprintf("llm: %s: status %d after %d attempt(s): %v", e.Op, e.StatusCode, e.Attempts, e.Err)
	}
	return fmt.Sprintf("llm: %s: after %d attempt(s): %v", e.Op, e.Attempts, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// statusOf extracts the HTTP status from a go-openai error.
func statusOf(err error) int {
	var ae *openai.APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatusCode
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return re.HTTPStatusCode
	}
	return 0
}

// retryable reports whether an attempt that failed with err (and HTTP status)
// may be repeated: rate limits, server errors, timeouts and broken
// connections are; client errors (400, 401, 404 …) are not.
func retryable(err error, status int) bool {
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusRequestTimeout, status >= 500:
		return true
	case status >= 400:
		return false
	}
	if errors.Is(err, errFirstToken) || errors.Is(err, errIdle) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection reset") || strings.Contains(msg, "EOF") ||
		strings.Contains(msg, "connection refused") || strings.Contains(msg, "broken pipe")
}

// backoff returns the wait before retry number attempt (0-based), honouring
// a server's Retry-After hint.
func (c *Client) backoff(attempt int, hint time.Duration) time.Duration {
	if hint > 0 {
		return min(hint, c.cfg.RetryMax)
	}
	d := c.cfg.RetryBase << attempt
	if d <= 0 || d > c.cfg.RetryMax {
		d = c.cfg.RetryMax
	}
	// Full jitter in [d/2, d).
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// retryAfterDoer records a Retry-After header of a failed response in the
// request context's hint, so the retry loop can honour it.
type retryAfterDoer struct{ next *http.Client }

type hintKey struct{}

type retryHint struct{ wait time.Duration }

func (d *retryAfterDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.next.Do(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
		h.wait = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp, nil
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
