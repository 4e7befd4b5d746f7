package wechat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"
)

// TokenPrefix starts every govchat WeChat session token, so that a leaked
// token is recognisable (and greppable by secret scanners).
const TokenPrefix = "gcwx_"

// StoreConfig configures a Store.
type StoreConfig struct {
	// DB is the database (shared with other stores; not closed by Close).
	// When nil, Path is opened as a SQLite file of the tokens' own.
	DB *sqldb.DB
	// Path is the SQLite file used without DB, e.g. data/wechat.db;
	// ":memory:" keeps sessions in memory (tests). The directory is
	// created if missing.
	Path string
	// TTL is how long a token stays valid after login, default 7 days.
	TTL time.Duration
	// MaxPerUser bounds the live tokens of one openid; logging in again
	// beyond it ends the oldest. Default 5.
	MaxPerUser int
	// Now is the clock, default time.Now.
	Now func() time.Time
}

// Store keeps session tokens. Only the SHA-256 hash of a token is stored, so
// a copy of the database does not let anyone sign in.
type Store struct {
	db         *sqldb.DB
	owned      bool
	ttl        time.Duration
	maxPerUser int
	now        func() time.Time
}

// Identity is who a verified token belongs to.
type Identity struct {
	OpenID    string
	UnionID   string
	ExpiresAt time.Time
}

// Token is a freshly issued session token. Value is shown to the client once
// and never stored.
type Token struct {
	Value     string
	ExpiresAt time.Time
}

// OpenStore opens (creating if needed) the token database.
func OpenStore(cfg StoreConfig) (*Store, error) {
	if cfg.Path == "" && cfg.DB == nil {
		return nil, errors.New("wechat: store: no database")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 7 * 24 * time.Hour
	}
	if cfg.MaxPerUser <= 0 {
		cfg.MaxPerUser = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	db, owned := cfg.DB, false
	if db == nil {
		var err error
		if db, err = sqlite.OpenDB(cfg.Path); err != nil {
			return nil, fmt.Errorf("wechat: store: %w", err)
		}
		owned = true
	}
	if err := db.Migrate(context.Background(), StoreSchema); err != nil {
		if owned {
			db.Close()
		}
		return nil, fmt.Errorf("wechat: store: %w", err)
	}
	return &Store{db: db, owned: owned, ttl: cfg.TTL, maxPerUser: cfg.MaxPerUser, now: cfg.Now}, nil
}

// StoreSchema is the token table. Append steps; never edit one that has
// shipped.
var StoreSchema = sqldb.Schema{
	Component: "wechat",
	Tables:    []string{"wechat_sessions"},
	Steps: []sqldb.Step{{
		SQLite: `
CREATE TABLE IF NOT EXISTS wechat_sessions (
	token_hash BLOB PRIMARY KEY,
	openid     TEXT NOT NULL,
	unionid    TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS wechat_sessions_openid ON wechat_sessions(openid, created_at);
CREATE INDEX IF NOT EXISTS wechat_sessions_expires ON wechat_sessions(expires_at);`,
		Postgres: `
CREATE TABLE wechat_sessions (
	token_hash BYTEA PRIMARY KEY,
	openid     TEXT NOT NULL,
	unionid    TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX wechat_sessions_openid ON wechat_sessions(openid, created_at);
CREATE INDEX wechat_sessions_expires ON wechat_sessions(expires_at);`,
	}},
}

// Close closes the database when OpenStore opened it (StoreConfig.Path).
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	return s.db.Close()
}

// hashToken is the stored form of a token.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Issue creates a new token for the user, removes expired tokens and keeps at
// most MaxPerUser live tokens for the openid.
func (s *Store) Issue(ctx context.Context, sess Session) (Token, error) {
	if sess.OpenID == "" {
		return Token{}, errors.New("wechat: store: issue: empty openid")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Token{}, fmt.Errorf("wechat: store: issue: %w", err)
	}
	tok := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	exp := now.Add(s.ttl)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Token{}, fmt.Errorf("wechat: store: issue: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM wechat_sessions WHERE expires_at <= ?`, now.UnixNano()); err != nil {
		return Token{}, fmt.Errorf("wechat: store: purge: %w", err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO wechat_sessions(token_hash, openid, unionid, created_at, expires_at) VALUES(?,?,?,?,?)`,
		hashToken(tok), sess.OpenID, sess.UnionID, now.UnixNano(), exp.UnixNano()); err != nil {
		return Token{}, fmt.Errorf("wechat: store: issue: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
DELETE FROM wechat_sessions WHERE openid = ? AND token_hash NOT IN (
	SELECT token_hash FROM wechat_sessions WHERE openid = ? ORDER BY created_at DESC LIMIT ?)`,
		sess.OpenID, sess.OpenID, s.maxPerUser); err != nil {
		return Token{}, fmt.Errorf("wechat: store: trim: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Token{}, fmt.Errorf("wechat: store: issue: %w", err)
	}
	return Token{Value: tok, ExpiresAt: exp}, nil
}

// Verify returns the identity a live token belongs to. An unknown, expired,
// revoked or malformed token is an error matching ErrUnauthorized.
func (s *Store) Verify(ctx context.Context, token string) (Identity, error) {
	if !wellFormed(token) {
		return Identity{}, &Error{Code: CodeUnauthorized, Err: errors.New("malformed token")}
	}
	var id Identity
	var exp int64
	err := s.db.QueryRowContext(ctx,
		`SELECT openid, unionid, expires_at FROM wechat_sessions WHERE token_hash = ?`, hashToken(token)).
		Scan(&id.OpenID, &id.UnionID, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, &Error{Code: CodeUnauthorized, Err: errors.New("unknown token")}
	}
	if err != nil {
		return Identity{}, &Error{Code: CodeInternal, Err: fmt.Errorf("store: verify: %w", err)}
	}
	id.ExpiresAt = time.Unix(0, exp)
	if !s.now().Before(id.ExpiresAt) {
		return Identity{}, &Error{Code: CodeUnauthorized, Err: errors.New("token expired")}
	}
	return id, nil
}

// Revoke ends a token (logout). Revoking an unknown token is not an error.
func (s *Store) Revoke(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM wechat_sessions WHERE token_hash = ?`, hashToken(token)); err != nil {
		return fmt.Errorf("wechat: store: revoke: %w", err)
	}
	return nil
}

// wellFormed reports whether token has the shape Issue produces, so that
// garbage never reaches the database.
func wellFormed(token string) bool {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}
