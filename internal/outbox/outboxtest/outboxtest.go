// Package outboxtest is the conformance suite of outbox.Store: every
// implementation runs Run (outbox/sqlstore on SQLite and on PostgreSQL).
package outboxtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/outbox"
)

// Tx is a transaction of the store's database.
type Tx interface {
	events.Execer
	Commit() error
	Rollback() error
}

// Backend is a fresh, empty store under test.
type Backend struct {
	Store outbox.Store
	// Begin starts a transaction in the store's database: producers add
	// events in their own transactions.
	Begin func(ctx context.Context) (Tx, error)
	// Other opens another Store over the same database with its own
	// connections — a second process or instance — for the claim race.
	Other func(t *testing.T) outbox.Store
}

var (
	t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	a  = "https://a.example.gov.cn/hook"
	b  = "https://b.example.gov.cn/hook?token=x"
)

func event(n int, at time.Time) events.Event {
	return events.Event{ID: fmt.Sprintf("evt_%032d", n), Type: events.TypeLeaveMessage, Time: at, Body: []byte(fmt.Sprintf(`{"n":%d,"内容":"留言"}`, n))}
}

func ids(ds []outbox.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.EventID + " " + d.Endpoint
	}
	return out
}

// Run runs the suite; open returns a fresh backend for each test.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("AddListBacklog", func(t *testing.T) {
		s := open(t).Store
		if bl, err := s.Backlog(ctx, []string{a}); err != nil || bl.Pending != 0 || !bl.Oldest.IsZero() {
			t.Fatalf("empty backlog = %+v, %v", bl, err)
		}
		if next, err := s.NextDue(ctx, []string{a}); err != nil || !next.IsZero() {
			t.Fatalf("empty next due = %v, %v", next, err)
		}
		if err := s.Add(ctx, nil, []string{a, b}, t0, event(1, t0), event(2, t0.Add(time.Second))); err != nil {
			t.Fatal(err)
		}
		if err := s.Add(ctx, nil, []string{a, b}, t0.Add(time.Minute), event(3, t0.Add(2*time.Second))); err != nil {
			t.Fatal(err)
		}
		all, err := s.List(ctx, outbox.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{event(1, t0).ID + " " + a, event(1, t0).ID + " " + b, event(2, t0).ID + " " + a, event(2, t0).ID + " " + b, event(3, t0).ID + " " + a, event(3, t0).ID + " " + b}
		if got := ids(all); !slices.Equal(got, want) {
			t.Errorf("list = %v, want %v", got, want)
		}
		d := all[4]
		if d.Type != events.TypeLeaveMessage || string(d.Body) != `{"n":3,"内容":"留言"}` || !d.Created.Equal(t0.Add(2*time.Second)) ||
			!d.Next.Equal(t0.Add(time.Minute)) || d.Attempts != 0 || !d.Pending() || d.LastError != "" || !d.LastAttempt.IsZero() {
			t.Errorf("delivery = %+v", d)
		}
		if bl, err := s.Backlog(ctx, []string{a, b}); err != nil || bl.Pending != 6 || !bl.Oldest.Equal(t0) {
			t.Errorf("backlog = %+v, %v", bl, err)
		}
		if bl, _ := s.Backlog(ctx, []string{b}); bl.Pending != 3 {
			t.Errorf("backlog of b = %+v", bl)
		}
		if bl, _ := s.Backlog(ctx, []string{"https://other.example/"}); bl.Pending != 0 {
			t.Errorf("backlog of an unknown endpoint = %+v", bl)
		}
		if next, err := s.NextDue(ctx, []string{a}); err != nil || !next.Equal(t0) {
			t.Errorf("next due = %v, %v", next, err)
		}
		if got, _ := s.List(ctx, outbox.Filter{Endpoint: b, Since: t0.Add(time.Second), Limit: 1}); len(got) != 1 || got[0].EventID != event(2, t0).ID || got[0].Endpoint != b {
			t.Errorf("filtered list = %v", ids(got))
		}
		if err := s.Add(ctx, nil, []string{a}, t0, event(1, t0)); err == nil {
			t.Error("the same event id was added twice")
		}
	})

	t.Run("AddInTransaction", func(t *testing.T) {
		be := open(t)
		s := be.Store
		tx, err := be.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(ctx, tx, []string{a}, t0, event(1, t0)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.List(ctx, outbox.Filter{}); len(all) != 0 {
			t.Fatalf("a rolled-back event is stored: %v", ids(all))
		}
		tx, err = be.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(ctx, tx, []string{a, b}, t0, event(1, t0)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.List(ctx, outbox.Filter{}); len(all) != 2 {
			t.Fatalf("committed event: %v", ids(all))
		}
	})

	t.Run("ClaimOrderAndLease", func(t *testing.T) {
		s := open(t).Store
		// Made out of order of their due times: claims go by the order
		// made, among the due.
		s.Add(ctx, nil, []string{a, b}, t0.Add(time.Minute), event(1, t0))
		s.Add(ctx, nil, []string{a, b}, t0, event(2, t0))
		s.Add(ctx, nil, []string{a, b}, t0, event(3, t0))
		s.Add(ctx, nil, []string{a, b}, t0, event(4, t0))
		got, err := s.Claim(ctx, a, t0, t0.Add(30*time.Second), 2)
		if err != nil {
			t.Fatal(err)
		}
		if g := ids(got); !slices.Equal(g, []string{event(2, t0).ID + " " + a, event(3, t0).ID + " " + a}) {
			t.Fatalf("first claim = %v", g)
		}
		if string(got[0].Body) != `{"n":2,"内容":"留言"}` || got[0].Type != events.TypeLeaveMessage || got[0].Attempts != 0 {
			t.Errorf("claimed %+v", got[0])
		}
		got, _ = s.Claim(ctx, a, t0, t0.Add(30*time.Second), 10)
		if g := ids(got); !slices.Equal(g, []string{event(4, t0).ID + " " + a}) {
			t.Fatalf("second claim = %v (leased ones must not come back)", g)
		}
		if got, _ := s.Claim(ctx, a, t0.Add(29*time.Second), t0.Add(time.Hour), 10); len(got) != 0 {
			t.Fatalf("claimed during the lease: %v", ids(got))
		}
		// b is untouched by a's claims.
		if got, _ := s.Claim(ctx, b, t0, t0.Add(30*time.Second), 10); len(got) != 3 {
			t.Errorf("b's claim = %v", ids(got))
		}
		// The lease ends; event 1 is due by then too.
		got, _ = s.Claim(ctx, a, t0.Add(time.Minute), t0.Add(2*time.Minute), 10)
		if g := ids(got); !slices.Equal(g, []string{event(1, t0).ID + " " + a, event(2, t0).ID + " " + a, event(3, t0).ID + " " + a, event(4, t0).ID + " " + a}) {
			t.Errorf("after the lease = %v", g)
		}
		if next, _ := s.NextDue(ctx, []string{a}); !next.Equal(t0.Add(2 * time.Minute)) {
			t.Errorf("next due = %v (a lease is when it is due again)", next)
		}
	})

	t.Run("Outcomes", func(t *testing.T) {
		s := open(t).Store
		s.Add(ctx, nil, []string{a, b}, t0, event(1, t0), event(2, t0), event(3, t0))
		ds, _ := s.Claim(ctx, a, t0, t0.Add(time.Minute), 10)
		if len(ds) != 3 {
			t.Fatalf("claimed %v", ids(ds))
		}
		at := t0.Add(time.Second)
		if err := s.Delivered(ctx, ds[0].EventID, a, at); err != nil {
			t.Fatal(err)
		}
		if err := s.Failed(ctx, ds[1].EventID, a, at, at.Add(10*time.Second), "webhook: receiver answered 503"); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, ds[2].EventID, a, at.Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		all, _ := s.List(ctx, outbox.Filter{Endpoint: a})
		if d := all[0]; d.Pending() || !d.Delivered.Equal(at) || d.Attempts != 1 || !d.LastAttempt.Equal(at) || d.LastError != "" {
			t.Errorf("delivered = %+v", d)
		}
		if d := all[1]; !d.Pending() || d.Attempts != 1 || !d.Next.Equal(at.Add(10*time.Second)) || d.LastError != "webhook: receiver answered 503" || !d.LastAttempt.Equal(at) {
			t.Errorf("failed = %+v", d)
		}
		if d := all[2]; !d.Pending() || d.Attempts != 0 || !d.Next.Equal(at.Add(10*time.Second)) || !d.LastAttempt.IsZero() {
			t.Errorf("released = %+v", d)
		}
		if pend, _ := s.List(ctx, outbox.Filter{PendingOnly: true}); len(pend) != 5 {
			t.Errorf("pending = %v", ids(pend))
		}
		if bl, _ := s.Backlog(ctx, []string{a}); bl.Pending != 2 {
			t.Errorf("a's backlog = %+v", bl)
		}
		if got, _ := s.Claim(ctx, a, at.Add(10*time.Second), at.Add(time.Minute), 10); !slices.Equal(ids(got), []string{ds[1].EventID + " " + a, ds[2].EventID + " " + a}) {
			t.Errorf("due again = %v (never the delivered one)", ids(got))
		}
		// A second failure counts; a delivered one cannot fail or be released.
		s.Failed(ctx, ds[1].EventID, a, at.Add(11*time.Second), at.Add(30*time.Second), "timeout")
		if all, _ := s.List(ctx, outbox.Filter{Endpoint: a}); all[1].Attempts != 2 || all[1].LastError != "timeout" {
			t.Errorf("twice failed = %+v", all[1])
		}
		if err := s.Failed(ctx, ds[0].EventID, a, at, at, "late"); err == nil {
			t.Error("a delivered delivery failed")
		}
		if err := s.Release(ctx, ds[0].EventID, a, at); err == nil {
			t.Error("a delivered delivery was released")
		}
		if err := s.Delivered(ctx, "evt_nosuchevent", a, at); err == nil {
			t.Error("delivered an unknown event")
		}
	})

	t.Run("Requeue", func(t *testing.T) {
		s := open(t).Store
		s.Add(ctx, nil, []string{a}, t0, event(1, t0))
		s.Add(ctx, nil, []string{a}, t0, event(2, t0.Add(time.Hour)))
		s.Add(ctx, nil, []string{a}, t0, event(3, t0.Add(2*time.Hour)))
		ds, _ := s.Claim(ctx, a, t0, t0.Add(time.Minute), 10)
		for _, d := range ds {
			s.Delivered(ctx, d.EventID, a, t0.Add(time.Second))
		}
		due := t0.Add(3 * time.Hour)
		// Events made from one hour on, to a and to a receiver (b) that
		// never had them.
		n, err := s.Requeue(ctx, t0.Add(time.Hour), []string{a, b}, due)
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("requeued %d deliveries, want 4", n)
		}
		pend, _ := s.List(ctx, outbox.Filter{PendingOnly: true})
		want := []string{event(2, t0).ID + " " + a, event(2, t0).ID + " " + b, event(3, t0).ID + " " + a, event(3, t0).ID + " " + b}
		if !slices.Equal(ids(pend), want) {
			t.Errorf("pending after requeue = %v, want %v", ids(pend), want)
		}
		for _, d := range pend {
			if d.Attempts != 0 || !d.Next.Equal(due) {
				t.Errorf("requeued %+v", d)
			}
		}
		if got, _ := s.Claim(ctx, b, due, due.Add(time.Minute), 10); len(got) != 2 {
			t.Errorf("b's claim after requeue = %v", ids(got))
		}
	})

	t.Run("Prune", func(t *testing.T) {
		s := open(t).Store
		s.Add(ctx, nil, []string{a}, t0, event(1, t0))                                     // old, delivered: pruned
		s.Add(ctx, nil, []string{a}, t0, event(2, t0))                                     // old, pending: kept
		s.Add(ctx, nil, []string{b}, t0, event(3, t0))                                     // old, pending for a receiver no longer configured: pruned
		s.Add(ctx, nil, []string{a}, t0.Add(48*time.Hour), event(4, t0.Add(48*time.Hour))) // recent, delivered: kept
		for _, id := range []string{event(1, t0).ID, event(4, t0).ID} {
			if err := s.Delivered(ctx, id, a, t0.Add(49*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.Prune(ctx, t0.Add(24*time.Hour), []string{a})
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("pruned %d events, want 2", n)
		}
		all, _ := s.List(ctx, outbox.Filter{})
		if g := ids(all); !slices.Equal(g, []string{event(2, t0).ID + " " + a, event(4, t0).ID + " " + a}) {
			t.Errorf("left = %v", g)
		}
		// A pruned id may not come back, but it may be added anew.
		if err := s.Add(ctx, nil, []string{a}, t0, event(1, t0)); err != nil {
			t.Errorf("re-adding a pruned id: %v", err)
		}
	})

	t.Run("ConcurrentClaims", func(t *testing.T) {
		be := open(t)
		stores := []outbox.Store{be.Store, be.Store}
		if be.Other != nil {
			stores = append(stores, be.Other(t), be.Other(t))
		}
		const n = 60
		var evs []events.Event
		for i := range n {
			evs = append(evs, event(i+1, t0))
		}
		if err := be.Store.Add(ctx, nil, []string{a}, t0, evs...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for _, s := range stores {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						ds, err := s.Claim(ctx, a, t0, t0.Add(time.Hour), 3)
						if err != nil {
							t.Error(err)
							return
						}
						if len(ds) == 0 {
							return
						}
						mu.Lock()
						for _, d := range ds {
							got[d.EventID]++
						}
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		if len(got) != n {
			t.Errorf("claimed %d events, want %d", len(got), n)
		}
		for id, c := range got {
			if c != 1 {
				t.Errorf("%s claimed %d times", id, c)
			}
		}
	})
}
