// Package auth holds operator and admin accounts, their sign-in sessions,
// login rate limits and the audit trail of what signed-in staff did.
//
// Accounts and sessions live in an embedded SQLite file (data/auth.db by
// default). Passwords are hashed with argon2id; a session token is 32 random
// bytes handed to the browser once, and only its SHA-256 is stored, so a copy
// of the database does not let anyone sign in.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"

	"github.com/govchat/govchat/internal/ratelimit"
)

// Role is what a signed-in account may do.
type Role string

// Roles. An admin may do everything an operator may, plus manage the review
// list, reports and accounts.
const (
	RoleOperator Role = "operator"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOperator || r == RoleAdmin }

// Label is the Chinese name of the role.
func (r Role) Label() string {
	switch r {
	case RoleOperator:
		return "坐席"
	case RoleAdmin:
		return "管理员"
	}
	return string(r)
}

// Allows reports whether an account with role r may use something that
// requires want.
func (r Role) Allows(want Role) bool { return r == want || r == RoleAdmin }

// User is an operator or admin account.
type User struct {
	ID       int64     `json:"id"`
	Username string    `json:"username"` // sign-in name
	Name     string    `json:"name"`     // real name, shown to colleagues only
	StaffNo  string    `json:"staff_no"` // 工号, the only identity citizens see
	Role     Role      `json:"role"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_login,omitzero"`
}

// Session is a signed-in account.
type Session struct {
	User    User      `json:"user"`
	Expires time.Time `json:"expires"`
	// tokenHash identifies the session for Logout.
	tokenHash string
}

// Errors. Callers show their own Chinese message; these carry no detail that
// would tell an attacker whether an account exists.
var (
	ErrBadCredentials = errors.New("auth: wrong username or password")
	ErrNoSession      = errors.New("auth: not signed in or session expired")
	ErrExists         = errors.New("auth: username or staff number already exists")
	ErrNotFound       = errors.New("auth: no such user")
	ErrInvalid        = errors.New("auth: invalid account data")
)

// RateLimitedError is returned by Login when too many attempts came from one
// address or for one account.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("auth: too many login attempts, retry after %s", e.RetryAfter.Round(time.Second))
}

// Config configures a Service.
type Config struct {
	// DB is the database (shared with other stores; not closed by Close).
	// When nil, Path is opened as a SQLite file of the accounts' own.
	DB *sqldb.DB
	// Path is the SQLite file used without DB; its directory is created.
	Path string
	// SessionTTL is how long a session lasts after sign-in; default 12h (a
	// long shift).
	SessionTTL time.Duration
	// Hash are the argon2id costs for new passwords; zero: DefaultHashParams.
	Hash HashParams
	// IPLimit bounds failed sign-ins per client address, all accounts (an
	// IPv6 address counts by its /64); default 20 at once, one more every
	// 15 s. Successful sign-ins do not count.
	IPLimit ratelimit.Rate
	// Throttle slows failed sign-ins per account and address (see
	// throttle.go); zero fields take DefaultThrottle.
	Throttle Throttle
	// ThrottleStore keeps the sign-in records; nil: the login_throttle
	// table of this database.
	ThrottleStore ThrottleStore
	// MaxHashing bounds the password checks that run at once (each holds
	// the hash's memory, 19 MiB by default); default 4. A sign-in that finds
	// no free slot within HashWait is refused as rate limited.
	MaxHashing int
	// HashWait is how long a sign-in waits for a free slot; default 5 s.
	HashWait time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Service manages accounts and sessions. It is safe for concurrent use.
type Service struct {
	db       *sqldb.DB
	owned    bool // db was opened by New and is closed by Close
	cfg      Config
	ipLim    *ratelimit.Keyed
	throttle ThrottleStore
	pruned   atomic.Int64 // unix seconds of the last Prune
	dummy    string       // hash checked for unknown users, so timing does not tell
	// hashing holds one token per password check running.
	hashing chan struct{}
}

// New opens (creating if needed) the account database at cfg.Path.
func New(cfg Config) (*Service, error) {
	if cfg.Path == "" && cfg.DB == nil {
		return nil, errors.New("auth: a database is required")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Hash == (HashParams{}) {
		cfg.Hash = DefaultHashParams()
	}
	if cfg.IPLimit.Burst <= 0 || cfg.IPLimit.Every <= 0 {
		cfg.IPLimit = ratelimit.Rate{Burst: 20, Every: 15 * time.Second}
	}
	cfg.Throttle = cfg.Throttle.withDefaults()
	if cfg.MaxHashing <= 0 {
		cfg.MaxHashing = 4
	}
	if cfg.HashWait <= 0 {
		cfg.HashWait = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	db, owned := cfg.DB, false
	if db == nil {
		var err error
		if db, err = sqlite.OpenDB(cfg.Path); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		owned = true
	}
	closeOwned := func() {
		if owned {
			db.Close()
		}
	}
	if err := db.Migrate(context.Background(), Schema); err != nil {
		closeOwned()
		return nil, fmt.Errorf("auth: %w", err)
	}
	dummy, err := HashPassword("dummy-password-for-timing", cfg.Hash)
	if err != nil {
		closeOwned()
		return nil, err
	}
	throttle := cfg.ThrottleStore
	if throttle == nil {
		throttle = dbThrottle{db}
	}
	return &Service{db: db, owned: owned, cfg: cfg, ipLim: ratelimit.NewKeyed(cfg.IPLimit, 10000), throttle: throttle, dummy: dummy,
		hashing: make(chan struct{}, cfg.MaxHashing)}, nil
}

// Close closes the database when New opened it (Config.Path).
func (s *Service) Close() error {
	if !s.owned {
		return nil
	}
	return s.db.Close()
}

// Ping checks that the account database answers.
func (s *Service) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Schema is the accounts' tables: accounts, sign-in sessions, the audit
// trail, and websocket tickets. Append steps; never edit one that has
// shipped.
var Schema = sqldb.Schema{
	Component: "auth",
	Tables:    []string{"users", "sessions", "audit"},
	Steps: []sqldb.Step{{
		SQLite: `
CREATE TABLE IF NOT EXISTS users (
	id INTEGER PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	staff_no TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	pw_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	last_login INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
	token_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires);
CREATE TABLE IF NOT EXISTS audit (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL,
	staff_no TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);`,
		Postgres: `
CREATE TABLE users (
	id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	staff_no TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	pw_hash TEXT NOT NULL,
	disabled BOOLEAN NOT NULL DEFAULT false,
	created BIGINT NOT NULL,
	last_login BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created BIGINT NOT NULL,
	expires BIGINT NOT NULL,
	ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_expires ON sessions(expires);
CREATE TABLE audit (
	id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	staff_no TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);`,
	}, {
		// Websocket tickets live in the database so that a ticket issued by
		// one instance opens a socket on another (behind a load balancer).
		SQLite: `CREATE TABLE IF NOT EXISTS tickets (
	ticket_hash TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL,
	expires INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_expires ON tickets(expires);`,
		Postgres: `CREATE TABLE tickets (
	ticket_hash TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL,
	expires BIGINT NOT NULL
);
CREATE INDEX tickets_expires ON tickets(expires);`,
	}, {
		// The sign-in throttle per account and address (throttle.go): in
		// the database, so that every instance throttles alike.
		SQLite: `
CREATE TABLE IF NOT EXISTS login_throttle (
	username TEXT NOT NULL,
	addr TEXT NOT NULL,
	failures INTEGER NOT NULL DEFAULT 0,
	last_failure INTEGER NOT NULL DEFAULT 0, -- unix milliseconds
	last_success INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (username, addr)
);
CREATE INDEX IF NOT EXISTS login_throttle_user ON login_throttle(username, last_failure);`,
		Postgres: `
CREATE TABLE login_throttle (
	username TEXT NOT NULL,
	addr TEXT NOT NULL,
	failures INTEGER NOT NULL DEFAULT 0,
	last_failure BIGINT NOT NULL DEFAULT 0,
	last_success BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (username, addr)
);
CREATE INDEX login_throttle_user ON login_throttle(username, last_failure);`,
	}},
}

var (
	usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
	staffNoRe  = regexp.MustCompile(`^[A-Za-z0-9-]{1,16}$`)
)

// NewUser is the data for AddUser.
type NewUser struct {
	Username string
	Name     string
	StaffNo  string
	Role     Role
	Password string
}

// Validate checks the fields (the password is checked when hashed).
func (n NewUser) Validate() error {
	var errs []error
	if !usernameRe.MatchString(n.Username) {
		errs = append(errs, errors.New("username: 2-32 lowercase letters, digits, . _ -"))
	}
	if !staffNoRe.MatchString(n.StaffNo) {
		errs = append(errs, errors.New("staff number (工号): 1-16 letters, digits or -"))
	}
	if name := strings.TrimSpace(n.Name); name == "" || utf8.RuneCountInString(name) > 32 || !utf8.ValidString(name) || strings.ContainsFunc(name, isControl) {
		errs = append(errs, errors.New("name: 1-32 characters"))
	}
	if !n.Role.Valid() {
		errs = append(errs, fmt.Errorf("role: %q (want operator or admin)", n.Role))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// AddUser creates an account.
func (s *Service) AddUser(ctx context.Context, n NewUser) (User, error) {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.StaffNo = strings.TrimSpace(n.StaffNo)
	n.Name = strings.TrimSpace(n.Name)
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(n.Password, s.cfg.Hash)
	if err != nil {
		return User{}, err
	}
	now := s.cfg.Now()
	id, err := s.db.InsertID(ctx, `INSERT INTO users(username,name,staff_no,role,pw_hash,created) VALUES(?,?,?,?,?,?)`,
		n.Username, n.Name, n.StaffNo, string(n.Role), hash, now.Unix())
	if err != nil {
		if sqldb.IsUnique(err) {
			return User{}, ErrExists
		}
		return User{}, fmt.Errorf("auth: add user: %w", err)
	}
	return User{ID: id, Username: n.Username, Name: n.Name, StaffNo: n.StaffNo, Role: n.Role, Created: now.Truncate(time.Second)}, nil
}

const userCols = `id,username,name,staff_no,role,disabled,created,last_login`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	var disabled bool
	var created, last int64
	if err := row.Scan(&u.ID, &u.Username, &u.Name, &u.StaffNo, &role, &disabled, &created, &last); err != nil {
		return User{}, err
	}
	u.Role, u.Disabled, u.Created = Role(role), disabled, time.Unix(created, 0)
	if last > 0 {
		u.LastSeen = time.Unix(last, 0)
	}
	return u, nil
}

// Users lists every account, by username.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// User returns the account with username.
func (s *Service) User(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE username=?`, strings.ToLower(username)))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: user: %w", err)
	}
	return u, nil
}

// SetDisabled disables (ending its sessions) or re-enables an account.
func (s *Service) SetDisabled(ctx context.Context, username string, disabled bool) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE users SET disabled=? WHERE username=?`, disabled, strings.ToLower(username))
	if err != nil {
		return fmt.Errorf("auth: disable: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if disabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=(SELECT id FROM users WHERE username=?)`, strings.ToLower(username)); err != nil {
			return fmt.Errorf("auth: disable: %w", err)
		}
	}
	return tx.Commit()
}

// SetPassword replaces an account's password and ends its sessions.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	hash, err := HashPassword(password, s.cfg.Hash)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE users SET pw_hash=? WHERE username=?`, hash, strings.ToLower(username))
	if err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=(SELECT id FROM users WHERE username=?)`, strings.ToLower(username)); err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	return tx.Commit()
}

// Login checks a username and password from the client at ip and returns a
// new session token (to hand to the client once) and the session. Failed
// sign-ins are throttled per account and address and limited per address
// (see Throttle); over a limit it returns *RateLimitedError without
// checking the password.
func (s *Service) Login(ctx context.Context, username, password, ip string) (string, Session, error) {
	now := s.cfg.Now()
	username = strings.ToLower(strings.TrimSpace(username))
	addr := ratelimit.Key(ip)
	if wait := s.ipLim.Take(addr, now); wait > 0 {
		return "", Session{}, &RateLimitedError{RetryAfter: wait}
	}
	// Only a failed password check keeps the address's token.
	failed := false
	defer func() {
		if !failed {
			s.ipLim.Give(addr, now)
		}
	}()
	s.prune(ctx, now)
	tc := s.cfg.Throttle
	account := throttleKey(username) // what was typed is not stored
	rec, accountFailures, err := s.throttle.Attempts(ctx, account, addr, now.Add(-tc.Forget))
	if err != nil {
		return "", Session{}, err
	}
	if wait := tc.wait(rec, accountFailures, now); wait > 0 {
		return "", Session{}, &RateLimitedError{RetryAfter: wait}
	}
	var u User
	var hash string
	var role string
	var disabled bool
	var created, last int64
	err = s.db.QueryRowContext(ctx, `SELECT `+userCols+`,pw_hash FROM users WHERE username=?`, username).
		Scan(&u.ID, &u.Username, &u.Name, &u.StaffNo, &role, &disabled, &created, &last, &hash)
	known := true
	switch {
	case errors.Is(err, sql.ErrNoRows):
		known, hash = false, s.dummy // the same work, so timing does not tell
	case err != nil:
		return "", Session{}, fmt.Errorf("auth: login: %w", err)
	}
	ok, err := s.checkPassword(ctx, hash, password)
	if err != nil {
		return "", Session{}, err
	}
	u.Role, u.Disabled, u.Created = Role(role), disabled, time.Unix(created, 0)
	if !known || !ok || u.Disabled {
		failed = true
		if err := s.throttle.Failed(ctx, account, addr, now, now.Add(-tc.Forget)); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, ErrBadCredentials
	}
	if err := s.throttle.Succeeded(ctx, account, addr, now); err != nil {
		return "", Session{}, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, fmt.Errorf("auth: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	th := hashToken(token)
	exp := now.Add(s.cfg.SessionTTL)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", Session{}, fmt.Errorf("auth: login: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires<=?`, now.Unix()); err != nil {
		return "", Session{}, fmt.Errorf("auth: login: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions(token_hash,user_id,created,expires,ip) VALUES(?,?,?,?,?)`, th, u.ID, now.Unix(), exp.Unix(), ip); err != nil {
		return "", Session{}, fmt.Errorf("auth: login: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login=? WHERE id=?`, now.Unix(), u.ID); err != nil {
		return "", Session{}, fmt.Errorf("auth: login: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", Session{}, fmt.Errorf("auth: login: %w", err)
	}
	u.LastSeen = now.Truncate(time.Second)
	return token, Session{User: u, Expires: time.Unix(exp.Unix(), 0), tokenHash: th}, nil
}

// prune forgets old sign-in records, at most once an hour.
func (s *Service) prune(ctx context.Context, now time.Time) {
	last := s.pruned.Load()
	if now.Unix()-last < 3600 || !s.pruned.CompareAndSwap(last, now.Unix()) {
		return
	}
	th := s.cfg.Throttle
	s.throttle.Prune(ctx, now.Add(-th.Forget), now.Add(-th.KnownFor))
}

// checkPassword runs CheckPassword once a hashing slot is free, so that
// concurrent sign-ins cannot exhaust memory (each check holds the hash's
// memory cost). Without a slot within HashWait it returns *RateLimitedError.
func (s *Service) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	t := time.NewTimer(s.cfg.HashWait)
	defer t.Stop()
	select {
	case s.hashing <- struct{}{}:
	case <-t.C:
		return false, &RateLimitedError{RetryAfter: s.cfg.HashWait}
	case <-ctx.Done():
		return false, fmt.Errorf("auth: login: %w", ctx.Err())
	}
	defer func() { <-s.hashing }()
	return CheckPassword(hash, password)
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Authenticate returns the live session of token, or ErrNoSession when the
// token is unknown, expired or its account disabled.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, ErrNoSession
	}
	return s.authenticateHash(ctx, hashToken(token))
}

func (s *Service) authenticateHash(ctx context.Context, th string) (Session, error) {
	var u User
	var role string
	var disabled bool
	var created, last, exp int64
	err := s.db.QueryRowContext(ctx, `SELECT u.id,u.username,u.name,u.staff_no,u.role,u.disabled,u.created,u.last_login,s.expires
FROM sessions s JOIN users u ON u.id=s.user_id WHERE s.token_hash=?`, th).
		Scan(&u.ID, &u.Username, &u.Name, &u.StaffNo, &role, &disabled, &created, &last, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("auth: authenticate: %w", err)
	}
	u.Role, u.Disabled, u.Created = Role(role), disabled, time.Unix(created, 0)
	if last > 0 {
		u.LastSeen = time.Unix(last, 0)
	}
	if u.Disabled || !u.Role.Valid() || s.cfg.Now().Unix() >= exp {
		return Session{}, ErrNoSession
	}
	return Session{User: u, Expires: time.Unix(exp, 0), tokenHash: th}, nil
}

// Logout ends the session of token. Ending an unknown session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash=?`, hashToken(token)); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// HasLiveSession reports whether username is enabled and has a session that
// has not expired (live websockets of an account without one are closed).
func (s *Service) HasLiveSession(ctx context.Context, username string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions s JOIN users u ON u.id=s.user_id
WHERE u.username=? AND NOT u.disabled AND s.expires>?`, strings.ToLower(username), s.cfg.Now().Unix()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("auth: live session: %w", err)
	}
	return n > 0, nil
}
