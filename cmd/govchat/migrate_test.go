package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/outbox/sqlstore"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/sealbox"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
	"github.com/govchat/govchat/internal/sqlite"
	"github.com/govchat/govchat/internal/wechat"
)

var cheapHash = auth.HashParams{Memory: 64, Time: 1, Threads: 1}

const (
	hookA = "https://a.example.gov.cn/hook"
	hookB = "https://b.example.gov.cn/hook"
)

// singleInstance is what a single instance leaves under data/: one record
// (or more) of every kind, written by the stores themselves.
type singleInstance struct {
	answerID, token, wechatToken, conv string
	userIDs, evidenceIDs               []int64
	reviewID                           int64
}

func fillDataDir(t *testing.T, data string) singleInstance {
	t.Helper()
	ctx := context.Background()
	var si singleInstance

	hist, err := history.Open(history.Config{Path: filepath.Join(data, "history.db"), Redact: safety.Redact})
	if err != nil {
		t.Fatal(err)
	}
	si.answerID = "a_moved1"
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i, r := range []govchat.Record{
		{AnswerID: si.answerID, Session: "s_old", Channel: "ws", At: at, Question: "社保卡怎么补办", Answer: "携带身份证[1]", Mode: "extractive",
			Latency: 12 * time.Millisecond, Sources: []govchat.RecordSource{{N: 1, DocID: "guide-1", Anchor: "s2", Title: "补办指南"}}},
		{AnswerID: "a_moved2", Session: "s_old", Channel: "api", At: at.Add(time.Minute), Question: "养犬登记在哪里办", Answer: "抱歉", Refused: true, Reason: "low_confidence"},
	} {
		if err := hist.Record(ctx, r); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := hist.Feedback(ctx, govchat.Feedback{AnswerID: si.answerID, Helpful: false, Reason: "不清楚"}); err != nil {
		t.Fatal(err)
	}
	hist.Close()

	accounts, err := auth.New(auth.Config{Path: filepath.Join(data, "auth.db"), Hash: cheapHash})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.NewUser{
		{Username: "boss", Name: "赵六", StaffNo: "9001", Role: auth.RoleAdmin, Password: "admin password!"},
		{Username: "wang", Name: "王五", StaffNo: "1001", Role: auth.RoleOperator, Password: "correct horse battery"},
	} {
		nu, err := accounts.AddUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		si.userIDs = append(si.userIDs, nu.ID)
	}
	if si.token, _, err = accounts.Login(ctx, "wang", "correct horse battery", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	accounts.Record(ctx, auth.Event{Actor: "boss", Action: "user_add", Target: "wang"})
	accounts.Close()

	wb, err := sqlite.OpenDB(filepath.Join(data, "workbench.db"))
	if err != nil {
		t.Fatal(err)
	}
	rv, err := review.New(wb, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	item, err := rv.Add(ctx, review.Item{Kind: review.KindProposal, Question: "社保卡补办要多久", Answer: "当场办结", By: "wang", StaffNo: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	si.reviewID = item.ID
	if _, err := rv.Add(ctx, review.Item{Kind: review.KindFlag, DocID: "guide-1", Problem: review.ProblemOutdated, By: "wang", StaffNo: "1001"}); err != nil {
		t.Fatal(err)
	}
	// Evidence for 相似问 (learning from use), one of it resolved.
	ev, err := learn.NewSQLStore(wb, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range []govchat.Evidence{
		{Wording: "社保卡丢了咋整", EntryID: "faq-sbk", Kind: govchat.EvidenceTapHelpful, Session: "s_old", AnswerID: "a_moved1", At: at},
		{Wording: "社保卡掉了", EntryID: "faq-sbk", Kind: govchat.EvidenceOperatorPush, By: "wang", At: at.Add(time.Minute)},
	} {
		id, err := ev.Add(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		si.evidenceIDs = append(si.evidenceIDs, id)
		if i == 1 {
			if _, err := ev.Resolve(ctx, []int64{id}, learn.StatusRejected, "boss", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	// As serve would: 留言 contacts sealed with data/contact.key.
	box, err := sealbox.LoadOrCreate(filepath.Join(data, "contact.key"))
	if err != nil {
		t.Fatal(err)
	}
	si.conv = handoffRecords(t, wb, box)
	// Outbound events waiting for two receivers, one delivered to the first.
	ob, err := sqlstore.New(wb)
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{`{"conversation":"` + si.conv + `"}`, `{"message_id":"m_1"}`} {
		ev := events.Event{ID: fmt.Sprintf("evt_%032d", i+1), Type: events.TypeLeaveMessage, Time: at.Add(time.Duration(i) * time.Second), Body: []byte(body)}
		if err := ob.Add(ctx, nil, []string{hookA, hookB}, at, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := ob.Delivered(ctx, fmt.Sprintf("evt_%032d", 1), hookA, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wb.Close()

	tokens, err := wechat.OpenStore(wechat.StoreConfig{Path: filepath.Join(data, "wechat.db")})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Issue(ctx, wechat.Session{OpenID: "o_moved", UnionID: "u_moved"})
	if err != nil {
		t.Fatal(err)
	}
	si.wechatToken = tok.Value
	tokens.Close()
	return si
}

type staffTokens struct{}

func (staffTokens) Authenticate(_ context.Context, token string) (govchat.Principal, error) {
	return govchat.Principal{Role: govchat.RoleOperator, ID: "wang", Name: "1001"}, nil
}

type refuser struct{}

func (refuser) Answer(context.Context, govchat.Request) (*govchat.Answer, error) {
	return &govchat.Answer{Text: "抱歉", Refused: true, Mode: govchat.ModeRefused}, nil
}

// handoffRecords runs a 转人工 conversation and a 留言 through a desk on db
// and returns the conversation's id.
func handoffRecords(t *testing.T, db *sqldb.DB, contacts handoff.Sealer) string {
	t.Helper()
	desk, err := handoff.New(handoff.Config{DB: db, Redact: safety.Redact, Contacts: contacts})
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	hub, err := chat.New(chat.Config{Authenticator: staffTokens{}}, refuser{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	desk.Attach(hub)
	srv := httptest.NewServer(hub)
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hub.Shutdown(ctx)
	}()
	wang := chattest.Dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	wang.Hello("staff")
	wang.Send(map[string]any{"type": "queue_subscribe"})
	wang.Expect("queue", nil)
	citizen := chattest.Dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	citizen.Hello("")
	citizen.Send(map[string]any{"type": "handoff", "id": "h"})
	conv := citizen.Expect("handoff", nil).S("conversation")
	citizen.Send(map[string]any{"type": "handoff_message", "id": "m", "text": "请回电13912345678"})
	citizen.Expect("ack", nil)
	wang.Send(map[string]any{"type": "handoff_take", "id": "t", "conversation": conv})
	wang.Expect("conversation", nil)
	wang.Send(map[string]any{"type": "agent_message", "id": "a", "conversation": conv, "text": "好的"})
	wang.Expect("ack", nil)
	citizen.Send(map[string]any{"type": "handoff_end", "id": "e"})
	citizen.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "closed" })
	citizen.Send(map[string]any{"type": "leave_message", "id": "l", "text": "明天再联系", "contact": "13912345678"})
	citizen.Expect("ack", nil)
	return conv
}

// govchat migrate --from-sqlite moves a data directory with every kind of
// record into PostgreSQL, counts checked and printed; the stores on
// PostgreSQL then read what the single instance wrote, and go on writing
// without colliding with the copied ids.
func TestMigrateFromSQLite(t *testing.T) {
	url := pgtest.Shared(t).DB(t)
	data := t.TempDir()
	si := fillDataDir(t, data)
	getenv := shippedEnv(t.TempDir(), map[string]string{"GOVCHAT_DATABASE_URL": url})
	out, errOut, code := runIn(t, getenv, "", "migrate", "--from-sqlite", data)
	if code != 0 {
		t.Fatalf("migrate --from-sqlite: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Log(out)
	for _, want := range []string{
		`history.db +answers +2 +2`, `history.db +answer_sources +1 +1`, `history.db +feedback +1 +1`,
		`history.db +concern_days +2 +2`, `history.db +doc_citations +1 +1`,
		`auth.db +users +2 +2`, `auth.db +sessions +1 +1`, `auth.db +audit +1 +1`,
		`workbench.db +handoffs +1 +1`, `workbench.db +handoff_entries +\d+ +\d+`, `workbench.db +leave_messages +1 +1`, `workbench.db +review_items +2 +2`, `workbench.db +outbox_events +2 +2`, `workbench.db +outbox_deliveries +4 +4`,
		`workbench.db +learn_evidence +2 +2`,
		`wechat.db +wechat_sessions +1 +1`, `every count matches`, `contacts are sealed with .*contact.key`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %q", want)
		}
	}

	ctx := context.Background()
	pg := sqldbtest.OpenPostgres(t, url).SQL
	hist, err := history.Open(history.Config{DB: pg, Redact: safety.Redact})
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	rec, err := hist.Answer(ctx, si.answerID)
	if err != nil || rec.Question != "社保卡怎么补办" || len(rec.Sources) != 1 || rec.Sources[0].Anchor != "s2" || rec.Latency != 12*time.Millisecond {
		t.Errorf("answer on PostgreSQL = %+v, %v", rec, err)
	}
	if fb, _ := hist.FeedbackOf(ctx, si.answerID); len(fb) != 1 || fb[0].Helpful || fb[0].Reason != "不清楚" {
		t.Errorf("feedback = %+v", fb)
	}
	if groups, _ := hist.Unanswered(ctx, govchat.UnansweredQuery{}); len(groups) != 2 {
		t.Errorf("unanswered on PostgreSQL = %+v", groups)
	}
	// The 回应关切 counts came along: the report needs no backfill.
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if counts, err := hist.ConcernCounts(ctx, govchat.PeriodQuery{From: day, To: day.AddDate(0, 0, 1)}); err != nil || len(counts) != 2 {
		t.Errorf("concern counts on PostgreSQL = %+v, %v", counts, err)
	}

	accounts, err := auth.New(auth.Config{DB: pg, Hash: cheapHash})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := accounts.Authenticate(ctx, si.token); err != nil || s.User.StaffNo != "1001" {
		t.Errorf("a sign-in from before the move: %+v, %v", s, err)
	}
	if ev, _ := accounts.Events(ctx, "boss", 0); len(ev) != 1 || ev[0].Target != "wang" {
		t.Errorf("audit = %+v", ev)
	}
	nu, err := accounts.AddUser(ctx, auth.NewUser{Username: "li", Name: "李四", StaffNo: "1002", Role: auth.RoleOperator, Password: "another long one"})
	if err != nil || nu.ID <= si.userIDs[1] {
		t.Errorf("new account after the move: %+v, %v (ids before: %v)", nu, err, si.userIDs)
	}

	rv, err := review.New(pg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if it, err := rv.Get(ctx, si.reviewID); err != nil || it.Question != "社保卡补办要多久" {
		t.Errorf("review item = %+v, %v", it, err)
	}
	if it, err := rv.Add(ctx, review.Item{Kind: review.KindFlag, DocID: "x", Problem: review.ProblemWrong, By: "li"}); err != nil || it.ID <= si.reviewID+1 {
		t.Errorf("new review item after the move: %+v, %v", it, err)
	}

	evs, err := learn.NewSQLStore(pg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := evs.List(ctx, learn.Query{}); err != nil || len(got) != 2 || got[1].Wording != "社保卡丢了咋整" || got[1].AnswerID != "a_moved1" ||
		got[0].Status != learn.StatusRejected || got[0].ResolvedBy != "boss" {
		t.Errorf("evidence on PostgreSQL = %+v, %v", got, err)
	}
	if id, err := evs.Add(ctx, govchat.Evidence{Wording: "社保卡补办", EntryID: "faq-sbk", Kind: govchat.EvidenceTapKept}); err != nil || id <= si.evidenceIDs[1] {
		t.Errorf("new evidence after the move: %d, %v (before: %v)", id, err, si.evidenceIDs)
	}

	tokens, err := wechat.OpenStore(wechat.StoreConfig{DB: pg})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := tokens.Verify(ctx, si.wechatToken); err != nil || id.OpenID != "o_moved" || id.UnionID != "u_moved" {
		t.Errorf("WeChat token after the move: %+v, %v", id, err)
	}

	// The instances seal and open contacts with the single instance's key.
	box, err := sealbox.LoadOrCreate(filepath.Join(data, "contact.key"))
	if err != nil {
		t.Fatal(err)
	}
	desk, err := handoff.New(handoff.Config{DB: pg, Redact: safety.Redact, KeepOpen: true, Contacts: box})
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	c, err := desk.Conversation(ctx, si.conv)
	if err != nil || c.Status != "closed" || c.StaffNo != "1001" {
		t.Fatalf("conversation = %+v, %v", c, err)
	}
	var lines []string
	for _, e := range c.Transcript {
		lines = append(lines, e.From+":"+e.Text)
	}
	if got := strings.Join(lines, "|"); !strings.Contains(got, "citizen:请回电") || !strings.Contains(got, "operator:好的") || strings.Contains(got, "13912345678") {
		t.Errorf("transcript after the move: %s", got)
	}
	if msgs, _ := desk.Messages(ctx, "open", 0); len(msgs) != 1 || msgs[0].Contact != "13912345678" {
		t.Errorf("留言 after the move = %+v", msgs)
	}

	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // as fillDataDir
	ob, err := sqlstore.New(pg)
	if err != nil {
		t.Fatal(err)
	}
	if pending, _ := ob.List(ctx, outbox.Filter{PendingOnly: true}); len(pending) != 3 || !strings.Contains(string(pending[0].Body), si.conv) {
		t.Errorf("pending deliveries after the move: %+v", pending)
	}
	got, err := ob.Claim(ctx, hookA, at.Add(time.Hour), at.Add(2*time.Hour), 10)
	if err != nil || len(got) != 1 || got[0].EventID != fmt.Sprintf("evt_%032d", 2) {
		t.Errorf("claim after the move: %+v, %v", got, err)
	}
	later := events.Event{ID: fmt.Sprintf("evt_%032d", 3), Type: events.TypeLeaveMessage, Time: at.Add(time.Hour), Body: []byte(`{}`)}
	if err := ob.Add(ctx, nil, []string{hookA}, at, later); err != nil {
		t.Errorf("a new event after the move: %v", err)
	}
	if all, _ := ob.List(ctx, outbox.Filter{Endpoint: hookA}); len(all) != 3 || all[2].EventID != later.ID {
		t.Errorf("order after the move (the sequence moved past the copied events): %+v", all)
	}

	// Moving twice is refused: PostgreSQL is no longer empty.
	_, errOut, code = runIn(t, getenv, "", "migrate", "--from-sqlite", data)
	if code == 0 || !strings.Contains(errOut, "already holds") {
		t.Errorf("second move: exit %d, %s", code, errOut)
	}
}

// govchat migrate brings the embedded databases up to date and says so.
func TestMigrateSQLite(t *testing.T) {
	data := t.TempDir()
	out, errOut, code := runIn(t, shippedEnv(data, nil), "", "migrate")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"history", "auth", "handoff", "review", "learn", "wechat"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}
