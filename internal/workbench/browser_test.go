package workbench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/sqlite"
	"github.com/govchat/govchat/internal/testenv"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/dept"
	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/server"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
	"github.com/govchat/govchat/web/workbench"
)

const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a fresh headless Chromium, or skips (fails under CI=true)
// when there is none.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium not found at %s: the browser tests must run in CI", chromiumPath)
		}
		t.Skipf("Chromium not found at %s; skipping the browser test", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// silentBot refuses everything (the workbench test does not need answers).
type silentBot struct{}

func (silentBot) Answer(context.Context, govchat.Request) (*govchat.Answer, error) {
	return &govchat.Answer{Text: "抱歉，暂未找到相关政策。", Refused: true, Reason: "low_confidence", Mode: govchat.ModeRefused}, nil
}

// workbenchServer wires the real workbench over the shipped knowledge base:
// accounts, the chat hub with the handoff desk, the look-up over the search
// engine, and the server's routes.
func workbenchServer(t *testing.T) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	base, _, err := knowledge.LoadDir(filepath.Join(moduleRoot(t), "knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	seg, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		t.Fatal(err)
	}
	store, _ := mem.Open("")
	eng, err := search.New(search.Config{}, base, seg, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	router, err := dept.New(dept.Config{}, base.Docs)
	if err != nil {
		t.Fatal(err)
	}
	look, err := lookup.New(lookup.Config{Terms: func(s string) []string { return seg.Analyze(s).Terms }}, base, eng, router)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Config{Path: filepath.Join(dir, "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "wang", Name: "王五", StaffNo: "1001", Role: auth.RoleOperator, Password: "operator password"}); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rv, _ := review.New(db, nil)
	desk, err := handoff.New(handoff.Config{DB: db, Redact: func(s string) string { return s }, Passages: look, Audit: svc})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := chat.New(chat.Config{Authenticator: Authenticator(svc, nil)}, silentBot{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	desk.Attach(hub)
	srv, err := server.New(server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetChat(hub)
	h, err := New(Config{Auth: auth.NewWeb(svc, auth.WebConfig{}, nil), Assets: workbench.FS, Lookup: look, Desk: desk, Review: rv})
	if err != nil {
		t.Fatal(err)
	}
	h.Register(srv)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hub.Shutdown(ctx)
		ts.Close()
	})
	return ts
}

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) expect(typ string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.t.Fatalf("citizen: waiting for %s: %v", typ, err)
		}
		var f map[string]any
		json.Unmarshal(data, &f)
		if f["type"] == typ && (match == nil || match(f)) {
			return f
		}
	}
}

// poll waits until the JavaScript expression is truthy.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		shot(t, ctx, "failure")
		t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a screenshot in $GOVCHAT_SCREENSHOTS (or the test's temp dir).
func shot(t *testing.T, ctx context.Context, name string) {
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := os.Getenv("GOVCHAT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, "workbench-"+name+".png")
	if err := os.WriteFile(p, buf, 0o644); err == nil {
		t.Logf("screenshot: %s", p)
	}
}

func TestBrowserWorkbench(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: no browser")
	}
	ctx := newBrowser(t)
	ts := workbenchServer(t)

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
	poll(t, ctx, "wrong password message", `!document.getElementById('login-error').hidden && document.getElementById('login-error').textContent.includes('用户名或密码错误')`)
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById('password').value = ''`),
		chromedp.SendKeys(chromedp.ID("password"), "operator password"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("q")),
	); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "signed in, live queue connected", `document.getElementById('me').textContent.includes('工号 1001') && document.getElementById('conn').textContent === '在线'`)

	// Look up a caller's question as the operator types.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"), "重大建设项目要公开哪些信息")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "FAQ answer with highlighted terms", `(function(){var c=document.querySelector('#faq .card');return c && c.textContent.includes('批准服务信息') && c.querySelector('mark') && c.querySelector('.badge').textContent==='现行有效';})()`)
	poll(t, ctx, "department suggestion", `document.querySelector('.depts .chip.first') && document.querySelector('.depts .chip.first').textContent.includes('区政府办公室')`)

	// Enter copies the selected answer with its source line.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"), kb.Enter)); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "copied", `document.querySelector('.card.copied') !== null`)
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read clipboard: %v", err)
	}
	if !strings.Contains(copied, "批准服务信息") || !strings.Contains(copied, "依据《") {
		t.Errorf("clipboard = %q, want the answer and its source line", copied)
	}

	// A citizen asks for a human; the conversation appears in the live queue.
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	citizen := &wsClient{t: t, conn: conn}
	citizen.send(map[string]any{"type": "hello", "v": 1})
	citizen.expect("session", nil)
	citizen.send(map[string]any{"type": "ask", "id": "q1", "text": "<img src=x onerror=alert(1)>我的问题"})
	citizen.expect("answer", nil)
	citizen.send(map[string]any{"type": "handoff", "id": "h1", "reason": "requested"})
	if f := citizen.expect("handoff", nil); f["status"] != "queued" {
		t.Fatalf("handoff = %v", f)
	}
	poll(t, ctx, "queued conversation listed", `document.querySelector('#queue button.take') !== null`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#queue button.take"))); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "transcript shown", `!document.getElementById('chat-panel').hidden && document.getElementById('transcript').textContent.includes('市民请求转人工')`)
	// The citizen's text is shown as text, not markup.
	poll(t, ctx, "citizen text escaped", `document.getElementById('transcript').textContent.includes('<img src=x onerror=alert(1)>') && document.querySelector('#transcript img') === null`)
	if f := citizen.expect("handoff", func(f map[string]any) bool { return f["status"] == "connected" }); f["staff_no"] != "1001" {
		t.Errorf("connected = %v", f)
	}

	// Messages both ways.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("say"), "您好，这里是人工客服"+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if f := citizen.expect("agent_message", nil); f["text"] != "您好，这里是人工客服" || f["staff_no"] != "1001" {
		t.Errorf("agent_message = %v", f)
	}
	citizen.send(map[string]any{"type": "handoff_message", "id": "m1", "text": "重大建设项目公开哪些信息？"})
	poll(t, ctx, "citizen message live", `document.getElementById('transcript').textContent.includes('重大建设项目公开哪些信息？')`)

	// Push the looked-up answer with its citation into the chat.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#faq .card .push"))); err != nil {
		t.Fatal(err)
	}
	aa := citizen.expect("agent_answer", nil)
	srcs, _ := aa["sources"].([]any)
	if !strings.Contains(fmt.Sprint(aa["text"]), "批准服务信息") || len(srcs) != 1 {
		t.Errorf("agent_answer = %v", aa)
	}
	poll(t, ctx, "pushed answer toast", `document.getElementById('toast').textContent.includes('已推送')`)
	shot(t, ctx, "handoff")
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
	opCtx := newBrowser(t)
	ts := workbenchServer(t)
	if err := chromedp.Do(opCtx); err != nil { // start the browser before opening a second tab
		t.Fatal(err)
	}
	citCtx, cancel := chromedp.NewContext(opCtx) // a second tab
	defer cancel()

	// The citizen asks for a human while nobody is online: hotline and 留言.
	if err := chromedp.Do(citCtx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	poll(t, citCtx, "widget connected", widgetJS(`w.querySelector('.status') && w.querySelector('.status').getAttribute('data-state')==='online'`))
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(`w.querySelector('button.handoff').click()`))); err != nil {
		t.Fatal(err)
	}
	poll(t, citCtx, "no operator: 留言 form", widgetJS(`w.querySelector('.bubble.leave textarea') !== null && w.textContent.includes('当前暂无人工客服在线')`))
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(
		`(function(){var b=w.querySelector('.bubble.leave');b.querySelector('textarea').value='<b>社保卡</b>丢了怎么补办？';b.querySelector('input').value='13800001111';b.querySelector('button.submit').click();return true;})()`))); err != nil {
		t.Fatal(err)
	}
	poll(t, citCtx, "留言 stored", widgetJS(`w.textContent.includes('留言已提交')`))

	// The operator signs in and sees the 留言.
	if err := chromedp.Do(opCtx, chromedp.Navigate(ts.URL+"/agent/"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "wang"),
		chromedp.SendKeys(chromedp.ID("password"), "operator password"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("q"))); err != nil {
		t.Fatal(err)
	}
	poll(t, opCtx, "online", `document.getElementById('conn').textContent === '在线' && document.getElementById('n-msgs').textContent === '1'`)
	if err := chromedp.Do(opCtx, chromedp.Click(chromedp.ID("load-msgs"))); err != nil {
		t.Fatal(err)
	}
	poll(t, opCtx, "留言 listed as text", `document.getElementById('msgs').textContent.includes('<b>社保卡</b>丢了怎么补办？') && document.querySelector('#msgs b') === null`)

	// Now the handoff is queued, taken, and both sides talk.
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(`w.querySelector('button.handoff').click()`))); err != nil {
		t.Fatal(err)
	}
	poll(t, citCtx, "queued", widgetJS(`w.textContent.includes('已为您转接人工客服')`))
	poll(t, opCtx, "queued in the workbench", `document.querySelector('#queue button.take') !== null`)
	if err := chromedp.Do(opCtx, chromedp.Click(chromedp.CSS("#queue button.take"))); err != nil {
		t.Fatal(err)
	}
	poll(t, citCtx, "citizen sees the 工号", widgetJS(`w.textContent.includes('工号1001为您服务') && !w.textContent.includes('王五')`))
	if err := chromedp.Do(opCtx, chromedp.SendKeys(chromedp.ID("say"), "您好，请讲"+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	poll(t, citCtx, "operator message in the widget", widgetJS(`(function(){var m=w.querySelector('.msg.agent');return m && m.textContent.includes('人工客服 · 工号1001') && m.textContent.includes('您好，请讲');})()`))
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(
		`(function(){var i=w.querySelector('textarea.input');i.value='我想补办社保卡';w.querySelector('button.send').click();return true;})()`))); err != nil {
		t.Fatal(err)
	}
	poll(t, opCtx, "citizen message in the workbench", `document.getElementById('transcript').textContent.includes('我想补办社保卡')`)
	shot(t, citCtx, "widget")
	// The citizen ends it; the widget goes back to the bot.
	if err := chromedp.Do(citCtx, chromedp.Evaluate[chromedp.Void](widgetJS(`w.querySelector('button.end-human').click()`))); err != nil {
		t.Fatal(err)
	}
	poll(t, citCtx, "ended", widgetJS(`w.textContent.includes('人工服务已结束') && w.querySelector('button.end-human').hidden`))
	poll(t, opCtx, "ended in the workbench", `document.getElementById('transcript').textContent.includes('市民已结束会话')`)
}

func moduleRoot(t *testing.T) string { return testenv.ModuleRoot(t) }
