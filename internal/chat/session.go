package chat

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/ratelimit"
)

// Session is one conversation: its multi-turn context and the sockets
// attached to it. A client resumes it after a reconnect with the token.
type Session struct {
	// ID is the public id: stored in history and shown to operators.
	ID string
	// token is the secret that resumes the session.
	token string

	mu    sync.Mutex
	turns []govchat.Turn
	asked int // questions asked in this session
	// last is the id of the latest answer given, kept as a turn or not
	// (a refusal is not): what a complaint (不对) is about.
	last     string
	lastSeen time.Time
	clients  map[*Client]struct{}
	limit    ratelimit.Bucket
	values   map[string]any
}

// Token is the secret resume token.
func (s *Session) Token() string { return s.token }

// Turns returns a copy of the conversation so far, oldest first.
func (s *Session) Turns() []govchat.Turn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]govchat.Turn(nil), s.turns...)
}

// Asked is the number of questions asked in the session.
func (s *Session) Asked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked
}

// Value returns a value stored on the session by an extension (the handoff
// queue, for instance).
func (s *Session) Value(key string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[key]
}

// SetValue stores a value on the session.
func (s *Session) SetValue(key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]any{}
	}
	s.values[key] = v
}

func (s *Session) addTurn(t govchat.Turn, maxTurns, maxRunes int) {
	if r := []rune(t.Answer); len(r) > maxRunes {
		t.Answer = string(r[:maxRunes])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.turns = append(s.turns, t)
	if len(s.turns) > maxTurns {
		s.turns = append(s.turns[:0:0], s.turns[len(s.turns)-maxTurns:]...)
	}
}

func (s *Session) clientList() []*Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Client, 0, len(s.clients))
	for c := range s.clients {
		out = append(out, c)
	}
	return out
}

// sessions is the in-memory session table, bounded in size and idle time.
type sessions struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	byToken map[string]*Session
	byID    map[string]*Session
}

func newSessions(ttl time.Duration, max int) *sessions {
	return &sessions{ttl: ttl, max: max, byToken: map[string]*Session{}, byID: map[string]*Session{}}
}

// get returns the live session with token, touching it; nil when unknown or
// expired.
func (ss *sessions) get(token string, now time.Time) *Session {
	if token == "" {
		return nil
	}
	ss.mu.Lock()
	s := ss.byToken[token]
	ss.mu.Unlock()
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.clients) == 0 && now.Sub(s.lastSeen) > ss.ttl {
		return nil
	}
	s.lastSeen = now
	return s
}

// adopt adds a session loaded from the store, unless one with its token
// appeared meanwhile (which is then returned).
func (ss *sessions) adopt(s *Session) *Session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if old := ss.byToken[s.token]; old != nil {
		return old
	}
	if len(ss.byToken) >= ss.max {
		ss.evictLocked()
	}
	ss.byToken[s.token] = s
	ss.byID[s.ID] = s
	return s
}

func (ss *sessions) byPublicID(id string) *Session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.byID[id]
}

// create makes a new session, evicting the longest-idle unattached sessions
// when the table is full.
func (ss *sessions) create(now time.Time, r Rate) *Session {
	s := &Session{ID: "s_" + randomHex(8), token: randomToken(), lastSeen: now, clients: map[*Client]struct{}{}, limit: ratelimit.Full(r.limit(), now)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byToken) >= ss.max {
		ss.evictLocked()
	}
	ss.byToken[s.token] = s
	ss.byID[s.ID] = s
	return s
}

// evictLocked forgets the longest-idle sessions that no socket is attached
// to: one percent of the table at once, so that a full table costs one scan
// per hundred new sessions rather than one per session.
func (ss *sessions) evictLocked() {
	type idle struct {
		s    *Session
		seen time.Time
	}
	var list []idle
	for _, s := range ss.byToken {
		s.mu.Lock()
		if len(s.clients) == 0 {
			list = append(list, idle{s, s.lastSeen})
		}
		s.mu.Unlock()
	}
	n := min(len(list), max(1, ss.max/100))
	if n < len(list) {
		slices.SortFunc(list, func(a, b idle) int { return a.seen.Compare(b.seen) })
	}
	for _, x := range list[:n] {
		delete(ss.byToken, x.s.token)
		delete(ss.byID, x.s.ID)
	}
}

// sweep removes expired sessions that no socket is attached to and
// returns those that one is (still in use: their stored copy is refreshed).
func (ss *sessions) sweep(now time.Time) (attached []*Session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for tok, s := range ss.byToken {
		s.mu.Lock()
		n := len(s.clients)
		expired := n == 0 && now.Sub(s.lastSeen) > ss.ttl
		if n > 0 {
			s.lastSeen = now
		}
		s.mu.Unlock()
		if expired {
			delete(ss.byToken, tok)
			delete(ss.byID, s.ID)
		}
		if n > 0 {
			attached = append(attached, s)
		}
	}
	return attached
}

func (ss *sessions) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byToken)
}

func (s *Session) attach(c *Client, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c] = struct{}{}
	s.lastSeen = now
}

func (s *Session) detach(c *Client, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clients, c)
	s.lastSeen = now
}

// allow applies the per-session question rate.
func (s *Session) allow(r Rate, now time.Time) time.Duration {
	if !r.enabled() {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limit.Take(r.limit(), now)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
