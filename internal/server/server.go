// Package server is govchat's HTTP front: routes (Go 1.22 method patterns),
// the JSON API, source-document pages rendered with html/template, the
// embedded widget and demo page, health/readiness/metrics endpoints, and
// security headers on every response.
//
// The server is built once everything it serves is loaded; until then the
// port answers with Starting (/healthz 200, /readyz 503, everything else
// 503), and /readyz turns 200 once the server answers and every check
// passes.
package server

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/web/site"
	"github.com/govchat/govchat/web/widget"
)

// Library gives the knowledge base and the chunks of a document as the
// index holds them (the same chunks, with the same anchors, that search
// cites); *search.Engine implements it.
type Library interface {
	Base() *kb.Base
	ChunksOf(docID string) []kb.Chunk
}

// Chat is the conversation service (*chat.Hub): the websocket endpoint and
// the non-streaming API.
type Chat interface {
	http.Handler
	Ask(ctx context.Context, req chat.AskRequest) (*chat.AnswerFrame, error)
	Feedback(ctx context.Context, req chat.FeedbackRequest) error
}

// Reporter lists the unanswered questions, and counts the refusals that
// are not knowledge gaps (*history.Store).
type Reporter interface {
	Unanswered(ctx context.Context, q govchat.UnansweredQuery) ([]govchat.Group, error)
	NotGaps(ctx context.Context, since time.Time) (map[string]int, error)
}

// Config configures the server.
type Config struct {
	Library Library // required: the knowledge base and its indexed chunks
	Chat    Chat    // required: the websocket and the non-streaming API
	// Catalog is the 政策文件库 at /docs/ and /api/docs; nil: they answer
	// unavailable.
	Catalog Catalog
	Hotline string // "12345"
	// AdminToken authorises the admin API (Authorization: Bearer …); empty
	// disables it.
	AdminToken string
	// SessionRole, when set, returns the role of the workbench account
	// signed in on r ("" when none): an "admin" session needs no token, any
	// other signed-in role is forbidden (403).
	SessionRole func(r *http.Request) string
	// ClientIP extracts the client address (chat.RemoteIP when nil; see
	// ClientIPFunc for proxies).
	ClientIP func(*http.Request) string
	Reporter Reporter // nil: the unanswered API answers unavailable
	Log      *slog.Logger
	Metrics  *metrics.Registry // a private registry when nil
	Now      func() time.Time
	// MaxBodyBytes bounds JSON request bodies (64 KiB).
	MaxBodyBytes int64
}

// templateFuncs are the functions the page templates use.
var templateFuncs = template.FuncMap{
	"inc": func(n int) int { return n + 1 },
	"dec": func(n int) int { return n - 1 },
}

// Server is the HTTP handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	tmpl   *template.Template
	static fs.FS
	assets map[string]asset

	draining atomic.Bool

	checksMu sync.Mutex
	checks   []check
	deps     []check // probes exported as metrics only (deps.go)

	reqs    *metrics.CounterVec
	reqTime *metrics.HistogramVec
	inUse   *metrics.Gauge
}

type check struct {
	name string
	fn   func(context.Context) error
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Library == nil || cfg.Chat == nil {
		return nil, errors.New("server: a library and a chat service are required")
	}
	if cfg.Hotline == "" {
		cfg.Hotline = "12345"
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = chat.RemoteIP
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewRegistry()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	tmpl, err := template.New("site").Funcs(templateFuncs).ParseFS(site.Templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("server: templates: %w", err)
	}
	static, err := fs.Sub(site.Static, "static")
	if err != nil {
		return nil, fmt.Errorf("server: static: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Log, mux: http.NewServeMux(), tmpl: tmpl, static: static, assets: map[string]asset{}}
	for name, fsys := range map[string]fs.FS{"widget.js": widget.FS, "widget.css": widget.FS, "site.css": static, "site.js": static, "library.css": static, "doc.js": static, "index.html": static} {
		a, err := loadAsset(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("server: asset %s: %w", name, err)
		}
		s.assets[name] = a
	}
	reg := cfg.Metrics
	s.reqs = reg.Counter("govchat_http_requests_total", "HTTP requests, by route and status code.", "route", "code")
	s.reqTime = reg.Histogram("govchat_http_request_duration_seconds", "HTTP request duration (websocket upgrades excluded).", metrics.DefaultLatencyBuckets, "route")
	s.inUse = reg.Gauge("govchat_http_requests_in_flight", "HTTP requests being served.")
	reg.GaugeFunc("govchat_ready", "1 when the service is ready to answer.", func() float64 {
		if s.ready(context.Background()) == nil {
			return 1
		}
		return 0
	})
	reg.GaugeFunc("govchat_knowledge_documents", "Documents in the loaded knowledge base.", func() float64 {
		return float64(cfg.Library.Base().Len())
	})
	s.dependencyMetrics(reg)
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.asset("index.html"))
	m.HandleFunc("GET /widget.js", s.asset("widget.js"))
	m.HandleFunc("GET /widget.css", s.asset("widget.css"))
	m.HandleFunc("GET /static/site.css", s.asset("site.css"))
	m.HandleFunc("GET /static/site.js", s.asset("site.js"))
	m.HandleFunc("GET /static/doc.js", s.asset("doc.js"))
	m.HandleFunc("GET /static/library.css", s.asset("library.css"))
	m.HandleFunc("GET /docs/{$}", s.libraryPage)
	m.HandleFunc("GET /api/docs", s.libraryJSON)
	m.HandleFunc("GET /docs/{id}", s.docPage)
	m.HandleFunc("GET /api/docs/{id}", s.docJSON)
	m.HandleFunc("POST /api/ask", s.apiAsk)
	m.HandleFunc("POST /api/feedback", s.apiFeedback)
	m.HandleFunc("GET /api/admin/unanswered", s.admin(s.apiUnanswered))
	m.HandleFunc("GET /ws", s.ws)
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.HandleFunc("GET /metrics", s.metrics)
	m.HandleFunc("GET /api/openapi.json", s.openAPI)
	m.HandleFunc("GET /api/frames.schema.json", s.frameSchema)
	m.HandleFunc("GET /api/events.schema.json", s.eventSchema)
	m.HandleFunc("GET /", s.notFound)
}

// Handle adds a route (for the operator workbench, WeChat login …); it gets
// the same middleware as the built-in routes.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Mux is the route table, for packages that register their own routes.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// AddCheck adds a readiness check (the history database, the vector store …).
func (s *Server) AddCheck(name string, fn func(context.Context) error) {
	s.checksMu.Lock()
	defer s.checksMu.Unlock()
	s.checks = append(s.checks, check{name, fn})
}

// Drain marks the server as shutting down: /readyz answers 503 so that load
// balancers stop sending traffic.
func (s *Server) Drain() { s.draining.Store(true) }

// Handler returns the server with its middleware: panic recovery, security
// headers, metrics and request logs.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		securityHeaders(rec.Header())
		s.inUse.Inc()
		defer func() {
			s.inUse.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("server: panic", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				if !rec.wrote {
					writeError(rec, errors.New("panic"))
				}
				rec.status = http.StatusInternalServerError
			}
			route := r.Pattern
			if route == "" {
				route = "other"
			}
			s.reqs.With(route, strconv.Itoa(rec.status)).Inc()
			if !rec.hijacked {
				s.reqTime.With(route).Observe(time.Since(start).Seconds())
			}
			level := slog.LevelDebug
			if rec.status >= 500 && rec.status != http.StatusServiceUnavailable {
				level = slog.LevelWarn
			}
			// The path only: query strings may carry personal data.
			s.log.Log(r.Context(), level, "http", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Duration("took", time.Since(start)))
		}()
		s.mux.ServeHTTP(rec, r)
	})
}

// Content-Security-Policy of govchat's own pages: no inline script or
// style, no plugins, no framing by other sites; 'self' in connect-src
// covers the same-origin websocket.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// statusRecorder remembers the status code; it passes Hijack and Flush
// through for the websocket upgrade and streaming.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	wrote    bool
	hijacked bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status = code
		r.wrote = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Hijack hands the connection to the websocket upgrader.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.hijacked = true
		r.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

// Flush sends buffered data to the client.
func (r *statusRecorder) Flush() { http.NewResponseController(r.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the underlying writer (Hijack,
// Flush, deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) ws(w http.ResponseWriter, r *http.Request) { s.cfg.Chat.ServeHTTP(w, r) }

// admin wraps a handler with the bearer-token check of the admin API.
func (s *Server) admin(next http.HandlerFunc) http.HandlerFunc {
	want := sha256.Sum256([]byte(s.cfg.AdminToken))
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.SessionRole != nil {
			switch role := s.cfg.SessionRole(r); role {
			case "":
			case "admin":
				w.Header().Set("Cache-Control", "no-store")
				next(w, r)
				return
			default:
				writeError(w, govchat.Errorf(govchat.CodeForbidden, "当前账号无权查看此报告。"))
				return
			}
		}
		if s.cfg.AdminToken == "" {
			if s.cfg.SessionRole != nil {
				writeError(w, govchat.Errorf(govchat.CodeUnauthorized, "请先以管理员账号登录工作台。"))
				return
			}
			writeError(w, govchat.Errorf(govchat.CodeUnavailable, "管理接口未启用：请设置 GOVCHAT_ADMIN_TOKEN。"))
			return
		}
		const prefix = "Bearer "
		h := r.Header.Get("Authorization")
		got := sha256.Sum256([]byte(h[min(len(prefix), len(h)):]))
		if len(h) < len(prefix) || !equalFoldASCII(h[:len(prefix)], prefix) || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="govchat-admin"`)
			writeError(w, govchat.Errorf(govchat.CodeUnauthorized, "需要有效的管理令牌。"))
			return
		}
		next(w, r)
	}
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}
