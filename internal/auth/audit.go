package auth

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/safety"
)

// Event is one audited action of a signed-in account (or a failed sign-in).
type Event struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`              // username ("" for anonymous)
	StaffNo string    `json:"staff_no,omitempty"` // 工号
	Action  string    `json:"action"`             // login, login_failed, logout, user_add, handoff_take, …
	Target  string    `json:"target,omitempty"`   // what it acted on: a conversation, a document, an account
	Detail  string    `json:"detail,omitempty"`   // short free text, already redacted by the caller
	IP      string    `json:"ip,omitempty"`
}

// Auditor records events. The Service implements it on its own database;
// callers depend on this interface so the trail can move elsewhere.
type Auditor interface {
	Record(ctx context.Context, e Event) error
}

var _ Auditor = (*Service)(nil)

// Record stores e (At defaults to now). Long fields are cut to 1,000
// characters; 身份证号 and phone numbers in the free-text fields (a failed
// sign-in's actor is whatever was typed) are redacted.
func (s *Service) Record(ctx context.Context, e Event) error {
	if e.At.IsZero() {
		e.At = s.cfg.Now()
	}
	e.Actor, e.Target, e.Detail = safety.Redact(e.Actor), safety.Redact(e.Target), safety.Redact(e.Detail)
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit(at,actor,staff_no,action,target,detail,ip) VALUES(?,?,?,?,?,?,?)`,
		e.At.UnixMilli(), cut(e.Actor, 64), cut(e.StaffNo, 16), cut(e.Action, 64), cut(e.Target, 200), cut(e.Detail, 1000), cut(e.IP, 64))
	if err != nil {
		return fmt.Errorf("auth: audit: %w", err)
	}
	return nil
}

// Events returns the newest limit events (all when limit <= 0), newest first,
// optionally only those of actor.
func (s *Service) Events(ctx context.Context, actor string, limit int) ([]Event, error) {
	q := `SELECT at,actor,staff_no,action,target,detail,ip FROM audit`
	args := []any{}
	if actor != "" {
		q += ` WHERE actor=?`
		args = append(args, actor)
	}
	q += ` ORDER BY at DESC, id DESC`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.Actor, &e.StaffNo, &e.Action, &e.Target, &e.Detail, &e.IP); err != nil {
			return nil, fmt.Errorf("auth: events: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// cut shortens s to at most n runes, dropping invalid UTF-8.
func cut(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
