package handoff

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/bus"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/chatsessions"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

// instance is one govchat instance's desk and hub over a shared database
// and bus.
type instance struct {
	desk *Desk
	hub  *chat.Hub
	srv  *httptest.Server
	url  string
}

func startInstance(t *testing.T, db *sqldb.DB, b bus.Bus) *instance {
	t.Helper()
	redact := func(s string) string { return phoneRe.ReplaceAllString(s, "[手机号]") }
	d, err := New(Config{DB: db, Bus: b, KeepOpen: true, Redact: redact, Hotline: "12345", Passages: passages{}, NotifyDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := chatsessions.New(chatsessions.Config{DB: db, Redact: redact})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := chat.New(chat.Config{Authenticator: staff{}, Sessions: sessions, SaveEvery: 10 * time.Millisecond}, bot{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Attach(hub)
	srv := httptest.NewServer(hub)
	in := &instance{desk: d, hub: hub, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
	t.Cleanup(in.stop)
	return in
}

func (in *instance) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	in.hub.Shutdown(ctx)
	in.srv.CloseClientConnections()
	in.srv.Close()
	in.desk.Close()
}

func (in *instance) dial(t *testing.T, name, token string) *chattest.Conn {
	t.Helper()
	return dial(t, &env{url: in.url}, name, token)
}

// Two instances on one database and bus — for SQLite in one process with
// the in-process bus, for PostgreSQL each with its own pool and LISTEN
// connection: a citizen on A, the operator on B, messages both ways, then
// A goes away and the citizen resumes on B.
func TestTwoInstances(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db := sqldbtest.Open(t, sqldb.SQLite)
		b := bus.NewLocal()
		t.Cleanup(func() { b.Close() })
		twoInstances(t, startInstance(t, db, b), startInstance(t, db, b))
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Shared(t).DB(t)
		var ins []*instance
		for range 2 {
			pg := sqldbtest.OpenPostgres(t, url)
			b, err := pg.NewBus(context.Background(), "govchat_desk")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			ins = append(ins, startInstance(t, pg.SQL, b))
		}
		twoInstances(t, ins[0], ins[1])
	})
}

func twoInstances(t *testing.T, a, b *instance) {
	ctx := context.Background()
	wang := b.dial(t, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	li := a.dial(t, "li", "tok-li")
	li.Send(map[string]any{"type": "queue_subscribe"})
	li.Expect("queue", nil)
	// Each sees the other instance's operator.
	wang.Expect("queue", func(f chattest.Frame) bool { return f["operators_online"] == float64(2) })

	citizen := chattest.Dial(t, a.url, nil)
	citizen.Name, citizen.Timeout = "citizen", 5*time.Second
	sf := citizen.Hello("")
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	h := citizen.Expect("handoff", nil)
	if h["status"] != StatusQueued || h["position"] != float64(1) {
		t.Fatalf("handoff on A = %v", h)
	}
	conv := h.S("conversation")
	citizen.Send(map[string]any{"type": "handoff_message", "id": "m1", "text": "请回电13912345678"})
	citizen.Expect("ack", nil)
	q := wang.Expect("queue", func(f chattest.Frame) bool {
		items := f["items"].([]any)
		return len(items) == 1 && strings.Contains(items[0].(map[string]any)["preview"].(string), "请回电")
	})
	if p := q["items"].([]any)[0].(map[string]any)["preview"]; p != "请回电13912345678" {
		t.Errorf("preview on B = %q (the live view is not redacted)", p)
	}

	// B takes it; the live transcript is whole, unredacted.
	wang.Send(map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
	cf := wang.Expect("conversation", nil)
	var lines []string
	for _, x := range cf["conversation"].(map[string]any)["transcript"].([]any) {
		e := x.(map[string]any)
		lines = append(lines, e["from"].(string)+":"+e["text"].(string))
	}
	if got := strings.Join(lines, "|"); got != "system:市民请求转人工|citizen:请回电13912345678|system:坐席（工号1001）已接入" {
		t.Errorf("transcript on B = %s", got)
	}
	if f := citizen.Expect("handoff", nil); f["status"] != StatusActive || f["staff_no"] != "1001" {
		t.Errorf("citizen on A told %v", f)
	}
	// li on A cannot take it too.
	li.Send(map[string]any{"type": "handoff_take", "id": "t2", "conversation": conv})
	if f := li.Expect("error", nil); f["code"] != "forbidden" {
		t.Errorf("second take on A = %v", f)
	}

	// Messages both ways between the instances, and a pushed answer.
	wang.Send(map[string]any{"type": "agent_message", "id": "a1", "conversation": conv, "text": "您好，我是1001号"})
	if f := citizen.Expect("agent_message", nil); f["text"] != "您好，我是1001号" {
		t.Errorf("agent_message on A = %v", f)
	}
	if ack := wang.Expect("ack", nil); ack["delivered"] != true {
		t.Errorf("ack on B = %v (the citizen on A got it)", ack)
	}
	citizen.Send(map[string]any{"type": "handoff_message", "id": "m2", "text": "公积金怎么提取"})
	if f := wang.Expect("citizen_message", nil); f["text"] != "公积金怎么提取" {
		t.Errorf("citizen_message on B = %v", f)
	}
	wang.Send(map[string]any{"type": "agent_answer", "id": "a2", "conversation": conv, "doc_id": "f1", "anchor": "answer"})
	if f := citizen.Expect("agent_answer", nil); !strings.Contains(f.S("text"), "携带身份证到柜台办理") {
		t.Errorf("agent_answer on A = %v", f)
	}
	wang.Expect("ack", nil)

	// A goes away. The citizen reconnects to B and resumes: the same
	// session, still with the operator.
	a.stop()
	citizen.Close()
	again := chattest.Dial(t, b.url, nil)
	again.Name, again.Timeout = "citizen on B", 5*time.Second
	again.Send(map[string]any{"type": "hello", "v": 1, "session": sf.S("session")})
	rs := again.Expect("session", nil)
	if rs["resumed"] != true || rs.S("session_id") != sf.S("session_id") {
		t.Fatalf("resume on B = %v (was %v)", rs, sf)
	}
	if f := again.Expect("handoff", nil); f["status"] != StatusActive || f.S("conversation") != conv {
		t.Errorf("after resuming, the citizen is told %v", f)
	}
	again.Send(map[string]any{"type": "handoff_message", "id": "m3", "text": "我换了网络"})
	again.Expect("ack", nil)
	if f := wang.Expect("citizen_message", nil); f["text"] != "我换了网络" {
		t.Errorf("citizen_message after the move = %v", f)
	}
	wang.Send(map[string]any{"type": "agent_message", "id": "a3", "conversation": conv, "text": "收到"})
	if f := again.Expect("agent_message", nil); f["text"] != "收到" {
		t.Errorf("agent_message after the move = %v", f)
	}
	if ack := wang.Expect("ack", nil); ack["delivered"] != true {
		t.Errorf("ack after the move = %v", ack)
	}

	// The stored transcript is whole (and redacted).
	stored, err := b.desk.store.conv(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	es, err := b.desk.store.transcript(ctx, stored.ID)
	if err != nil {
		t.Fatal(err)
	}
	lines = lines[:0]
	for _, e := range es {
		if e.From != FromSystem {
			lines = append(lines, e.From+":"+e.Text)
		}
	}
	want := "citizen:请回电[手机号]|operator:您好，我是1001号|citizen:公积金怎么提取|operator:携带身份证到柜台办理。[1] 依据《住房公积金提取办法》（京房发〔2019〕5号）|citizen:我换了网络|operator:收到"
	if got := strings.ReplaceAll(strings.Join(lines, "|"), "\n", " "); got != want {
		t.Errorf("stored transcript:\n got %s\nwant %s", got, want)
	}
}
