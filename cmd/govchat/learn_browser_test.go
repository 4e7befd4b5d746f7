package main

// The learning loop in a real browser: a citizen's own words get a
// clarification in the widget, the citizen taps the entry meant and gives
// 👍; an admin approves the proposed 相似问 in /agent/review; the same words
// are then answered by the entry directly. It runs on a copy of the shipped
// knowledge base, since approving writes its FAQ file.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/browsertest"
	"github.com/govchat/govchat/internal/chat"
)

func TestBrowserLearningLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: no browser")
	}
	ctx := browsertest.New(t, chromedp.WindowSize(1280, 900))
	kdir := copyKnowledge(t)
	rs := startServe(t, kdir, nil, chat.Config{})
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "office", Name: "知识办", StaffNo: "8001", Role: auth.RoleAdmin, Password: "office password"}); err != nil {
		t.Fatal(err)
	}
	svc.Close()
	const words = "要点出台时间"
	const question = "2019年海曙区政务公开工作要点是什么时候印发的？"
	online := func() {
		browsertest.Run(t, ctx, chromedp.Poll[bool](shadow+`.querySelector('.status').dataset.state === 'online'`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	}

	// A citizen asks in their own words and is asked to choose.
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/"))
	online()
	askInWidget(t, ctx, words)
	waitAnswered(t, ctx, 0)
	bot := shadow + `.querySelectorAll('.msg.bot[data-id]')`
	chip := `[...` + bot + `[0].querySelectorAll('button.chip')].find(b => b.textContent.includes('` + question + `'))`
	if !browsertest.Run(t, ctx, chromedp.Evaluate[bool](`(() => { const m = `+bot+`[0]; return m.classList.contains('clarify') && !!`+chip+`; })()`)) {
		t.Fatalf("%q is not clarified with %q among the choices", words, question)
	}
	browsertest.Screenshot(t, ctx, "learning-clarify.png")
	// The citizen taps it and finds the answer helpful.
	browsertest.Run(t, ctx, chromedp.Evaluate[chromedp.Void](`(`+chip+`).click()`))
	if text := waitAnswered(t, ctx, 1); !strings.Contains(text, "2019年6月19日") {
		t.Fatalf("the tapped question was answered %q", text)
	}
	browsertest.Run(t, ctx, chromedp.Evaluate[chromedp.Void](bot+`[1].querySelector('button.fb.up').click()`))
	browsertest.Poll(t, ctx, "thanks for the feedback", bot+`[1].querySelector('.feedback .thanks') !== null`, pollTimeout)

	// The office signs in and approves the proposal in /agent/review.
	browsertest.Do(t, ctx,
		chromedp.Navigate(rs.base+"/agent/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "office"),
		chromedp.SendKeys(chromedp.ID("password"), "office password"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("q")),
	)
	row := `document.querySelector('#similar-items tr[data-entry="haishu-zwgk-faq-001"]')`
	for deadline := time.Now().Add(pollTimeout); ; {
		browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/agent/review"), chromedp.WaitVisible(chromedp.ID("similar-items")))
		found := browsertest.Run(t, ctx, chromedp.Poll[bool](`document.getElementById('similar-total').textContent !== '' ? (`+row+` !== null) : null`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(pollTimeout)))
		if found || time.Now().After(deadline) {
			break
		}
	}
	if got := browsertest.Run(t, ctx, chromedp.Evaluate[string](`(() => { const r = `+row+`; return r ? r.querySelector('input.wording').value + '|' + r.textContent : ''; })()`)); !strings.HasPrefix(got, words+"|") || !strings.Contains(got, "点选后点赞 1") {
		t.Fatalf("review row %q", got)
	}
	browsertest.Screenshot(t, ctx, "learning-review.png")
	browsertest.Run(t, ctx, chromedp.Evaluate[chromedp.Void](row+`.querySelector('button[data-status="approved"]').click()`))
	browsertest.Poll(t, ctx, "approved", `document.getElementById('toast').textContent.includes('已采纳') && `+row+` === null`, pollTimeout)
	if b, _ := os.ReadFile(filepath.Join(kdir, "faq", "haishu-zwgk-2019.yaml")); !strings.Contains(string(b), "      - "+words+"\n") {
		t.Fatalf("the FAQ file lacks the approved wording:\n%s", b)
	}

	// The same words now get the entry's answer directly.
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/"))
	online()
	askInWidget(t, ctx, words)
	text := waitAnswered(t, ctx, 0)
	if browsertest.Run(t, ctx, chromedp.Evaluate[bool](bot+`[0].classList.contains('clarify')`)) || !strings.Contains(text, question) || !strings.Contains(text, "2019年6月19日") {
		t.Errorf("after approval %q is answered %q", words, text)
	}
	browsertest.Screenshot(t, ctx, "learning-answered.png")
}
