package auth

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/ratelimit"
)

func newWebServer(t *testing.T) (*httptest.Server, *Service) {
	t.Helper()
	s, _ := newService(t, func(c *Config) { c.IPLimit = ratelimit.Rate{Burst: 30, Every: time.Minute} })
	addUser(t, s, "wang", "1001", RoleOperator)
	addUser(t, s, "boss", "9001", RoleAdmin)
	w := NewWeb(s, WebConfig{}, nil)
	mux := http.NewServeMux()
	w.Routes(mux)
	ok := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		sess, _ := FromContext(r.Context())
		w.Audit(r, Event{Action: "touch", Target: r.URL.Path})
		io.WriteString(rw, "ok "+sess.User.StaffNo)
	})
	mux.Handle("GET /api/agent/thing", w.Require(RoleOperator, ok))
	mux.Handle("POST /api/agent/thing", w.Require(RoleOperator, ok))
	mux.Handle("GET /api/admin/thing", w.Require(RoleAdmin, ok))
	login := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { io.WriteString(rw, "LOGIN PAGE") })
	denied := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { io.WriteString(rw, "DENIED PAGE") })
	mux.Handle("GET /agent/", w.RequirePage(RoleOperator, ok, login, nil))
	mux.Handle("GET /admin/", w.RequirePage(RoleAdmin, ok, login, denied))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, s
}

func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func do(t *testing.T, c *http.Client, method, url, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestHTTPRoles(t *testing.T) {
	srv, svc := newWebServer(t)
	anon := client(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/agent/thing", 401},
		{"POST", "/api/agent/thing", 401},
		{"GET", "/api/admin/thing", 401},
		{"GET", "/api/agent/me", 401},
		{"POST", "/api/agent/ws-ticket", 401},
		{"GET", "/agent/", 401},
	}
	for _, tt := range tests {
		if code, _, _ := do(t, anon, tt.method, srv.URL+tt.path, ""); code != tt.want {
			t.Errorf("anonymous %s %s = %d, want %d", tt.method, tt.path, code, tt.want)
		}
	}
	if _, body, _ := do(t, anon, "GET", srv.URL+"/agent/", ""); body != "LOGIN PAGE" {
		t.Errorf("anonymous page body = %q, want the login page", body)
	}

	op := client(t)
	code, body, hdr := do(t, op, "POST", srv.URL+"/api/agent/login", `{"username":"wang","password":"correct horse battery"}`)
	if code != 200 {
		t.Fatalf("login = %d %s", code, body)
	}
	if sc := hdr.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Strict") {
		t.Errorf("cookie = %q, want HttpOnly and SameSite=Strict", sc)
	}
	var lr LoginResponse
	json.Unmarshal([]byte(body), &lr)
	if lr.User.StaffNo != "1001" || lr.Token == "" {
		t.Fatalf("login response = %s", body)
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/agent/thing", 200},
		{"POST", "/api/agent/thing", 200},
		{"GET", "/api/admin/thing", 403},
		{"GET", "/api/agent/me", 200},
		{"POST", "/api/agent/ws-ticket", 200},
		{"GET", "/agent/", 200},
		{"GET", "/admin/", 403},
	} {
		if code, body, _ := do(t, op, tt.method, srv.URL+tt.path, ""); code != tt.want {
			t.Errorf("operator %s %s = %d %s, want %d", tt.method, tt.path, code, body, tt.want)
		}
	}
	// The wrong role on a page gets the page for it, with the status 403.
	if code, body, hdr := do(t, op, "GET", srv.URL+"/admin/", ""); code != 403 || body != "DENIED PAGE" || hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("operator GET /admin/ = %d %q (Cache-Control %q), want 403 with the denied page", code, body, hdr.Get("Cache-Control"))
	}
	// A cross-site POST carrying the cookie is refused.
	if code, _, _ := do(t, op, "POST", srv.URL+"/api/agent/thing", "", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); code != 403 {
		t.Errorf("cross-site POST = %d, want 403", code)
	}
	// A bearer token works without the cookie.
	if code, body, _ := do(t, http.DefaultClient, "GET", srv.URL+"/api/agent/thing", "", "Authorization", "Bearer "+lr.Token); code != 200 || body != "ok 1001" {
		t.Errorf("bearer = %d %q", code, body)
	}

	adm := client(t)
	if code, _, _ := do(t, adm, "POST", srv.URL+"/api/agent/login", `{"username":"boss","password":"correct horse battery"}`); code != 200 {
		t.Fatal("admin login failed")
	}
	for _, p := range []string{"/api/agent/thing", "/api/admin/thing", "/admin/"} {
		if code, _, _ := do(t, adm, "GET", srv.URL+p, ""); code != 200 {
			t.Errorf("admin GET %s = %d, want 200", p, code)
		}
	}

	// Logout ends the session.
	if code, _, _ := do(t, op, "POST", srv.URL+"/api/agent/logout", ""); code != 204 {
		t.Errorf("logout = %d", code)
	}
	if code, _, _ := do(t, http.DefaultClient, "GET", srv.URL+"/api/agent/thing", "", "Authorization", "Bearer "+lr.Token); code != 401 {
		t.Errorf("after logout = %d, want 401", code)
	}

	ev, _ := svc.Events(t.Context(), "wang", 0)
	var actions []string
	for _, e := range ev {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "logout") || !strings.Contains(got, "touch") || !strings.HasSuffix(got, "login") {
		t.Errorf("audit trail = %s", got)
	}
}

func TestHTTPLoginErrors(t *testing.T) {
	srv, _ := newWebServer(t)
	c := client(t)
	for _, body := range []string{"", "{", `{"username":"wang"}`, strings.Repeat("x", 10000)} {
		if code, _, _ := do(t, c, "POST", srv.URL+"/api/agent/login", body); code != 400 {
			t.Errorf("login body %.20q = %d, want 400", body, code)
		}
	}
	var code int
	var hdr http.Header
	for range 6 {
		code, _, hdr = do(t, c, "POST", srv.URL+"/api/agent/login", `{"username":"wang","password":"not the password"}`)
	}
	if code != 429 || hdr.Get("Retry-After") == "" {
		t.Errorf("6th failed login = %d (Retry-After %q), want 429", code, hdr.Get("Retry-After"))
	}
}
