package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/wechat"
	"github.com/govchat/govchat/internal/wechat/wechattest"
)

type loginEnv struct {
	fake  *wechattest.Server
	store *wechat.Store
	srv   *httptest.Server
	logs  *bytes.Buffer
}

func newLoginEnv(t *testing.T, perMinute int) *loginEnv {
	t.Helper()
	fake := wechattest.NewServer("wxtestappid", "s3cret")
	t.Cleanup(fake.Close)
	client := newClient(t, fake, nil)
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &bytes.Buffer{}
	h, err := wechat.NewHandler(wechat.HandlerConfig{
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), LoginsPerMinute: perMinute,
	}, client, st)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", http.NotFound) // like govchat's catch-all route
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &loginEnv{fake: fake, store: st, srv: srv, logs: logs}
}

func (e *loginEnv) post(t *testing.T, path, body string, header http.Header) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("body %q: %v", b, err)
		}
	}
	return resp, m
}

func TestLoginIssuesTokenThatVerifies(t *testing.T) {
	e := newLoginEnv(t, 100)
	code := e.fake.Code("o_citizen")
	resp, m := e.post(t, "/api/wechat/login", `{"code":"`+code+`"}`, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d %v", resp.StatusCode, m)
	}
	tok, _ := m["token"].(string)
	if !strings.HasPrefix(tok, wechat.TokenPrefix) || m["expires_in"].(float64) <= 0 || m["expires_at"] == "" {
		t.Fatalf("answer %v", m)
	}
	if _, leaks := m["session_key"]; leaks {
		t.Fatal("session_key returned to the client")
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("login answer is cacheable")
	}
	// Authenticate accepts the bearer token on any request, e.g. a socket upgrade.
	req := httptest.NewRequest(http.MethodGet, "/ws", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	id, ok, err := e.store.Authenticate(req)
	if err != nil || !ok || id.OpenID != "o_citizen" {
		t.Fatalf("authenticate = %+v %v %v", id, ok, err)
	}
	// No token: anonymous, not an error. A bad token: an error.
	if _, ok, err := e.store.Authenticate(httptest.NewRequest(http.MethodGet, "/ws", nil)); ok || err != nil {
		t.Fatalf("anonymous: %v %v", ok, err)
	}
	req.Header.Set("Authorization", "Bearer "+wechat.TokenPrefix+strings.Repeat("A", 43))
	if _, ok, err := e.store.Authenticate(req); ok || err == nil {
		t.Fatalf("bad token accepted: %v %v", ok, err)
	}
	// Reusing the code is refused with WeChat's 40163 mapped.
	resp, m = e.post(t, "/api/wechat/login", `{"code":"`+code+`"}`, nil)
	if resp.StatusCode != http.StatusUnauthorized || m["code"] != "code_used" {
		t.Fatalf("reuse: %d %v", resp.StatusCode, m)
	}
	// The session endpoint reports a live token and refuses a bad one.
	sreq, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/wechat/session", nil)
	sreq.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(sreq); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("session check: %v %v", resp, err)
	}
	sreq.Header.Set("Authorization", "Bearer nonsense")
	if resp, err := http.DefaultClient.Do(sreq); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session check with bad token: %v %v", resp, err)
	}
	// Logout ends the token.
	resp, _ = e.post(t, "/api/wechat/logout", ``, http.Header{"Authorization": {"Bearer " + tok}})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout status %d", resp.StatusCode)
	}
	if _, err := e.store.Verify(context.Background(), tok); err == nil {
		t.Fatal("token valid after logout")
	}
	// Nothing secret reaches the log.
	for _, secret := range []string{tok, code, "s3cret"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Fatalf("log contains %q:\n%s", secret, e.logs)
		}
	}
}

func TestLoginErrors(t *testing.T) {
	e := newLoginEnv(t, 100)
	tests := []struct {
		body       string
		status     int
		code       string
		retryAfter string
	}{
		{`{"code":"err-40029"}`, 401, "invalid_code", ""},
		{`{"code":"err-40163"}`, 401, "code_used", ""},
		{`{"code":"err-45011"}`, 429, "rate_limited", "60"},
		{`{"code":"err-40226"}`, 403, "blocked", ""},
		{`{"code":"err--1"}`, 503, "busy", "5"},
		{`{"code":"http-502"}`, 503, "unavailable", "5"},
		{`{"code":""}`, 400, "bad_request", ""},
		{`{"code":123}`, 400, "bad_request", ""},
		{`not json`, 400, "bad_request", ""},
		{`{"code":"` + strings.Repeat("x", 5000) + `"}`, 400, "bad_request", ""},
	}
	for _, tt := range tests {
		resp, m := e.post(t, "/api/wechat/login", tt.body, nil)
		if resp.StatusCode != tt.status || m["code"] != tt.code {
			t.Errorf("%.40s: %d %v, want %d %s", tt.body, resp.StatusCode, m, tt.status, tt.code)
			continue
		}
		if msg, _ := m["message"].(string); !containsHan(msg) {
			t.Errorf("%.40s: message %q is not Chinese", tt.body, msg)
		}
		if got := resp.Header.Get("Retry-After"); got != tt.retryAfter {
			t.Errorf("%.40s: Retry-After %q, want %q", tt.body, got, tt.retryAfter)
		}
	}
	resp, err := http.Post(e.srv.URL+"/api/wechat/nothing", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
	if strings.Contains(e.logs.String(), "session_key") {
		t.Fatal("log mentions session_key")
	}
}

func TestLoginRateLimitedPerIP(t *testing.T) {
	e := newLoginEnv(t, 3)
	for i := 0; i < 3; i++ {
		if resp, m := e.post(t, "/api/wechat/login", `{"code":"err-40029"}`, nil); resp.StatusCode != 401 {
			t.Fatalf("attempt %d: %d %v", i, resp.StatusCode, m)
		}
	}
	calls := e.fake.Calls()
	resp, m := e.post(t, "/api/wechat/login", `{"code":"`+e.fake.Code("o1")+`"}`, nil)
	if resp.StatusCode != http.StatusTooManyRequests || m["code"] != "rate_limited" {
		t.Fatalf("4th attempt: %d %v", resp.StatusCode, m)
	}
	if e.fake.Calls() != calls {
		t.Fatal("a rate-limited login still called WeChat")
	}
}

func TestLoginNotConfigured(t *testing.T) {
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := wechat.NewHandler(wechat.HandlerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/wechat/login", strings.NewReader(`{"code":"abc"}`)))
	var m map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	if rec.Code != http.StatusServiceUnavailable || m["code"] != "misconfigured" {
		t.Fatalf("%d %v", rec.Code, m)
	}
}

// The per-address login limit counts an IPv6 client by its /64: rotating
// addresses within the prefix gets no new budget.
func TestLoginLimitCountsIPv6Prefix(t *testing.T) {
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := wechat.NewHandler(wechat.HandlerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), LoginsPerMinute: 2,
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Test-IP") }}, nil, st)
	if err != nil {
		t.Fatal(err)
	}
	login := func(ip string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/api/wechat/login", strings.NewReader(`{"code":"abc"}`))
		req.Header.Set("X-Test-IP", ip)
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i, ip := range []string{"2001:db8::1", "2001:db8::2"} {
		if code := login(ip); code == http.StatusTooManyRequests {
			t.Fatalf("attempt %d limited", i+1)
		}
	}
	if code := login("2001:db8::3"); code != http.StatusTooManyRequests {
		t.Errorf("third attempt from one /64: %d, want 429", code)
	}
	if code := login("2001:db8:0:1::3"); code == http.StatusTooManyRequests {
		t.Errorf("attempt from another /64 limited")
	}
}
