package sqlite

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOpenAppliesPragmas(t *testing.T) {
	for _, path := range []string{filepath.Join(t.TempDir(), "new dir", "a#b%c.db"), ":memory:"} {
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE t(x)`); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var journal string
		var sync, fk, busy int
		db.QueryRow(`PRAGMA journal_mode`).Scan(&journal)
		db.QueryRow(`PRAGMA synchronous`).Scan(&sync)
		db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
		db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy)
		if path != ":memory:" && journal != "wal" {
			t.Errorf("%s: journal_mode %q", path, journal)
		}
		if sync != 2 || fk != 1 || busy != 10000 {
			t.Errorf("%s: synchronous %d, foreign_keys %d, busy_timeout %d", path, sync, fk, busy)
		}
		db.Close()
		if path != ":memory:" {
			if _, err := os.Stat(path); err != nil {
				t.Errorf("database not at its path: %v", err)
			}
		}
	}
	if _, err := Open(""); err == nil {
		t.Error("empty path opened")
	}
}
