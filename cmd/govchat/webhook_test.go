package main

// The outbound events end to end: a real `govchat serve` (Main) sends its
// events to a receiver that is down for a while, is restarted in between on
// the same data directory, and every event reaches the receiver — which
// verifies signatures and deduplicates by id the way a 工单 system would,
// with its own code, not govchat's — exactly once after deduplication.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/config"
	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/sqlite"
)

const webhookSecret = "test-secret-0123456789abcdef"

// ticketReceiver stands in for the 12345 工单 system: it checks every
// request's signature and timestamp, keeps each event id once, and can be
// down (nothing listens on its address) or lose its acknowledgements.
type ticketReceiver struct {
	t      *testing.T
	addr   string
	now    func() time.Time
	secret []byte

	mu        sync.Mutex
	srv       *http.Server
	loseFirst bool              // answer 500 to the first delivery of each id, after keeping it
	tickets   map[string][]byte // id → body, deduplicated
	order     []string          // ids in the order first received
	received  map[string]int    // deliveries per id
	rejected  []string          // why requests were refused
}

func newTicketReceiver(t *testing.T) *ticketReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // down until up
	cfg, _ := config.FromEnv(func(k string) string {
		if k == "GOVCHAT_NOW" {
			return testNow
		}
		return ""
	})
	r := &ticketReceiver{t: t, addr: addr, now: cfg.Clock(), secret: []byte(webhookSecret), tickets: map[string][]byte{}, received: map[string]int{}}
	t.Cleanup(r.down)
	return r
}

func (r *ticketReceiver) url() string { return "http://" + r.addr + "/hooks/12345" }

func (r *ticketReceiver) up() {
	var ln net.Listener
	var err error
	for range 50 { // the address was free a moment ago; retry briefly
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("receiver: %v", err)
	}
	srv := &http.Server{Handler: r}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go srv.Serve(ln)
}

func (r *ticketReceiver) down() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// ServeHTTP verifies and keeps one event, as docs/webhooks.md tells a
// receiver to.
func (r *ticketReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	defer r.mu.Unlock()
	refuse := func(why string) {
		r.rejected = append(r.rejected, why)
		http.Error(w, why, http.StatusUnauthorized)
	}
	ts, err := strconv.ParseInt(req.Header.Get("X-Govchat-Timestamp"), 10, 64)
	if err != nil {
		refuse("no timestamp")
		return
	}
	if d := r.now().Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		refuse(fmt.Sprintf("timestamp %d is %v off", ts, d))
		return
	}
	mac := hmac.New(sha256.New, r.secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	if !hmac.Equal([]byte("sha256="+hex.EncodeToString(mac.Sum(nil))), []byte(req.Header.Get("X-Govchat-Signature"))) {
		refuse("bad signature")
		return
	}
	var env struct{ ID, Type string }
	if err := json.Unmarshal(body, &env); err != nil || env.ID == "" || env.ID != req.Header.Get("X-Govchat-Id") || env.Type != req.Header.Get("X-Govchat-Event") {
		refuse("body and headers disagree")
		return
	}
	r.received[env.ID]++
	if prev, ok := r.tickets[env.ID]; ok {
		if !bytes.Equal(prev, body) {
			r.rejected = append(r.rejected, "event "+env.ID+" changed between deliveries")
		}
		w.WriteHeader(http.StatusOK) // a duplicate: acknowledged, not a new ticket
		return
	}
	r.tickets[env.ID] = body
	r.order = append(r.order, env.ID)
	if r.loseFirst {
		http.Error(w, "ack lost", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *ticketReceiver) snapshot() (tickets map[string][]byte, received map[string]int, rejected []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tickets, received = map[string][]byte{}, map[string]int{}
	for k, v := range r.tickets {
		tickets[k] = v
	}
	for k, v := range r.received {
		received[k] = v
	}
	return tickets, received, append([]string(nil), r.rejected...)
}

// metric reads one unlabelled value from /metrics.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("/metrics has no %s", name)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func eventually(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func postJSON(t *testing.T, base, path string, h http.Header, body any, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// citizen opens a chat socket that has said hello.
func citizen(t *testing.T, base, name string) *chattest.Conn {
	c := chattest.Dial(t, wsURL(base), nil)
	c.Name, c.Timeout = name, time.Minute
	c.Send(map[string]any{"type": "hello", "v": 1})
	c.Expect("session", nil)
	return c
}

// personalRe finds what must not leave govchat outside a 留言's contact.
var personalRe = regexp.MustCompile(`13800001111|13912345678|330203199001011234|0574-87654321`)

func TestWebhookDeliveryAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts govchat twice")
	}
	root := moduleRoot(t)
	// A copy: accepting the FAQ proposal below writes it into the
	// knowledge base (faq/reviewed.yaml).
	knowledge := copyDir(t, filepath.Join(root, "knowledge"))
	data := t.TempDir()
	rcv := newTicketReceiver(t)
	env := map[string]string{
		"GOVCHAT_WEBHOOK_URL":    rcv.url(),
		"GOVCHAT_WEBHOOK_SECRET": webhookSecret,
		"GOVCHAT_RATE_IP":        "-1",
		"GOVCHAT_RATE_SESSION":   "-1",
		"GOVCHAT_PUBLIC_URL":     "https://govchat.example.gov.cn",
	}
	// A retry schedule short enough for a test, on govchat's own clock.
	fast := func(m *Main) {
		m.Delivery = outbox.Config{Backoff: outbox.Backoff{First: 50 * time.Millisecond, Max: 400 * time.Millisecond}, Poll: 200 * time.Millisecond}
	}
	rs := startServeIn(t, knowledge, data, env, fast)

	svc, err := auth.New(auth.Config{Path: filepath.Join(data, "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	const password = "operator password"
	for _, u := range []auth.NewUser{
		{Username: "wang", Name: "王五", StaffNo: "1001", Role: auth.RoleOperator, Password: password},
		{Username: "boss", Name: "赵六", StaffNo: "9001", Role: auth.RoleAdmin, Password: password},
	} {
		if _, err := svc.AddUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	svc.Close()
	login := func(base, user string) string {
		var lr struct{ Token string }
		if code := postJSON(t, base, "/api/agent/login", nil, map[string]any{"username": user, "password": password}, &lr); code != 200 {
			t.Fatalf("login %s: %d", user, code)
		}
		return lr.Token
	}
	op, admin := login(rs.base, "wang"), login(rs.base, "boss")

	// ---- first run, the receiver down ----
	// 留言 while nobody is online, with personal numbers in the text.
	a := citizen(t, rs.base, "citizen A")
	a.Send(map[string]any{"type": "handoff", "id": "h"})
	a.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "no_operator" })
	a.Send(map[string]any{"type": "leave_message", "id": "l1", "text": "社保卡丢了，身份证号330203199001011234，电话13800001111，请回电", "contact": "13800001111 张先生"})
	a.Expect("ack", nil)

	// 👎 with a reason (an event); 👍 and 👎 without a reason (none).
	a.Send(map[string]any{"type": "ask", "id": "q1", "text": seedQuestion})
	ans := a.Expect("answer", nil)
	a.Send(map[string]any{"type": "feedback", "id": "f1", "answer_id": ans["answer_id"], "helpful": false, "reason": "没说清楚，请打13912345678联系我"})
	a.Expect("ack", nil)
	a.Send(map[string]any{"type": "feedback", "id": "f2", "answer_id": ans["answer_id"], "helpful": false})
	a.Expect("ack", nil)
	a.Send(map[string]any{"type": "feedback", "id": "f3", "answer_id": ans["answer_id"], "helpful": true, "reason": "有用"})
	a.Expect("ack", nil)

	// An operator online; one conversation ended unresolved, one resolved,
	// one left open when govchat stops.
	var ticket struct{ Ticket string }
	postJSON(t, rs.base, "/api/agent/ws-ticket", cookie(op), nil, &ticket)
	o := chattest.Dial(t, wsURL(rs.base), nil)
	o.Name, o.Timeout = "operator", time.Minute
	o.Send(map[string]any{"type": "hello", "v": 1, "token": ticket.Ticket})
	o.Expect("session", nil)
	o.Send(map[string]any{"type": "queue_subscribe", "id": "s"})
	o.Expect("queue", nil)
	handoff := func(name string, resolved *bool) (*chattest.Conn, string) {
		c := citizen(t, rs.base, name)
		c.Send(map[string]any{"type": "handoff", "id": "h"})
		conv := c.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "queued" })["conversation"].(string)
		if resolved == nil {
			return c, conv
		}
		o.Send(map[string]any{"type": "handoff_take", "id": "t-" + conv, "conversation": conv})
		o.Expect("conversation", func(f chattest.Frame) bool { return f["id"] == "t-"+conv })
		c.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "connected" })
		c.Send(map[string]any{"type": "handoff_message", "id": "m", "text": "我的手机13800001111，座机0574-87654321"})
		c.Expect("ack", nil)
		o.Send(map[string]any{"type": "handoff_end", "id": "e-" + conv, "conversation": conv, "resolved": *resolved})
		o.Expect("ack", func(f chattest.Frame) bool { return f["id"] == "e-"+conv })
		c.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "closed" })
		return c, conv
	}
	no, yes := false, true
	_, unresolvedConv := handoff("citizen B", &no)
	handoff("citizen C", &yes)
	_, openConv := handoff("citizen D", nil)

	// A proposed FAQ entry approved, a flag rejected.
	var item struct{ ID int64 }
	postJSON(t, rs.base, "/api/agent/review/proposals", bearer(op), map[string]any{"question": "社保卡丢了怎么补办？（市民电话13800001111）", "answer": "携带身份证到社保中心补办。", "department": "区人力社保局"}, &item)
	if code := postJSON(t, rs.base, fmt.Sprintf("/api/admin/review/%d", item.ID), bearer(admin), map[string]any{"status": "accepted", "note": "已加入知识库"}, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	postJSON(t, rs.base, "/api/agent/review/flags", bearer(op), map[string]any{"doc_id": "haishu-zwgk-2019", "problem": "outdated"}, &item)
	postJSON(t, rs.base, fmt.Sprintf("/api/admin/review/%d", item.ID), bearer(admin), map[string]any{"status": "rejected"}, nil)

	// Four events wait; the dispatcher has been retrying.
	eventually(t, "four events in the backlog", 10*time.Second, func() bool { return metric(t, rs.base, "govchat_webhook_backlog") == 4 })
	eventually(t, "a failed attempt", 10*time.Second, func() bool {
		resp, _ := http.Get(rs.base + "/metrics")
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return bytes.Contains(b, []byte(`govchat_webhook_deliveries_total{result="failed"}`))
	})
	if age := metric(t, rs.base, "govchat_webhook_oldest_pending_seconds"); age <= 0 {
		t.Errorf("oldest pending = %v s", age)
	}
	cli := func(args ...string) string {
		var out, errOut bytes.Buffer
		getenv := func(k string) string {
			switch k {
			case "GOVCHAT_DATA":
				return data
			case "GOVCHAT_KNOWLEDGE":
				return knowledge
			case "GOVCHAT_NOW":
				return testNow
			}
			return env[k]
		}
		if code := run(context.Background(), args, strings.NewReader(""), &out, &errOut, getenv); code != 0 {
			t.Fatalf("govchat %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String()
	}
	list := cli("events", "list")
	if !strings.Contains(list, "待投递：4") || strings.Count(list, "evt_") != 4 || !strings.Contains(list, "connection refused") {
		t.Errorf("events list while the receiver is down:\n%s", list)
	}

	// At rest the outbox holds the events sealed (contact.key): the 留言's
	// contact is not in workbench.db in clear.
	wb, err := sqlite.Open(filepath.Join(data, "workbench.db"))
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	rows, err := wb.Query(`SELECT body FROM outbox_events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		bodies = append(bodies, b)
	}
	rows.Close()
	wb.Close()
	if len(bodies) != 4 {
		t.Errorf("the outbox holds %d events, want 4", len(bodies))
	}
	for _, b := range bodies {
		if bytes.Contains(b, []byte("13800001111")) || bytes.Contains(b, []byte(`"type"`)) {
			t.Errorf("an event is stored in clear: %.80q", b)
		}
	}

	// ---- restart on the same data, the receiver still down ----
	rs.stop(t)
	rs = startServeIn(t, knowledge, data, env, fast)
	// The conversation left open ended with the restart: one more event.
	b := citizen(t, rs.base, "citizen E")
	b.Send(map[string]any{"type": "handoff", "id": "h"})
	b.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "no_operator" })
	b.Send(map[string]any{"type": "leave_message", "id": "l", "text": "第二条留言", "contact": "wang@example.com"})
	b.Expect("ack", nil)
	eventually(t, "six events in the backlog", 10*time.Second, func() bool { return metric(t, rs.base, "govchat_webhook_backlog") == 6 })

	// ---- the receiver comes back, losing its first acknowledgements ----
	rcv.mu.Lock()
	rcv.loseFirst = true
	rcv.mu.Unlock()
	rcv.up()
	eventually(t, "the backlog delivered", 30*time.Second, func() bool { return metric(t, rs.base, "govchat_webhook_backlog") == 0 })

	tickets, received, rejected := rcv.snapshot()
	if len(rejected) > 0 {
		t.Errorf("the receiver refused requests: %v", rejected)
	}
	if len(tickets) != 6 {
		t.Fatalf("%d distinct events arrived, want 6", len(tickets))
	}
	// Exactly the outbox's events, each once after deduplication (each was
	// delivered at least twice: the first acknowledgement was lost).
	var stored []eventRow
	if err := json.Unmarshal([]byte(cli("events", "list", "--all", "--json")), &stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 6 {
		t.Fatalf("the outbox holds %d deliveries, want 6", len(stored))
	}
	for _, s := range stored {
		if tickets[s.ID] == nil || s.Delivered.IsZero() {
			t.Errorf("outbox event %s %s: delivered %v, arrived %v", s.ID, s.Type, s.Delivered, tickets[s.ID] != nil)
		}
		if received[s.ID] < 2 {
			t.Errorf("event %s arrived %d times; its first acknowledgement was lost, so at least twice", s.ID, received[s.ID])
		}
	}

	// Every event matches the schema the server serves, and carries no
	// personal number but the 留言's contact.
	resp, err := http.Get(rs.base + "/api/events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	comp.AddResource("events.schema.json", doc)
	schema, err := comp.Compile("events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string][]map[string]any{}
	for id, body := range tickets {
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err := schema.Validate(v); err != nil {
			t.Errorf("event %s does not match events.schema.json: %v\n%s", id, err, body)
		}
		var e struct {
			Type   string
			Source string
			Data   map[string]any
		}
		json.Unmarshal(body, &e)
		if e.Source != "https://govchat.example.gov.cn" {
			t.Errorf("event %s: source %q", id, e.Source)
		}
		byType[e.Type] = append(byType[e.Type], e.Data)
		contact := ""
		if e.Type == events.TypeLeaveMessage {
			contact, _ = e.Data["contact"].(string)
			delete(e.Data, "contact")
		}
		rest, _ := json.Marshal(e.Data)
		if m := personalRe.Find(rest); m != nil {
			t.Errorf("%s %s carries %s outside a 留言's contact: %s", e.Type, id, m, rest)
		}
		walkText(e.Data, "", func(s string) {
			if safety.Redact(s) != s {
				t.Errorf("%s %s carries personal data: %q", e.Type, id, s)
			}
		})
		if contact != "" && contact != "13800001111 张先生" && contact != "wang@example.com" {
			t.Errorf("contact %q", contact)
		}
	}
	counts := map[string]int{}
	for typ, ds := range byType {
		counts[typ] = len(ds)
	}
	want := map[string]int{events.TypeLeaveMessage: 2, events.TypeFeedbackNegative: 1, events.TypeHandoffUnresolved: 2, events.TypeReviewApproved: 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("events by type = %v, want %v", counts, want)
	}
	outcomes := map[string]string{}
	for _, d := range byType[events.TypeHandoffUnresolved] {
		outcomes[d["conversation"].(string)] = d["outcome"].(string)
	}
	if outcomes[unresolvedConv] != events.OutcomeUnresolved || outcomes[openConv] != events.OutcomeInterrupted {
		t.Errorf("outcomes = %v (unresolved %s, interrupted %s)", outcomes, unresolvedConv, openConv)
	}
	for _, d := range byType[events.TypeLeaveMessage] {
		if d["contact"] == "13800001111 张先生" && !strings.Contains(d["text"].(string), "[身份证号]") {
			t.Errorf("the 留言's text is not redacted: %v", d["text"])
		}
	}
	if fb := byType[events.TypeFeedbackNegative]; len(fb) == 1 && (fb[0]["answer_id"] != ans["answer_id"] || !strings.Contains(fb[0]["reason"].(string), "[手机号]")) {
		t.Errorf("feedback event = %v", fb[0])
	}

	// ---- replay re-sends the same events; the receiver keeps them once ----
	rcv.mu.Lock()
	rcv.loseFirst = false
	rcv.mu.Unlock()
	before := received
	out := cli("events", "replay", "--since", "24h")
	if !strings.Contains(out, "已重新排队 6 个投递") {
		t.Errorf("replay: %s", out)
	}
	eventually(t, "the replay delivered", 20*time.Second, func() bool {
		_, r, _ := rcv.snapshot()
		for id, n := range before {
			if r[id] <= n {
				return false
			}
		}
		return true
	})
	if tickets, _, rejected := rcv.snapshot(); len(tickets) != 6 || len(rejected) > 0 {
		t.Errorf("after the replay: %d distinct events, refused %v", len(tickets), rejected)
	}
	if got := cli("events", "list"); !strings.Contains(got, "待投递：0") {
		t.Errorf("events list after delivery:\n%s", got)
	}
}

// walkText calls fn with every free-text value in v (the fields people
// write; times and identifiers are not text and may look like numbers).
func walkText(v any, key string, fn func(string)) {
	switch x := v.(type) {
	case string:
		switch key {
		case "text", "question", "answer", "reason", "note", "resolution", "similar", "title":
			fn(x)
		}
	case map[string]any:
		for k, e := range x {
			walkText(e, k, fn)
		}
	case []any:
		for _, e := range x {
			walkText(e, key, fn)
		}
	}
}

// Without a secret a URL refuses to start, with a message saying what to do.
func TestWebhookURLWithoutSecretRefusesToStart(t *testing.T) {
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "GOVCHAT_WEBHOOK_URL":
			return "https://12345.example.gov.cn/hooks"
		case "GOVCHAT_DATA":
			return t.TempDir()
		}
		return ""
	}
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut, getenv)
	if code == 0 || !strings.Contains(errOut.String(), "GOVCHAT_WEBHOOK_SECRET is required when GOVCHAT_WEBHOOK_URL is set") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
