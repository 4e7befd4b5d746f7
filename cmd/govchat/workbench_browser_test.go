package main

// Browser tests of the operator workbench: a real Chromium signs in to
// /agent/ of a real `govchat serve` (Main over the shipped knowledge base),
// looks up, takes a handoff and chats with a citizen (see
// internal/browsertest).

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/browsertest"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
)

// pollTimeout bounds each wait for the page.
const pollTimeout = 15 * time.Second

// workbenchServer is a running serve whose address is URL.
type workbenchServer struct{ URL string }

// workbenchServe starts serve over the shipped knowledge base with one
// operator account: wang (王五, 工号 1001), password "operator password".
func workbenchServe(t *testing.T) workbenchServer {
	t.Helper()
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), nil, chat.Config{})
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "wang", Name: "王五", StaffNo: "1001", Role: auth.RoleOperator, Password: "operator password"}); err != nil {
		t.Fatal(err)
	}
	return workbenchServer{URL: rs.base}
}

func TestBrowserWorkbench(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: no browser")
	}
	ctx := browsertest.New(t, chromedp.WindowSize(1366, 900))
	ts := workbenchServe(t)

	// Let the page read back what it copied.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: ts.URL,
		}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}

	// Sign in: /agent/ answers with the sign-in page until then.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/agent/"), chromedp.WaitVisible(chromedp.ID("username"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), "wang"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong password"),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, ctx, "wrong password message", `!document.getElementById('login-error').hidden && document.getElementById('login-error').textContent.includes('用户名或密码错误')`, pollTimeout)
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById('password').value = ''`),
		chromedp.SendKeys(chromedp.ID("password"), "operator password"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("q")),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, ctx, "signed in, live queue connected", `document.getElementById('me').textContent.includes('工号 1001') && document.getElementById('conn').textContent === '在线'`, pollTimeout)

	// Look up a caller's question as the operator types.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"), "重大建设项目要公开哪些信息")); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, ctx, "FAQ answer with highlighted terms", `(function(){var c=document.querySelector('#faq .card');return c && c.textContent.includes('批准服务信息') && c.querySelector('mark') && c.querySelector('.badge').textContent==='现行有效';})()`, pollTimeout)
	browsertest.Poll(t, ctx, "department suggestion", `document.querySelector('.depts .chip.first') && document.querySelector('.depts .chip.first').textContent.includes('区政府办公室')`, pollTimeout)

	// Enter copies the selected answer with its source line.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"), kb.Enter)); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, ctx, "copied", `document.querySelector('.card.copied') !== null`, pollTimeout)
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read clipboard: %v", err)
	}
	if !strings.Contains(copied, "批准服务信息") || !strings.Contains(copied, "依据《") {
		t.Errorf("clipboard = %q, want the answer and its source line", copied)
	}

	// A citizen asks for a human; the conversation appears in the live queue.
	citizen := chattest.Dial(t, wsURL(ts.URL), nil)
	citizen.Name, citizen.Timeout = "citizen", 15*time.Second
	citizen.Send(map[string]any{"type": "hello", "v": 1})
	citizen.Expect("session", nil)
	citizen.Send(map[string]any{"type": "ask", "id": "q1", "text": "<img src=x onerror=alert(1)>我的问题"})
	citizen.Expect("answer", nil)
	citizen.Send(map[string]any{"type": "handoff", "id": "h1", "reason": "requested"})
	if f := citizen.Expect("handoff", nil); f["status"] != "queued" {
		t.Fatalf("handoff = %v", f)
	}
	browsertest.Poll(t, ctx, "queued conversation listed", `document.querySelector('#queue button.take') !== null`, pollTimeout)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#queue button.take"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, ctx, "transcript shown", `!document.getElementById('chat-panel').hidden && document.getElementById('transcript').textContent.includes('市民请求转人工')`, pollTimeout)
	// The citizen's text is shown as text, not markup.
	browsertest.Poll(t, ctx, "citizen text escaped", `document.getElementById('transcript').textContent.includes('<img src=x onerror=alert(1)>') && document.querySelector('#transcript img') === null`, pollTimeout)
	if f := citizen.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "connected" }); f["staff_no"] != "1001" {
		t.Errorf("connected = %v", f)
	}

	// Messages both ways.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("say"), "您好，这里是人工客服"+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if f := citizen.Expect("agent_message", nil); f["text"] != "您好，这里是人工客服" || f["staff_no"] != "1001" {
		t.Errorf("agent_message = %v", f)
	}
	citizen.Send(map[string]any{"type": "handoff_message", "id": "m1", "text": "重大建设项目公开哪些信息？"})
	browsertest.Poll(t, ctx, "citizen message live", `document.getElementById('transcript').textContent.includes('重大建设项目公开哪些信息？')`, pollTimeout)

	// Push the looked-up answer with its citation into the chat.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#faq .card .push"))); err != nil {
		t.Fatal(err)
	}
	aa := citizen.Expect("agent_answer", nil)
	srcs, _ := aa["sources"].([]any)
	if !strings.Contains(fmt.Sprint(aa["text"]), "批准服务信息") || len(srcs) != 1 {
		t.Errorf("agent_answer = %v", aa)
	}
	browsertest.Poll(t, ctx, "pushed answer toast", `document.getElementById('toast').textContent.includes('已推送')`, pollTimeout)
	browsertest.Screenshot(t, ctx, "workbench-handoff.png")

	// The operator ends it as resolved: the stored transcript says so (an
	// unresolved end would go to the 工单 system).
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("end-resolved"))); err != nil {
		t.Fatal(err)
	}
	closed := citizen.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == "closed" })
	stored, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`fetch('/api/agent/conversations/%s').then(function(r){return r.text();})`, closed["conversation"]), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stored, "结束了人工服务（已解决）") {
		t.Errorf("stored conversation after 已解决，结束: %s", stored)
	}
}

// widgetJS evaluates an expression with w bound to the widget's shadow root.
func widgetJS(expr string) string {
	return `(function(){var h=document.getElementById('govchat-widget');if(!h)return false;var w=h.shadowRoot||h;return (` + expr + `);})()`
}

// TestBrowserWidgetHandoff drives the citizen widget and the workbench in
// two tabs: 留言 while nobody is online, then a handoff taken by the
// operator with messages both ways.
func TestBrowserWidgetHandoff(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: no browser")
	}
	opCtx := browsertest.New(t, chromedp.WindowSize(1366, 900))
	ts := workbenchServe(t)
	if err := chromedp.Do(opCtx); err != nil { // start the browser before opening a second tab
		t.Fatal(err)
	}
	citCtx, cancel := chromedp.NewContext(opCtx) // a second tab
	defer cancel()

	// The citizen asks for a human while nobody is online: hotline and 留言.
	if err := chromedp.Do(citCtx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, citCtx, "widget connected", widgetJS(`w.querySelector('.status') && w.querySelector('.status').getAttribute('data-state')==='online'`), pollTimeout)
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(`w.querySelector('button.handoff').click()`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, citCtx, "no operator: 留言 form", widgetJS(`w.querySelector('.bubble.leave textarea') !== null && w.textContent.includes('当前暂无人工客服在线')`), pollTimeout)
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(
		`(function(){var b=w.querySelector('.bubble.leave');b.querySelector('textarea').value='<b>社保卡</b>丢了怎么补办？';b.querySelector('input').value='13800001111';b.querySelector('button.submit').click();return true;})()`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, citCtx, "留言 stored", widgetJS(`w.textContent.includes('留言已提交')`), pollTimeout)

	// The operator signs in and sees the 留言.
	if err := chromedp.Do(opCtx, chromedp.Navigate(ts.URL+"/agent/"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "wang"),
		chromedp.SendKeys(chromedp.ID("password"), "operator password"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("q"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, opCtx, "online", `document.getElementById('conn').textContent === '在线' && document.getElementById('n-msgs').textContent === '1'`, pollTimeout)
	if err := chromedp.Do(opCtx, chromedp.Click(chromedp.ID("load-msgs"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, opCtx, "留言 listed as text", `document.getElementById('msgs').textContent.includes('<b>社保卡</b>丢了怎么补办？') && document.querySelector('#msgs b') === null`, pollTimeout)

	// Now the handoff is queued, taken, and both sides talk.
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(`w.querySelector('button.handoff').click()`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, citCtx, "queued", widgetJS(`w.textContent.includes('已为您转接人工客服')`), pollTimeout)
	browsertest.Poll(t, opCtx, "queued in the workbench", `document.querySelector('#queue button.take') !== null`, pollTimeout)
	if err := chromedp.Do(opCtx, chromedp.Click(chromedp.CSS("#queue button.take"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, citCtx, "citizen sees the 工号", widgetJS(`w.textContent.includes('工号1001为您服务') && !w.textContent.includes('王五')`), pollTimeout)
	if err := chromedp.Do(opCtx, chromedp.SendKeys(chromedp.ID("say"), "您好，请讲"+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, citCtx, "operator message in the widget", widgetJS(`(function(){var m=w.querySelector('.msg.agent');return m && m.textContent.includes('人工客服 · 工号1001') && m.textContent.includes('您好，请讲');})()`), pollTimeout)
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(
		`(function(){var i=w.querySelector('textarea.input');i.value='我想补办社保卡';w.querySelector('button.send').click();return true;})()`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, opCtx, "citizen message in the workbench", `document.getElementById('transcript').textContent.includes('我想补办社保卡')`, pollTimeout)
	browsertest.Screenshot(t, citCtx, "workbench-widget.png")
	// The citizen ends it; the widget goes back to the bot.
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(`w.querySelector('button.end-human').click()`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Poll(t, citCtx, "ended", widgetJS(`w.textContent.includes('人工服务已结束') && w.querySelector('button.end-human').hidden`), pollTimeout)
	browsertest.Poll(t, opCtx, "ended in the workbench", `document.getElementById('transcript').textContent.includes('市民已结束会话')`, pollTimeout)
}
