package auth

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/ratelimit"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

// cheap keeps the tests fast; production uses DefaultHashParams.
var cheap = HashParams{Memory: 64, Time: 1, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestMain(m *testing.M) { pgtest.Main(m) }

func newService(t *testing.T, mod func(*Config)) (*Service, *clock) {
	t.Helper()
	return newServiceOn(t, nil, mod)
}

// newServiceOn opens the accounts on db (a SQLite file of their own when
// nil). The tests that run it on both databases (sqldbtest.Each) are the
// accounts' conformance suite.
func newServiceOn(t *testing.T, db *sqldb.DB, mod func(*Config)) (*Service, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	cfg := Config{DB: db, Hash: cheap, Now: clk.Now}
	if db == nil {
		cfg.Path = filepath.Join(t.TempDir(), "auth.db")
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clk
}

func addUser(t *testing.T, s *Service, username, staff string, role Role) {
	t.Helper()
	if _, err := s.AddUser(context.Background(), NewUser{Username: username, Name: "张三", StaffNo: staff, Role: role, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash = %q", h)
	}
	h2, _ := HashPassword("correct horse battery", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := CheckPassword(h, tt.pw)
		if err != nil || ok != tt.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.pw, ok, err, tt.want)
		}
	}
	if _, err := HashPassword("short", cheap); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("short password: err = %v", err)
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=1,p=1$!!$AAAA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword(%q) accepted a malformed hash", bad)
		}
	}
}

func TestUsers(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := newServiceOn(t, db, nil)
		ctx := context.Background()
		addUser(t, s, "Wang", "1001", RoleOperator)
		addUser(t, s, "admin", "9001", RoleAdmin)
		if _, err := s.AddUser(ctx, NewUser{Username: "wang", Name: "王", StaffNo: "1002", Role: RoleOperator, Password: "correct horse battery"}); !errors.Is(err, ErrExists) {
			t.Errorf("duplicate username: err = %v", err)
		}
		if _, err := s.AddUser(ctx, NewUser{Username: "li", Name: "李", StaffNo: "1001", Role: RoleOperator, Password: "correct horse battery"}); !errors.Is(err, ErrExists) {
			t.Errorf("duplicate staff number: err = %v", err)
		}
		bad := []NewUser{
			{Username: "x", Name: "a", StaffNo: "1", Role: RoleOperator},
			{Username: "ok", Name: "", StaffNo: "1", Role: RoleOperator},
			{Username: "ok", Name: "a", StaffNo: "工号", Role: RoleOperator},
			{Username: "ok", Name: "a", StaffNo: "1", Role: "root"},
			{Username: "ok", Name: "a\x00b", StaffNo: "1", Role: RoleOperator},
		}
		for _, n := range bad {
			n.Password = "correct horse battery"
			if _, err := s.AddUser(ctx, n); !errors.Is(err, ErrInvalid) {
				t.Errorf("AddUser(%+v): err = %v, want ErrInvalid", n, err)
			}
		}
		users, err := s.Users(ctx)
		if err != nil || len(users) != 2 || users[0].Username != "admin" || users[1].Username != "wang" || users[1].StaffNo != "1001" {
			t.Fatalf("Users = %+v, %v", users, err)
		}
		if err := s.SetDisabled(ctx, "nobody", true); !errors.Is(err, ErrNotFound) {
			t.Errorf("disable unknown: %v", err)
		}
	})
}

func TestLoginAndSessions(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := newServiceOn(t, db, func(c *Config) { c.SessionTTL = time.Hour })
		ctx := context.Background()
		addUser(t, s, "wang", "1001", RoleOperator)

		if _, _, err := s.Login(ctx, "wang", "wrong password!!", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "ghost", "correct horse battery", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
		token, sess, err := s.Login(ctx, "WANG", "correct horse battery", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if sess.User.StaffNo != "1001" || !sess.Expires.Equal(clk.Now().Add(time.Hour)) {
			t.Fatalf("session = %+v", sess)
		}
		// Only the token's hash is stored.
		var stored string
		if err := s.db.QueryRowContext(ctx, `SELECT token_hash FROM sessions`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == token || stored != hashToken(token) {
			t.Fatalf("stored %q for token %q", stored, token)
		}
		got, err := s.Authenticate(ctx, token)
		if err != nil || got.User.Username != "wang" {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		if _, err := s.Authenticate(ctx, token+"x"); !errors.Is(err, ErrNoSession) {
			t.Errorf("tampered token: %v", err)
		}
		clk.Add(time.Hour)
		if _, err := s.Authenticate(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Errorf("expired token: %v", err)
		}

		// Disabling ends sessions and blocks sign-in; logout ends one session.
		if live, _ := s.HasLiveSession(ctx, "wang"); live {
			t.Error("HasLiveSession after expiry")
		}
		token, _, err = s.Login(ctx, "wang", "correct horse battery", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if live, err := s.HasLiveSession(ctx, "wang"); !live || err != nil {
			t.Errorf("HasLiveSession = %v, %v", live, err)
		}
		if err := s.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Errorf("after logout: %v", err)
		}
		token, _, _ = s.Login(ctx, "wang", "correct horse battery", "10.0.0.1")
		if err := s.SetDisabled(ctx, "wang", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Errorf("disabled account's session: %v", err)
		}
		if _, _, err := s.Login(ctx, "wang", "correct horse battery", "10.0.0.2"); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("disabled account login: %v", err)
		}
		if err := s.SetDisabled(ctx, "wang", false); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, "wang", "another good password"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, "wang", "another good password", "10.0.0.2"); err != nil {
			t.Errorf("login with new password: %v", err)
		}
	})
}

// The sign-in throttle slows a guesser at one address — each failure past
// the fifth doubles the wait — while the operator at another address signs
// in as usual; the waits survive a restart, a success clears them, and a
// day without failures forgets them.
func TestSignInThrottle(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	open := func() *Service {
		s, err := New(Config{Path: filepath.Join(dir, "auth.db"), Hash: cheap, Now: clk.Now, IPLimit: ratelimit.Rate{Burst: 1000, Every: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s := open()
	ctx := context.Background()
	addUser(t, s, "wang", "1001", RoleOperator)
	const attacker, desk = "198.51.100.66", "10.0.0.1"
	var rl *RateLimitedError
	for i := range 5 {
		if _, _, err := s.Login(ctx, "wang", "guess number "+string(rune('a'+i)), attacker); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	// Past the free failures each wait doubles: 1 s, 2 s, 4 s …
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if _, _, err := s.Login(ctx, "wang", "correct horse battery", attacker); !errors.As(err, &rl) || rl.RetryAfter != want {
			t.Fatalf("guess %d at once: %v, want a wait of %s", 6+i, err, want)
		}
		clk.Add(want)
		if _, _, err := s.Login(ctx, "wang", "another guess!", attacker); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("guess %d after the wait: %v", 6+i, err)
		}
	}
	// The operator at the desk is not slowed at all.
	if _, _, err := s.Login(ctx, "wang", "correct horse battery", desk); err != nil {
		t.Fatalf("the operator is locked out: %v", err)
	}
	// The attacker's wait survives a restart of govchat.
	s.Close()
	s = open()
	if _, _, err := s.Login(ctx, "wang", "correct horse battery", attacker); !errors.As(err, &rl) || rl.RetryAfter != 16*time.Second {
		t.Fatalf("after a restart: %v, want a wait of 16s", err)
	}
	// The waits stop at 15 minutes.
	for range 20 {
		clk.Add(15 * time.Minute)
		s.Login(ctx, "wang", "yet another guess", attacker)
	}
	if _, _, err := s.Login(ctx, "wang", "correct horse battery", attacker); !errors.As(err, &rl) || rl.RetryAfter != 15*time.Minute {
		t.Fatalf("after many guesses: %v, want the longest wait", err)
	}
	// A day without failures forgets them.
	clk.Add(24*time.Hour + time.Second)
	if _, _, err := s.Login(ctx, "wang", "correct horse battery", attacker); err != nil {
		t.Fatalf("a day later: %v", err)
	}
	// A success clears the count: four slips, a success, four more slips
	// and no wait.
	for range 2 {
		for range 4 {
			s.Login(ctx, "wang", "typo typo typo", desk)
		}
		if _, _, err := s.Login(ctx, "wang", "correct horse battery", desk); err != nil {
			t.Fatalf("after four slips: %v", err)
		}
	}
}

// Successful sign-ins do not count against the per-address limit; failed
// ones do, across accounts.
func TestAddressLimitCountsFailuresOnly(t *testing.T) {
	s, _ := newService(t, func(c *Config) { c.IPLimit = ratelimit.Rate{Burst: 3, Every: time.Hour} })
	ctx := context.Background()
	addUser(t, s, "wang", "1001", RoleOperator)
	addUser(t, s, "li", "1002", RoleOperator)
	const office = "10.9.9.9" // a whole office behind one address
	for i := range 10 {
		if _, _, err := s.Login(ctx, []string{"wang", "li"}[i%2], "correct horse battery", office); err != nil {
			t.Fatalf("sign-in %d from the office: %v", i+1, err)
		}
	}
	for i, user := range []string{"wang", "li", "ghost"} {
		if _, _, err := s.Login(ctx, user, "wrong password!!", office); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	var rl *RateLimitedError
	if _, _, err := s.Login(ctx, "li", "correct horse battery", office); !errors.As(err, &rl) {
		t.Fatalf("after three failures from one address: %v, want rate limited", err)
	}
}

// An account guessed at from many addresses: new addresses get no free
// failures, the addresses it signs in from keep theirs.
func TestDistributedGuessing(t *testing.T) {
	s, _ := newService(t, func(c *Config) { c.Throttle.AttackFailures = 20 })
	ctx := context.Background()
	addUser(t, s, "wang", "1001", RoleOperator)
	const desk = "10.0.0.1"
	if _, _, err := s.Login(ctx, "wang", "correct horse battery", desk); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		s.Login(ctx, "wang", "guess!!!!!", fmt.Sprintf("203.0.113.%d", i))
	}
	var rl *RateLimitedError
	if _, _, err := s.Login(ctx, "wang", "guess!!!!!", "198.51.100.1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("first guess from a new address: %v", err)
	}
	if _, _, err := s.Login(ctx, "wang", "guess!!!!!", "198.51.100.1"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("second guess from a new address: %v, want a wait of 1s", err)
	}
	// The desk slips twice and still signs in.
	s.Login(ctx, "wang", "typo typo typo", desk)
	s.Login(ctx, "wang", "typo typo typo", desk)
	if _, _, err := s.Login(ctx, "wang", "correct horse battery", desk); err != nil {
		t.Fatalf("the operator under attack: %v", err)
	}
}

func TestAudit(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := newServiceOn(t, db, nil)
		ctx := context.Background()
		for i, a := range []string{"login", "handoff_take", "logout"} {
			if err := s.Record(ctx, Event{Actor: "wang", StaffNo: "1001", Action: a, Target: "conv-1", Detail: strings.Repeat("长", 2000)}); err != nil {
				t.Fatal(err)
			}
			_ = i
			clk.Add(time.Second)
		}
		s.Record(ctx, Event{Actor: "li", Action: "login"})
		ev, err := s.Events(ctx, "wang", 2)
		if err != nil || len(ev) != 2 || ev[0].Action != "logout" || ev[1].Action != "handoff_take" {
			t.Fatalf("Events = %+v, %v", ev, err)
		}
		if n := len([]rune(ev[0].Detail)); n != 1000 {
			t.Errorf("detail has %d runes, want cut to 1000", n)
		}
		all, _ := s.Events(ctx, "", 0)
		if len(all) != 4 {
			t.Errorf("all events = %d, want 4", len(all))
		}
	})
}

func TestTickets(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := newServiceOn(t, db, nil)
		ctx := context.Background()
		addUser(t, s, "wang", "1001", RoleOperator)
		token, sess, err := s.Login(ctx, "wang", "correct horse battery", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		tk, err := s.IssueTicket(sess)
		if err != nil {
			t.Fatal(err)
		}
		// Another instance on the same database redeems it (the socket
		// may open on another instance than the one that issued it).
		other, _ := newServiceOn(t, db, nil)
		got, err := other.Redeem(ctx, tk)
		if err != nil || got.User.StaffNo != "1001" {
			t.Fatalf("Redeem = %+v, %v", got, err)
		}
		if _, err := s.Redeem(ctx, tk); !errors.Is(err, ErrNoSession) {
			t.Errorf("second redeem: %v, want ErrNoSession", err)
		}
		tk, _ = s.IssueTicket(sess)
		clk.Add(TicketTTL + time.Second)
		if _, err := s.Redeem(ctx, tk); !errors.Is(err, ErrNoSession) {
			t.Errorf("expired ticket: %v", err)
		}
		if got, err := s.Redeem(ctx, token); err != nil || got.User.Username != "wang" {
			t.Errorf("redeem session token: %+v, %v", got, err)
		}
		if _, err := s.Redeem(ctx, "t_forged"); !errors.Is(err, ErrNoSession) {
			t.Errorf("forged ticket: %v", err)
		}
		tk, _ = s.IssueTicket(sess)
		s.Logout(ctx, token)
		if _, err := s.Redeem(ctx, tk); !errors.Is(err, ErrNoSession) {
			t.Errorf("ticket after logout: %v", err)
		}
	})
}

// Password checks hold the hash's memory (19 MiB by default): sign-ins wait
// for one of MaxHashing slots, and give up as rate limited, so a burst of
// sign-ins cannot exhaust memory.
func TestLoginWaitsForAHashingSlot(t *testing.T) {
	s, _ := newService(t, func(c *Config) { c.MaxHashing = 1; c.HashWait = 50 * time.Millisecond })
	ctx := context.Background()
	addUser(t, s, "wang", "1001", RoleOperator)
	s.hashing <- struct{}{} // another sign-in is hashing
	var rl *RateLimitedError
	for _, user := range []string{"wang", "ghost"} {
		if _, _, err := s.Login(ctx, user, "correct horse battery", "10.0.0.1"); !errors.As(err, &rl) {
			t.Fatalf("%s: login without a free slot: %v, want rate limited", user, err)
		}
	}
	<-s.hashing
	if _, _, err := s.Login(ctx, "wang", "correct horse battery", "10.0.0.1"); err != nil {
		t.Fatalf("login with a free slot: %v", err)
	}
	if n := len(s.hashing); n != 0 {
		t.Errorf("%d slots still held after the logins", n)
	}
}

// The per-address limit counts an IPv6 client by its /64.
func TestLoginLimitCountsIPv6Prefix(t *testing.T) {
	s, _ := newService(t, func(c *Config) {
		c.IPLimit = ratelimit.Rate{Burst: 2, Every: time.Hour}
	})
	ctx := context.Background()
	var rl *RateLimitedError
	for i, ip := range []string{"2001:db8::1", "2001:db8::2", "2001:db8::3"} {
		_, _, err := s.Login(ctx, "ghost", "wrong password!!", ip)
		if i < 2 && !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		if i == 2 && !errors.As(err, &rl) {
			t.Errorf("third attempt from one /64: %v, want rate limited", err)
		}
	}
	if _, _, err := s.Login(ctx, "ghost", "wrong password!!", "2001:db8:0:1::1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("attempt from another /64: %v", err)
	}
}
