package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// TicketTTL is how long a websocket ticket may wait to be redeemed.
const TicketTTL = time.Minute

// maxTickets bounds the tickets waiting to be redeemed.
const maxTickets = 10000

// Tickets are one-time, short-lived tokens that let a signed-in page open an
// authenticated websocket without exposing its HttpOnly session cookie to
// script: the page fetches a ticket (the cookie authenticates that request)
// and sends it in its hello frame. They are kept in the database (only a
// hash of each), so that behind a load balancer the socket may open on
// another instance than the one that issued the ticket.

// IssueTicket returns a one-time ticket for the session, valid for TicketTTL.
func (s *Service) IssueTicket(sess Session) (string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	t := "t_" + base64.RawURLEncoding.EncodeToString(raw)
	now := s.cfg.Now()
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM tickets WHERE expires<?`, now.UnixMilli()); err != nil {
		return "", fmt.Errorf("auth: ticket: %w", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		return "", fmt.Errorf("auth: ticket: %w", err)
	}
	if n >= maxTickets {
		return "", &RateLimitedError{RetryAfter: TicketTTL}
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO tickets(ticket_hash,token_hash,expires) VALUES(?,?,?)`,
		hashToken(t), sess.tokenHash, now.Add(TicketTTL).UnixMilli()); err != nil {
		return "", fmt.Errorf("auth: ticket: %w", err)
	}
	return t, nil
}

// Redeem returns the live session behind a ticket (consuming it) or behind a
// session token, or ErrNoSession.
func (s *Service) Redeem(ctx context.Context, token string) (Session, error) {
	if len(token) > 2 && len(token) <= 128 && token[:2] == "t_" {
		var th string
		var exp int64
		err := s.db.QueryRowContext(ctx, `DELETE FROM tickets WHERE ticket_hash=? RETURNING token_hash, expires`, hashToken(token)).Scan(&th, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			return Session{}, ErrNoSession
		}
		if err != nil {
			return Session{}, fmt.Errorf("auth: ticket: %w", err)
		}
		if s.cfg.Now().UnixMilli() > exp {
			return Session{}, ErrNoSession
		}
		return s.authenticateHash(ctx, th)
	}
	return s.Authenticate(ctx, token)
}
