// Package browsertest is the one browser-test helper: it starts a headless
// Chromium with a fresh profile (skipping the test, with a message, where
// there is none, and failing instead under CI=true) and runs chromedp actions
// that fail the test on error. The citizen widget's and the operator
// workbench's browser tests in cmd/govchat use it.
//
// GOVCHAT_CHROMIUM names the browser binary (default: chromium,
// chromium-browser, google-chrome or google-chrome-stable on PATH);
// GOVCHAT_SCREENSHOTS=dir keeps screenshots.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timeout bounds one test's use of the browser.
const Timeout = 3 * time.Minute

// Chromium returns the browser binary or skips the test (fails it under
// CI=true) when there is none (Lighthouse runs it itself).
func Chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GOVCHAT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("browser tests: Chromium not found and CI=true (install the Debian package chromium or set GOVCHAT_CHROMIUM)")
	}
	t.Skip("browser tests skipped: Chromium not found (install the Debian package chromium or set GOVCHAT_CHROMIUM)")
	return ""
}

// New starts a headless Chromium with a fresh profile and returns its
// context, cancelled when the test ends. opts add to (or override) the
// default flags, e.g. chromedp.WindowSize(1366, 900). Browser tests are
// skipped in -short mode.
func New(t *testing.T, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	all := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	all = append(all, opts...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), all...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, Timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// Run runs one action that returns a value, failing the test on error.
func Run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// Do runs actions, failing the test on error.
func Do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// Poll waits until the JavaScript expression is truthy, failing the test
// (with a screenshot named what) after timeout.
func Poll(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout))); err != nil {
		Screenshot(t, ctx, "failure-"+what+".png")
		t.Fatalf("%s: %v", what, err)
	}
}

// AddInitScript runs js in every page before the page's own scripts.
func AddInitScript(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
		t.Fatal(err)
	}
}

// Screenshot saves the viewport as $GOVCHAT_SCREENSHOTS/name when that is
// set.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("GOVCHAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}
