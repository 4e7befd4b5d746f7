package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
)

// fakeAnswerer answers "答：<question>" in three deltas, with one source. A
// question starting with "慢" waits for release (or its context); one
// starting with "拒" is refused; "错" fails.
type fakeAnswerer struct {
	mu       sync.Mutex
	requests []govchat.Request
	release  chan struct{}
	started  chan string
	delay    map[string]time.Duration
	deltas   int    // deltas per answer (3 when 0)
	deltaLen int    // runes per delta (question length when 0)
	fill     string // repeated to make big deltas
}

func (f *fakeAnswerer) Answer(ctx context.Context, req govchat.Request) (*govchat.Answer, error) {
	f.mu.Lock()
	f.requests = append(f.requests, req)
	d := f.delay[req.Question]
	f.mu.Unlock()
	if f.started != nil {
		f.started <- req.Question
	}
	if strings.HasPrefix(req.Question, "慢") {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, fmt.Errorf("fake: %w", ctx.Err())
		}
	}
	if strings.HasPrefix(req.Question, "错") {
		return nil, errors.New("fake: broken")
	}
	if strings.HasPrefix(req.Question, "拒") {
		return &govchat.Answer{Text: "抱歉，暂未找到相关政策。", Refused: true, Reason: "low_confidence", Mode: govchat.ModeRefused, Sources: []kb.Source{}}, nil
	}
	n := f.deltas
	if n == 0 {
		n = 3
	}
	var text strings.Builder
	for i := 0; i < n; i++ {
		piece := fmt.Sprintf("答%d：%s。", i, req.Question)
		if f.fill != "" {
			piece = strings.Repeat(f.fill, 1000)
		}
		if d > 0 {
			time.Sleep(d / time.Duration(n))
		}
		text.WriteString(piece)
		if req.Stream != nil {
			if err := req.Stream(piece); err != nil {
				return nil, err
			}
		}
	}
	src := kb.Source{N: 1, ID: "doc-1", Type: kb.TypePolicy, Title: "测试政策", URL: "https://www.example.gov.cn/1.html",
		DocURL: "/docs/doc-1#s1", DocNumber: "甬政发〔2019〕1号", Issuer: "测试市人民政府", Status: kb.StatusActive,
		Anchor: "s1", Snippet: "片段", Interpretations: []kb.Ref{{ID: "doc-2", Title: "解读", DocURL: "/docs/doc-2"}}}
	return &govchat.Answer{Text: text.String(), Mode: govchat.ModeExtractive, Sources: []kb.Source{src}, Terms: []string{req.Question}}, nil
}

func (f *fakeAnswerer) lastRequest() govchat.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

var piiRe = regexp.MustCompile(`\d{17}[\dXx]|1[3-9]\d{9}`)

func newHistory(t *testing.T) *history.Store {
	t.Helper()
	s, err := history.Open(history.Config{Path: filepath.Join(t.TempDir(), "h.db"), Redact: func(s string) string { return piiRe.ReplaceAllString(s, "*") }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type testServer struct {
	hub  *Hub
	srv  *httptest.Server
	url  string
	hist *history.Store
	spy  *spyRecorder
}

// spyRecorder passes records to the history and remembers their ids.
type spyRecorder struct {
	*history.Store
	mu  sync.Mutex
	ids []string
}

func (s *spyRecorder) Record(ctx context.Context, r govchat.Record) error {
	s.mu.Lock()
	s.ids = append(s.ids, r.AnswerID)
	s.mu.Unlock()
	return s.Store.Record(ctx, r)
}

func start(t *testing.T, cfg Config, ans Answerer) *testServer {
	t.Helper()
	hist := newHistory(t)
	spy := &spyRecorder{Store: hist}
	h, err := New(cfg, ans, spy)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		h.Shutdown(ctx)
		srv.Close()
	})
	return &testServer{hub: h, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http"), hist: hist, spy: spy}
}

func (ts *testServer) dial(t *testing.T, header http.Header) *chattest.Conn {
	t.Helper()
	return chattest.Dial(t, ts.url, header)
}

func ask(id, text string) AskFrame { return AskFrame{Type: TypeAsk, ID: id, Text: text} }

func TestAskStreamsDeltasThenAnswer(t *testing.T) {
	ts := start(t, Config{}, &fakeAnswerer{})
	c := ts.dial(t, nil)
	c.Send(ask("q1", "居住证怎么办"))
	s := c.Read()
	if s.S("type") != TypeSession || s.S("session") == "" || s.S("session_id") == "" || s["resumed"] != false || s["v"] != float64(1) {
		t.Fatalf("first frame = %v", s)
	}
	var text strings.Builder
	deltas := 0
	for {
		f := c.Read()
		if f.S("type") == TypeAnswer {
			if f.S("id") != "q1" || f.S("answer_id") == "" || f["refused"] != false || f.S("mode") != "extractive" {
				t.Errorf("answer frame = %v", f)
			}
			if f.S("text") != text.String() {
				t.Errorf("answer text %q != streamed %q", f.S("text"), text.String())
			}
			srcs, _ := f["sources"].([]any)
			if len(srcs) != 1 {
				t.Fatalf("sources = %v", f["sources"])
			}
			src := srcs[0].(map[string]any)
			for _, k := range []string{"id", "title", "url", "doc_url", "doc_number", "issuer", "status", "snippet", "interpretations"} {
				if _, ok := src[k]; !ok {
					t.Errorf("source lacks %q: %v", k, src)
				}
			}
			if interp := src["interpretations"].([]any)[0].(map[string]any); interp["doc_url"] != "/docs/doc-2" {
				t.Errorf("interpretation = %v", interp)
			}
			break
		}
		if f.S("type") != TypeDelta || f.S("id") != "q1" {
			t.Fatalf("unexpected frame %v", f)
		}
		deltas++
		text.WriteString(f.S("text"))
	}
	if deltas != 3 {
		t.Errorf("%d deltas, want 3", deltas)
	}
	// The exchange is in the history.
	rec, err := ts.hist.Answer(context.Background(), ts.lastAnswerID(t))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Question != "居住证怎么办" || rec.Channel != "web" || rec.Session != s.S("session_id") || len(rec.Sources) != 1 || rec.Sources[0].Anchor != "s1" {
		t.Errorf("history record = %+v", rec)
	}
}

// lastAnswerID is the id of the answer recorded last.
// TestChannelRecorded: the log records where a question came from — the
// widget, the mini-program (by its hello) or the HTTP API.
func TestChannelRecorded(t *testing.T) {
	ts := start(t, Config{}, &fakeAnswerer{})
	for _, tt := range []struct{ client, want string }{{"widget/1", "web"}, {"miniprogram/1", "miniprogram"}, {"", "web"}} {
		c := ts.dial(t, nil)
		c.Send(HelloFrame{Type: TypeHello, V: 1, Client: tt.client})
		c.Expect(TypeSession, nil)
		c.Send(ask("q", "居住证怎么办"))
		c.Expect(TypeAnswer, nil)
		rec, err := ts.hist.Answer(context.Background(), ts.lastAnswerID(t))
		if err != nil {
			t.Fatal(err)
		}
		if rec.Channel != tt.want {
			t.Errorf("client %q: channel %q, want %q", tt.client, rec.Channel, tt.want)
		}
	}
	if _, err := ts.hub.Ask(context.Background(), AskRequest{Question: "居住证怎么办", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if rec, _ := ts.hist.Answer(context.Background(), ts.lastAnswerID(t)); rec.Channel != "api" {
		t.Errorf("API channel %q", rec.Channel)
	}
}

func (ts *testServer) lastAnswerID(t *testing.T) string {
	t.Helper()
	ids := ts.answerIDs()
	if len(ids) == 0 {
		t.Fatal("no answer recorded")
	}
	return ids[len(ids)-1]
}

func (ts *testServer) answerIDs() []string {
	ts.spy.mu.Lock()
	defer ts.spy.mu.Unlock()
	return append([]string(nil), ts.spy.ids...)
}

func TestAsksAnsweredInOrder(t *testing.T) {
	fa := &fakeAnswerer{delay: map[string]time.Duration{"甲": 300 * time.Millisecond, "乙": 10 * time.Millisecond, "丙": 100 * time.Millisecond}}
	ts := start(t, Config{}, fa)
	c := ts.dial(t, nil)
	for _, q := range []string{"甲", "乙", "丙"} {
		c.Send(ask("id-"+q, q))
	}
	var order []string
	current := ""
	for len(order) < 3 {
		f := c.Read()
		switch f.S("type") {
		case TypeSession:
		case TypeDelta:
			if current == "" {
				current = f.S("id")
			}
			if f.S("id") != current {
				t.Fatalf("delta of %s while %s is being answered", f.S("id"), current)
			}
		case TypeAnswer:
			order = append(order, f.S("id"))
			current = ""
		default:
			t.Fatalf("unexpected %v", f)
		}
	}
	if strings.Join(order, ",") != "id-甲,id-乙,id-丙" {
		t.Errorf("answers in order %v", order)
	}
}

func TestBadFramesKeepConnectionUsable(t *testing.T) {
	ts := start(t, Config{MaxMessageBytes: 1024, MaxQuestionRunes: 20}, &fakeAnswerer{})
	c := ts.dial(t, nil)
	tests := []struct {
		name string
		mt   int
		data []byte
		code string
		id   string
	}{
		{"malformed JSON", websocket.TextMessage, []byte(`{"type":"ask","id":`), govchat.CodeBadRequest, ""},
		{"not an object", websocket.TextMessage, []byte(`[1,2,3]`), govchat.CodeBadRequest, ""},
		{"unknown type", websocket.TextMessage, []byte(`{"type":"dance","id":"x1"}`), govchat.CodeBadRequest, "x1"},
		{"missing type", websocket.TextMessage, []byte(`{"id":"x2"}`), govchat.CodeBadRequest, "x2"},
		{"binary frame", websocket.BinaryMessage, []byte{0x00, 0xff, 0x10}, govchat.CodeBadRequest, ""},
		{"invalid UTF-8", websocket.TextMessage, []byte("{\"type\":\"ask\",\"id\":\"u\",\"text\":\"\xff\xfe\"}"), govchat.CodeBadRequest, ""},
		{"too large", websocket.TextMessage, []byte(`{"type":"ask","id":"big","text":"` + strings.Repeat("长", 2000) + `"}`), govchat.CodeTooLarge, ""},
		{"ask without id", websocket.TextMessage, []byte(`{"type":"ask","text":"你好"}`), govchat.CodeBadRequest, ""},
		{"ask with numeric id", websocket.TextMessage, []byte(`{"type":"ask","id":7,"text":"你好"}`), govchat.CodeBadRequest, ""},
		{"empty question", websocket.TextMessage, []byte(`{"type":"ask","id":"e","text":"  "}`), govchat.CodeBadRequest, "e"},
		{"question too long", websocket.TextMessage, []byte(`{"type":"ask","id":"l","text":"` + strings.Repeat("问", 21) + `"}`), govchat.CodeTooLarge, "l"},
		{"feedback without helpful", websocket.TextMessage, []byte(`{"type":"feedback","id":"f","answer_id":"a_1"}`), govchat.CodeBadRequest, "f"},
		{"feedback on unknown answer", websocket.TextMessage, []byte(`{"type":"feedback","id":"g","answer_id":"a_1","helpful":true}`), govchat.CodeNotFound, "g"},
		{"hello from the future", websocket.TextMessage, []byte(`{"type":"hello","v":99}`), govchat.CodeBadRequest, ""},
		{"token without authenticator", websocket.TextMessage, []byte(`{"type":"hello","token":"abc"}`), govchat.CodeUnauthorized, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := c.For(t)
			c.SendRaw(tt.mt, tt.data)
			f, _ := c.ReadType(TypeError)
			if f.S("code") != tt.code || f.S("id") != tt.id || f.S("message") == "" {
				t.Errorf("error frame = %v, want code %s id %q", f, tt.code, tt.id)
			}
			// The connection is still usable.
			c.Send(Frame{Type: TypePing, ID: fmt.Sprint("p", i)})
			p, _ := c.ReadType(TypePong)
			if p.S("id") != fmt.Sprint("p", i) {
				t.Errorf("pong = %v", p)
			}
		})
	}
	c.Send(ask("ok", "最后一个问题"))
	if f, _ := c.ReadType(TypeAnswer); f.S("id") != "ok" {
		t.Errorf("answer after bad frames = %v", f)
	}
}

func TestHardLimitClosesWith1009(t *testing.T) {
	ts := start(t, Config{MaxMessageBytes: 1024, HardMessageBytes: 4096}, &fakeAnswerer{})
	c := ts.dial(t, nil)
	c.SendRaw(websocket.TextMessage, []byte(strings.Repeat("x", 8192)))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("err = %v, want close 1009", err)
		}
		break
	}
	waitFor(t, func() bool { return ts.hub.Conns() == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSessionRateLimit(t *testing.T) {
	ts := start(t, Config{SessionRate: Rate{PerMinute: 1, Burst: 2}}, &fakeAnswerer{})
	c := ts.dial(t, nil)
	for i := 0; i < 2; i++ {
		c.Send(ask(fmt.Sprint("ok", i), "问题"))
		if f, _ := c.ReadType(TypeAnswer); f.S("id") != fmt.Sprint("ok", i) {
			t.Fatalf("answer = %v", f)
		}
	}
	c.Send(ask("third", "问题"))
	f, _ := c.ReadType(TypeError)
	if f.S("code") != govchat.CodeRateLimited || f.S("id") != "third" || f["retry_after"].(float64) < 1 {
		t.Fatalf("third ask = %v", f)
	}
	// A new session on another socket is not limited by this one's budget.
	c2 := ts.dial(t, nil)
	c2.Send(ask("other", "问题"))
	if f, _ := c2.ReadType(TypeAnswer); f.S("id") != "other" {
		t.Fatalf("other session = %v", f)
	}
}

func TestIPRateLimitAcrossSockets(t *testing.T) {
	ts := start(t, Config{IPRate: Rate{PerMinute: 1, Burst: 3}}, &fakeAnswerer{})
	got := map[string]int{}
	for i := 0; i < 4; i++ {
		c := ts.dial(t, nil) // a new socket and session each time, same IP
		c.Send(ask("q", "问题"))
		for {
			f := c.Read()
			if typ := f.S("type"); typ == TypeAnswer || typ == TypeError {
				got[typ+"/"+f.S("code")]++
				break
			}
		}
	}
	if got["answer/"] != 3 || got["error/rate_limited"] != 1 {
		t.Errorf("outcomes = %v", got)
	}
}

func TestPendingAsksBounded(t *testing.T) {
	fa := &fakeAnswerer{release: make(chan struct{})}
	ts := start(t, Config{PendingAsks: 2}, fa)
	c := ts.dial(t, nil)
	c.Send(ask("a", "慢1"))
	c.Send(ask("b", "慢2"))
	c.Send(ask("c", "慢3"))
	f, _ := c.ReadType(TypeError)
	if f.S("id") != "c" || f.S("code") != govchat.CodeRateLimited {
		t.Fatalf("third pending ask = %v", f)
	}
	close(fa.release)
	for _, id := range []string{"a", "b"} {
		if f, _ := c.ReadType(TypeAnswer); f.S("id") != id {
			t.Fatalf("answer = %v, want %s", f, id)
		}
	}
}

func TestSlowClientIsDropped(t *testing.T) {
	fa := &fakeAnswerer{deltas: 2000, fill: "慢"} // 2000 deltas of 3 KB: 6 MB
	ts := start(t, Config{SendQueue: 4, SendTimeout: 200 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}, fa)
	c := ts.dial(t, nil)
	c.Send(ask("flood", "问题"))
	// Never read: the socket buffers fill, the writer blocks, the queue
	// fills, and the server gives up on this client.
	waitFor(t, func() bool { return ts.hub.Conns() == 0 })
	if v := ts.hub.m.dropped.With("slow").Value(); v < 1 {
		// The writer may hit its deadline first; either way the client is gone.
		t.Logf("dropped by write deadline (slow counter %v)", v)
	}
	// The answer was recorded as failed; nothing piled up in memory.
	waitFor(t, func() bool { return len(ts.answerIDs()) == 1 })
}

func TestReconnectResumesSession(t *testing.T) {
	fa := &fakeAnswerer{}
	ts := start(t, Config{}, fa)
	c1 := ts.dial(t, nil)
	c1.Send(HelloFrame{Type: TypeHello, V: 1, Client: "test"})
	s1, _ := c1.ReadType(TypeSession)
	if s1["resumed"] != false || s1["turns"] != float64(0) || s1.S("role") != "citizen" || s1.S("hotline") != "12345" {
		t.Fatalf("session = %v", s1)
	}
	c1.Send(ask("q1", "居住证"))
	a1, _ := c1.ReadType(TypeAnswer)
	c1.Close()

	c2 := ts.dial(t, nil)
	c2.Send(HelloFrame{Type: TypeHello, V: 1, Session: s1.S("session")})
	s2, _ := c2.ReadType(TypeSession)
	if s2["resumed"] != true || s2.S("session_id") != s1.S("session_id") || s2["turns"] != float64(1) {
		t.Fatalf("resumed session = %v", s2)
	}
	c2.Send(ask("q2", "需要什么材料"))
	c2.ReadType(TypeAnswer)
	req := fa.lastRequest()
	if len(req.History) != 1 || req.History[0].Question != "居住证" || req.History[0].Answer != a1.S("text") {
		t.Errorf("history passed to the answerer = %+v", req.History)
	}
	// Feedback on the answer given before the reconnect.
	helpful := false
	c2.Send(FeedbackFrame{Type: TypeFeedback, ID: "fb", AnswerID: a1.S("answer_id"), Helpful: &helpful, Reason: "没说清楚"})
	ack, _ := c2.ReadType(TypeAck)
	if ack.S("id") != "fb" || ack.S("of") != TypeFeedback || ack.S("answer_id") != a1.S("answer_id") {
		t.Errorf("ack = %v", ack)
	}
	fb, err := ts.hist.FeedbackOf(context.Background(), a1.S("answer_id"))
	if err != nil || len(fb) != 1 || fb[0].Helpful || fb[0].Reason != "没说清楚" {
		t.Errorf("stored feedback = %+v, %v", fb, err)
	}

	// An unknown token starts a new session.
	c3 := ts.dial(t, nil)
	c3.Send(HelloFrame{Type: TypeHello, Session: "no-such-token"})
	s3, _ := c3.ReadType(TypeSession)
	if s3["resumed"] != false || s3.S("session_id") == s1.S("session_id") {
		t.Errorf("unknown token = %v", s3)
	}
	// Feedback from another session on that answer is refused.
	c3.Send(FeedbackFrame{Type: TypeFeedback, ID: "x", AnswerID: a1.S("answer_id"), Helpful: &helpful})
	if f, _ := c3.ReadType(TypeError); f.S("code") != govchat.CodeNotFound {
		t.Errorf("feedback from another session = %v", f)
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	fa := &fakeAnswerer{release: make(chan struct{}), started: make(chan string, 4)}
	ts := start(t, Config{}, fa)
	c := ts.dial(t, nil)
	c.Send(ask("inflight", "慢问题"))
	<-fa.started
	c.Send(ask("queued", "排队的问题"))
	time.Sleep(50 * time.Millisecond) // let the reader queue it

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- ts.hub.Shutdown(ctx)
	}()
	waitFor(t, ts.hub.isClosing)
	// New sockets are refused while shutting down.
	if _, resp, err := websocket.DefaultDialer.Dial(ts.url, nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial during shutdown: %v %v", err, resp)
	}
	select {
	case err := <-done:
		t.Fatalf("shutdown returned before the answer finished: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(fa.release)
	a, _ := c.ReadType(TypeAnswer)
	if a.S("id") != "inflight" {
		t.Fatalf("answer = %v", a)
	}
	e, _ := c.ReadType(TypeError)
	if e.S("id") != "queued" || e.S("code") != govchat.CodeUnavailable {
		t.Errorf("queued ask = %v", e)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Errorf("close = %v, want 1001", err)
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if len(ts.answerIDs()) != 1 {
		t.Errorf("recorded answers = %v", ts.answerIDs())
	}
}

func TestShutdownDeadlineCancelsAnswers(t *testing.T) {
	fa := &fakeAnswerer{release: make(chan struct{}), started: make(chan string, 1)}
	ts := start(t, Config{}, fa)
	c := ts.dial(t, nil)
	c.Send(ask("stuck", "慢问题"))
	<-fa.started
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := ts.hub.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("shutdown = %v, want deadline exceeded", err)
	}
	waitFor(t, func() bool { return ts.hub.Conns() == 0 })
}

func TestOrigins(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string
		ok      bool
	}{
		{"no origin header", nil, "", true},
		{"same host", nil, "SAME", true},
		{"other host", nil, "https://evil.example", false},
		{"allowed", []string{"https://www.gov.example"}, "https://www.gov.example", true},
		{"allowed, trailing slash in config", []string{"https://www.gov.example/"}, "https://www.gov.example", true},
		{"not in list", []string{"https://www.gov.example"}, "https://evil.example", false},
		{"scheme matters", []string{"https://www.gov.example"}, "http://www.gov.example", false},
		{"wildcard", []string{"*"}, "https://anything.example", true},
		// govchat's own pages (workbench, the widget on /docs) are never
		// shut out by the list of embedding sites.
		{"own origin beside the list", []string{"https://www.gov.example"}, "SAME", true},
		{"own host, other port", []string{"https://www.gov.example"}, "OTHERPORT", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := start(t, Config{AllowedOrigins: tt.allowed}, &fakeAnswerer{})
			h := http.Header{}
			switch tt.origin {
			case "":
			case "SAME":
				h.Set("Origin", ts.srv.URL)
			case "OTHERPORT":
				h.Set("Origin", "http://127.0.0.1:1")
			default:
				h.Set("Origin", tt.origin)
			}
			c, resp, err := websocket.DefaultDialer.Dial(ts.url, h)
			if tt.ok != (err == nil) {
				t.Fatalf("dial err = %v, want ok=%v", err, tt.ok)
			}
			if err == nil {
				c.Close()
			} else if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status = %d", resp.StatusCode)
			}
		})
	}
	if _, err := New(Config{AllowedOrigins: []string{"www.gov.example"}}, &fakeAnswerer{}, nil); err == nil {
		t.Error("origin without scheme accepted")
	}
}

func TestConnectionsPerIP(t *testing.T) {
	ts := start(t, Config{MaxConnsPerIP: 2}, &fakeAnswerer{})
	a := ts.dial(t, nil)
	ts.dial(t, nil)
	// The handshake completes before the hub registers the socket: wait for
	// both, or "one left" below could be read before the second arrives.
	waitFor(t, func() bool { return ts.hub.Conns() == 2 })
	_, resp, err := websocket.DefaultDialer.Dial(ts.url, nil)
	if err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection: %v", err)
	}
	a.Close()
	waitFor(t, func() bool { return ts.hub.Conns() == 1 })
	ts.dial(t, nil) // a slot is free again
}

func TestKeepAlive(t *testing.T) {
	ts := start(t, Config{PingInterval: 50 * time.Millisecond}, &fakeAnswerer{})
	// A reading client answers pings (gorilla does so while reading) and stays.
	c := ts.dial(t, nil)
	frames := make(chan []byte, 16)
	go func() {
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				close(frames)
				return
			}
			frames <- b
		}
	}()
	// A client that never answers pings is closed after 2.5 intervals.
	c2, _, err := websocket.DefaultDialer.Dial(ts.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetPingHandler(func(string) error { return nil }) // swallow pings, no pong
	go func() {
		for {
			if _, _, err := c2.ReadMessage(); err != nil {
				return
			}
		}
	}()
	time.Sleep(400 * time.Millisecond) // eight ping intervals
	waitFor(t, func() bool { return ts.hub.Conns() == 1 })
	// The survivor is the reading client.
	c.Send(Frame{Type: TypePing, ID: "alive"})
	select {
	case b, ok := <-frames:
		if !ok || !strings.Contains(string(b), `"alive"`) {
			t.Fatalf("reading client: %q, open %v", b, ok)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
}

func TestHandoffWithoutOperators(t *testing.T) {
	ts := start(t, Config{Hotline: "0574-12345"}, &fakeAnswerer{})
	c := ts.dial(t, nil)
	c.Send(HandoffRequestFrame{Type: TypeHandoff, ID: "h1"})
	f, _ := c.ReadType(TypeHandoff)
	if f.S("status") != HandoffNoOperator || f.S("hotline") != "0574-12345" || !strings.Contains(f.S("message"), "0574-12345") || f.S("id") != "h1" {
		t.Errorf("handoff = %v", f)
	}
}

type fakeAuth map[string]govchat.Principal

func (a fakeAuth) Authenticate(ctx context.Context, token string) (govchat.Principal, error) {
	p, ok := a[token]
	if !ok {
		return govchat.Principal{}, errors.New("unknown token")
	}
	return p, nil
}

func TestRolesAndCustomFrames(t *testing.T) {
	auth := fakeAuth{"op-token": {Role: govchat.RoleOperator, ID: "u1", Name: "工号1001"}}
	hist := newHistory(t)
	h, err := New(Config{Authenticator: auth}, &fakeAnswerer{}, hist)
	if err != nil {
		t.Fatal(err)
	}
	type sayFrame struct {
		Type    string `json:"type"`
		Session string `json:"session_id"`
		Text    string `json:"text"`
	}
	h.Handle("say", []govchat.Role{govchat.RoleOperator}, func(ctx context.Context, c *Client, data []byte) error {
		var f sayFrame
		if err := json.Unmarshal(data, &f); err != nil {
			return govchat.Errorf(govchat.CodeBadRequest, "bad")
		}
		if h.SendToSession(f.Session, map[string]string{"type": "message", "from": c.Principal().Name, "text": f.Text}) == 0 {
			return govchat.Errorf(govchat.CodeNotFound, "没有这个会话")
		}
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer h.Shutdown(context.Background())
	ts := &testServer{hub: h, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http")}

	citizen := ts.dial(t, nil)
	citizen.Send(HelloFrame{Type: TypeHello})
	cs, _ := citizen.ReadType(TypeSession)
	citizen.Send(sayFrame{Type: "say", Session: cs.S("session_id"), Text: "hi"})
	if f, _ := citizen.ReadType(TypeError); f.S("code") != govchat.CodeForbidden {
		t.Errorf("citizen sending an operator frame = %v", f)
	}

	bad := ts.dial(t, nil)
	bad.Send(HelloFrame{Type: TypeHello, Token: "wrong"})
	if f, _ := bad.ReadType(TypeError); f.S("code") != govchat.CodeUnauthorized {
		t.Errorf("bad token = %v", f)
	}

	op := ts.dial(t, nil)
	op.Send(HelloFrame{Type: TypeHello, Token: "op-token"})
	if s, _ := op.ReadType(TypeSession); s.S("role") != "operator" {
		t.Errorf("operator session = %v", s)
	}
	op.Send(sayFrame{Type: "say", Session: cs.S("session_id"), Text: "您好，我是人工客服"})
	m, _ := citizen.ReadType("message")
	if m.S("from") != "工号1001" || m.S("text") != "您好，我是人工客服" {
		t.Errorf("pushed message = %v", m)
	}
	op.Send(sayFrame{Type: "say", Session: "s_nope", Text: "x"})
	if f, _ := op.ReadType(TypeError); f.S("code") != govchat.CodeNotFound {
		t.Errorf("unknown session = %v", f)
	}
}

func TestHTTPAskAndFeedback(t *testing.T) {
	fa := &fakeAnswerer{}
	ts := start(t, Config{}, fa)
	ctx := context.Background()
	a, err := ts.hub.Ask(ctx, AskRequest{ID: "r1", Question: "居住证", IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != TypeAnswer || a.ID != "r1" || a.Session == "" || a.AnswerID == "" || len(a.Sources) != 1 {
		t.Fatalf("answer = %+v", a)
	}
	b, err := ts.hub.Ask(ctx, AskRequest{Question: "需要什么材料", Session: a.Session, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Session != a.Session || len(fa.lastRequest().History) != 1 {
		t.Errorf("follow-up did not continue the session: %+v", fa.lastRequest().History)
	}
	r, _ := ts.hub.Ask(ctx, AskRequest{Question: "拒绝我", IP: "192.0.2.1"})
	if !r.Refused || r.Reason != "low_confidence" || r.Sources == nil {
		t.Errorf("refused = %+v", r)
	}
	_, err = ts.hub.Ask(ctx, AskRequest{Question: "错误", IP: "192.0.2.1"})
	var e *govchat.Error
	if !errors.As(err, &e) || e.Code != govchat.CodeInternal || !strings.Contains(e.Message, "12345") {
		t.Errorf("failing answerer: %v", err)
	}
	no := false
	if err := ts.hub.Feedback(ctx, FeedbackRequest{AnswerID: a.AnswerID, Helpful: &no, Session: a.Session, IP: "192.0.2.1"}); err != nil {
		t.Errorf("feedback: %v", err)
	}
	if err := ts.hub.Feedback(ctx, FeedbackRequest{AnswerID: "a_missing", Helpful: &no}); !errors.As(err, &e) || e.Code != govchat.CodeNotFound {
		t.Errorf("feedback on unknown answer: %v", err)
	}
	groups, err := ts.hist.Unanswered(ctx, govchat.UnansweredQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Errorf("unanswered = %+v", groups)
	}
}

func TestSlowConsumersDoNotBlockOthers(t *testing.T) {
	// Many sockets asking at once all get their answers.
	ts := start(t, Config{IPRate: Rate{PerMinute: -1}}, &fakeAnswerer{})
	var wg sync.WaitGroup
	var ok atomic.Int32
	for i := 0; i < 20; i++ {
		c := ts.dial(t, nil)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c.WriteJSON(ask(fmt.Sprint(i), "问题"))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			for {
				_, b, err := c.ReadMessage()
				if err != nil {
					return
				}
				if strings.Contains(string(b), `"type":"answer"`) {
					ok.Add(1)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	if ok.Load() != 20 {
		t.Errorf("%d of 20 answered", ok.Load())
	}
}

// Starting sessions costs a client nothing, so one address may start only
// NewSessionRate of them: hello after hello (or one HTTP ask after another)
// cannot fill the session table and push out other citizens' sessions.
func TestNewSessionsLimitedPerAddress(t *testing.T) {
	ts := start(t, Config{NewSessionRate: Rate{PerMinute: 1, Burst: 3}, Authenticator: fakeAuth{"operator-token": {Role: govchat.RoleOperator, ID: "wang"}}}, &fakeAnswerer{})
	c := ts.dial(t, nil)
	var tokens []string
	for i := range 3 {
		c.Send(HelloFrame{Type: TypeHello, V: 1})
		f, _ := c.ReadType(TypeSession)
		if f["resumed"] == true {
			t.Fatalf("hello %d resumed a session", i+1)
		}
		tokens = append(tokens, f.S("session"))
	}
	c.Send(HelloFrame{Type: TypeHello, V: 1})
	f, _ := c.ReadType(TypeError)
	if f.S("code") != govchat.CodeRateLimited || f["retry_after"].(float64) < 1 {
		t.Fatalf("fourth new session = %v", f)
	}
	// Resuming a session is not limited.
	c.Send(HelloFrame{Type: TypeHello, V: 1, Session: tokens[0]})
	if f, _ := c.ReadType(TypeSession); f["resumed"] != true {
		t.Fatalf("resume = %v", f)
	}
	// Nor is the HTTP API when it names a session; without one it is.
	ctx := context.Background()
	if _, err := ts.hub.Ask(ctx, AskRequest{Question: "问题", Session: tokens[1], IP: "127.0.0.1"}); err != nil {
		t.Errorf("API ask in a live session: %v", err)
	}
	var e *govchat.Error
	if _, err := ts.hub.Ask(ctx, AskRequest{Question: "问题", IP: "127.0.0.1"}); !errors.As(err, &e) || e.Code != govchat.CodeRateLimited {
		t.Errorf("API ask starting a fifth session: %v", err)
	}
	if n := ts.hub.sessions.len(); n != 3 {
		t.Errorf("sessions = %d, want 3", n)
	}
	// Signed-in staff (a call centre behind one address) are not limited.
	staff := ts.dial(t, nil)
	staff.Send(HelloFrame{Type: TypeHello, V: 1, Token: "operator-token"})
	if f, _ := staff.ReadType(TypeSession); f.S("role") != string(govchat.RoleOperator) {
		t.Errorf("operator hello = %v", f)
	}
	// Another address starts its own.
	if _, err := ts.hub.Ask(ctx, AskRequest{Question: "问题", IP: "192.0.2.9"}); err != nil {
		t.Errorf("another address: %v", err)
	}
}

// Per-address limits count an IPv6 client by its /64: rotating through the
// addresses of one prefix neither opens more sockets nor asks more questions.
func TestIPv6LimitsCountThePrefix(t *testing.T) {
	ts := start(t, Config{
		MaxConnsPerIP: 2, IPRate: Rate{PerMinute: 1, Burst: 2},
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Test-IP") },
	}, &fakeAnswerer{})
	dial := func(ip string) (*websocket.Conn, int) {
		c, resp, err := websocket.DefaultDialer.Dial(ts.url, http.Header{"X-Test-IP": {ip}})
		if err != nil {
			return nil, resp.StatusCode
		}
		t.Cleanup(func() { c.Close() })
		return c, http.StatusSwitchingProtocols
	}
	for i, ip := range []string{"2001:db8::1", "2001:db8::2:3"} {
		if _, code := dial(ip); code != http.StatusSwitchingProtocols {
			t.Fatalf("socket %d: %d", i+1, code)
		}
	}
	if _, code := dial("2001:db8::ffff:4"); code != http.StatusTooManyRequests {
		t.Errorf("third socket from one /64: status %d, want 429", code)
	}
	if _, code := dial("2001:db8:0:1::1"); code != http.StatusSwitchingProtocols {
		t.Errorf("socket from the next /64: status %d", code)
	}

	ctx := context.Background()
	var e *govchat.Error
	for i, ip := range []string{"2001:db8:5::1", "2001:db8:5::2", "2001:db8:5::3"} {
		_, err := ts.hub.Ask(ctx, AskRequest{Question: "问题", IP: ip})
		if i < 2 && err != nil {
			t.Fatalf("ask %d: %v", i+1, err)
		}
		if i == 2 && (!errors.As(err, &e) || e.Code != govchat.CodeRateLimited) {
			t.Errorf("third ask from one /64: %v, want rate_limited", err)
		}
	}
}

// A full session table makes room by dropping the longest-idle sessions
// without a socket, a batch at a time.
func TestFullSessionTableEvictsIdlest(t *testing.T) {
	ss := newSessions(time.Hour, 200)
	t0 := time.Now()
	var first []*Session
	for i := range 200 {
		s := ss.create(t0.Add(time.Duration(i)*time.Second), Rate{})
		if i < 3 {
			first = append(first, s)
		}
	}
	// The oldest one has a socket attached: it stays.
	first[0].attach(&Client{}, t0)
	s := ss.create(t0.Add(time.Hour), Rate{})
	if n := ss.len(); n > 200 {
		t.Fatalf("table holds %d sessions, max 200", n)
	}
	if ss.byPublicID(s.ID) == nil || ss.byPublicID(first[0].ID) == nil {
		t.Error("the new session or the attached one was evicted")
	}
	if ss.byPublicID(first[1].ID) != nil || ss.byPublicID(first[2].ID) != nil {
		t.Error("the idlest unattached sessions were kept")
	}
}

// Feedback over the socket spends the address's budget, as it does over the
// HTTP API: every feedback is a row in the history.
func TestSocketFeedbackIsRateLimited(t *testing.T) {
	ts := start(t, Config{IPRate: Rate{PerMinute: 1, Burst: 3}}, &fakeAnswerer{})
	c := ts.dial(t, nil)
	c.Send(ask("q", "问题"))
	a, _ := c.ReadType(TypeAnswer)
	no := false
	for i := range 3 {
		c.Send(FeedbackFrame{Type: TypeFeedback, ID: fmt.Sprint("f", i), AnswerID: a.S("answer_id"), Helpful: &no})
		f := c.Read()
		for f.S("type") != TypeAck && f.S("type") != TypeError {
			f = c.Read()
		}
		if i < 2 && f.S("type") != TypeAck {
			t.Fatalf("feedback %d: %v", i+1, f)
		}
		if i == 2 && (f.S("code") != govchat.CodeRateLimited || f.S("id") != "f2") {
			t.Fatalf("feedback beyond the budget: %v", f)
		}
	}
	fb, err := ts.hist.FeedbackOf(context.Background(), a.S("answer_id"))
	if err != nil || len(fb) != 2 {
		t.Errorf("stored feedback = %d (%v), want 2", len(fb), err)
	}
}

// A refused Origin is logged clipped: the header is the client's to fill
// (up to the server's 64 KiB header limit) and every refusal logs a line.
func TestRefusedOriginLogIsClipped(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(b)
	}), nil))
	ts := start(t, Config{Log: log}, &fakeAnswerer{})
	origin := "https://evil.example/" + strings.Repeat("a", 20000)
	if _, _, err := websocket.DefaultDialer.Dial(ts.url, http.Header{"Origin": {origin}}); err == nil {
		t.Fatal("foreign origin accepted")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "origin refused") || logs.Len() > 1000 {
		t.Errorf("log of the refusal is %d bytes:\n%.300s", logs.Len(), logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// relatedAnswerer offers two buttons with every answer and records the
// entry each question chose.
type relatedAnswerer struct {
	fakeAnswerer
	mu      sync.Mutex
	entries []string
}

func (r *relatedAnswerer) Answer(ctx context.Context, req govchat.Request) (*govchat.Answer, error) {
	r.mu.Lock()
	r.entries = append(r.entries, req.Entry)
	r.mu.Unlock()
	a, err := r.fakeAnswerer.Answer(ctx, req)
	if err == nil && !a.Refused {
		a.Clarify = true
		a.Related = []kb.Related{{ID: "e1", Question: "问一"}, {ID: "e2", Question: "问二"}}
	}
	return a, err
}

// A tapped button's via and the buttons an answer offered reach the
// observers with the record; feedback reaches the feedback observers with
// its session; a malformed via is refused. A tap on a button the
// conversation offered asks for that entry (Request.Entry); a via naming
// an entry nobody offered is a question as typed.
func TestViaAndObservers(t *testing.T) {
	ra := &relatedAnswerer{}
	h, err := New(Config{}, ra, newHistory(t))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var recs []govchat.Record
	var fbs []string
	h.Observe(func(_ context.Context, r govchat.Record) { mu.Lock(); recs = append(recs, r); mu.Unlock() })
	h.ObserveFeedback(func(_ context.Context, session string, f govchat.Feedback) {
		mu.Lock()
		fbs = append(fbs, fmt.Sprint(session != "", f.AnswerID, f.Helpful))
		mu.Unlock()
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer h.Shutdown(context.Background())
	c := chattest.Dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	c.Send(ask("q1", "身份证掉了咋办"))
	a1, _ := c.ReadType(TypeAnswer)
	c.Send(AskFrame{Type: TypeAsk, ID: "q2", Text: "问二", Via: &govchat.Via{AnswerID: a1.S("answer_id"), ID: "e2"}})
	a2, _ := c.ReadType(TypeAnswer)
	c.Send(AskFrame{Type: TypeAsk, ID: "q3", Text: "问九", Via: &govchat.Via{AnswerID: a1.S("answer_id"), ID: "e9"}})
	c.ReadType(TypeAnswer)
	ra.mu.Lock()
	if !slices.Equal(ra.entries, []string{"", "e2", ""}) {
		t.Errorf("entries asked for: %q, want none, e2 (offered), none (e9 was never offered)", ra.entries)
	}
	ra.mu.Unlock()
	for _, bad := range []*govchat.Via{{AnswerID: a1.S("answer_id")}, {ID: "e2"}, {AnswerID: strings.Repeat("a", 65), ID: "e2"}, {AnswerID: "a", ID: strings.Repeat("长", 100)}} {
		c.Send(AskFrame{Type: TypeAsk, ID: "bad", Text: "问二", Via: bad})
		if e, _ := c.ReadType(TypeError); e.S("code") != govchat.CodeBadRequest {
			t.Errorf("via %+v: %v", bad, e)
		}
	}
	yes := true
	c.Send(FeedbackFrame{Type: TypeFeedback, ID: "f1", AnswerID: a2.S("answer_id"), Helpful: &yes})
	c.ReadType(TypeAck)
	mu.Lock()
	defer mu.Unlock()
	if len(recs) != 3 || recs[0].Via != nil || !recs[0].Clarify || len(recs[0].Related) != 2 || recs[0].Related[1].ID != "e2" {
		t.Fatalf("records %+v", recs)
	}
	if v := recs[1].Via; v == nil || v.AnswerID != a1.S("answer_id") || v.ID != "e2" || recs[1].AnswerID != a2.S("answer_id") {
		t.Errorf("tapped record via %+v", v)
	}
	if len(fbs) != 1 || fbs[0] != fmt.Sprint(true, a2.S("answer_id"), true) {
		t.Errorf("feedback observed %q", fbs)
	}
}

// choosingAnswerer clarifies every question with two candidates, except a
// number typed after a clarification, which it answers as the candidate
// of that number (what the answerer does: Answer.Chosen).
type choosingAnswerer struct{ fakeAnswerer }

func (c *choosingAnswerer) Answer(ctx context.Context, req govchat.Request) (*govchat.Answer, error) {
	if n := len(req.History); n > 0 && req.Question == "2" && len(req.History[n-1].Choices) == 2 {
		ch := req.History[n-1].Choices[1]
		return &govchat.Answer{Text: "答复。[1]", Mode: govchat.ModeExtractive, Chosen: ch.ID, Standalone: ch.Question,
			Sources: []kb.Source{{N: 1, ID: ch.ID, Title: ch.Question}}}, nil
	}
	a, err := c.fakeAnswerer.Answer(ctx, req)
	if err == nil && !a.Refused {
		a.Clarify, a.Sources = true, nil
		a.Related = []kb.Related{{ID: "e1", Question: "问一"}, {ID: "e2", Question: "问二"}}
	}
	return a, err
}

// A candidate chosen by typing its number in reply to a clarification is
// recorded as a tap on the clarification's button: the turn kept the
// numbered candidates and the answer's id, the record's via names both (for
// the history and for learning from use), and its question is the button's.
func TestTypedChoiceRecordedAsTap(t *testing.T) {
	var mu sync.Mutex
	var recs []govchat.Record
	c := serveHub(t, &choosingAnswerer{}, func(h *Hub) {
		h.Observe(func(_ context.Context, r govchat.Record) { mu.Lock(); recs = append(recs, r); mu.Unlock() })
	})
	c.Send(ask("q1", "公积金怎么转"))
	a1, _ := c.ReadType(TypeAnswer)
	c.Send(ask("q2", "2"))
	a2, _ := c.ReadType(TypeAnswer)
	mu.Lock()
	defer mu.Unlock()
	if len(recs) != 2 || recs[0].Via != nil {
		t.Fatalf("records %+v", recs)
	}
	if v := recs[1].Via; v == nil || v.AnswerID != a1.S("answer_id") || v.ID != "e2" || recs[1].AnswerID != a2.S("answer_id") || recs[1].Question != "问二" {
		t.Errorf("typed choice record: via %+v, question %q", v, recs[1].Question)
	}
}

// 不对 right after an answer is the citizen's 👎 on it, with their words as
// the reason; after a clarification or a refusal it rates nothing.
func TestComplaintIsFeedback(t *testing.T) {
	for _, tc := range []struct {
		name string
		ans  Answerer
		want int // feedback recorded
	}{
		{"after an answer", &fakeAnswerer{}, 1},
		{"after a clarification", &choosingAnswerer{}, 0},
		{"after a refusal", &fakeAnswerer{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var fbs []govchat.Feedback
			c := serveHub(t, tc.ans, func(h *Hub) {
				h.ObserveFeedback(func(_ context.Context, _ string, f govchat.Feedback) { mu.Lock(); fbs = append(fbs, f); mu.Unlock() })
			})
			c.Send(ask("q1", "身份证掉了咋办"))
			a1, _ := c.ReadType(TypeAnswer)
			if tc.name == "after a refusal" {
				// (the fake refuses what starts with 拒; a refusal is not
				// kept as a turn, the answer before it is)
				c.Send(ask("q1b", "拒绝回答的问题"))
				c.ReadType(TypeAnswer)
			}
			c.Send(ask("q2", "不对，答非所问"))
			c.ReadType(TypeAnswer)
			mu.Lock()
			defer mu.Unlock()
			if len(fbs) != tc.want {
				t.Fatalf("feedback %+v, want %d", fbs, tc.want)
			}
			if tc.want > 0 && (fbs[0].AnswerID != a1.S("answer_id") || fbs[0].Helpful || !strings.Contains(fbs[0].Reason, "答非所问")) {
				t.Errorf("feedback %+v", fbs[0])
			}
		})
	}
}

// The via of a typed choice names the latest turn that offered it: the
// clarification, also when answers of its choices came after it (3, then
// 1), or the answer whose 您可能还想问 offered it.
func TestChoiceVia(t *testing.T) {
	clar := govchat.Turn{ID: "a_clar", Unsure: true, Choices: []govchat.Choice{{ID: "e1", Question: "问一"}, {ID: "e2", Question: "问二"}}}
	chose := govchat.Turn{ID: "a_e2", Docs: []string{"e2"}}
	for _, tc := range []struct {
		history []govchat.Turn
		id      string
		want    string
	}{
		{[]govchat.Turn{clar}, "e1", "a_clar"},
		{[]govchat.Turn{clar, chose}, "e1", "a_clar"},
		{[]govchat.Turn{clar}, "e9", ""},
		{[]govchat.Turn{{ID: "a_x", Choices: []govchat.Choice{{ID: "e9"}}}, clar}, "e9", "a_x"},
		{[]govchat.Turn{clar, {ID: "a_rel", Choices: []govchat.Choice{{ID: "e1"}}}}, "e1", "a_rel"},
		{nil, "e1", ""},
	} {
		got := ""
		if v := choiceVia(tc.history, tc.id); v != nil {
			got = v.AnswerID
			if v.ID != tc.id {
				t.Errorf("via id %q, want %q", v.ID, tc.id)
			}
		}
		if got != tc.want {
			t.Errorf("choiceVia(%v, %s) = %q, want %q", tc.history, tc.id, got, tc.want)
		}
	}
}

// serveHub serves a hub over ans (closed with the test), set up by setup
// before it serves, and dials it as a citizen.
func serveHub(t *testing.T, ans Answerer, setup func(*Hub)) *chattest.Conn {
	t.Helper()
	h, err := New(Config{}, ans, newHistory(t))
	if err != nil {
		t.Fatal(err)
	}
	setup(h)
	srv := httptest.NewServer(h)
	t.Cleanup(func() { h.Shutdown(context.Background()); srv.Close() })
	return chattest.Dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
}
