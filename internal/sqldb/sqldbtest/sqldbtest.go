// Package sqldbtest gives conformance suites the databases to run on: a
// fresh SQLite file and a fresh database on a throwaway PostgreSQL cluster
// (internal/pgtest; skipped with a message without PostgreSQL, failing
// under CI=true). A package that uses it calls pgtest.Main from TestMain.
package sqldbtest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/postgres"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"
)

// Dialects are the databases every store is tested on.
var Dialects = []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres}

// Each runs fn as a subtest on a fresh database of each dialect.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d.String(), func(t *testing.T) { fn(t, Open(t, d)) })
	}
}

// Open returns a fresh, empty database of the dialect, closed at the end of
// t.
func Open(t testing.TB, d sqldb.Dialect) *sqldb.DB {
	t.Helper()
	switch d {
	case sqldb.SQLite:
		db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	case sqldb.Postgres:
		return OpenPostgres(t, pgtest.Shared(t).DB(t)).SQL
	}
	t.Fatalf("sqldbtest: unknown dialect %v", d)
	return nil
}

// OpenPostgres opens the PostgreSQL database at url, closed at the end of t.
func OpenPostgres(t testing.TB, url string) *postgres.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Timeout: 5 * time.Second, WaitAtStart: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
