package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/safety/safetytest"
	"github.com/govchat/govchat/internal/textnorm"
)

// TestPersonalDataNeverStored feeds every written form of 身份证号, mobile and
// landline numbers in safetytest.Forms through a running govchat — questions
// over the websocket and POST /api/ask, 👎 reasons, a 转人工 conversation
// (the questions before it, the citizen's and the operator's messages),
// 留言 (text and contact), review flags and FAQ proposals and their
// resolution, sign-ins with a number for a name — with debug logging, then reads every file in the data
// directory, the log and the unanswered report: none of the numbers
// survives, in any form a matching key could rebuild.
func TestPersonalDataNeverStored(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a server")
	}
	const adminToken = "redaction-admin-token"
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), map[string]string{
		"GOVCHAT_RATE_IP": "-1", "GOVCHAT_RATE_SESSION": "-1", "GOVCHAT_LOG_LEVEL": "debug", "GOVCHAT_ADMIN_TOKEN": adminToken,
	}, chat.Config{FrameRate: chat.Rate{PerMinute: 60000, Burst: 1000}})
	forms := safetytest.Forms
	ctx := context.Background()

	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery staple"
	for _, u := range []auth.NewUser{
		{Username: "red-op", Name: "接线员", StaffNo: "8001", Role: auth.RoleOperator, Password: password},
		{Username: "red-admin", Name: "管理员", StaffNo: "8002", Role: auth.RoleAdmin, Password: password},
	} {
		if _, err := svc.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	svc.Close()
	c := newContract(t, rs.base)
	login := func(user string) string {
		var lr struct {
			Token string `json:"token"`
		}
		c.json(t, call{method: "POST", path: "/api/agent/login", body: map[string]any{"username": user, "password": password}, status: 200}, &lr)
		return lr.Token
	}
	op, admin := login("red-op"), login("red-admin")
	// Sign-ins with a number typed as the user name (audit trail, throttle).
	for _, f := range forms[:10] {
		c.do(t, call{method: "POST", path: "/api/agent/login", body: map[string]any{"username": f.Form, "password": "wrong password"}, status: 401})
	}

	// Questions and 👎 reasons, over the websocket and the HTTP API.
	citizen := chattest.Dial(t, wsURL(rs.base), nil)
	citizen.Hello("")
	for i, f := range forms {
		id := fmt.Sprint("q", i)
		citizen.Send(map[string]any{"type": "ask", "id": id, "text": "我的电话是" + f.Form + "，居住证怎么办理"})
		a := citizen.Expect("answer", func(fr chattest.Frame) bool { return fr["id"] == id })
		citizen.Send(map[string]any{"type": "feedback", "id": "f" + id, "answer_id": a["answer_id"], "helpful": false, "reason": "请打" + f.Form + "联系我"})
		citizen.Expect("ack", func(fr chattest.Frame) bool { return fr["id"] == "f"+id })
		var ans struct {
			AnswerID string `json:"answer_id"`
		}
		c.json(t, call{method: "POST", path: "/api/ask", body: map[string]any{"question": f.Form + " 社保卡丢了怎么办"}, status: 200}, &ans)
		c.do(t, call{method: "POST", path: "/api/feedback", body: map[string]any{"answer_id": ans.AnswerID, "helpful": false, "reason": f.Form}, status: 200})
	}

	// 留言 while nobody is online: every form in the text, some as contacts
	// (留言 are limited to five per address).
	for i, text := range joinForms(forms, 900) {
		citizen.Send(map[string]any{"type": "leave_message", "id": fmt.Sprint("l", i), "text": text, "contact": forms[i*7%len(forms)].Form})
		citizen.Expect("ack", func(fr chattest.Frame) bool { return fr["id"] == fmt.Sprint("l", i) })
	}

	// A 转人工 conversation: the questions before it go into its
	// transcript; then the citizen and the operator write every form.
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	c.json(t, call{method: "POST", path: "/api/agent/ws-ticket", header: cookie(op), status: 200}, &ticket)
	o := chattest.Dial(t, wsURL(rs.base), nil)
	o.Hello(ticket.Ticket)
	o.Send(map[string]any{"type": "queue_subscribe", "id": "s1"})
	o.Expect("queue", nil)
	citizen.Send(map[string]any{"type": "handoff", "id": "h1", "reason": "requested"})
	conv := citizen.Expect("handoff", func(fr chattest.Frame) bool { return fr["status"] == "queued" })["conversation"]
	o.Send(map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
	o.Expect("conversation", func(fr chattest.Frame) bool { return fr["id"] == "t1" })
	citizen.Expect("handoff", func(fr chattest.Frame) bool { return fr["status"] == "connected" })
	for i, text := range joinForms(forms, 900) {
		citizen.Send(map[string]any{"type": "handoff_message", "id": fmt.Sprint("m", i), "text": text})
		citizen.Expect("ack", func(fr chattest.Frame) bool { return fr["id"] == fmt.Sprint("m", i) })
		o.Send(map[string]any{"type": "agent_message", "id": fmt.Sprint("a", i), "conversation": conv, "text": "您说的是" + text})
		o.Expect("ack", func(fr chattest.Frame) bool { return fr["id"] == fmt.Sprint("a", i) })
	}
	o.Send(map[string]any{"type": "handoff_end", "id": "e1", "conversation": conv})
	o.Expect("ack", func(fr chattest.Frame) bool { return fr["id"] == "e1" })

	// Review flags and FAQ proposals made from the conversation.
	for i, text := range joinForms(forms, 180) {
		var item struct {
			ID int64 `json:"id"`
		}
		c.json(t, call{method: "POST", path: "/api/agent/review/proposals", header: bearer(op), status: 201, body: map[string]any{
			"question": text, "similar": []string{text}, "answer": "请致电" + text, "note": text, "conversation": conv}}, &item)
		c.do(t, call{method: "POST", path: fmt.Sprintf("/api/admin/review/%d", item.ID), header: bearer(admin), body: map[string]any{"status": "rejected", "note": text}, status: 200})
		c.do(t, call{method: "POST", path: "/api/agent/review/flags", header: bearer(op), status: 201,
			body: map[string]any{"doc_id": "haishu-zwgk-2019", "problem": "other", "note": fmt.Sprint(i, text)}})
	}

	// What the service shows: the unanswered report and the 留言 list.
	_, report := c.do(t, call{method: "GET", path: "/api/admin/unanswered?limit=1000", header: bearer(adminToken), status: 200})
	_, transcript := c.do(t, call{method: "GET", path: "/api/agent/conversations/" + conv.(string), header: bearer(op), status: 200})
	shown := string(report) + string(transcript)
	rs.stop(t) // everything written and checkpointed

	sources := map[string]string{"log": rs.logs.String(), "API": shown}
	filepath.Walk(rs.data, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasSuffix(p, ".key") {
			b, _ := os.ReadFile(p)
			sources[strings.TrimPrefix(p, rs.data)] = string(b)
		}
		return nil
	})
	for name, text := range sources {
		key := textnorm.Key(strings.ToValidUTF8(text, " "))
		for _, f := range forms {
			if d := safetytest.Digits(f.Form); strings.Contains(text, f.Form) || strings.Contains(key, strings.ToLower(d)) {
				t.Errorf("%s holds %q", name, f.Form)
			}
		}
	}
	if !strings.Contains(sources["/history.db"], "[手机号]") && !strings.Contains(sources["/history.db-wal"], "[手机号]") {
		t.Error("history.db holds no redacted question: were the questions stored?")
	}
}

// joinForms writes every form into texts of at most max runes.
func joinForms(forms []struct{ Form, Token string }, max int) []string {
	var out []string
	cur := ""
	for _, f := range forms {
		part := "号码" + f.Form + "还有"
		if cur != "" && utf8.RuneCountInString(cur+part) > max {
			out = append(out, cur)
			cur = ""
		}
		cur += part
	}
	return append(out, cur)
}
