package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govchat/govchat/internal/browsertest"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/chat/chattest"
)

// TestBrowserWidgetWaitsOutSessionLimit: when the widget's hello is refused
// because its network started too many sessions, it says so, keeps the
// question the citizen typed, says hello again after retry_after and then
// gets it answered.
func TestBrowserWidgetWaitsOutSessionLimit(t *testing.T) {
	ctx := browsertest.New(t)
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), nil, chat.Config{
		NewSessionRate: chat.Rate{PerMinute: 6, Burst: 1}, // one every 10 s
	})
	// Another client from this address takes the only new session.
	c := chattest.Dial(t, wsURL(rs.base), nil)
	c.Send(chat.HelloFrame{Type: chat.TypeHello, V: 1})
	if f := c.Read(); f.S("type") != chat.TypeSession {
		t.Fatalf("first session: %+v", f)
	}

	browsertest.AddInitScript(t, ctx, framesRecorder)
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(rs.base+"/"))
	browsertest.Run(t, ctx, chromedp.Poll[bool](`window.__frames.some(f => f.type === 'error')`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	shown := browsertest.Run(t, ctx, chromedp.Evaluate[string](shadow+`.querySelector('.msg.system').textContent`))
	if !strings.Contains(shown, "新会话过多") {
		t.Errorf("the refusal is not shown: %q", shown)
	}
	askInWidget(t, ctx, seedQuestion)
	text := waitAnswered(t, ctx, 0)
	if !strings.Contains(text, "批准服务信息") {
		t.Errorf("answer after the retried hello: %q", text)
	}
}
