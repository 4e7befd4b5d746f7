package learn

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/govchat"
)

// Status of a piece of evidence.
type Status string

// Statuses: evidence is open until the knowledge office approves or
// rejects the proposal it belongs to.
const (
	StatusOpen     Status = "open"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
)

// Record is a stored piece of evidence.
type Record struct {
	ID int64 `json:"id"`
	govchat.Evidence
	Status     Status    `json:"status"`
	Resolved   time.Time `json:"resolved,omitzero"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Note       string    `json:"note,omitempty"` // for approved evidence: the wording written into the entry
}

// Query selects evidence.
type Query struct {
	Status  Status // "" for every status
	EntryID string // "" for every entry
	Limit   int    // at most this many, most recent first (default and maximum 10000)
}

// Store keeps the evidence. It is the contract a storage backend
// implements (SQLite here, PostgreSQL for issue 16); learntest.Run is its
// conformance suite.
//
//   - Add stores one piece of evidence as open and returns its id (ids
//     increase). Wording and EntryID are stored as given (the Learner has
//     redacted and checked them), At to the millisecond.
//   - List returns the evidence matching q, most recent first (by At, then
//     by id).
//   - Resolve sets the status of the open evidence among ids to approved
//     or rejected, with who and a note, and returns how many it changed;
//     evidence already resolved, or unknown ids, are left alone.
//   - Forget deletes evidence recorded before the time (any status) and
//     returns how many (retention).
type Store interface {
	Add(ctx context.Context, e govchat.Evidence) (int64, error)
	List(ctx context.Context, q Query) ([]Record, error)
	Resolve(ctx context.Context, ids []int64, status Status, by, note string) (int, error)
	Forget(ctx context.Context, before time.Time) (int, error)
}

// ErrInvalid: a status other than approved or rejected, or evidence
// without a wording or entry.
var ErrInvalid = errors.New("learn: invalid")

// SQLite is the Store in a SQLite database (the workbench database).
type SQLite struct {
	db  *sql.DB
	now func() time.Time
}

// NewSQLite uses db (shared with other tables) and creates its table.
func NewSQLite(db *sql.DB, now func() time.Time) (*SQLite, error) {
	if now == nil {
		now = time.Now
	}
	_, err := db.Exec(`CREATE TABLE IF NOT EXISTS learn_evidence (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	entry_id TEXT NOT NULL,
	wording TEXT NOT NULL,
	kind TEXT NOT NULL,
	session TEXT NOT NULL DEFAULT '',
	answer_id TEXT NOT NULL DEFAULT '',
	by_user TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'open',
	resolved INTEGER NOT NULL DEFAULT 0,
	resolved_by TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS learn_evidence_status ON learn_evidence(status, entry_id);
CREATE INDEX IF NOT EXISTS learn_evidence_at ON learn_evidence(at);`)
	if err != nil {
		return nil, fmt.Errorf("learn: migrate: %w", err)
	}
	return &SQLite{db: db, now: now}, nil
}

// Add implements Store.
func (s *SQLite) Add(ctx context.Context, e govchat.Evidence) (int64, error) {
	if strings.TrimSpace(e.Wording) == "" || e.EntryID == "" || e.Kind == "" {
		return 0, fmt.Errorf("%w: evidence needs a wording, an entry and a kind", ErrInvalid)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO learn_evidence(at,entry_id,wording,kind,session,answer_id,by_user) VALUES(?,?,?,?,?,?,?)`,
		e.At.UnixMilli(), e.EntryID, e.Wording, e.Kind, e.Session, e.AnswerID, e.By)
	if err != nil {
		return 0, fmt.Errorf("learn: add: %w", err)
	}
	return res.LastInsertId()
}

// List implements Store.
func (s *SQLite) List(ctx context.Context, q Query) ([]Record, error) {
	if q.Limit <= 0 || q.Limit > 10000 {
		q.Limit = 10000
	}
	var where []string
	var args []any
	if q.Status != "" {
		where = append(where, "status=?")
		args = append(args, string(q.Status))
	}
	if q.EntryID != "" {
		where = append(where, "entry_id=?")
		args = append(args, q.EntryID)
	}
	stmt := `SELECT id,at,entry_id,wording,kind,session,answer_id,by_user,status,resolved,resolved_by,note FROM learn_evidence`
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY at DESC, id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := s.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("learn: list: %w", err)
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		var r Record
		var at, resolved int64
		var status string
		if err := rows.Scan(&r.ID, &at, &r.EntryID, &r.Wording, &r.Kind, &r.Session, &r.AnswerID, &r.By, &status, &resolved, &r.ResolvedBy, &r.Note); err != nil {
			return nil, fmt.Errorf("learn: list: %w", err)
		}
		r.At, r.Status = time.UnixMilli(at), Status(status)
		if resolved > 0 {
			r.Resolved = time.UnixMilli(resolved)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Resolve implements Store.
func (s *SQLite) Resolve(ctx context.Context, ids []int64, status Status, by, note string) (int, error) {
	if status != StatusApproved && status != StatusRejected {
		return 0, fmt.Errorf("%w: status %q", ErrInvalid, status)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("learn: resolve: %w", err)
	}
	defer tx.Rollback()
	n := 0
	at := s.now().UnixMilli()
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE learn_evidence SET status=?, resolved=?, resolved_by=?, note=? WHERE id=? AND status='open'`,
			string(status), at, by, note, id)
		if err != nil {
			return 0, fmt.Errorf("learn: resolve: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("learn: resolve: %w", err)
	}
	return n, nil
}

// Forget implements Store.
func (s *SQLite) Forget(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM learn_evidence WHERE at < ?`, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("learn: forget: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
