package main

// Helpers of the accessibility browser tests (a11y_browser_test.go): axe-core
// run inside the page, keyboard input, focus, sizes and contrast read from
// computed styles.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govchat/govchat/internal/browsertest"
)

// axeTags are the rule sets run: WCAG 2.0 and 2.1, levels A and AA (GB/T
// 37668-2019 follows them).
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

var axeSource struct {
	sync.Mutex
	js string
}

// nodeTool installs the npm project in testdata/<name> (npm ci, on first
// use) and returns node and the project's directory; it skips without node
// and npm, and fails instead under CI=true. marker is a file that exists once
// installed.
func nodeTool(t *testing.T, name, marker string) (node, dir string) {
	t.Helper()
	need := func(what string) string {
		p, err := exec.LookPath(what)
		if err != nil {
			msg := fmt.Sprintf("%s not found (%v): install Node.js 18+ and npm to run the tests that use %s", what, err, name)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		return p
	}
	node = need("node")
	dir = filepath.Join(moduleRoot(t), "cmd", "govchat", "testdata", name)
	if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
		return node, dir
	}
	npm := need("npm")
	t.Logf("installing %s: npm ci in %s", name, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return node, dir
}

// axeJS returns axe-core (axe.min.js, pinned in testdata/axe/package-lock.json).
func axeJS(t *testing.T) string {
	t.Helper()
	axeSource.Lock()
	defer axeSource.Unlock()
	if axeSource.js == "" {
		_, dir := nodeTool(t, "axe", "node_modules/axe-core/axe.min.js")
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
		if err != nil {
			t.Fatal(err)
		}
		axeSource.js = string(b)
	}
	return axeSource.js
}

type axeNode struct {
	Target, HTML, Summary string
}

type axeResult struct {
	ID, Impact, Help string
	Nodes            []axeNode
}

type axeReport struct {
	Violations, Incomplete []axeResult
	Passes                 int
}

// axeRun runs axe-core on the page as it is now, all WCAG 2.0/2.1 A and AA
// rules, shadow roots (the widget) included.
func axeRun(t *testing.T, ctx context.Context) axeReport {
	t.Helper()
	if !browsertest.Run(t, ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`)) {
		browsertest.Run(t, ctx, chromedp.Evaluate[chromedp.Void](axeJS(t)+"\n;void 0"))
	}
	tags := `['` + strings.Join(axeTags, `','`) + `']`
	return browsertest.Run(t, ctx, chromedp.Evaluate[axeReport](`(async () => {
	  const r = await axe.run(document, {runOnly: {type: 'tag', values: `+tags+`}, resultTypes: ['violations', 'incomplete']});
	  const conv = (v) => ({ID: v.id, Impact: v.impact || '', Help: v.help,
	    Nodes: v.nodes.map(n => ({Target: JSON.stringify(n.target), HTML: n.html.slice(0, 240), Summary: n.failureSummary || ''}))});
	  return {Violations: r.violations.map(conv), Incomplete: r.incomplete.map(conv), Passes: r.passes.length};
	})()`, chromedp.EvalAwaitPromise))
}

// axeCheck fails the test on any serious or critical violation in this
// state of the page, and logs the others.
func axeCheck(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	r := axeRun(t, ctx)
	bad := 0
	for _, v := range r.Violations {
		serious := v.Impact == "serious" || v.Impact == "critical"
		if serious {
			bad++
		}
		for _, n := range v.Nodes {
			msg := fmt.Sprintf("axe %s: %s (%s) %s: %s\n    %s\n    %s", state, v.ID, v.Impact, v.Help, n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n    "))
			if serious {
				t.Error(msg)
			} else {
				t.Log(msg)
			}
		}
	}
	// Text on gradients is "incomplete" for axe; measureJS checks it (contrastCheck).
	if bad == 0 {
		t.Logf("axe %s: %d rules passed, no serious or critical violations", state, r.Passes)
	}
}

// activeJS describes the focused element, looking into shadow roots.
const activeJS = `(() => {
  let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  if (!e || e === document.body) return {Tag: 'BODY'};
  const cs = getComputedStyle(e), r = e.getBoundingClientRect();
  const host = e.getRootNode() instanceof ShadowRoot ? 'widget' : 'page';
  return {Tag: e.tagName, Class: String(e.className || ''), Text: (e.getAttribute('aria-label') || e.textContent || e.placeholder || '').trim().slice(0, 60),
          Href: e.getAttribute('href') || '', In: host,
          Outline: cs.outlineStyle !== 'none' ? parseFloat(cs.outlineWidth) : 0, Shadow: cs.boxShadow,
          Visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight};
})()`

// focused is the element with the keyboard focus.
type focused struct {
	Tag, Class, Text, Href, In, Shadow string
	Outline                            float64
	Visible                            bool
}

func (f focused) String() string {
	return fmt.Sprintf("<%s class=%q> %q (%s)", strings.ToLower(f.Tag), f.Class, f.Text, f.In)
}

func activeElement(t *testing.T, ctx context.Context) focused {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[focused](activeJS))
}

// press sends one key (kb.Tab, kb.Enter, kb.Escape …), with Shift when
// shift is true, to whatever has the focus.
func press(t *testing.T, ctx context.Context, key string, shift bool) {
	t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	browsertest.Do(t, ctx, chromedp.KeyEvent(key, opts...))
}

// tabTo presses Tab (or Shift+Tab) until the focused element matches, at
// most max times, checking that every element reached shows a focus
// indicator; it returns the elements passed on the way.
func tabTo(t *testing.T, ctx context.Context, what string, back bool, max int, match func(focused) bool) []focused {
	t.Helper()
	var path []focused
	for i := 0; i < max; i++ {
		press(t, ctx, kb.Tab, back)
		f := activeElement(t, ctx)
		path = append(path, f)
		if f.Tag != "BODY" && f.Outline < 2 && !strings.Contains(f.Shadow, "rgb") {
			t.Errorf("focused %s shows no focus indicator (outline %.1f px, box-shadow %s)", f, f.Outline, f.Shadow)
		}
		if match(f) {
			return path
		}
	}
	t.Fatalf("%s: not reached with %d presses of Tab; went through %v", what, max, path)
	return nil
}

// typeText types text with the keyboard into the focused element.
func typeText(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.KeyEvent(text))
}

// frameControl wraps WebSocket before any page script runs: it records the
// frames the widget receives (window.__frames; answers whole in .frame) and
// sends (window.__sent), can hold back answer frames (window.__hold =
// true; window.__release() delivers them) to keep an answer streaming, and
// can hand the widget a frame of the test's making (window.__inject(frame)).
const frameControl = `(() => {
  window.__frames = []; window.__sent = []; window.__held = []; window.__hold = false;
  const WS = window.WebSocket;
  function Controlled(url, protocols) {
    const ws = protocols === undefined ? new WS(url) : new WS(url, protocols);
    const send = ws.send.bind(ws);
    ws.send = (d) => { try { window.__sent.push(JSON.parse(d)); } catch (_) {} return send(d); };
    let handler = null;
    Object.defineProperty(ws, 'onmessage', { get() { return handler; }, set(fn) { handler = fn; } });
    ws.addEventListener('message', (e) => {
      let f = null;
      try { f = JSON.parse(e.data); } catch (_) {}
      if (f) window.__frames.push({type: f.type, id: f.id || '', text: f.text || '', frame: f.type === 'answer' ? f : null});
      if (window.__hold && f && f.type === 'answer') { window.__held.push(e); return; }
      if (handler) handler(e);
    });
    window.__inject = (f) => handler && handler({data: JSON.stringify(f)});
    window.__release = () => { window.__hold = false; const h = window.__held; window.__held = []; h.forEach((e) => handler && handler(e)); };
    return ws;
  }
  Controlled.prototype = WS.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((k) => { Controlled[k] = WS[k]; });
  window.WebSocket = Controlled;
})();`

// measureJS installs window.__measure: text sizes, touch target sizes and
// contrast read from computed styles, on the page and in the widget's
// shadow root. Contrast is measured against every colour that can be behind
// the text (each stop of a gradient, semi-transparent layers composed), so
// it also covers what axe-core leaves "incomplete".
const measureJS = `(() => {
  if (window.__measure) return;
  const parse = (s) => {
    const m = /rgba?\(([^)]+)\)/.exec(s || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const stops = (s) => (String(s).match(/rgba?\([^)]+\)/g) || []).map(parse);
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const over = (t, u) => ({r: t.r * t.a + u.r * (1 - t.a), g: t.g * t.a + u.g * (1 - t.a), b: t.b * t.a + u.b * (1 - t.a), a: 1});
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const up = (e) => e.parentElement || (e.getRootNode() instanceof ShadowRoot ? e.getRootNode().host : null);
  const white = {r: 255, g: 255, b: 255, a: 1};
  // The solid colours that can be behind e.
  function behind(e) {
    const layers = [];
    let base = [white];
    for (let n = e; n; n = up(n)) {
      const cs = getComputedStyle(n);
      if (cs.backgroundImage && cs.backgroundImage !== 'none') {
        const s = stops(cs.backgroundImage);
        if (s.length) { base = s.map((c) => c.a < 1 ? over(c, white) : c); break; }
      }
      const c = parse(cs.backgroundColor);
      if (c && c.a > 0) { if (c.a >= 1) { base = [c]; break; } layers.push(c); }
    }
    return base.map((b) => layers.reduceRight((acc, l) => over(l, acc), b));
  }
  function shown(e) {
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;
    const cs = getComputedStyle(e);
    if (cs.visibility !== 'visible' || cs.display === 'none') return false;
    let o = 1;
    for (let n = e; n; n = up(n)) o *= parseFloat(getComputedStyle(n).opacity);
    return o > 0.5;
  }
  function all(root) {
    const out = [];
    const walk = (r) => r.querySelectorAll('*').forEach((e) => { out.push(e); if (e.shadowRoot) walk(e.shadowRoot); });
    walk(root);
    return out;
  }
  const widget = () => { const h = document.getElementById('govchat-widget'); return h && h.shadowRoot; };
  const scopeOf = (scope) => scope === 'widget' ? all(widget()) : scope === 'page' ? all(document).filter((e) => e.getRootNode() === document) : all(document);
  const ownText = (e) => Array.prototype.some.call(e.childNodes, (c) => c.nodeType === 3 && c.textContent.trim());
  const label = (e) => (e.getRootNode() === document ? '' : 'widget ') + e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  window.__measure = {
    // Text elements whose contrast is below min (minLarge for large text).
    contrast(scope, min, minLarge) {
      const bad = [];
      for (const e of scopeOf(scope)) {
        if (!ownText(e) || !shown(e)) continue;
        const cs = getComputedStyle(e);
        const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
        const large = size >= 24 || (size >= 18.66 && bold);
        for (const b of behind(e)) {
          let fg = parse(cs.color);
          if (fg.a < 1) fg = over(fg, b);
          const r = ratio(fg, b);
          if (r < (large ? minLarge : min)) { bad.push({El: label(e), Text: e.textContent.trim().slice(0, 30), FG: hex(fg), BG: hex(b), Ratio: Math.round(r * 100) / 100, Size: size}); break; }
        }
      }
      return bad;
    },
    // Text elements set smaller than min px.
    smallText(scope, min) {
      return scopeOf(scope).filter((e) => ownText(e) && shown(e) && parseFloat(getComputedStyle(e).fontSize) < min)
        .map((e) => ({El: label(e), Text: e.textContent.trim().slice(0, 30), Size: parseFloat(getComputedStyle(e).fontSize)}));
    },
    fontSize(sel, scope) {
      const root = scope === 'widget' ? widget() : document;
      const e = root.querySelector(sel);
      return e ? parseFloat(getComputedStyle(e).fontSize) : 0;
    },
    // Controls smaller than min px either way. Links inside a line of text
    // (display: inline) and the inline citation numbers are exempt, as in
    // WCAG 2.5.5/2.5.8; the sources list repeats the citations as full-size links.
    smallTargets(scope, min) {
      const sel = 'a[href], button, input:not([type=hidden]), textarea, select, [tabindex="0"]';
      return scopeOf(scope).filter((e) => e.matches(sel) && shown(e) && !e.closest('.sr-only') &&
          getComputedStyle(e).display !== 'inline' && !e.classList.contains('cite') && !e.classList.contains('para-link'))
        .map((e) => { const r = e.getBoundingClientRect(); return {El: label(e), Text: (e.getAttribute('aria-label') || e.textContent).trim().slice(0, 30), W: Math.round(r.width), H: Math.round(r.height)}; })
        .filter((t) => t.W < min || t.H < min);
    },
    // The hotline links that are wholly on screen and not covered.
    hotlinesInView() {
      return scopeOf('all').filter((e) => e.matches('a.hotline[href^="tel:"]') && shown(e)).filter((e) => {
        const r = e.getBoundingClientRect();
        if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
        const root = e.getRootNode();
        const hit = root.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit === e || e.contains(hit);
      }).map((e) => label(e) + ' ' + e.textContent.trim());
    },
  };
})()`

type badContrast struct {
	El, Text, FG, BG string
	Ratio, Size      float64
}

type smallThing struct {
	El, Text string
	Size     float64
	W, H     float64
}

func measure[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	browsertest.Run(t, ctx, chromedp.Evaluate[chromedp.Void](measureJS))
	return browsertest.Run(t, ctx, chromedp.Evaluate[T](expr))
}

// contrastCheck fails on text in scope ('all', 'page', 'widget') whose
// contrast with anything behind it is below min (minLarge for large text).
func contrastCheck(t *testing.T, ctx context.Context, state, scope string, min, minLarge float64) {
	t.Helper()
	for _, b := range measure[[]badContrast](t, ctx, fmt.Sprintf(`window.__measure.contrast(%q, %g, %g)`, scope, min, minLarge)) {
		t.Errorf("%s: contrast %.2f:1 < %g:1 for %s %q (%s on %s, %.0f px)", state, b.Ratio, min, b.El, b.Text, b.FG, b.BG, b.Size)
	}
}

// a11yCheck is axe-core plus the contrast check (4.5:1, large text 3:1;
// in 长辈模式 7:1 for all text).
func a11yCheck(t *testing.T, ctx context.Context, state string, elder bool) {
	t.Helper()
	axeCheck(t, ctx, state)
	if elder {
		contrastCheck(t, ctx, state, "all", 7, 7)
	} else {
		contrastCheck(t, ctx, state, "all", 4.5, 3)
	}
}
