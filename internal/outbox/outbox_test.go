package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/outbox/sqlstore"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"
)

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

const (
	epA = "https://a.example.gov.cn/hook"
	epB = "https://b.example.gov.cn/hook"
)

// clock is a manual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// sender records what it is asked to send and answers with fail.
type sender struct {
	mu   sync.Mutex
	sent []string // "endpoint id"
	body map[string][]byte
	fail func(endpoint, id string) error
}

type refusal struct{}

func (refusal) Error() string   { return "receiver answered 400" }
func (refusal) Permanent() bool { return true }

var errDown = errors.New("connection refused")

func (s *sender) Send(ctx context.Context, endpoint, id, typ string, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, endpoint+" "+id)
	if s.body == nil {
		s.body = map[string][]byte{}
	}
	s.body[id] = body
	if s.fail != nil {
		return s.fail(endpoint, id)
	}
	return nil
}

func (s *sender) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sent
	s.sent = nil
	return out
}

func newStore(t *testing.T) (*sqldb.DB, *sqlstore.Store) {
	t.Helper()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "workbench.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := sqlstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return db, st
}

func ev(n int, at time.Time) events.Event {
	return events.Event{ID: fmt.Sprintf("evt_%032d", n), Type: events.TypeFeedbackNegative, Time: at, Body: []byte(fmt.Sprintf(`{"n":%d}`, n))}
}

func TestBackoffDelay(t *testing.T) {
	b := outbox.Backoff{First: 5 * time.Second, Max: time.Minute}
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 4: 40 * time.Second, 5: time.Minute, 40: time.Minute} {
		if got := b.Delay(n); got != want {
			t.Errorf("Delay(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestNoReceiversRecordsNothing(t *testing.T) {
	_, st := newStore(t)
	o, err := outbox.New(outbox.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Emit(context.Background(), nil, ev(1, t0)); err != nil {
		t.Fatal(err)
	}
	if all, _ := st.List(context.Background(), outbox.Filter{}); len(all) != 0 {
		t.Errorf("stored %d deliveries without receivers", len(all))
	}
	if _, err := o.Replay(context.Background(), t0, nil); err == nil {
		t.Error("replayed without receivers")
	}
}

// A receiver that is down gets one request per retry, on the backoff
// schedule of the clock; the events behind wait with the first; once it is
// back everything is delivered in the order made.
func TestRetryScheduleWhileDown(t *testing.T) {
	ctx := context.Background()
	_, st := newStore(t)
	clk := &clock{t: t0}
	snd := &sender{fail: func(string, string) error { return errDown }}
	o, err := outbox.New(outbox.Config{Store: st, Endpoints: []string{epA}, Sender: snd, Now: clk.Now,
		Backoff: outbox.Backoff{First: 10 * time.Second, Max: 40 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := o.Emit(ctx, nil, ev(i, t0)); err != nil {
			t.Fatal(err)
		}
	}
	// Attempt n fails at the time shown; the next is due 10, 20, 40, 40 s later.
	at := t0
	for n, wait := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 40 * time.Second} {
		if _, err := o.DeliverDue(ctx); err == nil {
			t.Fatalf("attempt %d: no error from a receiver that is down", n+1)
		}
		if got := snd.take(); !slices.Equal(got, []string{epA + " " + ev(1, t0).ID}) {
			t.Fatalf("attempt %d sent %v, want only the first event", n+1, got)
		}
		ds, _ := st.List(ctx, outbox.Filter{})
		if ds[0].Attempts != n+1 || !ds[0].Next.Equal(at.Add(wait)) || !strings.Contains(ds[0].LastError, "connection refused") {
			t.Fatalf("after attempt %d: %+v", n+1, ds[0])
		}
		for _, d := range ds[1:] {
			if d.Attempts != 0 || !d.Next.Equal(at.Add(wait)) {
				t.Fatalf("after attempt %d, a waiting event: %+v", n+1, d)
			}
		}
		// Nothing is sent before the retry is due.
		clk.Set(at.Add(wait - time.Millisecond))
		if n, _ := o.DeliverDue(ctx); n != 0 || len(snd.take()) != 0 {
			t.Fatalf("sent before the retry was due")
		}
		at = at.Add(wait)
		clk.Set(at)
	}
	if bl, _ := o.Backlog(ctx); bl.Pending != 3 || !bl.Oldest.Equal(t0) {
		t.Errorf("backlog = %+v", bl)
	}
	snd.fail = nil
	if n, err := o.DeliverDue(ctx); err != nil || n != 3 {
		t.Fatalf("back up: delivered %d, %v", n, err)
	}
	if got := snd.take(); !slices.Equal(got, []string{epA + " " + ev(1, t0).ID, epA + " " + ev(2, t0).ID, epA + " " + ev(3, t0).ID}) {
		t.Errorf("order = %v", got)
	}
	if bl, _ := o.Backlog(ctx); bl.Pending != 0 {
		t.Errorf("backlog after delivery = %+v", bl)
	}
}

// A receiver refusing one event does not hold back the others; receivers
// are independent.
func TestRefusalAndIndependentReceivers(t *testing.T) {
	ctx := context.Background()
	_, st := newStore(t)
	clk := &clock{t: t0}
	snd := &sender{fail: func(ep, id string) error {
		switch {
		case ep == epA && id == ev(2, t0).ID:
			return refusal{}
		case ep == epB:
			return errDown
		}
		return nil
	}}
	o, _ := outbox.New(outbox.Config{Store: st, Endpoints: []string{epA, epB}, Sender: snd, Now: clk.Now})
	for i := 1; i <= 3; i++ {
		o.Emit(ctx, nil, ev(i, t0))
	}
	n, err := o.DeliverDue(ctx)
	if n != 2 || err == nil {
		t.Errorf("delivered %d, %v; want 2 and b's error", n, err)
	}
	pend, _ := st.List(ctx, outbox.Filter{PendingOnly: true})
	var got []string
	for _, d := range pend {
		got = append(got, fmt.Sprintf("%s %s %d", d.Endpoint, d.EventID[len(d.EventID)-1:], d.Attempts))
	}
	want := []string{epB + " 1 1", epA + " 2 1", epB + " 2 0", epB + " 3 0"}
	if !slices.Equal(got, want) {
		t.Errorf("pending = %v, want %v", got, want)
	}
}

// xorSealer stands in for sealbox: the stored body is not the sent one.
type xorSealer struct{}

func (xorSealer) Seal(p []byte, c string) ([]byte, error) {
	return append([]byte("sealed:"+c+":"), xor(p)...), nil
}
func (xorSealer) Open(s []byte, c string) ([]byte, error) {
	p, ok := bytes.CutPrefix(s, []byte("sealed:"+c+":"))
	if !ok {
		return nil, errors.New("not sealed for " + c)
	}
	return xor(p), nil
}
func xor(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c ^ 0x5a
	}
	return out
}

// Bodies are sealed at rest and sent as made; a replay sends the same
// bytes under the same id, to all receivers or one.
func TestSealedBodiesAndReplay(t *testing.T) {
	ctx := context.Background()
	db, st := newStore(t)
	clk := &clock{t: t0}
	snd := &sender{}
	o, _ := outbox.New(outbox.Config{Store: st, Endpoints: []string{epA, epB}, Sender: snd, Now: clk.Now, Seal: xorSealer{}})
	e := ev(1, t0)
	e.Body = []byte(`{"contact":"13800001111"}`)
	if err := o.Emit(ctx, nil, e); err != nil {
		t.Fatal(err)
	}
	var stored []byte
	db.QueryRowContext(ctx, `SELECT body FROM outbox_events`).Scan(&stored)
	if bytes.Contains(stored, []byte("13800001111")) {
		t.Errorf("stored in clear: %s", stored)
	}
	if n, _ := o.DeliverDue(ctx); n != 2 || string(snd.body[e.ID]) != string(e.Body) {
		t.Fatalf("delivered %d, body %s", n, snd.body[e.ID])
	}
	snd.take()
	if ds, _ := o.List(ctx, outbox.Filter{}); string(ds[0].Body) != string(e.Body) {
		t.Errorf("listed body %s", ds[0].Body)
	}
	clk.Set(t0.Add(time.Hour))
	if _, err := o.Replay(ctx, t0, []string{"https://unknown.example/"}); err == nil {
		t.Error("replayed to a receiver that is not configured")
	}
	if n, err := o.Replay(ctx, t0, []string{epB}); err != nil || n != 1 {
		t.Fatalf("replay to b: %d, %v", n, err)
	}
	if n, _ := o.DeliverDue(ctx); n != 1 {
		t.Errorf("replay delivered %d", n)
	}
	if got := snd.take(); !slices.Equal(got, []string{epB + " " + e.ID}) || string(snd.body[e.ID]) != string(e.Body) {
		t.Errorf("replayed %v %s", got, snd.body[e.ID])
	}
	if n, _ := o.Replay(ctx, t0.Add(time.Minute), nil); n != 0 {
		t.Errorf("replayed %d events made before since", n)
	}
	if n, _ := o.Replay(ctx, t0, nil); n != 2 {
		t.Errorf("replay to all: %d", n)
	}
}

// An event emitted in a transaction that rolls back is never sent.
func TestEmitInTransaction(t *testing.T) {
	ctx := context.Background()
	db, st := newStore(t)
	snd := &sender{}
	o, _ := outbox.New(outbox.Config{Store: st, Endpoints: []string{epA}, Sender: snd, Now: (&clock{t: t0}).Now})
	tx, _ := db.BeginTx(ctx, nil)
	if err := o.Emit(ctx, tx, ev(1, t0)); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	tx, _ = db.BeginTx(ctx, nil)
	o.Emit(ctx, tx, ev(2, t0))
	tx.Commit()
	o.DeliverDue(ctx)
	if got := snd.take(); !slices.Equal(got, []string{epA + " " + ev(2, t0).ID}) {
		t.Errorf("sent %v", got)
	}
}

// The dispatchers deliver as soon as an event is emitted (not at the next
// poll), retry on the schedule, and give an interrupted send back on Close.
func TestDispatcherLoop(t *testing.T) {
	ctx := context.Background()
	_, st := newStore(t)
	reg := metrics.NewRegistry()
	var mu sync.Mutex
	down := true
	delivered := make(chan string, 10)
	snd := &sender{fail: func(_, id string) error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return errDown
		}
		delivered <- id
		return nil
	}}
	o, _ := outbox.New(outbox.Config{Store: st, Endpoints: []string{epA}, Sender: snd, Metrics: reg,
		Backoff: outbox.Backoff{First: 20 * time.Millisecond, Max: 80 * time.Millisecond}, Poll: time.Hour})
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	o.Emit(ctx, nil, ev(1, time.Now()))
	time.Sleep(150 * time.Millisecond)
	if !strings.Contains(scrape(reg), "govchat_webhook_backlog 1\n") {
		t.Errorf("metrics while down:\n%s", scrape(reg))
	}
	mu.Lock()
	down = false
	mu.Unlock()
	select {
	case id := <-delivered:
		if id != ev(1, t0).ID {
			t.Errorf("delivered %s", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not delivered after the receiver came back")
	}
	o.Emit(ctx, nil, ev(2, time.Now()))
	select {
	case <-delivered:
	case <-time.After(10 * time.Second):
		t.Fatal("a new event was not delivered at once (Poll is an hour)")
	}
	// The sender reports the delivery before the dispatcher records it:
	// wait for the record rather than for a moment.
	m := scrape(reg)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(m, "govchat_webhook_backlog 0\n") && time.Now().Before(deadline); m = scrape(reg) {
		time.Sleep(5 * time.Millisecond)
	}
	for _, want := range []string{"govchat_webhook_backlog 0\n", "govchat_webhook_oldest_pending_seconds 0\n",
		`govchat_webhook_events_total{type="feedback.negative"} 2`, `govchat_webhook_deliveries_total{result="delivered"} 2`, `govchat_webhook_deliveries_total{result="failed"}`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
}

func TestCloseGivesBackAnInterruptedSend(t *testing.T) {
	ctx := context.Background()
	_, st := newStore(t)
	started := make(chan struct{})
	o, _ := outbox.New(outbox.Config{Store: st, Endpoints: []string{epA}, Sender: blocking{started}, Poll: time.Hour})
	o.Start()
	o.Emit(ctx, nil, ev(1, time.Now()))
	<-started
	o.Close()
	ds, _ := st.List(ctx, outbox.Filter{})
	if len(ds) != 1 || !ds[0].Pending() || ds[0].Attempts != 0 || ds[0].Next.After(time.Now()) {
		t.Errorf("after Close: %+v", ds)
	}
}

type blocking struct{ started chan struct{} }

func (b blocking) Send(ctx context.Context, _, _, _ string, _ []byte) error {
	close(b.started)
	<-ctx.Done()
	return ctx.Err()
}

func scrape(reg *metrics.Registry) string {
	var b strings.Builder
	reg.WriteTo(&b)
	return b.String()
}
