package handoff

import (
	"context"
	"sort"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
)

// autoHandoff keeps each session's recent exchanges with the bot (they
// open the operator's transcript) and starts a handoff after
// RefusalsBeforeHandoff refusals in a row.
type autoHandoff struct {
	d      *Desk
	trails map[string]*trail // recent exchanges per session
}

type trail struct {
	entries  []Entry
	refusals int
	auto     bool
	seen     time.Time
}

// observe is the desk's hub observer: every recorded question and answer
// also goes into the session's transcript, and the desk starts a handoff
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
	d.mu.Lock()
	if conv := d.queue.bySession[rec.Session]; conv != nil {
		if len(conv.Transcript) < d.cfg.MaxEntries {
			conv.Transcript = append(conv.Transcript, q, a)
		}
		d.persist(d.store.addEntry(ctx, conv.ID, q))
		d.persist(d.store.addEntry(ctx, conv.ID, a))
		var ds []delivery
		if conv.Status == StatusActive {
			ds = d.presence.to(conv.Operator, CitizenMessageFrame{Type: TypeCitizenMessage, Conversation: conv.ID, Text: "（问智能助手）" + rec.Question, At: at})
		}
		d.mu.Unlock()
		d.deliver(ds)
		return
	}
	t := d.auto.trails[rec.Session]
	if t == nil {
		if len(d.auto.trails) >= d.cfg.MaxTracked {
			d.auto.sweep()
		}
		t = &trail{}
		d.auto.trails[rec.Session] = t
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
	d.mu.Unlock()
	if start {
		session := rec.Session
		time.AfterFunc(d.cfg.NotifyDelay, func() {
			ds, _ := d.queue.request(context.Background(), session, ReasonRefused, "", "")
			d.deliver(ds)
		})
	}
}

// sweep drops the least recently seen half of the trails.
func (ah *autoHandoff) sweep() {
	d := ah.d
	type kv struct {
		k string
		t time.Time
	}
	all := make([]kv, 0, len(d.auto.trails))
	for k, t := range d.auto.trails {
		all = append(all, kv{k, t.seen})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	for _, x := range all[:len(all)/2+1] {
		delete(d.auto.trails, x.k)
	}
}
