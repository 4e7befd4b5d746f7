package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Schema is one component's tables: its migration steps, applied once each
// and in order, and the tables that hold its records.
type Schema struct {
	// Component names the schema in schema_migrations ("history", "auth" …).
	Component string
	// Steps are the migrations. Append new steps; never edit one that has
	// shipped. Version n means the first n steps are applied.
	Steps []Step
	// Tables hold the component's records, in an order in which they can be
	// copied (a table after those it references): govchat migrate
	// --from-sqlite copies them. Tables of passing state (tickets, presence)
	// are left out.
	Tables []string
}

// Step is one migration, in each dialect. Statements are separated by
// semicolons; a step runs in one transaction (SQLite and PostgreSQL both
// have transactional DDL). Apply, when set, runs after the statements in
// the same transaction: for what SQL alone cannot do (sealing values with a
// key, a column an earlier govchat may already have added).
type Step struct {
	SQLite   string
	Postgres string
	Apply    func(ctx context.Context, tx *Tx) error
}

// Version is the number of steps of s applied to the database (0 for none).
func (d *DB) Version(ctx context.Context, component string) (int, error) {
	if err := d.ensureMigrations(ctx); err != nil {
		return 0, err
	}
	var v int
	err := d.QueryRowContext(ctx, `SELECT version FROM schema_migrations WHERE component=?`, component).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%s: schema version of %s: %w", d.name, component, err)
	}
	return v, nil
}

func (d *DB) ensureMigrations(ctx context.Context) error {
	_, err := d.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	component TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	applied BIGINT NOT NULL
)`)
	if err != nil {
		return fmt.Errorf("%s: schema_migrations: %w", d.name, err)
	}
	return nil
}

// migrateLock is the PostgreSQL advisory lock that serialises migrations of
// instances starting at once.
const migrateLock = 0x676f7663 // "govc"

// Migrate applies the steps of s that the database lacks, each in its own
// transaction. On PostgreSQL an advisory lock makes instances that start
// together migrate one after the other. A database migrated by a newer
// govchat (more steps than s has) is an error.
func (d *DB) Migrate(ctx context.Context, s Schema) error {
	for {
		done, err := d.migrateOne(ctx, s)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// migrateOne applies the next missing step; done when there is none.
func (d *DB) migrateOne(ctx context.Context, s Schema) (done bool, err error) {
	if d.dialect == SQLite {
		if err := d.ensureMigrations(ctx); err != nil {
			return false, err
		}
	}
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("%s: migrate %s: %w", d.name, s.Component, err)
	}
	defer tx.Rollback()
	if d.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, migrateLock); err != nil {
			return false, fmt.Errorf("%s: migrate %s: lock: %w", d.name, s.Component, err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	component TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	applied BIGINT NOT NULL
)`); err != nil {
			return false, fmt.Errorf("%s: schema_migrations: %w", d.name, err)
		}
	}
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_migrations WHERE component=?`, s.Component).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("%s: schema version of %s: %w", d.name, s.Component, err)
	}
	switch {
	case v > len(s.Steps):
		return false, fmt.Errorf("%s: the %s tables are at schema version %d, newer than this govchat knows (%d): upgrade govchat", d.name, s.Component, v, len(s.Steps))
	case v == len(s.Steps):
		return true, nil
	}
	step := s.Steps[v]
	text := step.SQLite
	if d.dialect == Postgres {
		text = step.Postgres
	}
	if text != "" {
		if _, err := tx.ExecContext(ctx, text); err != nil {
			return false, fmt.Errorf("%s: migrate %s to version %d: %w", d.name, s.Component, v+1, err)
		}
	}
	if step.Apply != nil {
		if err := step.Apply(ctx, tx); err != nil {
			return false, fmt.Errorf("%s: migrate %s to version %d: %w", d.name, s.Component, v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(component, version, applied) VALUES(?,?,?)
ON CONFLICT(component) DO UPDATE SET version=excluded.version, applied=excluded.applied`, s.Component, v+1, time.Now().UnixMilli()); err != nil {
		return false, fmt.Errorf("%s: migrate %s: %w", d.name, s.Component, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("%s: migrate %s to version %d: %w", d.name, s.Component, v+1, err)
	}
	return false, nil
}

// HasColumn reports whether table has column (in the current schema).
func (t *Tx) HasColumn(ctx context.Context, table, column string) (bool, error) {
	var n int
	var err error
	if t.d.dialect == Postgres {
		err = t.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`, table, column).Scan(&n)
	} else {
		err = t.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n)
	}
	return n > 0, err
}
