package handoff

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// store persists conversations, transcripts and 留言 in SQLite. Text is
// redacted (身份证号, phone numbers) before it is written; the live view
// operators get over the socket is not. A 留言's contact is stored redacted,
// and sealed (encrypted) while the 留言 is open.
type store struct {
	db       *sql.DB
	redact   func(string) string
	contacts Sealer // nil: contacts are kept redacted only
	log      *slog.Logger
}

func newStore(db *sql.DB, redact func(string) string, contacts Sealer, log *slog.Logger) (*store, error) {
	_, err := db.Exec(`
CREATE TABLE IF NOT EXISTS handoffs (
	id TEXT PRIMARY KEY,
	session_id TEXT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL,
	created INTEGER NOT NULL,
	taken INTEGER NOT NULL DEFAULT 0,
	closed INTEGER NOT NULL DEFAULT 0,
	operator TEXT NOT NULL DEFAULT '',
	staff_no TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS handoffs_created ON handoffs(created);
CREATE TABLE IF NOT EXISTS handoff_entries (
	id INTEGER PRIMARY KEY,
	handoff_id TEXT NOT NULL REFERENCES handoffs(id),
	at INTEGER NOT NULL,
	sender TEXT NOT NULL,
	text TEXT NOT NULL,
	staff_no TEXT NOT NULL DEFAULT '',
	refused INTEGER NOT NULL DEFAULT 0,
	sources TEXT NOT NULL DEFAULT '',
	answer_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS handoff_entries_handoff ON handoff_entries(handoff_id, id);
CREATE TABLE IF NOT EXISTS leave_messages (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	session_id TEXT NOT NULL,
	text TEXT NOT NULL,
	contact TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'open',
	handled_by TEXT NOT NULL DEFAULT '',
	handled_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS leave_messages_status ON leave_messages(status, at);`)
	if err != nil {
		return nil, fmt.Errorf("handoff: migrate: %w", err)
	}
	s := &store{db: db, redact: redact, contacts: contacts, log: log}
	if err := s.migrateContacts(); err != nil {
		return nil, err
	}
	return s, nil
}

// migrateContacts adds the sealed contact column to a database from before
// it, sealing the contacts of open 留言 and redacting every stored one.
func (s *store) migrateContacts() error {
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info('leave_messages') WHERE name='contact_sealed'`).Scan(&n); err != nil {
		return fmt.Errorf("handoff: migrate: %w", err)
	}
	if n > 0 {
		return nil
	}
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("handoff: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`ALTER TABLE leave_messages ADD COLUMN contact_sealed BLOB`); err != nil {
		return fmt.Errorf("handoff: migrate: %w", err)
	}
	rows, err := tx.Query(`SELECT id,at,session_id,contact,status FROM leave_messages WHERE contact<>''`)
	if err != nil {
		return fmt.Errorf("handoff: migrate: %w", err)
	}
	type row struct {
		id, at          int64
		session, status string
		contact         string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.at, &r.session, &r.contact, &r.status); err != nil {
			rows.Close()
			return fmt.Errorf("handoff: migrate: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	for _, r := range all {
		var sealed []byte
		if r.status == "open" {
			if sealed, err = s.sealContact(r.contact, r.session, r.at); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`UPDATE leave_messages SET contact=?, contact_sealed=? WHERE id=?`, redactContact(s.redact, r.contact), sealed, r.id); err != nil {
			return fmt.Errorf("handoff: migrate: %w", err)
		}
	}
	return tx.Commit()
}

// contactContext binds a sealed contact to its 留言.
func contactContext(session string, at int64) string {
	return fmt.Sprintf("leave_message %s %d", session, at)
}

func (s *store) sealContact(contact, session string, at int64) ([]byte, error) {
	if s.contacts == nil || contact == "" {
		return nil, nil
	}
	sealed, err := s.contacts.Seal([]byte(contact), contactContext(session, at))
	if err != nil {
		return nil, fmt.Errorf("handoff: seal contact: %w", err)
	}
	return sealed, nil
}

// redactContact is the contact as stored in clear: personal numbers
// replaced (王先生 [手机号]); a contact with no number recognised (an e-mail
// address, a WeChat id) keeps only its first and last characters.
func redactContact(redact func(string) string, contact string) string {
	r := redact(contact)
	if r != contact || contact == "" {
		return r
	}
	rs := []rune(contact)
	if len(rs) <= 2 {
		return strings.Repeat("*", len(rs))
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-2) + string(rs[len(rs)-1])
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

// create stores a new conversation with its transcript so far.
func (s *store) create(ctx context.Context, c *Conversation) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("handoff: store: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO handoffs(id,session_id,status,reason,created) VALUES(?,?,?,?,?)`,
		c.ID, c.SessionID, c.Status, c.Reason, ms(c.Created)); err != nil {
		return fmt.Errorf("handoff: store: %w", err)
	}
	for _, e := range c.Transcript {
		if err := s.addEntryTx(ctx, tx, c.ID, e); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("handoff: store: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// querier reads in a transaction or the database.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// publisher writes a change's outbound events in its transaction; nil
// writes none.
type publisher func(ctx context.Context, tx execer) error

func (s *store) addEntryTx(ctx context.Context, x execer, id string, e Entry) error {
	var src string
	if len(e.Sources) > 0 {
		b, _ := json.Marshal(e.Sources)
		src = string(b)
	}
	refused := 0
	if e.Refused {
		refused = 1
	}
	if _, err := x.ExecContext(ctx, `INSERT INTO handoff_entries(handoff_id,at,sender,text,staff_no,refused,sources,answer_id) VALUES(?,?,?,?,?,?,?,?)`,
		id, ms(e.At), e.From, s.redact(e.Text), e.StaffNo, refused, src, e.AnswerID); err != nil {
		return fmt.Errorf("handoff: store entry: %w", err)
	}
	return nil
}

func (s *store) addEntry(ctx context.Context, id string, e Entry) error {
	return s.addEntryTx(ctx, s.db, id, e)
}

// update stores the status fields of c.
func (s *store) update(ctx context.Context, c *Conversation) error {
	return s.updateTx(ctx, s.db, c)
}

func (s *store) updateTx(ctx context.Context, x execer, c *Conversation) error {
	_, err := x.ExecContext(ctx, `UPDATE handoffs SET status=?, taken=?, closed=?, operator=?, staff_no=? WHERE id=?`,
		c.Status, ms(c.Taken), ms(c.Closed), c.Operator, c.StaffNo, c.ID)
	if err != nil {
		return fmt.Errorf("handoff: store: %w", err)
	}
	return nil
}

// end stores the end of c — its last entry e and its status — and the
// events it causes, in one transaction.
func (s *store) end(ctx context.Context, c *Conversation, e Entry, publish publisher) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("handoff: store: %w", err)
	}
	defer tx.Rollback()
	if err := s.addEntryTx(ctx, tx, c.ID, e); err != nil {
		return err
	}
	if err := s.updateTx(ctx, tx, c); err != nil {
		return err
	}
	if publish != nil {
		if err := publish(ctx, tx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("handoff: store: %w", err)
	}
	return nil
}

// closeStale closes conversations left open by an earlier run (the live
// connections they belonged to are gone) and returns how many; publish,
// when set, writes the events each one's end causes in the same
// transaction.
func (s *store) closeStale(ctx context.Context, now time.Time, publish func(c Conversation) publisher) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("handoff: close stale: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM handoffs WHERE status IN (?,?)`, StatusQueued, StatusActive)
	if err != nil {
		return 0, fmt.Errorf("handoff: close stale: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("handoff: close stale: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := s.addEntryTx(ctx, tx, id, Entry{At: now, From: FromSystem, Text: "服务重启，会话已结束"}); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE handoffs SET status=?, closed=? WHERE id=?`, StatusClosed, ms(now), id); err != nil {
			return 0, fmt.Errorf("handoff: close stale: %w", err)
		}
		if publish == nil {
			continue
		}
		c, err := s.getFrom(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if err := publish(c)(ctx, tx); err != nil {
			return 0, err
		}
	}
	return len(ids), tx.Commit()
}

// ErrNotFound is returned for an unknown conversation or message.
var ErrNotFound = errors.New("handoff: not found")

// list returns conversations, newest first (without transcripts).
func (s *store) list(ctx context.Context, status string, limit int) ([]Conversation, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q, args := `SELECT id,session_id,status,reason,created,taken,closed,operator,staff_no FROM handoffs`, []any{}
	if status != "" {
		q += ` WHERE status=?`
		args = append(args, status)
	}
	q += ` ORDER BY created DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("handoff: list: %w", err)
	}
	defer rows.Close()
	out := []Conversation{}
	for rows.Next() {
		var c Conversation
		var created, taken, closed int64
		if err := rows.Scan(&c.ID, &c.SessionID, &c.Status, &c.Reason, &created, &taken, &closed, &c.Operator, &c.StaffNo); err != nil {
			return nil, fmt.Errorf("handoff: list: %w", err)
		}
		c.Created, c.Taken, c.Closed = fromMS(created), fromMS(taken), fromMS(closed)
		c.Transcript = []Entry{}
		out = append(out, c)
	}
	return out, rows.Err()
}

// get returns one conversation with its stored (redacted) transcript.
func (s *store) get(ctx context.Context, id string) (Conversation, error) {
	return s.getFrom(ctx, s.db, id)
}

func (s *store) getFrom(ctx context.Context, q querier, id string) (Conversation, error) {
	var c Conversation
	var created, taken, closed int64
	err := q.QueryRowContext(ctx, `SELECT id,session_id,status,reason,created,taken,closed,operator,staff_no FROM handoffs WHERE id=?`, id).
		Scan(&c.ID, &c.SessionID, &c.Status, &c.Reason, &created, &taken, &closed, &c.Operator, &c.StaffNo)
	if errors.Is(err, sql.ErrNoRows) {
		return Conversation{}, ErrNotFound
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("handoff: get: %w", err)
	}
	c.Created, c.Taken, c.Closed = fromMS(created), fromMS(taken), fromMS(closed)
	rows, err := q.QueryContext(ctx, `SELECT at,sender,text,staff_no,refused,sources,answer_id FROM handoff_entries WHERE handoff_id=? ORDER BY id`, id)
	if err != nil {
		return Conversation{}, fmt.Errorf("handoff: get: %w", err)
	}
	defer rows.Close()
	c.Transcript = []Entry{}
	for rows.Next() {
		var e Entry
		var at int64
		var refused int
		var src string
		if err := rows.Scan(&at, &e.From, &e.Text, &e.StaffNo, &refused, &src, &e.AnswerID); err != nil {
			return Conversation{}, fmt.Errorf("handoff: get: %w", err)
		}
		e.At, e.Refused = fromMS(at), refused != 0
		if src != "" {
			var ss []kb.Source
			if json.Unmarshal([]byte(src), &ss) == nil {
				e.Sources = ss
			}
		}
		c.Transcript = append(c.Transcript, e)
	}
	return c, rows.Err()
}

// Message is a 留言 left when no operator was online.
type Message struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	SessionID string    `json:"session_id"`
	Text      string    `json:"text"`    // redacted
	Contact   string    `json:"contact"` // as given while the 留言 is open (for the call back); redacted once handled
	Status    string    `json:"status"`  // open, done
	HandledBy string    `json:"handled_by,omitempty"`
	HandledAt time.Time `json:"handled_at,omitzero"`
}

// addMessage stores a 留言 and, in the same transaction, the events
// publish(id) writes; publish may be nil.
func (s *store) addMessage(ctx context.Context, m Message, publish func(id int64) publisher) (int64, error) {
	sealed, err := s.sealContact(m.Contact, m.SessionID, ms(m.At))
	if err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("handoff: leave message: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO leave_messages(at,session_id,text,contact,contact_sealed) VALUES(?,?,?,?,?)`,
		ms(m.At), m.SessionID, s.redact(m.Text), redactContact(s.redact, m.Contact), sealed)
	if err != nil {
		return 0, fmt.Errorf("handoff: leave message: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("handoff: leave message: %w", err)
	}
	if publish != nil {
		if err := publish(id)(ctx, tx); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("handoff: leave message: %w", err)
	}
	return id, nil
}

func (s *store) messages(ctx context.Context, status string, limit int) ([]Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q, args := `SELECT id,at,session_id,text,contact,contact_sealed,status,handled_by,handled_at FROM leave_messages`, []any{}
	if status != "" {
		q += ` WHERE status=?`
		args = append(args, status)
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("handoff: messages: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var at, hat int64
		var sealed []byte
		if err := rows.Scan(&m.ID, &at, &m.SessionID, &m.Text, &m.Contact, &sealed, &m.Status, &m.HandledBy, &hat); err != nil {
			return nil, fmt.Errorf("handoff: messages: %w", err)
		}
		if len(sealed) > 0 && s.contacts != nil {
			if c, err := s.contacts.Open(sealed, contactContext(m.SessionID, at)); err == nil {
				m.Contact = string(c)
			} else {
				s.log.Warn("handoff: a 留言's contact cannot be opened (was the contact key replaced?); showing it redacted", slog.Int64("id", m.ID), slog.Any("error", err))
			}
		}
		m.At, m.HandledAt = fromMS(at), fromMS(hat)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *store) countOpenMessages(ctx context.Context) int {
	var n int
	s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM leave_messages WHERE status='open'`).Scan(&n)
	return n
}

func (s *store) handleMessage(ctx context.Context, id int64, by string, at time.Time) error {
	// The call back is done: the contact is no longer needed in clear.
	res, err := s.db.ExecContext(ctx, `UPDATE leave_messages SET status='done', handled_by=?, handled_at=?, contact_sealed=NULL WHERE id=?`, by, ms(at), id)
	if err != nil {
		return fmt.Errorf("handoff: handle message: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
