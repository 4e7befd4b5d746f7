// Package bustest is the conformance suite of the bus contract: the
// in-process bus and the PostgreSQL LISTEN/NOTIFY bus both pass it.
package bustest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/bus"
)

// Open returns two buses on one channel, as two instances see it (an
// in-process bus returns itself twice).
type Open func(t *testing.T) (a, b bus.Bus)

// Recorder is a Handler that keeps what it receives.
type Recorder struct {
	mu     sync.Mutex
	msgs   [][]byte
	resets int
	signal chan struct{}
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{signal: make(chan struct{}, 1)} }

// Receive keeps a copy of msg.
func (r *Recorder) Receive(msg []byte) {
	r.mu.Lock()
	r.msgs = append(r.msgs, append([]byte(nil), msg...))
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// Reset counts resets.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.resets++
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// Resets is how many times Reset was called.
func (r *Recorder) Resets() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resets
}

// Messages is a copy of what was received.
func (r *Recorder) Messages() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.msgs...)
}

// WaitFor waits until cond holds for the received messages.
func (r *Recorder) WaitFor(t testing.TB, what string, cond func(msgs [][]byte) bool) [][]byte {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		m := r.Messages()
		if cond(m) {
			return m
		}
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("bus: %s: timed out with %d messages", what, len(m))
		}
	}
}

// Run runs the suite.
func Run(t *testing.T, open Open) {
	t.Run("EveryoneGetsEverythingInOrder", func(t *testing.T) {
		a, b := open(t)
		ra, rb := NewRecorder(), NewRecorder()
		defer a.Subscribe(ra)()
		defer b.Subscribe(rb)()
		const n = 150
		var wg sync.WaitGroup
		for _, p := range []struct {
			name string
			bus  bus.Bus
		}{{"a", a}, {"b", b}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range n {
					if err := p.bus.Publish(context.Background(), fmt.Appendf(nil, "%s-%d", p.name, i)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		for name, r := range map[string]*Recorder{"a": ra, "b": rb} {
			msgs := r.WaitFor(t, "subscriber "+name, func(m [][]byte) bool { return len(m) >= 2*n })
			next := map[string]int{}
			for _, m := range msgs {
				var from string
				var i int
				if _, err := fmt.Sscanf(string(bytes.Replace(m, []byte("-"), []byte(" "), 1)), "%s %d", &from, &i); err != nil {
					t.Fatalf("subscriber %s got %q", name, m)
				}
				if i != next[from] {
					t.Fatalf("subscriber %s: from %s got %d, want %d (out of order or lost)", name, from, i, next[from])
				}
				next[from]++
			}
			if len(msgs) != 2*n {
				t.Errorf("subscriber %s got %d messages, want %d", name, len(msgs), 2*n)
			}
		}
	})

	t.Run("LargeAndBinaryMessages", func(t *testing.T) {
		a, b := open(t)
		r := NewRecorder()
		defer b.Subscribe(r)()
		large := bytes.Repeat([]byte("转人工消息"), 20000) // 300 KB
		binary := []byte{0, 1, 2, 0xff, 0xfe, '{', 0}
		small := []byte(`{"k":"queue"}`)
		for _, m := range [][]byte{large, binary, small} {
			if err := a.Publish(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
		got := r.WaitFor(t, "three messages", func(m [][]byte) bool { return len(m) >= 3 })
		if !bytes.Equal(got[0], large) || !bytes.Equal(got[1], binary) || !bytes.Equal(got[2], small) {
			t.Errorf("messages changed on the way: lengths %d %d %d", len(got[0]), len(got[1]), len(got[2]))
		}
		if err := a.Publish(context.Background(), make([]byte, bus.MaxMessage+1)); !errors.Is(err, bus.ErrTooLarge) {
			t.Errorf("oversized message: %v, want ErrTooLarge", err)
		}
	})

	t.Run("Unsubscribe", func(t *testing.T) {
		a, b := open(t)
		gone, stays := NewRecorder(), NewRecorder()
		unsub := b.Subscribe(gone)
		defer b.Subscribe(stays)()
		a.Publish(context.Background(), []byte("one"))
		gone.WaitFor(t, "first", func(m [][]byte) bool { return len(m) == 1 })
		unsub()
		a.Publish(context.Background(), []byte("two"))
		stays.WaitFor(t, "both", func(m [][]byte) bool { return len(m) == 2 })
		if n := len(gone.Messages()); n != 1 {
			t.Errorf("unsubscribed handler got %d messages, want 1", n)
		}
	})
}
