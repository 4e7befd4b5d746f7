package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/outbox/outboxtest"
	"github.com/govchat/govchat/internal/outbox/sqlstore"
	"github.com/govchat/govchat/internal/sqlite"
)

func open(t *testing.T, path string) (*sql.DB, *sqlstore.Store) {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

// The conformance suite on an on-disk SQLite database; the claim race runs
// over two connection pools on the same file, as serve and a `govchat events
// replay` would.
func TestConformance(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outboxtest.Backend {
		path := filepath.Join(t.TempDir(), "workbench.db")
		db, s := open(t, path)
		return outboxtest.Backend{
			Store: s,
			Begin: func(ctx context.Context) (outboxtest.Tx, error) { return db.BeginTx(ctx, nil) },
			Other: func(t *testing.T) outbox.Store { _, s := open(t, path); return s },
		}
	})
}
