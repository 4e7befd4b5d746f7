package handoff

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
)

// The desk's live state crosses instances on the bus (in-process for one
// instance; PostgreSQL's LISTEN/NOTIFY for several): the database holds
// every conversation, and an event tells every instance — the publisher
// included — what changed and what to deliver to the sockets it holds.
// One desk action publishes one event, so its parts arrive together and in
// order.
type event struct {
	From      string           `json:"i"`            // publishing instance
	Conv      *convRef         `json:"c,omitempty"`  // a conversation's new state
	Queue     bool             `json:"q,omitempty"`  // the queue changed: operators get it again
	Positions bool             `json:"p,omitempty"`  // queued citizens moved up
	Send      []send           `json:"d,omitempty"`  // frames for sockets, wherever they are
	TextsOf   string           `json:"tc,omitempty"` // the conversation of Texts
	Texts     map[int64]string `json:"t,omitempty"`  // live text of entries whose stored text is redacted
	Receipt   *receipt         `json:"r,omitempty"`  // an instance's answer to a Send with Req
}

// convRef is what every instance keeps of an open conversation.
type convRef struct {
	ID       string `json:"id"`
	Session  string `json:"s"`
	Status   string `json:"st"`
	Operator string `json:"op,omitempty"`
}

// send is a frame for the sockets of a citizen session or of an operator.
type send struct {
	Session string          `json:"s,omitempty"`
	User    string          `json:"u,omitempty"`
	Frame   json.RawMessage `json:"f"`
	Req     string          `json:"r,omitempty"` // every instance answers with a receipt
}

// receipt says how many sockets of an instance took a frame.
type receipt struct {
	To   string `json:"to"`
	Req  string `json:"r"`
	From string `json:"i"`
	N    int    `json:"n"`
}

// live is the desk's view of what other instances do: the open
// conversations by session, the live (unredacted) text of entries, the
// receipts awaited.
type live struct {
	mu      sync.Mutex
	open    map[string]convRef          // by citizen session: may be stale, the database decides
	texts   map[string]map[int64]string // by conversation, by entry
	ntexts  int
	waiters map[string]*waiter
}

type waiter struct {
	want    map[string]bool // instances yet to answer
	n       int
	done    chan struct{}
	closing sync.Once
}

// maxTexts bounds the live texts an instance keeps; beyond, the stored
// (redacted) text is shown.
const maxTexts = 200000

func (l *live) init() {
	l.open = map[string]convRef{}
	l.texts = map[string]map[int64]string{}
	l.waiters = map[string]*waiter{}
}

func (l *live) apply(r convRef) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Status == StatusQueued || r.Status == StatusActive {
		l.open[r.Session] = r
		return
	}
	if cur, ok := l.open[r.Session]; ok && cur.ID == r.ID {
		delete(l.open, r.Session)
	}
	l.ntexts -= len(l.texts[r.ID])
	delete(l.texts, r.ID)
}

func (l *live) openOf(session string) (convRef, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.open[session]
	return r, ok
}

func (l *live) reload(refs []convRef) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open = map[string]convRef{}
	for _, r := range refs {
		l.open[r.Session] = r
	}
}

func (l *live) addTexts(conv string, texts map[int64]string) {
	if conv == "" || len(texts) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.texts[conv]
	if m == nil {
		m = map[int64]string{}
		l.texts[conv] = m
	}
	for id, t := range texts {
		if _, ok := m[id]; !ok && l.ntexts < maxTexts {
			m[id] = t
			l.ntexts++
		}
	}
}

func (l *live) text(conv string, id int64) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.texts[conv][id]
	return t, ok
}

func newReq() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// expect registers a receipt wait for the given instances.
func (l *live) expect(req string, instances []string) *waiter {
	w := &waiter{want: map[string]bool{}, done: make(chan struct{})}
	for _, i := range instances {
		w.want[i] = true
	}
	l.mu.Lock()
	l.waiters[req] = w
	l.mu.Unlock()
	return w
}

func (l *live) forget(req string) {
	l.mu.Lock()
	delete(l.waiters, req)
	l.mu.Unlock()
}

func (l *live) receipt(r receipt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.waiters[r.Req]
	if w == nil {
		return
	}
	w.n += r.N
	delete(w.want, r.From)
	if w.n > 0 || len(w.want) == 0 {
		w.closing.Do(func() { close(w.done) })
	}
}

// wait returns how many sockets took the frame, once every instance has
// answered, one has delivered it, or timeout has passed.
func (w *waiter) wait(timeout time.Duration) int {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
	}
	return w.n
}

// busHandler feeds the desk's event loop; it returns at once.
type busHandler struct{ d *Desk }

func (h busHandler) Receive(msg []byte) {
	select {
	case h.d.events <- append([]byte(nil), msg...):
	case <-h.d.stop:
	}
}

func (h busHandler) Reset() {
	select {
	case h.d.events <- nil: // nil: rebuild from the database
	case <-h.d.stop:
	}
}

// broadcast sends ev to every instance (this one included).
func (d *Desk) broadcast(ctx context.Context, ev event) {
	ev.From = d.instance
	b, err := json.Marshal(ev)
	if err != nil {
		d.log.Error("handoff: encode event", slog.Any("error", err))
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.bus.Publish(pctx, b); err != nil {
		d.log.Error("handoff: publish", slog.Any("error", err))
	}
}

// frame encodes a frame for an event.
func frame(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// toSession delivers a frame to a citizen session's sockets on whichever
// instances hold them and returns how many took it (waiting for the
// instances' receipts up to ReceiptWait).
func (d *Desk) toSession(ctx context.Context, session string, v any, ev event) int {
	req := newReq()
	ids, err := d.store.instances(ctx, d.cfg.Wall().Add(-d.cfg.PresenceTTL))
	if err != nil {
		d.log.Error("handoff: instances", slog.Any("error", err))
	}
	w := d.live.expect(req, append(ids, d.instance))
	defer d.live.forget(req)
	ev.Send = append(ev.Send, send{Session: session, Frame: frame(v), Req: req})
	d.broadcast(ctx, ev)
	return w.wait(d.cfg.ReceiptWait)
}

// loop applies the events of every instance, in order.
func (d *Desk) loop() {
	defer d.wg.Done()
	for {
		select {
		case msg := <-d.events:
			if msg == nil {
				d.resync()
				continue
			}
			var ev event
			if err := json.Unmarshal(msg, &ev); err != nil {
				continue
			}
			d.handle(ev)
		case <-d.stop:
			return
		}
	}
}

func (d *Desk) handle(ev event) {
	d.live.addTexts(ev.TextsOf, ev.Texts)
	if ev.Conv != nil {
		d.live.apply(*ev.Conv)
	}
	if ev.Receipt != nil {
		if ev.Receipt.To == d.instance {
			d.live.receipt(*ev.Receipt)
		}
	}
	for _, s := range ev.Send {
		n := 0
		switch {
		case s.Session != "":
			n = d.sendToSession(s.Session, s.Frame)
		case s.User != "":
			for _, c := range d.presence.clientsOf(s.User) {
				if c.Send(s.Frame) == nil {
					n++
				}
			}
		}
		if s.Req == "" {
			continue
		}
		r := receipt{To: ev.From, Req: s.Req, From: d.instance, N: n}
		if ev.From == d.instance {
			d.live.receipt(r)
		} else {
			d.broadcast(context.Background(), event{Receipt: &r})
		}
	}
	if ev.Positions {
		d.sendPositions()
	}
	if ev.Queue || ev.Conv != nil {
		d.refreshQueue()
	}
}

// resync rebuilds what events maintain after some may have been lost.
func (d *Desk) resync() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.loadOpen(ctx); err != nil {
		d.log.Error("handoff: resync", slog.Any("error", err))
	}
	d.refreshQueue()
}

func (d *Desk) loadOpen(ctx context.Context) error {
	open, err := d.store.list(ctx, "", 0, true)
	if err != nil {
		return err
	}
	refs := make([]convRef, len(open))
	for i, c := range open {
		refs[i] = ref(c)
	}
	d.live.reload(refs)
	return nil
}

func ref(c Conversation) convRef {
	return convRef{ID: c.ID, Session: c.SessionID, Status: c.Status, Operator: c.Operator}
}

// refreshQueue asks the refresher to send the queue to this instance's
// operators (coalescing bursts of changes into one frame).
func (d *Desk) refreshQueue() {
	select {
	case d.refresh <- struct{}{}:
	default:
	}
}

func (d *Desk) refresher() {
	defer d.wg.Done()
	for {
		select {
		case <-d.refresh:
		case <-d.stop:
			return
		}
		clients := d.presence.clients()
		if len(clients) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		f, err := d.queueFrame(ctx)
		cancel()
		if err != nil {
			d.log.Error("handoff: queue", slog.Any("error", err))
			continue
		}
		for _, c := range clients {
			c.Send(f)
		}
	}
}

// sendPositions tells this instance's queued citizens their place.
func (d *Desk) sendPositions() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	open, err := d.store.list(ctx, StatusQueued, 1000, false)
	if err != nil {
		d.log.Error("handoff: positions", slog.Any("error", err))
		return
	}
	for _, c := range open {
		if d.hub == nil || !d.hub.HasSession(c.SessionID) {
			continue
		}
		f, err := d.statusFrame(ctx, c, "")
		if err != nil {
			d.log.Error("handoff: positions", slog.Any("error", err))
			return
		}
		d.sendToSession(c.SessionID, f)
	}
}

// heartbeat keeps this instance and its operators alive in the database,
// removes instances gone silent, and closes conversations left idle.
func (d *Desk) heartbeat() {
	defer d.wg.Done()
	t := time.NewTicker(d.cfg.HeartbeatEvery)
	defer t.Stop()
	lastIdle := time.Now()
	for {
		select {
		case <-t.C:
		case <-d.stop:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		wall := d.cfg.Wall()
		if err := d.store.heartbeat(ctx, d.instance, wall); err != nil {
			d.log.Error("handoff: heartbeat", slog.Any("error", err))
		}
		if n, err := d.store.reap(ctx, wall.Add(-d.cfg.PresenceTTL)); err != nil {
			d.log.Error("handoff: presence", slog.Any("error", err))
		} else if n > 0 {
			d.log.Info("handoff: operators of an instance gone silent are offline", slog.Int64("operators", n))
			d.broadcast(ctx, event{Queue: true})
		}
		if d.cfg.KeepOpen && time.Since(lastIdle) >= time.Minute {
			lastIdle = time.Now()
			d.closeIdle(ctx, d.cfg.Now())
		}
		cancel()
	}
}
