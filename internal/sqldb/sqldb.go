// Package sqldb is govchat's one way to the relational database, whichever
// it is: the embedded SQLite files under data/ (the default) or one
// PostgreSQL database shared by several instances (GOVCHAT_DATABASE_URL).
//
// A DB is a database/sql pool with its dialect. Stores write their SQL once,
// with ? placeholders and the subset both databases speak (ON CONFLICT,
// RETURNING, booleans passed as Go bools and tested as `col` / `NOT col`,
// times as integers); DB rewrites the placeholders for PostgreSQL ($1, $2 …)
// and bounds every call by the database's timeout, so that an unreachable
// PostgreSQL gives an error within the timeout instead of a hang. Where the
// two must differ — the schema — a Step carries both texts, and Migrate
// applies each component's steps once, in order, recording them in
// schema_migrations.
//
// It imports neither driver: internal/sqlite and internal/postgres open the
// pools and hand them over with New.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Dialect is the SQL the database speaks.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("dialect(%d)", int(d))
}

// DB is a pool over one database. It is safe for concurrent use. Stores
// given a DB do not close it: whoever opened it does.
type DB struct {
	db      *sql.DB
	dialect Dialect
	name    string
	timeout time.Duration
	binds   sync.Map // query text → rebound text (PostgreSQL)
}

// New wraps db. name says which database it is in messages (a file, or
// "postgres"); timeout bounds each call whose context has no deadline of
// its own, also each statement of a transaction, and txTimeouts times it the
// whole transaction (0: none, as for SQLite, which waits for locks on its
// own).
func New(db *sql.DB, dialect Dialect, name string, timeout time.Duration) *DB {
	return &DB{db: db, dialect: dialect, name: name, timeout: timeout}
}

// Dialect is the SQL the database speaks.
func (d *DB) Dialect() Dialect { return d.dialect }

// Name says which database it is (a file path, or "postgres").
func (d *DB) Name() string { return d.name }

// SQL is the underlying pool, for what this package does not wrap.
func (d *DB) SQL() *sql.DB { return d.db }

// Close closes the pool.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	if err := d.db.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	return nil
}

// bound gives ctx the database's timeout unless it has a deadline of its
// own (a caller that knows its work is long, such as a migration, sets one).
func (d *DB) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.timeout <= 0 {
		return ctx, func() {}
	}
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d.timeout)
}

// Rebind rewrites ? placeholders as $1, $2 … for PostgreSQL; question marks
// inside quoted strings, quoted identifiers and comments are left alone.
func (d *DB) Rebind(q string) string {
	if d.dialect != Postgres {
		return q
	}
	if v, ok := d.binds.Load(q); ok {
		return v.(string)
	}
	r := rebind(q)
	d.binds.Store(q, r)
	return r
}

func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ExecContext runs a statement.
func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	return d.db.ExecContext(ctx, d.Rebind(q), args...)
}

// QueryContext runs a query; closing the rows releases its timeout.
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*Rows, error) {
	ctx, cancel := d.bound(ctx)
	rows, err := d.db.QueryContext(ctx, d.Rebind(q), args...)
	if err != nil {
		cancel()
		return nil, err
	}
	return &Rows{Rows: rows, cancel: cancel}, nil
}

// QueryRowContext runs a query for one row; Scan releases its timeout.
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *Row {
	ctx, cancel := d.bound(ctx)
	return &Row{row: d.db.QueryRowContext(ctx, d.Rebind(q), args...), cancel: cancel}
}

// InsertID runs an INSERT and returns the id column of the new row (the
// statement is given RETURNING id; both databases support it).
func (d *DB) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := d.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// txTimeouts is how many statement timeouts a transaction may last, unless
// its context has a deadline of its own: each statement in it is bounded by
// the timeout, the whole by this many (a batch of thousands of rows is many
// statements).
const txTimeouts = 30

// BeginTx starts a transaction. Each statement in it has the database's
// timeout, all of it txTimeouts times that (unless ctx has a deadline).
func (d *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	cancel := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok && d.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, txTimeouts*d.timeout)
	}
	tx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	return &Tx{tx: tx, d: d, cancel: cancel}, nil
}

// Rows are the rows of a query.
type Rows struct {
	*sql.Rows
	cancel context.CancelFunc
}

// Close closes the rows and releases the query's timeout.
func (r *Rows) Close() error {
	err := r.Rows.Close()
	r.cancel()
	return err
}

// Row is the result of QueryRowContext.
type Row struct {
	row    *sql.Row
	cancel context.CancelFunc
}

// Scan copies the row's columns into dest (sql.ErrNoRows when there is none).
func (r *Row) Scan(dest ...any) error {
	defer r.cancel()
	return r.row.Scan(dest...)
}

// Tx is a transaction.
type Tx struct {
	tx     *sql.Tx
	d      *DB
	cancel context.CancelFunc
}

// PrepareContext prepares a statement in the transaction (for many rows of
// one kind: SQLite then parses it once).
func (t *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	ctx, cancel := t.d.bound(ctx)
	defer cancel()
	return t.tx.PrepareContext(ctx, t.d.Rebind(q))
}

// Dialect is the SQL the transaction's database speaks.
func (t *Tx) Dialect() Dialect { return t.d.dialect }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx, cancel := t.d.bound(ctx)
	defer cancel()
	return t.tx.ExecContext(ctx, t.d.Rebind(q), args...)
}

// QueryContext runs a query in the transaction; Close releases its timeout.
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*Rows, error) {
	ctx, cancel := t.d.bound(ctx)
	rows, err := t.tx.QueryContext(ctx, t.d.Rebind(q), args...)
	if err != nil {
		cancel()
		return nil, err
	}
	return &Rows{Rows: rows, cancel: cancel}, nil
}

// QueryRowContext runs a query for one row in the transaction; Scan
// releases its timeout.
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *Row {
	ctx, cancel := t.d.bound(ctx)
	return &Row{row: t.tx.QueryRowContext(ctx, t.d.Rebind(q), args...), cancel: cancel}
}

// InsertID runs an INSERT in the transaction and returns the new row's id.
func (t *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := t.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// Commit commits the transaction.
func (t *Tx) Commit() error {
	defer t.cancel()
	return t.tx.Commit()
}

// Rollback aborts the transaction; after Commit it does nothing.
func (t *Tx) Rollback() error {
	defer t.cancel()
	err := t.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// IsUnique reports whether err is a violated unique or primary-key
// constraint (SQLite's SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY, PostgreSQL's
// 23505), without importing either driver.
func IsUnique(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "23505"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		return lite.Code() == 2067 || lite.Code() == 1555
	}
	return false
}
