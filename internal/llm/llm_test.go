package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer speaks the OpenAI chat-completions (SSE) and embeddings
// protocols; each test supplies the behaviour per attempt.
type fakeServer struct {
	*httptest.Server
	chatCalls  atomic.Int32
	embedCalls atomic.Int32
	mu         sync.Mutex
	requests   []map[string]any
	chat       func(w http.ResponseWriter, r *http.Request, attempt int)
	embed      func(w http.ResponseWriter, r *http.Request, attempt int, inputs []string)
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		n := int(f.chatCalls.Add(1))
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f.mu.Lock()
		f.requests = append(f.requests, body)
		f.mu.Unlock()
		f.chat(w, r, n)
	})
	mux.HandleFunc("POST /v1/embeddings", func(w http.ResponseWriter, r *http.Request) {
		n := int(f.embedCalls.Add(1))
		var body struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f.embed(w, r, n, body.Input)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// sse writes chunks as chat.completion.chunk events and then [DONE].
func sse(w http.ResponseWriter, chunks ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	first := map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "m",
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": ""}}}}
	writeEvent(w, first)
	fl.Flush()
	for _, c := range chunks {
		writeEvent(w, chunk(c))
		fl.Flush()
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

func chunk(content string) map[string]any {
	return map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "m",
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": content}, "finish_reason": nil}}}
}

func writeEvent(w io.Writer, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(w, "data: %s\n\n", b)
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"server_error","code":null}}`, msg)
}

func newTestClient(t *testing.T, url string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: url, APIKey: "sk-test", ChatModel: "qwen2.5", EmbedModel: "bge-m3",
		RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func userMsg(s string) ChatRequest {
	return ChatRequest{Messages: []Message{{Role: RoleSystem, Content: "系统"}, {Role: RoleUser, Content: s}}}
}

func collect() (*[]string, func(string) error) {
	var got []string
	return &got, func(s string) error { got = append(got, s); return nil }
}

func TestChatStreams(t *testing.T) {
	f := newFakeServer(t)
	var auth string
	f.chat = func(w http.ResponseWriter, r *http.Request, _ int) {
		auth = r.Header.Get("Authorization")
		sse(w, "根据", "资料[1]，", "可以办理。")
	}
	c := newTestClient(t, f.URL, nil) // no /v1: appended
	got, onDelta := collect()
	text, err := c.Chat(context.Background(), userMsg("问题"), onDelta)
	if err != nil {
		t.Fatal(err)
	}
	if text != "根据资料[1]，可以办理。" || strings.Join(*got, "|") != "根据|资料[1]，|可以办理。" {
		t.Fatalf("text %q deltas %q", text, *got)
	}
	if auth != "Bearer sk-test" {
		t.Errorf("Authorization = %q", auth)
	}
	req := f.requests[0]
	if req["model"] != "qwen2.5" || req["stream"] != true {
		t.Errorf("request = %v", req)
	}
	msgs := req["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["content"] != "问题" {
		t.Errorf("messages = %v", msgs)
	}
}

func TestChatRetriesBeforeFirstToken(t *testing.T) {
	tests := []struct {
		name     string
		fail     func(w http.ResponseWriter)
		attempts int32
		wantErr  bool
		status   int
	}{
		{"500 then ok", func(w http.ResponseWriter) { apiError(w, 500, "boom") }, 2, false, 0},
		{"429 then ok", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			apiError(w, 429, "slow down")
		}, 2, false, 0},
		{"502 html body then ok", func(w http.ResponseWriter) { w.WriteHeader(502); fmt.Fprint(w, "<html>bad gateway</html>") }, 2, false, 0},
		{"400 is not retried", func(w http.ResponseWriter) { apiError(w, 400, "bad request") }, 1, true, 400},
		{"401 is not retried", func(w http.ResponseWriter) { apiError(w, 401, "bad key") }, 1, true, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t)
			f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					tt.fail(w)
					return
				}
				sse(w, "好的")
			}
			c := newTestClient(t, f.URL+"/v1", nil)
			got, onDelta := collect()
			text, err := c.Chat(context.Background(), userMsg("q"), onDelta)
			if f.chatCalls.Load() != tt.attempts {
				t.Errorf("attempts = %d, want %d", f.chatCalls.Load(), tt.attempts)
			}
			if tt.wantErr {
				var le *Error
				if !errors.As(err, &le) || le.StatusCode != tt.status || le.Attempts != 1 {
					t.Fatalf("err = %v, want llm.Error with status %d", err, tt.status)
				}
				return
			}
			if err != nil || text != "好的" || len(*got) != 1 {
				t.Fatalf("text %q deltas %q err %v", text, *got, err)
			}
		})
	}
}

func TestChatGivesUpAfterMaxRetries(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) { apiError(w, 503, "overloaded") }
	c := newTestClient(t, f.URL, func(c *Config) { c.MaxRetries = 3 })
	_, err := c.Chat(context.Background(), userMsg("q"), nil)
	var le *Error
	if !errors.As(err, &le) || le.StatusCode != 503 || le.Attempts != 4 || f.chatCalls.Load() != 4 {
		t.Fatalf("err = %v, calls = %d", err, f.chatCalls.Load())
	}
}

func TestChatNoRetryAfterFirstToken(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		writeEvent(w, chunk("第一段"))
		w.(http.Flusher).Flush()
		// The connection breaks mid-stream.
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("no hijacker")
			return
		}
		conn, _, _ := hj.Hijack()
		conn.Close()
	}
	c := newTestClient(t, f.URL, nil)
	got, onDelta := collect()
	text, err := c.Chat(context.Background(), userMsg("q"), onDelta)
	if err == nil {
		t.Fatal("want an error for a broken stream")
	}
	if f.chatCalls.Load() != 1 || text != "第一段" || len(*got) != 1 {
		t.Fatalf("calls %d text %q deltas %q", f.chatCalls.Load(), text, *got)
	}
}

func TestChatStreamErrorEvent(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"error\":{\"message\":\"model crashed\",\"type\":\"server_error\"}}\n\n")
	}
	c := newTestClient(t, f.URL, func(c *Config) { c.MaxRetries = -1 })
	_, err := c.Chat(context.Background(), userMsg("q"), nil)
	if err == nil || !strings.Contains(err.Error(), "model crashed") {
		t.Fatalf("err = %v", err)
	}
}

func TestChatSlowFirstTokenIsRetried(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			select { // a server that hangs before answering
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			return
		}
		sse(w, "快")
	}
	c := newTestClient(t, f.URL, func(c *Config) { c.FirstTokenTimeout = 100 * time.Millisecond })
	start := time.Now()
	text, err := c.Chat(context.Background(), userMsg("q"), func(string) error { return nil })
	if err != nil || text != "快" || f.chatCalls.Load() != 2 {
		t.Fatalf("text %q err %v calls %d", text, err, f.chatCalls.Load())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v; the first attempt was not abandoned", d)
	}
}

func TestChatStallAfterFirstTokenFails(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		writeEvent(w, chunk("开始"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}
	c := newTestClient(t, f.URL, func(c *Config) { c.IdleTimeout = 100 * time.Millisecond })
	text, err := c.Chat(context.Background(), userMsg("q"), func(string) error { return nil })
	if !errors.Is(err, errIdle) || text != "开始" || f.chatCalls.Load() != 1 {
		t.Fatalf("text %q err %v calls %d", text, err, f.chatCalls.Load())
	}
}

func TestChatTotalTimeout(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; ; i++ { // a model that never stops talking
			writeEvent(w, chunk("啊"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	c := newTestClient(t, f.URL, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	_, err := c.Chat(context.Background(), userMsg("q"), func(string) error { return nil })
	if !errors.Is(err, errTimeout) {
		t.Fatalf("err = %v, want the model timeout", err)
	}
}

func TestChatCancellation(t *testing.T) {
	f := newFakeServer(t)
	serverSawCancel := make(chan struct{})
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		writeEvent(w, chunk("一"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			close(serverSawCancel)
		case <-time.After(5 * time.Second):
		}
	}
	c := newTestClient(t, f.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Chat(ctx, userMsg("q"), func(string) error { cancel(); return nil })
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Chat did not return after cancellation")
	}
	select {
	case <-serverSawCancel:
	case <-time.After(3 * time.Second):
		t.Fatal("the server request was not cancelled")
	}
	if f.chatCalls.Load() != 1 {
		t.Errorf("calls = %d", f.chatCalls.Load())
	}
}

func TestChatCallerStops(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) { sse(w, "a", "b", "c") }
	c := newTestClient(t, f.URL, nil)
	stop := errors.New("asker left")
	var got []string
	_, err := c.Chat(context.Background(), userMsg("q"), func(s string) error {
		got = append(got, s)
		if len(got) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(got) != 2 || f.chatCalls.Load() != 1 {
		t.Fatalf("err %v got %q calls %d", err, got, f.chatCalls.Load())
	}
}

func TestChatDropsThinkBlock(t *testing.T) {
	f := newFakeServer(t)
	f.chat = func(w http.ResponseWriter, r *http.Request, n int) {
		sse(w, "<thi", "nk>让我想想", "……</th", "ink>\n\n答案", "是[1]。")
	}
	c := newTestClient(t, f.URL, nil)
	got, onDelta := collect()
	text, err := c.Chat(context.Background(), userMsg("q"), onDelta)
	if err != nil || text != "答案是[1]。" || strings.Join(*got, "") != text {
		t.Fatalf("text %q deltas %q err %v", text, *got, err)
	}
}

func TestThinkFilterPassesOrdinaryText(t *testing.T) {
	for _, in := range [][]string{{"<", "b>粗体</b>"}, {"<t", "able>"}, {"普通"}, {"<thin"}} {
		var f thinkFilter
		var out strings.Builder
		for _, s := range in {
			out.WriteString(f.feed(s))
		}
		out.WriteString(f.flush())
		if out.String() != strings.Join(in, "") {
			t.Errorf("%q -> %q", in, out.String())
		}
	}
}

func embedOK(w http.ResponseWriter, inputs []string, dim int, reverse bool) {
	type emb struct {
		Object    string    `json:"object"`
		Embedding []float32 `json:"embedding"`
		Index     int       `json:"index"`
	}
	data := []emb{}
	for i, in := range inputs {
		v := make([]float32, dim)
		v[0] = float32(len([]rune(in)))
		v[1] = float32(i)
		data = append(data, emb{"embedding", v, i})
	}
	if reverse {
		for i, j := 0, len(data)-1; i < j; i, j = i+1, j-1 {
			data[i], data[j] = data[j], data[i]
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "bge-m3",
		"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1}})
}

func TestEmbedBatchesAndOrders(t *testing.T) {
	f := newFakeServer(t)
	var sizes []int
	var mu sync.Mutex
	f.embed = func(w http.ResponseWriter, r *http.Request, n int, inputs []string) {
		mu.Lock()
		sizes = append(sizes, len(inputs))
		mu.Unlock()
		embedOK(w, inputs, 4, true)
	}
	c := newTestClient(t, f.URL, func(c *Config) { c.EmbedBatchSize = 3; c.EmbedBatchRunes = 10 })
	texts := []string{"一", "二二", "三三三", "四", "五五五五五五五五五五五五", "六"}
	vecs, err := c.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	// 3 texts per batch, at most 10 runes (a longer text goes alone).
	if fmt.Sprint(sizes) != "[3 1 1 1]" {
		t.Errorf("batch sizes = %v", sizes)
	}
	for i, v := range vecs {
		if int(v[0]) != len([]rune(texts[i])) {
			t.Errorf("vector %d belongs to another text: %v", i, v)
		}
	}
}

func TestEmbedRetriesAndErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, n int, inputs []string)
		calls   int32
		wantErr string
	}{
		{"503 then ok", func(w http.ResponseWriter, n int, in []string) {
			if n == 1 {
				apiError(w, 503, "busy")
				return
			}
			embedOK(w, in, 3, false)
		}, 2, ""},
		{"429 then ok", func(w http.ResponseWriter, n int, in []string) {
			if n < 3 {
				w.Header().Set("Retry-After", "0.001")
				apiError(w, 429, "rate")
				return
			}
			embedOK(w, in, 3, false)
		}, 3, ""},
		{"401 not retried", func(w http.ResponseWriter, n int, in []string) { apiError(w, 401, "key") }, 1, "status 401"},
		{"too few vectors", func(w http.ResponseWriter, n int, in []string) { embedOK(w, in[:1], 3, false) }, 1, "1 embeddings for 2 inputs"},
		{"always 500", func(w http.ResponseWriter, n int, in []string) { apiError(w, 500, "x") }, 3, "status 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t)
			f.embed = func(w http.ResponseWriter, r *http.Request, n int, inputs []string) { tt.handler(w, n, inputs) }
			c := newTestClient(t, f.URL, nil)
			vecs, err := c.Embed(context.Background(), []string{"社保", "公积金"})
			if f.embedCalls.Load() != tt.calls {
				t.Errorf("calls = %d, want %d", f.embedCalls.Load(), tt.calls)
			}
			if tt.wantErr == "" {
				if err != nil || len(vecs) != 2 || len(vecs[0]) != 3 {
					t.Fatalf("vecs %v err %v", vecs, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestEmbedInputChecks(t *testing.T) {
	f := newFakeServer(t)
	var got []string
	f.embed = func(w http.ResponseWriter, r *http.Request, n int, inputs []string) {
		got = append(got, inputs...)
		embedOK(w, inputs, 2, false)
	}
	c := newTestClient(t, f.URL, func(c *Config) { c.EmbedMaxRunes = 3 })
	if _, err := c.Embed(context.Background(), []string{"好", "  "}); err == nil {
		t.Error("an empty text was accepted")
	}
	if v, err := c.Embed(context.Background(), nil); err != nil || v != nil {
		t.Errorf("nil input: %v %v", v, err)
	}
	if _, err := c.Embed(context.Background(), []string{"住房公积金提取", "a\xffb"}); err != nil {
		t.Fatal(err)
	}
	if got[0] != "住房公" || got[1] != "a\uFFFDb" {
		t.Errorf("sent %q", got)
	}
}

func TestEmbedCancellation(t *testing.T) {
	f := newFakeServer(t)
	f.embed = func(w http.ResponseWriter, r *http.Request, n int, inputs []string) {
		<-r.Context().Done()
	}
	c := newTestClient(t, f.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Embed(ctx, []string{"x"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tt := range []struct {
		url, want string
		ok        bool
	}{
		{"http://localhost:11434", "http://localhost:11434/v1", true},
		{"http://localhost:11434/v1/", "http://localhost:11434/v1", true},
		{"https://dashscope.aliyuncs.com/compatible-mode/v1", "https://dashscope.aliyuncs.com/compatible-mode/v1", true},
		{"", "", false},
		{"localhost:8000", "", false},
		{"ftp://x/v1", "", false},
	} {
		got, err := normalizeBaseURL(tt.url)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%q -> %q, %v", tt.url, got, err)
		}
	}
	if _, err := New(Config{BaseURL: "http://x"}); err == nil {
		t.Error("a client without models was accepted")
	}
	c, _ := New(Config{BaseURL: "http://x", EmbedModel: "e"})
	if _, err := c.Chat(context.Background(), userMsg("q"), nil); err == nil {
		t.Error("chat without a chat model was accepted")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"2": 2 * time.Second, "0.5": 500 * time.Millisecond, "": 0, "soon": 0,
		now.Add(3 * time.Second).Format(http.TimeFormat): 3 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("%q -> %v, want %v", in, got, want)
		}
	}
}
