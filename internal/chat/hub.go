package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/internal/ratelimit"
)

// Answerer answers one question (internal/answer.Answerer in production).
type Answerer interface {
	Answer(ctx context.Context, req govchat.Request) (*govchat.Answer, error)
}

// Recorder is the conversation log (internal/history.Store in production).
type Recorder interface {
	Record(ctx context.Context, r govchat.Record) error
	Feedback(ctx context.Context, f govchat.Feedback) error
}

// Observer is told of every question the hub has answered, refused or
// failed to answer, as the conversation log records it, once the log has
// it (whether or not there is a log). The handoff desk observes the hub: it
// keeps each session's recent exchanges for the operator's transcript and
// starts a handoff after refusals in a row. Observers run on the answering
// goroutine and must not block.
type Observer func(ctx context.Context, r govchat.Record)

// FeedbackObserver is told of every 👍/👎 the log has accepted, with the
// public id of the session it came from ("" when it came without one).
// It runs on the caller's goroutine and must not block.
type FeedbackObserver func(ctx context.Context, session string, f govchat.Feedback)

// Handler handles one client frame on the reader goroutine; it must not
// block for long (hand slow work to a goroutine and reply with Client.Send).
// A returned *Error is sent to the client as an error frame with the frame's
// id; any other error is logged and reported as internal.
type Handler func(ctx context.Context, c *Client, frame []byte) error

// Config tunes the hub. Zero values take the defaults shown.
type Config struct {
	// AllowedOrigins lists the browser origins (scheme://host[:port]) that
	// may open a socket besides the server's own host, which always may (its
	// workbench and pages); "*" allows any. Requests without an Origin header
	// (non-browser clients) are allowed.
	AllowedOrigins []string
	// Hotline is the phone number offered when no answer or operator helps.
	Hotline string // "12345"

	MaxMessageBytes  int // 8 KiB: a larger frame gets a too_large error; the socket stays open
	HardMessageBytes int // 1 MiB: a larger frame closes the socket (1009)
	MaxQuestionRunes int // 500

	SendQueue     int           // 16 frames queued per connection (a full queue blocks the sender up to SendTimeout)
	SendTimeout   time.Duration // 5s: a full queue blocks a sender this long before the client is dropped
	WriteTimeout  time.Duration // 10s per write
	PingInterval  time.Duration // 30s; the socket closes after 2.5 intervals without a pong or frame
	PendingAsks   int           // 4 questions accepted per connection (in flight + queued)
	AnswerTimeout time.Duration // 90s

	IPRate Rate // questions per client IP: 30/min, burst 15
	// NewSessionRate bounds the sessions one client address starts (a
	// hello without a known resume token, or a first ask): four times
	// IPRate (120/min, burst 60), disabled with it. Without it a client
	// could fill the session table.
	NewSessionRate Rate
	SessionRate    Rate // questions per session: 12/min, burst 6
	FrameRate      Rate // frames per connection: 600/min, burst 60

	MaxConns      int // 50000 open sockets; -1: unlimited
	MaxConnsPerIP int // 64 per IP; -1: unlimited

	SessionTTL  time.Duration // 30m idle
	MaxSessions int           // 100000
	MaxTurns    int           // 6 earlier exchanges kept as context

	// ClientIP extracts the client address (default: the host of RemoteAddr).
	ClientIP func(*http.Request) string
	// Authenticator checks hello tokens; nil rejects every token.
	Authenticator govchat.Authenticator
	// Sessions keeps sessions beyond this process (several instances);
	// nil: in memory only.
	Sessions SessionStore
	// SaveEvery is how soon a changed session is written to Sessions
	// (200ms).
	SaveEvery time.Duration
	Log       *slog.Logger
	// Metrics receives the hub's metrics (a private registry when nil).
	Metrics *metrics.Registry
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defR := func(r *Rate, d Rate) {
		if r.PerMinute == 0 && r.Burst == 0 {
			*r = d
		}
	}
	if c.Hotline == "" {
		c.Hotline = "12345"
	}
	def(&c.MaxMessageBytes, 8<<10)
	def(&c.HardMessageBytes, 1<<20)
	def(&c.MaxQuestionRunes, 500)
	def(&c.SendQueue, 16)
	defD(&c.SendTimeout, 5*time.Second)
	defD(&c.WriteTimeout, 10*time.Second)
	defD(&c.PingInterval, 30*time.Second)
	def(&c.PendingAsks, 4)
	defD(&c.AnswerTimeout, 90*time.Second)
	defR(&c.IPRate, Rate{PerMinute: 30, Burst: 15})
	defR(&c.SessionRate, Rate{PerMinute: 12, Burst: 6})
	defR(&c.FrameRate, Rate{PerMinute: 600, Burst: 60})
	if c.IPRate.enabled() {
		defR(&c.NewSessionRate, Rate{PerMinute: 4 * c.IPRate.PerMinute, Burst: 4 * max(c.IPRate.Burst, 1)})
	} else {
		defR(&c.NewSessionRate, Rate{PerMinute: -1})
	}
	def(&c.MaxConns, 50000)
	def(&c.MaxConnsPerIP, 64)
	defD(&c.SessionTTL, 30*time.Minute)
	def(&c.MaxSessions, 100000)
	def(&c.MaxTurns, 6)
	defD(&c.SaveEvery, 200*time.Millisecond)
	if c.ClientIP == nil {
		c.ClientIP = RemoteIP
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = metrics.NewRegistry()
	}
}

// RemoteIP is the host part of r.RemoteAddr.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Hub owns the connections and sessions.
type Hub struct {
	cfg      Config
	ans      Answerer
	rec      Recorder
	log      *slog.Logger
	upgrader websocket.Upgrader
	sessions *sessions
	ipLimit  *ratelimit.Keyed // questions (and feedback) per client address
	newSess  *ratelimit.Keyed // new sessions per client address
	ipConns  *connCounter

	handlers  map[string]route
	observers []Observer
	helloObs  []HelloObserver
	feedbacks []FeedbackObserver
	persist   *persister // nil without Config.Sessions

	mu       sync.Mutex
	clients  map[*Client]struct{}
	closing  bool
	active   int           // accepted asks not yet finished
	idle     chan struct{} // closed when active reaches 0 during shutdown
	gone     chan struct{} // closed when clients empties during shutdown
	stopJan  chan struct{}
	baseCtx  context.Context
	cancelFn context.CancelFunc

	m hubMetrics
}

type route struct {
	roles   map[govchat.Role]bool // nil: every role
	handler Handler
}

type hubMetrics struct {
	answers    *metrics.CounterVec
	refusals   *metrics.CounterVec
	latency    *metrics.HistogramVec
	errors     *metrics.CounterVec
	conns      *metrics.Gauge
	connsTotal *metrics.CounterVec
	dropped    *metrics.CounterVec
	limited    *metrics.CounterVec
	feedback   *metrics.CounterVec
}

// New builds a hub. ans is required; rec may be nil (nothing is recorded and
// feedback is answered with unavailable).
func New(cfg Config, ans Answerer, rec Recorder) (*Hub, error) {
	if ans == nil {
		return nil, errors.New("chat: an answerer is required")
	}
	cfg.defaults()
	if cfg.MaxMessageBytes > cfg.HardMessageBytes {
		return nil, fmt.Errorf("chat: MaxMessageBytes %d exceeds HardMessageBytes %d", cfg.MaxMessageBytes, cfg.HardMessageBytes)
	}
	for _, o := range cfg.AllowedOrigins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("chat: allowed origin %q is not scheme://host[:port]", o)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		cfg: cfg, ans: ans, rec: rec, log: cfg.Log,
		sessions: newSessions(cfg.SessionTTL, cfg.MaxSessions),
		ipLimit:  ratelimit.NewKeyed(cfg.IPRate.limit(), 100000),
		newSess:  ratelimit.NewKeyed(cfg.NewSessionRate.limit(), 100000),
		ipConns:  &connCounter{max: cfg.MaxConnsPerIP, n: map[string]int{}},
		handlers: map[string]route{},
		clients:  map[*Client]struct{}{},
		stopJan:  make(chan struct{}),
		baseCtx:  ctx, cancelFn: cancel,
	}
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
		WriteBufferPool:  &sync.Pool{},
		Subprotocols:     []string{Subprotocol},
		CheckOrigin:      h.checkOrigin,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			if status == http.StatusForbidden {
				writeHTTPError(w, status, govchat.Errorf(govchat.CodeForbidden, "该网站未获授权接入咨询服务。"))
				return
			}
			writeHTTPError(w, status, govchat.Errorf(govchat.CodeBadRequest, "需要 WebSocket 连接。"))
		},
	}
	if cfg.Sessions != nil {
		h.persist = newPersister(cfg.Sessions, cfg.SaveEvery, cfg.Log)
	}
	reg := cfg.Metrics
	h.m = hubMetrics{
		answers:    reg.Counter("govchat_answers_total", "Questions answered, by channel and answer mode.", "channel", "mode"),
		refusals:   reg.Counter("govchat_refusals_total", "Questions refused, by reason.", "reason"),
		latency:    reg.Histogram("govchat_answer_duration_seconds", "Time to a complete answer.", metrics.DefaultLatencyBuckets, "mode"),
		errors:     reg.Counter("govchat_ask_errors_total", "Questions that got an error frame instead of an answer, by code.", "code"),
		conns:      reg.Gauge("govchat_websocket_connections", "Open websocket connections."),
		connsTotal: reg.Counter("govchat_websocket_connections_total", "Websocket connections accepted."),
		dropped:    reg.Counter("govchat_websocket_dropped_total", "Websocket connections closed by the server, by reason.", "reason"),
		limited:    reg.Counter("govchat_rate_limited_total", "Requests refused by a rate limit, by scope.", "scope"),
		feedback:   reg.Counter("govchat_feedback_total", "Feedback received, by helpfulness.", "helpful"),
	}
	reg.GaugeFunc("govchat_sessions", "Conversation sessions held in memory.", func() float64 { return float64(h.sessions.len()) })
	h.Handle(TypeHello, nil, h.handleHello)
	h.Handle(TypePing, nil, h.handlePing)
	h.Handle(TypeAsk, nil, h.handleAsk)
	h.Handle(TypeFeedback, nil, h.handleFeedback)
	h.Handle(TypeHandoff, nil, h.handleHandoff)
	go h.janitor()
	return h, nil
}

// Handle registers (or replaces) the handler of a client frame type. roles
// lists who may send it; nil allows everyone. Register handlers before
// serving.
func (h *Hub) Handle(frameType string, roles []govchat.Role, handler Handler) {
	r := route{handler: handler}
	if roles != nil {
		r.roles = map[govchat.Role]bool{}
		for _, role := range roles {
			r.roles[role] = true
		}
	}
	h.handlers[frameType] = r
}

// ObserveFeedback adds an observer of every accepted feedback. Register
// observers before serving.
func (h *Hub) ObserveFeedback(fn FeedbackObserver) { h.feedbacks = append(h.feedbacks, fn) }

// Observe adds an observer of every exchange. Register observers before
// serving.
func (h *Hub) Observe(fn Observer) { h.observers = append(h.observers, fn) }

// Hotline is the configured hotline number.
func (h *Hub) Hotline() string { return h.cfg.Hotline }

// Session returns the live session with the public id, or nil.
func (h *Hub) Session(id string) *Session { return h.sessions.byPublicID(id) }

// HasSession reports whether the session with the public id is held by
// this hub.
func (h *Hub) HasSession(id string) bool { return h.sessions.byPublicID(id) != nil }

// SendToSession sends v to every socket attached to the session with the
// public id and returns how many accepted it.
func (h *Hub) SendToSession(sessionID string, v any) int {
	s := h.sessions.byPublicID(sessionID)
	if s == nil {
		return 0
	}
	n := 0
	for _, c := range s.clientList() {
		if c.Send(v) == nil {
			n++
		}
	}
	return n
}

// Conns is the number of open sockets.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *Hub) janitor() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			for _, s := range h.sessions.sweep(time.Now()) {
				h.persist.touch(s)
			}
		case <-h.stopJan:
			return
		}
	}
}

func (h *Hub) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser: no cross-site risk
	}
	// govchat's own pages (the host serving them: the Host header, as the
	// TLS proxy passes it on).
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.cfg.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	h.log.Info("chat: origin refused", slog.String("origin", clipLog(origin)))
	return false
}

// clipLog shortens a client-supplied string for a log line: a header may be
// 64 KiB, and every refused request writes one line.
func clipLog(s string) string {
	const n = 200
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// ServeHTTP upgrades the request to a websocket and serves the connection
// until it closes.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := h.cfg.ClientIP(r)
	h.mu.Lock()
	closing, full := h.closing, h.cfg.MaxConns > 0 && len(h.clients) >= h.cfg.MaxConns
	h.mu.Unlock()
	if closing {
		writeHTTPError(w, http.StatusServiceUnavailable, govchat.Errorf(govchat.CodeUnavailable, msgShutdown))
		return
	}
	if full {
		h.m.limited.With("server").Inc()
		writeHTTPError(w, http.StatusServiceUnavailable, govchat.Errorf(govchat.CodeUnavailable, "当前咨询人数较多，请稍后再试。"))
		return
	}
	if !h.ipConns.acquire(ip) {
		h.m.limited.With("ip_connections").Inc()
		w.Header().Set("Retry-After", "30")
		writeHTTPError(w, http.StatusTooManyRequests, &govchat.Error{Code: govchat.CodeRateLimited, Message: "来自您网络的连接过多，请关闭多余的页面后重试。", RetryAfter: 30})
		return
	}
	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.ipConns.release(ip)
		return // the upgrader has replied
	}
	c := h.newClient(conn, ip)
	if !h.add(c) {
		c.closeNow(websocket.CloseGoingAway, "server shutting down")
		h.ipConns.release(ip)
		return
	}
	h.m.connsTotal.With().Inc()
	h.m.conns.Inc()
	// The handler returns at once: the HTTP server then drops its
	// connection state and buffers, and the socket costs only its reader
	// and writer goroutines.
	go c.writeLoop()
	go c.readLoop()
}

func (h *Hub) add(c *Client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.clients[c] = struct{}{}
	return true
}

func (h *Hub) remove(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	h.m.conns.Dec()
	h.ipConns.release(c.ip)
	if len(h.clients) == 0 && h.gone != nil {
		close(h.gone)
		h.gone = nil
	}
}

// begin counts an accepted ask; it fails once shutdown has started.
func (h *Hub) begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.active++
	return true
}

func (h *Hub) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.active--
	if h.active == 0 && h.idle != nil {
		close(h.idle)
		h.idle = nil
	}
}

func (h *Hub) isClosing() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closing
}

// Shutdown stops accepting sockets and questions, lets the answers in flight
// finish and reach their clients, then closes every socket with 1001 (going
// away). When ctx ends first, the remaining answers are cancelled and the
// sockets closed at once.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return nil
	}
	h.closing = true
	close(h.stopJan)
	var idle chan struct{}
	if h.active > 0 {
		idle = make(chan struct{})
		h.idle = idle
	}
	h.mu.Unlock()

	var err error
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			err = fmt.Errorf("chat: shutdown: %w", ctx.Err())
			h.cancelFn()
		}
	}
	h.mu.Lock()
	var gone chan struct{}
	clients := make([]*Client, 0, len(h.clients))
	for c := range h.clients {
		clients = append(clients, c)
	}
	if len(h.clients) > 0 {
		gone = make(chan struct{})
		h.gone = gone
	}
	h.mu.Unlock()
	for _, c := range clients {
		c.requestClose(websocket.CloseGoingAway, "server shutting down")
	}
	if gone != nil {
		select {
		case <-gone:
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("chat: shutdown: %w", ctx.Err())
			}
			for _, c := range clients {
				c.conn.Close()
			}
		}
	}
	h.cancelFn()
	h.persist.close()
	return err
}

// AskRequest is a question asked outside the socket (the server's POST
// /api/ask).
type AskRequest struct {
	ID       string // client's request id (echoed)
	Question string
	Session  string // resume token; empty or unknown starts a new session
	IP       string
	Channel  string // "api" when empty
	// Via: the question is a button an earlier answer offered (see AskFrame).
	Via *govchat.Via
}

// Ask answers a question without streaming. It returns the answer frame with
// the session token to send back for follow-up questions; failures are
// *govchat.Error.
func (h *Hub) Ask(ctx context.Context, req AskRequest) (*AnswerFrame, error) {
	if req.Channel == "" {
		req.Channel = govchat.ChannelAPI
	}
	if !h.begin() {
		return nil, govchat.Errorf(govchat.CodeUnavailable, msgShutdown)
	}
	defer h.end()
	now := time.Now()
	s := h.sessions.get(req.Session, now)
	if s == nil {
		s = h.load(req.Session, now)
	}
	if s == nil {
		var e *govchat.Error
		if s, e = h.newSession(req.IP, govchat.RoleCitizen, now); e != nil {
			return nil, e
		}
	}
	f, e := h.answer(ctx, s, req.IP, req.Channel, req.ID, req.Question, req.Via, nil)
	if e != nil {
		return nil, e
	}
	f.Session = s.token
	return f, nil
}

// FeedbackRequest is feedback given outside the socket (the server's POST
// /api/feedback).
type FeedbackRequest struct {
	AnswerID string
	Helpful  *bool
	Reason   string
	Session  string // resume token; when it names a live session the answer must belong to it
	IP       string
}

// Feedback records feedback; failures are *govchat.Error.
func (h *Hub) Feedback(ctx context.Context, req FeedbackRequest) error {
	if wait := h.ipLimit.Take(ratelimit.Key(req.IP), time.Now()); wait > 0 {
		h.m.limited.With("ip").Inc()
		return &govchat.Error{Code: govchat.CodeRateLimited, Message: msgRateLimited, RetryAfter: retrySeconds(wait)}
	}
	sessionID := ""
	if s := h.sessions.get(req.Session, time.Now()); s != nil {
		sessionID = s.ID
	}
	return h.feedback(ctx, sessionID, req.AnswerID, req.Helpful, req.Reason)
}

// newSession starts a session for a client at ip, within NewSessionRate
// unless the client is signed-in staff (a call centre's operators share one
// address and are limited by their accounts).
func (h *Hub) newSession(ip string, role govchat.Role, now time.Time) (*Session, *govchat.Error) {
	if role != govchat.RoleOperator && role != govchat.RoleAdmin {
		if wait := h.newSess.Take(ratelimit.Key(ip), now); wait > 0 {
			h.m.limited.With("new_session").Inc()
			return nil, h.fail(&govchat.Error{Code: govchat.CodeRateLimited, Message: msgSessionsLimited, RetryAfter: retrySeconds(wait)})
		}
	}
	s := h.sessions.create(now, h.cfg.SessionRate)
	h.persist.save(s)
	return s, nil
}

// answer runs one question through validation, rate limits, the answerer and
// the history. stream, when set, receives deltas.
func (h *Hub) answer(ctx context.Context, s *Session, ip, channel, id, text string, via *govchat.Via, stream func(string) error) (*AnswerFrame, *govchat.Error) {
	start := time.Now()
	q := strings.TrimSpace(text)
	switch {
	case via != nil && !validVia(via):
		return nil, h.fail(govchat.Errorf(govchat.CodeBadRequest, msgBadVia))
	case !utf8.ValidString(q):
		return nil, h.fail(govchat.Errorf(govchat.CodeBadRequest, msgUTF8))
	case q == "":
		return nil, h.fail(govchat.Errorf(govchat.CodeBadRequest, msgEmptyQuestion))
	case utf8.RuneCountInString(q) > h.cfg.MaxQuestionRunes:
		return nil, h.fail(govchat.Errorf(govchat.CodeTooLarge, fmt.Sprintf(msgQuestionLong, h.cfg.MaxQuestionRunes)))
	}
	if wait := h.ipLimit.Take(ratelimit.Key(ip), start); wait > 0 {
		h.m.limited.With("ip").Inc()
		return nil, h.fail(&govchat.Error{Code: govchat.CodeRateLimited, Message: msgRateLimited, RetryAfter: retrySeconds(wait)})
	}
	if wait := s.allow(h.cfg.SessionRate, start); wait > 0 {
		h.m.limited.With("session").Inc()
		return nil, h.fail(&govchat.Error{Code: govchat.CodeRateLimited, Message: msgRateLimited, RetryAfter: retrySeconds(wait)})
	}
	s.mu.Lock()
	s.asked++
	s.mu.Unlock()

	// The answer is tied to the client (a closed socket cancels it) and to
	// the hub's forced shutdown, but not to a graceful shutdown.
	actx, cancel := context.WithTimeout(ctx, h.cfg.AnswerTimeout)
	defer cancel()
	stop := context.AfterFunc(h.baseCtx, cancel)
	defer stop()

	history := s.Turns()
	s.mu.Lock()
	lastAnswer := s.last
	s.mu.Unlock()
	a, err := h.ans.Answer(actx, govchat.Request{Question: q, History: history, Stream: stream, Entry: tapped(via, history)})
	latency := time.Since(start)
	rec := govchat.Record{
		AnswerID: "a_" + randomHex(8), Session: s.ID, Channel: channel, At: start,
		Question: q, Latency: latency, Via: via,
	}
	if err == nil && a == nil {
		err = errors.New("answerer returned no answer")
	}
	if err != nil {
		var e *govchat.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			e = govchat.Errorf(govchat.CodeUnavailable, fmt.Sprintf(msgTimeout, h.cfg.Hotline))
		case errors.Is(err, context.Canceled) || errors.Is(err, errClientGone):
			e = govchat.Errorf(govchat.CodeUnavailable, msgShutdown)
		case errors.Is(err, govchat.ErrInvalidQuestion):
			e = govchat.Errorf(govchat.CodeBadRequest, "问题格式不正确，请重新输入。")
		default:
			h.log.Error("chat: answer failed", slog.String("session", s.ID), slog.Any("error", err))
			e = govchat.Errorf(govchat.CodeInternal, fmt.Sprintf(msgInternal, h.cfg.Hotline))
		}
		rec.Error = e.Code
		h.record(ctx, rec)
		return nil, h.fail(e)
	}
	sources := a.Sources
	if sources == nil {
		sources = []kb.Source{}
	}
	related := a.Related
	if related == nil {
		related = []kb.Related{}
	}
	rec.Answer, rec.Refused, rec.Reason, rec.Mode = a.Text, a.Refused, a.Reason, string(a.Mode)
	rec.Clarify, rec.Related = a.Clarify, a.Related
	for i, src := range sources {
		n := src.N
		if n == 0 {
			n = i + 1
		}
		rec.Sources = append(rec.Sources, govchat.RecordSource{N: n, DocID: src.ID, Anchor: src.Anchor, Title: src.Title})
	}
	if via == nil && a.Chosen != "" {
		// A choice typed in reply to a clarification (2, 第二个) is a tap
		// on its button, for the history and for learning from use, and
		// asks what the button asks: the history, the unanswered report
		// and the conversation keep those words, not 2.
		rec.Via = choiceVia(history, a.Chosen)
		if a.Standalone != "" {
			rec.Question = a.Standalone // and Answer.Turn keeps them
		}
	}
	if prev := lastTurn(history); h.rec != nil && via == nil && prev != nil && prev.ID != "" && prev.ID == lastAnswer && !prev.Unsure && govchat.Dissatisfied(q) {
		// 不对, 答非所问 right after an answer (not after a refusal): the
		// citizen's 👎 on it, in their words, so that the unanswered
		// report shows the question that was answered wrongly.
		no := false
		if err := h.feedback(ctx, s.ID, prev.ID, &no, "对话中回复："+q); err != nil {
			h.log.Warn("chat: feedback from a complaint", slog.String("session", s.ID), slog.Any("error", err))
		}
	}
	s.mu.Lock()
	s.last = rec.AnswerID
	s.mu.Unlock()
	if t, ok := a.Turn(q); ok {
		t.ID = rec.AnswerID
		s.addTurn(t, h.cfg.MaxTurns, 2000)
		h.persist.touch(s)
	}
	h.record(ctx, rec)

	h.m.answers.With(transport(channel), string(a.Mode)).Inc()
	h.m.latency.With(string(a.Mode)).Observe(latency.Seconds())
	if a.Refused {
		h.m.refusals.With(a.Reason).Inc()
	}
	return &AnswerFrame{
		Type: TypeAnswer, ID: id, AnswerID: rec.AnswerID, Text: a.Text, Refused: a.Refused,
		Reason: a.Reason, Mode: string(a.Mode), Sources: sources, Clarify: a.Clarify, Related: related,
	}, nil
}

// transport is the metrics' channel label: "api" for the HTTP API, "ws"
// for every socket (the log records which kind of socket).
func transport(channel string) string {
	if channel == govchat.ChannelAPI {
		return govchat.ChannelAPI
	}
	return "ws"
}

func (h *Hub) fail(e *govchat.Error) *govchat.Error {
	h.m.errors.With(e.Code).Inc()
	return e
}

// record writes to the history, even when the client has gone, and tells
// the observers.
func (h *Hub) record(ctx context.Context, r govchat.Record) {
	ctx = context.WithoutCancel(ctx)
	if h.rec != nil {
		if err := h.rec.Record(ctx, r); err != nil {
			h.log.Error("chat: history", slog.String("answer_id", r.AnswerID), slog.Any("error", err))
		}
	}
	for _, fn := range h.observers {
		fn(ctx, r)
	}
}

func (h *Hub) feedback(ctx context.Context, sessionID, answerID string, helpful *bool, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case answerID == "" || len(answerID) > maxIDLen || helpful == nil:
		return govchat.Errorf(govchat.CodeBadRequest, msgFeedbackBad)
	case !utf8.ValidString(reason):
		return govchat.Errorf(govchat.CodeBadRequest, msgUTF8)
	case utf8.RuneCountInString(reason) > maxReasonLen:
		return govchat.Errorf(govchat.CodeTooLarge, msgReasonLong)
	}
	if h.rec == nil {
		return govchat.Errorf(govchat.CodeUnavailable, "暂时无法记录评价。")
	}
	err := h.rec.Feedback(context.WithoutCancel(ctx), govchat.Feedback{AnswerID: answerID, Session: sessionID, Helpful: *helpful, Reason: reason})
	if errors.Is(err, govchat.ErrAnswerNotFound) {
		return govchat.Errorf(govchat.CodeNotFound, msgNoAnswer)
	}
	if err != nil {
		h.log.Error("chat: feedback", slog.Any("error", err))
		return govchat.Errorf(govchat.CodeInternal, fmt.Sprintf(msgInternal, h.cfg.Hotline))
	}
	h.m.feedback.With(fmt.Sprint(*helpful)).Inc()
	for _, fn := range h.feedbacks {
		fn(context.WithoutCancel(ctx), sessionID, govchat.Feedback{AnswerID: answerID, Session: sessionID, Helpful: *helpful, Reason: reason})
	}
	return nil
}

// tapped returns the entry a question names by via when an answer kept in
// the conversation offered it as a button: the asker chose that entry, and
// it is what they get. A via naming anything else (a stale page, a forged
// frame) leaves the question to be answered as typed.
func tapped(via *govchat.Via, history []govchat.Turn) string {
	if via == nil {
		return ""
	}
	for _, t := range history {
		if slices.Contains(t.Offered, via.ID) {
			return via.ID
		}
	}
	return ""
}

// validVia reports whether via names an answer and an entry within the
// limits on identifiers.
func validVia(v *govchat.Via) bool {
	return v.AnswerID != "" && len(v.AnswerID) <= maxIDLen && utf8.ValidString(v.AnswerID) &&
		v.ID != "" && len(v.ID) <= maxEntryID && utf8.ValidString(v.ID)
}

// writeHTTPError writes {"type":"error","code":…,"message":…}.
func writeHTTPError(w http.ResponseWriter, status int, e *govchat.Error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorFrame("", e))
}

// lastTurn is the latest turn of a conversation, or nil.
func lastTurn(history []govchat.Turn) *govchat.Turn {
	if len(history) == 0 {
		return nil
	}
	return &history[len(history)-1]
}

// choiceVia names the button that offered entry id in the latest turn that
// offered it (a clarification's choice, an answer's 您可能还想问), as a tap's
// via would; nil when no turn with an id offered it.
func choiceVia(history []govchat.Turn, id string) *govchat.Via {
	for i := len(history) - 1; i >= 0; i-- {
		t := history[i]
		if t.ID != "" && slices.ContainsFunc(t.Choices, func(c govchat.Choice) bool { return c.ID == id }) {
			return &govchat.Via{AnswerID: t.ID, ID: id}
		}
	}
	return nil
}
