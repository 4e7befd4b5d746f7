package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chatsessions"
	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/outbox/sqlstore"
	"github.com/govchat/govchat/internal/postgres"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"
	"github.com/govchat/govchat/internal/wechat"
)

// schemaFile is a SQLite file under --data and the schemas it holds.
type schemaFile struct {
	file    string
	schemas []sqldb.Schema
}

// sqliteFiles says which SQLite file under --data holds which schemas (the
// embedded default, one file per concern as it always was). With
// GOVCHAT_DATABASE_URL they all live in the one PostgreSQL database, with
// pgOnly beside them. A component that adds a schema adds it here, so that
// `govchat migrate` and `migrate --from-sqlite` know it. contacts seals the
// 留言 contacts a database from before sealing holds in clear (nil: they
// are redacted only).
func sqliteFiles(contacts handoff.Sealer) []schemaFile {
	return []schemaFile{
		{"history.db", []sqldb.Schema{history.Schema}},
		{"auth.db", []sqldb.Schema{auth.Schema}},
		{"workbench.db", []sqldb.Schema{handoff.Schema(contacts, safety.Redact), review.Schema, sqlstore.Schema, learn.Schema}},
		{"wechat.db", []sqldb.Schema{wechat.StoreSchema}},
	}
}

// pgOnly are the schemas only a shared database needs: sessions that
// several instances resume, and the bus's large messages.
var pgOnly = []sqldb.Schema{chatsessions.Schema, postgres.BusSchema}

// databases opens the relational databases a command needs: the SQLite
// files under --data, or the PostgreSQL database of GOVCHAT_DATABASE_URL.
type databases struct {
	env   *Env
	pg    *postgres.DB         // nil on SQLite
	files map[string]*sqldb.DB // opened SQLite files
}

// openDatabases connects to PostgreSQL when GOVCHAT_DATABASE_URL is set
// (retrying for 30 s at start); SQLite files are opened when first asked
// for.
func openDatabases(ctx context.Context, env *Env) (*databases, error) {
	d := &databases{env: env, files: map[string]*sqldb.DB{}}
	cfg := env.Config
	if cfg.DatabaseURL == "" {
		return d, nil
	}
	pg, err := postgres.Open(ctx, postgres.Config{URL: cfg.DatabaseURL, MaxConns: cfg.DatabaseMaxConns, Timeout: cfg.DatabaseTimeout, Log: env.Log})
	if err != nil {
		return nil, err
	}
	d.pg = pg
	if v, err := pg.ServerVersion(ctx); err == nil {
		env.Log.Info("database: PostgreSQL", slog.String("url", postgres.Redact(cfg.DatabaseURL)), slog.String("version", v))
	}
	return d, nil
}

// shared reports whether the state is in PostgreSQL (several instances may
// share it).
func (d *databases) shared() bool { return d.pg != nil }

// file is the database holding what the SQLite file name holds.
func (d *databases) file(name string) (*sqldb.DB, error) {
	if d.pg != nil {
		return d.pg.SQL, nil
	}
	if db := d.files[name]; db != nil {
		return db, nil
	}
	db, err := sqlite.OpenDB(filepath.Join(d.env.Config.Data, name))
	if err != nil {
		return nil, err
	}
	d.files[name] = db
	return db, nil
}

// exists reports whether the SQLite file name is there (always true on
// PostgreSQL).
func (d *databases) exists(name string) bool {
	if d.pg != nil {
		return true
	}
	_, err := os.Stat(filepath.Join(d.env.Config.Data, name))
	return err == nil
}

// where says where the state is, for messages.
func (d *databases) where() string {
	if d.pg != nil {
		return "PostgreSQL " + postgres.Redact(d.env.Config.DatabaseURL)
	}
	return d.env.Config.Data
}

// ping checks the shared database (readiness of several instances).
func (d *databases) ping(ctx context.Context) error {
	if d.pg == nil {
		return errors.New("no shared database")
	}
	return d.pg.Ping(ctx)
}

// Close closes what was opened.
func (d *databases) Close() error {
	var errs []error
	for name, db := range d.files {
		if db.Dialect() == sqldb.SQLite {
			db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		if err := db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	d.files = map[string]*sqldb.DB{}
	if d.pg != nil {
		errs = append(errs, d.pg.Close())
		d.pg = nil
	}
	return errors.Join(errs...)
}

// migrateAll brings every schema up to date and returns each component's
// version, in order.
func (d *databases) migrateAll(ctx context.Context, contacts handoff.Sealer) ([]schemaVersion, error) {
	var out []schemaVersion
	apply := func(db *sqldb.DB, s sqldb.Schema) error {
		if err := db.Migrate(ctx, s); err != nil {
			return err
		}
		v, err := db.Version(ctx, s.Component)
		if err != nil {
			return err
		}
		out = append(out, schemaVersion{where: db.Name(), component: s.Component, version: v, latest: len(s.Steps)})
		return nil
	}
	for _, f := range sqliteFiles(contacts) {
		db, err := d.file(f.file)
		if err != nil {
			return nil, err
		}
		for _, s := range f.schemas {
			if err := apply(db, s); err != nil {
				return nil, err
			}
		}
	}
	if d.pg != nil {
		for _, s := range pgOnly {
			if err := apply(d.pg.SQL, s); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

type schemaVersion struct {
	where, component string
	version, latest  int
}
