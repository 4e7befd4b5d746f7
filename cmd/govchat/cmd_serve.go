package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chunk"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/server"
)

func init() {
	register(command{
		name:    "serve",
		summary: "run the chat service: citizen widget, websocket, HTTP API, source-document pages",
		run:     runServe,
	})
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve")
	fs.StringVar(&env.Config.Addr, "addr", env.Config.Addr, "listen address, IPv4 and IPv6 (env GOVCHAT_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return serve(ctx, env, serveHooks{})
}

// serveHooks let tests and benchmarks follow a running server.
type serveHooks struct {
	// Listening is called with the bound address as soon as the listener is
	// open (/healthz answers from then on).
	Listening func(addr string)
	// Ready is called once the knowledge base, search and answers are
	// loaded (/readyz answers 200 from then on).
	Ready func(addr string)
	// Chat adjusts the chat hub's settings (benchmarks lift the limits).
	Chat func(*chat.Config)
}

// serve listens at once, then loads the knowledge base, the index and the
// answerer, and serves until ctx ends; then it stops taking requests,
// finishes the answers in flight and closes the history last.
func serve(ctx context.Context, env *Env, hooks serveHooks) error {
	cfg := env.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	start := time.Now()
	trusted, err := server.ParsePrefixes(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("GOVCHAT_TRUSTED_PROXIES: %w", err)
	}
	clientIP := server.ClientIPFunc(trusted)
	reg := metrics.NewRegistry()
	registerPendingMetrics(reg)

	hist, err := history.Open(history.Config{Path: filepath.Join(cfg.Data, "history.db"), Redact: safety.Redact, Log: env.Log})
	if err != nil {
		return err
	}
	defer func() {
		if err := hist.Close(); err != nil {
			env.Log.Error("history close", slog.Any("error", err))
		}
	}()

	// Operator workbench (/agent/, 转人工): accounts, handoff desk, review list.
	wb, err := openWorkbench(env, clientIP)
	if err != nil {
		return err
	}
	defer wb.Close()
	wb.Desk.RegisterMetrics(reg)

	srv, err := server.New(server.Config{
		Hotline: cfg.Hotline, AdminToken: cfg.AdminToken, SessionRole: wb.Role,
		ClientIP: clientIP, Reporter: hist, Log: env.Log, Metrics: reg,
	})
	if err != nil {
		return err
	}
	srv.AddCheck("history", hist.Ping)
	wb.Register(srv)

	// WeChat mini-program login (/api/wechat/) and its tokens on the socket.
	wx, err := openWechat(env, clientIP)
	if err != nil {
		return err
	}
	defer wx.Close()
	wx.Register(srv)
	hooks.Chat = wx.ChatHook(hooks.Chat)

	answerTimeout := cfg.ModelTimeout + 30*time.Second
	ln, err := net.Listen("tcp", cfg.Addr) // ":8080" is dual-stack: IPv6 and IPv4
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // websocket upgrades clear it
		WriteTimeout:      answerTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(env.Log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	addr := ln.Addr().String()
	env.Log.Info("listening", slog.String("addr", addr))
	if hooks.Listening != nil {
		hooks.Listening(addr)
	}

	// From here on every exit goes through the graceful shutdown below.
	var hub *chat.Hub
	var app *searchApp
	stop := func() error {
		srv.Drain()
		sctx, cancel := context.WithTimeout(context.Background(), answerTimeout+5*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		var hubErr error
		if hub != nil {
			wg.Add(1)
			go func() { defer wg.Done(); hubErr = hub.Shutdown(sctx) }()
		}
		httpErr := httpSrv.Shutdown(sctx)
		wg.Wait()
		if app != nil {
			app.Close()
		}
		return errors.Join(hubErr, httpErr)
	}

	loaded := make(chan error, 1)
	go func() {
		var err error
		app, hub, err = loadServing(ctx, env, srv, hist, wb, reg, clientIP, answerTimeout, hooks)
		loaded <- err
	}()
	select {
	case err := <-loaded:
		if err != nil {
			stop()
			return err
		}
	case err := <-served:
		if lerr := <-loaded; lerr == nil {
			stop()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		err := <-loaded // loading honours ctx
		stop()
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	env.Log.Info("ready", slog.String("addr", addr), slog.Int("documents", app.Base.Len()),
		slog.String("mode", answerMode(cfg.ChatModel)), slog.Duration("took", time.Since(start)))
	if hooks.Ready != nil {
		hooks.Ready(addr)
	}

	select {
	case <-ctx.Done():
		env.Log.Info("shutting down: finishing answers in flight")
	case err := <-served:
		stop()
		return fmt.Errorf("serve: %w", err)
	}
	if err := stop(); err != nil {
		env.Log.Warn("shutdown", slog.Any("error", err))
	}
	env.Log.Info("stopped")
	return nil
}

func answerMode(chatModel string) string {
	if chatModel != "" {
		return "model"
	}
	return "extractive"
}

// loadServing loads the knowledge base and the index, publishes the document
// pages, builds the answerer and the chat hub and publishes them.
func loadServing(ctx context.Context, env *Env, srv *server.Server, hist *history.Store, wb *workbench, reg *metrics.Registry,
	clientIP func(*http.Request) string, answerTimeout time.Duration, hooks serveHooks) (*searchApp, *chat.Hub, error) {
	app, err := openSearch(ctx, env, searchOptions{})
	if err != nil {
		return nil, nil, err
	}
	srv.SetLibrary(newLibrary(app.Base))
	probeStore(srv, env.Config.Store, app.Store)
	ans, err := newAnswerer(env, app)
	if err != nil {
		app.Close()
		return nil, nil, err
	}
	cfg := env.Config
	hubCfg := chat.Config{
		AllowedOrigins: cfg.AllowedOrigins, Hotline: cfg.Hotline, ClientIP: clientIP, Log: env.Log, Metrics: reg,
		AnswerTimeout: answerTimeout,
		IPRate:        perMinute(cfg.RateIP), SessionRate: perMinute(cfg.RateSession), MaxConnsPerIP: cfg.MaxConnsPerIP,
	}
	if hooks.Chat != nil {
		hooks.Chat(&hubCfg)
	}
	hubCfg.Authenticator = wb.Authenticator(hubCfg.Authenticator)
	hub, err := chat.New(hubCfg, ans, wb.Recorder(hist))
	if err != nil {
		app.Close()
		return nil, nil, err
	}
	wb.Attach(hub)
	if err := wb.SetKnowledge(app.Base, app.Seg, app.Engine); err != nil {
		app.Close()
		return nil, nil, err
	}
	srv.SetChat(hub)
	return app, hub, nil
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

// library serves the document pages from the loaded knowledge base, with the
// same chunks (and anchors) that the index cites.
type library struct {
	base   *kb.Base
	mu     sync.Mutex
	chunks map[string][]kb.Chunk
}

func newLibrary(b *kb.Base) *library { return &library{base: b, chunks: map[string][]kb.Chunk{}} }

func (l *library) Base() *kb.Base { return l.base }

func (l *library) Chunks(d *kb.Document) []kb.Chunk {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.chunks[d.ID]
	if !ok {
		c = chunk.Split(d)
		l.chunks[d.ID] = c
	}
	return c
}
