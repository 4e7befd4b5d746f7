package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// TicketTTL is how long a websocket ticket may wait to be redeemed.
const TicketTTL = time.Minute

// tickets are one-time, short-lived tokens that let a signed-in page open an
// authenticated websocket without exposing its HttpOnly session cookie to
// script: the page fetches a ticket (the cookie authenticates that request)
// and sends it in its hello frame.
type tickets struct {
	mu sync.Mutex
	m  map[string]ticket
}

type ticket struct {
	tokenHash string
	expires   time.Time
}

// IssueTicket returns a one-time ticket for the session, valid for TicketTTL.
func (s *Service) IssueTicket(sess Session) (string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	t := "t_" + base64.RawURLEncoding.EncodeToString(raw)
	now := s.cfg.Now()
	s.tk.mu.Lock()
	defer s.tk.mu.Unlock()
	if s.tk.m == nil {
		s.tk.m = map[string]ticket{}
	}
	for k, v := range s.tk.m {
		if now.After(v.expires) {
			delete(s.tk.m, k)
		}
	}
	if len(s.tk.m) >= 10000 {
		return "", &RateLimitedError{RetryAfter: TicketTTL}
	}
	s.tk.m[t] = ticket{tokenHash: sess.tokenHash, expires: now.Add(TicketTTL)}
	return t, nil
}

// Redeem returns the live session behind a ticket (consuming it) or behind a
// session token, or ErrNoSession.
func (s *Service) Redeem(ctx context.Context, token string) (Session, error) {
	if len(token) > 2 && token[:2] == "t_" {
		s.tk.mu.Lock()
		t, ok := s.tk.m[token]
		delete(s.tk.m, token)
		s.tk.mu.Unlock()
		if !ok || s.cfg.Now().After(t.expires) {
			return Session{}, ErrNoSession
		}
		return s.authenticateHash(ctx, t.tokenHash)
	}
	return s.Authenticate(ctx, token)
}
