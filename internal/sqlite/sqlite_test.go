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

func TestOpenReaderReadsBesideTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`CREATE TABLE t(x); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// A read transaction stays open on the reader while the writer commits.
	tx, err := r.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("read %d, %v", n, err)
	}
	if _, err := w.Exec(`INSERT INTO t VALUES (2)`); err != nil {
		t.Fatalf("the writer waited for the reader: %v", err)
	}
	tx.Rollback()
	if err := r.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 2 {
		t.Errorf("after the write the reader sees %d, %v", n, err)
	}
	if _, err := r.Exec(`INSERT INTO t VALUES (3)`); err == nil {
		t.Error("the reader wrote")
	}
	if _, err := OpenReader(":memory:", 1); err == nil {
		t.Error("an in-memory reader was opened")
	}
}
