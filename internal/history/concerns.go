package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/sqldb"
)

// The concerns report (回应关切) reads pre-aggregated counts: every write
// that changes what the report counts — a question, its latest feedback, a
// 转人工 after it — updates, in the same transaction, the row of its day,
// topic, channel and origin in concern_days, the row of its day and channel
// in service_days, and the last day its sources were cited in
// doc_citations. A
// report over a period then sums at most days × topics × channels rows,
// however many questions were asked. The SQL is plain (INSERT … ON
// CONFLICT … DO UPDATE, CASE, GROUP BY), written once for SQLite and
// PostgreSQL (internal/sqldb).

// defaultTopic is the topic of a record when no Config.Topic is given: the
// first cited document of an answer, else the normalised question.
func defaultTopic(r govchat.Record) (string, string) {
	if !r.Refused && r.Mode != string(govchat.ModeClarify) && len(r.Sources) > 0 {
		return govchat.TopicDocPrefix + r.Sources[0].DocID, r.Sources[0].Title
	}
	return govchat.TopicWordsPrefix + normalizeQuestion(r.Question), r.Question
}

// dayOf is the calendar day of t in the log's time zone, as days since
// 1970-01-01.
func (s *Store) dayOf(t time.Time) int64 {
	y, m, d := t.In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// dayTime is midnight of day in the log's time zone.
func (s *Store) dayTime(day int64) time.Time {
	u := time.Unix(day*86400, 0).UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, s.loc)
}

// write is one question ready to be inserted: redacted, with its topic.
type write struct {
	r          govchat.Record
	q, a       string
	qkey       string // the grouping key of the question, redacted after it is made
	topic      string
	label      string
	day        int64
	counted    bool // counted in the report (failed answers are not)
	clarified  bool
	synthetic  bool
	sourceDocs []string // distinct cited documents
}

// prepare redacts r and assigns its topic and day (outside the writer).
func (s *Store) prepare(r govchat.Record) *write {
	if r.At.IsZero() {
		r.At = s.now()
	}
	w := &write{r: r, q: s.redact(r.Question), a: s.redact(r.Answer), day: s.dayOf(r.At), synthetic: r.Synthetic}
	// The key drops punctuation, which may join a number written with
	// separators back together: it is redacted once made.
	w.qkey = s.redact(normalizeQuestion(w.q))
	w.counted = r.Error == ""
	w.clarified = !r.Refused && r.Mode == string(govchat.ModeClarify)
	if w.counted {
		red := r
		red.Question, red.Answer = w.q, w.a
		w.topic, w.label = s.topic(red)
		// Keys and labels are made from the redacted text, and redacted again
		// once made (dropping separators may join a number back together).
		w.topic, w.label = s.redact(w.topic), s.redact(w.label)
		if len([]rune(w.label)) > 200 {
			w.label = string([]rune(w.label)[:200])
		}
	}
	seen := map[string]bool{}
	for _, src := range r.Sources {
		if !seen[src.DocID] {
			seen[src.DocID] = true
			w.sourceDocs = append(w.sourceDocs, src.DocID)
		}
	}
	return w
}

const insertAnswerSQL = `INSERT INTO answers (id, session, channel, asked_at, question, qkey, answer, refused, reason, mode, latency_ms, error, topic, day, synthetic)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const insertSourceSQL = `INSERT INTO answer_sources (answer_id, n, doc_id, anchor, title) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (answer_id, n) DO UPDATE SET doc_id = excluded.doc_id, anchor = excluded.anchor, title = excluded.title`

func bumpSQL(table, key string) string {
	cols := []string{"questions", "refused", "clarified", "helpful", "unhelpful", "handoffs"}
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = fmt.Sprintf("%s = %s.%s + excluded.%s", c, table, c, c)
	}
	keys := strings.Split(key, ", ")
	return fmt.Sprintf(`INSERT INTO %s (%s, %s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s`,
		table, key, strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(keys)+len(cols)), ", "), key, strings.Join(set, ", "))
}

var (
	bumpTopicSQL   = bumpSQL("concern_days", "day, topic, channel, synthetic")
	bumpWeekSQL    = bumpSQL("concern_weeks", "week, topic, synthetic")
	bumpServiceSQL = bumpSQL("service_days", "day, channel, synthetic")
)

// weekOf is the week of a day (weeks start on Monday; day 0, 1970-01-01,
// is a Thursday).
func weekOf(day int64) int64 { return floorDiv(day+3, 7) }

// weekStart is the first day of a week.
func weekStart(week int64) int64 { return week*7 - 3 }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

const (
	bumpCitedSQL = `INSERT INTO doc_citations (last_day, doc_id, synthetic, answers) VALUES (?, ?, ?, 1) ON CONFLICT (doc_id, synthetic) DO UPDATE
		SET answers = doc_citations.answers + 1,
		last_day = CASE WHEN excluded.last_day > doc_citations.last_day THEN excluded.last_day ELSE doc_citations.last_day END`
	topicLabelSQL = `INSERT INTO topics (topic, label) VALUES (?, ?) ON CONFLICT (topic) DO NOTHING`
)

// delta is a change to the counts of one question.
type delta struct{ questions, refused, clarified, helpful, unhelpful, handoffs int }

// execer runs a statement: a transaction, or statements prepared on one.
// Flags are written as integers 0 and 1 (b2i): the report sums them.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// bump adds d to the report rows of a question.
func bump(ctx context.Context, tx execer, day int64, topic, channel string, synthetic bool, d delta) error {
	vals := []any{d.questions, d.refused, d.clarified, d.helpful, d.unhelpful, d.handoffs}
	syn := b2i(synthetic)
	if _, err := tx.ExecContext(ctx, bumpTopicSQL, append([]any{day, topic, channel, syn}, vals...)...); err != nil {
		return fmt.Errorf("history: count topic: %w", err)
	}
	if _, err := tx.ExecContext(ctx, bumpWeekSQL, append([]any{weekOf(day), topic, syn}, vals...)...); err != nil {
		return fmt.Errorf("history: count week: %w", err)
	}
	if _, err := tx.ExecContext(ctx, bumpServiceSQL, append([]any{day, channel, syn}, vals...)...); err != nil {
		return fmt.Errorf("history: count day: %w", err)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// insert writes the question, its sources and its counts.
func (w *write) insert(ctx context.Context, tx execer) error {
	r := w.r
	var topic any // NULL would mean "not yet assigned"; a failed answer has none
	topic = w.topic
	_, err := tx.ExecContext(ctx, insertAnswerSQL,
		r.AnswerID, r.Session, r.Channel, r.At.UnixMilli(), w.q, w.qkey, w.a, r.Refused, r.Reason, r.Mode,
		float64(r.Latency)/float64(time.Millisecond), r.Error, topic, w.day, b2i(w.synthetic))
	if err != nil {
		return fmt.Errorf("history: insert answer: %w", err)
	}
	for _, src := range r.Sources {
		if _, err := tx.ExecContext(ctx, insertSourceSQL, r.AnswerID, src.N, src.DocID, src.Anchor, src.Title); err != nil {
			return fmt.Errorf("history: insert source: %w", err)
		}
	}
	return w.count(ctx, tx)
}

// count adds the question to the report's counts.
func (w *write) count(ctx context.Context, tx execer) error {
	if !w.counted {
		return nil
	}
	if err := bump(ctx, tx, w.day, w.topic, w.r.Channel, w.synthetic, delta{questions: 1, refused: b2i(w.r.Refused), clarified: b2i(w.clarified)}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, topicLabelSQL, w.topic, w.label); err != nil {
		return fmt.Errorf("history: topic label: %w", err)
	}
	for _, id := range w.sourceDocs {
		if _, err := tx.ExecContext(ctx, bumpCitedSQL, w.day, id, b2i(w.synthetic)); err != nil {
			return fmt.Errorf("history: count citation: %w", err)
		}
	}
	return nil
}

// answerState is what the report counted of a stored answer.
type answerState struct {
	topic     sql.NullString
	day       int64
	channel   string
	synthetic bool
	refused   bool
	failed    bool
	handoff   bool
	helpful   sql.NullBool
	session   string
}

func readState(ctx context.Context, tx *sqldb.Tx, where string, arg any) (answerState, error) {
	var st answerState
	var errCode string
	err := tx.QueryRowContext(ctx, `SELECT topic, day, channel, synthetic, refused, error, handoff, helpful, session FROM answers WHERE `+where, arg).
		Scan(&st.topic, &st.day, &st.channel, &st.synthetic, &st.refused, &errCode, &st.handoff, &st.helpful, &st.session)
	st.failed = errCode != ""
	return st, err
}

// counted reports whether the report counts the answer (a failed answer,
// or one written before the report and not yet backfilled, is not).
func (st answerState) counted() bool { return !st.failed && st.topic.Valid }

// setHelpful makes helpful the answer's latest feedback and moves its count.
func setHelpful(ctx context.Context, tx *sqldb.Tx, answerID string, helpful bool) error {
	st, err := readState(ctx, tx, `id = ?`, answerID)
	if err != nil {
		return fmt.Errorf("history: feedback: %w", err)
	}
	if st.helpful.Valid && st.helpful.Bool == helpful {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE answers SET helpful = ? WHERE id = ?`, b2i(helpful), answerID); err != nil {
		return fmt.Errorf("history: feedback: %w", err)
	}
	if !st.counted() {
		return nil
	}
	var d delta
	if st.helpful.Valid {
		if st.helpful.Bool {
			d.helpful--
		} else {
			d.unhelpful--
		}
	}
	if helpful {
		d.helpful++
	} else {
		d.unhelpful++
	}
	return bump(ctx, tx, st.day, st.topic.String, st.channel, st.synthetic, d)
}

// RecordHandoff notes that the citizen of session asked for a human (转人工).
// When the session's latest question was answered — not refused, not
// failed — that answer is counted as followed by 转人工 (once). It returns
// whether an answer was marked.
func (s *Store) RecordHandoff(ctx context.Context, session string) (bool, error) {
	if session == "" {
		return false, nil
	}
	marked := false
	err := s.do(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM answers WHERE session = ? ORDER BY asked_at DESC, rowid DESC LIMIT 1`, session).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("history: handoff: %w", err)
		}
		st, err := readState(ctx, tx, `id = ?`, id)
		if err != nil {
			return fmt.Errorf("history: handoff: %w", err)
		}
		if st.refused || st.failed || st.handoff {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE answers SET handoff = 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("history: handoff: %w", err)
		}
		marked = true
		if !st.counted() {
			return nil
		}
		return bump(ctx, tx, st.day, st.topic.String, st.channel, st.synthetic, delta{handoffs: 1})
	})
	return marked, err
}

// RecordSynthetic writes generated questions (govchat demo history), each
// marked synthetic, many to a transaction. Their feedback, given as
// Helpful, and 转人工, given as Handoff, are written with them.
func (s *Store) RecordSynthetic(ctx context.Context, recs []SyntheticRecord) error {
	const chunk = 2000
	for len(recs) > 0 {
		n := min(chunk, len(recs))
		batch := recs[:n]
		recs = recs[n:]
		ws := make([]*write, len(batch))
		for i, sr := range batch {
			sr.Record.Synthetic = true
			if sr.AnswerID == "" {
				return errors.New("history: record without answer id")
			}
			ws[i] = s.prepare(sr.Record)
		}
		err := s.do(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
			st, err := prepareAll(ctx, tx)
			if err != nil {
				return err
			}
			defer st.close()
			for i, w := range ws {
				if err := w.insert(ctx, st); err != nil {
					return err
				}
				sr := batch[i]
				if sr.Helpful != nil {
					if _, err := tx.ExecContext(ctx, `INSERT INTO feedback (answer_id, at, helpful, reason) VALUES (?, ?, ?, '')`, sr.AnswerID, w.r.At.UnixMilli(), *sr.Helpful); err != nil {
						return fmt.Errorf("history: insert feedback: %w", err)
					}
					if err := setHelpful(ctx, tx, sr.AnswerID, *sr.Helpful); err != nil {
						return err
					}
				}
				if sr.Handoff && w.counted && !sr.Refused {
					if _, err := tx.ExecContext(ctx, `UPDATE answers SET handoff = 1 WHERE id = ?`, sr.AnswerID); err != nil {
						return fmt.Errorf("history: handoff: %w", err)
					}
					if err := bump(ctx, st, w.day, w.topic, sr.Channel, true, delta{handoffs: 1}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SyntheticRecord is a generated question with what happened after it.
type SyntheticRecord struct {
	govchat.Record
	Helpful *bool // feedback given, if any
	Handoff bool  // 转人工 asked for after the answer
}

// stmts are the insert statements prepared once for a batch.
type stmts struct {
	tx *sqldb.Tx
	m  map[string]*sql.Stmt
}

func prepareAll(ctx context.Context, tx *sqldb.Tx) (*stmts, error) {
	st := &stmts{tx: tx, m: map[string]*sql.Stmt{}}
	for _, q := range []string{insertAnswerSQL, insertSourceSQL, bumpTopicSQL, bumpWeekSQL, bumpServiceSQL, bumpCitedSQL, topicLabelSQL} {
		p, err := tx.PrepareContext(ctx, q)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("history: prepare: %w", err)
		}
		st.m[q] = p
	}
	return st, nil
}

func (st *stmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p := st.m[query]; p != nil {
		return p.ExecContext(ctx, args...)
	}
	return st.tx.ExecContext(ctx, query, args...)
}

func (st *stmts) close() {
	for _, p := range st.m {
		p.Close()
	}
}

// Origins reports whether the log holds questions really asked, and
// whether it holds generated ones (govchat demo history).
func (s *Store) Origins(ctx context.Context) (real, synthetic bool, err error) {
	for _, o := range []struct {
		flag int
		dst  *bool
	}{{0, &real}, {1, &synthetic}} {
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM answers WHERE synthetic = ? LIMIT 1) x`, o.flag).Scan(&n); err != nil {
			return false, false, fmt.Errorf("history: %w", err)
		}
		*o.dst = n > 0
	}
	return real, synthetic, nil
}

// DeleteSynthetic removes every generated question, its sources, feedback
// and counts, and returns how many questions it removed. Real questions are
// untouched.
func (s *Store) DeleteSynthetic(ctx context.Context) (int, error) {
	var n int64
	err := s.do(ctx, func(ctx context.Context, tx *sqldb.Tx) error {
		for _, q := range []string{
			`DELETE FROM answer_sources WHERE answer_id IN (SELECT id FROM answers WHERE synthetic = 1)`,
			`DELETE FROM feedback WHERE answer_id IN (SELECT id FROM answers WHERE synthetic = 1)`,
			`DELETE FROM concern_days WHERE synthetic = 1`,
			`DELETE FROM concern_weeks WHERE synthetic = 1`,
			`DELETE FROM service_days WHERE synthetic = 1`,
			`DELETE FROM doc_citations WHERE synthetic = 1`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("history: delete synthetic: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM answers WHERE synthetic = 1`)
		if err != nil {
			return fmt.Errorf("history: delete synthetic: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// ConcernCounts returns, for every topic with questions in
// [q.PrevFrom, q.To), its counts in [q.From, q.To) and its questions in
// [q.PrevFrom, q.From) — of q.Channel only, when set. It reads the daily
// counts at the ends of each period and, between them, the weekly ones.
func (s *Store) ConcernCounts(ctx context.Context, q govchat.PeriodQuery) ([]govchat.TopicCount, error) {
	prev, from, to := s.dayOf(q.PrevFrom), s.dayOf(q.From), s.dayOf(q.To)
	if q.PrevFrom.IsZero() || prev > from {
		prev = from
	}
	const cols = "topic, questions, refused, clarified, helpful, unhelpful, handoffs, synthetic * questions AS synth"
	var parts []string
	var args []any
	days := func(cur int, a, b int64) {
		if a >= b {
			return
		}
		where := "day >= ? AND day < ?"
		args = append(args, a, b)
		if q.Channel != "" {
			where += " AND channel = ?"
			args = append(args, q.Channel)
		}
		parts = append(parts, fmt.Sprintf("SELECT %d AS cur, %s FROM concern_days WHERE %s", cur, cols, where))
	}
	period := func(cur int, a, b int64) {
		// Whole weeks from the weekly counts (not by channel), the rest by day.
		ws, we := weekStart(weekOf(a+6)), weekStart(weekOf(b))
		if q.Channel != "" || ws >= we {
			days(cur, a, b)
			return
		}
		days(cur, a, ws)
		parts = append(parts, fmt.Sprintf("SELECT %d AS cur, %s FROM concern_weeks WHERE week >= ? AND week < ?", cur, cols))
		args = append(args, weekOf(ws), weekOf(we))
		days(cur, we, b)
	}
	period(1, from, to)
	period(0, prev, from)
	if len(parts) == 0 {
		return []govchat.TopicCount{}, nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT g.topic, COALESCE(t.label, ''), g.cur, g.questions, g.refused, g.clarified, g.helpful, g.unhelpful, g.handoffs, g.synth
		FROM (SELECT topic, cur, SUM(questions) AS questions, SUM(refused) AS refused, SUM(clarified) AS clarified, SUM(helpful) AS helpful,
				SUM(unhelpful) AS unhelpful, SUM(handoffs) AS handoffs, SUM(synth) AS synth
			FROM (`+strings.Join(parts, " UNION ALL ")+`) u GROUP BY topic, cur) g
		LEFT JOIN topics t ON t.topic = g.topic`, args...)
	if err != nil {
		return nil, fmt.Errorf("history: concerns: %w", err)
	}
	defer rows.Close()
	byTopic := map[string]int{}
	out := []govchat.TopicCount{}
	for rows.Next() {
		var topic, label string
		var cur int
		var c govchat.Counts
		if err := rows.Scan(&topic, &label, &cur, &c.Questions, &c.Refused, &c.Clarified, &c.Helpful, &c.Unhelpful, &c.Handoffs, &c.Synthetic); err != nil {
			return nil, fmt.Errorf("history: concerns: %w", err)
		}
		i, ok := byTopic[topic]
		if !ok {
			i = len(out)
			byTopic[topic] = i
			out = append(out, govchat.TopicCount{Topic: topic, Label: label, Channel: q.Channel})
		}
		if cur == 1 {
			out[i].Counts = c
		} else {
			out[i].Previous = c.Questions
		}
	}
	return out, rows.Err()
}

// TopicChannels returns the questions of each of topics in [from, to) by
// channel (the topics listed on the dashboard).
func (s *Store) TopicChannels(ctx context.Context, topics []string, from, to time.Time) ([]govchat.TopicCount, error) {
	out := []govchat.TopicCount{}
	for len(topics) > 0 {
		batch := topics[:min(len(topics), 500)]
		topics = topics[len(batch):]
		args := []any{s.dayOf(from), s.dayOf(to)}
		for _, t := range batch {
			args = append(args, t)
		}
		rows, err := s.read.QueryContext(ctx, `SELECT topic, channel, SUM(questions), SUM(refused), SUM(clarified), SUM(helpful), SUM(unhelpful), SUM(handoffs), SUM(synthetic * questions)
			FROM concern_days WHERE day >= ? AND day < ? AND topic IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(batch)), ", ")+`)
			GROUP BY topic, channel`, args...)
		if err != nil {
			return nil, fmt.Errorf("history: channels: %w", err)
		}
		for rows.Next() {
			var c govchat.TopicCount
			if err := rows.Scan(&c.Topic, &c.Channel, &c.Questions, &c.Refused, &c.Clarified, &c.Helpful, &c.Unhelpful, &c.Handoffs, &c.Synthetic); err != nil {
				rows.Close()
				return nil, fmt.Errorf("history: channels: %w", err)
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("history: channels: %w", err)
		}
	}
	return out, nil
}

// DailyCounts returns the counts of each day and channel in [from, to):
// of the whole service when topic is empty, else of that topic. Days
// without questions are left out.
func (s *Store) DailyCounts(ctx context.Context, from, to time.Time, topic string) ([]govchat.DayCount, error) {
	table, where, args := "service_days", "", []any{s.dayOf(from), s.dayOf(to)}
	if topic != "" {
		table, where = "concern_days", " AND topic = ?"
		args = append(args, topic)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT day, channel, SUM(questions), SUM(refused), SUM(clarified), SUM(helpful), SUM(unhelpful), SUM(handoffs), SUM(synthetic * questions)
		FROM `+table+` WHERE day >= ? AND day < ?`+where+` GROUP BY day, channel ORDER BY day, channel`, args...)
	if err != nil {
		return nil, fmt.Errorf("history: daily counts: %w", err)
	}
	defer rows.Close()
	out := []govchat.DayCount{}
	for rows.Next() {
		var d govchat.DayCount
		var day int64
		if err := rows.Scan(&day, &d.Channel, &d.Questions, &d.Refused, &d.Clarified, &d.Helpful, &d.Unhelpful, &d.Handoffs, &d.Synthetic); err != nil {
			return nil, fmt.Errorf("history: daily counts: %w", err)
		}
		d.Day = s.dayTime(day)
		out = append(out, d)
	}
	return out, rows.Err()
}

// TopicExamples returns up to n distinct wordings (redacted when stored) of
// the topic's questions asked in [from, to), most recent first.
func (s *Store) TopicExamples(ctx context.Context, topic string, from, to time.Time, n int) ([]string, error) {
	if n <= 0 {
		return []string{}, nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT question, qkey FROM answers WHERE topic = ? AND asked_at >= ? AND asked_at < ?
		ORDER BY asked_at DESC LIMIT ?`, topic, from.UnixMilli(), to.UnixMilli(), n*10)
	if err != nil {
		return nil, fmt.Errorf("history: examples: %w", err)
	}
	defer rows.Close()
	out := []string{}
	seen := map[string]bool{}
	for rows.Next() {
		var q, key string
		if err := rows.Scan(&q, &key); err != nil {
			return nil, fmt.Errorf("history: examples: %w", err)
		}
		if seen[key] || len(out) >= n {
			continue
		}
		seen[key] = true
		out = append(out, q)
	}
	return out, rows.Err()
}

// CitedSince returns the documents some answer cited on or after the day
// of since, each with the number of answers that ever cited it.
func (s *Store) CitedSince(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT doc_id, SUM(answers) FROM doc_citations WHERE last_day >= ? GROUP BY doc_id`, s.dayOf(since))
	if err != nil {
		return nil, fmt.Errorf("history: cited: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("history: cited: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// backfill assigns a topic to the rows written before the concerns report
// (topic NULL) and counts them, in batches, before the writer starts.
func (s *Store) backfill(ctx context.Context) error {
	var todo int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM answers WHERE topic IS NULL`).Scan(&todo); err != nil {
		return fmt.Errorf("history: backfill: %w", err)
	}
	if todo == 0 {
		return nil
	}
	start := time.Now()
	s.log.Info("history: assigning topics to the questions written before the concerns report", slog.Int("questions", todo))
	defer func() {
		s.log.Info("history: topics assigned", slog.Int("questions", todo), slog.Duration("took", time.Since(start)))
	}()
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT id, session, channel, asked_at, question, answer, refused, reason, mode, error, handoff, helpful
			FROM answers WHERE topic IS NULL LIMIT 1000`)
		if err != nil {
			return fmt.Errorf("history: backfill: %w", err)
		}
		type old struct {
			w       *write
			handoff bool
			helpful sql.NullBool
		}
		var batch []old
		for rows.Next() {
			var r govchat.Record
			var at int64
			var o old
			if err := rows.Scan(&r.AnswerID, &r.Session, &r.Channel, &at, &r.Question, &r.Answer, &r.Refused, &r.Reason, &r.Mode, &r.Error, &o.handoff, &o.helpful); err != nil {
				rows.Close()
				return fmt.Errorf("history: backfill: %w", err)
			}
			r.At = time.UnixMilli(at)
			o.w = &write{r: r}
			batch = append(batch, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("history: backfill: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("history: backfill: %w", err)
		}
		for _, o := range batch {
			r := o.w.r
			srcs, err := tx.QueryContext(ctx, `SELECT n, doc_id, anchor, title FROM answer_sources WHERE answer_id = ? ORDER BY n`, r.AnswerID)
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("history: backfill: %w", err)
			}
			for srcs.Next() {
				var src govchat.RecordSource
				srcs.Scan(&src.N, &src.DocID, &src.Anchor, &src.Title)
				r.Sources = append(r.Sources, src)
			}
			srcs.Close()
			// The stored text is already redacted: prepare must not change it.
			w := s.prepare(r)
			if _, err := tx.ExecContext(ctx, `UPDATE answers SET topic = ?, day = ? WHERE id = ?`, w.topic, w.day, r.AnswerID); err != nil {
				tx.Rollback()
				return fmt.Errorf("history: backfill: %w", err)
			}
			if err := w.count(ctx, tx); err != nil {
				tx.Rollback()
				return err
			}
			if !w.counted {
				continue
			}
			d := delta{handoffs: b2i(o.handoff && !r.Refused)}
			if o.helpful.Valid {
				if o.helpful.Bool {
					d.helpful = 1
				} else {
					d.unhelpful = 1
				}
			}
			if d != (delta{}) {
				if err := bump(ctx, tx, w.day, w.topic, r.Channel, false, d); err != nil {
					tx.Rollback()
					return err
				}
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("history: backfill: %w", err)
		}
	}
}
