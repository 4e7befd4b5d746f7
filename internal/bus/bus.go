// Package bus carries small messages between the parts of govchat that
// share live state — the 转人工 desk's queue, operator presence and the
// frames of live conversations — whether they run in one process or in
// several instances. Local is the in-process bus of a single instance;
// internal/postgres implements the same contract over PostgreSQL's
// LISTEN/NOTIFY, so that several instances need no extra component.
// bustest is the conformance suite both pass.
package bus

import (
	"context"
	"errors"
	"sync"
)

// Bus is a broadcast channel: every message published by any instance
// reaches every subscriber of every instance (the publisher's own
// included), each subscriber receiving the messages of one publishing
// goroutine in the order they were published.
type Bus interface {
	// Publish sends msg (any bytes up to MaxMessage) to every subscriber.
	Publish(ctx context.Context, msg []byte) error
	// Subscribe registers h; the returned function unsubscribes it.
	Subscribe(h Handler) (unsubscribe func())
}

// Handler receives messages. Its methods are called from one goroutine per
// bus, in order; they must return quickly (hand slow work to a goroutine).
type Handler interface {
	// Receive is one message. msg must not be kept after Receive returns.
	Receive(msg []byte)
	// Reset says that messages may have been lost (the connection to the
	// database was lost and restored): state built from messages must be
	// rebuilt from the database.
	Reset()
}

// MaxMessage is the largest message a bus carries.
const MaxMessage = 1 << 20

// ErrTooLarge is returned for a message over MaxMessage.
var ErrTooLarge = errors.New("bus: message too large")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("bus: closed")

// Local is the bus of one process. The zero value is not usable; call
// NewLocal.
type Local struct {
	mu      sync.Mutex
	subs    map[int]Handler
	next    int
	pending [][]byte
	wake    chan struct{}
	closed  bool
	done    chan struct{}
}

// maxBacklog bounds the messages waiting for delivery on a Local bus.
const maxBacklog = 100000

// NewLocal starts an in-process bus; Close stops it.
func NewLocal() *Local {
	l := &Local{subs: map[int]Handler{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go l.run()
	return l
}

func (l *Local) run() {
	defer close(l.done)
	for range l.wake {
		for {
			l.mu.Lock()
			batch := l.pending
			l.pending = nil
			closed := l.closed
			hs := make([]Handler, 0, len(l.subs))
			for i := 0; i < l.next; i++ {
				if h, ok := l.subs[i]; ok {
					hs = append(hs, h)
				}
			}
			l.mu.Unlock()
			if len(batch) == 0 {
				if closed {
					return
				}
				break
			}
			for _, msg := range batch {
				for _, h := range hs {
					h.Receive(msg)
				}
			}
		}
	}
}

// Publish queues msg for every subscriber and returns at once (handlers may
// publish too without deadlocking the bus).
func (l *Local) Publish(ctx context.Context, msg []byte) error {
	if len(msg) > MaxMessage {
		return ErrTooLarge
	}
	m := append([]byte(nil), msg...)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return ErrClosed
	case len(l.pending) >= maxBacklog:
		return errors.New("bus: backlog full")
	}
	l.pending = append(l.pending, m)
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// Subscribe registers h.
func (l *Local) Subscribe(h Handler) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.next
	l.next++
	l.subs[id] = h
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.subs, id)
	}
}

// Close delivers the messages already published, then stops.
func (l *Local) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	close(l.wake)
	<-l.done
	return nil
}
