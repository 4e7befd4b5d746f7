package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/bus"
	"github.com/govchat/govchat/internal/bus/bustest"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/postgres"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newBus(t *testing.T, db *postgres.DB) *postgres.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := db.NewBus(ctx, "govchat_test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Two instances: two pools and two listeners on one database.
func TestBusConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T) (bus.Bus, bus.Bus) {
		url := pgtest.Shared(t).DB(t)
		return newBus(t, sqldbtest.OpenPostgres(t, url)), newBus(t, sqldbtest.OpenPostgres(t, url))
	})
}

// The database goes away and comes back: publishing fails within the
// timeout meanwhile, the listener reconnects by itself and tells its
// subscribers (Reset), and messages flow again — no restart.
func TestBusSurvivesDatabaseRestart(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	url := c.DB(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Timeout: 2 * time.Second, WaitAtStart: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := newBus(t, db)
	r := bustest.NewRecorder()
	defer b.Subscribe(r)()
	if err := b.Publish(ctx, []byte("before")); err != nil {
		t.Fatal(err)
	}
	r.WaitFor(t, "before", func(m [][]byte) bool { return len(m) == 1 })

	c.Pause()
	start := time.Now()
	if err := b.Publish(ctx, []byte("while down")); err == nil {
		t.Fatal("published with the database down")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("publishing with the database down took %s (timeout 2s)", took)
	}
	if err := db.Ping(ctx); err == nil {
		t.Fatal("ping answered with the database down")
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for r.Resets() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not reconnect")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("pool did not recover: %v", err)
	}
	if err := b.Publish(ctx, []byte("after")); err != nil {
		t.Fatal(err)
	}
	got := r.WaitFor(t, "after", func(m [][]byte) bool { return len(m) == 2 })
	if string(got[1]) != "after" {
		t.Errorf("got %q", got)
	}
}

func TestOpenFailsClearly(t *testing.T) {
	c := pgtest.Shared(t)
	bad := strings.Replace(c.URL("nosuchdb"), "govchat@", "govchat:s3cret@", 1)
	_, err := postgres.Open(context.Background(), postgres.Config{URL: bad, Timeout: time.Second, WaitAtStart: 500 * time.Millisecond})
	if err == nil {
		t.Fatal("opened a database that does not exist")
	}
	if !strings.Contains(err.Error(), "GOVCHAT_DATABASE_URL") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v (want the setting named and the password hidden)", err)
	}
	if got := postgres.Redact("host=db user=u password=s3cret dbname=x"); strings.Contains(got, "s3cret") {
		t.Errorf("Redact = %q", got)
	}
}
