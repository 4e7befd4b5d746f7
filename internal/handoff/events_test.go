package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/ratelimit"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqlite"
)

// eventLog records the desk's events in the transaction it is given, in a
// table of the desk's database: a row exists only if the change committed.
type eventLog struct {
	db   *sqldb.DB
	mu   sync.Mutex
	fail bool
}

func newEventLog(t *testing.T, db *sqldb.DB) *eventLog {
	if _, err := db.ExecContext(context.Background(), `CREATE TABLE IF NOT EXISTS test_events (type TEXT, data TEXT)`); err != nil {
		t.Fatal(err)
	}
	return &eventLog{db: db}
}

func (l *eventLog) Publish(ctx context.Context, tx events.Execer, at time.Time, d events.Data) error {
	l.mu.Lock()
	fail := l.fail
	l.mu.Unlock()
	if tx == nil {
		return errNoTx
	}
	if fail {
		return errFail
	}
	b, _ := json.Marshal(d)
	_, err := tx.ExecContext(ctx, `INSERT INTO test_events(type, data) VALUES(?,?)`, d.EventType(), string(b))
	return err
}

var (
	errNoTx = errors.New("no transaction")
	errFail = errors.New("event store down")
)

type logged struct {
	Type string
	Data map[string]any
}

func (l *eventLog) all(t *testing.T) []logged {
	t.Helper()
	rows, err := l.db.QueryContext(context.Background(), `SELECT type, data FROM test_events ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []logged
	for rows.Next() {
		var e logged
		var data string
		rows.Scan(&e.Type, &data)
		json.Unmarshal([]byte(data), &e.Data)
		out = append(out, e)
	}
	return out
}

func setupEvents(t *testing.T) (*env, *eventLog, *sqldb.DB) {
	t.Helper()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := newEventLog(t, db)
	e := setupWith(t, func(c *Config) {
		c.DB, c.Events = db, log
		c.HandoffLimit = ratelimit.Rate{Burst: 100, Every: time.Second}
	})
	return e, log, db
}

// A 留言 causes leave_message.created with the contact as given, in the
// transaction that stores it; when the event cannot be written, the 留言
// is not stored either and the citizen is told.
func TestLeaveMessageEvent(t *testing.T) {
	e, log, _ := setupEvents(t)
	c := dial(t, e, "citizen", "")
	c.Send(map[string]any{"type": "leave_message", "id": "l1", "text": "社保卡丢了 电话13800001111", "contact": "13800001111 张先生"})
	ack := c.Expect("ack", nil)
	evs := log.all(t)
	if len(evs) != 1 || evs[0].Type != events.TypeLeaveMessage {
		t.Fatalf("events = %+v", evs)
	}
	d := evs[0].Data
	if d["message_id"] != ack["conversation"] || d["contact"] != "13800001111 张先生" || d["text"] != "社保卡丢了 电话13800001111" || d["session_id"] == "" {
		t.Errorf("event data = %v (ack %v)", d, ack)
	}
	log.mu.Lock()
	log.fail = true
	log.mu.Unlock()
	c.Send(map[string]any{"type": "leave_message", "id": "l2", "text": "第二条留言"})
	if f := c.Expect("error", nil); f["code"] != "internal" {
		t.Errorf("a 留言 whose event failed: %v", f)
	}
	if msgs, _ := e.desk.Messages(context.Background(), "", 0); len(msgs) != 1 {
		t.Errorf("the 留言 without its event was stored: %+v", msgs)
	}
}

// How a conversation ends decides whether it is reported unresolved.
func TestUnresolvedHandoffEvents(t *testing.T) {
	e, log, db := setupEvents(t)
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)

	start := func(name string) (*chattest.Conn, string) {
		c := dial(t, e, name, "")
		c.Send(map[string]any{"type": "handoff_message", "id": "x", "text": "先说一句"}) // not in a handoff yet: refused
		c.Expect("error", nil)
		c.Send(map[string]any{"type": "handoff", "id": "h"})
		return c, c.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusQueued })["conversation"].(string)
	}
	take := func(c *chattest.Conn, conv string) {
		wang.Send(map[string]any{"type": "handoff_take", "id": "t", "conversation": conv})
		wang.Expect("conversation", func(f chattest.Frame) bool { return f["id"] == "t" })
		c.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusActive })
	}
	endByOperator := func(c *chattest.Conn, conv string, resolved bool) {
		wang.Send(map[string]any{"type": "handoff_end", "id": "e", "conversation": conv, "resolved": resolved})
		wang.Expect("ack", func(f chattest.Frame) bool { return f["of"] == TypeHandoffEnd && f["conversation"] == conv })
		c.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusClosed })
	}

	// Resolved by the operator: no event.
	c1, conv1 := start("resolved")
	take(c1, conv1)
	endByOperator(c1, conv1, true)
	// Ended by the operator without marking it resolved.
	c2, conv2 := start("unresolved")
	take(c2, conv2)
	c2.Send(map[string]any{"type": "handoff_message", "id": "m", "text": "我的电话13800001111"})
	c2.Expect("ack", nil)
	endByOperator(c2, conv2, false)
	// The citizen ends it while talking to the operator.
	c3, conv3 := start("citizen ends")
	take(c3, conv3)
	c3.Send(map[string]any{"type": "handoff_end", "id": "e"})
	c3.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusClosed })
	// The citizen ends it while queued; an operator closes another from
	// the queue ("resolved" from the queue is refused: nobody talked).
	c4, conv4 := start("left while queued")
	c4.Send(map[string]any{"type": "handoff_end", "id": "e"})
	c4.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusClosed })
	c5, conv5 := start("closed from the queue")
	endByOperator(c5, conv5, true)

	want := map[string][2]string{conv2: {events.OutcomeUnresolved, FromOperator}, conv3: {events.OutcomeCitizenEnded, FromCitizen},
		conv4: {events.OutcomeNotTaken, FromCitizen}, conv5: {events.OutcomeNotTaken, FromOperator}}
	evs := log.all(t)
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for _, ev := range evs {
		d := ev.Data
		w, ok := want[d["conversation"].(string)]
		if ev.Type != events.TypeHandoffUnresolved || !ok || d["outcome"] != w[0] || d["ended_by"] != w[1] {
			t.Errorf("event %v, want %v", d, w)
			continue
		}
		tr, _ := json.Marshal(d["transcript"])
		if d["conversation"] == conv2 {
			if d["staff_no"] != "1001" || d["taken"] == nil || !strings.Contains(string(tr), "我的电话13800001111") || !strings.Contains(string(tr), "（未解决）") {
				t.Errorf("unresolved event: %v", d)
			}
		}
		if d["conversation"] == conv4 && d["taken"] != nil {
			t.Errorf("a conversation never taken has taken: %v", d)
		}
	}
	// The resolved one says so in its stored transcript.
	var text string
	db.QueryRowContext(context.Background(), `SELECT text FROM handoff_entries WHERE handoff_id=? ORDER BY id DESC LIMIT 1`, conv1).Scan(&text)
	if !strings.Contains(text, "（已解决）") {
		t.Errorf("the resolved conversation's last entry: %q", text)
	}
}

// Conversations left open when govchat stops end when it starts again,
// each reported unresolved (interrupted), in the transaction that closes it.
func TestInterruptedConversationsReported(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.OpenDB(filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := newEventLog(t, db)
	e := setupWith(t, func(c *Config) { c.DB, c.Events = db, log })
	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	var convs []string
	for i, name := range []string{"queued", "connected"} {
		c := dial(t, e, name, "")
		c.Send(map[string]any{"type": "handoff", "id": "h"})
		conv := c.Expect("handoff", nil)["conversation"].(string)
		convs = append(convs, conv)
		if i == 1 {
			wang.Send(map[string]any{"type": "handoff_take", "id": "t", "conversation": conv})
			wang.Expect("conversation", nil)
		}
	}
	// A new desk over the same database: a restart.
	again, err := New(Config{DB: db, Redact: func(s string) string { return s }, Events: log})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	evs := log.all(t)
	if len(evs) != 2 {
		t.Fatalf("events after the restart: %+v", evs)
	}
	for i, ev := range evs {
		d := ev.Data
		if d["conversation"] != convs[i] || d["outcome"] != events.OutcomeInterrupted || d["ended_by"] != FromSystem || d["closed"] == nil ||
			!strings.Contains(mustJSON(d["transcript"]), "服务重启，会话已结束") {
			t.Errorf("event %d: %v", i, d)
		}
	}
	if evs[1].Data["staff_no"] != "1001" || evs[0].Data["taken"] != nil {
		t.Errorf("taken/staff of the interrupted conversations: %v / %v", evs[0].Data, evs[1].Data)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
