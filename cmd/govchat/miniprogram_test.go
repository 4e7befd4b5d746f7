package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/wechat/wechattest"
)

// TestMiniprogramProtocolModule runs the WeChat mini-program's protocol
// module (web/miniprogram/utils/govchat.js) and page logic under node's test
// runner (web/miniprogram/test/*.test.js), with a wx shim whose
// connectSocket is a real websocket client, against a live `govchat serve`
// on the shipped knowledge base whose WeChat login talks to an imitation of
// jscode2session. It skips where node or npm is missing, and fails instead
// when CI=true.
func TestMiniprogramProtocolModule(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the mini-program node tests (they start a server)")
	}
	node, npm := lookNode(t)
	root := moduleRoot(t)
	dir := filepath.Join(root, "web", "miniprogram", "test")
	npmCI(t, npm, dir)

	fake := wechattest.NewServer("wx0000000000000000", "test-secret")
	defer fake.Close()
	rs := startServe(t, filepath.Join(root, "knowledge"), map[string]string{
		"GOVCHAT_WECHAT_APPID":    fake.AppID,
		"GOVCHAT_WECHAT_SECRET":   fake.Secret,
		"GOVCHAT_WECHAT_API_BASE": fake.URL,
		// The node tests ask a few dozen questions and log in a few dozen
		// times from 127.0.0.1 within seconds: lift the per-IP limits.
		"GOVCHAT_RATE_IP":           "-1",
		"GOVCHAT_RATE_SESSION":      "-1",
		"GOVCHAT_WECHAT_LOGIN_RATE": "1000",
	}, chat.Config{})

	// An operator account, signed in, for the 转人工 test.
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	const staffNo = "8001"
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "mp-operator", Name: "test-operator-name", StaffNo: staffNo, Role: auth.RoleOperator, Password: "correct horse battery staple"}); err != nil {
		t.Fatal(err)
	}
	opToken, _, err := svc.Login(context.Background(), "mp-operator", "correct horse battery staple", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}

	// A question the shipped knowledge base answers with a clarification,
	// for the render test that taps one of its choices.
	clarify, _ := clarifyingQuestion(t, rs.base)

	files, err := filepath.Glob(filepath.Join(dir, "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in %s: %v", dir, err)
	}
	for i, f := range files {
		files[i] = "./" + filepath.Base(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// One file at a time: the 转人工 tests depend on whether an operator is online.
	args := append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOVCHAT_URL="+rs.base,
		"GOVCHAT_TEST_QUESTION="+seedQuestion,
		"GOVCHAT_TEST_CLARIFY_QUESTION="+clarify,
		"GOVCHAT_TEST_WECHAT=1",
		"GOVCHAT_TEST_OPERATOR_TOKEN="+opToken,
		"GOVCHAT_TEST_OPERATOR_STAFF_NO="+staffNo,
		"NO_COLOR=1",
	)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	t.Logf("node %s\n%s", strings.Join(args, " "), out.String())
	if err != nil {
		t.Fatalf("node tests failed: %v\nserver log:\n%s", err, rs.logs)
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
	// The session key never reaches the log; the test codes' openids do.
	if logs := rs.logs.String(); strings.Contains(logs, "session_key") || strings.Contains(logs, fake.Secret) {
		t.Fatalf("server log mentions the session key or the AppSecret:\n%s", logs)
	}
}

// npmCI installs the mini-program's test dependencies (npm ci) unless
// node_modules was installed from the same package-lock.json.
func npmCI(t *testing.T, npm, dir string) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(lock)
	stamp := filepath.Join(dir, "node_modules", ".govchat-package-lock.sha256")
	if b, err := os.ReadFile(stamp); err == nil && string(b) == hex.EncodeToString(sum[:]) {
		return
	}
	npmMu.Lock()
	defer npmMu.Unlock()
	if b, err := os.ReadFile(stamp); err == nil && string(b) == hex.EncodeToString(sum[:]) {
		return
	}
	t.Logf("installing the test dependencies: npm ci in %s", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	if err := os.WriteFile(stamp, []byte(hex.EncodeToString(sum[:])), 0o644); err != nil {
		t.Fatal(err)
	}
}

var npmMu sync.Mutex

// TestMiniprogramTypes type-checks the mini-program's JavaScript (app.js,
// pages/, utils/) against WeChat's miniprogram-api-typings with TypeScript
// (tsc --checkJs --noEmit, web/miniprogram/test/tsconfig.json): a wx call
// with a wrong option, a DOM API (the mini-program has none) or a property
// the framework does not know fails here. Skips like the node tests without
// node, and fails instead when CI=true.
func TestMiniprogramTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the mini-program type check (it may run npm ci)")
	}
	node, npm := lookNode(t)
	dir := filepath.Join(moduleRoot(t), "web", "miniprogram", "test")
	npmCI(t, npm, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--checkJs", "--noEmit")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tsc --checkJs --noEmit: %v\n%s", err, out)
	}
}

// lookNode finds node (18 or newer) and npm, skipping (or failing under
// CI=true) without them.
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
