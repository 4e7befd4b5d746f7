package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T, db *sqldb.DB, clk *clock) *outbox.Store {
	t.Helper()
	s, err := outbox.New(outbox.Config{DB: db, Now: clk.now, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The outbox on SQLite and PostgreSQL: the conformance suite of its
// contract (enqueue, claim due with a lease, delivered, failed with
// backoff, dead, replay since, backlog).
func TestOutboxConformance(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
		s := open(t, db, clk)
		other := open(t, db, clk) // another instance
		if n, oldest, _ := s.Backlog(ctx); n != 0 || !oldest.IsZero() {
			t.Fatalf("empty backlog = %d, %v", n, oldest)
		}
		a, err := s.Enqueue(ctx, "handoff.closed", `{"conversation":"h_1"}`)
		if err != nil {
			t.Fatal(err)
		}
		clk.add(time.Second)
		b, _ := s.Enqueue(ctx, "leave_message.created", `{"id":7}`)
		if _, err := s.Enqueue(ctx, "", `{}`); !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("empty topic: %v", err)
		}
		if n, oldest, _ := s.Backlog(ctx); n != 2 || !oldest.Equal(clk.now().Add(-time.Second)) {
			t.Errorf("backlog = %d, %v", n, oldest)
		}

		// One worker claims both, oldest first; the other gets none while
		// the lease lasts.
		got, err := s.Claim(ctx, "w1", 10, time.Minute)
		if err != nil || len(got) != 2 || got[0].ID != a || got[1].ID != b || got[0].Payload != `{"conversation":"h_1"}` {
			t.Fatalf("claim = %+v, %v", got, err)
		}
		if again, _ := other.Claim(ctx, "w2", 10, time.Minute); len(again) != 0 {
			t.Fatalf("leased events claimed again: %+v", again)
		}
		if err := s.Delivered(ctx, a, "w2"); !errors.Is(err, outbox.ErrNotLeased) {
			t.Errorf("delivered by a worker without the lease: %v", err)
		}
		if err := s.Delivered(ctx, a, "w1"); err != nil {
			t.Fatal(err)
		}
		// A lease that runs out lets another worker take the event.
		clk.add(2 * time.Minute)
		got, _ = other.Claim(ctx, "w2", 10, time.Minute)
		if len(got) != 1 || got[0].ID != b {
			t.Fatalf("after the lease ran out: %+v (delivered events are not claimed again)", got)
		}
		if err := s.Failed(ctx, b, "w1", "late"); !errors.Is(err, outbox.ErrNotLeased) {
			t.Errorf("the first worker's lease ran out: %v", err)
		}
		// Failures back off, then kill the event.
		if err := other.Failed(ctx, b, "w2", "HTTP 503"); err != nil {
			t.Fatal(err)
		}
		e, _ := s.Get(ctx, b)
		if e.Status != outbox.StatusPending || e.Attempts != 1 || !e.NextAt.Equal(clk.now().Add(outbox.DefaultBackoff(1))) || e.LastError != "HTTP 503" {
			t.Errorf("after a failure: %+v", e)
		}
		if got, _ := s.Claim(ctx, "w1", 10, time.Minute); len(got) != 0 {
			t.Errorf("claimed before its backoff: %+v", got)
		}
		for i := 2; i <= 3; i++ {
			clk.add(outbox.DefaultBackoff(i - 1))
			got, _ := s.Claim(ctx, "w1", 10, time.Minute)
			if len(got) != 1 {
				t.Fatalf("try %d: claimed %+v", i, got)
			}
			if err := s.Failed(ctx, b, "w1", fmt.Sprint("failure ", i)); err != nil {
				t.Fatal(err)
			}
		}
		if e, _ := s.Get(ctx, b); e.Status != outbox.StatusDead || e.Attempts != 3 {
			t.Errorf("after MaxAttempts failures: %+v", e)
		}
		if n, _, _ := s.Backlog(ctx); n != 0 {
			t.Errorf("backlog with one delivered and one dead event = %d", n)
		}

		// Replay since a time, by topic: both kinds come back.
		if n, err := s.Replay(ctx, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), "leave_message.created"); err != nil || n != 1 {
			t.Errorf("replay by topic = %d, %v", n, err)
		}
		if n, _ := s.Replay(ctx, clk.now().Add(time.Hour), ""); n != 0 {
			t.Errorf("replay of the future = %d", n)
		}
		if n, _ := s.Replay(ctx, time.Time{}, ""); n != 1 {
			t.Errorf("replay of everything = %d (the delivered one)", n)
		}
		got, _ = other.Claim(ctx, "w2", 10, time.Minute)
		if len(got) != 2 || got[0].Attempts != 0 {
			t.Errorf("after replays: %+v", got)
		}

		// Enqueued in a transaction that rolls back: no event.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.EnqueueTx(ctx, tx, "handoff.closed", `{}`); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n)
		if n != 2 {
			t.Errorf("%d events after a rolled-back enqueue, want 2", n)
		}
	})
}

// Workers of several instances claiming at once never share an event.
func TestOutboxConcurrentClaims(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
		s := open(t, db, clk)
		const events = 200
		for i := range events {
			if _, err := s.Enqueue(ctx, "t", fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := fmt.Sprint("w", w)
				st := open(t, db, clk)
				for {
					got, err := st.Claim(ctx, worker, 7, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, e := range got {
						mu.Lock()
						if prev, dup := seen[e.ID]; dup {
							t.Errorf("event %d claimed by %s and %s", e.ID, prev, worker)
						}
						seen[e.ID] = worker
						mu.Unlock()
						if err := st.Delivered(ctx, e.ID, worker); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != events {
			t.Errorf("%d of %d events delivered", len(seen), events)
		}
	})
}
