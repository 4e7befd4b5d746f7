package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/outbox/outboxtest"
	"github.com/govchat/govchat/internal/outbox/sqlstore"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
	"github.com/govchat/govchat/internal/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, db *sqldb.DB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The conformance suite on an on-disk SQLite database; the claim race runs
// over two connection pools on the same file, as serve and a `govchat events
// replay` would.
func TestConformance(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outboxtest.Backend {
		path := filepath.Join(t.TempDir(), "workbench.db")
		openFile := func(t *testing.T) *sqldb.DB {
			db, err := sqlite.OpenDB(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		db := openFile(t)
		return outboxtest.Backend{
			Store: open(t, db),
			Begin: func(ctx context.Context) (outboxtest.Tx, error) { return db.BeginTx(ctx, nil) },
			Other: func(t *testing.T) outbox.Store { return open(t, openFile(t)) },
		}
	})
}

// The same suite on PostgreSQL: a fresh database each test, and for the
// claim race two more pools on it — other instances.
func TestConformancePostgres(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outboxtest.Backend {
		url := pgtest.Shared(t).DB(t)
		db := sqldbtest.OpenPostgres(t, url).SQL
		return outboxtest.Backend{
			Store: open(t, db),
			Begin: func(ctx context.Context) (outboxtest.Tx, error) { return db.BeginTx(ctx, nil) },
			Other: func(t *testing.T) outbox.Store { return open(t, sqldbtest.OpenPostgres(t, url).SQL) },
		}
	})
}
