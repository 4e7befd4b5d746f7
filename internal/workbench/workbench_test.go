package workbench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/sqlite"
	"github.com/govchat/govchat/web/workbench"
)

type fakeLookup struct{}

func (fakeLookup) Lookup(_ context.Context, req lookup.Request) (lookup.Result, error) {
	text := strings.TrimSpace(req.Text)
	if text == "" {
		return lookup.Result{}, lookup.ErrEmpty
	}
	if len([]rune(text)) > 5000 {
		return lookup.Result{}, lookup.ErrTooLong
	}
	return lookup.Result{Query: text, Terms: []string{text}, FAQ: []lookup.Item{{ID: "f1", Title: "问题", Text: "答案", Copy: "答案\n依据《某办法》"}}}, nil
}

func newServer(t *testing.T) (*httptest.Server, *auth.Service) {
	t.Helper()
	return newServerWith(t, nil)
}

func newServerWith(t *testing.T, mod func(*Config)) (*httptest.Server, *auth.Service) {
	t.Helper()
	dir := t.TempDir()
	svc, err := auth.New(auth.Config{Path: filepath.Join(dir, "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	for _, u := range []auth.NewUser{
		{Username: "wang", Name: "王五", StaffNo: "1001", Role: auth.RoleOperator, Password: "operator password"},
		{Username: "boss", Name: "赵六", StaffNo: "9001", Role: auth.RoleAdmin, Password: "admin password!"},
	} {
		if _, err := svc.AddUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqlite.OpenDB(filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rv, err := review.New(db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	desk, err := handoff.New(handoff.Config{DB: db, Redact: func(s string) string { return s }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { desk.Close() })
	cfg := Config{Auth: auth.NewWeb(svc, auth.WebConfig{}, nil), Assets: workbench.FS, Lookup: fakeLookup{}, Desk: desk, Review: rv}
	if mod != nil {
		mod(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, svc
}

func signIn(t *testing.T, srv *httptest.Server, user, pw string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	code, body := call(t, c, "POST", srv.URL+"/api/agent/login", `{"username":"`+user+`","password":"`+pw+`"}`)
	if code != 200 {
		t.Fatalf("login %s = %d %s", user, code, body)
	}
	return c
}

func call(t *testing.T, c *http.Client, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type apiRoute struct{ method, path, body string }

var operatorRoutes = []apiRoute{
	{"POST", "/api/agent/lookup", `{"text":"公积金提取"}`},
	{"GET", "/api/agent/queue", ""},
	{"GET", "/api/agent/conversations", ""},
	{"GET", "/api/agent/messages?status=open", ""},
	{"GET", "/api/agent/me", ""},
	{"POST", "/api/agent/ws-ticket", ""},
	{"POST", "/api/agent/review/flags", `{"doc_id":"p1","problem":"outdated","note":"已有新文件"}`},
	{"POST", "/api/agent/review/proposals", `{"question":"新问题？","answer":"新答案。","department":"某局"}`},
	{"GET", "/agent/", ""},
}

var adminRoutes = []apiRoute{
	{"GET", "/api/admin/review?status=open", ""},
	{"GET", "/api/admin/audit", ""},
	{"GET", "/agent/review", ""},
}

func TestRoles(t *testing.T) {
	srv, _ := newServer(t)
	anon := &http.Client{}
	for _, r := range append(append([]apiRoute{}, operatorRoutes...), adminRoutes...) {
		if code, _ := call(t, anon, r.method, srv.URL+r.path, r.body); code != 401 {
			t.Errorf("anonymous %s %s = %d, want 401", r.method, r.path, code)
		}
	}
	if code, body := call(t, anon, "GET", srv.URL+"/agent/", ""); code != 401 || !strings.Contains(body, "坐席登录") {
		t.Errorf("anonymous workbench = %d, want 401 with the sign-in page", code)
	}
	if code, body := call(t, anon, "GET", srv.URL+"/agent/login", ""); code != 200 || !strings.Contains(body, "login.js") {
		t.Errorf("login page = %d", code)
	}

	op := signIn(t, srv, "wang", "operator password")
	for _, r := range operatorRoutes {
		code, body := call(t, op, r.method, srv.URL+r.path, r.body)
		if code != 200 && code != 201 {
			t.Errorf("operator %s %s = %d %s", r.method, r.path, code, body)
		}
	}
	for _, r := range adminRoutes {
		if code, _ := call(t, op, r.method, srv.URL+r.path, r.body); code != 403 {
			t.Errorf("operator %s %s = %d, want 403", r.method, r.path, code)
		}
	}
	adm := signIn(t, srv, "boss", "admin password!")
	for _, r := range append(append([]apiRoute{}, operatorRoutes...), adminRoutes...) {
		code, body := call(t, adm, r.method, srv.URL+r.path, r.body)
		if code != 200 && code != 201 {
			t.Errorf("admin %s %s = %d %s", r.method, r.path, code, body)
		}
	}
}

func TestReviewFlow(t *testing.T) {
	srv, svc := newServer(t)
	op := signIn(t, srv, "wang", "operator password")
	adm := signIn(t, srv, "boss", "admin password!")
	for _, bad := range []string{`{"doc_id":"p1","problem":"boring"}`, `{"problem":"wrong"}`, `{`, `"x"`} {
		if code, _ := call(t, op, "POST", srv.URL+"/api/agent/review/flags", bad); code != 400 {
			t.Errorf("flag %s = %d, want 400", bad, code)
		}
	}
	if code, _ := call(t, op, "POST", srv.URL+"/api/agent/review/proposals", `{"question":"问","answer":"`+strings.Repeat("长", 70000)+`"}`); code != 413 {
		t.Errorf("huge proposal = %d, want 413", code)
	}
	code, body := call(t, op, "POST", srv.URL+"/api/agent/review/proposals", `{"question":"社保卡丢了怎么办？","answer":"携带身份证到网点补办。","department":"人力资源社会保障局","conversation":"h_1"}`)
	if code != 201 {
		t.Fatalf("proposal = %d %s", code, body)
	}
	var created review.Item
	json.Unmarshal([]byte(body), &created)
	if created.StaffNo != "1001" || created.By != "wang" {
		t.Errorf("proposal author = %+v", created)
	}
	code, body = call(t, adm, "GET", srv.URL+"/api/admin/review?status=open", "")
	var list []ReviewItem
	json.Unmarshal([]byte(body), &list)
	if code != 200 || len(list) != 1 || !strings.Contains(list[0].FAQYAML, "question: 社保卡丢了怎么办？") {
		t.Fatalf("review list = %d %s", code, body)
	}
	if code, _ := call(t, adm, "POST", srv.URL+"/api/admin/review/999", `{"status":"accepted"}`); code != 404 {
		t.Errorf("resolve unknown = %d", code)
	}
	if code, _ := call(t, adm, "POST", srv.URL+"/api/admin/review/"+itoa(created.ID), `{"status":"maybe"}`); code != 400 {
		t.Errorf("resolve bad status = %d", code)
	}
	if code, body := call(t, adm, "POST", srv.URL+"/api/admin/review/"+itoa(created.ID), `{"status":"accepted","note":"已加入知识库"}`); code != 200 || !strings.Contains(body, `"status":"accepted"`) {
		t.Errorf("resolve = %d %s", code, body)
	}
	if _, body := call(t, adm, "GET", srv.URL+"/api/admin/review?status=open", ""); strings.TrimSpace(body) != "[]" {
		t.Errorf("open after resolve = %s", body)
	}
	ev, _ := svc.Events(context.Background(), "", 0)
	var actions []string
	for _, e := range ev {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	got := strings.Join(actions, ",")
	for _, want := range []string{"wang:review_proposal", "boss:review_accepted", "wang:login", "boss:login"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %s: %s", want, got)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestLookupAPI(t *testing.T) {
	srv, _ := newServer(t)
	op := signIn(t, srv, "wang", "operator password")
	tests := []struct {
		body string
		want int
	}{
		{`{"text":"公积金"}`, 200},
		{`{"text":"   "}`, 400},
		{`{"text":"` + strings.Repeat("长", 5001) + `"}`, 413},
		{`not json`, 400},
	}
	for _, tt := range tests {
		if code, body := call(t, op, "POST", srv.URL+"/api/agent/lookup", tt.body); code != tt.want {
			t.Errorf("lookup %.30s = %d %s, want %d", tt.body, code, body, tt.want)
		}
	}
}

func TestStatic(t *testing.T) {
	srv, _ := newServer(t)
	c := &http.Client{}
	resp, err := c.Get(srv.URL + "/agent/static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Errorf("app.js = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/agent/static/index.html", "/agent/static/embed.go", "/agent/static/nope.js"} {
		if code, _ := call(t, c, "GET", srv.URL+p, ""); code != 404 {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
	}
}

// similarServer is newServer with the 相似问 review: a FAQ file, the
// evidence store and a learner over them.
func similarServer(t *testing.T) (*httptest.Server, *learn.Learner, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	if err := os.WriteFile(path, []byte("entries:\n  - id: f1\n    question: 社保卡丢了怎么办？\n    answer: 携带身份证补办。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	entries := func(id string) (learn.Entry, bool) {
		b, _ := os.ReadFile(path)
		docs, _ := knowledge.ParseFAQ(path, string(b))
		for _, d := range docs {
			if d.ID == id {
				return learn.Entry{ID: d.ID, Question: d.Title, Similar: d.Similar, Path: path}, true
			}
		}
		return learn.Entry{}, false
	}
	db, err := sqlite.OpenDB(filepath.Join(dir, "evidence.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := learn.NewSQLStore(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := learn.New(learn.Config{Store: st, Entries: entries, Redact: safety.Redact})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	srv, _ := newServerWith(t, func(c *Config) {
		c.Similar, c.Evidence = &learn.Reviewer{Store: st, Entries: entries, Redact: safety.Redact}, l
	})
	return srv, l, path
}

// An operator's copy after typing a caller's words becomes a proposed
// 相似问 that an admin approves into the FAQ file; the routes need sign-in
// and the right role.
func TestSimilarReview(t *testing.T) {
	srv, l, path := similarServer(t)
	anon := &http.Client{}
	for _, r := range []apiRoute{{"POST", "/api/agent/lookup/copied", `{"text":"社保卡不见了","id":"f1"}`}, {"GET", "/api/admin/review/similar", ""}, {"POST", "/api/admin/review/similar", `{}`}} {
		if code, _ := call(t, anon, r.method, srv.URL+r.path, r.body); code != 401 {
			t.Errorf("anonymous %s %s = %d", r.method, r.path, code)
		}
	}
	op := signIn(t, srv, "wang", "operator password")
	adm := signIn(t, srv, "boss", "admin password!")
	if code, _ := call(t, op, "GET", srv.URL+"/api/admin/review/similar", ""); code != 403 {
		t.Errorf("operator list = %d", code)
	}
	for _, bad := range []string{`{"text":"","id":"f1"}`, `{"text":"社保卡不见了"}`, `{`} {
		if code, _ := call(t, op, "POST", srv.URL+"/api/agent/lookup/copied", bad); code != 400 {
			t.Errorf("copied %s = %d", bad, code)
		}
	}
	for _, text := range []string{"社保卡不见了咋办", "社保卡不见了咋办", "我的社保卡13912345678丢了"} {
		if code, body := call(t, op, "POST", srv.URL+"/api/agent/lookup/copied", `{"text":"`+text+`","id":"f1"}`); code != 204 {
			t.Fatalf("copied = %d %s", code, body)
		}
	}
	l.Flush()
	code, body := call(t, adm, "GET", srv.URL+"/api/admin/review/similar", "")
	var ps []learn.Proposal
	json.Unmarshal([]byte(body), &ps)
	if code != 200 || len(ps) != 1 || ps[0].Wording != "社保卡不见了咋办" || ps[0].Count != 2 || ps[0].Kinds["operator_copy"] != 2 {
		t.Fatalf("proposals = %d %s", code, body)
	}
	if strings.Contains(body, "13912345678") {
		t.Error("a phone number reached the review list")
	}
	ev, _ := json.Marshal(ps[0].Evidence)
	if code, _ := call(t, adm, "POST", srv.URL+"/api/admin/review/similar", `{"entry_id":"f1","evidence":`+string(ev)+`,"status":"approved","wording":"社保卡13912345678"}`); code != 400 {
		t.Errorf("approve with a phone number = %d", code)
	}
	code, body = call(t, adm, "POST", srv.URL+"/api/admin/review/similar", `{"entry_id":"f1","evidence":`+string(ev)+`,"status":"approved","wording":"社保卡不见了咋办"}`)
	if code != 200 || !strings.Contains(body, `"resolved":2`) {
		t.Fatalf("approve = %d %s", code, body)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "    similar:\n      - 社保卡不见了咋办\n") {
		t.Errorf("file:\n%s", b)
	}
	if code, _ := call(t, adm, "POST", srv.URL+"/api/admin/review/similar", `{"entry_id":"f1","evidence":`+string(ev)+`,"status":"rejected"}`); code != 404 {
		t.Errorf("decide again = %d", code)
	}
	if _, body := call(t, adm, "GET", srv.URL+"/api/admin/review/similar", ""); strings.TrimSpace(body) != "[]" {
		t.Errorf("after approval: %s", body)
	}
}
