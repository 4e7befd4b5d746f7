package main

// The 回应关切 dashboard in a real Chromium: an admin sees the rising topic
// of a (demo) history and its chart, drafts a FAQ entry from it, approves it
// in the review list, and a citizen asking the question in the widget gets
// the new answer at once.

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/browsertest"
	"github.com/govchat/govchat/internal/chat"
)

// copyDir copies a directory tree (the knowledge base a test may change).
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestBrowserConcerns(t *testing.T) {
	ctx := browsertest.New(t, chromedp.WindowSize(1366, 900))
	kdir := copyDir(t, filepath.Join(moduleRoot(t), "knowledge"))
	data := t.TempDir()
	var errOut strings.Builder
	if code := run(context.Background(), []string{"demo", "history", "--days", "21", "--per-day", "30", "--knowledge", kdir, "--data", data},
		strings.NewReader(""), io.Discard, &errOut, func(k string) string {
			if k == "GOVCHAT_NOW" {
				return testNow // the day serve runs at in the tests
			}
			return ""
		}); code != 0 {
		t.Fatalf("demo history: exit %d %s", code, errOut.String())
	}
	svc, err := auth.New(auth.Config{Path: filepath.Join(data, "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "zhao", Name: "赵六", StaffNo: "9001", Role: auth.RoleAdmin, Password: "admin password"}); err != nil {
		t.Fatal(err)
	}
	svc.Close()
	rs := startServe(t, kdir, map[string]string{"GOVCHAT_DATA": data, "GOVCHAT_RATE_IP": "-1", "GOVCHAT_RATE_SESSION": "-1"}, chat.Config{})

	// Sign in, then the dashboard.
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/agent/"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "zhao"), chromedp.SendKeys(chromedp.ID("password"), "admin password"),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("q")))
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/agent/concerns"))
	waitPage(t, ctx, "dashboard", `document.querySelector('.cz-topics tbody tr') !== null`)

	// The rising topics come first; the demo's unanswered question rises.
	first := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.querySelector('.cz-topics tbody tr .trend').textContent`))
	if !strings.Contains(first, "上升") && !strings.Contains(first, "新出现") {
		t.Errorf("the first topic's trend is %q", first)
	}
	// The demo's rising unanswered question (its key depends on the
	// vocabulary: found by its words).
	const dog = `[...document.querySelectorAll('.cz-topics tbody tr.kind-words')].find(tr => tr.querySelector('td a').textContent.includes('养犬'))`
	dogTrend := browsertest.Run(t, ctx, chromedp.Evaluate[string](`(`+dog+` || {textContent: ''}).textContent`))
	if !strings.Contains(dogTrend, "上升") && !strings.Contains(dogTrend, "新出现") {
		t.Fatalf("the rising unanswered topic: %q", dogTrend)
	}
	if n := browsertest.Run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.chart rect').length`)); n < 10 {
		t.Errorf("the chart has %d rects", n)
	}
	if note := browsertest.Run(t, ctx, chromedp.Evaluate[string](`(document.querySelector('.cz-synthetic') || {textContent: ''}).textContent`)); !strings.Contains(note, "演示数据") {
		t.Errorf("the demo data is not labelled: %q", note)
	}
	browsertest.Screenshot(t, ctx, "concerns-1366.png")

	// The topic's own chart, then a draft from it.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.JSPath(dog+`.querySelector('td a')`)))
	waitPage(t, ctx, "topic chart", `document.querySelectorAll('svg.chart').length === 2 && document.getElementById('focus-h') !== null`)
	if h := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.getElementById('focus-h').textContent`)); !strings.Contains(h, "养犬") {
		t.Errorf("focus heading %q", h)
	}
	browsertest.Screenshot(t, ctx, "concerns-topic-1366.png")
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`.cz-focus a.cz-button`)))
	waitPage(t, ctx, "draft form", `document.getElementById('answer') !== null`)
	if q := browsertest.Run(t, ctx, chromedp.Evaluate[string](`document.getElementById('question').value`)); !strings.Contains(q, "养犬登记证") {
		t.Errorf("the draft's question is %q", q)
	}
	const reply = "养犬登记证请携带犬只免疫证明和身份证，到区农业农村局窗口办理。"
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.ID("question"), "养犬登记证在哪里办理？"), chromedp.SendKeys(chromedp.ID("answer"), reply),
		chromedp.SetValue(chromedp.ID("department"), "区农业农村局"), chromedp.Click(chromedp.CSS(`.cz-draft button[type=submit]`)))
	waitPage(t, ctx, "review list with the draft", `location.pathname === '/agent/review' && [...document.querySelectorAll('#items tr')].some(tr => tr.textContent.includes('区农业农村局窗口'))`)

	// Approve it (the note prompt answered).
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.prompt = () => '回应关切：采纳'`),
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('#items tr')].find(tr => tr.textContent.includes('区农业农村局窗口')).querySelector('button')`)))
	waitPage(t, ctx, "approved", `![...document.querySelectorAll('#items tr')].some(tr => tr.textContent.includes('区农业农村局窗口'))`)
	raw, err := os.ReadFile(filepath.Join(kdir, "faq", "reviewed.yaml"))
	if err != nil || !strings.Contains(string(raw), reply) {
		t.Fatalf("faq/reviewed.yaml: %v\n%s", err, raw)
	}

	// A citizen asks: the new entry answers at once.
	browsertest.Do(t, ctx, chromedp.Navigate(rs.base+"/"))
	waitOnline(t, ctx)
	askInWidget(t, ctx, "养犬登记证在哪里办理")
	if got := waitAnswered(t, ctx, 0); !strings.Contains(got, "区农业农村局窗口办理") {
		t.Errorf("the widget answered %q", got)
	}
	browsertest.Screenshot(t, ctx, "concerns-answered.png")
}
