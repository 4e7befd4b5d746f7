package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/ratelimit"
)

// Exchanger turns a wx.login code into a WeChat session; *Client is one.
type Exchanger interface {
	Code2Session(ctx context.Context, code string) (Session, error)
}

// HandlerConfig configures the login API.
type HandlerConfig struct {
	Hotline string       // offered in some error messages, default "12345"
	Log     *slog.Logger // default slog.Default()
	// ClientIP names the client for rate limiting; default the host of
	// r.RemoteAddr. Behind a reverse proxy pass the server's own function.
	ClientIP func(*http.Request) string
	// LoginsPerMinute bounds login attempts per client IP: that many at
	// once, refilled over a minute (a token bucket); default 20.
	LoginsPerMinute int
	// Now is the clock, default time.Now.
	Now func() time.Time
}

// Handler serves the mini-program login API:
//
//	POST /api/wechat/login   {"code":"<wx.login code>"} → {"token","expires_at","expires_in"}
//	GET  /api/wechat/session (Authorization: Bearer <token>) → {"expires_at","expires_in"} or 401
//	POST /api/wechat/logout  (Authorization: Bearer <token>) → 204
//
// Errors are {"type":"error","code":"…","message":"<中文说明>"} (the shape of
// the chat protocol's error frame) with a matching HTTP status
// (400 bad_request, 401 invalid_code|code_used|unauthorized, 403 blocked,
// 429 rate_limited with Retry-After, 503 busy|unavailable|misconfigured).
type Handler struct {
	ex      Exchanger // nil when WeChat login is not configured
	store   *Store
	log     *slog.Logger
	hotline string
	ip      func(*http.Request) string
	limit   *ratelimit.Keyed
	now     func() time.Time
	mux     *http.ServeMux
}

// NewHandler returns the login API. ex may be nil (no appid/secret
// configured): every login then fails with CodeMisconfigured.
func NewHandler(cfg HandlerConfig, ex Exchanger, store *Store) (*Handler, error) {
	if store == nil {
		return nil, errors.New("wechat: handler: nil store")
	}
	if cfg.Hotline == "" {
		cfg.Hotline = "12345"
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = remoteHost
	}
	if cfg.LoginsPerMinute <= 0 {
		cfg.LoginsPerMinute = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{
		ex: ex, store: store, log: cfg.Log, hotline: cfg.Hotline, ip: cfg.ClientIP,
		limit: ratelimit.NewKeyed(ratelimit.PerMinute(float64(cfg.LoginsPerMinute), cfg.LoginsPerMinute), 100_000),
		now:   cfg.Now,
		mux:   http.NewServeMux(),
	}
	h.mux.HandleFunc("POST /api/wechat/login", h.login)
	h.mux.HandleFunc("GET /api/wechat/session", h.session)
	h.mux.HandleFunc("POST /api/wechat/logout", h.logout)
	return h, nil
}

// Mux is where Register mounts the endpoints (*http.ServeMux, server.Server).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register mounts the endpoints on mux with method patterns, so that they
// sit beside a catch-all "GET /" route.
func (h *Handler) Register(mux Mux) {
	for _, p := range []string{"POST /api/wechat/login", "GET /api/wechat/session", "POST /api/wechat/logout"} {
		mux.Handle(p, h)
	}
}

// ServeHTTP routes the endpoints; anything else under /api/wechat/ is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// maxLoginBody bounds the login request body.
const maxLoginBody = 4 << 10

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.limit.Take(ratelimit.Key(h.ip(r)), h.now()) > 0 { // an IPv6 client counts by its /64
		h.fail(w, r, &Error{Code: CodeRateLimited, Err: errors.New("govchat per-IP login limit")})
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	if err := dec.Decode(&req); err != nil {
		h.fail(w, r, &Error{Code: CodeBadRequest, Err: err})
		return
	}
	if h.ex == nil {
		h.fail(w, r, &Error{Code: CodeMisconfigured, Err: errors.New("GOVCHAT_WECHAT_APPID/GOVCHAT_WECHAT_SECRET not set")})
		return
	}
	sess, err := h.ex.Code2Session(r.Context(), req.Code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tok, err := h.store.Issue(r.Context(), sess)
	if err != nil {
		h.fail(w, r, &Error{Code: CodeInternal, Err: err})
		return
	}
	now := h.store.now()
	writeJSON(w, http.StatusOK, map[string]any{
		"token":      tok.Value,
		"expires_at": tok.ExpiresAt.UTC().Format(time.RFC3339),
		"expires_in": int64(tok.ExpiresAt.Sub(now).Seconds()),
	})
}

// session tells the mini-program whether its token is still good (it cannot
// see the HTTP status of a refused socket upgrade, so it asks here).
func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	id, ok, err := h.store.Authenticate(r)
	if err == nil && !ok {
		err = &Error{Code: CodeUnauthorized, Err: errors.New("no bearer token")}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"expires_at": id.ExpiresAt.UTC().Format(time.RFC3339),
		"expires_in": int64(id.ExpiresAt.Sub(h.store.now()).Seconds()),
	})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	tok := BearerToken(r)
	if tok == "" {
		h.fail(w, r, &Error{Code: CodeUnauthorized, Err: errors.New("no bearer token")})
		return
	}
	if err := h.store.Revoke(r.Context(), tok); err != nil {
		h.fail(w, r, &Error{Code: CodeInternal, Err: err})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail logs err (never the code, token or session key) and answers with the
// error's status and Chinese message.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: CodeInternal, Err: err}
	}
	status := HTTPStatus(e)
	level := slog.LevelInfo
	switch e.Code {
	case CodeMisconfigured, CodeInternal, CodeUnknown:
		level = slog.LevelError
	case CodeBusy, CodeUnavailable:
		level = slog.LevelWarn
	}
	h.log.Log(r.Context(), level, "wechat login failed", slog.String("code", string(e.Code)),
		slog.Int("errcode", e.Errcode), slog.Int("status", status), slog.Any("error", e))
	switch {
	case e.Code == CodeRateLimited:
		w.Header().Set("Retry-After", "60")
	case e.Temporary():
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, map[string]any{"type": "error", "code": e.Code, "message": UserMessage(e, h.hotline)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header,
// or "" when there is none. The mini-program sends it on wx.request and on
// wx.connectSocket (whose header option sets it on the upgrade request).
func BearerToken(r *http.Request) string {
	a := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(a, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// Authenticate verifies the request's bearer token. It returns ok=false with
// no error when the request carries no token (an anonymous citizen), and an
// error matching ErrUnauthorized when it carries a bad one.
func (s *Store) Authenticate(r *http.Request) (id Identity, ok bool, err error) {
	tok := BearerToken(r)
	if tok == "" {
		return Identity{}, false, nil
	}
	id, err = s.Verify(r.Context(), tok)
	if err != nil {
		return Identity{}, false, err
	}
	return id, true, nil
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
