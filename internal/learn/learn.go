// Package learn is learning from use, with review: it turns what happens in
// conversations into evidence that a citizen's wording asks for a FAQ entry
// — a tapped button followed by 👍 or by no rewording, an operator's push
// in reply to a citizen, an operator's copy after typing a caller's words —
// keeps the evidence (Store), groups it into proposed 相似问 per entry for
// the knowledge office (Group), and on approval writes the wording into the
// entry's similar questions in knowledge/faq/ (Reviewer), from where the
// index learns it like any other edit.
//
// Nothing reaches a knowledge file without a person approving it, and no
// personal data reaches the evidence: wordings are redacted, and those that
// held a 身份证号 or a phone number are not kept at all.
package learn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/textnorm"
)

// Entry is a FAQ entry as learning needs it.
type Entry struct {
	ID, Question string
	Similar      []string
	Path         string // the FAQ file it is written in ("" when it is not in one)
}

// Entries finds a FAQ entry of the current knowledge base by id (false for
// an unknown id or a document that is not a FAQ entry).
type Entries func(id string) (Entry, bool)

// Limits on a proposed wording, in runes.
const (
	MinWording = 4
	MaxWording = 60
)

// Config configures a Learner.
type Config struct {
	Store   Store               // required
	Entries Entries             // required
	Redact  func(string) string // required: removes 身份证号 and phone numbers
	Now     func() time.Time    // default time.Now
	// Grace is how long after a tap a citizen may still reword the
	// question or give 👎 before the tap counts as kept (default 10m).
	Grace time.Duration
	// MaxSessions bounds the sessions remembered (default 50000).
	MaxSessions int
	Log         *slog.Logger
}

// Learner records evidence from conversations. It observes the chat hub
// (Observe, ObserveFeedback) and takes operators' evidence
// (RecordEvidence); evidence is written by one goroutine, so observing
// never waits for the database. Safe for concurrent use.
type Learner struct {
	cfg Config

	mu       sync.Mutex
	sessions map[string]*session
	pending  map[string]*tap // by the tapped answer's id

	queue   chan govchat.Evidence
	writing sync.WaitGroup
	done    chan struct{}
	closed  bool
}

// session is what is remembered of a conversation: its recent answers.
type session struct {
	answers []note
	last    time.Time
}

// note is one answer of a session.
type note struct {
	id, question string
	related      []string
	tapped       bool // the question was itself a tapped button
}

// tap is a button tapped after a question in the citizen's own words,
// waiting for 👍, 👎, a rewording or the grace period.
type tap struct {
	session, wording, entry, answerID, from string
	at                                      time.Time
}

// answersKept is how many recent answers of a session are remembered.
const answersKept = 8

// New starts a Learner; Close stops it.
func New(cfg Config) (*Learner, error) {
	if cfg.Store == nil || cfg.Entries == nil || cfg.Redact == nil {
		return nil, errors.New("learn: a store, the entries and a redaction function are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * time.Minute
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 50000
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	l := &Learner{cfg: cfg, sessions: map[string]*session{}, pending: map[string]*tap{},
		queue: make(chan govchat.Evidence, 1024), done: make(chan struct{})}
	go l.write()
	return l, nil
}

// Observe takes one exchange of the chat hub (chat.Observer).
func (l *Learner) Observe(ctx context.Context, r govchat.Record) {
	if r.Session == "" {
		return
	}
	now := r.At
	if now.IsZero() {
		now = l.cfg.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sessions[r.Session]
	if s == nil {
		s = &session{}
		l.sessions[r.Session] = s
		l.evict()
	}
	s.last = now
	// A question after a tap settles it: another button of the same
	// answer, the same question in other words, or a complaint (不对, 答非
	// 所问) means the tap did not help; anything else means it did.
	for id, p := range l.pending {
		if p.session != r.Session {
			continue
		}
		delete(l.pending, id)
		if (r.Via != nil && r.Via.AnswerID == p.from) || reworded(r.Question, p.wording) || govchat.Dissatisfied(r.Question) {
			continue
		}
		l.commit(p, govchat.EvidenceTapKept)
	}
	if r.Error != "" {
		return
	}
	n := note{id: r.AnswerID, question: r.Question, tapped: r.Via != nil}
	for _, rel := range r.Related {
		n.related = append(n.related, rel.ID)
	}
	s.answers = append(s.answers, n)
	if len(s.answers) > answersKept {
		s.answers = s.answers[len(s.answers)-answersKept:]
	}
	if r.Via != nil && !r.Refused {
		l.tapped(r, now, s)
	}
	l.sweep(now)
}

// tapped notes a tap on a button of an earlier answer of the session when
// that answer offered it after a question in the citizen's own words, and
// the tapped answer gave the entry.
func (l *Learner) tapped(r govchat.Record, now time.Time, s *session) {
	i := slices.IndexFunc(s.answers, func(n note) bool { return n.id == r.Via.AnswerID })
	if i < 0 {
		return
	}
	from := s.answers[i]
	if from.tapped || !slices.Contains(from.related, r.Via.ID) {
		return
	}
	if !slices.ContainsFunc(r.Sources, func(src govchat.RecordSource) bool { return src.DocID == r.Via.ID }) {
		return
	}
	l.pending[r.AnswerID] = &tap{session: r.Session, wording: from.question, entry: r.Via.ID, answerID: r.AnswerID, from: from.id, at: now}
}

// ObserveFeedback takes a 👍/👎 (chat.FeedbackObserver): 👍 on a tapped
// answer makes its tap evidence, 👎 drops it.
func (l *Learner) ObserveFeedback(ctx context.Context, sessionID string, f govchat.Feedback) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pending[f.AnswerID]
	if p == nil {
		return
	}
	delete(l.pending, f.AnswerID)
	if f.Helpful {
		l.commit(p, govchat.EvidenceTapHelpful)
	}
}

// Sweep makes evidence of the taps whose grace period has passed; Run calls
// it every minute.
func (l *Learner) Sweep() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(l.cfg.Now())
}

func (l *Learner) sweep(now time.Time) {
	for id, p := range l.pending {
		if now.Sub(p.at) >= l.cfg.Grace {
			delete(l.pending, id)
			l.commit(p, govchat.EvidenceTapKept)
		}
	}
}

// Run sweeps every minute until ctx ends.
func (l *Learner) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.done:
			return
		case <-t.C:
			l.Sweep()
		}
	}
}

// evict forgets the least recently active tenth of the sessions when there
// are too many (l.mu held).
func (l *Learner) evict() {
	if len(l.sessions) <= l.cfg.MaxSessions {
		return
	}
	type kv struct {
		id   string
		last time.Time
	}
	all := make([]kv, 0, len(l.sessions))
	for id, s := range l.sessions {
		all = append(all, kv{id, s.last})
	}
	slices.SortFunc(all, func(a, b kv) int { return a.last.Compare(b.last) })
	for _, x := range all[:len(all)/10+1] {
		delete(l.sessions, x.id)
	}
}

func (l *Learner) commit(p *tap, kind string) {
	l.enqueue(govchat.Evidence{Wording: p.wording, EntryID: p.entry, Kind: kind, Session: p.session, AnswerID: p.answerID, At: l.cfg.Now()})
}

// RecordEvidence takes evidence from an operator's action (the handoff
// desk's push, the workbench's copy). It returns an error only for
// evidence that is malformed; evidence that cannot teach anything (an
// unknown entry, a wording the entry already has, one that held personal
// data) is dropped silently.
func (l *Learner) RecordEvidence(ctx context.Context, e govchat.Evidence) error {
	switch e.Kind {
	case govchat.EvidenceOperatorPush, govchat.EvidenceOperatorCopy, govchat.EvidenceTapHelpful, govchat.EvidenceTapKept:
	default:
		return fmt.Errorf("learn: unknown kind of evidence %q", e.Kind)
	}
	if e.At.IsZero() {
		e.At = l.cfg.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.enqueue(e)
	return nil
}

// enqueue checks and queues evidence for the writer (l.mu held).
func (l *Learner) enqueue(e govchat.Evidence) {
	if l.closed {
		return
	}
	w, ok := l.Wording(e.Wording)
	if !ok {
		return
	}
	entry, ok := l.cfg.Entries(e.EntryID)
	if !ok || Knows(entry, w) {
		return
	}
	e.Wording = w
	l.writing.Add(1)
	select {
	case l.queue <- e:
	default:
		l.writing.Done()
		l.cfg.Log.Warn("learn: evidence queue full; evidence dropped", slog.String("entry", e.EntryID))
	}
}

// Wording returns the wording as it may be kept — white space tidied — and
// whether it may be kept at all: of MinWording to MaxWording runes, with no
// personal data in it (a wording the redaction changes is not kept).
func (l *Learner) Wording(s string) (string, bool) {
	s = textnorm.Tidy(s)
	if l.cfg.Redact(s) != s {
		return "", false
	}
	n := utf8.RuneCountInString(s)
	return s, n >= MinWording && n <= MaxWording && utf8.ValidString(s)
}

// Knows reports whether the entry already has the wording: as its question
// or one of its similar questions, compared by their matching keys.
func Knows(e Entry, wording string) bool {
	k := textnorm.Key(wording)
	if k == "" {
		return true
	}
	for _, s := range append([]string{e.Question}, e.Similar...) {
		if textnorm.Key(s) == k {
			return true
		}
	}
	return false
}

func (l *Learner) write() {
	defer close(l.done)
	for e := range l.queue {
		if _, err := l.cfg.Store.Add(context.Background(), e); err != nil {
			l.cfg.Log.Error("learn: storing evidence", slog.Any("error", err))
		}
		l.writing.Done()
	}
}

// Flush waits until the evidence queued so far is stored.
func (l *Learner) Flush() { l.writing.Wait() }

// Close stores the taps whose grace period has passed and the queued
// evidence, and stops the writer; taps still within their grace period are
// forgotten (the citizen might still have reworded the question).
func (l *Learner) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.sweep(l.cfg.Now())
	l.closed = true
	close(l.queue)
	l.mu.Unlock()
	<-l.done
	return nil
}

// reworded reports whether question b asks what a asked, in other words:
// one holds the other, or they share at least a third of their character
// bigrams.
func reworded(a, b string) bool {
	ka, kb := textnorm.Key(a), textnorm.Key(b)
	if ka == "" || kb == "" {
		return false
	}
	if strings.Contains(ka, kb) || strings.Contains(kb, ka) {
		return true
	}
	return jaccard(bigrams(ka), bigrams(kb)) >= 1.0/3
}

func bigrams(s string) map[string]bool {
	rs := []rune(s)
	out := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])] = true
	}
	if len(rs) == 1 {
		out[s] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 0
	for k := range a {
		if b[k] {
			n++
		}
	}
	return float64(n) / float64(len(a)+len(b)-n)
}
