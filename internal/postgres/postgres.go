// Package postgres opens govchat's PostgreSQL database (GOVCHAT_DATABASE_URL)
// — a pgx connection pool behind the sqldb handle every store uses, with
// timeouts — and carries the bus between instances over LISTEN/NOTIFY. It
// is the only importer of the jackc/pgx driver.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/govchat/govchat/internal/sqldb"
)

// Config configures Open.
type Config struct {
	// URL is a postgres:// URL or a key=value connection string.
	URL string
	// MaxConns bounds the pool; default 20.
	MaxConns int
	// Timeout bounds connecting, each statement (the server's
	// statement_timeout) and each call that has no earlier deadline;
	// default 10s. With PostgreSQL unreachable, calls fail within it.
	Timeout time.Duration
	// WaitAtStart is how long Open retries, with backoff, a database that
	// does not answer yet (containers starting together); default 30s.
	WaitAtStart time.Duration
	// Log receives the retries; default slog.Default().
	Log *slog.Logger
}

// DB is an open PostgreSQL database.
type DB struct {
	// SQL is the handle the stores use.
	SQL     *sqldb.DB
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig
	cfg     Config
}

// IsURL reports whether s names a PostgreSQL database (postgres:// or
// postgresql://).
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

var passwordKV = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|\S+)`)

// Redact hides the password of a connection URL or string, for messages.
func Redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return passwordKV.ReplaceAllString(s, "${1}xxxxx")
}

// Open connects to the database, retrying for WaitAtStart, and returns the
// pool. It fails with a message naming the (redacted) URL.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.WaitAtStart <= 0 {
		cfg.WaitAtStart = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	where := Redact(cfg.URL)
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		// pgx's message may quote the connection string: say where, not what.
		return nil, fmt.Errorf("GOVCHAT_DATABASE_URL %s: not a valid PostgreSQL URL", where)
	}
	pc.MaxConns = int32(cfg.MaxConns)
	pc.MinConns = 0
	pc.HealthCheckPeriod = 15 * time.Second
	pc.MaxConnIdleTime = 5 * time.Minute
	pc.MaxConnLifetime = time.Hour
	cc := pc.ConnConfig
	if cc.ConnectTimeout == 0 || cc.ConnectTimeout > cfg.Timeout {
		cc.ConnectTimeout = cfg.Timeout
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	setDefault := func(k, v string) {
		if _, ok := cc.RuntimeParams[k]; !ok {
			cc.RuntimeParams[k] = v
		}
	}
	setDefault("application_name", "govchat")
	setDefault("statement_timeout", strconv.FormatInt(cfg.Timeout.Milliseconds(), 10))
	setDefault("idle_in_transaction_session_timeout", "60000")
	setDefault("TimeZone", "UTC")
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("GOVCHAT_DATABASE_URL %s: %w", where, err)
	}
	d := &DB{pool: pool, connCfg: cc.Copy(), cfg: cfg}
	d.SQL = sqldb.New(stdlib.OpenDBFromPool(pool), sqldb.Postgres, "postgres", cfg.Timeout)
	deadline := time.Now().Add(cfg.WaitAtStart)
	wait := 200 * time.Millisecond
	for {
		err = d.Ping(ctx)
		if err == nil {
			return d, nil
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			d.Close()
			return nil, fmt.Errorf("PostgreSQL at GOVCHAT_DATABASE_URL %s does not answer: %w", where, err)
		}
		cfg.Log.Warn("PostgreSQL does not answer yet; retrying", slog.String("url", where), slog.Any("error", err), slog.Duration("in", wait))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// Ping checks that the database answers (a round trip on a pooled
// connection, within the timeout).
func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	var one int
	if err := d.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// Close closes the pool.
func (d *DB) Close() error {
	err := d.SQL.Close()
	d.pool.Close()
	return err
}

// ServerVersion is the server's version string (for messages).
func (d *DB) ServerVersion(ctx context.Context) (string, error) {
	var v string
	err := d.pool.QueryRow(ctx, `SHOW server_version`).Scan(&v)
	return v, err
}

// errTimeout tells the listener's idle wait apart from a broken connection.
func isTimeout(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
