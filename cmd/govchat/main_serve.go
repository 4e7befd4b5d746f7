package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chatsessions"
	"github.com/govchat/govchat/internal/concerns"
	"github.com/govchat/govchat/internal/coverage"
	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/postgres"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/server"
	"github.com/govchat/govchat/internal/wechat"
	"github.com/govchat/govchat/internal/workbench"
	workbenchweb "github.com/govchat/govchat/web/workbench"
)

// Main is the composition root of `govchat serve`, in the manner of
// benbjohnson/wtf: the one place that builds every component, each once,
// in plain order, and closes them in reverse. Listen opens the port (from
// then on /healthz answers and every other route says the service is
// starting); Open loads the knowledge base, the index and the answerer,
// builds the chat hub, the handoff desk, the workbench and the HTTP server
// over them and starts serving them (/readyz 200 from then on); Close stops
// taking requests, lets the answers in flight finish and closes the stores,
// the conversation log last. The serve tests and the browser tests start
// this same Main.
type Main struct {
	env *Env
	// Chat holds hub settings that the environment does not reach (tests
	// lift or tighten limits with it); its zero fields take the
	// configuration's values and the hub's defaults.
	Chat chat.Config
	// Delivery holds outbox settings that the environment does not reach
	// (tests shorten the retry schedule and the poll); its zero fields take
	// the defaults. Store, Endpoints, Now, Log and Metrics are Open's.
	Delivery outbox.Config

	// Built by Listen.
	Metrics *metrics.Registry
	ln      net.Listener
	http    *http.Server
	handler atomic.Pointer[http.Handler] // server.Starting until Open has built the Server
	failed  chan error                   // the HTTP server's error, if it stops serving
	start   time.Time

	// Built by Open, in this order.
	Databases    *databases          // SQLite files under data/, or one PostgreSQL (GOVCHAT_DATABASE_URL)
	Bus          *postgres.Bus       // events between instances (PostgreSQL only; one instance uses the desk's own)
	Outbox       *outbox.Outbox      // workbench.db: outbound events to the 12345 工单 system (GOVCHAT_WEBHOOK_URL)
	Accounts     *auth.Service       // auth.db: operators and admins
	Review       *review.Store       // workbench.db: the knowledge office's review list
	WechatTokens *wechat.Store       // wechat.db: mini-program session tokens
	Sessions     *chatsessions.Store // chat sessions several instances resume (PostgreSQL only)
	Search       *searchApp          // knowledge base, segmenter, index and engine (as opened)
	History      *history.Store      // history.db: the conversation log (its topics need the segmenter)
	Answerer     *answer.Answerer    // extractive, or written by the chat model (as opened)
	Lookup       *lookup.Lookup      // the operators' instant look-up (as opened)
	// Knowledge is the knowledge base in use and what is built on it; an
	// approved FAQ entry reloads it (Search, Answerer and Lookup are the
	// first version).
	Knowledge *liveKnowledge
	// KnowledgeBus tells the other instances to reload when this one
	// writes into the knowledge files (PostgreSQL only).
	KnowledgeBus *postgres.Bus
	stopShare    func()
	Hub          *chat.Hub     // the websocket and the non-streaming API
	Desk         *handoff.Desk // 转人工
	Workbench    *workbench.Handler
	Concerns     *concerns.Service // the 回应关切 report and 解读 coverage
	// Evidence keeps what conversations say about citizens' wordings (in
	// workbench.db); Learner records it from the hub, the desk and the
	// workbench (learning from use).
	Evidence *learn.SQLStore
	Learner  *learn.Learner
	Server   *server.Server // routes, pages, API, metrics
}

// NewMain returns a Main for env's configuration and logger.
func NewMain(env *Env) *Main { return &Main{env: env} }

// answerTimeout bounds one answer: the model's timeout and a margin.
func (m *Main) answerTimeout() time.Duration { return m.env.Config.ModelTimeout + 30*time.Second }

// Listen opens the port (GOVCHAT_ADDR; ":8080" is dual-stack) and serves
// server.Starting on it until Open is done.
func (m *Main) Listen() error {
	cfg := m.env.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	m.start = time.Now()
	m.Metrics = metrics.NewRegistry()
	starting, err := server.Starting(cfg.Hotline, m.Metrics)
	if err != nil {
		return err
	}
	m.handler.Store(&starting)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.ln = ln
	m.http = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*m.handler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // websocket upgrades clear it
		WriteTimeout:      m.answerTimeout() + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.env.Log.Handler(), slog.LevelDebug),
	}
	m.failed = make(chan error, 1)
	go func() {
		if err := m.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.failed <- err
		}
	}()
	m.env.Log.Info("listening", slog.String("addr", m.Addr()))
	return nil
}

// Addr is the address the port is bound to (e.g. [::]:8080).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Failed delivers the HTTP server's error if it stops serving before Close.
func (m *Main) Failed() <-chan error { return m.failed }

// Open builds everything that serve serves, in order, and starts serving
// it. Loading honours ctx. After an error, Close releases what was built.
func (m *Main) Open(ctx context.Context) error {
	env, cfg := m.env, m.env.Config
	trusted, err := server.ParsePrefixes(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("GOVCHAT_TRUSTED_PROXIES: %w", err)
	}
	clientIP := server.ClientIPFunc(trusted)

	if m.Databases, err = openDatabases(ctx, env); err != nil {
		return err
	}
	dbs := m.Databases
	// The outbox shares the desk's database (workbench.db, or PostgreSQL)
	// with the desk and the review list, so that a 留言, a conversation's
	// end or an approved item is committed with its event; the
	// conversation log (opened once the segmenter is, for its topics)
	// writes its events right after — in the same transaction when it is
	// the same database (PostgreSQL).
	workbenchDB, err := dbs.file("workbench.db")
	if err != nil {
		return fmt.Errorf("workbench: %w", err)
	}
	// One key seals what the database keeps of citizens' contacts: 留言
	// contacts, and the bodies of events waiting in the outbox.
	contacts, err := contactKey(env)
	if err != nil {
		return err
	}
	if m.Outbox, err = openOutbox(env, workbenchDB, m.Metrics, contacts, m.Delivery); err != nil {
		return err
	}
	publish := eventPublisher(env, m.Outbox)
	authDB, err := dbs.file("auth.db")
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if m.Accounts, err = auth.New(auth.Config{DB: authDB, Now: env.Now}); err != nil {
		return err
	}
	if users, err := m.Accounts.Users(ctx); err == nil && len(users) == 0 {
		env.Log.Info("no operator accounts yet; add one with: govchat user add --username NAME --name 姓名 --staff-no 工号 --role admin")
	}
	if m.Review, err = review.New(workbenchDB, env.Now, publish); err != nil {
		return err
	}
	if m.Evidence, err = learn.NewSQLStore(workbenchDB, env.Now); err != nil {
		return err
	}
	wechatDB, err := dbs.file("wechat.db")
	if err != nil {
		return fmt.Errorf("wechat: %w", err)
	}
	if m.WechatTokens, err = wechat.OpenStore(wechat.StoreConfig{DB: wechatDB, TTL: cfg.WechatSessionTTL, Now: env.Now}); err != nil {
		return err
	}
	if dbs.shared() {
		// Several instances: chat sessions and the desk's events go
		// through the database. Sessions idle out on the hub's clock (the
		// machine's), as the hub stamps them.
		if m.Sessions, err = chatsessions.New(chatsessions.Config{DB: dbs.pg.SQL, Redact: safety.Redact, TTL: m.Chat.SessionTTL}); err != nil {
			return err
		}
		if m.Bus, err = dbs.pg.NewBus(ctx, "govchat_desk"); err != nil {
			return err
		}
	}
	wechatLogin, err := newWechatLogin(env, m.WechatTokens, clientIP)
	if err != nil {
		return err
	}

	if m.Search, err = openSearch(ctx, env, searchOptions{}); err != nil {
		return err
	}
	topics := concerns.NewTopics(m.Search.Seg, m.Search.Base.Dict.Aspects)
	historyDB, err := dbs.file("history.db")
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if m.History, err = history.Open(history.Config{DB: historyDB, Redact: safety.Redact, Log: env.Log, Now: env.Now,
		Topic: topics.Topic, Events: publish, EventsInTx: dbs.shared()}); err != nil {
		return err
	}
	if m.Answerer, err = newAnswerer(env, m.Search); err != nil {
		return err
	}
	if m.Lookup, err = lookupOver(env, m.Search.Base, m.Search.Seg, m.Search.Engine); err != nil {
		return err
	}
	m.Knowledge = newLiveKnowledge(env, m.Search, m.Answerer, m.Lookup)
	if dbs.shared() {
		if m.KnowledgeBus, err = dbs.pg.NewBus(ctx, "govchat_knowledge"); err != nil {
			return err
		}
		m.stopShare = m.Knowledge.share(m.KnowledgeBus, randomID())
	}
	if m.Learner, err = learn.New(learn.Config{Store: m.Evidence, Entries: m.Knowledge.Entry, Redact: safety.Redact, Now: env.Now, Log: env.Log}); err != nil {
		return err
	}
	go m.Learner.Run(context.WithoutCancel(ctx))

	if m.Hub, err = chat.New(m.hubConfig(clientIP), m.Knowledge, m.History); err != nil {
		return err
	}
	m.Hub.Observe(m.Learner.Observe)
	m.Hub.ObserveFeedback(m.Learner.ObserveFeedback)
	deskCfg := handoff.Config{DB: workbenchDB, Redact: safety.Redact, Contacts: contacts, Hotline: cfg.Hotline, Passages: m.Knowledge, Now: env.Now,
		Audit: m.Accounts, Handoffs: m.History, Evidence: m.Learner, Log: env.Log, StillSignedIn: m.Accounts.HasLiveSession, Metrics: m.Metrics, Events: publish,
		KeepOpen: dbs.shared()}
	if m.Bus != nil {
		deskCfg.Bus = m.Bus
	}
	if m.Desk, err = handoff.New(deskCfg); err != nil {
		return err
	}
	m.Desk.Attach(m.Hub)

	web := auth.NewWeb(m.Accounts, auth.WebConfig{ClientIP: clientIP, Secure: isHTTPS(cfg.PublicURL), Log: env.Log}, m.Accounts)
	if m.Workbench, err = workbench.New(workbench.Config{Auth: web, Assets: workbenchweb.FS, Lookup: m.Knowledge, Desk: m.Desk, Review: m.Review,
		Publish: m.Knowledge, Record: m.History, Now: env.Now, Log: env.Log,
		Similar:  &learn.Reviewer{Store: m.Evidence, Entries: m.Knowledge.Entry, Redact: safety.Redact, Write: m.Knowledge.AddSimilar},
		Evidence: m.Learner}); err != nil {
		return err
	}
	if m.Concerns, err = concerns.New(concerns.Config{Store: m.History, Base: m.Knowledge.Base, Log: env.Log, Now: env.Now,
		Coverage: coverage.Config{LateDays: cfg.InterpretLateDays}}); err != nil {
		return err
	}
	dashboard, err := concerns.NewHandler(concerns.HTTPConfig{Service: m.Concerns, Auth: web, Templates: workbenchweb.FS, Review: m.Review, Log: env.Log})
	if err != nil {
		return err
	}
	if m.Server, err = server.New(server.Config{
		Library: m.Knowledge, Catalog: m.Knowledge, Chat: m.Hub, Reporter: m.History,
		Hotline: cfg.Hotline, AdminToken: cfg.AdminToken, SessionRole: sessionRole(web),
		ClientIP: clientIP, Log: env.Log, Metrics: m.Metrics, Now: env.Now,
	}); err != nil {
		return err
	}
	if dbs.shared() {
		// Readiness, and govchat_dependency_up{dependency="postgres"}.
		m.Server.AddCheck("postgres", dbs.ping)
	} else {
		m.Server.AddCheck("history", m.History.Ping)
	}
	probeStore(m.Server, cfg.Store, m.Search.Store)
	m.Workbench.Register(m.Server) // /agent/ and its API
	dashboard.Register(m.Server)   // /agent/concerns, /api/admin/concerns
	wechatLogin.Register(m.Server) // /api/wechat/

	if len(cfg.WebhookURLs) > 0 {
		if err := m.Outbox.Start(); err != nil {
			return err
		}
		env.Log.Info("outbound events on", slog.Int("receivers", len(cfg.WebhookURLs)))
	}
	h := m.Server.Handler()
	m.handler.Store(&h)
	env.Log.Info("ready", slog.String("addr", m.Addr()), slog.Int("documents", m.Search.Base.Len()),
		slog.String("mode", answerMode(cfg.ChatModel)), slog.Duration("took", time.Since(m.start)))
	return nil
}

// Run listens and opens: it returns once the service is ready (or could
// not start); it goes on serving until Close.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Listen(); err != nil {
		return err
	}
	return m.Open(ctx)
}

// Close stops taking requests (/readyz 503), lets the answers in flight
// finish and reach their clients (up to the answer timeout), then closes
// the index, the handoff desk and the bus, the outbox, the token store, the
// accounts, the conversation log and last the databases, in that order. It
// closes what Open built, also after a failed Open.
func (m *Main) Close() error {
	var errs []error
	if m.Server != nil {
		m.Server.Drain()
	}
	if m.http != nil {
		sctx, cancel := context.WithTimeout(context.Background(), m.answerTimeout()+5*time.Second)
		var wg sync.WaitGroup
		if m.Hub != nil {
			wg.Add(1)
			go func() { defer wg.Done(); errs = append(errs, m.Hub.Shutdown(sctx)) }()
		}
		httpErr := m.http.Shutdown(sctx)
		wg.Wait()
		cancel()
		errs = append(errs, httpErr)
	}
	closeWith := func(what string, c func() error) {
		if err := c(); err != nil {
			m.env.Log.Error(what+" close", slog.Any("error", err))
		}
	}
	if m.Workbench != nil {
		m.Workbench.Close() // the look-ups still settling go into the log
	}
	if m.stopShare != nil {
		m.stopShare() // waits for a reload under way
	}
	if m.KnowledgeBus != nil {
		closeWith("knowledge bus", m.KnowledgeBus.Close)
	}
	if m.Learner != nil {
		closeWith("learner", m.Learner.Close) // the taps settled go into workbench.db
	}
	if m.Search != nil {
		m.Search.Close()
	}
	if m.Desk != nil {
		closeWith("handoff desk", m.Desk.Close)
	}
	if m.Bus != nil {
		closeWith("bus", m.Bus.Close)
	}
	if m.Outbox != nil {
		closeWith("outbox", m.Outbox.Close) // before the database that holds it
	}
	if m.WechatTokens != nil {
		closeWith("wechat store", m.WechatTokens.Close)
	}
	if m.Accounts != nil {
		errs = append(errs, m.Accounts.Close())
	}
	if m.History != nil {
		closeWith("history", m.History.Close)
	}
	if m.Databases != nil {
		errs = append(errs, m.Databases.Close())
	}
	return errors.Join(errs...)
}

// hubConfig is Main.Chat with what the configuration says about the hub.
func (m *Main) hubConfig(clientIP func(*http.Request) string) chat.Config {
	cfg, c := m.env.Config, m.Chat
	if c.AllowedOrigins == nil {
		c.AllowedOrigins = cfg.AllowedOrigins
		// The public address is govchat's own too, whatever Host header a
		// proxy passes on.
		if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
			c.AllowedOrigins = append(slices.Clip(c.AllowedOrigins), u.Scheme+"://"+u.Host)
		}
	}
	if c.Hotline == "" {
		c.Hotline = cfg.Hotline
	}
	if c.ClientIP == nil {
		c.ClientIP = clientIP
	}
	if c.Log == nil {
		c.Log = m.env.Log
	}
	if c.Metrics == nil {
		c.Metrics = m.Metrics
	}
	if c.AnswerTimeout == 0 {
		c.AnswerTimeout = m.answerTimeout()
	}
	if c.IPRate == (chat.Rate{}) {
		c.IPRate = perMinute(cfg.RateIP)
	}
	if c.SessionRate == (chat.Rate{}) {
		c.SessionRate = perMinute(cfg.RateSession)
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = cfg.MaxConnsPerIP
	}
	if c.Sessions == nil && m.Sessions != nil {
		c.Sessions = m.Sessions
	}
	if c.Authenticator == nil {
		// Signed-in operators first, then WeChat mini-program logins.
		c.Authenticator = workbench.Authenticator(m.Accounts, wechat.ChatAuthenticator{Store: m.WechatTokens})
	}
	return c
}

// newWechatLogin is the mini-program login API (POST /api/wechat/login …)
// over the token store. Without GOVCHAT_WECHAT_APPID/SECRET it answers
// "misconfigured" and the mini-program chats anonymously.
func newWechatLogin(env *Env, tokens *wechat.Store, clientIP func(*http.Request) string) (*wechat.Handler, error) {
	cfg := env.Config
	var ex wechat.Exchanger
	if cfg.WechatAppID != "" || cfg.WechatSecret != "" {
		c, err := wechat.NewClient(wechat.ClientConfig{AppID: cfg.WechatAppID, Secret: cfg.WechatSecret, APIBase: cfg.WechatAPIBase})
		if err != nil {
			return nil, err
		}
		ex = c
	} else {
		env.Log.Debug("wechat login disabled: set GOVCHAT_WECHAT_APPID and GOVCHAT_WECHAT_SECRET to enable it")
	}
	return wechat.NewHandler(wechat.HandlerConfig{
		Hotline: cfg.Hotline, Log: env.Log, ClientIP: clientIP, LoginsPerMinute: cfg.WechatLoginRate, Now: env.Now,
	}, ex, tokens)
}

// sessionRole returns the role of the workbench account signed in on a
// request, "" when none (the unanswered report accepts an admin session
// instead of GOVCHAT_ADMIN_TOKEN).
func sessionRole(web *auth.Web) func(*http.Request) string {
	return func(r *http.Request) string {
		s, err := web.Session(r)
		if err != nil {
			return ""
		}
		return string(s.User.Role)
	}
}

func isHTTPS(u string) bool { return len(u) >= 8 && u[:8] == "https://" }

func answerMode(chatModel string) string {
	if chatModel != "" {
		return "model"
	}
	return "extractive"
}

// perMinute turns a questions-per-minute setting into a rate with a burst of
// half a minute's worth; -1 (or any negative) disables the limit, 0 keeps
// the hub's default.
func perMinute(n int) chat.Rate {
	switch {
	case n < 0:
		return chat.Rate{PerMinute: -1}
	case n == 0:
		return chat.Rate{}
	}
	return chat.Rate{PerMinute: float64(n), Burst: max(1, n/2)}
}
