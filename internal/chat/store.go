package chat

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/ratelimit"
)

// SessionStore keeps sessions beyond this process, so that a client whose
// instance went away resumes its session — the same public id, the same
// context for follow-ups — on any other (internal/chatsessions, on the
// shared PostgreSQL database). Without one, sessions live in this
// process's memory only.
type SessionStore interface {
	// LoadSession returns the stored session of a resume token; ok is false
	// when there is none (unknown, or idle past the session TTL).
	LoadSession(ctx context.Context, token string) (s StoredSession, ok bool, err error)
	// SaveSessions stores (or refreshes) sessions.
	SaveSessions(ctx context.Context, ss []StoredSession) error
}

// StoredSession is what a SessionStore keeps of a session.
type StoredSession struct {
	Token string // the secret resume token (a store keeps only its hash)
	ID    string // the public id
	Turns []govchat.Turn
	Asked int
	Seen  time.Time
}

// HelloObserver is told when a client has been attached to its session by
// a hello frame: a new session, or a resumed one. The handoff desk tells a
// citizen who comes back (after a reconnect, perhaps to another instance)
// where their conversation with an operator stands. It runs on the
// client's reader goroutine and must not block.
type HelloObserver func(ctx context.Context, c *Client, resumed bool)

// OnHello adds an observer of hellos. Register observers before serving.
func (h *Hub) OnHello(fn HelloObserver) { h.helloObs = append(h.helloObs, fn) }

// persister writes changed sessions to the SessionStore in batches, a
// little after they change, so that answering never waits for it.
type persister struct {
	store SessionStore
	every time.Duration
	log   *slog.Logger

	mu    sync.Mutex
	dirty map[*Session]struct{}
	stop  chan struct{}
	done  chan struct{}
}

func newPersister(store SessionStore, every time.Duration, log *slog.Logger) *persister {
	p := &persister{store: store, every: every, log: log, dirty: map[*Session]struct{}{}, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

// save writes a new session at once, so that another instance can resume
// it even if this one dies a moment later (its later changes are written
// in batches); if that fails it is written with the next batch.
func (p *persister) save(s *Session) {
	if p == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := p.store.SaveSessions(ctx, []StoredSession{s.stored()}); err != nil {
		p.log.Error("chat: saving a new session", slog.Any("error", err))
		p.touch(s)
	}
}

// touch marks s to be written.
func (p *persister) touch(s *Session) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.dirty[s] = struct{}{}
	p.mu.Unlock()
}

func (p *persister) run() {
	defer close(p.done)
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.flush()
		case <-p.stop:
			p.flush()
			return
		}
	}
}

func (p *persister) flush() {
	p.mu.Lock()
	if len(p.dirty) == 0 {
		p.mu.Unlock()
		return
	}
	batch := make([]StoredSession, 0, len(p.dirty))
	for s := range p.dirty {
		batch = append(batch, s.stored())
	}
	p.dirty = map[*Session]struct{}{}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.store.SaveSessions(ctx, batch); err != nil {
		p.log.Error("chat: saving sessions", slog.Int("sessions", len(batch)), slog.Any("error", err))
	}
}

// close writes what is left and stops.
func (p *persister) close() {
	if p == nil {
		return
	}
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

func (s *Session) stored() StoredSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StoredSession{Token: s.token, ID: s.ID, Turns: append([]govchat.Turn(nil), s.turns...), Asked: s.asked, Seen: s.lastSeen}
}

// load asks the store for a session this process does not hold and adopts
// it; nil when there is none or the store fails (the client then starts a
// new session, as it would without a store).
func (h *Hub) load(token string, now time.Time) *Session {
	if h.cfg.Sessions == nil || token == "" || len(token) > 128 {
		return nil
	}
	ctx, cancel := context.WithTimeout(h.baseCtx, 3*time.Second)
	defer cancel()
	st, ok, err := h.cfg.Sessions.LoadSession(ctx, token)
	if err != nil {
		h.log.Error("chat: loading a session", slog.Any("error", err))
		return nil
	}
	if !ok {
		return nil
	}
	s := &Session{ID: st.ID, token: token, turns: st.Turns, asked: st.Asked, lastSeen: now, clients: map[*Client]struct{}{},
		limit: ratelimit.Full(h.cfg.SessionRate.limit(), now)}
	return h.sessions.adopt(s)
}

// refresh brings a session this hub holds up to date with the stored copy
// when a client resumes it: another instance may have answered in it since
// (the client moved there and back). The copy with more questions asked
// wins.
func (h *Hub) refresh(s *Session) {
	if h.cfg.Sessions == nil {
		return
	}
	ctx, cancel := context.WithTimeout(h.baseCtx, 3*time.Second)
	defer cancel()
	st, ok, err := h.cfg.Sessions.LoadSession(ctx, s.token)
	if err != nil || !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Asked > s.asked {
		s.turns, s.asked = st.Turns, st.Asked
	}
}
