// Package history keeps govchat's conversation log in an embedded SQLite
// database: every question with its answer, cited sources, latency, mode and
// refusal reason, and the feedback given on answers. Citizen text is redacted
// (身份证号, phone numbers) before it is written. The unanswered report groups
// refused and 👎 questions so that the knowledge office can fill the gaps.
//
// Writes go through one writer goroutine that commits them in batches (group
// commit, synchronous=FULL): Record and Feedback return once their row is on
// disk, and Close drains every queued write, so nothing is lost on shutdown.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/sqlite"

	"github.com/govchat/govchat/internal/govchat"
)

// Errors returned by the store.
var (
	// ErrNotFound: the answer does not exist (or belongs to another
	// session). It is govchat.ErrAnswerNotFound, which the chat hub checks.
	ErrNotFound = govchat.ErrAnswerNotFound
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("history: closed")
)

// Config configures a Store.
type Config struct {
	// Path is the database file; its directory is created when missing.
	Path string
	// Redact removes personal data (身份证号, phone numbers) from citizen
	// text before it is stored. Required.
	Redact func(string) string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives write errors (slog.Default when nil).
	Log *slog.Logger
	// MaxBatch bounds the writes committed in one transaction (default 128).
	MaxBatch int
}

// Store is the conversation log. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	redact   func(string) string
	now      func() time.Time
	log      *slog.Logger
	maxBatch int

	mu     sync.RWMutex // guards closed and sends on ops
	closed bool
	wrote  bool // set by the writer; Close checkpoints only after writes
	ops    chan *op
	done   chan struct{}
}

// op is one queued write.
type op struct {
	apply func(tx *sql.Tx) error
	res   chan error
}

// Open opens (creating when needed) the database at cfg.Path and migrates it.
func Open(cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("history: empty database path")
	}
	if cfg.Redact == nil {
		return nil, errors.New("history: a redaction function is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 128
	}
	db, err := sqlite.Open(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if err := migrate(db); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{
		db: db, redact: cfg.Redact, now: cfg.Now, log: cfg.Log, maxBatch: cfg.MaxBatch,
		ops: make(chan *op, 1024), done: make(chan struct{}),
	}
	go s.writer()
	return s, nil
}

// migrations are applied in order; PRAGMA user_version counts the applied ones.
// Append new steps; never edit an existing one.
var migrations = []string{
	`CREATE TABLE answers (
		id         TEXT PRIMARY KEY,
		session    TEXT NOT NULL,
		channel    TEXT NOT NULL,
		asked_at   INTEGER NOT NULL, -- unix milliseconds
		question   TEXT NOT NULL,
		qkey       TEXT NOT NULL,    -- normalised question, for grouping
		answer     TEXT NOT NULL,
		refused    INTEGER NOT NULL,
		reason     TEXT NOT NULL DEFAULT '',
		mode       TEXT NOT NULL DEFAULT '',
		latency_ms REAL NOT NULL,
		error      TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX answers_asked_at ON answers(asked_at);
	CREATE INDEX answers_session ON answers(session);
	CREATE TABLE answer_sources (
		answer_id TEXT NOT NULL REFERENCES answers(id),
		n         INTEGER NOT NULL,
		doc_id    TEXT NOT NULL,
		anchor    TEXT NOT NULL DEFAULT '',
		title     TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (answer_id, n)
	);
	CREATE INDEX answer_sources_doc ON answer_sources(doc_id);
	CREATE TABLE feedback (
		id        INTEGER PRIMARY KEY AUTOINCREMENT,
		answer_id TEXT NOT NULL REFERENCES answers(id),
		at        INTEGER NOT NULL,
		helpful   INTEGER NOT NULL,
		reason    TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX feedback_answer ON feedback(answer_id);`,
}

func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("history: read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("history: database schema version %d is newer than this govchat (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		tx, err := db.Begin()
		if err != nil {
			return fmt.Errorf("history: migrate: %w", err)
		}
		if _, err := tx.Exec(migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("history: migrate to version %d: %w", i+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("history: migrate: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("history: migrate: %w", err)
		}
	}
	return nil
}

// Record stores one question and its outcome, redacting the citizen text. It
// returns once the row is committed.
func (s *Store) Record(ctx context.Context, r govchat.Record) error {
	if r.AnswerID == "" {
		return errors.New("history: record without answer id")
	}
	if r.At.IsZero() {
		r.At = s.now()
	}
	q := s.redact(r.Question)
	a := s.redact(r.Answer)
	return s.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO answers (id, session, channel, asked_at, question, qkey, answer, refused, reason, mode, latency_ms, error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.AnswerID, r.Session, r.Channel, r.At.UnixMilli(), q, s.redact(normalizeQuestion(q)), a, r.Refused, r.Reason, r.Mode,
			float64(r.Latency)/float64(time.Millisecond), r.Error)
		if err != nil {
			return fmt.Errorf("history: insert answer: %w", err)
		}
		for _, src := range r.Sources {
			if _, err := tx.Exec(`INSERT OR REPLACE INTO answer_sources (answer_id, n, doc_id, anchor, title) VALUES (?, ?, ?, ?, ?)`,
				r.AnswerID, src.N, src.DocID, src.Anchor, src.Title); err != nil {
				return fmt.Errorf("history: insert source: %w", err)
			}
		}
		return nil
	})
}

// Feedback stores feedback on an answer. It returns ErrNotFound when the
// answer does not exist or, with f.Session set, belongs to another session.
func (s *Store) Feedback(ctx context.Context, f govchat.Feedback) error {
	if f.At.IsZero() {
		f.At = s.now()
	}
	reason := s.redact(f.Reason)
	return s.do(ctx, func(tx *sql.Tx) error {
		var session string
		err := tx.QueryRow(`SELECT session FROM answers WHERE id = ?`, f.AnswerID).Scan(&session)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && f.Session != "" && session != f.Session) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("history: find answer: %w", err)
		}
		if _, err := tx.Exec(`INSERT INTO feedback (answer_id, at, helpful, reason) VALUES (?, ?, ?, ?)`,
			f.AnswerID, f.At.UnixMilli(), f.Helpful, reason); err != nil {
			return fmt.Errorf("history: insert feedback: %w", err)
		}
		return nil
	})
}

// Answer returns the stored record of an answer, with its sources.
func (s *Store) Answer(ctx context.Context, id string) (*govchat.Record, error) {
	var r govchat.Record
	var at int64
	var latency float64
	err := s.db.QueryRowContext(ctx, `SELECT id, session, channel, asked_at, question, answer, refused, reason, mode, latency_ms, error
		FROM answers WHERE id = ?`, id).
		Scan(&r.AnswerID, &r.Session, &r.Channel, &at, &r.Question, &r.Answer, &r.Refused, &r.Reason, &r.Mode, &latency, &r.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("history: read answer: %w", err)
	}
	r.At = time.UnixMilli(at)
	r.Latency = time.Duration(latency * float64(time.Millisecond))
	rows, err := s.db.QueryContext(ctx, `SELECT n, doc_id, anchor, title FROM answer_sources WHERE answer_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, fmt.Errorf("history: read sources: %w", err)
	}
	defer rows.Close()
	r.Sources = []govchat.RecordSource{}
	for rows.Next() {
		var src govchat.RecordSource
		if err := rows.Scan(&src.N, &src.DocID, &src.Anchor, &src.Title); err != nil {
			return nil, fmt.Errorf("history: read sources: %w", err)
		}
		r.Sources = append(r.Sources, src)
	}
	return &r, rows.Err()
}

// FeedbackOf returns the feedback given on an answer, oldest first.
func (s *Store) FeedbackOf(ctx context.Context, answerID string) ([]govchat.Feedback, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, helpful, reason FROM feedback WHERE answer_id = ? ORDER BY id`, answerID)
	if err != nil {
		return nil, fmt.Errorf("history: read feedback: %w", err)
	}
	defer rows.Close()
	var out []govchat.Feedback
	for rows.Next() {
		f := govchat.Feedback{AnswerID: answerID}
		var at int64
		if err := rows.Scan(&at, &f.Helpful, &f.Reason); err != nil {
			return nil, fmt.Errorf("history: read feedback: %w", err)
		}
		f.At = time.UnixMilli(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	return s.db.PingContext(ctx)
}

// do queues a write and waits for its commit. Once queued, a write is
// committed even if ctx ends (nothing is lost); ctx only bounds the wait for a
// place in the queue.
func (s *Store) do(ctx context.Context, apply func(tx *sql.Tx) error) error {
	o := &op{apply: apply, res: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.ops <- o:
	case <-ctx.Done():
		s.mu.RUnlock()
		return fmt.Errorf("history: %w", ctx.Err())
	}
	s.mu.RUnlock()
	return <-o.res
}

// writer commits queued writes in batches until ops is closed and drained.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*op, 0, s.maxBatch)
	for o := range s.ops {
		batch = append(batch[:0], o)
	fill:
		for len(batch) < s.maxBatch {
			select {
			case more, ok := <-s.ops:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			default:
				break fill
			}
		}
		s.commit(batch)
		s.wrote = true
	}
}

// commit applies a batch in one transaction. An op's own failure (such as
// ErrNotFound) is rolled back to a savepoint and does not affect the others;
// when the transaction itself fails, each op is retried on its own.
func (s *Store) commit(batch []*op) {
	results := make([]error, len(batch))
	err := func() error {
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		for i, o := range batch {
			if _, err := tx.Exec(`SAVEPOINT op`); err != nil {
				tx.Rollback()
				return err
			}
			results[i] = o.apply(tx)
			stmt := `RELEASE op`
			if results[i] != nil {
				stmt = `ROLLBACK TO op; RELEASE op`
			}
			if _, err := tx.Exec(stmt); err != nil {
				tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}()
	if err == nil {
		for i, o := range batch {
			o.res <- results[i]
		}
		return
	}
	if len(batch) > 1 {
		for _, o := range batch {
			s.commit([]*op{o})
		}
		return
	}
	s.log.Error("history: write failed", slog.Any("error", err))
	batch[0].res <- fmt.Errorf("history: commit: %w", err)
}

// Close stops accepting writes, commits every queued one and closes the
// database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	<-s.done
	if s.wrote {
		if _, err := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			s.log.Warn("history: checkpoint", slog.Any("error", err))
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("history: close: %w", err)
	}
	return nil
}
