// Package review is the knowledge office's review list: operators flag an
// answer or a document as outdated or wrong, and turn a conversation into a
// proposed FAQ entry (or the office drafts one from the 回应关切 dashboard,
// possibly amending an entry: FAQID); the office accepts or rejects each
// item. A proposed FAQ entry is rendered in the knowledge base's FAQ file
// format; serve writes an accepted one into knowledge/faq/ (see
// workbench.Publisher).
package review

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"

	"gopkg.in/yaml.v3"
)

// Kind of a review item.
type Kind string

// Kinds.
const (
	KindFlag     Kind = "flag"     // an answer or document reported as outdated or wrong
	KindProposal Kind = "proposal" // a proposed FAQ entry
)

// Problem is what a flag reports.
type Problem string

// Problems.
const (
	ProblemOutdated Problem = "outdated" // 内容过时
	ProblemWrong    Problem = "wrong"    // 内容错误
	ProblemOther    Problem = "other"    // 其他问题
)

// Label is the Chinese name of p.
func (p Problem) Label() string {
	switch p {
	case ProblemOutdated:
		return "内容过时"
	case ProblemWrong:
		return "内容错误"
	case ProblemOther:
		return "其他问题"
	}
	return string(p)
}

// Status of an item.
type Status string

// Statuses.
const (
	StatusOpen     Status = "open"
	StatusAccepted Status = "accepted"
	StatusRejected Status = "rejected"
)

// Item is one entry of the review list.
type Item struct {
	ID      int64     `json:"id"`
	Kind    Kind      `json:"kind"`
	Status  Status    `json:"status"`
	Created time.Time `json:"created"`
	By      string    `json:"by"`       // username
	StaffNo string    `json:"staff_no"` // 工号

	// Flag.
	DocID    string  `json:"doc_id,omitempty"`
	Anchor   string  `json:"anchor,omitempty"`
	AnswerID string  `json:"answer_id,omitempty"` // a bot answer in history
	Problem  Problem `json:"problem,omitempty"`
	Note     string  `json:"note,omitempty"`

	// Proposal.
	Question     string   `json:"question,omitempty"`
	Similar      []string `json:"similar,omitempty"`
	Answer       string   `json:"answer,omitempty"`
	Department   string   `json:"department,omitempty"`
	Sources      []string `json:"sources,omitempty"`
	Conversation string   `json:"conversation,omitempty"` // handoff or session id it came from
	// FAQID, when set, is the FAQ entry the proposal amends; empty: a new
	// entry.
	FAQID string `json:"faq_id,omitempty"`

	// Resolution.
	Resolved   time.Time `json:"resolved,omitzero"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
}

// FAQYAML renders a proposal as an entry of a FAQ file (knowledge/faq/*.yaml).
func (it Item) FAQYAML() (string, error) {
	if it.Kind != KindProposal {
		return "", errors.New("review: not a FAQ proposal")
	}
	type entry struct {
		ID         string   `yaml:"id"`
		Question   string   `yaml:"question"`
		Similar    []string `yaml:"similar,omitempty"`
		Answer     string   `yaml:"answer"`
		Department string   `yaml:"department,omitempty"`
		Sources    []string `yaml:"sources,omitempty"`
	}
	e := []entry{{ID: it.EntryID(), Question: it.Question, Similar: it.Similar, Answer: it.Answer, Department: it.Department, Sources: it.Sources}}
	b, err := yaml.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("review: yaml: %w", err)
	}
	return string(b), nil
}

// EntryID is the id of the FAQ entry a proposal becomes: the amended
// entry's, or proposal-<item id> for a new one.
func (it Item) EntryID() string {
	if it.FAQID != "" {
		return it.FAQID
	}
	return fmt.Sprintf("proposal-%d", it.ID)
}

// Errors.
var (
	ErrInvalid  = errors.New("review: invalid item")
	ErrNotFound = errors.New("review: no such item")
)

// Limits on text fields, in runes.
const (
	maxShort = 200
	maxNote  = 2000
	maxText  = 10000
	maxList  = 20
)

// Events receives review.approved when an item is accepted, in the
// transaction that accepts it (events.Publisher over the outbox).
type Events interface {
	Publish(ctx context.Context, tx events.Execer, at time.Time, d events.Data) error
}

// Store keeps the review list in SQLite.
type Store struct {
	db     *sql.DB
	now    func() time.Time
	events Events
}

// New uses db (shared with other workbench tables) and creates the table;
// ev, when not nil, receives review.approved.
func New(db *sql.DB, now func() time.Time, ev Events) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	_, err := db.Exec(`CREATE TABLE IF NOT EXISTS review_items (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	status TEXT NOT NULL,
	created INTEGER NOT NULL,
	by_user TEXT NOT NULL,
	staff_no TEXT NOT NULL,
	data TEXT NOT NULL,
	resolved INTEGER NOT NULL DEFAULT 0,
	resolved_by TEXT NOT NULL DEFAULT '',
	resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS review_items_status ON review_items(status, created);`)
	if err != nil {
		return nil, fmt.Errorf("review: migrate: %w", err)
	}
	return &Store{db: db, now: now, events: ev}, nil
}

// payload is the kind-specific part, stored as JSON.
type payload struct {
	DocID        string   `json:"doc_id,omitempty"`
	Anchor       string   `json:"anchor,omitempty"`
	AnswerID     string   `json:"answer_id,omitempty"`
	Problem      Problem  `json:"problem,omitempty"`
	Note         string   `json:"note,omitempty"`
	Question     string   `json:"question,omitempty"`
	Similar      []string `json:"similar,omitempty"`
	Answer       string   `json:"answer,omitempty"`
	Department   string   `json:"department,omitempty"`
	Sources      []string `json:"sources,omitempty"`
	Conversation string   `json:"conversation,omitempty"`
	FAQID        string   `json:"faq_id,omitempty"`
}

func checkText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: invalid UTF-8", field)
	}
	if required && strings.TrimSpace(s) == "" {
		return fmt.Errorf("%s: required", field)
	}
	if utf8.RuneCountInString(s) > max {
		return fmt.Errorf("%s: longer than %d characters", field, max)
	}
	return nil
}

// Validate checks a new item.
func (it *Item) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	switch it.Kind {
	case KindFlag:
		switch it.Problem {
		case ProblemOutdated, ProblemWrong, ProblemOther:
		default:
			add(fmt.Errorf("problem: %q (want outdated, wrong or other)", it.Problem))
		}
		if strings.TrimSpace(it.DocID) == "" && strings.TrimSpace(it.AnswerID) == "" {
			add(errors.New("doc_id or answer_id: required"))
		}
		add(checkText("doc_id", it.DocID, maxShort, false))
		add(checkText("anchor", it.Anchor, maxShort, false))
		add(checkText("answer_id", it.AnswerID, maxShort, false))
		add(checkText("note", it.Note, maxNote, false))
	case KindProposal:
		add(checkText("question", it.Question, maxShort, true))
		add(checkText("answer", it.Answer, maxText, true))
		add(checkText("department", it.Department, maxShort, false))
		add(checkText("conversation", it.Conversation, maxShort, false))
		add(checkText("faq_id", it.FAQID, maxShort, false))
		add(checkText("note", it.Note, maxNote, false))
		if len(it.Similar) > maxList || len(it.Sources) > maxList {
			add(fmt.Errorf("similar, sources: at most %d each", maxList))
		}
		for _, s := range append(append([]string{}, it.Similar...), it.Sources...) {
			add(checkText("similar/sources", s, maxShort, true))
		}
	default:
		add(fmt.Errorf("kind: %q", it.Kind))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

// Add stores a new open item and returns it with its id.
func (s *Store) Add(ctx context.Context, it Item) (Item, error) {
	it.DocID, it.Question, it.Answer = strings.TrimSpace(it.DocID), strings.TrimSpace(it.Question), strings.TrimSpace(it.Answer)
	// A proposal is often copied from a live conversation: keep a caller's
	// 身份证号 and phone numbers out of the review list (and the FAQ draft).
	it.Question, it.Answer, it.Note = safety.Redact(it.Question), safety.Redact(it.Answer), safety.Redact(it.Note)
	for i := range it.Similar {
		it.Similar[i] = safety.Redact(it.Similar[i])
	}
	if err := it.Validate(); err != nil {
		return Item{}, err
	}
	it.Status, it.Created = StatusOpen, s.now().Truncate(time.Millisecond)
	data, _ := json.Marshal(payload{DocID: it.DocID, Anchor: it.Anchor, AnswerID: it.AnswerID, Problem: it.Problem, Note: it.Note,
		Question: it.Question, Similar: it.Similar, Answer: it.Answer, Department: it.Department, Sources: it.Sources, Conversation: it.Conversation,
		FAQID: it.FAQID})
	res, err := s.db.ExecContext(ctx, `INSERT INTO review_items(kind,status,created,by_user,staff_no,data) VALUES(?,?,?,?,?,?)`,
		string(it.Kind), string(it.Status), it.Created.UnixMilli(), it.By, it.StaffNo, string(data))
	if err != nil {
		return Item{}, fmt.Errorf("review: add: %w", err)
	}
	it.ID, _ = res.LastInsertId()
	return it, nil
}

const cols = `id,kind,status,created,by_user,staff_no,data,resolved,resolved_by,resolution`

func scan(row interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var kind, status, data string
	var created, resolved int64
	if err := row.Scan(&it.ID, &kind, &status, &created, &it.By, &it.StaffNo, &data, &resolved, &it.ResolvedBy, &it.Resolution); err != nil {
		return Item{}, err
	}
	var p payload
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return Item{}, fmt.Errorf("review: item %d: %w", it.ID, err)
	}
	it.Kind, it.Status, it.Created = Kind(kind), Status(status), time.UnixMilli(created)
	if resolved > 0 {
		it.Resolved = time.UnixMilli(resolved)
	}
	it.DocID, it.Anchor, it.AnswerID, it.Problem, it.Note = p.DocID, p.Anchor, p.AnswerID, p.Problem, p.Note
	it.Question, it.Similar, it.Answer, it.Department, it.Sources, it.Conversation = p.Question, p.Similar, p.Answer, p.Department, p.Sources, p.Conversation
	it.FAQID = p.FAQID
	return it, nil
}

// List returns items with status (all when empty), newest first, at most limit.
func (s *Store) List(ctx context.Context, status Status, limit int) ([]Item, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q, args := `SELECT `+cols+` FROM review_items`, []any{}
	if status != "" {
		q += ` WHERE status=?`
		args = append(args, string(status))
	}
	q += ` ORDER BY created DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("review: list: %w", err)
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Get returns one item.
func (s *Store) Get(ctx context.Context, id int64) (Item, error) {
	it, err := scan(s.db.QueryRowContext(ctx, `SELECT `+cols+` FROM review_items WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	return it, err
}

// Resolve accepts or rejects an item. Accepting an item that was not
// accepted yet publishes review.approved in the same transaction.
func (s *Store) Resolve(ctx context.Context, id int64, status Status, by, note string) (Item, error) {
	if status != StatusAccepted && status != StatusRejected {
		return Item{}, fmt.Errorf("%w: status %q (want accepted or rejected)", ErrInvalid, status)
	}
	if err := checkText("note", note, maxNote, false); err != nil {
		return Item{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	note = safety.Redact(note)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Item{}, fmt.Errorf("review: resolve: %w", err)
	}
	defer tx.Rollback()
	var prev string
	err = tx.QueryRowContext(ctx, `SELECT status FROM review_items WHERE id=?`, id).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("review: resolve: %w", err)
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE review_items SET status=?, resolved=?, resolved_by=?, resolution=? WHERE id=?`,
		string(status), now.UnixMilli(), by, note, id); err != nil {
		return Item{}, fmt.Errorf("review: resolve: %w", err)
	}
	if status == StatusAccepted && Status(prev) != StatusAccepted && s.events != nil {
		it, err := scan(tx.QueryRowContext(ctx, `SELECT `+cols+` FROM review_items WHERE id=?`, id))
		if err != nil {
			return Item{}, fmt.Errorf("review: resolve: %w", err)
		}
		if err := s.events.Publish(ctx, tx, now, approved(it)); err != nil {
			return Item{}, fmt.Errorf("review: resolve: event: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Item{}, fmt.Errorf("review: resolve: %w", err)
	}
	return s.Get(ctx, id)
}

// approved is the review.approved event of an accepted item.
func approved(it Item) events.ReviewApproved {
	e := events.ReviewApproved{ItemID: it.ID, Kind: string(it.Kind), Created: it.Created, StaffNo: it.StaffNo,
		Approved: it.Resolved, ApprovedBy: it.ResolvedBy, Resolution: it.Resolution}
	switch it.Kind {
	case KindFlag:
		e.DocID, e.Anchor, e.AnswerID, e.Problem, e.ProblemLabel, e.Note = it.DocID, it.Anchor, it.AnswerID, string(it.Problem), it.Problem.Label(), it.Note
		if it.DocID != "" {
			e.DocURL = kb.DocURL(it.DocID, it.Anchor)
		}
	case KindProposal:
		e.Question, e.Similar, e.Answer, e.Department, e.Sources, e.Conversation = it.Question, it.Similar, it.Answer, it.Department, it.Sources, it.Conversation
		e.Note = it.Note
	}
	return e
}
