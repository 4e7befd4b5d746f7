package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/ratelimit"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/safety/safetytest"
	"github.com/govchat/govchat/internal/sealbox"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
	"github.com/govchat/govchat/internal/sqlite"
)

// bot refuses questions that start with 拒 and answers the rest.
type bot struct{}

func (bot) Answer(_ context.Context, req govchat.Request) (*govchat.Answer, error) {
	if strings.HasPrefix(req.Question, "选") {
		return &govchat.Answer{Text: "您是想问以下哪个问题？\n1. 公积金怎么提取？\n2. 公积金怎么贷款？", Clarify: true, Mode: govchat.ModeClarify, Sources: []kb.Source{},
			Related: []kb.Related{{ID: "f1", Question: "公积金怎么提取？", DocURL: "/docs/f1"}, {ID: "f2", Question: "公积金怎么贷款？", DocURL: "/docs/f2", Sample: true}}}, nil
	}
	if strings.HasPrefix(req.Question, "拒") {
		return &govchat.Answer{Text: "抱歉，暂未找到相关政策。", Refused: true, Reason: "low_confidence", Mode: govchat.ModeRefused}, nil
	}
	return &govchat.Answer{Text: "答：" + req.Question, Mode: govchat.ModeExtractive, Sources: []kb.Source{{N: 1, ID: "p1", Title: "某办法", DocURL: "/docs/p1#s1", Anchor: "s1"}}}, nil
}

// staff authenticates hello tokens of two operators.
type staff struct{}

func (staff) Authenticate(_ context.Context, token string) (govchat.Principal, error) {
	switch token {
	case "tok-wang":
		return govchat.Principal{Role: govchat.RoleOperator, ID: "wang", Name: "1001"}, nil
	case "tok-li":
		return govchat.Principal{Role: govchat.RoleOperator, ID: "li", Name: "1002"}, nil
	}
	return govchat.Principal{}, errors.New("bad token")
}

type passages struct{}

func (passages) Passage(docID, anchor string) (lookup.Item, kb.Source, error) {
	if docID != "f1" {
		return lookup.Item{}, kb.Source{}, lookup.ErrNoPassage
	}
	return lookup.Item{ID: "f1", Text: "携带身份证到柜台办理。", Cite: "依据《住房公积金提取办法》（京房发〔2019〕5号）"},
		kb.Source{N: 1, ID: "f1", Title: "公积金怎么提取", DocURL: "/docs/f1#answer", Anchor: "answer"}, nil
}

type auditSpy struct {
	mu     sync.Mutex
	events []auth.Event
}

func (a *auditSpy) Record(_ context.Context, e auth.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, e)
	return nil
}

func (a *auditSpy) actions() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var s []string
	for _, e := range a.events {
		s = append(s, e.Actor+":"+e.Action)
	}
	return strings.Join(s, ",")
}

var phoneRe = regexp.MustCompile(`1[3-9]\d{9}`)

type env struct {
	desk  *Desk
	hub   *chat.Hub
	url   string
	audit *auditSpy
	db    *sqldb.DB
}

func setup(t *testing.T) *env {
	t.Helper()
	return setupWith(t, nil)
}

func TestMain(m *testing.M) { pgtest.Main(m) }

func setupWith(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	return setupOn(t, sqldbtest.Open(t, sqldb.SQLite), mod)
}

// setupOn starts a desk and its hub on db. The tests that run on both
// databases (sqldbtest.Each) are the desk's conformance suite.
func setupOn(t *testing.T, db *sqldb.DB, mod func(*Config)) *env {
	t.Helper()
	box, err := sealbox.LoadOrCreate(filepath.Join(t.TempDir(), "contact.key"))
	if err != nil {
		t.Fatal(err)
	}
	spy := &auditSpy{}
	cfg := Config{DB: db, Redact: func(s string) string { return phoneRe.ReplaceAllString(s, "[手机号]") }, Hotline: "12345",
		Passages: passages{}, Audit: spy, NotifyDelay: 20 * time.Millisecond, Contacts: box}
	if mod != nil {
		mod(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	hub, err := chat.New(chat.Config{Authenticator: staff{}}, bot{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Attach(hub)
	srv := httptest.NewServer(hub)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hub.Shutdown(ctx)
		srv.Close()
	})
	return &env{desk: d, hub: hub, url: "ws" + strings.TrimPrefix(srv.URL, "http"), audit: spy, db: db}
}

// dial opens a socket as name (a citizen with token "", else the staff
// account the token names) and says hello.
func dial(t *testing.T, e *env, name, token string) *chattest.Conn {
	t.Helper()
	c := chattest.Dial(t, e.url, nil)
	c.Name, c.Timeout = name, 3*time.Second
	c.Hello(token)
	return c
}

// evidenceSpy remembers the evidence it is given.
type evidenceSpy struct {
	mu sync.Mutex
	ev []govchat.Evidence
}

func (s *evidenceSpy) RecordEvidence(_ context.Context, e govchat.Evidence) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ev = append(s.ev, e)
	return nil
}

func TestHandoffWholeFlow(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		learned := &evidenceSpy{}
		e := setupOn(t, db, func(c *Config) { c.Evidence = learned })
		citizen := dial(t, e, "citizen", "")
		wang := dial(t, e, "wang", "tok-wang")
		wang.Send(map[string]any{"type": "queue_subscribe", "id": "s1"})
		q := wang.Expect("queue", nil)
		if q["operators_online"].(float64) != 1 {
			t.Fatalf("queue = %v", q)
		}

		// Two refusals in a row put the conversation in the queue by themselves.
		citizen.Send(map[string]any{"type": "ask", "id": "q1", "text": "拒 第一个问题 手机13912345678"})
		citizen.Expect("answer", func(f chattest.Frame) bool { return f["refused"] == true })
		citizen.Send(map[string]any{"type": "ask", "id": "q2", "text": "拒 第二个问题"})
		citizen.Expect("answer", nil)
		h := citizen.Expect("handoff", nil)
		if h["status"] != StatusQueued || h["reason"] != ReasonRefused || h["position"].(float64) != 1 || h["conversation"] == "" {
			t.Fatalf("automatic handoff frame = %v", h)
		}
		conv := h["conversation"].(string)
		q = wang.Expect("queue", func(f chattest.Frame) bool { return len(f["items"].([]any)) == 1 })
		item := q["items"].([]any)[0].(map[string]any)
		if item["conversation"] != conv || item["status"] != StatusQueued || !strings.Contains(item["preview"].(string), "第二个问题") {
			t.Fatalf("queue item = %v", item)
		}

		// While queued the citizen can write; the operator sees it on taking.
		citizen.Send(map[string]any{"type": "handoff_message", "id": "m1", "text": "我想问公积金提取"})
		citizen.Expect("ack", func(f chattest.Frame) bool { return f["of"] == TypeHandoffMessage })

		// A second operator comes online; wang takes the conversation.
		li := dial(t, e, "li", "tok-li")
		li.Send(map[string]any{"type": "queue_subscribe"})
		li.Expect("queue", func(f chattest.Frame) bool { return f["operators_online"].(float64) == 2 })
		wang.Send(map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
		cf := wang.Expect("conversation", nil)
		c := cf["conversation"].(map[string]any)
		var lines []string
		botIDs := 0
		for _, x := range c["transcript"].([]any) {
			en := x.(map[string]any)
			lines = append(lines, en["from"].(string)+":"+en["text"].(string))
			if en["from"] == FromBot && en["answer_id"] != nil && en["answer_id"] != "" {
				botIDs++
			}
		}
		if botIDs != 2 {
			t.Errorf("bot entries with an answer id = %d, want 2 (so operators can flag them)", botIDs)
		}
		full := strings.Join(lines, "\n")
		for _, want := range []string{"citizen:拒 第一个问题 手机13912345678", "bot:抱歉，暂未找到相关政策。", "citizen:拒 第二个问题", "system:智能助手连续两次未能回答，自动转人工", "citizen:我想问公积金提取", "system:坐席（工号1001）已接入"} {
			if !strings.Contains(full, want) {
				t.Errorf("live transcript lacks %q:\n%s", want, full)
			}
		}
		hc := citizen.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusActive })
		if hc["staff_no"] != "1001" || !strings.Contains(hc["message"].(string), "工号1001") {
			t.Fatalf("connected frame = %v", hc)
		}
		raw, _ := json.Marshal(hc)
		if strings.Contains(string(raw), "wang") {
			t.Errorf("citizen frame reveals the operator's account: %s", raw)
		}

		// li cannot take it or write into it.
		li.Send(map[string]any{"type": "handoff_take", "id": "t2", "conversation": conv})
		if f := li.Expect("error", nil); f["code"] != govchat.CodeForbidden {
			t.Errorf("second take = %v", f)
		}
		li.Send(map[string]any{"type": "agent_message", "id": "x", "conversation": conv, "text": "插话"})
		if f := li.Expect("error", nil); f["code"] != govchat.CodeForbidden {
			t.Errorf("foreign agent_message = %v", f)
		}
		// A citizen cannot use operator frames.
		citizen.Send(map[string]any{"type": "agent_message", "id": "y", "conversation": conv, "text": "冒充"})
		if f := citizen.Expect("error", nil); f["code"] != govchat.CodeForbidden {
			t.Errorf("citizen agent_message = %v", f)
		}

		// Live messages both ways.
		wang.Send(map[string]any{"type": "agent_message", "id": "a1", "conversation": conv, "text": "您好，请问有什么可以帮您？"})
		am := citizen.Expect("agent_message", nil)
		if am["text"] != "您好，请问有什么可以帮您？" || am["staff_no"] != "1001" {
			t.Fatalf("agent_message = %v", am)
		}
		if ack := wang.Expect("ack", func(f chattest.Frame) bool { return f["of"] == TypeAgentMessage }); ack["delivered"] != true {
			t.Errorf("ack = %v", ack)
		}
		citizen.Send(map[string]any{"type": "handoff_message", "id": "m2", "text": "公积金怎么提取？"})
		cm := wang.Expect("citizen_message", nil)
		if cm["text"] != "公积金怎么提取？" || cm["conversation"] != conv {
			t.Fatalf("citizen_message = %v", cm)
		}
		// Push a knowledge-base answer with its citation.
		wang.Send(map[string]any{"type": "agent_answer", "id": "a2", "conversation": conv, "doc_id": "f1", "anchor": "answer"})
		aa := citizen.Expect("agent_answer", nil)
		srcs := aa["sources"].([]any)
		if !strings.Contains(aa["text"].(string), "携带身份证到柜台办理。[1]") || !strings.Contains(aa["text"].(string), "依据《住房公积金提取办法》") ||
			len(srcs) != 1 || srcs[0].(map[string]any)["doc_url"] != "/docs/f1#answer" {
			t.Fatalf("agent_answer = %v", aa)
		}
		wang.Send(map[string]any{"type": "agent_answer", "id": "a3", "conversation": conv, "doc_id": "nope"})
		if f := wang.Expect("error", nil); f["code"] != govchat.CodeNotFound {
			t.Errorf("unknown passage = %v", f)
		}
		// The push is evidence of what the citizen's last words ask for.
		learned.mu.Lock()
		if len(learned.ev) != 1 || learned.ev[0].Wording != "公积金怎么提取？" || learned.ev[0].EntryID != "f1" ||
			learned.ev[0].Kind != govchat.EvidenceOperatorPush || learned.ev[0].By != "wang" || learned.ev[0].Session == "" {
			t.Errorf("evidence = %+v", learned.ev)
		}
		learned.mu.Unlock()

		// The citizen ends it.
		citizen.Send(map[string]any{"type": "handoff_end", "id": "e1"})
		citizen.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusClosed })
		if f := wang.Expect("handoff_finished", nil); f["by"] != FromCitizen {
			t.Errorf("finished = %v", f)
		}

		// Everything is stored, redacted.
		stored, err := e.desk.Conversation(context.Background(), conv)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Status != StatusClosed || stored.StaffNo != "1001" || stored.Operator != "wang" || stored.Taken.IsZero() || stored.Closed.IsZero() {
			t.Errorf("stored conversation = %+v", stored)
		}
		var st []string
		for _, en := range stored.Transcript {
			st = append(st, en.From+":"+en.Text)
		}
		all := strings.Join(st, "\n")
		for _, want := range []string{"[手机号]", "operator:您好，请问有什么可以帮您？", "citizen:公积金怎么提取？", "携带身份证到柜台办理。", "system:市民结束了人工服务"} {
			if !strings.Contains(all, want) {
				t.Errorf("stored transcript lacks %q:\n%s", want, all)
			}
		}
		if strings.Contains(all, "13912345678") {
			t.Errorf("stored transcript keeps a phone number:\n%s", all)
		}
		list, _ := e.desk.Conversations(context.Background(), StatusClosed, 0)
		if len(list) != 1 || list[0].ID != conv {
			t.Errorf("closed conversations = %+v", list)
		}
		if got := e.audit.actions(); !strings.Contains(got, "wang:handoff_take") || !strings.Contains(got, "wang:handoff_push") {
			t.Errorf("audit = %s", got)
		}

		// A request by the citizen (not a refusal) after the end queues again.
		citizen.Send(map[string]any{"type": "handoff", "id": "h2", "reason": "想找人工"})
		h = citizen.Expect("handoff", func(f chattest.Frame) bool { return f["id"] == "h2" })
		if h["status"] != StatusQueued || h["reason"] != ReasonRequested {
			t.Errorf("requested handoff = %v", h)
		}
		// Operators are told; the operator may end a queued one.
		q = li.Expect("queue", func(f chattest.Frame) bool {
			items := f["items"].([]any)
			return len(items) == 1 && items[0].(map[string]any)["status"] == StatusQueued
		})
		li.Send(map[string]any{"type": "handoff_end", "id": "e2", "conversation": q["items"].([]any)[0].(map[string]any)["conversation"]})
		citizen.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusClosed })
	})
}

func TestHandoffNoOperatorLeavesMessage(t *testing.T) {
	e := setup(t)
	citizen := dial(t, e, "citizen", "")
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	h := citizen.Expect("handoff", nil)
	if h["status"] != StatusNoOperator || h["hotline"] != "12345" || h["can_leave_message"] != true || !strings.Contains(h["message"].(string), "12345") {
		t.Fatalf("no-operator frame = %v", h)
	}
	// Messages to an operator are refused: there is no conversation.
	citizen.Send(map[string]any{"type": "handoff_message", "id": "m0", "text": "有人吗"})
	if f := citizen.Expect("error", nil); f["code"] != govchat.CodeBadRequest {
		t.Errorf("handoff_message without handoff = %v", f)
	}
	// Bad 留言 are refused with a clear error; a good one is stored.
	for _, bad := range []map[string]any{
		{"type": "leave_message", "id": "b1", "text": "  "},
		{"type": "leave_message", "id": "b2", "text": strings.Repeat("长", 1001)},
		{"type": "leave_message", "id": "b3", "text": "好", "contact": strings.Repeat("1", 51)},
	} {
		citizen.Send(bad)
		if f := citizen.Expect("error", nil); f["id"] != bad["id"] {
			t.Errorf("bad 留言 %v answered %v", bad["id"], f)
		}
	}
	citizen.Send(map[string]any{"type": "leave_message", "id": "l1", "text": "我的社保卡丢了怎么办？电话13800001111", "contact": "13800001111"})
	ack := citizen.Expect("ack", func(f chattest.Frame) bool { return f["of"] == TypeLeaveMessage })
	if ack["id"] != "l1" || ack["message"] == "" {
		t.Fatalf("ack = %v", ack)
	}
	msgs, err := e.desk.Messages(context.Background(), "open", 0)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	if msgs[0].Text != "我的社保卡丢了怎么办？电话[手机号]" || msgs[0].Contact != "13800001111" || msgs[0].SessionID == "" {
		t.Errorf("stored 留言 = %+v", msgs[0])
	}
	// The database holds the contact redacted, and sealed for the call back.
	var clear string
	var sealed []byte
	if err := e.db.QueryRowContext(context.Background(), `SELECT contact, contact_sealed FROM leave_messages WHERE id=?`, msgs[0].ID).Scan(&clear, &sealed); err != nil {
		t.Fatal(err)
	}
	if clear != "[手机号]" || len(sealed) == 0 || bytes.Contains(sealed, []byte("13800001111")) {
		t.Errorf("stored contact = %q, sealed %x", clear, sealed)
	}
	// An operator coming online sees the count and handles it.
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	if q := wang.Expect("queue", nil); q["open_messages"].(float64) != 1 {
		t.Errorf("queue open_messages = %v", q["open_messages"])
	}
	if err := e.desk.HandleMessage(context.Background(), msgs[0].ID, "wang"); err != nil {
		t.Fatal(err)
	}
	// Handled: the contact is kept redacted only.
	if done, _ := e.desk.Messages(context.Background(), "done", 0); len(done) != 1 || done[0].Contact != "[手机号]" {
		t.Errorf("handled 留言 = %+v", done)
	}
	if err := e.db.QueryRowContext(context.Background(), `SELECT contact_sealed FROM leave_messages WHERE id=?`, msgs[0].ID).Scan(&sealed); err != nil || sealed != nil {
		t.Errorf("sealed contact of a handled 留言 = %x, %v", sealed, err)
	}
	wang.Expect("queue", func(f chattest.Frame) bool { return f["open_messages"].(float64) == 0 })
	if err := e.desk.HandleMessage(context.Background(), 999, "wang"); !errors.Is(err, ErrNotFound) {
		t.Errorf("handle unknown: %v", err)
	}
	// 留言 are rate limited per address.
	for i := range 5 {
		citizen.Send(map[string]any{"type": "leave_message", "id": "r", "text": "再留一条"})
		f := citizen.Expect("", func(f chattest.Frame) bool { return f["type"] == "ack" || f["type"] == "error" })
		if i < 4 && f["type"] != "ack" {
			t.Fatalf("留言 %d: %v", i+2, f)
		}
		if i == 4 && f["code"] != govchat.CodeRateLimited {
			t.Fatalf("6th 留言: %v, want rate_limited", f)
		}
	}
}

func TestSignedOutOperatorIsDisconnected(t *testing.T) {
	var mu sync.Mutex
	signedIn := true
	e := setupWith(t, func(c *Config) {
		c.RecheckEvery = 20 * time.Millisecond
		c.StillSignedIn = func(_ context.Context, user string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			return signedIn || user != "wang", nil
		}
	})
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	mu.Lock()
	signedIn = false
	mu.Unlock()
	if f := wang.Expect("error", nil); f["code"] != govchat.CodeUnauthorized {
		t.Errorf("error = %v", f)
	}
	deadline := time.Now().Add(3 * time.Second)
	for e.desk.Online() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("signed-out operator still online")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOperatorGoesOffline(t *testing.T) {
	e := setup(t)
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	if n := e.desk.Online(); n != 1 {
		t.Fatalf("online = %d", n)
	}
	wang.Close()
	deadline := time.Now().Add(3 * time.Second)
	for e.desk.Online() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("operator still online after closing the socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
	citizen := dial(t, e, "citizen", "")
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	if h := citizen.Expect("handoff", nil); h["status"] != StatusNoOperator {
		t.Errorf("after the operator left: %v", h)
	}
}

func TestRestartClosesOpenConversations(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.SQLite)
	d, err := New(Config{DB: db, Redact: func(s string) string { return s }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	for _, st := range []string{StatusQueued, StatusActive, StatusClosed} {
		c := &Conversation{ID: "h_" + st, SessionID: "s_" + st, Status: st, Reason: ReasonRequested, Created: time.Now(), Transcript: []Entry{{At: time.Now(), From: FromCitizen, Text: "你好"}}}
		if _, err := d.store.create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	d2, err := New(Config{DB: db, Redact: func(s string) string { return s }})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	open, _ := d2.Conversations(ctx, StatusQueued, 0)
	active, _ := d2.Conversations(ctx, StatusActive, 0)
	closed, _ := d2.Conversations(ctx, StatusClosed, 0)
	if len(open) != 0 || len(active) != 0 || len(closed) != 3 {
		t.Fatalf("after restart: %d queued, %d connected, %d closed", len(open), len(active), len(closed))
	}
	c, _ := d2.Conversation(ctx, "h_"+StatusQueued)
	if last := c.Transcript[len(c.Transcript)-1]; last.From != FromSystem || c.Closed.IsZero() {
		t.Errorf("closed conversation = %+v", c)
	}
}

// An operator whose account was disabled or signed out is refused (and
// disconnected) on the next action even when the socket never subscribed to
// the queue, so the periodic check never watched it.
func TestSignedOutOperatorCannotAct(t *testing.T) {
	var mu sync.Mutex
	signedIn := true
	e := setupWith(t, func(c *Config) {
		c.RecheckEvery = time.Hour
		c.StillSignedIn = func(_ context.Context, user string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			return signedIn || user != "wang", nil
		}
	})
	li := dial(t, e, "li", "tok-li")
	li.Send(map[string]any{"type": "queue_subscribe"})
	li.Expect("queue", nil)
	wang := dial(t, e, "wang", "tok-wang") // never subscribes
	citizen := dial(t, e, "citizen", "")
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	conv := citizen.Expect("handoff", nil)["conversation"].(string)

	mu.Lock()
	signedIn = false
	mu.Unlock()
	wang.Send(map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
	f := wang.Expect("", func(f chattest.Frame) bool { return f["type"] == "error" || f["type"] == TypeConversation })
	if f["type"] != "error" || f["code"] != govchat.CodeUnauthorized || f["id"] != "t1" {
		t.Fatalf("signed-out operator's take answered %v", f)
	}
	wang.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		if _, _, err := wang.ReadMessage(); err != nil {
			break // closed by the server
		}
	}
	if q := e.desk.Queue(context.Background()); len(q.Items) != 1 || q.Items[0].Status != StatusQueued {
		t.Errorf("queue after the refused take = %+v", q.Items)
	}
}

// The queue holds at most MaxQueued waiting conversations: beyond, the
// citizen is offered the hotline and 留言 instead of growing it.
func TestHandoffQueueIsBounded(t *testing.T) {
	e := setupWith(t, func(c *Config) {
		c.MaxQueued = 2
		c.HandoffLimit = ratelimit.Rate{Burst: 100, Every: time.Second}
	})
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	for i := range 3 {
		c := dial(t, e, "citizen", "")
		c.Send(map[string]any{"type": "handoff", "id": "h"})
		h := c.Expect("handoff", nil)
		if i < 2 && h["status"] != StatusQueued {
			t.Fatalf("request %d: %v", i+1, h)
		}
		if i == 2 && (h["status"] != StatusNoOperator || h["can_leave_message"] != true || !strings.Contains(h["message"].(string), "排队人数较多")) {
			t.Fatalf("request over the bound: %v", h)
		}
	}
	if q := e.desk.Queue(context.Background()); len(q.Items) != 2 {
		t.Errorf("queue holds %d conversations, want 2", len(q.Items))
	}
}

// One client address opens a bounded number of conversations (new sessions
// cost nothing, so the limit cannot be per session).
func TestHandoffRequestsLimitedPerAddress(t *testing.T) {
	e := setupWith(t, func(c *Config) { c.HandoffLimit = ratelimit.Rate{Burst: 2, Every: time.Hour} })
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	for i := range 3 {
		c := dial(t, e, "citizen", "")
		c.Send(map[string]any{"type": "handoff", "id": "h"})
		f := c.Expect("", func(f chattest.Frame) bool { return f["type"] == "handoff" || f["type"] == "error" })
		if i < 2 && f["status"] != StatusQueued {
			t.Fatalf("request %d: %v", i+1, f)
		}
		if i == 2 && (f["type"] != "error" || f["code"] != govchat.CodeRateLimited || f["id"] != "h") {
			t.Fatalf("third request from one address: %v, want rate_limited", f)
		}
		if i == 0 {
			// Asking again in the same conversation only reports its status.
			c.Send(map[string]any{"type": "handoff", "id": "again"})
			if f := c.Expect("handoff", nil); f["status"] != StatusQueued || f["id"] != "again" {
				t.Fatalf("repeated request: %v", f)
			}
		}
	}
}

// A citizen's messages in a conversation are rate limited, and the
// transcript held in memory is bounded.
func TestCitizenMessagesAreBounded(t *testing.T) {
	e := setupWith(t, func(c *Config) {
		c.ChatLimit = ratelimit.Rate{Burst: 3, Every: time.Hour}
	})
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	citizen := dial(t, e, "citizen", "")
	citizen.Send(map[string]any{"type": "handoff", "id": "h"})
	citizen.Expect("handoff", nil)
	for i := range 4 {
		citizen.Send(map[string]any{"type": "handoff_message", "id": "m", "text": "你好"})
		f := citizen.Expect("", func(f chattest.Frame) bool { return f["type"] == "ack" || f["type"] == "error" })
		if i < 3 && f["type"] != "ack" {
			t.Fatalf("message %d: %v", i+1, f)
		}
		if i == 3 && f["code"] != govchat.CodeRateLimited {
			t.Fatalf("4th message: %v, want rate_limited", f)
		}
	}

	e = setupWith(t, func(c *Config) {
		c.MaxEntries = 4
		c.ChatLimit = ratelimit.Rate{Burst: 100, Every: time.Second}
	})
	wang = dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	citizen = dial(t, e, "citizen", "")
	citizen.Send(map[string]any{"type": "handoff", "id": "h"})
	conv := citizen.Expect("handoff", nil)["conversation"].(string)
	var last map[string]any
	for range 6 {
		citizen.Send(map[string]any{"type": "handoff_message", "id": "m", "text": "你好"})
		last = citizen.Expect("", func(f chattest.Frame) bool { return f["type"] == "ack" || f["type"] == "error" })
	}
	if last["type"] != "error" || last["code"] != govchat.CodeTooLarge || !strings.Contains(last["message"].(string), "12345") {
		t.Errorf("message beyond the transcript bound: %v", last)
	}
	c, err := e.desk.Conversation(context.Background(), conv)
	if err != nil || len(c.Transcript) > 4 {
		t.Errorf("transcript holds %d entries (%v), want at most 4", len(c.Transcript), err)
	}
}

// Two refusals over the HTTP API do not queue a conversation: no socket
// could ever join it.
func TestNoAutomaticHandoffOverAPI(t *testing.T) {
	e := setup(t)
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	ctx := context.Background()
	a, err := e.hub.Ask(ctx, chat.AskRequest{Question: "拒 一", IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.hub.Ask(ctx, chat.AskRequest{Question: "拒 二", Session: a.Session, IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // NotifyDelay is 20 ms
	if q := e.desk.Queue(ctx); len(q.Items) != 0 {
		t.Errorf("API refusals queued %+v", q.Items)
	}
}

// A database from before sealed contacts holds them in clear: opening it
// seals the contacts of open 留言 and redacts every one.
func TestContactsOfAnOlderDatabaseAreSealed(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.OpenDB(filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `CREATE TABLE leave_messages (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, session_id TEXT NOT NULL, text TEXT NOT NULL,
		contact TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'open', handled_by TEXT NOT NULL DEFAULT '', handled_at INTEGER NOT NULL DEFAULT 0);
		INSERT INTO leave_messages(at,session_id,text,contact,status) VALUES (1000,'s1','请回电','13800001111','open'), (2000,'s2','请回电','wang@example.com','done');`); err != nil {
		t.Fatal(err)
	}
	box, err := sealbox.LoadOrCreate(filepath.Join(dir, "contact.key"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{DB: db, Redact: func(s string) string { return phoneRe.ReplaceAllString(s, "[手机号]") }, Contacts: box})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	msgs, err := d.Messages(context.Background(), "", 0)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	if msgs[0].Contact != "w**************m" || msgs[1].Contact != "13800001111" {
		t.Errorf("contacts = %q (handled), %q (open)", msgs[0].Contact, msgs[1].Contact)
	}
	rows, err := db.QueryContext(context.Background(), `SELECT contact FROM leave_messages`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		rows.Scan(&c)
		if strings.Contains(c, "13800001111") || strings.Contains(c, "wang@") {
			t.Errorf("a contact is still stored in clear: %q", c)
		}
	}
}

// Every written form of a phone or ID number left as a 留言 contact is
// stored redacted; the operators still read it as given while it is open.
func TestEveryContactFormStoredRedacted(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.OpenDB(filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	box, _ := sealbox.LoadOrCreate(filepath.Join(dir, "contact.key"))
	st, err := newStore(db, safety.Redact, box, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, f := range safetytest.Forms {
		if _, err := st.addMessage(ctx, Message{At: time.UnixMilli(int64(1000 + i)), SessionID: "s", Text: "请回电", Contact: "张先生 " + f.Form}, nil); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.QueryContext(context.Background(), `SELECT contact FROM leave_messages`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		rows.Scan(&c)
		if strings.ContainsFunc(c, unicode.IsDigit) {
			t.Errorf("stored contact %q", c)
		}
	}
	msgs, _ := st.messages(ctx, "open", 1000)
	if len(msgs) != len(safetytest.Forms) || msgs[len(msgs)-1].Contact != "张先生 "+safetytest.Forms[0].Form {
		t.Errorf("operators read %d contacts, the first %q", len(msgs), msgs[len(msgs)-1].Contact)
	}
}

// TestTranscriptKeepsOfferedQuestions: the questions a citizen was offered
// as buttons (a clarification's choices) reach the operator's transcript.
func TestTranscriptKeepsOfferedQuestions(t *testing.T) {
	e := setup(t)
	citizen := dial(t, e, "citizen", "")
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe", "id": "s1"})
	wang.Expect("queue", nil)
	citizen.Send(map[string]any{"type": "ask", "id": "q1", "text": "选 公积金"})
	citizen.Expect("answer", func(f chattest.Frame) bool { return f["clarify"] == true })
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	conv := citizen.Expect("handoff", nil)["conversation"].(string)
	wang.Send(map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
	c := wang.Expect("conversation", nil)["conversation"].(map[string]any)
	var offered []any
	for _, x := range c["transcript"].([]any) {
		en := x.(map[string]any)
		if en["from"] == FromBot {
			if en["clarify"] != true {
				t.Errorf("bot entry %v is not marked as a clarification", en)
			}
			offered, _ = en["related"].([]any)
		}
	}
	b, _ := json.Marshal(offered)
	if want := `[{"doc_url":"/docs/f1","id":"f1","question":"公积金怎么提取？"},{"doc_url":"/docs/f2","id":"f2","question":"公积金怎么贷款？","sample":true}]`; string(b) != want {
		t.Errorf("offered questions in the transcript = %s, want %s", b, want)
	}
}

type handoffSpy struct {
	mu       sync.Mutex
	sessions []string
}

func (h *handoffSpy) RecordHandoff(_ context.Context, session string) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sessions = append(h.sessions, session)
	return true, nil
}

// TestHandoffNotedInLog: a citizen's request for a human is noted in the
// conversation log under the session's public id, with or without an
// operator online.
func TestHandoffNotedInLog(t *testing.T) {
	spy := &handoffSpy{}
	e := setupWith(t, func(c *Config) { c.Handoffs = spy })
	citizen := chattest.Dial(t, e.url, nil)
	citizen.Name, citizen.Timeout = "citizen", 3*time.Second
	citizen.Send(map[string]any{"type": "hello", "v": 1})
	sess := citizen.Expect("session", nil)
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	citizen.Expect("handoff", nil)
	spy.mu.Lock()
	defer spy.mu.Unlock()
	if len(spy.sessions) != 1 || spy.sessions[0] != sess["session_id"] {
		t.Errorf("noted %v, want the session %v", spy.sessions, sess["session_id"])
	}
}
