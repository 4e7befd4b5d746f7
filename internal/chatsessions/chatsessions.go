// Package chatsessions keeps chat sessions in the database, so that several
// govchat instances share them: a citizen whose socket was on an instance
// that went away resumes the same conversation (its public id, the context
// for follow-ups, its 转人工 conversation) on any other. It implements
// chat.SessionStore. Only a hash of each resume token is stored, and the
// turns' text is redacted (身份证号, phone numbers) like every stored text.
package chatsessions

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/sqldb"
)

// Schema is the sessions' table. Append steps; never edit one that has
// shipped.
var Schema = sqldb.Schema{
	Component: "chat_sessions",
	// Sessions are passing state (30 minutes idle): not copied by
	// migrate --from-sqlite.
	Steps: []sqldb.Step{{
		SQLite: `CREATE TABLE IF NOT EXISTS chat_sessions (
	token_hash TEXT PRIMARY KEY,
	id TEXT NOT NULL,
	turns TEXT NOT NULL,
	asked INTEGER NOT NULL,
	seen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_sessions_seen ON chat_sessions(seen);`,
		Postgres: `CREATE TABLE chat_sessions (
	token_hash TEXT PRIMARY KEY,
	id TEXT NOT NULL,
	turns TEXT NOT NULL,
	asked INTEGER NOT NULL,
	seen BIGINT NOT NULL
);
CREATE INDEX chat_sessions_seen ON chat_sessions(seen);`,
	}},
}

// Config configures a Store.
type Config struct {
	DB     *sqldb.DB           // required
	Redact func(string) string // required: applied to the turns' text
	// TTL is how long an idle session can be resumed (the hub's
	// SessionTTL, 30 minutes).
	TTL time.Duration
	Now func() time.Time
}

// Store is a chat.SessionStore on a database.
type Store struct {
	cfg Config

	mu     sync.Mutex
	purged time.Time
	// memo holds the redacted form of recent turn texts: a session is
	// saved after each answer with all its turns, of which only the last is
	// new.
	memo map[string]string
}

// maxMemo bounds the redacted texts remembered.
const maxMemo = 2048

var _ chat.SessionStore = (*Store)(nil)

// New migrates the table and returns the store.
func New(cfg Config) (*Store, error) {
	if cfg.DB == nil || cfg.Redact == nil {
		return nil, errors.New("chatsessions: a database and a redaction function are required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 30 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.DB.Migrate(context.Background(), Schema); err != nil {
		return nil, fmt.Errorf("chatsessions: %w", err)
	}
	return &Store{cfg: cfg, memo: map[string]string{}}, nil
}

func hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// redact is Config.Redact, remembered for recent texts.
func (s *Store) redact(text string) string {
	s.mu.Lock()
	r, ok := s.memo[text]
	s.mu.Unlock()
	if ok {
		return r
	}
	r = s.cfg.Redact(text)
	s.mu.Lock()
	if len(s.memo) >= maxMemo {
		for k := range s.memo { // forget an arbitrary half
			if len(s.memo) < maxMemo/2 {
				break
			}
			delete(s.memo, k)
		}
	}
	s.memo[text] = r
	s.mu.Unlock()
	return r
}

// LoadSession returns the session of a resume token unless it is unknown or
// idle past the TTL.
func (s *Store) LoadSession(ctx context.Context, token string) (chat.StoredSession, bool, error) {
	var st chat.StoredSession
	var turns string
	var seen int64
	err := s.cfg.DB.QueryRowContext(ctx, `SELECT id, turns, asked, seen FROM chat_sessions WHERE token_hash=?`, hash(token)).
		Scan(&st.ID, &turns, &st.Asked, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.StoredSession{}, false, nil
	}
	if err != nil {
		return chat.StoredSession{}, false, fmt.Errorf("chatsessions: load: %w", err)
	}
	st.Token, st.Seen = token, time.UnixMilli(seen)
	if s.cfg.Now().Sub(st.Seen) > s.cfg.TTL {
		return chat.StoredSession{}, false, nil
	}
	if err := json.Unmarshal([]byte(turns), &st.Turns); err != nil {
		return chat.StoredSession{}, false, fmt.Errorf("chatsessions: load: %w", err)
	}
	return st, true, nil
}

// SaveSessions writes sessions in one transaction, and now and then drops
// those idle past the TTL. Of two copies of a session (two instances held
// it), the one with more questions asked keeps its context.
func (s *Store) SaveSessions(ctx context.Context, ss []chat.StoredSession) error {
	tx, err := s.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("chatsessions: save: %w", err)
	}
	defer tx.Rollback()
	for _, st := range ss {
		turns := make([]govchat.Turn, len(st.Turns))
		for i, t := range st.Turns {
			t.Question, t.Answer = s.redact(t.Question), s.redact(t.Answer)
			turns[i] = t
		}
		b, err := json.Marshal(turns)
		if err != nil {
			return fmt.Errorf("chatsessions: save: %w", err)
		}
		seen := st.Seen
		if seen.IsZero() {
			seen = s.cfg.Now()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO chat_sessions(token_hash, id, turns, asked, seen) VALUES(?,?,?,?,?)
ON CONFLICT(token_hash) DO UPDATE SET
	turns = CASE WHEN excluded.asked >= chat_sessions.asked THEN excluded.turns ELSE chat_sessions.turns END,
	asked = CASE WHEN excluded.asked >= chat_sessions.asked THEN excluded.asked ELSE chat_sessions.asked END,
	seen = CASE WHEN excluded.seen > chat_sessions.seen THEN excluded.seen ELSE chat_sessions.seen END`,
			hash(st.Token), st.ID, string(b), st.Asked, seen.UnixMilli()); err != nil {
			return fmt.Errorf("chatsessions: save: %w", err)
		}
	}
	now := s.cfg.Now()
	s.mu.Lock()
	purge := now.Sub(s.purged) > time.Minute
	if purge {
		s.purged = now
	}
	s.mu.Unlock()
	if purge {
		if _, err := tx.ExecContext(ctx, `DELETE FROM chat_sessions WHERE seen < ?`, now.Add(-s.cfg.TTL).UnixMilli()); err != nil {
			return fmt.Errorf("chatsessions: purge: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("chatsessions: save: %w", err)
	}
	return nil
}
