package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WebConfig configures the HTTP side of sign-in.
type WebConfig struct {
	// CookieName holds the session token; default "govchat_agent".
	CookieName string
	// Secure marks the cookie Secure (set it when serving over TLS, directly
	// or behind a proxy). Requests that arrive over TLS always get it.
	Secure bool
	// TrustProxy takes the client address from the last X-Forwarded-For hop
	// (only behind a reverse proxy that sets it).
	TrustProxy bool
	// ClientIP, when set, extracts the client address instead (the server's
	// trusted-proxy aware function); TrustProxy is then ignored.
	ClientIP func(*http.Request) string
	// Log receives failures; default slog.Default().
	Log *slog.Logger
}

// Web is the HTTP face of a Service: sign-in/out handlers and the
// middleware that guards operator and admin routes.
type Web struct {
	svc   *Service
	cfg   WebConfig
	audit Auditor
	csrf  *http.CrossOriginProtection
}

// NewWeb returns the HTTP handlers for svc. Sign-ins and sign-outs are
// recorded with audit (svc itself when nil).
func NewWeb(svc *Service, cfg WebConfig, audit Auditor) *Web {
	if cfg.CookieName == "" {
		cfg.CookieName = "govchat_agent"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if audit == nil {
		audit = svc
	}
	return &Web{svc: svc, cfg: cfg, audit: audit, csrf: http.NewCrossOriginProtection()}
}

type ctxKey struct{}

// WithSession returns ctx carrying s.
func WithSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// FromContext returns the session that Require put in ctx.
func FromContext(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(Session)
	return s, ok
}

// ClientIP returns the client address of r (without port).
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// IP returns the client address of r as this Web sees it.
func (w *Web) IP(r *http.Request) string {
	if w.cfg.ClientIP != nil {
		return w.cfg.ClientIP(r)
	}
	return ClientIP(r, w.cfg.TrustProxy)
}

// token returns the session token from the cookie or an Authorization:
// Bearer header.
func (w *Web) token(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(h[len("Bearer "):])
	}
	if c, err := r.Cookie(w.cfg.CookieName); err == nil {
		return c.Value
	}
	return ""
}

// Session returns the signed-in session of r, if any.
func (w *Web) Session(r *http.Request) (Session, error) {
	return w.svc.Authenticate(r.Context(), w.token(r))
}

// WriteError writes a JSON error in the shape of the protocol's error frame.
func WriteError(rw http.ResponseWriter, status int, code, message string) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(map[string]string{"type": "error", "code": code, "message": message})
}

// check authenticates r for role and writes 401/403 when it fails.
func (w *Web) check(rw http.ResponseWriter, r *http.Request, role Role) (Session, bool) {
	s, err := w.Session(r)
	if err != nil {
		if !errors.Is(err, ErrNoSession) {
			w.cfg.Log.Error("auth: session lookup", slog.Any("error", err))
			WriteError(rw, http.StatusInternalServerError, "internal", "服务暂时不可用，请稍后再试")
			return Session{}, false
		}
		WriteError(rw, http.StatusUnauthorized, "unauthorized", "请先登录")
		return Session{}, false
	}
	if !s.User.Role.Allows(role) {
		WriteError(rw, http.StatusForbidden, "forbidden", "当前账号无权进行此操作")
		return Session{}, false
	}
	return s, true
}

// Require wraps h so that it runs only for a signed-in account allowed
// role: 401 without a live session, 403 for the wrong role or a cross-site
// unsafe request. h finds the session with FromContext.
func (w *Web) Require(role Role, h http.Handler) http.Handler {
	inner := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s, ok := w.check(rw, r, role)
		if !ok {
			return
		}
		rw.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(rw, r.WithContext(WithSession(r.Context(), s)))
	})
	return w.csrf.Handler(inner)
}

// RequirePage is Require for HTML pages: without a session it answers 401
// with the sign-in page (login), for the wrong role 403 with the page denied
// (a short built-in page when denied is nil).
func (w *Web) RequirePage(role Role, h, login, denied http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s, err := w.Session(r)
		if err != nil {
			rw.Header().Set("Cache-Control", "no-store")
			login.ServeHTTP(&statusWriter{ResponseWriter: rw, status: http.StatusUnauthorized}, r)
			return
		}
		if !s.User.Role.Allows(role) {
			rw.Header().Set("Cache-Control", "no-store")
			if denied != nil {
				denied.ServeHTTP(&statusWriter{ResponseWriter: rw, status: http.StatusForbidden}, r)
				return
			}
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			rw.WriteHeader(http.StatusForbidden)
			io.WriteString(rw, `<!doctype html><meta charset="utf-8"><title>无权访问</title><p>当前账号无权访问此页面。<a href="/agent/">返回工作台</a></p>`)
			return
		}
		rw.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(rw, r.WithContext(WithSession(r.Context(), s)))
	})
}

// statusWriter replaces the status code a handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(int) {
	if !s.wrote {
		s.wrote = true
		s.ResponseWriter.WriteHeader(s.status)
	}
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.WriteHeader(0)
	return s.ResponseWriter.Write(b)
}

// Routes mounts POST /api/agent/login, POST /api/agent/logout,
// GET /api/agent/me and POST /api/agent/ws-ticket on mux.
func (w *Web) Routes(mux *http.ServeMux) {
	mux.Handle("POST /api/agent/login", w.csrf.Handler(http.HandlerFunc(w.login)))
	mux.Handle("POST /api/agent/logout", w.csrf.Handler(http.HandlerFunc(w.logout)))
	mux.Handle("GET /api/agent/me", w.Require(RoleOperator, http.HandlerFunc(w.me)))
	mux.Handle("POST /api/agent/ws-ticket", w.Require(RoleOperator, http.HandlerFunc(w.ticket)))
}

// ticket issues a one-time websocket ticket: {"ticket":"t_…","expires_in":60}.
func (w *Web) ticket(rw http.ResponseWriter, r *http.Request) {
	s, _ := FromContext(r.Context())
	t, err := w.svc.IssueTicket(s)
	if err != nil {
		WriteError(rw, http.StatusServiceUnavailable, "unavailable", "服务繁忙，请稍后再试")
		return
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(rw).Encode(map[string]any{"ticket": t, "expires_in": int(TicketTTL.Seconds())})
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// LoginResponse is the body of a successful sign-in. The token is also set
// as an HttpOnly cookie; API clients may send it as a Bearer token instead.
type LoginResponse struct {
	Token   string    `json:"token"`
	User    User      `json:"user"`
	Expires time.Time `json:"expires"`
}

func (w *Web) login(rw http.ResponseWriter, r *http.Request) {
	var req loginRequest
	dec := json.NewDecoder(http.MaxBytesReader(rw, r.Body, 4096))
	if err := dec.Decode(&req); err != nil || req.Username == "" || req.Password == "" {
		WriteError(rw, http.StatusBadRequest, "bad_request", "请输入用户名和密码")
		return
	}
	ip := w.IP(r)
	token, s, err := w.svc.Login(r.Context(), req.Username, req.Password, ip)
	var rl *RateLimitedError
	switch {
	case errors.As(err, &rl):
		rw.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds())+1))
		w.record(r, Event{Actor: cut(strings.ToLower(req.Username), 64), Action: "login_limited", IP: ip})
		WriteError(rw, http.StatusTooManyRequests, "rate_limited", "登录尝试过于频繁，请稍后再试")
		return
	case errors.Is(err, ErrBadCredentials):
		w.record(r, Event{Actor: cut(strings.ToLower(req.Username), 64), Action: "login_failed", IP: ip})
		WriteError(rw, http.StatusUnauthorized, "unauthorized", "用户名或密码错误")
		return
	case err != nil:
		w.cfg.Log.Error("auth: login", slog.Any("error", err))
		WriteError(rw, http.StatusInternalServerError, "internal", "服务暂时不可用，请稍后再试")
		return
	}
	w.record(r, Event{Actor: s.User.Username, StaffNo: s.User.StaffNo, Action: "login", IP: ip})
	http.SetCookie(rw, &http.Cookie{
		Name: w.cfg.CookieName, Value: token, Path: "/", Expires: s.Expires, MaxAge: int(s.Expires.Sub(w.svc.cfg.Now()).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: w.cfg.Secure || r.TLS != nil,
	})
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(rw).Encode(LoginResponse{Token: token, User: s.User, Expires: s.Expires})
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request) {
	if t := w.token(r); t != "" {
		if s, err := w.svc.Authenticate(r.Context(), t); err == nil {
			w.record(r, Event{Actor: s.User.Username, StaffNo: s.User.StaffNo, Action: "logout", IP: w.IP(r)})
		}
		if err := w.svc.Logout(r.Context(), t); err != nil {
			w.cfg.Log.Error("auth: logout", slog.Any("error", err))
		}
	}
	http.SetCookie(rw, &http.Cookie{Name: w.cfg.CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: w.cfg.Secure || r.TLS != nil})
	rw.WriteHeader(http.StatusNoContent)
}

func (w *Web) me(rw http.ResponseWriter, r *http.Request) {
	s, _ := FromContext(r.Context())
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(rw).Encode(s)
}

// Audit records e for the signed-in account of r (actor, 工号 and address
// filled in from the session and request).
func (w *Web) Audit(r *http.Request, e Event) {
	if s, ok := FromContext(r.Context()); ok {
		e.Actor, e.StaffNo = s.User.Username, s.User.StaffNo
	}
	if e.IP == "" {
		e.IP = w.IP(r)
	}
	w.record(r, e)
}

func (w *Web) record(r *http.Request, e Event) {
	if err := w.audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
		w.cfg.Log.Error("auth: audit", slog.Any("error", err))
	}
}

// Service returns the account service behind w.
func (w *Web) Service() *Service { return w.svc }
