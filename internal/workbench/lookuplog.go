package workbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/textnorm"
)

// Recorder is the conversation log (*history.Store): an operator's look-up
// while a caller is on the line is a question of the hotline channel.
type Recorder interface {
	Record(ctx context.Context, r govchat.Record) error
}

// lookupLog records operators' look-ups as hotline questions, one per
// question asked: the look-up runs as the operator types, so each
// operator's latest look-up waits until it is settled — the operator
// looks up something else (not a continuation or a correction of it), or
// SettleAfter passes — and only the settled one is recorded.
type lookupLog struct {
	rec     Recorder
	now     func() time.Time
	log     *slog.Logger
	settle  time.Duration
	mu      sync.Mutex
	pending map[string]*pendingLookup // by operator
	writing sync.WaitGroup            // records being written (off the look-up's path)
}

type pendingLookup struct {
	user string
	text string
	key  string
	res  lookup.Result
	at   time.Time // first typed
	last time.Time // last changed
}

// maxRecordedRunes bounds a recorded look-up (a pasted 工单 may be long).
const maxRecordedRunes = 500

func newLookupLog(rec Recorder, now func() time.Time, settle time.Duration, log *slog.Logger) *lookupLog {
	if now == nil {
		now = time.Now
	}
	if settle <= 0 {
		settle = time.Minute
	}
	return &lookupLog{rec: rec, now: now, log: log, settle: settle, pending: map[string]*pendingLookup{}}
}

// note takes an operator's look-up and records what became settled.
func (l *lookupLog) note(ctx context.Context, user, text string, res lookup.Result) {
	now := l.now()
	key := textnorm.Key(text)
	if key == "" {
		return
	}
	var done []*pendingLookup
	l.mu.Lock()
	p := l.pending[user]
	switch {
	case p != nil && continues(p.key, key) && now.Sub(p.last) < l.settle:
		p.text, p.key, p.res, p.last = text, key, res, now
	default:
		if p != nil {
			done = append(done, p)
		}
		l.pending[user] = &pendingLookup{user: user, text: text, key: key, res: res, at: now, last: now}
	}
	for u, q := range l.pending {
		if u != user && now.Sub(q.last) >= l.settle {
			done = append(done, q)
			delete(l.pending, u)
		}
	}
	l.mu.Unlock()
	if len(done) > 0 {
		// The write waits for the commit: not on the operator's look-up.
		l.writing.Add(1)
		go func() {
			defer l.writing.Done()
			l.record(ctx, done)
		}()
	}
}

// continues reports whether a look-up edits the previous one: one is a
// prefix of the other, or they share the first half of the shorter.
func continues(prev, next string) bool {
	if strings.HasPrefix(next, prev) || strings.HasPrefix(prev, next) {
		return true
	}
	a, b := []rune(prev), []rune(next)
	n := min(len(a), len(b))
	common := 0
	for common < n && a[common] == b[common] {
		common++
	}
	return n > 0 && common*2 >= n
}

// flush records every pending look-up (at shutdown).
func (l *lookupLog) flush(ctx context.Context) {
	l.mu.Lock()
	var done []*pendingLookup
	for u, p := range l.pending {
		done = append(done, p)
		delete(l.pending, u)
	}
	l.mu.Unlock()
	l.writing.Wait()
	l.record(ctx, done)
}

func (l *lookupLog) record(ctx context.Context, done []*pendingLookup) {
	for _, p := range done {
		if err := l.rec.Record(context.WithoutCancel(ctx), lookupRecord(p)); err != nil {
			l.log.Warn("workbench: record a look-up", slog.Any("error", err))
		}
	}
}

// lookupRecord is a settled look-up as the log keeps it: answered from the
// first FAQ entry and the first policy found, refused when nothing was.
func lookupRecord(p *pendingLookup) govchat.Record {
	text := p.text
	if utf8.RuneCountInString(text) > maxRecordedRunes {
		text = string([]rune(text)[:maxRecordedRunes])
	}
	r := govchat.Record{AnswerID: "l_" + randomHex(8), Session: "hotline:" + p.user, Channel: govchat.ChannelHotline, At: p.at,
		Question: text, Mode: "lookup", Latency: time.Duration(p.res.TookMS * float64(time.Millisecond))}
	n := 0
	for _, group := range [][]lookup.Item{p.res.FAQ, p.res.Policies, p.res.Interpret} {
		if len(group) == 0 {
			continue
		}
		it := group[0]
		n++
		r.Sources = append(r.Sources, govchat.RecordSource{N: n, DocID: it.ID, Title: it.Title})
		if r.Answer == "" {
			r.Answer = it.Title
		}
	}
	if len(r.Sources) == 0 {
		r.Refused, r.Reason, r.Answer = true, "no_results", ""
	}
	return r
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
