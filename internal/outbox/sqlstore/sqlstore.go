// Package sqlstore is the outbox's Store over SQLite — workbench.db, the
// database of the handoff desk and the review list, opened by
// internal/sqlite — so that a 留言, the end of a 转人工 conversation or an
// approved review item and the event it causes are committed in one
// transaction.
//
// The statements keep to the SQL that SQLite and PostgreSQL both speak (?
// placeholders, ON CONFLICT, RETURNING, times as integer milliseconds); only
// the table definitions differ (docs/webhooks.md, "Storage").
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/outbox"
)

// schema is the outbox's tables. An event is kept once; each receiver has
// a delivery row, pending while delivered = 0.
const schema = `
CREATE TABLE IF NOT EXISTS outbox_events (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	type TEXT NOT NULL,
	created INTEGER NOT NULL,
	body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_events_created ON outbox_events(created);
CREATE TABLE IF NOT EXISTS outbox_deliveries (
	event_id TEXT NOT NULL REFERENCES outbox_events(id),
	endpoint TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	delivered INTEGER NOT NULL DEFAULT 0,
	last_attempt INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (event_id, endpoint)
);
CREATE INDEX IF NOT EXISTS outbox_deliveries_due ON outbox_deliveries(endpoint, delivered, next_at);`

// Store is the outbox over one SQL database. Safe for concurrent use.
type Store struct {
	db *sql.DB
}

var _ outbox.Store = (*Store)(nil)

// New uses db (shared with the other workbench tables; the caller closes
// it) and creates the outbox's tables.
func New(db *sql.DB) (*Store, error) {
	if _, err := db.Exec(schema); err != nil {
		return nil, fmt.Errorf("outbox: migrate: %w", err)
	}
	return &Store{db: db}, nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// in is "col IN (?,?…)" with its arguments.
func in(col string, vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",") + ")", args
}

// Add implements outbox.Store.
func (s *Store) Add(ctx context.Context, tx events.Execer, endpoints []string, due time.Time, evs ...events.Event) error {
	if tx != nil {
		return add(ctx, tx, endpoints, due, evs)
	}
	own, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer own.Rollback()
	if err := add(ctx, own, endpoints, due, evs); err != nil {
		return err
	}
	return own.Commit()
}

func add(ctx context.Context, tx events.Execer, endpoints []string, due time.Time, evs []events.Event) error {
	for _, e := range evs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_events(id,type,created,body) VALUES(?,?,?,?)`, e.ID, e.Type, ms(e.Time), e.Body); err != nil {
			return fmt.Errorf("add event: %w", err)
		}
		for _, ep := range endpoints {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_deliveries(event_id,endpoint,next_at) VALUES(?,?,?)`, e.ID, ep, ms(due)); err != nil {
				return fmt.Errorf("add delivery: %w", err)
			}
		}
	}
	return nil
}

const deliveryCols = `e.id, e.type, e.created, e.body, d.endpoint, d.attempts, d.next_at, d.delivered, d.last_attempt, d.last_error`

func scanDelivery(rows interface{ Scan(...any) error }) (outbox.Delivery, error) {
	var d outbox.Delivery
	var created, next, delivered, last int64
	if err := rows.Scan(&d.EventID, &d.Type, &created, &d.Body, &d.Endpoint, &d.Attempts, &next, &delivered, &last, &d.LastError); err != nil {
		return outbox.Delivery{}, err
	}
	d.Created, d.Next, d.Delivered, d.LastAttempt = fromMS(created), fromMS(next), fromMS(delivered), fromMS(last)
	return d, nil
}

// Claim implements outbox.Store. The conditions are repeated outside the
// subquery so that a concurrent claimer that waited for the row re-checks
// them on the row as the first claimer left it (PostgreSQL's READ
// COMMITTED); SQLite runs the statement alone.
func (s *Store) Claim(ctx context.Context, endpoint string, now, until time.Time, limit int) ([]outbox.Delivery, error) {
	if limit <= 0 {
		limit = 1
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE outbox_deliveries SET next_at = ?
WHERE endpoint = ? AND delivered = 0 AND next_at <= ? AND event_id IN (
	SELECT d.event_id FROM outbox_deliveries d JOIN outbox_events e ON e.id = d.event_id
	WHERE d.endpoint = ? AND d.delivered = 0 AND d.next_at <= ?
	ORDER BY e.seq LIMIT ?)
RETURNING event_id`, ms(until), endpoint, ms(now), endpoint, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	if len(ids) == 0 {
		return nil, tx.Commit()
	}
	cond, args := in("d.event_id", ids)
	rows, err = tx.QueryContext(ctx, `SELECT `+deliveryCols+` FROM outbox_deliveries d JOIN outbox_events e ON e.id = d.event_id
WHERE d.endpoint = ? AND `+cond+` ORDER BY e.seq`, append([]any{endpoint}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	var out []outbox.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	return out, tx.Commit()
}

// errNoDelivery: the delivery named does not exist.
var errNoDelivery = errors.New("no such delivery")

func (s *Store) update(ctx context.Context, what, q string, args ...any) error {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%s: %w", what, errNoDelivery)
	}
	return nil
}

// Delivered implements outbox.Store.
func (s *Store) Delivered(ctx context.Context, eventID, endpoint string, at time.Time) error {
	return s.update(ctx, "delivered", `UPDATE outbox_deliveries SET delivered = ?, attempts = attempts + 1, last_attempt = ?, last_error = ''
WHERE event_id = ? AND endpoint = ?`, ms(at), ms(at), eventID, endpoint)
}

// Failed implements outbox.Store.
func (s *Store) Failed(ctx context.Context, eventID, endpoint string, at, next time.Time, reason string) error {
	return s.update(ctx, "failed", `UPDATE outbox_deliveries SET attempts = attempts + 1, last_attempt = ?, last_error = ?, next_at = ?
WHERE event_id = ? AND endpoint = ? AND delivered = 0`, ms(at), reason, ms(next), eventID, endpoint)
}

// Release implements outbox.Store.
func (s *Store) Release(ctx context.Context, eventID, endpoint string, next time.Time) error {
	return s.update(ctx, "release", `UPDATE outbox_deliveries SET next_at = ? WHERE event_id = ? AND endpoint = ? AND delivered = 0`,
		ms(next), eventID, endpoint)
}

// NextDue implements outbox.Store.
func (s *Store) NextDue(ctx context.Context, endpoints []string) (time.Time, error) {
	if len(endpoints) == 0 {
		return time.Time{}, nil
	}
	cond, args := in("endpoint", endpoints)
	var next sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_at) FROM outbox_deliveries WHERE delivered = 0 AND `+cond, args...).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next due: %w", err)
	}
	return fromMS(next.Int64), nil
}

// Backlog implements outbox.Store.
func (s *Store) Backlog(ctx context.Context, endpoints []string) (outbox.Backlog, error) {
	if len(endpoints) == 0 {
		return outbox.Backlog{}, nil
	}
	cond, args := in("d.endpoint", endpoints)
	var n int
	var oldest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(e.created) FROM outbox_deliveries d JOIN outbox_events e ON e.id = d.event_id
WHERE d.delivered = 0 AND `+cond, args...).Scan(&n, &oldest); err != nil {
		return outbox.Backlog{}, fmt.Errorf("backlog: %w", err)
	}
	return outbox.Backlog{Pending: n, Oldest: fromMS(oldest.Int64)}, nil
}

// List implements outbox.Store.
func (s *Store) List(ctx context.Context, f outbox.Filter) ([]outbox.Delivery, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	q, args := `SELECT `+deliveryCols+` FROM outbox_deliveries d JOIN outbox_events e ON e.id = d.event_id WHERE 1=1`, []any{}
	if f.PendingOnly {
		q += ` AND d.delivered = 0`
	}
	if !f.Since.IsZero() {
		q += ` AND e.created >= ?`
		args = append(args, ms(f.Since))
	}
	if f.Endpoint != "" {
		q += ` AND d.endpoint = ?`
		args = append(args, f.Endpoint)
	}
	q += ` ORDER BY e.seq, d.endpoint LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	out := []outbox.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Requeue implements outbox.Store.
func (s *Store) Requeue(ctx context.Context, since time.Time, endpoints []string, due time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("requeue: %w", err)
	}
	defer tx.Rollback()
	total := 0
	for _, ep := range slices.Compact(slices.Sorted(slices.Values(endpoints))) {
		res, err := tx.ExecContext(ctx, `INSERT INTO outbox_deliveries(event_id, endpoint, attempts, next_at, delivered, last_attempt, last_error)
SELECT id, ?, 0, ?, 0, 0, '' FROM outbox_events WHERE created >= ?
ON CONFLICT(event_id, endpoint) DO UPDATE SET attempts = 0, next_at = excluded.next_at, delivered = 0, last_error = ''`,
			ep, ms(due), ms(since))
		if err != nil {
			return 0, fmt.Errorf("requeue: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, tx.Commit()
}

// Prune implements outbox.Store.
func (s *Store) Prune(ctx context.Context, before time.Time, endpoints []string) (int, error) {
	cond, args := `e.created < ?`, []any{ms(before)}
	if len(endpoints) > 0 {
		epCond, epArgs := in("d.endpoint", endpoints)
		cond += ` AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.event_id = e.id AND d.delivered = 0 AND ` + epCond + `)`
		args = append(args, epArgs...)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_deliveries WHERE event_id IN (SELECT e.id FROM outbox_events e WHERE `+cond+`)`, args...); err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM outbox_events WHERE id IN (SELECT e.id FROM outbox_events e WHERE `+cond+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), tx.Commit()
}
