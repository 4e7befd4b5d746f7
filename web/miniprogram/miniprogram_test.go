package miniprogram_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/wechat/wechattest"
)

// TestProtocolModuleUnderNode runs utils/govchat.js under node's test runner
// (test/*.test.js) with a wx shim whose connectSocket is a real websocket
// client, against a live govchat server started here, whose WeChat login
// talks to an imitation of jscode2session. It skips where node or npm is
// missing, and fails instead when CI=true.
func TestProtocolModuleUnderNode(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the node tests of the mini-program")
	}
	node, npm := lookNode(t)
	dir, err := filepath.Abs("test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ws", "package.json")); err != nil {
		t.Logf("installing the test dependencies: npm ci in %s", dir)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	fake := wechattest.NewServer("wx0000000000000000", "test-secret")
	defer fake.Close()
	base := startGovchat(t, fake)

	files, err := filepath.Glob(filepath.Join(dir, "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in %s: %v", dir, err)
	}
	for i, f := range files {
		files[i] = "./" + filepath.Base(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"--test", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOVCHAT_URL="+base,
		"GOVCHAT_TEST_WECHAT=1",
		"NO_COLOR=1",
	)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	t.Logf("node %s\n%s", strings.Join(args, " "), out.String())
	if err != nil {
		t.Fatalf("node tests failed: %v", err)
	}
	// The summary lines read "ℹ pass 19" (spec reporter) or "# pass 19" (tap).
	count := func(name string) int {
		m := regexp.MustCompile(`(?m)^(?:ℹ|#) ` + name + ` (\d+)$`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("node output has no %q summary line", name)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if pass, fail, skipped := count("pass"), count("fail"), count("skipped"); pass == 0 || fail != 0 || skipped != 0 {
		t.Fatalf("node tests: %d passed, %d failed, %d skipped; want all to run and pass", pass, fail, skipped)
	}
}

// lookNode finds node and npm, skipping (or failing under CI=true) without them.
func lookNode(t *testing.T) (node, npm string) {
	t.Helper()
	missing := func(what string, err error) {
		msg := fmt.Sprintf("%s not found (%v): install Node.js 18+ and npm to run the mini-program tests", what, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node", err)
	}
	npm, err = exec.LookPath("npm")
	if err != nil {
		missing("npm", err)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		missing("a working node", err)
	}
	var major int
	fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), "%d", &major)
	if major < 18 {
		missing("node 18 or newer (have "+strings.TrimSpace(string(out))+")", nil)
	}
	return node, npm
}
