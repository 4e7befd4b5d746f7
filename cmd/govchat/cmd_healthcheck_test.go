package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		"[::]:8080":      "http://127.0.0.1:8080/healthz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/healthz",
		"localhost:8081": "http://localhost:8081/healthz",
	} {
		if got := healthURL(addr); got != want {
			t.Errorf("healthURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestHealthcheckCommand(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			http.Error(w, "not ready: postgres", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path != "/healthz" || !healthy.Load() {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	getenv := func(k string) string {
		if k == "GOVCHAT_ADDR" {
			return strings.TrimPrefix(srv.URL, "http://")
		}
		return ""
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"healthcheck"}, nil, &out, &errb, getenv); code != 0 {
		t.Fatalf("healthy server: exit %d, %s", code, errb.String())
	}
	// --ready probes /readyz, which this server answers 503.
	if code := run(t.Context(), []string{"healthcheck", "--ready"}, nil, &out, &errb, getenv); code == 0 {
		t.Fatal("server not ready: healthcheck --ready exit 0")
	}
	healthy.Store(false)
	if code := run(t.Context(), []string{"healthcheck"}, nil, &out, &errb, getenv); code == 0 {
		t.Fatal("unhealthy server: exit 0")
	}
	if code := run(t.Context(), []string{"healthcheck", "--url", "http://127.0.0.1:1/healthz", "--timeout", "1s"}, nil, &out, &errb, getenv); code == 0 {
		t.Fatal("nothing listening: exit 0")
	}
}
