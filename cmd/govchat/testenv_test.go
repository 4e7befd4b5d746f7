package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// testNow is when the tests run, whatever the date: the shipped knowledge
// base's documents have validity dates (one expires on 2030-12-31), and
// answers about them must not change with the calendar.
const testNow = "2026-06-01T12:00:00+08:00"

// shippedEnv is the environment of a command test: the shipped knowledge
// base, data in data, quiet logs, and env on top.
func shippedEnv(data string, env map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		switch k {
		case "GOVCHAT_KNOWLEDGE":
			return filepath.Join("..", "..", "knowledge")
		case "GOVCHAT_DATA":
			return data
		case "GOVCHAT_LOG_LEVEL":
			return "error"
		case "GOVCHAT_NOW":
			return testNow
		}
		return ""
	}
}

// runIn runs govchat with args and stdin in that environment and returns its
// output, errors and exit status.
func runIn(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return out.String(), errb.String(), code
}
