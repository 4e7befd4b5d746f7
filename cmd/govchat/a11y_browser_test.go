package main

// Accessibility (适老化与无障碍, issue 18): axe-core on every citizen-facing
// page and state, keyboard-only use of the widget, what screen readers are
// told, and 长辈模式 measured from computed styles. Chromium and node (for
// axe-core) are needed; the tests skip without them and fail instead when
// CI=true. GOVCHAT_SCREENSHOTS=dir keeps screenshots.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/browsertest"
	"github.com/govchat/govchat/internal/chat"
)

// phone is the viewport of the measurements: 390 × 844 CSS px.
func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
}

// waitFor polls a JavaScript expression until it is truthy. An expression
// that throws (an element not there yet) counts as not yet.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	expr = "(() => { try { return (" + expr + "); } catch (e) { return false; } })()"
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		// A navigation (after signing in, a reload …) ends the poll, or
		// starts it in the old page's execution context: poll the new page.
		msg := err.Error()
		navigated := strings.Contains(msg, "navigated") || strings.Contains(msg, "context was destroyed") ||
			strings.Contains(msg, "Cannot find context with specified id")
		if !navigated || time.Now().After(deadline) {
			browsertest.Screenshot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-")+".png")
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitOnline(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "widget online", shadow+`.querySelector('.status')?.dataset.state === 'online'`)
}

// setStoredMode sets the remembered mode for the server's origin (the page
// must be on it) and reloads.
func setStoredMode(t *testing.T, ctx context.Context, mode string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem('govchat.mode', %q)`, mode)), chromedp.Reload())
}

// a11yServer is a `govchat serve` on the shipped knowledge base without the
// per-address question limits (the tests ask many questions in seconds).
func a11yServer(t *testing.T, env map[string]string) *runningServer {
	t.Helper()
	all := map[string]string{"GOVCHAT_RATE_IP": "-1", "GOVCHAT_RATE_SESSION": "-1"}
	for k, v := range env {
		all[k] = v
	}
	return startServe(t, filepath.Join(moduleRoot(t), "knowledge"), all, chat.Config{})
}

// The source pages of each kind, by id.
var sourcePages = []struct{ name, path string }{
	{"policy", "/docs/haishu-zwgk-2019"},
	{"policy at a cited paragraph", "/docs/haishu-zwgk-2019#s2-1"},
	{"interpretation", "/docs/haishu-zwgk-2019-jiedu"},
	{"guide", "/docs/zhengfu-xinxi-gongkai-shenqing"},
	{"FAQ", "/docs/haishu-zwgk-faq-001"},
	{"repealed (已废止) policy", "/docs/sample-zwgk-kaohe-2018"},
	{"replacing policy", "/docs/sample-zwgk-kaohe-2021"},
	{"not found", "/docs/no-such-document"},
	{"政策文件库", "/docs/"},
	{"政策文件库: full-text search with marks", "/docs/?q=%E9%87%8D%E5%A4%A7%E5%BB%BA%E8%AE%BE%E9%A1%B9%E7%9B%AE"},
	{"政策文件库: 文号 search, filters chosen", "/docs/?q=%E7%A4%BA%E4%BE%8B%E5%8A%9E%E5%8F%91(2021)3%E5%8F%B7&type=policy&year=2021"},
	{"政策文件库: nothing found", "/docs/?q=%E9%87%8D%E5%A4%A7&year=2018"},
	{"政策文件库: closest matches", "/docs/?q=%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80%20%E5%AE%87%E5%AE%99%E9%A3%9E%E8%88%B9"},
}

// TestBrowserAxeCitizen runs axe-core (WCAG 2.0/2.1 A and AA) and the
// contrast check on every citizen-facing state at 390 px, in the standard
// mode and in 长辈模式: the demo page with the widget open and closed, a
// streaming answer, an answer with citations, the 👎 reasons, a refusal, an
// error, the 转人工 → 留言 form and its confirmation, a clarification with
// its choices, an answer with related questions, and the source pages of
// each kind. No serious or critical violation is allowed.
func TestBrowserAxeCitizen(t *testing.T) {
	ctx := browsertest.New(t)
	axeJS(t) // install (or skip) before starting the server
	rs := a11yServer(t, nil)
	clarifyQ, _ := clarifyingQuestion(t, rs.base)
	relatedQ, _ := relatedQuestion(t, rs.base)
	browsertest.AddInitScript(t, ctx, frameControl)
	browsertest.Do(t, ctx, phone())

	for _, mode := range []string{"standard", "elder"} {
		elder := mode == "elder"
		state := func(s string) string { return mode + ": " + s }
		browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/"))
		setStoredMode(t, ctx, mode)
		waitOnline(t, ctx)
		if got := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.documentElement.dataset.mode + ' ' + document.getElementById('govchat-widget').dataset.mode`)); got != mode+" "+mode {
			t.Fatalf("page and widget modes = %q, want %s", got, mode)
		}
		a11yCheck(t, ctx, state("demo page, widget open (welcome, suggestions)"), elder)

		browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.close')`)))
		waitFor(t, ctx, "widget closed", shadow+`.querySelector('.panel').hidden`)
		a11yCheck(t, ctx, state("demo page, widget closed"), elder)
		browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.launcher')`)))
		// Opening moves the focus into the panel a moment later (on a phone
		// the panel itself, not the input): typing before that loses all but
		// the first keys to the panel.
		waitFor(t, ctx, "focus in the opened panel", shadow+`.activeElement?.closest('.panel') != null`)

		// A streaming answer: the answer frame is held back.
		browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__hold = true`))
		askInWidget(t, ctx, seedQuestion)
		waitFor(t, ctx, "streamed text", shadow+`.querySelector('.msg.bot[data-id] .bubble.streaming .text')?.textContent.length > 10`)
		a11yCheck(t, ctx, state("streaming answer"), elder)
		browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__release()`))
		waitAnswered(t, ctx, 0)
		a11yCheck(t, ctx, state("answer with citations"), elder)
		browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.msg.bot .fb.down')`)))
		a11yCheck(t, ctx, state("👎 reasons"), elder)

		askInWidget(t, ctx, "养犬登记证在哪里办理")
		waitAnswered(t, ctx, 1)
		if !browsertest.Run(t, ctx, chromedp.Evaluate[bool](shadow+`.querySelectorAll('.msg.bot[data-id]')[1].classList.contains('refused')`)) {
			t.Fatal("the out-of-scope question was answered")
		}
		a11yCheck(t, ctx, state("refusal"), elder)

		// An error for a question in flight.
		browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__hold = true`))
		askInWidget(t, ctx, "政府网站IPv6改造有什么要求")
		waitFor(t, ctx, "third question sent", `window.__frames.filter(f => f.type === 'delta').length > 0 && `+shadow+`.querySelectorAll('.msg.bot[data-id]').length === 3`)
		browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__inject({type: 'error', id: [...`+shadow+`.querySelectorAll('.msg.bot[data-id]')][2].dataset.id, code: 'internal', message: '出错了，请稍后再试。'})`))
		waitFor(t, ctx, "error shown", shadow+`.querySelector('.msg.bot.failed .err button') !== null`)
		a11yCheck(t, ctx, state("error with 重新提问"), elder)
		browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__held = []; window.__hold = false`))

		// 转人工 with nobody online: hotline and the 留言 form.
		browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.handoff')`)))
		waitFor(t, ctx, "留言 form", shadow+`.querySelector('.bubble.leave textarea') !== null`)
		a11yCheck(t, ctx, state("转人工: nobody online, 留言 form"), elder)
		browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.JSPath(shadow+`.querySelector('.bubble.leave textarea')`), "社保卡丢了怎么补办？"),
			chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.bubble.leave button.submit')`)))
		waitFor(t, ctx, "留言 confirmed", shadow+`.querySelector('.bubble.leave .thanks') !== null`)
		a11yCheck(t, ctx, state("留言 submitted"), elder)
		browsertest.Screenshot(t, ctx, "a11y-"+mode+"-handoff.png")

		// A clarification (its choices as buttons), and an answer with
		// related questions as buttons, each a conversation's first question.
		newConversation(t, ctx)
		askInWidget(t, ctx, clarifyQ)
		waitAnswered(t, ctx, 0)
		if !browsertest.Run(t, ctx, chromedp.Evaluate[bool](shadow+`.querySelector('.msg.bot.clarify .suggest button') !== null`)) {
			t.Fatalf("%q: no clarification with buttons", clarifyQ)
		}
		a11yCheck(t, ctx, state("clarification with its choices"), elder)
		browsertest.Screenshot(t, ctx, "a11y-"+mode+"-clarify.png")
		newConversation(t, ctx)
		askInWidget(t, ctx, relatedQ)
		waitAnswered(t, ctx, 0)
		if !browsertest.Run(t, ctx, chromedp.Evaluate[bool](shadow+`.querySelector('.msg.bot[data-id] .suggest button') !== null && `+shadow+`.querySelector('.msg.bot[data-id] .sources') !== null`)) {
			t.Fatalf("%q: no answer with related questions", relatedQ)
		}
		a11yCheck(t, ctx, state("answer with related questions"), elder)

		for _, p := range sourcePages {
			browsertest.Do(t, ctx, chromedp.Navigate(rs.base+p.path))
			waitFor(t, ctx, "page loaded", `document.readyState === 'complete'`)
			a11yCheck(t, ctx, state("source page: "+p.name), elder)
		}
		// A source page with the widget open.
		browsertest.Do(t, ctx, chromedp.Navigate(rs.base+sourcePages[0].path))
		waitFor(t, ctx, "page loaded", `document.readyState === 'complete' && document.getElementById('govchat-widget') !== null`)
		browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.launcher')`)))
		waitOnline(t, ctx)
		a11yCheck(t, ctx, state("source page with the widget open"), elder)
	}
}

// TestBrowserKeyboardWidget uses the widget with the keyboard alone: Tab to
// the launcher, open it, ask, reach a citation with Shift+Tab and open it,
// ask for a human and leave a 留言, then Esc closes the widget and gives the
// focus back to the launcher. Every element reached shows a focus ring. On a
// phone-sized screen the open widget keeps the focus inside itself.
func TestBrowserKeyboardWidget(t *testing.T) {
	ctx := browsertest.New(t)
	rs := a11yServer(t, nil)
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(rs.base+"/docs/sample-zwgk-kaohe-2021"))
	waitFor(t, ctx, "page loaded", `document.readyState === 'complete' && document.getElementById('govchat-widget') !== null`)

	// Forward through the page: the header first, the launcher last.
	path := tabTo(t, ctx, "the launcher", false, 60, func(f focused) bool { return f.In == "widget" && strings.Contains(f.Class, "launcher") })
	if first := path[0]; !strings.Contains(first.Class, "brand") {
		t.Errorf("first Tab stop is %s, want the site's brand link", first)
	}
	var order []string
	for _, f := range path {
		order = append(order, f.Text)
	}
	t.Logf("Tab order: %s", strings.Join(order, " → "))
	press(t, ctx, kb.Enter, false)
	waitFor(t, ctx, "panel open", `!`+shadow+`.querySelector('.panel').hidden`)
	waitFor(t, ctx, "focus in the question box", shadow+`.activeElement && `+shadow+`.activeElement.matches('textarea.input')`)
	waitOnline(t, ctx)

	// Ask with the keyboard: type, Enter.
	typeText(t, ctx, seedQuestion)
	press(t, ctx, kb.Enter, false)
	text := waitAnswered(t, ctx, 0)
	if !strings.Contains(text, "批准服务信息") {
		t.Fatalf("answer: %q", text)
	}
	if f := activeElement(t, ctx); f.Tag != "TEXTAREA" {
		t.Errorf("after asking the focus is on %s, want the question box", f)
	}

	// Back to the first citation in the answer, and open it.
	path = tabTo(t, ctx, "a citation", true, 40, func(f focused) bool { return strings.Contains(f.Class, "cite") })
	cite := path[len(path)-1]
	if !strings.HasPrefix(cite.Text, "出处") {
		t.Errorf("citation's accessible name %q does not say 出处", cite.Text)
	}
	newTab := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return strings.Contains(i.URL, "/docs/") })
	press(t, ctx, kb.Enter, false)
	select {
	case id := <-newTab:
		tab, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
		url := browsertest.Run(t, tab, chromedp.Poll[string](`document.readyState === 'complete' ? location.href : ''`, chromedp.WithPollingTimeout(30*time.Second)))
		if url != cite.Href {
			t.Errorf("Enter on the citation opened %s, want %s", url, cite.Href)
		}
		cancel()
	case <-time.After(30 * time.Second):
		t.Fatalf("Enter on the citation %s opened no tab", cite)
	}
	if _, err := chromedp.CallBrowser(ctx, target.ActivateTarget, target.ActivateTargetParams{TargetID: chromedp.FromContext(ctx).Target.TargetID}); err != nil {
		t.Fatal(err)
	}

	// On to 转人工: nobody is online, so the 留言 form takes the focus.
	tabTo(t, ctx, "转人工", false, 40, func(f focused) bool { return strings.Contains(f.Class, "handoff") })
	press(t, ctx, kb.Enter, false)
	waitFor(t, ctx, "留言 form focused", shadow+`.activeElement && `+shadow+`.activeElement.matches('.bubble.leave textarea')`)
	if msg := browsertest.Run(t, ctx, chromedp.Evaluate[string](shadow+`.querySelector('.msg.system').textContent`)); !strings.Contains(msg, "12345") {
		t.Errorf("转人工 says %q, want the hotline", msg)
	}
	typeText(t, ctx, "社保卡丢了怎么补办？")
	press(t, ctx, kb.Tab, false) // contact
	typeText(t, ctx, "010-12345678")
	press(t, ctx, kb.Tab, false) // 提交留言
	if f := activeElement(t, ctx); !strings.Contains(f.Text, "提交留言") {
		t.Fatalf("Tab from the contact field reached %s, want 提交留言", f)
	}
	press(t, ctx, kb.Enter, false)
	waitFor(t, ctx, "留言 confirmed", shadow+`.querySelector('.bubble.leave .thanks') !== null`)
	if f := activeElement(t, ctx); f.Tag != "TEXTAREA" || f.In != "widget" {
		t.Errorf("after the 留言 the focus is on %s, want the question box", f)
	}

	// Esc closes the widget and the launcher has the focus again.
	press(t, ctx, kb.Escape, false)
	waitFor(t, ctx, "panel closed", shadow+`.querySelector('.panel').hidden`)
	f := activeElement(t, ctx)
	if !strings.Contains(f.Class, "launcher") || !f.Visible || (f.Outline < 2 && !strings.Contains(f.Shadow, "rgb")) {
		t.Errorf("after Esc the focus is on %s (visible %v, outline %.0f), want the launcher with a focus ring", f, f.Visible, f.Outline)
	}

	// A phone: the open widget fills the screen and is modal; Tab stays in it.
	browsertest.Do(t, ctx, phone(), chromedp.Reload())
	waitFor(t, ctx, "page loaded", `document.readyState === 'complete' && document.getElementById('govchat-widget') !== null`)
	tabTo(t, ctx, "the launcher (backwards)", true, 3, func(f focused) bool { return strings.Contains(f.Class, "launcher") })
	press(t, ctx, kb.Enter, false)
	waitFor(t, ctx, "focus in the panel", shadow+`.activeElement !== null`)
	if modal := browsertest.Run(t, ctx, chromedp.Evaluate[string](shadow+`.querySelector('.panel').getAttribute('aria-modal') || ''`)); modal != "true" {
		t.Errorf("full-screen panel aria-modal = %q, want true", modal)
	}
	for i := 0; i < 25; i++ {
		press(t, ctx, kb.Tab, i%5 == 4)
		if f := activeElement(t, ctx); f.In != "widget" {
			t.Fatalf("Tab %d left the full-screen widget for %s", i+1, f)
		}
	}
	press(t, ctx, kb.Escape, false)
	waitFor(t, ctx, "closed on the phone", shadow+`.querySelector('.panel').hidden`)
	if f := activeElement(t, ctx); !strings.Contains(f.Class, "launcher") {
		t.Errorf("after Esc on the phone the focus is on %s", f)
	}
}

// hostPage is a government site on another origin that embeds the widget
// of the govchat at *base with data-mode="elder".
func hostPage(t *testing.T, base *string) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>某区人民政府门户网站</title></head><body><main><h1>某区人民政府</h1><p>政务公开</p></main>
<script src="%s/widget.js" data-mode="elder" data-open="true" defer></script></body></html>`, *base)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// sizeCheck fails on text under minText px and controls under minTarget
// px in scope ('page' or 'widget').
func sizeCheck(t *testing.T, ctx context.Context, state, scope string, minText, minTarget float64) {
	t.Helper()
	for _, s := range measure[[]smallThing](t, ctx, fmt.Sprintf(`window.__measure.smallText(%q, %g)`, scope, minText)) {
		t.Errorf("%s: text of %.1f px < %g px: %s %q", state, s.Size, minText, s.El, s.Text)
	}
	for _, s := range measure[[]smallThing](t, ctx, fmt.Sprintf(`window.__measure.smallTargets(%q, %g)`, scope, minTarget)) {
		t.Errorf("%s: control of %.0f × %.0f px < %g px: %s %q", state, s.W, s.H, minTarget, s.El, s.Text)
	}
}

// baseSize checks the font size of the first element matching sel.
func baseSize(t *testing.T, ctx context.Context, state, scope, sel string, min float64) {
	t.Helper()
	got := measure[float64](t, ctx, fmt.Sprintf(`window.__measure.fontSize(%q, %q)`, sel, scope))
	if got < min {
		t.Errorf("%s: %s %s is %.1f px, want ≥ %g px", state, scope, sel, got, min)
	}
}

// hotlineInView checks that a hotline button is wholly on screen and not
// covered.
func hotlineInView(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	if in := measure[[]string](t, ctx, `window.__measure.hotlinesInView()`); len(in) == 0 {
		browsertest.Screenshot(t, ctx, "failed-hotline.png")
		t.Errorf("%s: no hotline button in view", state)
	}
}

// lineChars is the width of the first paragraph of a source page in
// characters of its font size.
func lineChars(t *testing.T, ctx context.Context) float64 {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[float64](`(() => { const p = document.querySelector('.doc-body .chunk p');
	  return p.clientWidth / parseFloat(getComputedStyle(p).fontSize); })()`))
}

func modes(t *testing.T, ctx context.Context) string {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[string](`[document.documentElement.dataset.mode || '-',
	  (document.getElementById('govchat-widget') || {dataset: {}}).dataset.mode || '-',
	  localStorage.getItem('govchat.mode') || '-'].join(' ')`))
}

// TestBrowserElderMode measures 长辈模式 from computed styles at 390 px:
// standard text ≥ 18 px; in 长辈模式 base text ≥ 22 px and none under 18 px,
// controls ≥ 44 px, text contrast ≥ 7:1, a hotline button always in view,
// shorter lines on source pages; the choice is remembered, shared by the
// widget and the pages, and data-mode="elder" on the embed script makes it
// the default for a site's visitors.
func TestBrowserElderMode(t *testing.T) {
	ctx := browsertest.New(t)
	var base string
	host := hostPage(t, &base)
	// The host page's origin and the server's own (its port is not known yet).
	rs := a11yServer(t, map[string]string{"GOVCHAT_ALLOWED_ORIGINS": "*"})
	base = rs.base
	browsertest.AddInitScript(t, ctx, `document.addEventListener('DOMContentLoaded', () => { window.__modeAtLoad = document.documentElement.dataset.mode; });`)

	// Standard mode, the demo page with the widget open.
	browsertest.Do(t, ctx, phone(), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, ctx)
	if m := modes(t, ctx); m != "standard standard -" {
		t.Fatalf("a new visitor's modes (page widget stored) = %q", m)
	}
	askInWidget(t, ctx, seedQuestion)
	waitAnswered(t, ctx, 0)
	baseSize(t, ctx, "standard", "widget", ".msg.bot[data-id] .text", 18)
	baseSize(t, ctx, "standard", "widget", ".welcome p", 18)
	baseSize(t, ctx, "standard", "widget", "textarea.input", 18)
	baseSize(t, ctx, "standard", "page", ".hero p", 18)
	sizeCheck(t, ctx, "standard widget", "widget", 12, 24)
	browsertest.Screenshot(t, ctx, "mode-standard-390-widget.png")

	// The widget's 长辈模式 button switches the widget and the page.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.mode-toggle')`)))
	if m := modes(t, ctx); m != "elder elder elder" {
		t.Fatalf("after the widget's 长辈模式 button: modes %q", m)
	}
	if p := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-mode-toggle]').getAttribute('aria-pressed') + ' ' + `+shadow+`.querySelector('.mode-toggle').getAttribute('aria-pressed')`)); p != "true true" {
		t.Errorf("toggles aria-pressed = %q", p)
	}
	askInWidget(t, ctx, "政府网站IPv6改造有什么要求")
	waitAnswered(t, ctx, 1)
	baseSize(t, ctx, "elder", "widget", ".msg.bot[data-id] .text", 22)
	baseSize(t, ctx, "elder", "widget", ".welcome p", 22)
	baseSize(t, ctx, "elder", "widget", "textarea.input", 22)
	sizeCheck(t, ctx, "elder widget", "widget", 18, 44)
	contrastCheck(t, ctx, "elder widget", "widget", 7, 7)
	hotlineInView(t, ctx, "elder widget, latest answer")
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](shadow+`.querySelector('.log').scrollTop = 0`))
	hotlineInView(t, ctx, "elder widget, scrolled to the top")
	browsertest.Screenshot(t, ctx, "mode-elder-390-widget.png")

	// Remembered: a reload comes back in 长辈模式.
	browsertest.Do(t, ctx, chromedp.Reload())
	waitOnline(t, ctx)
	if m := modes(t, ctx); m != "elder elder elder" {
		t.Errorf("after a reload: modes %q", m)
	}

	// The demo page itself, widget closed.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.close')`)))
	baseSize(t, ctx, "elder demo page", "page", ".hero p", 22)
	sizeCheck(t, ctx, "elder demo page", "page", 18, 44)
	sizeCheck(t, ctx, "elder launcher", "widget", 18, 44)
	contrastCheck(t, ctx, "elder demo page", "all", 7, 7)
	hotlineInView(t, ctx, "elder demo page")
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	hotlineInView(t, ctx, "elder demo page, scrolled to the end")
	browsertest.Screenshot(t, ctx, "mode-elder-390-demo.png")

	// A source page: 长辈模式 applies before the page is shown.
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/docs/haishu-zwgk-2019"))
	waitFor(t, ctx, "page loaded", `document.readyState === 'complete' && document.getElementById('govchat-widget') !== null`)
	if m := browsertest.Run(t, ctx, chromedp.Evaluate[string](`window.__modeAtLoad || ''`)); m != "elder" {
		t.Errorf("source page mode when its HTML was parsed = %q, want elder (no flash of the standard mode)", m)
	}
	baseSize(t, ctx, "elder source page", "page", ".doc-body .chunk p", 22)
	sizeCheck(t, ctx, "elder source page", "page", 18, 44)
	contrastCheck(t, ctx, "elder source page", "all", 7, 7)
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight / 2)`))
	hotlineInView(t, ctx, "elder source page, halfway")
	browsertest.Screenshot(t, ctx, "mode-elder-390-source.png")
	elderPhone := lineChars(t, ctx)

	// Shorter lines: on a desktop screen, 长辈模式 keeps about 30 characters a line.
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Reload())
	waitFor(t, ctx, "page loaded", `document.readyState === 'complete' && document.getElementById('govchat-widget') !== null`)
	elderDesk := lineChars(t, ctx)

	// The page's 长辈模式 button switches back, the widget with it.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-mode-toggle]`)))
	if m := modes(t, ctx); m != "standard standard standard" {
		t.Errorf("after the page's 长辈模式 button: modes %q", m)
	}
	standardDesk := lineChars(t, ctx)
	t.Logf("characters a line on a source page: 长辈模式 %.1f (390 px: %.1f), standard %.1f", elderDesk, elderPhone, standardDesk)
	if elderDesk > 32 || elderDesk >= standardDesk || standardDesk > 50 {
		t.Errorf("line lengths: 长辈模式 %.1f, standard %.1f characters; want ≤ 32 in 长辈模式, shorter than standard, standard ≤ 50", elderDesk, standardDesk)
	}
	baseSize(t, ctx, "standard source page", "page", ".doc-body .chunk p", 18)
	browsertest.Do(t, ctx, phone(), chromedp.Reload())
	waitFor(t, ctx, "page loaded", `document.readyState === 'complete'`)
	hotlineInView(t, ctx, "standard source page")
	browsertest.Screenshot(t, ctx, "mode-standard-390-source.png")

	// Another site embeds the widget with data-mode="elder": its visitors
	// start in 长辈模式 until they choose otherwise.
	browsertest.Do(t, ctx, chromedp.Navigate(host.URL+"/"))
	waitOnline(t, ctx)
	if m := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.getElementById('govchat-widget').dataset.mode`)); m != "elder" {
		t.Errorf(`data-mode="elder": the widget starts in %q`, m)
	}
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.mode-toggle')`)), chromedp.Reload())
	waitOnline(t, ctx)
	if m := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.getElementById('govchat-widget').dataset.mode`)); m != "standard" {
		t.Errorf(`data-mode="elder" after the visitor chose the standard mode: %q`, m)
	}
}

// axNode is a node of Chromium's accessibility tree, as a screen reader
// gets it.
type axNode struct {
	Role, Name string
	Props      map[string]string
}

// axTree returns the accessibility tree's unignored nodes.
func axTree(t *testing.T, ctx context.Context) []axNode {
	t.Helper()
	res, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		t.Fatalf("accessibility tree: %v", err)
	}
	str := func(v *accessibility.Value) string {
		if v == nil || len(v.Value) == 0 {
			return ""
		}
		var s any
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return string(v.Value)
		}
		return fmt.Sprint(s)
	}
	var out []axNode
	for _, n := range res.Nodes {
		if n.Ignored {
			continue
		}
		a := axNode{Role: str(n.Role), Name: str(n.Name), Props: map[string]string{}}
		for _, p := range n.Properties {
			a.Props[string(p.Name)] = str(p.Value)
		}
		out = append(out, a)
	}
	return out
}

var han = regexp.MustCompile(`\p{Han}`)

// TestBrowserScreenReader checks what a screen reader is given: the
// conversation is not a live region, each answer is its own polite live
// region fed one sentence at a time while it streams (the visible text,
// rewritten on every delta, is hidden from it meanwhile), the whole answer
// is spoken once, and every button, link and field has a Chinese name.
func TestBrowserScreenReader(t *testing.T) {
	ctx := browsertest.New(t)
	rs := a11yServer(t, nil)
	browsertest.AddInitScript(t, ctx, frameControl)
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, ctx)

	type regions struct {
		LogLive, LogRole       string
		Live                   []string // aria-live values inside the log
		Spoken, Shown, Hidden  string
		SayExists              bool
		StatusLive, StatusRole string
	}
	const regionsJS = `(() => {
	  const w = ` + shadow + `, log = w.querySelector('.log');
	  const bots = w.querySelectorAll('.msg.bot[data-id]'), b = bots[bots.length - 1];
	  const say = b && b.querySelector('[aria-live]'), text = b && b.querySelector('.text');
	  const st = w.querySelector('.panel > [role=status]');
	  return {LogLive: log.getAttribute('aria-live') || '', LogRole: log.getAttribute('role') || '',
	    Live: [...log.querySelectorAll('[aria-live]')].map(e => e.getAttribute('aria-live')),
	    Spoken: say ? [...say.children].map(s => s.textContent).join('|') : '', SayExists: !!say,
	    Shown: text ? text.textContent : '', Hidden: text ? (text.getAttribute('aria-hidden') || '') : '',
	    StatusLive: st ? st.getAttribute('aria-live') : '', StatusRole: st ? st.getAttribute('role') : ''};
	})()`

	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__hold = true`))
	askInWidget(t, ctx, seedQuestion)
	waitFor(t, ctx, "streamed text", shadow+`.querySelector('.msg.bot[data-id] .bubble.streaming .text')?.textContent.length > 10`)
	r := browsertest.Run(t, ctx, chromedp.Evaluate[regions](regionsJS))
	if r.LogLive != "" || r.LogRole == "log" || r.LogRole == "status" || r.LogRole == "alert" {
		t.Errorf("the conversation log is a live region (role %q, aria-live %q): a screen reader would re-read it", r.LogRole, r.LogLive)
	}
	if len(r.Live) != 1 || r.Live[0] != "polite" {
		t.Errorf("live regions in the log while streaming: %v, want one polite region (the answer's)", r.Live)
	}
	if r.Hidden != "true" {
		t.Errorf("the streaming text is not hidden from screen readers (aria-hidden %q)", r.Hidden)
	}
	if r.Spoken == "" || strings.Contains(r.Spoken, "[") {
		t.Errorf("spoken so far: %q, want whole sentences without citation marks", r.Spoken)
	}
	for _, s := range strings.Split(r.Spoken, "|") {
		if s = strings.TrimSpace(s); s != "" && strings.IndexAny(s, "。！？；：!?;:") == -1 {
			t.Errorf("spoken part is not a sentence: %q", s)
		}
	}
	if r.StatusRole != "status" || r.StatusLive != "polite" {
		t.Errorf("panel notices region: role %q aria-live %q, want status/polite", r.StatusRole, r.StatusLive)
	}
	ax := axTree(t, ctx)
	liveAnswer := false
	for _, n := range ax {
		if n.Props["live"] == "polite" && n.Role != "status" {
			liveAnswer = true
		}
	}
	if !liveAnswer {
		t.Errorf("no polite live region in the accessibility tree while streaming")
	}

	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__release()`))
	waitAnswered(t, ctx, 0)
	answer := browsertest.Run(t, ctx, chromedp.Evaluate[string](`window.__frames.filter(f => f.type === 'answer')[0].text`))
	r = browsertest.Run(t, ctx, chromedp.Evaluate[regions](regionsJS))
	norm := func(s string) string {
		s = regexp.MustCompile(`[\[［【]\d{1,2}[\]］】]|\s|\|`).ReplaceAllString(s, "")
		return s
	}
	if r.Hidden != "" {
		t.Errorf("the finished answer is still hidden from screen readers")
	}
	if !strings.HasPrefix(norm(r.Spoken), norm(answer)) {
		t.Errorf("spoken %q\nis not the answer %q", r.Spoken, answer)
	}
	if !strings.Contains(r.Spoken, "回答完毕，附有") {
		t.Errorf("the end of the answer and its sources are not announced: %q", r.Spoken)
	}
	// The spoken copy goes once it has been read; the answer stays once.
	waitFor(t, ctx, "spoken copy removed", `(() => { const b = `+shadow+`.querySelector('.msg.bot[data-id]'); return !b.querySelector('[aria-live]'); })()`)

	// Every control has a Chinese accessible name.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.msg.bot .fb.down')`)))
	var names []string
	for _, n := range axTree(t, ctx) {
		switch n.Role {
		case "button", "link", "textbox", "dialog", "region", "group":
			if !han.MatchString(n.Name) {
				t.Errorf("%s without a Chinese accessible name: %q", n.Role, n.Name)
			}
			names = append(names, n.Role+" "+n.Name)
		}
	}
	t.Logf("accessible names:\n%s", strings.Join(names, "\n"))
	cites := 0
	for _, n := range names {
		if strings.HasPrefix(n, "link 出处") && strings.Contains(n, "在新窗口打开") {
			cites++
		}
	}
	if cites == 0 {
		t.Errorf("no citation link named 出处n：… （在新窗口打开）")
	}
}

// TestBrowserAxeWorkbench runs axe-core and the contrast check on the
// operators' pages and on the citizen's side of 转人工: sign-in (and its
// error), the workbench idle and with look-up results, the flag and FAQ
// proposal dialogs, a conversation taken from the queue, the 留言 list and
// the review page; the widget while queued and while talking to an operator,
// in both modes.
func TestBrowserAxeWorkbench(t *testing.T) {
	ctx := browsertest.New(t)
	axeJS(t)
	rs := a11yServer(t, nil)
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	const password = "correct horse battery staple"
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "zhao", Name: "赵六", StaffNo: "9001", Role: auth.RoleAdmin, Password: password}); err != nil {
		t.Fatal(err)
	}

	browsertest.Do(t, ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(rs.base+"/agent/"))
	waitFor(t, ctx, "sign-in page", `document.getElementById('username') !== null`)
	a11yCheck(t, ctx, "workbench: sign-in page", false)
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.ID("username"), "zhao"), chromedp.SendKeys(chromedp.ID("password"), "wrong password"), chromedp.Click(chromedp.ID("login-submit")))
	waitFor(t, ctx, "sign-in error", `!document.getElementById('login-error').hidden`)
	a11yCheck(t, ctx, "workbench: sign-in error", false)
	// Sign in with the keyboard.
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('password').value = ''`), chromedp.Focus(chromedp.ID("password")))
	typeText(t, ctx, password)
	press(t, ctx, kb.Enter, false)
	waitFor(t, ctx, "workbench online", `document.getElementById('q') !== null && document.getElementById('conn').textContent === '在线'`)
	a11yCheck(t, ctx, "workbench: idle", false)

	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.ID("q"), "重大建设项目要公开哪些信息"))
	waitFor(t, ctx, "look-up results", `document.querySelector('#faq .card') !== null`)
	a11yCheck(t, ctx, "workbench: look-up results", false)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`#faq .card button.flag`)))
	waitFor(t, ctx, "flag dialog", `document.getElementById('flag-dlg').open`)
	a11yCheck(t, ctx, "workbench: flag dialog", false)
	press(t, ctx, kb.Escape, false)
	waitFor(t, ctx, "flag dialog closed", `!document.getElementById('flag-dlg').open`)

	// A citizen asks for a human in another tab.
	cit, cancel := chromedp.NewContext(ctx)
	defer cancel()
	browsertest.Do(t, cit, phone(), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, cit)
	browsertest.Do(t, cit, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.handoff')`)))
	waitFor(t, cit, "queued", shadow+`.querySelector('button.end-human') && !`+shadow+`.querySelector('button.end-human').hidden`)
	a11yCheck(t, cit, "widget: 转人工 queued", false)

	waitFor(t, ctx, "queued conversation listed", `document.querySelector('#queue button.take') !== null`)
	a11yCheck(t, ctx, "workbench: queue with a waiting citizen", false)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`#queue button.take`)))
	waitFor(t, ctx, "conversation open", `!document.getElementById('chat-panel').hidden`)
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.ID("say"), "您好，工号9001为您服务，请讲。"+kb.Enter))
	waitFor(t, cit, "operator message", shadow+`.querySelector('.msg.agent') !== null`)
	a11yCheck(t, ctx, "workbench: conversation", false)
	a11yCheck(t, cit, "widget: 转人工 connected, operator message", false)
	browsertest.Do(t, cit, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('.mode-toggle')`)))
	a11yCheck(t, cit, "widget (长辈模式): 转人工 connected, operator message", true)
	browsertest.Screenshot(t, cit, "a11y-elder-operator.png")

	browsertest.Do(t, ctx, chromedp.Click(chromedp.ID("propose")))
	waitFor(t, ctx, "proposal dialog", `document.getElementById('prop-dlg').open`)
	a11yCheck(t, ctx, "workbench: FAQ proposal dialog", false)
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.ID("prop-q"), "重大建设项目要公开哪些信息？"), chromedp.SetValue(chromedp.ID("prop-a"), "重点公开批准服务信息等8类信息。"), chromedp.Click(chromedp.CSS(`#prop-dlg button[value=ok]`)))
	waitFor(t, ctx, "proposal sent", `document.getElementById('toast').textContent.includes('已提交知识审核')`)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.ID("load-msgs")))
	waitFor(t, ctx, "留言 list", `document.querySelector('#msgs li') !== null`)
	a11yCheck(t, ctx, "workbench: 留言 list", false)

	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/agent/review"))
	waitFor(t, ctx, "review items", `document.querySelector('#items tr') !== null`)
	a11yCheck(t, ctx, "review page", false)

	// The 回应关切 dashboard (the questions asked above) and a draft form.
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/agent/concerns?period=7"))
	waitFor(t, ctx, "dashboard", `document.querySelector('svg.chart') !== null && document.readyState === 'complete'`)
	a11yCheck(t, ctx, "回应关切 dashboard", false)
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/agent/concerns/draft?topic=doc:haishu-zwgk-faq-002"))
	waitFor(t, ctx, "draft form", `document.getElementById('answer') !== null`)
	a11yCheck(t, ctx, "回应关切: draft form", false)
}
