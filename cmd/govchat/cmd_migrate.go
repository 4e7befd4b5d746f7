package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/postgres"
	"github.com/govchat/govchat/internal/sealbox"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"
)

func init() {
	register(command{
		name:    "migrate",
		summary: "bring the databases' schemas up to date; --from-sqlite DIR moves a single instance's data to PostgreSQL",
		run:     runMigrate,
	})
}

const migrateUsage = `usage:
  govchat migrate                       # apply schema migrations (SQLite files under --data, or GOVCHAT_DATABASE_URL)
  govchat migrate --from-sqlite DATA    # copy every record of a single instance's DATA/*.db into GOVCHAT_DATABASE_URL`

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "migrate")
	from := fs.String("from-sqlite", "", "a single instance's data directory whose SQLite databases are copied into GOVCHAT_DATABASE_URL (which must be empty)")
	fs.Usage = func() { fmt.Fprintln(env.Stderr, migrateUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := env.Config.Validate(); err != nil {
		return err
	}
	if *from != "" {
		return migrateFromSQLite(ctx, env, *from)
	}
	dbs, err := openDatabases(ctx, env)
	if err != nil {
		return err
	}
	defer dbs.Close()
	// 留言 contacts of a database from before they were sealed are sealed
	// with the key serve uses.
	var contacts handoff.Sealer
	if key := env.Config.ContactKeyFile; key != "" || !dbs.shared() {
		if key == "" {
			key = filepath.Join(env.Config.Data, "contact.key")
		}
		box, err := sealbox.LoadOrCreate(key)
		if err != nil {
			return fmt.Errorf("GOVCHAT_CONTACT_KEY_FILE: %w", err)
		}
		contacts = box
	}
	versions, err := dbs.migrateAll(ctx, contacts)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "schemas up to date in %s:\n", dbs.where())
	for _, v := range versions {
		fmt.Fprintf(env.Stdout, "  %-14s version %d  (%s)\n", v.component, v.version, v.where)
	}
	return nil
}

// migrateFromSQLite moves a single-instance deployment to PostgreSQL: it
// brings both sides' schemas up to date, copies every table that holds
// records in one transaction (all or nothing), checks that each table
// holds as many rows in PostgreSQL as in SQLite, and prints the counts.
func migrateFromSQLite(ctx context.Context, env *Env, dir string) error {
	if env.Config.DatabaseURL == "" {
		return errors.New("migrate --from-sqlite: set GOVCHAT_DATABASE_URL to the PostgreSQL database to move the data into")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("migrate --from-sqlite: %s is not a data directory", dir)
	}
	dbs, err := openDatabases(ctx, env)
	if err != nil {
		return err
	}
	defer dbs.Close()
	if _, err := dbs.migrateAll(ctx, nil); err != nil {
		return err
	}
	// The single instance's key: 留言 contacts it sealed stay sealed with
	// it (the instances must then use it: GOVCHAT_CONTACT_KEY_FILE), and any
	// its database still holds in clear are sealed with it first.
	srcKey := filepath.Join(dir, "contact.key")
	box, err := sealbox.LoadOrCreate(srcKey)
	if err != nil {
		return fmt.Errorf("migrate --from-sqlite: %w", err)
	}
	pg := dbs.pg.SQL
	// A long copy: no per-call timeout, but not forever.
	ctx, cancel := context.WithTimeout(ctx, 6*time.Hour)
	defer cancel()
	tx, err := pg.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	type counted struct {
		file, table string
		sqlite, pg  int64
	}
	var done []counted
	for _, f := range sqliteFiles(box) {
		path := filepath.Join(dir, f.file)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(env.Stdout, "%-13s not there: nothing to copy\n", f.file)
			continue
		}
		src, err := sqlite.OpenDB(path)
		if err != nil {
			return err
		}
		err = func() error {
			defer src.Close()
			for _, s := range f.schemas {
				// The copy reads the latest columns: bring the file up to date
				// first, as serve would.
				if err := src.Migrate(ctx, s); err != nil {
					return err
				}
				for _, table := range s.Tables {
					n, err := sqldb.Count(ctx, src, table)
					if err != nil {
						return fmt.Errorf("%s: %s: %w", f.file, table, err)
					}
					copied, err := sqldb.Copy(ctx, src, tx, table)
					if err != nil {
						return fmt.Errorf("%s: %w", f.file, err)
					}
					got, err := sqldb.Count(ctx, tx, table)
					if err != nil {
						return fmt.Errorf("%s: %w", table, err)
					}
					if copied != n || got != n {
						return fmt.Errorf("%s: %s: %d rows in SQLite, %d copied, %d in PostgreSQL: nothing was moved", f.file, table, n, copied, got)
					}
					done = append(done, counted{f.file, table, n, got})
				}
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate --from-sqlite: %w", err)
	}
	fmt.Fprintf(env.Stdout, "moved %s into %s:\n", dir, postgres.Redact(env.Config.DatabaseURL))
	fmt.Fprintf(env.Stdout, "  %-13s %-16s %10s %10s\n", "file", "table", "SQLite", "PostgreSQL")
	var total int64
	for _, c := range done {
		fmt.Fprintf(env.Stdout, "  %-13s %-16s %10d %10d\n", c.file, c.table, c.sqlite, c.pg)
		total += c.pg
	}
	fmt.Fprintf(env.Stdout, "%d rows in %d tables, every count matches. The SQLite files are unchanged apart from their schema version; keep them until the move is confirmed.\n", total, len(done))
	fmt.Fprintf(env.Stdout, "留言 contacts are sealed with %s: give every instance that key (GOVCHAT_CONTACT_KEY_FILE).\n", srcKey)
	return nil
}
