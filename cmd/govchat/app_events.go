package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/outbox/sqlstore"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/sealbox"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/webhook"
)

// openOutbox is the outbox of outbound events over db (workbench.db) for
// the receivers in GOVCHAT_WEBHOOK_URL, with settings from over (tests
// shorten the retry schedule) where the environment does not reach. Event
// bodies are sealed at rest by seal (the contact key): a 留言's event holds
// the citizen's contact. Its metrics go to reg when not nil. Without
// receivers it records and sends nothing, and its metrics stay 0.
func openOutbox(env *Env, db *sqldb.DB, reg *metrics.Registry, seal outbox.Sealer, over outbox.Config) (*outbox.Outbox, error) {
	cfg := env.Config
	st, err := sqlstore.New(db)
	if err != nil {
		return nil, err
	}
	c := over
	c.Store, c.Endpoints, c.Now, c.Log, c.Metrics, c.Seal = st, cfg.WebhookURLs, env.Now, env.Log, reg, seal
	if c.Retention == 0 {
		c.Retention = cfg.WebhookRetention
	}
	if c.Lease == 0 {
		c.Lease = cfg.WebhookTimeout + 30*time.Second
	}
	if len(cfg.WebhookURLs) > 0 && c.Sender == nil {
		if c.Sender, err = webhook.New(webhook.Config{Secret: cfg.WebhookSecret, Timeout: cfg.WebhookTimeout, Now: env.Now}); err != nil {
			return nil, fmt.Errorf("GOVCHAT_WEBHOOK_SECRET: %w", err)
		}
	}
	return outbox.New(c)
}

// eventPublisher makes the outbound events of every producer (the handoff
// desk, the review list, the conversation log) and records them in o.
func eventPublisher(env *Env, o *outbox.Outbox) events.Publisher {
	return events.Publisher{Maker: events.Maker{Redact: safety.Redact, Source: env.Config.PublicURL}, To: o}
}

// contactKey is the key that seals citizens' contacts at rest
// (GOVCHAT_CONTACT_KEY_FILE, default <data>/contact.key, made on first use).
// With GOVCHAT_DATABASE_URL it must be named: every instance opens what the
// others sealed, so they share one key file.
func contactKey(env *Env) (*sealbox.Box, error) {
	keyFile := env.Config.ContactKeyFile
	if keyFile == "" {
		if env.Config.DatabaseURL != "" {
			return nil, errors.New("GOVCHAT_CONTACT_KEY_FILE: with GOVCHAT_DATABASE_URL every instance must seal citizens' contacts with the same key: " +
				"point it at one key file all instances read (created by the first to start; after migrate --from-sqlite, the old data/contact.key)")
		}
		keyFile = filepath.Join(env.Config.Data, "contact.key")
	}
	box, err := sealbox.LoadOrCreate(keyFile)
	if err != nil {
		return nil, fmt.Errorf("GOVCHAT_CONTACT_KEY_FILE: %w", err)
	}
	return box, nil
}
