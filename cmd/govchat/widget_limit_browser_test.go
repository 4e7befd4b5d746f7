package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/chat"
)

// TestBrowserWidgetWaitsOutSessionLimit: when the widget's hello is refused
// because its network started too many sessions, it says so, keeps the
// question the citizen typed, says hello again after retry_after and then
// gets it answered.
func TestBrowserWidgetWaitsOutSessionLimit(t *testing.T) {
	ctx := newBrowser(t)
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), nil, serveHooks{
		Chat: func(c *chat.Config) { c.NewSessionRate = chat.Rate{PerMinute: 6, Burst: 1} }, // one every 10 s
	})
	// Another client from this address takes the only new session.
	c, _, err := websocket.DefaultDialer.Dial(wsURL(rs.base), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WriteJSON(chat.HelloFrame{Type: chat.TypeHello, V: 1}); err != nil {
		t.Fatal(err)
	}
	var f chat.SessionFrame
	if err := c.ReadJSON(&f); err != nil || f.Type != chat.TypeSession {
		t.Fatalf("first session: %+v %v", f, err)
	}

	addInitScript(t, ctx, framesRecorder)
	do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(rs.base+"/"))
	brun(t, ctx, chromedp.Poll[bool](`window.__frames.some(f => f.type === 'error')`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	shown := brun(t, ctx, chromedp.Evaluate[string](shadow+`.querySelector('.msg.system').textContent`))
	if !strings.Contains(shown, "新会话过多") {
		t.Errorf("the refusal is not shown: %q", shown)
	}
	askInWidget(t, ctx, seedQuestion)
	text := waitAnswered(t, ctx, 0)
	if !strings.Contains(text, "批准服务信息") {
		t.Errorf("answer after the retried hello: %q", text)
	}
}
