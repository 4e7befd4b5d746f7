package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/govchat/govchat/internal/sqldb"
)

// The sign-in throttle slows a password guesser without locking the real
// operator out:
//
//   - Per account and address: the first FreeFailures failed sign-ins in a
//     row from one address to one account cost nothing; after that each
//     further attempt from that address to that account waits BackoffBase,
//     doubling with every failure up to BackoffMax. A success from the
//     address clears its count; failures are forgotten a day after the last.
//     Failures from elsewhere never slow the operator's own address.
//   - Per address (all accounts): PerAddress failed sign-ins at once, then
//     one more every so often (Config.IPLimit). Successful sign-ins give
//     their token back.
//   - An account under a distributed attack (AttackFailures failed sign-ins
//     within a day, from all addresses) gets no free failures from addresses
//     it has not signed in from within KnownFor: their backoff starts at the
//     first failure. Addresses it signed in from keep theirs.
//
// No CAPTCHA, and no lockout: every wait is bounded and says how long.

// Throttle settings; zero fields take DefaultThrottle.
type Throttle struct {
	FreeFailures   int           // failures in a row per account and address before the backoff: 5
	BackoffBase    time.Duration // the first wait: 1 s
	BackoffMax     time.Duration // the longest wait: 15 min
	Forget         time.Duration // failures are forgotten this long after the last: 24 h
	AttackFailures int           // failures to one account within Forget that mark an attack: 100
	KnownFor       time.Duration // a successful sign-in makes its address known this long: 90 days
}

// DefaultThrottle is the sign-in throttle described above.
var DefaultThrottle = Throttle{FreeFailures: 5, BackoffBase: time.Second, BackoffMax: 15 * time.Minute,
	Forget: 24 * time.Hour, AttackFailures: 100, KnownFor: 90 * 24 * time.Hour}

func (t Throttle) withDefaults() Throttle {
	d := DefaultThrottle
	if t.FreeFailures <= 0 {
		t.FreeFailures = d.FreeFailures
	}
	if t.BackoffBase <= 0 {
		t.BackoffBase = d.BackoffBase
	}
	if t.BackoffMax <= 0 {
		t.BackoffMax = d.BackoffMax
	}
	if t.Forget <= 0 {
		t.Forget = d.Forget
	}
	if t.AttackFailures <= 0 {
		t.AttackFailures = d.AttackFailures
	}
	if t.KnownFor <= 0 {
		t.KnownFor = d.KnownFor
	}
	return t
}

// wait is how long a sign-in to an account from an address must wait,
// given that pair's record and the account's recent failures from all
// addresses.
func (t Throttle) wait(rec LoginRecord, accountFailures int, now time.Time) time.Duration {
	n := rec.Failures
	if n == 0 || rec.LastFailure.Before(now.Add(-t.Forget)) {
		return 0
	}
	free := t.FreeFailures
	known := !rec.LastSuccess.IsZero() && rec.LastSuccess.After(now.Add(-t.KnownFor))
	if accountFailures >= t.AttackFailures && !known {
		free = 0
	}
	if n <= free-1 {
		return 0
	}
	d := t.BackoffBase // after the first failure past the free ones
	for i := max(free, 1); i < n && d < t.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, t.BackoffMax)
	return max(0, rec.LastFailure.Add(d).Sub(now))
}

// throttleKey is the account a sign-in record is kept under: a hash of the
// name typed, so that the records hold no typed text (a mistyped password
// in the name field, a phone number) and unknown names are kept like real
// ones.
func throttleKey(username string) string {
	h := sha256.Sum256([]byte("govchat sign-in throttle\x00" + username))
	return hex.EncodeToString(h[:16])
}

// LoginRecord is what the throttle knows of one account signing in from one
// address (an IPv6 address counts by its /64).
type LoginRecord struct {
	Failures    int       // failed sign-ins in a row
	LastFailure time.Time // zero: none
	LastSuccess time.Time // zero: none
}

// ThrottleStore keeps the sign-in records per account and address — part of
// the account store's contract: the store here keeps them in the accounts'
// database (table login_throttle, auth.db or PostgreSQL), so that every
// govchat instance sharing the database throttles alike. Accounts are given as
// throttleKey of the lower-case name typed; unknown accounts are recorded
// like real ones (the throttle must not tell them apart).
type ThrottleStore interface {
	// Attempts returns the record of username at addr, and the failures
	// to username from all addresses whose last failure is at or after
	// since.
	Attempts(ctx context.Context, username, addr string, since time.Time) (LoginRecord, int, error)
	// Failed records a failed sign-in at at; a count whose last failure is
	// before resetBefore starts again at one.
	Failed(ctx context.Context, username, addr string, at, resetBefore time.Time) error
	// Succeeded clears the failures of username at addr and records the
	// success.
	Succeeded(ctx context.Context, username, addr string, at time.Time) error
	// Prune forgets the records with no failure since failedBefore and no
	// success since succeededBefore.
	Prune(ctx context.Context, failedBefore, succeededBefore time.Time) error
}

// dbThrottle is the ThrottleStore in the accounts' database (Schema).
type dbThrottle struct{ db *sqldb.DB }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

func (s dbThrottle) Attempts(ctx context.Context, username, addr string, since time.Time) (LoginRecord, int, error) {
	var rec LoginRecord
	var lf, ls int64
	err := s.db.QueryRowContext(ctx, `SELECT failures, last_failure, last_success FROM login_throttle WHERE username=? AND addr=?`, username, addr).
		Scan(&rec.Failures, &lf, &ls)
	if err != nil && err != sql.ErrNoRows {
		return rec, 0, fmt.Errorf("auth: throttle: %w", err)
	}
	rec.LastFailure, rec.LastSuccess = fromMS(lf), fromMS(ls)
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(failures), 0) FROM login_throttle WHERE username=? AND last_failure>=?`, username, ms(since)).Scan(&total); err != nil {
		return rec, 0, fmt.Errorf("auth: throttle: %w", err)
	}
	return rec, total, nil
}

func (s dbThrottle) Failed(ctx context.Context, username, addr string, at, resetBefore time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO login_throttle(username, addr, failures, last_failure) VALUES(?, ?, 1, ?)
		ON CONFLICT(username, addr) DO UPDATE SET
			failures = CASE WHEN login_throttle.last_failure < ? THEN 1 ELSE login_throttle.failures + 1 END,
			last_failure = excluded.last_failure`, username, addr, ms(at), ms(resetBefore))
	if err != nil {
		return fmt.Errorf("auth: throttle: %w", err)
	}
	return nil
}

func (s dbThrottle) Succeeded(ctx context.Context, username, addr string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO login_throttle(username, addr, failures, last_success) VALUES(?, ?, 0, ?)
		ON CONFLICT(username, addr) DO UPDATE SET failures = 0, last_success = excluded.last_success`, username, addr, ms(at))
	if err != nil {
		return fmt.Errorf("auth: throttle: %w", err)
	}
	return nil
}

func (s dbThrottle) Prune(ctx context.Context, failedBefore, succeededBefore time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_throttle WHERE last_failure < ? AND last_success < ?`, ms(failedBefore), ms(succeededBefore))
	if err != nil {
		return fmt.Errorf("auth: throttle: %w", err)
	}
	return nil
}
