package handoff

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
)

// autoHandoff keeps each session's recent exchanges with the bot (they
// open the operator's transcript) and starts a handoff after
// RefusalsBeforeHandoff refusals in a row. The trails are kept by the
// instance that answered (per instance: a citizen who moves to another
// instance starts a new trail there).
type autoHandoff struct {
	d      *Desk
	mu     sync.Mutex
	trails map[string]*trail // recent exchanges per session
}

type trail struct {
	entries  []Entry
	refusals int
	auto     bool
	seen     time.Time
}

// trailOf is a copy of the session's recent exchanges.
func (ah *autoHandoff) trailOf(session string) []Entry {
	ah.mu.Lock()
	defer ah.mu.Unlock()
	if t := ah.trails[session]; t != nil {
		return append([]Entry(nil), t.entries...)
	}
	return nil
}

// reset forgets the session's trail (its conversation ended).
func (ah *autoHandoff) reset(session string) {
	ah.mu.Lock()
	defer ah.mu.Unlock()
	if t := ah.trails[session]; t != nil {
		t.entries, t.refusals = nil, 0
	}
}

// observe is the desk's hub observer: every recorded question and answer
// goes into the session's open conversation if it has one (its operator
// sees the question), else into its trail, and the desk starts a handoff
// after RefusalsBeforeHandoff refusals in a row.
func (ah *autoHandoff) observe(ctx context.Context, rec govchat.Record) {
	d := ah.d
	if rec.Session == "" {
		return
	}
	at := rec.At
	if at.IsZero() {
		at = d.cfg.Now()
	}
	q := Entry{At: at, From: FromCitizen, Text: rec.Question}
	a := Entry{At: at.Add(rec.Latency), From: FromBot, Text: rec.Answer, Refused: rec.Refused, AnswerID: rec.AnswerID,
		Clarify: rec.Clarify, Related: rec.Related}
	if rec.Error != "" {
		a.Text = "（未能回答：" + rec.Error + "）"
	}
	for _, s := range rec.Sources {
		a.Sources = append(a.Sources, kb.Source{N: s.N, ID: s.DocID, Title: s.Title, Anchor: s.Anchor, DocURL: kb.DocURL(s.DocID, s.Anchor)})
	}
	if _, ok := d.live.openOf(rec.Session); ok && ah.intoConversation(ctx, rec, q, a) {
		return
	}
	ah.mu.Lock()
	t := ah.trails[rec.Session]
	if t == nil {
		if len(ah.trails) >= d.cfg.MaxTracked {
			ah.sweep()
		}
		t = &trail{}
		ah.trails[rec.Session] = t
	}
	t.seen = d.cfg.Now()
	t.entries = append(t.entries, q, a)
	if over := len(t.entries) - d.cfg.MaxTrail; over > 0 {
		t.entries = append([]Entry(nil), t.entries[over:]...)
	}
	switch {
	case rec.Refused:
		t.refusals++
	case rec.Error == "":
		t.refusals = 0
	}
	// Answers over the HTTP API reach no socket: a handoff there would
	// queue a conversation nobody can join.
	start := t.refusals >= d.cfg.RefusalsBeforeHandoff && !t.auto && rec.Channel != "api"
	if start {
		t.auto = true
	}
	ah.mu.Unlock()
	if start {
		session := rec.Session
		time.AfterFunc(d.cfg.NotifyDelay, func() {
			d.spawn(func() {
				if e := d.queue.request(context.Background(), session, ReasonRefused, "", ""); e != nil {
					d.sendToSession(session, errorFrameOf(e))
				}
			})
		})
	}
}

// intoConversation adds an exchange with the bot to the session's open
// conversation; false when it has none after all.
func (ah *autoHandoff) intoConversation(ctx context.Context, rec govchat.Record, q, a Entry) bool {
	d := ah.d
	conv, err := d.store.openOf(ctx, rec.Session)
	if err != nil {
		return false
	}
	n, err := d.store.entries(ctx, conv.ID)
	if err != nil {
		d.log.Error("handoff: store", "error", err)
		return true
	}
	ev := event{TextsOf: conv.ID}
	if n+2 <= d.cfg.MaxEntries {
		var ids []int64
		for _, e := range []Entry{q, a} {
			id, err := d.store.addEntry(ctx, conv.ID, e)
			if err != nil {
				d.log.Error("handoff: store", "error", err)
				return true
			}
			ids = append(ids, id)
		}
		ev.Texts = d.liveTexts(conv.ID, []Entry{q, a}, ids)
	}
	if conv.Status == StatusActive {
		ev.Send = []send{{User: conv.Operator, Frame: frame(CitizenMessageFrame{Type: TypeCitizenMessage, Conversation: conv.ID, Text: "（问智能助手）" + rec.Question, At: q.At})}}
	} else {
		ev.Queue = true
	}
	d.broadcast(ctx, ev)
	return true
}

// sweep drops the least recently seen half of the trails (ah.mu held).
func (ah *autoHandoff) sweep() {
	type kv struct {
		k string
		t time.Time
	}
	all := make([]kv, 0, len(ah.trails))
	for k, t := range ah.trails {
		all = append(all, kv{k, t.seen})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	for _, x := range all[:len(all)/2+1] {
		delete(ah.trails, x.k)
	}
}

// errorFrameOf is the error frame of e, without a request id.
func errorFrameOf(e *govchat.Error) chat.ErrorFrame {
	return chat.ErrorFrame{Type: chat.TypeError, Code: e.Code, Message: e.Message, RetryAfter: e.RetryAfter}
}
