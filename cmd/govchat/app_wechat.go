package main

import (
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/wechat"
)

// wechatLogin is the WeChat mini-program side of serve: POST
// /api/wechat/login (wx.login code → jscode2session → session token), the
// token store (data/wechat.db, hashes only) and the chat authenticator that
// accepts those tokens in hello frames. serve wires it as:
//
//	wx, _ := openWechat(env, clientIP)
//	defer wx.Close()
//	wx.Register(srv)
//	hooks.Chat = wx.ChatHook(hooks.Chat) // hubCfg.Authenticator = wx.Authenticator(…)
type wechatLogin struct {
	store   *wechat.Store
	handler *wechat.Handler
	log     *slog.Logger
}

// openWechat opens the token store under --data. Without
// GOVCHAT_WECHAT_APPID/SECRET the login API answers "misconfigured" and the
// mini-program chats anonymously.
func openWechat(env *Env, clientIP func(*http.Request) string) (*wechatLogin, error) {
	cfg := env.Config
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: filepath.Join(cfg.Data, "wechat.db"), TTL: cfg.WechatSessionTTL})
	if err != nil {
		return nil, err
	}
	var ex wechat.Exchanger
	if cfg.WechatAppID != "" || cfg.WechatSecret != "" {
		c, err := wechat.NewClient(wechat.ClientConfig{AppID: cfg.WechatAppID, Secret: cfg.WechatSecret, APIBase: cfg.WechatAPIBase})
		if err != nil {
			st.Close()
			return nil, err
		}
		ex = c
	} else {
		env.Log.Debug("wechat login disabled: set GOVCHAT_WECHAT_APPID and GOVCHAT_WECHAT_SECRET to enable it")
	}
	h, err := wechat.NewHandler(wechat.HandlerConfig{
		Hotline: cfg.Hotline, Log: env.Log, ClientIP: clientIP, LoginsPerMinute: cfg.WechatLoginRate,
	}, ex, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &wechatLogin{store: st, handler: h, log: env.Log}, nil
}

// Register mounts /api/wechat/ (login, session check, logout).
func (w *wechatLogin) Register(mux wechat.Mux) { w.handler.Register(mux) }

// Authenticator accepts WeChat session tokens; other tokens go to next.
func (w *wechatLogin) Authenticator(next govchat.Authenticator) govchat.Authenticator {
	return wechat.ChatAuthenticator{Store: w.store, Next: next}
}

// ChatHook returns a chat settings hook that runs prev, then puts the WeChat
// authenticator in front of whatever authenticator is set.
func (w *wechatLogin) ChatHook(prev func(*chat.Config)) func(*chat.Config) {
	return func(c *chat.Config) {
		if prev != nil {
			prev(c)
		}
		c.Authenticator = w.Authenticator(c.Authenticator)
	}
}

// Close closes the token store.
func (w *wechatLogin) Close() {
	if err := w.store.Close(); err != nil {
		w.log.Error("wechat store close", slog.Any("error", err))
	}
}
