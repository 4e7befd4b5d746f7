package main

// Browser tests of the citizen's choices and of the papercuts found by
// newcomers (issues 11 and 15): clarify and related questions as buttons
// that ask with via, 示例 and the plan year on sources, a long answer read
// from its beginning, one 留言 form, a visible 留言 border, the open widget
// beside the demo page's text at 1366 px, and on the workbench the offered
// questions as look-ups, the header at 390 px and the styled 403 page.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/browsertest"
	"github.com/govchat/govchat/internal/chat"
)

// shownAnswer is an answer as the widget shows it.
type shownAnswer struct {
	Clarify, Feedback bool
	Head, Tail        string   // the text before and after the buttons
	Group, Heading    string   // the buttons' group name and visible heading
	Buttons, Badges   []string // the buttons' names; every source's badges
}

func shownAnswerAt(t *testing.T, ctx context.Context, n int) shownAnswer {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[shownAnswer](fmt.Sprintf(`(() => {
	  const b = [...%s.querySelectorAll('.msg.bot[data-id]')][%d];
	  const row = b.querySelector('.bubble .suggest'), tail = b.querySelector('.text.tail'), head = b.querySelector('.suggest-head');
	  return {Clarify: b.classList.contains('clarify'), Feedback: !!b.querySelector('.feedback'),
	    Head: b.querySelector('.text').textContent, Tail: tail ? tail.textContent : '',
	    Group: row ? row.getAttribute('aria-label') : '', Heading: head ? head.textContent : '',
	    Buttons: row ? [...row.querySelectorAll('button')].map(x => x.textContent) : [],
	    Badges: [...b.querySelectorAll('.sources li')].map(li => [...li.querySelectorAll('.badge')].map(x => x.textContent).join(' '))};
	})()`, shadow, n)))
}

// answerFrame is the n-th answer frame the widget received.
func answerFrame(t *testing.T, ctx context.Context, n int) apiAnswer {
	t.Helper()
	raw := browsertest.Run(t, ctx, chromedp.Evaluate[json.RawMessage](fmt.Sprintf(`window.__frames.filter(f => f.type === 'answer')[%d].frame`, n)))
	var a apiAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("answer frame %d: %v: %s", n, err, raw)
	}
	return a
}

// lastAsk is the last ask frame the widget sent, validated against the
// frame schema the server serves.
func lastAsk(t *testing.T, ctx context.Context, client *jsonschema.Schema) map[string]any {
	t.Helper()
	raw := browsertest.Run(t, ctx, chromedp.Evaluate[json.RawMessage](`window.__sent.filter(f => f.type === 'ask').pop()`))
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ask frame %s: %v", raw, err)
	}
	if err := client.Validate(v); err != nil {
		t.Errorf("the widget's ask frame %s does not match frames.schema.json: %v", raw, err)
	}
	var f map[string]any
	json.Unmarshal(raw, &f)
	return f
}

func wantVia(t *testing.T, f map[string]any, answerID, id string) {
	t.Helper()
	via, _ := f["via"].(map[string]any)
	if via == nil || via["answer_id"] != answerID || via["id"] != id {
		t.Errorf("ask frame %v: via = %v, want {answer_id: %s, id: %s}", f, f["via"], answerID, id)
	}
}

// newConversation forgets the widget's session and reloads the page: the
// next question starts a new conversation, without earlier turns.
func newConversation(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`Object.keys(localStorage).filter(k => k.startsWith('govchat.session:')).forEach(k => localStorage.removeItem(k))`), chromedp.Reload())
	waitOnline(t, ctx)
}

// TestBrowserClarifyAndRelated: a question several entries fit is
// answered with its choices as buttons (the question first, no 👍/👎); a
// choice taken with the keyboard asks that question, naming the button
// (via), and is answered from that entry. An answer with related questions
// offers them as buttons under the answer, not as a list in its text; a tap
// asks one. Sources show 示例 and a dated plan's year beside 现行有效.
func TestBrowserClarifyAndRelated(t *testing.T) {
	ctx := browsertest.New(t)
	rs := a11yServer(t, nil)
	clarifyQ, clar := clarifyingQuestion(t, rs.base)
	relatedQ, rel := relatedQuestion(t, rs.base)
	frames := newContract(t, rs.base).client
	browsertest.AddInitScript(t, ctx, frameControl)
	browsertest.Do(t, ctx, phone(), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, ctx)

	// A clarification.
	askInWidget(t, ctx, clarifyQ)
	waitAnswered(t, ctx, 0)
	got := answerFrame(t, ctx, 0)
	if !got.Clarify || len(got.Related) != len(clar.Related) {
		t.Fatalf("%q: answer %+v, want the clarification %+v", clarifyQ, got, clar)
	}
	s := shownAnswerAt(t, ctx, 0)
	t.Logf("clarification shown: %+v", s)
	if !s.Clarify || s.Feedback {
		t.Errorf("clarification: marked %v, 👍/👎 %v; want marked, without 👍/👎", s.Clarify, s.Feedback)
	}
	if !strings.HasPrefix(s.Head, "您是想问以下哪个问题？") && !strings.HasPrefix(s.Head, "您想了解的是以下哪一项？") {
		t.Errorf("the clarification does not start with its question: %q", s.Head)
	}
	for i, r := range got.Related {
		if strings.Contains(s.Head+s.Tail, r.Question) {
			t.Errorf("choice %q is listed in the text as well as a button", r.Question)
		}
		want := r.Question
		if r.Sample {
			want += "示例"
		}
		if i >= len(s.Buttons) || s.Buttons[i] != want {
			t.Errorf("button %d = %q, want %q", i, s.Buttons, want)
		}
	}
	if s.Group == "" || !han.MatchString(s.Group) || !strings.Contains(s.Tail, "转人工") {
		t.Errorf("choices group %q, text after them %q: want a Chinese group name and the way out (转人工)", s.Group, s.Tail)
	}
	browsertest.Screenshot(t, ctx, "clarify-390.png")

	// The keyboard: Shift+Tab from the question box reaches the last choice;
	// Enter asks it.
	browsertest.Do(t, ctx, chromedp.Focus(chromedp.JSPath(shadow+`.querySelector('textarea.input')`)))
	chosen := got.Related[len(got.Related)-1]
	tabTo(t, ctx, "the last choice", true, 12, func(f focused) bool { return strings.Contains(f.Class, "chip") })
	press(t, ctx, kb.Enter, false)
	waitAnswered(t, ctx, 1)
	ask := lastAsk(t, ctx, frames)
	if ask["text"] != chosen.Question {
		t.Errorf("Enter on the last choice asked %q, want %q", ask["text"], chosen.Question)
	}
	wantVia(t, ask, got.AnswerID, chosen.ID)
	if a := answerFrame(t, ctx, 1); !answersEntry(a, chosen.ID, chosen.DocURL) {
		t.Errorf("the chosen %q (%s) was answered with %+v", chosen.Question, chosen.DocURL, a)
	}
	if s := shownAnswerAt(t, ctx, 1); !s.Feedback || s.Clarify {
		t.Errorf("the chosen answer: %+v, want an answer with 👍/👎", s)
	}

	// An answer with related questions, in a new conversation (the
	// question was chosen as a conversation's first): buttons under it, its
	// text without the list; a tap asks one.
	newConversation(t, ctx)
	askInWidget(t, ctx, relatedQ)
	waitAnswered(t, ctx, 0)
	got = answerFrame(t, ctx, 0)
	if got.Clarify || len(got.Related) == 0 {
		t.Fatalf("%q: %+v, want an answer with related questions (as %+v)", relatedQ, got, rel)
	}
	s = shownAnswerAt(t, ctx, 0)
	t.Logf("answer with related questions shown: %+v", s)
	if !strings.Contains(got.Text, "您可能还想问") || strings.Contains(s.Head, "您可能还想问") || strings.Contains(s.Head, got.Related[0].Question) {
		t.Errorf("the 您可能还想问 list is still shown as text: %q (sent %q)", s.Head, got.Text)
	}
	if s.Heading != "您可能还想问：" || len(s.Buttons) != len(got.Related) || !s.Feedback {
		t.Errorf("related questions shown as %+v, want a 您可能还想问： row of %d buttons above 👍/👎", s, len(got.Related))
	}
	browsertest.Screenshot(t, ctx, "related-390.png")
	first := got.Related[0]
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelectorAll('.msg.bot[data-id]')[0].querySelector('.suggest button')`)))
	waitAnswered(t, ctx, 1)
	ask = lastAsk(t, ctx, frames)
	wantVia(t, ask, got.AnswerID, first.ID)
	if a := answerFrame(t, ctx, 1); ask["text"] != first.Question || !answersEntry(a, first.ID, first.DocURL) {
		t.Errorf("tapping %q asked %q and got %+v", first.Question, ask["text"], a)
	}

	// A choice typed instead of tapped: 1 in reply to the clarification is
	// answered as the first choice.
	newConversation(t, ctx)
	askInWidget(t, ctx, clarifyQ)
	waitAnswered(t, ctx, 0)
	if got = answerFrame(t, ctx, 0); !got.Clarify || len(got.Related) == 0 {
		t.Fatalf("%q asked again: %+v, want the clarification", clarifyQ, got)
	}
	askInWidget(t, ctx, "1")
	waitAnswered(t, ctx, 1)
	if a := answerFrame(t, ctx, 1); !answersEntry(a, got.Related[0].ID, got.Related[0].DocURL) {
		t.Errorf("1 typed after the clarification got %+v, want the answer of %q", a, got.Related[0].Question)
	}

	// A question typed (or a greeting example) carries no via. It is
	// answered by the sample FAQ entry on the 2019 plan, with the plan as
	// its basis: both kinds of badge are shown.
	newConversation(t, ctx)
	askInWidget(t, ctx, "2019年海曙区重大建设项目要公开哪些信息")
	waitAnswered(t, ctx, 0)
	if ask = lastAsk(t, ctx, frames); ask["via"] != nil {
		t.Errorf("a typed question carries via: %v", ask)
	}
	// Its sources: the sample FAQ entry is marked 示例; the 2019 plan shows
	// 2019年度 beside 现行有效.
	seed := answerFrame(t, ctx, 0)
	s = shownAnswerAt(t, ctx, 0)
	t.Logf("seed answer's source badges: %q", s.Badges)
	if len(s.Badges) != len(seed.Sources) {
		t.Fatalf("sources shown %q for %d sources", s.Badges, len(seed.Sources))
	}
	sawYear, sawSample := false, false
	for i, src := range seed.Sources {
		b := s.Badges[i]
		if src.Sample != strings.Contains(b, "示例") {
			t.Errorf("source %s (sample %v) badges %q", src.ID, src.Sample, b)
		}
		if src.PlanYear > 0 {
			sawYear = true
			if !strings.Contains(b, src.Status+" "+fmt.Sprint(src.PlanYear)+"年度") {
				t.Errorf("source %s (plan year %d) badges %q, want the year beside %s", src.ID, src.PlanYear, b, src.Status)
			}
		}
		sawSample = sawSample || src.Sample
	}
	if !sawYear || !sawSample {
		t.Errorf("the seed answer's sources %+v lack a dated plan or a sample entry: the test checks nothing", seed.Sources)
	}
}

// longFAQ is a knowledge base of one FAQ entry whose answer is far taller
// than the widget on a phone.
func longFAQ(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "faq"), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("title: 测试常见问题\ndepartment: 区人力社保局\nsample: true\nentries:\n  - id: long-faq-1\n    question: 城乡居民基本养老保险待遇怎么领取？\n    answer: |\n")
	b.WriteString("      第一段：符合条件的参保人员，到达领取年龄后，可持本人身份证件到户籍所在地的镇（街道）社会保障服务窗口申请领取养老保险待遇。\n")
	for i := 2; i <= 14; i++ {
		fmt.Fprintf(&b, "      第%d段：待遇领取的其他说明。申请人应当如实提供材料，经办机构在受理后按规定审核，审核通过的，自次月起按月发放待遇，发放至本人社会保障卡的金融账户。\n", i)
	}
	b.WriteString("      最后一段：如有疑问，请咨询当地社会保险经办机构。\n")
	if err := os.WriteFile(filepath.Join(dir, "faq", "long.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowserLongAnswerFromItsBeginning: an answer taller than the widget
// is scrolled so that its first line is at the top of the conversation —
// not to its last line — on a phone; a short answer still shows its end.
func TestBrowserLongAnswerFromItsBeginning(t *testing.T) {
	ctx := browsertest.New(t)
	rs := startServe(t, longFAQ(t), map[string]string{"GOVCHAT_RATE_IP": "-1", "GOVCHAT_RATE_SESSION": "-1"}, chat.Config{})
	browsertest.Do(t, ctx, phone(), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, ctx)
	askInWidget(t, ctx, "城乡居民基本养老保险待遇怎么领取")
	if text := waitAnswered(t, ctx, 0); !strings.Contains(text, "第一段") || !strings.Contains(text, "最后一段") {
		t.Fatalf("answer: %q", text)
	}
	type view struct {
		AnswerTop, LogTop, LogBottom, ScrollTop, MaxScroll float64
		FirstLineShown                                     bool
	}
	const viewJS = `(() => {
	  const w = ` + shadow + `, log = w.querySelector('.log'), b = [...w.querySelectorAll('.msg.bot[data-id]')].pop();
	  const r = b.getBoundingClientRect(), l = log.getBoundingClientRect();
	  const t = b.querySelector('.text'), range = document.createRange();
	  range.setStart(t.firstChild || t, 0); range.setEnd(t.firstChild || t, Math.min(4, (t.firstChild || t).length || 0));
	  const first = range.getBoundingClientRect();
	  return {AnswerTop: r.top, LogTop: l.top, LogBottom: l.bottom, ScrollTop: log.scrollTop, MaxScroll: log.scrollHeight - log.clientHeight,
	    FirstLineShown: first.top >= l.top && first.bottom <= l.bottom};
	})()`
	// Wait for the smooth scroll to settle.
	var v view
	for i := 0; i < 40; i++ {
		w := browsertest.Run(t, ctx, chromedp.Evaluate[view](viewJS))
		if i > 0 && w == v {
			break
		}
		v = w
		browsertest.Run(t, ctx, chromedp.Evaluate[chromedp.Void](`new Promise(r => setTimeout(r, 150))`, chromedp.EvalAwaitPromise))
	}
	t.Logf("long answer: %+v", v)
	browsertest.Screenshot(t, ctx, "long-answer-390.png")
	if v.MaxScroll < 600 {
		t.Fatalf("the answer is not taller than the conversation (%+v): the test checks nothing", v)
	}
	if !v.FirstLineShown || v.AnswerTop < v.LogTop-2 || v.AnswerTop > v.LogTop+60 {
		t.Errorf("the long answer's first line is not at the top of the conversation: %+v", v)
	}
	if v.ScrollTop > v.MaxScroll-100 {
		t.Errorf("the conversation is scrolled to the answer's end: %+v", v)
	}
}

// TestBrowserWidgetPapercuts: after two refusals the 留言 form appears,
// and 转人工 then brings that same form (with what was typed) down rather
// than adding a second one; its fields have a visible border; at 1366 px
// the open widget leaves the demo page's text uncovered, in both modes.
func TestBrowserWidgetPapercuts(t *testing.T) {
	ctx := browsertest.New(t)
	rs := a11yServer(t, nil)
	browsertest.Do(t, ctx, phone(), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, ctx)

	forms := func() int {
		return browsertest.Run(t, ctx, chromedp.Evaluate[int](shadow+`.querySelectorAll('.bubble.leave').length`))
	}
	for i, q := range []string{"你好", "讲个笑话吧"} {
		askInWidget(t, ctx, q)
		waitAnswered(t, ctx, i)
	}
	waitFor(t, ctx, "留言 form after two refusals", shadow+`.querySelector('.bubble.leave textarea') !== null`)
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.JSPath(shadow+`.querySelector('.bubble.leave textarea')`), "请回电咨询社保"))
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.handoff')`)))
	waitFor(t, ctx, "the reply to 转人工", shadow+`.querySelectorAll('.msg.system').length >= 3`)
	type formState struct {
		Last         bool
		Text, Focus  string
		Border       float64
		Style        string
		BorderColor  string
		FieldBG, BG  string
		ContactWidth float64
	}
	st := browsertest.Run(t, ctx, chromedp.Evaluate[formState](`(() => {
	  const w = `+shadow+`, f = w.querySelector('.bubble.leave'), ta = f.querySelector('textarea'), cs = getComputedStyle(ta);
	  const msgs = w.querySelectorAll('.log > .msg');
	  return {Last: msgs[msgs.length - 1].contains(f), Text: ta.value, Focus: w.activeElement ? w.activeElement.className : '',
	    Border: parseFloat(cs.borderTopWidth), Style: cs.borderTopStyle, BorderColor: cs.borderTopColor,
	    FieldBG: cs.backgroundColor, BG: getComputedStyle(f).backgroundColor,
	    ContactWidth: parseFloat(getComputedStyle(f.querySelector('input')).borderTopWidth)};
	})()`))
	if n := forms(); n != 1 {
		t.Errorf("%d 留言 forms after two refusals and 转人工, want 1", n)
	}
	if !st.Last || st.Text != "请回电咨询社保" || !strings.Contains(st.Focus, "leave-text") {
		t.Errorf("after 转人工 the 留言 form %+v: want it last, with its text, focused", st)
	}
	// The border: solid, 1 px or more, 3:1 or more against the field and the bubble.
	if st.Border < 1 || st.Style != "solid" || st.ContactWidth < 1 {
		t.Errorf("留言 fields' border: %+v", st)
	}
	for _, bg := range []string{st.FieldBG, st.BG} {
		if r := cssContrast(t, ctx, st.BorderColor, bg); r < 3 {
			t.Errorf("留言 border %s on %s: %.2f:1 < 3:1", st.BorderColor, bg, r)
		}
	}
	browsertest.Screenshot(t, ctx, "leave-form-390.png")

	// 1366 px, the widget open on the demo page: no text of the page (or its
	// header's buttons) lies under the panel.
	for _, mode := range []string{"standard", "elder"} {
		browsertest.Do(t, ctx, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(rs.base+"/"))
		setStoredMode(t, ctx, mode)
		waitOnline(t, ctx)
		covered := browsertest.Run(t, ctx, chromedp.Evaluate[[]string](`(() => {
		  const p = `+shadow+`.querySelector('.panel').getBoundingClientRect();
		  const out = [];
		  for (const e of document.querySelectorAll('header *, main *, footer *')) {
		    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
		    if (!own && !e.matches('a, button')) continue;
		    const r = e.getBoundingClientRect();
		    if (r.width === 0 || r.bottom < 0 || r.top > innerHeight) continue;
		    if (r.right > p.left && r.left < p.right && r.bottom > p.top && r.top < p.bottom) out.push(e.tagName + ' ' + e.textContent.trim().slice(0, 20));
		  }
		  return out;
		})()`))
		if len(covered) > 0 {
			t.Errorf("%s, 1366 px: the open widget covers %q", mode, covered)
		}
		browsertest.Screenshot(t, ctx, "demo-1366-"+mode+".png")
	}
}

// cssContrast is the contrast ratio of two CSS colours, computed in the page.
func cssContrast(t *testing.T, ctx context.Context, a, b string) float64 {
	t.Helper()
	return browsertest.Run(t, ctx, chromedp.Evaluate[float64](fmt.Sprintf(`(() => {
	  const p = (s) => (/rgba?\(([^)]+)\)/.exec(s)[1].split(/[\s,\/]+/).map(Number));
	  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
	  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
	  const x = lum(p(%q)), y = lum(p(%q));
	  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
	})()`, a, b)))
}

// TestBrowserWorkbenchPapercuts: the questions a citizen was offered show
// in the operator's transcript as buttons that look the entry up (the
// operator is not the asker); look-up results mark 示例 and a plan's year;
// the header stays tidy at 390 px; an operator's 403 on the review page is
// a styled Chinese page.
func TestBrowserWorkbenchPapercuts(t *testing.T) {
	ctx := browsertest.New(t)
	axeJS(t)
	rs := a11yServer(t, nil)
	clarifyQ, clar := clarifyingQuestion(t, rs.base)
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "wang", Name: "王五五五", StaffNo: "100001", Role: auth.RoleOperator, Password: "operator password"}); err != nil {
		t.Fatal(err)
	}

	// The header on a phone.
	browsertest.Do(t, ctx, phone(), chromedp.Navigate(rs.base+"/agent/"))
	waitFor(t, ctx, "sign-in page", `document.getElementById('username') !== null`)
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.ID("username"), "wang"), chromedp.SendKeys(chromedp.ID("password"), "operator password"), chromedp.Click(chromedp.ID("login-submit")))
	waitFor(t, ctx, "workbench online", `document.getElementById('q') !== null && document.getElementById('conn').textContent === '在线'`)
	type headerItem struct {
		Name                     string
		Top, Bottom, Left, Right float64
		Lines                    int
	}
	items := browsertest.Run(t, ctx, chromedp.Evaluate[[]headerItem](`(() => {
	  const out = [];
	  for (const e of document.querySelectorAll('.topbar .brand, .topbar .me, .topbar .conn, .topbar nav a, .topbar nav button')) {
	    if (e.hidden || !e.getClientRects().length) continue;
	    const r = e.getBoundingClientRect(), lh = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.6;
	    const range = document.createRange(); range.selectNodeContents(e);
	    const tops = new Set([...range.getClientRects()].map(x => Math.round(x.top)));
	    out.push({Name: e.textContent.trim(), Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right, Lines: tops.size});
	  }
	  return out;
	})()`))
	width := browsertest.Run(t, ctx, chromedp.Evaluate[[]float64](`[innerWidth, document.documentElement.scrollWidth, document.querySelector('.topbar').getBoundingClientRect().height]`))
	t.Logf("workbench header at 390 px (%v): %+v", width, items)
	if len(items) < 4 {
		t.Fatalf("header items: %+v", items)
	}
	for i, a := range items {
		if a.Lines != 1 {
			t.Errorf("header item %q breaks over %d lines", a.Name, a.Lines)
		}
		if a.Left < 0 || a.Right > width[0] {
			t.Errorf("header item %q (%.0f–%.0f) is outside the screen", a.Name, a.Left, a.Right)
		}
		for _, b := range items[i+1:] {
			if a.Right > b.Left+1 && b.Right > a.Left+1 && a.Bottom > b.Top+1 && b.Bottom > a.Top+1 {
				t.Errorf("header items %q and %q overlap", a.Name, b.Name)
			}
		}
	}
	if width[1] > width[0] || width[2] > 100 {
		t.Errorf("at 390 px the page is %.0f px wide and its header %.0f px high", width[1], width[2])
	}
	browsertest.Screenshot(t, ctx, "workbench-header-390.png")

	// An operator on the review page: 403, a styled Chinese page.
	status := browsertest.Run(t, ctx, chromedp.Evaluate[int](`fetch('/agent/review').then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Errorf("operator GET /agent/review = %d, want 403", status)
	}
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/agent/review"))
	waitFor(t, ctx, "403 page", `document.readyState === 'complete'`)
	type page403 struct {
		Title, H1, Lang, BodyBG, BoxBorder, Link string
		Sheets                                   int
	}
	p := browsertest.Run(t, ctx, chromedp.Evaluate[page403](`(() => { const box = document.querySelector('.denied-box'), a = document.querySelector('.denied-box a');
	  return {Title: document.title, H1: (document.querySelector('h1') || {}).textContent || '', Lang: document.documentElement.lang,
	    BodyBG: getComputedStyle(document.body).backgroundColor, BoxBorder: box ? getComputedStyle(box).borderLeftColor : '',
	    Link: a ? a.getAttribute('href') : '', Sheets: document.styleSheets.length}; })()`))
	t.Logf("403 page: %+v", p)
	if !strings.Contains(p.Title, "无权访问") || !strings.Contains(p.H1, "无权访问") || p.Lang != "zh-CN" || p.Link != "/agent/" {
		t.Errorf("403 page %+v: want a Chinese page saying 无权访问 with a way back", p)
	}
	if p.Sheets == 0 || p.BodyBG != "rgb(243, 244, 246)" || p.BoxBorder != "rgb(185, 28, 28)" {
		t.Errorf("403 page is not styled by the workbench's stylesheet: %+v", p)
	}
	a11yCheck(t, ctx, "workbench: 403 page", false)
	browsertest.Screenshot(t, ctx, "workbench-403-390.png")

	// A citizen is clarified, then asks for a human; the operator takes the
	// conversation and finds the choices in the transcript as buttons.
	browsertest.Do(t, ctx, chromedp.EmulateViewport(1366, 900), chromedp.Navigate(rs.base+"/agent/"))
	waitFor(t, ctx, "workbench online", `document.getElementById('conn').textContent === '在线'`)
	cit, cancel := chromedp.NewContext(ctx)
	defer cancel()
	browsertest.Do(t, cit, phone(), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, cit)
	askInWidget(t, cit, clarifyQ)
	waitAnswered(t, cit, 0)
	browsertest.Do(t, cit, chromedp.Click(chromedp.JSPath(shadow+`.querySelector('button.handoff')`)))
	waitFor(t, ctx, "queued conversation listed", `document.querySelector('#queue button.take') !== null`)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`#queue button.take`)))
	waitFor(t, ctx, "offered questions in the transcript", `document.querySelector('#transcript .offered button') !== null`)
	offered := browsertest.Run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#transcript .offered button')].map(b => b.textContent)`))
	if len(offered) != len(clar.Related) {
		t.Fatalf("the transcript offers %q, the citizen was offered %+v", offered, clar.Related)
	}
	if shown := browsertest.Run(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#transcript .te.bot .tt')].map(x => x.textContent).join('|')`)); !strings.HasPrefix(shown, "您") || strings.Contains(shown, clar.Related[0].Question) {
		t.Errorf("the transcript shows the clarification as %q: want its question, the choices only as buttons", shown)
	}
	a11yCheck(t, ctx, "workbench: transcript with the offered questions", false)
	// A tap looks the entry up: the question goes into the look-up box and
	// the entry is among the results.
	last := clar.Related[len(clar.Related)-1]
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll('#transcript .offered button')][%d]`, len(clar.Related)-1))))
	waitFor(t, ctx, "look-up of the offered question", fmt.Sprintf(`document.getElementById('q').value === %q && [...document.querySelectorAll('.card h3 a')].some(a => a.getAttribute('href').startsWith('/docs/' + %q))`, last.Question, last.ID))
	if f := activeElement(t, ctx); f.Tag != "TEXTAREA" {
		t.Errorf("after the look-up the focus is on %s, want the look-up box", f)
	}
	// Results carry 示例 and a plan's year.
	badges := browsertest.Run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.card .badges')].map(b => [...b.children].map(x => x.textContent).join(' '))`))
	t.Logf("look-up badges: %q", badges)
	year, sample := false, false
	for _, b := range badges {
		year = year || strings.Contains(b, "现行有效 2019年度")
		sample = sample || strings.Contains(b, "示例")
	}
	if !year || !sample {
		t.Errorf("look-up results %q: want 示例 on sample entries and 2019年度 beside 现行有效", badges)
	}
	browsertest.Screenshot(t, ctx, "workbench-offered.png")
}

// TestBrowserLongButtonClamped: a knowledge base whose "question" is a
// whole paragraph (imported FAQ files have them) shows at most three lines
// of it on a button, on a phone; the button's name and title keep it whole.
func TestBrowserLongButtonClamped(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "faq"), 0o755); err != nil {
		t.Fatal(err)
	}
	long := "城乡居民养老保险待遇领取人员每年需要进行一次领取资格认证，认证可以通过手机应用刷脸完成，也可以到户籍所在地的镇（街道）社会保障服务窗口现场认证，行动不便的可以申请上门认证，未按时认证的暂停发放待遇，补充认证后恢复发放并补发暂停期间的待遇，那么领取资格认证具体应当怎么办理？"
	yaml := "title: 测试常见问题\ndepartment: 区人力社保局\nentries:\n" +
		"  - id: pension-claim\n    question: 城乡居民养老保险待遇怎么领取？\n    answer: 到达领取年龄后，持本人身份证件到户籍所在地的社会保障服务窗口申请领取待遇。\n" +
		"  - id: pension-check\n    question: " + long + "\n    answer: 每年认证一次，可以刷脸认证，也可以到服务窗口认证。\n"
	if err := os.WriteFile(filepath.Join(dir, "faq", "pension.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	rs := startServe(t, dir, map[string]string{"GOVCHAT_RATE_IP": "-1", "GOVCHAT_RATE_SESSION": "-1"}, chat.Config{})
	browsertest.Do(t, ctx, phone(), chromedp.Navigate(rs.base+"/"))
	waitOnline(t, ctx)
	askInWidget(t, ctx, "养老保险待遇领取") // answered from the short entry, the long one offered beside it
	waitAnswered(t, ctx, 0)
	type chip struct {
		Name, Title        string
		Height, LineHeight float64
		ScrollH, ClientH   float64
	}
	got := browsertest.Run(t, ctx, chromedp.Evaluate[[]chip](`[...`+shadow+`.querySelectorAll('.msg.bot[data-id] button.chip')].map(b => {
	  const s = b.querySelector('span'), cs = getComputedStyle(s);
	  return {Name: b.textContent, Title: b.title, Height: s.getBoundingClientRect().height, LineHeight: parseFloat(cs.lineHeight),
	    ScrollH: s.scrollHeight, ClientH: s.clientHeight};
	})`))
	var found bool
	for _, c := range got {
		if !strings.HasPrefix(c.Name, long[:30]) {
			continue
		}
		found = true
		t.Logf("long button: %+v", c)
		if c.Name != long || c.Title != long {
			t.Errorf("the button's name or title is not the whole question: %+v", c)
		}
		if c.Height > 3*c.LineHeight+1 || c.ScrollH <= c.ClientH {
			t.Errorf("the long question is not clamped to three lines: %+v", c)
		}
	}
	if !found {
		t.Fatalf("no button offers the long question (buttons %+v): the test checks nothing", got)
	}
	browsertest.Screenshot(t, ctx, "long-button-390.png")
}
