// Package history keeps govchat's conversation log in its database (an
// embedded SQLite file, or PostgreSQL shared by several instances): every question with its answer, cited sources, latency, mode and
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
	"strings"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"

	"github.com/govchat/govchat/internal/events"
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
	// DB is the database (shared with other stores, not closed by Close);
	// when nil, Path is opened as a SQLite file of the log's own.
	DB *sqldb.DB
	// Path is the SQLite file used without DB; its directory is created
	// when missing.
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
	// Topic assigns a recorded question (its text already redacted) to a
	// topic of the concerns report: a key (govchat.TopicDocPrefix +
	// document id, or govchat.TopicWordsPrefix + content words) and a
	// label. Nil: the first cited document of an answer, else the
	// question's normalised wording. It runs before the write is queued.
	// Only a store opened with a Topic assigns topics to rows written
	// before the report existed (once, at Open).
	Topic func(r govchat.Record) (key, label string)
	// Location is the time zone whose calendar days the concerns report
	// counts in (time.Local when nil).
	Location *time.Location
	// Events receives feedback.negative for every 👎 given with a reason
	// (events.Publisher over the outbox); nil: none. The outbox is kept in
	// another database (workbench.db), so the event is written right after
	// the feedback is committed — unless EventsInTx.
	Events Events
	// EventsInTx: Events writes into this database (one PostgreSQL for
	// everything), so feedback.negative joins the feedback's transaction
	// instead of following it.
	EventsInTx bool
}

// Events receives the log's outbound events.
type Events interface {
	Publish(ctx context.Context, tx events.Execer, at time.Time, d events.Data) error
}

// Store is the conversation log. It is safe for concurrent use.
type Store struct {
	db       *sqldb.DB
	read     *sqldb.DB // reports' reads: beside the writer (SQLite; the same pool otherwise)
	owned    bool      // db (and read) were opened by Open, and are closed by Close
	redact   func(string) string
	now      func() time.Time
	log      *slog.Logger
	maxBatch int
	topic    func(govchat.Record) (string, string)
	loc      *time.Location
	events   Events
	// eventsInTx: Config.EventsInTx.
	eventsInTx bool

	mu     sync.RWMutex // guards closed and sends on ops
	closed bool
	wrote  bool // set by the writer; Close checkpoints only after writes
	ops    chan *op
	done   chan struct{}
}

// op is one queued write.
type op struct {
	apply func(ctx context.Context, tx *sqldb.Tx) error
	res   chan error
}

// Open opens (creating when needed) the database at cfg.Path and migrates it.
func Open(cfg Config) (*Store, error) {
	if cfg.Path == "" && cfg.DB == nil {
		return nil, errors.New("history: no database")
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
	backfill := cfg.Topic != nil
	if cfg.Topic == nil {
		cfg.Topic = defaultTopic
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	db, owned := cfg.DB, false
	if db == nil {
		var err error
		if db, err = sqlite.OpenDB(cfg.Path); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		owned = true
	}
	if err := db.Migrate(context.Background(), Schema); err != nil {
		if owned {
			db.Close()
		}
		return nil, fmt.Errorf("history: %w", err)
	}
	// Reports read beside the writer: on SQLite a pool of read-only
	// connections to the file (in WAL mode they neither wait for the writer
	// nor hold it up); a pool already has several.
	read := db
	if db.Dialect() == sqldb.SQLite && db.Name() != ":memory:" {
		r, err := sqlite.OpenReader(db.Name(), 2)
		if err != nil {
			if owned {
				db.Close()
			}
			return nil, fmt.Errorf("history: %w", err)
		}
		read = sqldb.New(r, sqldb.SQLite, db.Name(), 0)
	}
	s := &Store{
		db: db, read: read, owned: owned, redact: cfg.Redact, now: cfg.Now, log: cfg.Log, maxBatch: cfg.MaxBatch, events: cfg.Events,
		eventsInTx: cfg.EventsInTx, topic: cfg.Topic, loc: cfg.Location,
		ops: make(chan *op, 1024), done: make(chan struct{}),
	}
	// Rows written before the concerns report existed get their topic and
	// join the report's counts, once, by the first Open that knows the
	// topics (serve's): a report that only reads leaves them.
	if backfill {
		if err := s.backfill(context.Background()); err != nil {
			s.closeDBs()
			return nil, err
		}
	}
	go s.writer()
	return s, nil
}

// Schema is the conversation log's tables. Append steps; never edit one
// that has shipped.
var Schema = sqldb.Schema{
	Component: "history",
	Tables:    []string{"answers", "answer_sources", "feedback", "topics", "concern_days", "concern_weeks", "service_days", "doc_citations"},
	Steps: []sqldb.Step{{
		SQLite: `CREATE TABLE IF NOT EXISTS answers (
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
	CREATE INDEX IF NOT EXISTS answers_asked_at ON answers(asked_at);
	CREATE INDEX IF NOT EXISTS answers_session ON answers(session);
	CREATE TABLE IF NOT EXISTS answer_sources (
		answer_id TEXT NOT NULL REFERENCES answers(id),
		n         INTEGER NOT NULL,
		doc_id    TEXT NOT NULL,
		anchor    TEXT NOT NULL DEFAULT '',
		title     TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (answer_id, n)
	);
	CREATE INDEX IF NOT EXISTS answer_sources_doc ON answer_sources(doc_id);
	CREATE TABLE IF NOT EXISTS feedback (
		id        INTEGER PRIMARY KEY AUTOINCREMENT,
		answer_id TEXT NOT NULL REFERENCES answers(id),
		at        INTEGER NOT NULL,
		helpful   INTEGER NOT NULL,
		reason    TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);`,
		// rowid is SQLite's implicit row number, made explicit: the
		// unanswered report breaks ties in time by it on both.
		Postgres: `CREATE TABLE answers (
		id         TEXT PRIMARY KEY,
		rowid      BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,
		session    TEXT NOT NULL,
		channel    TEXT NOT NULL,
		asked_at   BIGINT NOT NULL,
		question   TEXT NOT NULL,
		qkey       TEXT NOT NULL,
		answer     TEXT NOT NULL,
		refused    BOOLEAN NOT NULL,
		reason     TEXT NOT NULL DEFAULT '',
		mode       TEXT NOT NULL DEFAULT '',
		latency_ms DOUBLE PRECISION NOT NULL,
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
		id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
		answer_id TEXT NOT NULL REFERENCES answers(id),
		at        BIGINT NOT NULL,
		helpful   BOOLEAN NOT NULL,
		reason    TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX feedback_answer ON feedback(answer_id);`,
	}, {
		// 2: the concerns report. Each answer keeps its topic, calendar day,
		// latest feedback and whether 转人工 followed it; concern_days and
		// service_days count them by day as they are written (concern_weeks
		// also by week, without the channel: a long period's report reads
		// weeks and the days at its ends), doc_citations
		// keeps when each document was last cited
		// (the report reads these, never the answers, for its counts); they are
		// clustered by day (WITHOUT ROWID), so that a period is one range. A
		// NULL topic marks a row written before this step (filled in by
		// backfill).
		// A SQLite log that an earlier govchat already brought here (PRAGMA
		// user_version 2, before schema_migrations) has the columns: only
		// the record of the step is added then.
		Apply: func(ctx context.Context, tx *sqldb.Tx) error {
			if has, err := tx.HasColumn(ctx, "answers", "topic"); err != nil || has {
				return err
			}
			text := concernsSQLite
			if tx.Dialect() == sqldb.Postgres {
				text = concernsPostgres
			}
			_, err := tx.ExecContext(ctx, text)
			return err
		},
	}},
}

// concernsSQLite and concernsPostgres are step 2: the concerns report's
// columns and tables. Integers, not booleans, for synthetic, handoff and
// helpful on both: the report multiplies and sums them.
const concernsSQLite = `ALTER TABLE answers ADD COLUMN topic TEXT;
	ALTER TABLE answers ADD COLUMN day INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE answers ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE answers ADD COLUMN handoff INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE answers ADD COLUMN helpful INTEGER;
	UPDATE answers SET helpful = (SELECT f.helpful FROM feedback f WHERE f.answer_id = answers.id ORDER BY f.id DESC LIMIT 1);
	CREATE INDEX answers_topic ON answers(topic, asked_at);
	CREATE INDEX answers_synthetic ON answers(synthetic);
	CREATE TABLE topics (
		topic TEXT PRIMARY KEY,
		label TEXT NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE concern_days (
		day       INTEGER NOT NULL, -- days since 1970-01-01 in the log's time zone
		topic     TEXT NOT NULL,
		channel   TEXT NOT NULL,
		synthetic INTEGER NOT NULL,
		questions INTEGER NOT NULL DEFAULT 0,
		refused   INTEGER NOT NULL DEFAULT 0,
		clarified INTEGER NOT NULL DEFAULT 0,
		helpful   INTEGER NOT NULL DEFAULT 0,
		unhelpful INTEGER NOT NULL DEFAULT 0,
		handoffs  INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (day, topic, channel, synthetic)

	) WITHOUT ROWID;
	CREATE INDEX concern_days_topic ON concern_days(topic, day);
	CREATE TABLE concern_weeks (
		week      INTEGER NOT NULL, -- weeks from Monday 1969-12-29: (day + 3) / 7
		topic     TEXT NOT NULL,
		synthetic INTEGER NOT NULL,
		questions INTEGER NOT NULL DEFAULT 0,
		refused   INTEGER NOT NULL DEFAULT 0,
		clarified INTEGER NOT NULL DEFAULT 0,
		helpful   INTEGER NOT NULL DEFAULT 0,
		unhelpful INTEGER NOT NULL DEFAULT 0,
		handoffs  INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (week, topic, synthetic)
	) WITHOUT ROWID;
	CREATE TABLE service_days (
		day       INTEGER NOT NULL,
		channel   TEXT NOT NULL,
		synthetic INTEGER NOT NULL,
		questions INTEGER NOT NULL DEFAULT 0,
		refused   INTEGER NOT NULL DEFAULT 0,
		clarified INTEGER NOT NULL DEFAULT 0,
		helpful   INTEGER NOT NULL DEFAULT 0,
		unhelpful INTEGER NOT NULL DEFAULT 0,
		handoffs  INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (day, channel, synthetic)

	) WITHOUT ROWID;
	CREATE TABLE doc_citations (
		doc_id    TEXT NOT NULL,
		synthetic INTEGER NOT NULL,
		last_day  INTEGER NOT NULL, -- the last day an answer cited it
		answers   INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (doc_id, synthetic)
	) WITHOUT ROWID;`

const concernsPostgres = `ALTER TABLE answers ADD COLUMN topic TEXT;
	ALTER TABLE answers ADD COLUMN day BIGINT NOT NULL DEFAULT 0;
	ALTER TABLE answers ADD COLUMN synthetic BIGINT NOT NULL DEFAULT 0;
	ALTER TABLE answers ADD COLUMN handoff BIGINT NOT NULL DEFAULT 0;
	ALTER TABLE answers ADD COLUMN helpful INTEGER;
	UPDATE answers SET helpful = (SELECT f.helpful::int FROM feedback f WHERE f.answer_id = answers.id ORDER BY f.id DESC LIMIT 1);
	CREATE INDEX answers_topic ON answers(topic, asked_at);
	CREATE INDEX answers_synthetic ON answers(synthetic);
	CREATE TABLE topics (
		topic TEXT PRIMARY KEY,
		label TEXT NOT NULL
	);
	CREATE TABLE concern_days (
		day       BIGINT NOT NULL, -- days since 1970-01-01 in the log's time zone
		topic     TEXT NOT NULL,
		channel   TEXT NOT NULL,
		synthetic BIGINT NOT NULL,
		questions BIGINT NOT NULL DEFAULT 0,
		refused   BIGINT NOT NULL DEFAULT 0,
		clarified BIGINT NOT NULL DEFAULT 0,
		helpful   BIGINT NOT NULL DEFAULT 0,
		unhelpful BIGINT NOT NULL DEFAULT 0,
		handoffs  BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (day, topic, channel, synthetic)

	);
	CREATE INDEX concern_days_topic ON concern_days(topic, day);
	CREATE TABLE concern_weeks (
		week      BIGINT NOT NULL, -- weeks from Monday 1969-12-29: (day + 3) / 7
		topic     TEXT NOT NULL,
		synthetic BIGINT NOT NULL,
		questions BIGINT NOT NULL DEFAULT 0,
		refused   BIGINT NOT NULL DEFAULT 0,
		clarified BIGINT NOT NULL DEFAULT 0,
		helpful   BIGINT NOT NULL DEFAULT 0,
		unhelpful BIGINT NOT NULL DEFAULT 0,
		handoffs  BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (week, topic, synthetic)
	);
	CREATE TABLE service_days (
		day       BIGINT NOT NULL,
		channel   TEXT NOT NULL,
		synthetic BIGINT NOT NULL,
		questions BIGINT NOT NULL DEFAULT 0,
		refused   BIGINT NOT NULL DEFAULT 0,
		clarified BIGINT NOT NULL DEFAULT 0,
		helpful   BIGINT NOT NULL DEFAULT 0,
		unhelpful BIGINT NOT NULL DEFAULT 0,
		handoffs  BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (day, channel, synthetic)

	);
	CREATE TABLE doc_citations (
		doc_id    TEXT NOT NULL,
		synthetic BIGINT NOT NULL,
		last_day  BIGINT NOT NULL, -- the last day an answer cited it
		answers   BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (doc_id, synthetic)
	);`

// Record stores one question and its outcome, redacting the citizen text,
// and counts it in the concerns report. It returns once the row is
// committed.
func (s *Store) Record(ctx context.Context, r govchat.Record) error {
	if r.AnswerID == "" {
		return errors.New("history: record without answer id")
	}
	w := s.prepare(r)
	return s.do(ctx, func(ctx context.Context, tx *sqldb.Tx) error { return w.insert(ctx, tx) })
}

// Feedback stores feedback on an answer. It returns ErrNotFound when the
// answer does not exist or, with f.Session set, belongs to another session.
// The answer's latest feedback is what the concerns report counts.
// A 👎 with a reason then publishes feedback.negative (Config.Events).
func (s *Store) Feedback(ctx context.Context, f govchat.Feedback) error {
	if f.At.IsZero() {
		f.At = s.now()
	}
	reason := s.redact(f.Reason)
	event := s.events != nil && !f.Helpful && strings.TrimSpace(reason) != ""
	var rec *govchat.Record
	err := s.do(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		var session string
		err := tx.QueryRowContext(ctx, `SELECT session FROM answers WHERE id = ?`, f.AnswerID).Scan(&session)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && f.Session != "" && session != f.Session) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("history: find answer: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO feedback (answer_id, at, helpful, reason) VALUES (?, ?, ?, ?)`,
			f.AnswerID, f.At.UnixMilli(), f.Helpful, reason); err != nil {
			return fmt.Errorf("history: insert feedback: %w", err)
		}
		if err := setHelpful(ctx, tx, f.AnswerID, f.Helpful); err != nil {
			return err
		}
		if event {
			if rec, err = answerFrom(ctx, tx, f.AnswerID); err != nil {
				return err
			}
			if s.eventsInTx {
				// One database: the event commits with the feedback, or
				// neither does.
				if err := s.events.Publish(ctx, tx, f.At, negative(rec, f.At, reason)); err != nil {
					return fmt.Errorf("history: feedback event: %w", err)
				}
				rec = nil
			}
		}
		return nil
	})
	if err != nil || rec == nil {
		return err
	}
	if err := s.events.Publish(ctx, nil, f.At, negative(rec, f.At, reason)); err != nil {
		// The feedback is stored; only its event is missing.
		s.log.Error("history: feedback event not recorded", slog.String("answer_id", f.AnswerID), slog.Any("error", err))
	}
	return nil
}

// negative is the feedback.negative event of a 👎 with a reason on rec.
func negative(rec *govchat.Record, at time.Time, reason string) events.FeedbackNegative {
	e := events.FeedbackNegative{AnswerID: rec.AnswerID, SessionID: rec.Session, Channel: rec.Channel, Asked: rec.At, Question: rec.Question,
		Answer: rec.Answer, Refused: rec.Refused, RefusalReason: rec.Reason, Mode: rec.Mode, Sources: []events.Source{}, Reason: reason, Rated: at}
	for _, src := range rec.Sources {
		e.Sources = append(e.Sources, events.NewSource(src.N, src.DocID, src.Title, src.Anchor))
	}
	return e
}

// Answer returns the stored record of an answer, with its sources.
func (s *Store) Answer(ctx context.Context, id string) (*govchat.Record, error) {
	return answerFrom(ctx, s.db, id)
}

// querier reads in a transaction or the database.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sqldb.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sqldb.Rows, error)
}

func answerFrom(ctx context.Context, q querier, id string) (*govchat.Record, error) {
	var r govchat.Record
	var at int64
	var latency float64
	err := q.QueryRowContext(ctx, `SELECT id, session, channel, asked_at, question, answer, refused, reason, mode, latency_ms, error
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
	rows, err := q.QueryContext(ctx, `SELECT n, doc_id, anchor, title FROM answer_sources WHERE answer_id = ? ORDER BY n`, id)
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
	return s.db.Ping(ctx)
}

// do queues a write and waits for its commit. Once queued, a write is
// committed even if ctx ends (nothing is lost); ctx only bounds the wait for a
// place in the queue.
func (s *Store) do(ctx context.Context, apply func(context.Context, *sqldb.Tx) error) error {
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

// commit applies a batch in one transaction. An op may fail cleanly —
// ErrNotFound, returned before it writes anything — without affecting the
// others; any other failure aborts the transaction, and each op is then
// retried on its own, so that only the failing one fails.
func (s *Store) commit(batch []*op) {
	results := make([]error, len(batch))
	ctx := context.Background()
	err := func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for i, o := range batch {
			results[i] = o.apply(ctx, tx)
			if results[i] != nil && !errors.Is(results[i], ErrNotFound) {
				return results[i]
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

// Close stops accepting writes and commits every queued one; it closes the
// database when Open opened it (Config.Path), and the readers it opened.
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
	if !s.owned {
		if s.read != s.db {
			return s.read.Close()
		}
		return nil
	}
	if s.wrote && s.db.Dialect() == sqldb.SQLite {
		if _, err := s.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			s.log.Warn("history: checkpoint", slog.Any("error", err))
		}
	}
	if err := s.closeDBs(); err != nil {
		return fmt.Errorf("history: close: %w", err)
	}
	return nil
}

func (s *Store) closeDBs() error {
	var err error
	if s.read != s.db {
		err = s.read.Close()
	}
	if !s.owned {
		return err
	}
	return errors.Join(err, s.db.Close())
}
