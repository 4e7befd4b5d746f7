// Package config reads govchat's settings from the environment into one typed
// struct. Flags of individual commands override the matching fields.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting. Each field names its environment variable.
type Config struct {
	Knowledge string // GOVCHAT_KNOWLEDGE, default "knowledge"
	Data      string // GOVCHAT_DATA, default "data"
	Addr      string // GOVCHAT_ADDR, default ":8080"
	LogLevel  string // GOVCHAT_LOG_LEVEL: debug|info|warn|error, default info

	// Store: "mem" (embedded, default) or "qdrant".
	Store            string        // GOVCHAT_STORE
	QdrantURL        string        // GOVCHAT_QDRANT_URL, gRPC, e.g. localhost:6334 or https://host:6334
	QdrantAPIKey     string        // GOVCHAT_QDRANT_API_KEY
	QdrantTLS        bool          // GOVCHAT_QDRANT_TLS
	QdrantCollection string        // GOVCHAT_QDRANT_COLLECTION, default "govchat" (an alias)
	QdrantShards     int           // GOVCHAT_QDRANT_SHARDS, default 1
	QdrantReplicas   int           // GOVCHAT_QDRANT_REPLICATION, default 1
	QdrantTimeout    time.Duration // GOVCHAT_QDRANT_TIMEOUT, default 5s

	// DatabaseURL moves every piece of shared state (history, accounts,
	// 转人工, 留言, the review list, WeChat tokens, chat sessions) to one
	// PostgreSQL database, shared by several instances; empty: SQLite files
	// under Data.
	DatabaseURL      string        // GOVCHAT_DATABASE_URL, postgres://user:password@host:5432/govchat
	DatabaseMaxConns int           // GOVCHAT_DATABASE_MAX_CONNS, default 20 per instance
	DatabaseTimeout  time.Duration // GOVCHAT_DATABASE_TIMEOUT, default 10s: connecting and each statement

	// OpenAI-compatible model server.
	OpenAIBaseURL string        // OPENAI_BASE_URL
	OpenAIAPIKey  string        // OPENAI_API_KEY
	EmbedModel    string        // GOVCHAT_EMBED_MODEL: dense vectors when set
	ChatModel     string        // GOVCHAT_CHAT_MODEL: model answers when set, else extractive
	ModelTimeout  time.Duration // GOVCHAT_MODEL_TIMEOUT, default 60s

	// Service.
	AllowedOrigins []string // GOVCHAT_ALLOWED_ORIGINS, comma-separated; empty: same host only
	Hotline        string   // GOVCHAT_HOTLINE, default "12345"
	// ContactKeyFile holds the key that seals the contacts citizens leave
	// with a 留言; created when missing. Default <Data>/contact.key.
	ContactKeyFile string // GOVCHAT_CONTACT_KEY_FILE
	PublicURL      string // GOVCHAT_PUBLIC_URL, absolute base for links in exports (optional)
	// AdminToken authorises the admin API (Authorization: Bearer …); empty
	// disables it.
	AdminToken string // GOVCHAT_ADMIN_TOKEN
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For names the client; empty: the header is ignored.
	TrustedProxies []string // GOVCHAT_TRUSTED_PROXIES, comma-separated
	RateIP         int      // GOVCHAT_RATE_IP: questions per minute per client IP, default 30; -1 disables
	RateSession    int      // GOVCHAT_RATE_SESSION: questions per minute per conversation, default 12; -1 disables
	MaxConnsPerIP  int      // GOVCHAT_MAX_CONNS_PER_IP: open websockets per client IP, default 64; -1 disables

	// WeChat mini-program.
	WechatAppID   string // GOVCHAT_WECHAT_APPID
	WechatSecret  string // GOVCHAT_WECHAT_SECRET
	WechatAPIBase string // GOVCHAT_WECHAT_API_BASE, default https://api.weixin.qq.com
	// WechatLoginRate bounds mini-program logins per client IP per minute
	// (GOVCHAT_WECHAT_LOGIN_RATE, default 20).
	WechatLoginRate int
	// WechatSessionTTL is how long a mini-program login lasts
	// (GOVCHAT_WECHAT_SESSION_TTL, default 168h).
	WechatSessionTTL time.Duration

	// InterpretLateDays: an interpretation published more than this many
	// days after its policy is reported late (GOVCHAT_INTERPRET_LATE_DAYS,
	// default 0: 同步, the same day).
	InterpretLateDays int

	// Outbound events (webhooks to the 12345 工单 system).
	WebhookURLs   []string // GOVCHAT_WEBHOOK_URL, comma-separated; empty: no events are recorded or sent
	WebhookSecret string   // GOVCHAT_WEBHOOK_SECRET: the HMAC key receivers verify with; required with a URL
	// WebhookTimeout bounds one delivery (GOVCHAT_WEBHOOK_TIMEOUT, default 10s).
	WebhookTimeout time.Duration
	// WebhookRetention is how long delivered events are kept for replay
	// (GOVCHAT_WEBHOOK_RETENTION, default 168h).
	WebhookRetention time.Duration

	// Now, when set (GOVCHAT_NOW, 2026-06-01 or RFC 3339), is the time the
	// process starts at: validity, sessions and history run from there at
	// the real pace. For previewing the knowledge base as of a date, and for
	// tests that must pass on any date. Zero: the real clock.
	Now time.Time
}

// Clock is the one clock of a process: the real one, or one that starts at
// Now and runs at the real pace.
func (c Config) Clock() func() time.Time {
	if c.Now.IsZero() {
		return time.Now
	}
	start, base := time.Now(), c.Now
	return func() time.Time { return base.Add(time.Since(start)) }
}

// FromEnv reads the configuration from the environment (getenv is os.Getenv
// when nil) and applies defaults. Call Validate after applying flags.
func FromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	str := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	integer := func(key string, def int) int {
		v := strings.TrimSpace(getenv(key))
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a number", key, v))
			return def
		}
		return n
	}
	boolean := func(key string) bool {
		v := strings.TrimSpace(getenv(key))
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not true/false", key, v))
		}
		return b
	}
	instant := func(key string) time.Time {
		v := strings.TrimSpace(getenv(key))
		if v == "" {
			return time.Time{}
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t
			}
		}
		errs = append(errs, fmt.Errorf("%s: %q is neither a date (2026-06-01) nor an RFC 3339 time", key, v))
		return time.Time{}
	}
	duration := func(key string, def time.Duration) time.Duration {
		v := strings.TrimSpace(getenv(key))
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a duration (e.g. 5s)", key, v))
			return def
		}
		return d
	}
	c := Config{
		Knowledge:        str("GOVCHAT_KNOWLEDGE", "knowledge"),
		Data:             str("GOVCHAT_DATA", "data"),
		Addr:             str("GOVCHAT_ADDR", ":8080"),
		LogLevel:         str("GOVCHAT_LOG_LEVEL", "info"),
		Store:            str("GOVCHAT_STORE", "mem"),
		QdrantURL:        str("GOVCHAT_QDRANT_URL", "localhost:6334"),
		QdrantAPIKey:     str("GOVCHAT_QDRANT_API_KEY", ""),
		QdrantTLS:        boolean("GOVCHAT_QDRANT_TLS"),
		QdrantCollection: str("GOVCHAT_QDRANT_COLLECTION", "govchat"),
		QdrantShards:     integer("GOVCHAT_QDRANT_SHARDS", 1),
		QdrantReplicas:   integer("GOVCHAT_QDRANT_REPLICATION", 1),
		QdrantTimeout:    duration("GOVCHAT_QDRANT_TIMEOUT", 5*time.Second),
		DatabaseURL:      str("GOVCHAT_DATABASE_URL", ""),
		DatabaseMaxConns: integer("GOVCHAT_DATABASE_MAX_CONNS", 20),
		DatabaseTimeout:  duration("GOVCHAT_DATABASE_TIMEOUT", 10*time.Second),
		OpenAIBaseURL:    str("OPENAI_BASE_URL", ""),
		OpenAIAPIKey:     str("OPENAI_API_KEY", ""),
		EmbedModel:       str("GOVCHAT_EMBED_MODEL", ""),
		ChatModel:        str("GOVCHAT_CHAT_MODEL", ""),
		ModelTimeout:     duration("GOVCHAT_MODEL_TIMEOUT", 60*time.Second),
		Hotline:          str("GOVCHAT_HOTLINE", "12345"),
		ContactKeyFile:   str("GOVCHAT_CONTACT_KEY_FILE", ""),
		Now:              instant("GOVCHAT_NOW"),
		PublicURL:        str("GOVCHAT_PUBLIC_URL", ""),
		AdminToken:       str("GOVCHAT_ADMIN_TOKEN", ""),
		RateIP:           integer("GOVCHAT_RATE_IP", 30),
		RateSession:      integer("GOVCHAT_RATE_SESSION", 12),
		MaxConnsPerIP:    integer("GOVCHAT_MAX_CONNS_PER_IP", 64),
		WechatAppID:      str("GOVCHAT_WECHAT_APPID", ""),
		WechatSecret:     str("GOVCHAT_WECHAT_SECRET", ""),
		WechatAPIBase:    str("GOVCHAT_WECHAT_API_BASE", "https://api.weixin.qq.com"),
		WechatLoginRate:  integer("GOVCHAT_WECHAT_LOGIN_RATE", 20),
		WechatSessionTTL: duration("GOVCHAT_WECHAT_SESSION_TTL", 7*24*time.Hour),
		WebhookSecret:    strings.TrimSpace(getenv("GOVCHAT_WEBHOOK_SECRET")),
		WebhookTimeout:   duration("GOVCHAT_WEBHOOK_TIMEOUT", 10*time.Second),
		WebhookRetention: duration("GOVCHAT_WEBHOOK_RETENTION", 7*24*time.Hour),

		InterpretLateDays: integer("GOVCHAT_INTERPRET_LATE_DAYS", 0),
	}
	for _, o := range strings.Split(getenv("GOVCHAT_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	for _, u := range strings.Split(getenv("GOVCHAT_WEBHOOK_URL"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.WebhookURLs = append(c.WebhookURLs, u)
		}
	}
	for _, p := range strings.Split(getenv("GOVCHAT_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	return c, errors.Join(errs...)
}

// Validate checks the settings that every command relies on.
func (c Config) Validate() error {
	var errs []error
	switch c.Store {
	case "mem", "qdrant":
	default:
		errs = append(errs, fmt.Errorf("GOVCHAT_STORE: unknown store %q (want mem or qdrant)", c.Store))
	}
	if (c.EmbedModel != "" || c.ChatModel != "") && c.OpenAIBaseURL == "" {
		errs = append(errs, errors.New("OPENAI_BASE_URL is required when GOVCHAT_EMBED_MODEL or GOVCHAT_CHAT_MODEL is set"))
	}
	if c.QdrantShards < 1 || c.QdrantReplicas < 1 {
		errs = append(errs, errors.New("GOVCHAT_QDRANT_SHARDS and GOVCHAT_QDRANT_REPLICATION must be at least 1"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("GOVCHAT_DATABASE_URL: want a PostgreSQL URL, postgres://user:password@host:5432/dbname"))
	}
	if c.DatabaseMaxConns < 1 || c.DatabaseTimeout <= 0 {
		errs = append(errs, errors.New("GOVCHAT_DATABASE_MAX_CONNS must be at least 1 and GOVCHAT_DATABASE_TIMEOUT positive"))
	}
	if c.InterpretLateDays < 0 {
		errs = append(errs, errors.New("GOVCHAT_INTERPRET_LATE_DAYS must not be negative"))
	}
	if c.Knowledge == "" || c.Data == "" {
		errs = append(errs, errors.New("knowledge and data directories must not be empty"))
	}
	errs = append(errs, c.validateWebhooks()...)
	return errors.Join(errs...)
}

// MinWebhookSecret is the shortest GOVCHAT_WEBHOOK_SECRET accepted.
const MinWebhookSecret = 16

func (c Config) validateWebhooks() []error {
	var errs []error
	seen := map[string]bool{}
	for _, raw := range c.WebhookURLs {
		u, err := url.Parse(raw)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, fmt.Errorf("GOVCHAT_WEBHOOK_URL: %q is not an http(s) URL", raw))
		case seen[raw]:
			errs = append(errs, fmt.Errorf("GOVCHAT_WEBHOOK_URL: %q is listed twice", raw))
		}
		seen[raw] = true
	}
	switch {
	case len(c.WebhookURLs) > 0 && c.WebhookSecret == "":
		errs = append(errs, errors.New("GOVCHAT_WEBHOOK_SECRET is required when GOVCHAT_WEBHOOK_URL is set: every event is signed with it (HMAC-SHA256) and the receiving 工单 system verifies the signature; set the same secret on both sides"))
	case len(c.WebhookURLs) > 0 && len(c.WebhookSecret) < MinWebhookSecret:
		errs = append(errs, fmt.Errorf("GOVCHAT_WEBHOOK_SECRET is too short: use at least %d characters (e.g. openssl rand -hex 32)", MinWebhookSecret))
	}
	if c.WebhookTimeout <= 0 || c.WebhookRetention <= 0 {
		errs = append(errs, errors.New("GOVCHAT_WEBHOOK_TIMEOUT and GOVCHAT_WEBHOOK_RETENTION must be positive"))
	}
	return errs
}
