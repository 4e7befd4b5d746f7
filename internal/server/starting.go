package server

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/web/site"
)

// Starting returns what the HTTP port answers while the service loads (the
// knowledge base, the index, the answerer), before the Server is built:
// /healthz 200, /readyz 503 "not ready: knowledge base loading", /metrics
// from reg; the APIs and the websocket 503 unavailable with Retry-After, the
// pages a 503 page. Every response carries the security headers.
func Starting(hotline string, reg *metrics.Registry) (http.Handler, error) {
	if hotline == "" {
		hotline = "12345"
	}
	tmpl, err := template.New("site").Funcs(templateFuncs).ParseFS(site.Templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("server: templates: %w", err)
	}
	var page bytes.Buffer
	tmpl.ExecuteTemplate(&page, "notfound", map[string]string{"Title": "正在加载", "Message": "知识库正在加载，请稍后刷新页面。", "Hotline": hotline})
	unavailable := func(w http.ResponseWriter, msg string) {
		writeError(w, &govchat.Error{Code: govchat.CodeUnavailable, Message: msg, RetryAfter: 5})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		writeReady(w, fmt.Errorf("knowledge base loading"))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) { writeMetrics(w, reg) })
	mux.HandleFunc("GET /api/docs/{id}", func(w http.ResponseWriter, r *http.Request) {
		unavailable(w, "知识库正在加载，请稍后再试。")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/ws" {
			unavailable(w, "服务正在启动，请稍后再试。")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write(page.Bytes())
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		mux.ServeHTTP(w, r)
	}), nil
}
