package main

// Browser tests: a real Chromium drives the citizen widget against a real
// `govchat serve` (see internal/browsertest: they skip with a message where
// Chromium is absent and fail instead when CI=true; GOVCHAT_SCREENSHOTS=dir
// keeps screenshots).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/govchat/govchat/internal/browsertest"
	"github.com/govchat/govchat/internal/chat"
)

// framesRecorder wraps WebSocket before any page script runs, recording the
// frames the widget receives.
const framesRecorder = `(() => {
  window.__frames = [];
  const WS = window.WebSocket;
  function Recorded(url, protocols) {
    const ws = protocols === undefined ? new WS(url) : new WS(url, protocols);
    ws.addEventListener('message', (e) => {
      try { const f = JSON.parse(e.data); window.__frames.push({type: f.type, id: f.id || '', text: f.text || ''}); } catch (_) {}
    });
    return ws;
  }
  Recorded.prototype = WS.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((k) => { Recorded[k] = WS[k]; });
  window.WebSocket = Recorded;
})();`

// shadow is the widget's shadow root, for JavaScript expressions.
const shadow = `document.querySelector('#govchat-widget').shadowRoot`

// askInWidget types a question into the widget and sends it.
func askInWidget(t *testing.T, ctx context.Context, question string) {
	t.Helper()
	browsertest.Do(t, ctx,
		chromedp.SendKeys(chromedp.JSPath(shadow+`.querySelector('textarea')`), question),
		chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.send')`)),
	)
}

// waitAnswered waits for the n-th bot answer to be complete (rendered
// whole: an answer, a clarification, a refusal or an error) and returns its
// text.
func waitAnswered(t *testing.T, ctx context.Context, n int) string {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Poll[string](fmt.Sprintf(`(() => {
	  const bots = [...%s.querySelectorAll('.msg.bot[data-id]')];
	  const b = bots[%d];
	  if (!b || b.querySelector('.bubble.streaming') || !b.hasAttribute('data-done')) return '';
	  return b.querySelector('.text').textContent || ' ';
	})()`, shadow, n), chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(90*time.Second)))
}

// landed is where a citation led.
type landed struct {
	ID, Hash, Path, Border, Text string
	Top, Height                  float64
}

// landedJS describes the :target element of a source page once it is loaded.
const landedJS = `(() => {
  if (document.readyState !== 'complete') return null;
  const el = document.querySelector(':target');
  if (!el) return null;
  const cs = getComputedStyle(el), r = el.getBoundingClientRect();
  return {ID: el.id, Hash: location.hash, Path: location.pathname, Border: cs.borderLeftColor,
          Text: el.textContent, Top: r.top, Height: innerHeight};
})()`

// TestBrowserSeedQuestion: open the demo page on a phone-sized screen, ask
// the seed question, watch the answer stream in, click its citation and land
// on the highlighted paragraph of the source page.
func TestBrowserSeedQuestion(t *testing.T) {
	ctx := browsertest.New(t)
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), nil, chat.Config{})

	browsertest.AddInitScript(t, ctx, framesRecorder)
	browsertest.Do(t, ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(rs.base+"/"),
	)
	// The demo page opens the widget, which connects and gets a session.
	browsertest.Run(t, ctx, chromedp.Poll[bool](shadow+`.querySelector('.status').dataset.state === 'online'`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	browsertest.Screenshot(t, ctx, "widget-phone-welcome.png")

	// Record what the answer bubble shows while the answer is streaming.
	browsertest.Run(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => {
	  window.__streamed = [];
	  const log = `+shadow+`.querySelector('.log');
	  new MutationObserver(() => {
	    const b = log.querySelector('.msg.bot[data-id] .bubble.streaming .text');
	    if (b && b.textContent) window.__streamed.push(b.textContent);
	  }).observe(log, {subtree: true, childList: true, characterData: true});
	})()`))
	askInWidget(t, ctx, seedQuestion)
	text := waitAnswered(t, ctx, 0)
	for _, w := range []string{"批准服务信息", "竣工备案信息"} {
		if !strings.Contains(text, w) {
			t.Errorf("answer lacks %q: %s", w, text)
		}
	}
	frames := browsertest.Run(t, ctx, chromedp.Evaluate[[]struct{ Type, ID, Text string }](`window.__frames.filter(f => f.type === 'delta' || f.type === 'answer')`))
	if len(frames) < 2 || frames[0].Type != "delta" || frames[len(frames)-1].Type != "answer" {
		t.Fatalf("frames = %+v, want deltas then the answer", frames)
	}
	streamed := browsertest.Run(t, ctx, chromedp.Evaluate[[]string](`window.__streamed`))
	if len(streamed) == 0 || !strings.HasPrefix(text, strings.TrimSpace(streamed[0])[:min(6, len(strings.TrimSpace(streamed[0])))]) {
		t.Errorf("the answer was not shown while streaming: %q", streamed)
	}
	// The user's question and the numbered citation are on screen.
	cites := browsertest.Run(t, ctx, chromedp.Evaluate[int](shadow+`.querySelectorAll('.msg.bot a.cite').length`))
	sources := browsertest.Run(t, ctx, chromedp.Evaluate[int](shadow+`.querySelectorAll('.msg.bot ol.sources li').length`))
	if cites == 0 || sources == 0 {
		t.Fatalf("citations %d, sources %d", cites, sources)
	}
	browsertest.Screenshot(t, ctx, "widget-phone-answer.png")

	// The answer cites the seed document itself (the FAQ answer's 答复依据):
	// clicking that citation opens the source page in a new tab at the cited
	// paragraph, highlighted.
	seedCite := shadow + `.querySelector('.msg.bot a.cite[href*="/docs/haishu-zwgk-2019#"]')`
	href := browsertest.Run(t, ctx, chromedp.Evaluate[string](`(() => { const a = `+seedCite+`; return a ? a.href : ''; })()`))
	if href == "" {
		t.Fatalf("no citation of the seed document in the answer %q", text)
	}
	// Bring it to the middle of the chat log, clear of the input bar that
	// overlays the bottom of the screen, then click it like a finger would.
	// Wait until it stays put: the widget scrolls its log down whenever
	// something is added, which would move the citation under the click.
	browsertest.Run(t, ctx, chromedp.Poll[bool](`(() => { const a = `+seedCite+`; a.scrollIntoView({block: 'center'});
	  const r = JSON.stringify(a.getBoundingClientRect()); const same = window.__citeRect === r; window.__citeRect = r; return same; })()`,
		chromedp.WithPollingInterval(150*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	newTab := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return strings.Contains(i.URL, "/docs/") })
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(seedCite)))
	var id target.ID
	select {
	case id = <-newTab:
	case <-time.After(30 * time.Second):
		browsertest.Screenshot(t, ctx, "citation-click-failed.png")
		hit := browsertest.Run(t, ctx, chromedp.Evaluate[string](`(() => { const a = `+seedCite+`; const r = a.getBoundingClientRect();
		  const e = `+shadow+`.elementFromPoint(r.x + r.width/2, r.y + r.height/2); return JSON.stringify(r) + ' ' + (e ? e.outerHTML.slice(0, 200) : 'none'); })()`))
		t.Fatalf("clicking the citation %s opened no tab (at its centre: %s)", href, hit)
	}
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	defer cancel()
	browsertest.Do(t, tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	got := browsertest.Run(t, tab, chromedp.Poll[landed](landedJS, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if "#"+got.ID != got.Hash || !strings.HasPrefix(href, rs.base+got.Path+got.Hash) {
		t.Errorf("landed on %+v, citation was %s", got, href)
	}
	// The phone viewport was set after the tab opened, which reflows the
	// page: give it a moment to bring the paragraph back into view.
	inView := `(() => { const l = ` + landedJS + `; return l && l.Top >= 0 && l.Top <= l.Height - 40 ? l : null; })()`
	if l, err := chromedp.Run(tab, chromedp.Poll[landed](inView, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err == nil {
		got = l
	} else {
		got = browsertest.Run(t, tab, chromedp.Poll[landed](landedJS, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	}
	if got.Path != "/docs/haishu-zwgk-2019" {
		t.Errorf("landed on %s, want the seed document", got.Path)
	}
	if got.Border != "rgb(224, 161, 0)" {
		t.Errorf("cited paragraph not highlighted: border %s", got.Border)
	}
	if got.Top < 0 || got.Top > got.Height-40 {
		t.Errorf("cited paragraph not scrolled into view: top %.0f of %.0f", got.Top, got.Height)
	}
	if !strings.Contains(got.Text, "竣工备案信息") {
		t.Errorf("cited paragraph does not hold the answer: %q", got.Text)
	}
	time.Sleep(1700 * time.Millisecond) // let the highlight animation settle for the screenshot
	browsertest.Screenshot(t, tab, "seed-phone-paragraph.png")
	cancel() // close the source tab and bring the widget's tab back to the front
	if _, err := chromedp.CallBrowser(ctx, target.ActivateTarget, target.ActivateTargetParams{TargetID: chromedp.FromContext(ctx).Target.TargetID}); err != nil {
		t.Fatal(err)
	}

	// 👎 with a reason from the widget is acknowledged.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.msg.bot .fb.down')`)))
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.msg.bot .reasons .chip')`)))
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.msg.bot .feedback .submit')`)))
	browsertest.Run(t, ctx, chromedp.Poll[bool](shadow+`.querySelector('.msg.bot .thanks') !== null`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))

	// 转人工 shows the hotline while no operator desk is connected.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.handoff')`)))
	msg := browsertest.Run(t, ctx, chromedp.Poll[string](`(() => { const s = `+shadow+`.querySelector('.msg.system'); return s ? s.textContent : ''; })()`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if !strings.Contains(msg, "12345") {
		t.Errorf("handoff message %q lacks the hotline", msg)
	}
	browsertest.Screenshot(t, ctx, "widget-phone-handoff.png")

	// Typed instead of tapped, 转人工 does the same: no question is asked.
	count := func(sel string) int {
		return browsertest.Run(t, ctx, chromedp.Evaluate[int](shadow+`.querySelectorAll('`+sel+`').length`))
	}
	bots := count(".msg.bot")
	// (The 留言 form holds a text box of its own: type into the question box.)
	browsertest.Do(t, ctx,
		chromedp.SendKeys(chromedp.JSPath(shadow+`.querySelector('textarea.input:not(.leave-text)')`), "我要找人工客服"),
		chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.send')`)),
	)
	// The handoff's reply (the hotline, the 留言 form) comes right after it.
	browsertest.Run(t, ctx, chromedp.Poll[bool](`(() => { const m = [...`+shadow+`.querySelectorAll('.msg')];
		const i = m.findLastIndex(x => x.classList.contains('user') && x.textContent === '我要找人工客服');
		return i >= 0 && m.slice(i + 1).some(x => x.classList.contains('system')); })()`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if n := count(".msg.bot"); n != bots {
		t.Errorf("typed 转人工 was asked as a question: %d bot messages, were %d", n, bots)
	}
}

// TestBrowserXSS: a knowledge document and a question carrying <script> and
// <img onerror> render as text on the source page and in the widget.
func TestBrowserXSS(t *testing.T) {
	ctx := browsertest.New(t)
	dir := t.TempDir()
	doc := `---
id: xss-doc
type: policy
title: '关于<script>window.xssHit=1</script>养犬登记的通知'
issuer: '测试<img src=x onerror="window.xssHit=2">机关'
published: 2024-01-01
---

一、养犬登记

（一）养犬登记需要携带身份证和犬只免疫证明<img src=x onerror="window.xssHit=3">，到所在街道办理<script>window.xssHit=4</script>。
`
	if err := os.MkdirAll(filepath.Join(dir, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policies", "xss.md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rs := startServe(t, dir, nil, chat.Config{})

	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(rs.base+"/docs/xss-doc"))
	type pageState struct {
		Title, Body    string
		Markup, Script int
		XSS            bool
	}
	st := browsertest.Run(t, ctx, chromedp.Evaluate[pageState](`({
	  Title: document.querySelector('h1').textContent,
	  Body: document.querySelector('.doc').textContent,
	  Markup: document.querySelectorAll('main img').length,
	  Script: document.querySelectorAll('main script').length,
	  XSS: window.xssHit !== undefined,
	})`))
	if st.Markup != 0 || st.Script != 0 || st.XSS {
		t.Errorf("source page turned text into markup: %+v", st)
	}
	if !strings.Contains(st.Title, "<script>window.xssHit=1</script>") || !strings.Contains(st.Body, `<img src=x onerror="window.xssHit=3">`) ||
		!strings.Contains(st.Body, `测试<img src=x onerror="window.xssHit=2">机关`) {
		t.Errorf("source page does not show the markup as text: %+v", st)
	}
	browsertest.Screenshot(t, ctx, "source-xss.png")

	// The widget on the same page: the question and the quoted answer.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.launcher')`)))
	browsertest.Run(t, ctx, chromedp.Poll[bool](shadow+`.querySelector('.status').dataset.state === 'online'`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	question := `养犬登记<img src=x onerror="window.xssHit=5">要带什么<script>window.xssHit=6</script>`
	askInWidget(t, ctx, question)
	answer := waitAnswered(t, ctx, 0)
	type widgetState struct {
		Question       string
		Markup, Script int
		XSS            bool
	}
	ws := browsertest.Run(t, ctx, chromedp.Evaluate[widgetState](`({
	  Question: `+shadow+`.querySelector('.msg.user .bubble').textContent,
	  Markup: `+shadow+`.querySelectorAll('.log img').length,
	  Script: `+shadow+`.querySelectorAll('.log script').length,
	  XSS: window.xssHit !== undefined,
	})`))
	if ws.Markup != 0 || ws.Script != 0 || ws.XSS {
		t.Errorf("widget turned text into markup: %+v", ws)
	}
	if ws.Question != question {
		t.Errorf("question shown as %q", ws.Question)
	}
	if strings.Contains(answer, "犬只免疫证明") && !strings.Contains(answer, "<img src=x") {
		t.Errorf("quoted answer lost its literal markup: %q", answer)
	}
	t.Logf("answer: %s", answer)
	titles := browsertest.Run(t, ctx, chromedp.Evaluate[[]string](`[...`+shadow+`.querySelectorAll('.src-title')].map(e => e.textContent)`))
	for _, s := range titles {
		if strings.Contains(s, "养犬登记的通知") && !strings.Contains(s, "<script>") {
			t.Errorf("source title lost its literal markup: %q", s)
		}
	}
	browsertest.Screenshot(t, ctx, "widget-xss.png")
}
