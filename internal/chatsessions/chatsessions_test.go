package chatsessions_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/chatsessions"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var phone = regexp.MustCompile(`1[3-9]\d{9}`)

func redact(s string) string { return phone.ReplaceAllString(s, "[手机号]") }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestStoreConformance(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
		s, err := chatsessions.New(chatsessions.Config{DB: db, Redact: redact, TTL: 30 * time.Minute, Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		turn := govchat.Turn{Question: "我的电话13812345678，社保卡怎么补办", Answer: "携带身份证办理", Terms: []string{"社保卡"}, Docs: []string{"d1"}}
		if err := s.SaveSessions(ctx, []chat.StoredSession{{Token: "secret-token", ID: "s_1", Turns: []govchat.Turn{turn}, Asked: 1, Seen: clk.now()}}); err != nil {
			t.Fatal(err)
		}
		var stored string
		db.QueryRowContext(ctx, `SELECT token_hash FROM chat_sessions`).Scan(&stored)
		if stored == "secret-token" || stored == "" {
			t.Errorf("stored token %q: only its hash may be", stored)
		}
		got, ok, err := s.LoadSession(ctx, "secret-token")
		if err != nil || !ok || got.ID != "s_1" || got.Asked != 1 || len(got.Turns) != 1 {
			t.Fatalf("load = %+v, %v, %v", got, ok, err)
		}
		if strings.Contains(got.Turns[0].Question, "13812345678") || got.Turns[0].Terms[0] != "社保卡" || got.Turns[0].Docs[0] != "d1" {
			t.Errorf("turn = %+v (want the phone number redacted, terms and docs kept)", got.Turns[0])
		}
		if _, ok, _ := s.LoadSession(ctx, "other"); ok {
			t.Error("unknown token loaded")
		}
		// An instance holding an older copy (fewer questions) does not
		// overwrite the context of the newer one, but keeps it alive.
		clk.add(time.Minute)
		if err := s.SaveSessions(ctx, []chat.StoredSession{{Token: "secret-token", ID: "s_1", Asked: 0, Seen: clk.now()}}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.LoadSession(ctx, "secret-token"); got.Asked != 1 || len(got.Turns) != 1 || !got.Seen.Equal(clk.now()) {
			t.Errorf("after an older copy was saved: %+v", got)
		}
		clk.add(31 * time.Minute)
		if _, ok, _ := s.LoadSession(ctx, "secret-token"); ok {
			t.Error("a session idle past the TTL was loaded")
		}
		// Saving again refreshes it, and purges the idle ones.
		if err := s.SaveSessions(ctx, []chat.StoredSession{{Token: "t2", ID: "s_2", Seen: clk.now()}}); err != nil {
			t.Fatal(err)
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM chat_sessions`).Scan(&n)
		if n != 1 {
			t.Errorf("%d sessions kept, want the idle one purged", n)
		}
	})
}

// echo answers every question, and tells what context it was given.
type echo struct{}

func (echo) Answer(_ context.Context, req govchat.Request) (*govchat.Answer, error) {
	return &govchat.Answer{Text: fmt.Sprintf("答：%s（上文%d轮）", req.Question, len(req.History)), Mode: govchat.ModeExtractive}, nil
}

// Two hubs (two instances) on one database: a session started on one
// resumes on the other — the same public id, the context for follow-ups.
func TestResumeOnAnotherHub(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		store, err := chatsessions.New(chatsessions.Config{DB: db, Redact: redact})
		if err != nil {
			t.Fatal(err)
		}
		hub := func() string {
			h, err := chat.New(chat.Config{Sessions: store, SaveEvery: 10 * time.Millisecond}, echo{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				h.Shutdown(ctx)
				srv.Close()
			})
			return chattest.URL(srv.URL)
		}
		a, b := hub(), hub()
		ca := chattest.Dial(t, a, nil)
		first := ca.Hello("")
		ca.Send(map[string]any{"type": "ask", "id": "q1", "text": "社保卡怎么补办"})
		ca.Expect("answer", nil)
		ca.Close()

		cb := chattest.Dial(t, b, nil)
		cb.Send(map[string]any{"type": "hello", "v": 1, "session": first.S("session")})
		sf := cb.Expect("session", nil)
		deadline := time.Now().Add(5 * time.Second)
		for sf["turns"] != float64(1) && time.Now().Before(deadline) {
			// The first hub writes the turn a little after answering.
			time.Sleep(20 * time.Millisecond)
			cb.Close()
			cb = chattest.Dial(t, b, nil)
			cb.Send(map[string]any{"type": "hello", "v": 1, "session": first.S("session")})
			sf = cb.Expect("session", nil)
		}
		if sf["resumed"] != true || sf.S("session_id") != first.S("session_id") || sf["turns"] != float64(1) {
			t.Fatalf("resumed on the other hub: %v (first: %v)", sf, first)
		}
		cb.Send(map[string]any{"type": "ask", "id": "q2", "text": "需要什么材料"})
		if ans := cb.Expect("answer", nil); !strings.Contains(ans.S("text"), "上文1轮") {
			t.Errorf("follow-up on the other hub lost the context: %v", ans)
		}
	})
}
