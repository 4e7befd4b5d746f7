package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/chunk"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/metrics"
)

const xssTitle = `关于<script>alert("t")</script>的通知`
const xssBody = "一、总体要求\n\n（一）测试段落。<img src=x onerror=alert(1)>照常显示。\n\n（二）第二段<script>alert(2)</script>。"

func testBase() *kb.Base {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	docs := []*kb.Document{
		{ID: "policy-1", Type: kb.TypePolicy, Title: "某市居住证办理规定", DocNumber: "甬政发〔2019〕12号", Issuer: "某市人民政府",
			Published: day("2019-06-19"), URL: "https://www.example.gov.cn/art/2019/6/19/1.html",
			Body: "一、适用范围\n\n（一）本规定适用于本市。\n\n（二）**居住证**由公安机关签发。详见[官网](https://www.example.gov.cn/x)。\n\n二、办理流程\n\n（一）申请人携带身份证办理。"},
		{ID: "interp-1", Type: kb.TypeInterpretation, Title: "《某市居住证办理规定》政策解读", Interprets: "policy-1",
			Published: day("2019-06-20"), Body: "一、出台背景\n\n（一）为了规范居住证办理。"},
		{ID: "old-1", Type: kb.TypePolicy, Title: "旧规定", Status: kb.StatusRepealed, ReplacedBy: []string{"policy-1"}, Body: "旧的内容。"},
		{ID: "xss", Type: kb.TypePolicy, Title: xssTitle, Issuer: `<b onmouseover="x()">机关</b>`, URL: `javascript:alert(3)`, Body: xssBody},
		{ID: "faq-1", Type: kb.TypeFAQ, Title: "居住证多久能办好？", Similar: []string{"居住证要办几天"}, Sources: []string{"policy-1"}, Body: "一般7个工作日。"},
		{ID: "plan-2019", Type: kb.TypePolicy, Title: "关于印发2019年政务公开工作要点的通知", Sample: true, Published: day("2019-06-19"), Body: "一、总体要求\n\n（一）做好政务公开。"},
	}
	return kb.NewBase(docs, kb.Dict{})
}

type lib struct{ b *kb.Base }

func (l lib) Base() *kb.Base                { return l.b }
func (l lib) ChunksOf(id string) []kb.Chunk { return chunk.Split(l.b.Doc(id)) }

// echoAnswerer answers with the question in the text (so that XSS in a
// question comes back in the answer) and cites policy-1.
type echoAnswerer struct{ base *kb.Base }

func (e echoAnswerer) Answer(ctx context.Context, req govchat.Request) (*govchat.Answer, error) {
	d := e.base.Doc("policy-1")
	c := chunk.Split(d)[1]
	src := e.base.SourceOf(d, &c, c.Text, time.Now())
	src.N = 1
	text := "关于「" + req.Question + "」：居住证由公安机关签发[1]。"
	if req.Stream != nil {
		if err := req.Stream(text); err != nil {
			return nil, err
		}
	}
	return &govchat.Answer{Text: text, Mode: govchat.ModeExtractive, Sources: []kb.Source{src}}, nil
}

type fixture struct {
	srv  *Server
	hub  *chat.Hub
	hist *history.Store
	ts   *httptest.Server
	reg  *metrics.Registry
}

func newFixture(t *testing.T, cfg Config, ready bool) *fixture {
	t.Helper()
	hist, err := history.Open(history.Config{Path: filepath.Join(t.TempDir(), "h.db"), Redact: func(s string) string { return s }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hist.Close() })
	reg := metrics.NewRegistry()
	cfg.Metrics = reg
	cfg.Reporter = hist
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	base := testBase()
	hub, err := chat.New(chat.Config{Metrics: reg, Log: cfg.Log}, echoAnswerer{base}, hist)
	if err != nil {
		t.Fatal(err)
	}
	// Not ready: the port answers as while the service loads.
	var s *Server
	h, err := Starting(cfg.Hotline, reg)
	if err != nil {
		t.Fatal(err)
	}
	if ready {
		cfg.Library, cfg.Chat = lib{base}, hub
		if s, err = New(cfg); err != nil {
			t.Fatal(err)
		}
		h = s.Handler()
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		hub.Shutdown(context.Background())
		ts.Close()
	})
	return &fixture{srv: s, hub: hub, hist: hist, ts: ts, reg: reg}
}

func (f *fixture) get(t *testing.T, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.ts.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *fixture) post(t *testing.T, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Post(f.ts.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: response is not JSON: %v", path, err)
	}
	return resp, m
}

func TestDocumentPage(t *testing.T) {
	f := newFixture(t, Config{Hotline: "0574-12345"}, true)
	resp, body := f.get(t, "/docs/policy-1")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := []string{
		"<h1 id=\"doc-title\">某市居住证办理规定</h1>",
		"甬政发〔2019〕12号", "某市人民政府", "2019年6月19日",
		`class="badge badge-active"`, "现行有效",
		`href="https://www.example.gov.cn/art/2019/6/19/1.html"`,
		`<a href="/docs/interp-1">《某市居住证办理规定》政策解读</a>`,
		`<a href="https://www.example.gov.cn/x" rel="noopener noreferrer">官网</a>`,
		"<h2>一、适用范围</h2>", "<h2>二、办理流程</h2>", "0574-12345",
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	// Every chunk has its anchor, in order.
	last := -1
	for _, c := range chunk.Split(testBase().Doc("policy-1")) {
		i := strings.Index(body, `<section class="chunk" id="`+c.Anchor+`">`)
		if i < 0 || i < last {
			t.Errorf("anchor %s missing or out of order", c.Anchor)
		}
		last = i
	}
	// A run-in heading is not repeated above its own paragraph.
	if strings.Count(body, "（一）本规定适用于本市") != 1 && strings.Count(body, "(一)本规定适用于本市") != 1 {
		t.Errorf("run-in paragraph repeated or missing")
	}

	_, interp := f.get(t, "/docs/interp-1")
	if !strings.Contains(interp, "本文解读的政策") || !strings.Contains(interp, `<a href="/docs/policy-1">某市居住证办理规定</a>`) {
		t.Errorf("interpretation page does not link its policy")
	}
	_, old := f.get(t, "/docs/old-1")
	if !strings.Contains(old, "badge-repealed") || !strings.Contains(old, "现行文件：<a href=\"/docs/policy-1\">") {
		t.Errorf("repealed page lacks its badge or replacement")
	}
	_, faq := f.get(t, "/docs/faq-1")
	if !strings.Contains(faq, `id="answer"`) || !strings.Contains(faq, "居住证要办几天") || !strings.Contains(faq, "答复依据") {
		t.Errorf("FAQ page incomplete")
	}
}

// TestDocumentSampleAndPlanYear: demonstration content is marked 示例 (a
// badge and a notice), a dated annual plan shows its year beside its
// validity; /api/docs/{id} says both; other documents say neither.
func TestDocumentSampleAndPlanYear(t *testing.T) {
	f := newFixture(t, Config{}, true)
	_, body := f.get(t, "/docs/plan-2019")
	for _, want := range []string{
		`<span class="badge badge-active" title="效力状态">现行有效</span> <span class="badge badge-year" title="年度工作安排的年份">2019年度</span>`,
		`<span class="badge badge-sample" title="演示内容">示例</span>`,
		`本页为示例内容`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/docs/plan-2019 lacks %s", want)
		}
	}
	_, body = f.get(t, "/docs/policy-1")
	if strings.Contains(body, "badge-year") || strings.Contains(body, "badge-sample") || strings.Contains(body, "示例内容") {
		t.Error("/docs/policy-1 is marked as a sample or an annual plan")
	}
	var d struct {
		Sample   bool `json:"sample"`
		PlanYear int  `json:"plan_year"`
	}
	_, js := f.get(t, "/api/docs/plan-2019")
	if err := json.Unmarshal([]byte(js), &d); err != nil || !d.Sample || d.PlanYear != 2019 {
		t.Errorf("/api/docs/plan-2019 = %s, want sample and plan_year 2019", js)
	}
	_, js = f.get(t, "/api/docs/policy-1")
	if strings.Contains(js, `"sample"`) || strings.Contains(js, `"plan_year"`) {
		t.Errorf("/api/docs/policy-1 = %s, want neither sample nor plan_year", js)
	}
}

func TestDocumentPageEscapesEverything(t *testing.T) {
	f := newFixture(t, Config{}, true)
	_, body := f.get(t, "/docs/xss")
	for _, bad := range []string{"<script>alert", "<img src=x", "<b onmouseover", `href="javascript:`} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;照常显示", "&lt;b onmouseover="} {
		if !strings.Contains(body, good) {
			t.Errorf("page lacks escaped text %q", good)
		}
	}
	resp, js := f.get(t, "/api/docs/xss")
	if resp.StatusCode != 200 || strings.Contains(js, "<script>") || strings.Contains(js, "<img") {
		t.Errorf("JSON not escaped: %s", js)
	}
	// A javascript: URL is never returned, nor offered as the official page.
	if strings.Contains(js, "javascript") || strings.Contains(body, "javascript") || strings.Contains(body, "查看发文机关官方发布原文") {
		t.Errorf("the unsafe URL reached the page or the API")
	}
}

func TestDocumentJSON(t *testing.T) {
	f := newFixture(t, Config{}, true)
	resp, body := f.get(t, "/api/docs/policy-1")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var d DocJSON
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != "policy-1" || d.DocNumber != "甬政发〔2019〕12号" || d.Status != kb.StatusActive || d.Published != "2019-06-19" ||
		d.DocURL != "/docs/policy-1" || len(d.Interpretations) != 1 || d.Interpretations[0].ID != "interp-1" || len(d.Chunks) < 3 {
		t.Errorf("doc = %+v", d)
	}
	for _, c := range d.Chunks {
		if c.Anchor == "" || c.Text == "" {
			t.Errorf("chunk without anchor or text: %+v", c)
		}
	}
	_, body = f.get(t, "/api/docs/interp-1")
	json.Unmarshal([]byte(body), &d)
	if d.Interprets == nil || d.Interprets.ID != "policy-1" {
		t.Errorf("interprets = %+v", d.Interprets)
	}
}

func TestNotFoundAndNotReady(t *testing.T) {
	f := newFixture(t, Config{}, true)
	if resp, body := f.get(t, "/docs/nope"); resp.StatusCode != 404 || !strings.Contains(body, "未找到该文件") {
		t.Errorf("unknown doc page: %d", resp.StatusCode)
	}
	if resp, body := f.get(t, "/api/docs/nope"); resp.StatusCode != 404 || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("unknown doc JSON: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.get(t, "/api/nothing"); resp.StatusCode != 404 {
		t.Errorf("unknown API: %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, "/nothing"); resp.StatusCode != 404 {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
	if resp, err := http.Post(f.ts.URL+"/docs/policy-1", "text/plain", nil); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to a page: %v %v", resp.StatusCode, err)
	}

	g := newFixture(t, Config{}, false)
	if resp, _ := g.get(t, "/docs/policy-1"); resp.StatusCode != 503 {
		t.Errorf("doc page before loading: %d", resp.StatusCode)
	}
	if resp, m := g.post(t, "/api/ask", `{"question":"你好"}`); resp.StatusCode != 503 || m["code"] != "unavailable" {
		t.Errorf("ask before ready: %d %v", resp.StatusCode, m)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, Config{}, true)
	for _, p := range []string{"/", "/docs/policy-1", "/api/docs/policy-1", "/widget.js", "/nothing"} {
		resp, _ := f.get(t, p)
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	f := newFixture(t, Config{}, true)
	resp, body := f.get(t, "/widget.js")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(body, "GovChat") {
		t.Fatalf("widget.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := f.get(t, "/widget.js", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", resp.StatusCode)
	}
	if resp, body := f.get(t, "/"); resp.StatusCode != 200 || !strings.Contains(body, `src="/widget.js"`) {
		t.Errorf("demo page: %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, "/widget.css"); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("widget.css type %s", resp.Header.Get("Content-Type"))
	}
	if resp, _ := f.get(t, "/static/site.css"); resp.StatusCode != 200 {
		t.Errorf("site.css: %d", resp.StatusCode)
	}
}

func TestAPIAskAndFeedback(t *testing.T) {
	f := newFixture(t, Config{}, true)
	resp, a := f.post(t, "/api/ask", `{"question":"居住证<script>怎么办","id":"r1"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("ask: %d %v", resp.StatusCode, a)
	}
	if a["type"] != "answer" || a["id"] != "r1" || a["answer_id"] == "" || a["session"] == "" || a["refused"] != false {
		t.Errorf("answer = %v", a)
	}
	srcs := a["sources"].([]any)
	src := srcs[0].(map[string]any)
	for _, k := range []string{"id", "title", "url", "doc_url", "doc_number", "issuer", "status", "snippet", "interpretations"} {
		if _, ok := src[k]; !ok {
			t.Errorf("source lacks %s", k)
		}
	}
	if !strings.HasPrefix(src["doc_url"].(string), "/docs/policy-1#") {
		t.Errorf("doc_url = %v", src["doc_url"])
	}
	// Follow-up in the same session.
	resp, b := f.post(t, "/api/ask", fmt.Sprintf(`{"question":"需要什么材料","session":%q}`, a["session"]))
	if resp.StatusCode != 200 || b["session"] != a["session"] {
		t.Errorf("follow-up: %d %v", resp.StatusCode, b)
	}
	tests := []struct {
		body   string
		status int
		code   string
	}{
		{`{"question":`, 400, "bad_request"},
		{`{"question":""}`, 400, "bad_request"},
		{`{"question":"` + strings.Repeat("长", 600) + `"}`, 413, "too_large"},
		{`{"question":"` + strings.Repeat("长", 70000) + `"}`, 413, "too_large"},
		// Invalid UTF-8 is refused as on the websocket, not silently
		// replaced by U+FFFD.
		{"{\"question\":\"\xff\xfe居住证怎么办\"}", 400, "bad_request"},
		{"{\"question\":\"居住证\xe5\xb1\"}", 400, "bad_request"},
	}
	for _, tt := range tests {
		resp, m := f.post(t, "/api/ask", tt.body)
		if resp.StatusCode != tt.status || m["code"] != tt.code || m["message"] == "" {
			t.Errorf("%.30q: %d %v", tt.body, resp.StatusCode, m)
		}
		if !utf8.ValidString(tt.body) && m["message"] != chat.MsgInvalidUTF8 {
			t.Errorf("%.30q: message %q", tt.body, m["message"])
		}
	}
	if resp, m := f.post(t, "/api/feedback", "{\"answer_id\":\"a_x\",\"helpful\":false,\"reason\":\"\xff\"}"); resp.StatusCode != 400 || m["message"] != chat.MsgInvalidUTF8 {
		t.Errorf("feedback with invalid UTF-8: %d %v", resp.StatusCode, m)
	}
	resp, ack := f.post(t, "/api/feedback", fmt.Sprintf(`{"answer_id":%q,"helpful":false,"reason":"不清楚","session":%q}`, a["answer_id"], a["session"]))
	if resp.StatusCode != 200 || ack["type"] != "ack" {
		t.Errorf("feedback: %d %v", resp.StatusCode, ack)
	}
	if resp, m := f.post(t, "/api/feedback", `{"answer_id":"a_nope","helpful":true}`); resp.StatusCode != 404 || m["code"] != "not_found" {
		t.Errorf("feedback on unknown answer: %d %v", resp.StatusCode, m)
	}
	if resp, _ := f.post(t, "/api/feedback", `{"answer_id":"x"}`); resp.StatusCode != 400 {
		t.Errorf("feedback without helpful: %d", resp.StatusCode)
	}
}

func TestAdminUnanswered(t *testing.T) {
	disabled := newFixture(t, Config{}, true)
	if resp, _ := disabled.get(t, "/api/admin/unanswered", "Authorization", "Bearer x"); resp.StatusCode != 503 {
		t.Errorf("without a configured token: %d", resp.StatusCode)
	}
	f := newFixture(t, Config{AdminToken: "s3cret-token"}, true)
	ctx := context.Background()
	f.hist.Record(ctx, govchat.Record{AnswerID: "a1", Session: "s", Question: "养犬登记在哪办", Refused: true, Reason: "low_confidence", At: time.Now()})
	f.hist.Record(ctx, govchat.Record{AnswerID: "a2", Session: "s", Question: "养犬登记在哪办？", Refused: true, Reason: "low_confidence", At: time.Now()})
	tests := []struct {
		auth   string
		status int
	}{
		{"", 401},
		{"Bearer wrong", 401},
		{"Basic s3cret-token", 401},
		{"Bearer s3cret-token", 200},
		{"bearer s3cret-token", 200},
	}
	for _, tt := range tests {
		var resp *http.Response
		var body string
		if tt.auth == "" {
			resp, body = f.get(t, "/api/admin/unanswered")
		} else {
			resp, body = f.get(t, "/api/admin/unanswered", "Authorization", tt.auth)
		}
		if resp.StatusCode != tt.status {
			t.Errorf("%q: %d %s", tt.auth, resp.StatusCode, body)
		}
		if tt.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
		if tt.status == 200 {
			var r UnansweredResponse
			if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Groups) != 1 || r.Groups[0].Count != 2 {
				t.Errorf("report = %s", body)
			}
		}
	}
	if resp, _ := f.get(t, "/api/admin/unanswered?since=yesterday", "Authorization", "Bearer s3cret-token"); resp.StatusCode != 400 {
		t.Errorf("bad since: %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, "/api/admin/unanswered?limit=0", "Authorization", "Bearer s3cret-token"); resp.StatusCode != 400 {
		t.Errorf("bad limit: %d", resp.StatusCode)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	g := newFixture(t, Config{}, false)
	if resp, _ := g.get(t, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz while loading: %d", resp.StatusCode)
	}
	if resp, body := g.get(t, "/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "knowledge") {
		t.Errorf("readyz while loading: %d %s", resp.StatusCode, body)
	}
	f := newFixture(t, Config{}, true)
	var broken error
	var mu sync.Mutex
	f.srv.AddCheck("history", func(ctx context.Context) error { mu.Lock(); defer mu.Unlock(); return broken })
	if resp, _ := f.get(t, "/readyz"); resp.StatusCode != 200 {
		t.Errorf("readyz when ready: %d", resp.StatusCode)
	}
	mu.Lock()
	broken = errors.New("disk gone")
	mu.Unlock()
	if resp, body := f.get(t, "/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "history: disk gone") {
		t.Errorf("readyz with a failing check: %d %s", resp.StatusCode, body)
	}
	mu.Lock()
	broken = nil
	mu.Unlock()
	f.post(t, "/api/ask", `{"question":"居住证"}`)
	c := chattest.Dial(t, chattest.URL(f.ts.URL), nil)
	c.Send(map[string]string{"type": "ask", "id": "1", "text": "居住证"})
	c.ReadType("answer")
	_, body := f.get(t, "/metrics")
	for _, w := range []string{
		`govchat_http_requests_total{route="POST /api/ask",code="200"} 1`,
		`govchat_answers_total{channel="api",mode="extractive"} 1`,
		`govchat_answers_total{channel="ws",mode="extractive"} 1`,
		`govchat_answer_duration_seconds_count{mode="extractive"} 2`,
		"govchat_websocket_connections 1",
		"# TYPE govchat_refusals_total counter",
		"govchat_ready 1",
	} {
		if !strings.Contains(body, w) {
			t.Errorf("metrics lack %q", w)
		}
	}
	f.srv.Drain()
	if resp, _ := f.get(t, "/readyz"); resp.StatusCode != 503 {
		t.Errorf("readyz while draining: %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz while draining: %d", resp.StatusCode)
	}
}

func TestInline(t *testing.T) {
	tests := []struct {
		in   string
		want []span
	}{
		{"纯文本", []span{{Text: "纯文本"}}},
		{"前**加粗**后", []span{{Text: "前"}, {Text: "加粗", Bold: true}, {Text: "后"}}},
		{"见[官网](https://a.gov.cn/x)。", []span{{Text: "见"}, {Text: "官网", Href: "https://a.gov.cn/x"}, {Text: "。"}}},
		{"[坏链接](javascript:alert(1))", []span{{Text: "[坏链接](javascript:alert(1))"}}},
	}
	for _, tt := range tests {
		got := inline(tt.in)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("inline(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestFAQSourceLinksToParagraph(t *testing.T) {
	f := newFixture(t, Config{}, true)
	_, body := f.get(t, "/docs/faq-1")
	// The FAQ answer (7 working days) does not match any paragraph of
	// policy-1 well enough: the link goes to the document.
	if !strings.Contains(body, `<a href="/docs/policy-1">某市居住证办理规定</a>`) {
		t.Errorf("FAQ source link: %s", body)
	}
	b := testBase()
	c := bestMatch("居住证由公安机关签发", chunk.Split(b.Doc("policy-1")))
	if c == nil || c.Anchor != "s1-2" {
		t.Errorf("best match = %+v", c)
	}
}

func TestClientIP(t *testing.T) {
	trusted, err := ParsePrefixes([]string{"10.0.0.0/8", "192.0.2.7", " "})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePrefixes([]string{"not-an-ip"}); err == nil {
		t.Error("bad proxy accepted")
	}
	fn := ClientIPFunc(trusted)
	tests := []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:4000", "1.2.3.4", "203.0.113.5"}, // untrusted peer: header ignored
		{"10.1.2.3:4000", "198.51.100.9", "198.51.100.9"},
		{"10.1.2.3:4000", "1.1.1.1, 198.51.100.9, 10.9.9.9", "198.51.100.9"}, // right-most untrusted
		{"192.0.2.7:80", "", "192.0.2.7"},
		{"10.1.2.3:4000", "garbage", "10.1.2.3"},
		{"[::ffff:10.1.2.3]:4000", "2001:db8::1", "2001:db8::1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := fn(r); got != tt.want {
			t.Errorf("%s via %q = %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
	if ClientIPFunc([]netip.Prefix(nil)) == nil {
		t.Error("nil function")
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", now.AddDate(0, 0, -30), true},
		{"7d", now.AddDate(0, 0, -7), true},
		{"48h", now.Add(-48 * time.Hour), true},
		{"2025-01-02", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), true},
		{"-3d", time.Time{}, false},
		{"soon", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseSince(tt.in, now)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("ParseSince(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestWebsocketThroughMiddleware(t *testing.T) {
	f := newFixture(t, Config{}, true)
	c, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(f.ts.URL, "http")+"/ws", http.Header{"Sec-WebSocket-Protocol": {chat.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if resp.Header.Get("Sec-WebSocket-Protocol") != chat.Subprotocol {
		t.Errorf("subprotocol = %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	c.WriteJSON(map[string]string{"type": "ask", "id": "x", "text": `<img src=x onerror=alert(1)>`})
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(`"type":"answer"`)) {
			if bytes.Contains(b, []byte("<img")) {
				t.Errorf("frame carries raw markup: %s", b)
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			if !strings.Contains(m["text"].(string), "<img src=x onerror=alert(1)>") {
				t.Errorf("question text lost: %v", m["text"])
			}
			break
		}
	}
}
