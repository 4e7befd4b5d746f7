// Package sqlite opens govchat's SQLite databases — the conversation log
// (history.db), operator accounts (auth.db), the workbench's handoffs, 留言
// and review list (workbench.db) and WeChat session tokens (wechat.db) — the
// one way, with the pragmas below. It is the only importer of the
// modernc.org/sqlite driver.
package sqlite

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/govchat/govchat/internal/sqldb"
)

// Pragmas are applied to every connection of every database:
//
//   - busy_timeout(10000): a statement waits up to 10 s for a lock held by
//     another process (govchat user, govchat report) instead of failing.
//   - journal_mode(WAL): readers do not block the writer nor it them, and a
//     commit appends to the log instead of rewriting pages.
//   - synchronous(FULL): a committed write survives a power cut; every
//     database holds records (answers, feedback, accounts, 留言) that cannot
//     be derived again.
//   - foreign_keys(1): the schemas' REFERENCES clauses are enforced.
var Pragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"}

// Open opens (creating it and its directory when needed) the database at
// path; ":memory:" is a private in-memory database. The pool holds one
// connection: SQLite has one writer anyway, reads are short, and one
// connection cannot deadlock against itself upgrading a read transaction to
// a write (SQLITE_BUSY despite busy_timeout).
func Open(path string) (*sql.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: empty database path")
	}
	dsn := "file::memory:"
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		dsn = "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath()
	}
	q := url.Values{}
	for _, p := range Pragmas {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// OpenDB opens the database at path as a sqldb.DB (the dialect-neutral
// handle the stores use).
func OpenDB(path string) (*sqldb.DB, error) {
	db, err := Open(path)
	if err != nil {
		return nil, err
	}
	return sqldb.New(db, sqldb.SQLite, path, 0), nil
}

// OpenReader opens a pool of up to conns read-only connections (the
// pragma query_only) to the database at path, beside the one Open gives the
// writer: in WAL mode its reads neither wait for the writer nor hold it up,
// so a long report does not delay the writes. The database must exist
// (Open creates it); ":memory:" is refused (each connection would be a
// database of its own).
func OpenReader(path string, conns int) (*sql.DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: a reader needs a database file, not %q", path)
	}
	if conns < 1 {
		conns = 1
	}
	q := url.Values{}
	for _, p := range append(Pragmas, "query_only(1)") {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: filepath.ToSlash(path)}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db, nil
}
