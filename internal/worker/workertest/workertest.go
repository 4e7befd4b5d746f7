// Package workertest helps tests check that workers leave nothing behind.
package workertest

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Children returns the live child processes of this process (their
// /proc/PID paths). It skips the test where /proc is not available.
func Children(t testing.TB) []string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	me := strconv.Itoa(os.Getpid())
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and brackets.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 || i+2 > len(b) {
			continue
		}
		if f := strings.Fields(string(b[i+2:])); len(f) > 1 && f[1] == me {
			out = append(out, filepath.Dir(p))
		}
	}
	return out
}

// NothingLeft fails t when a child process of this process is still alive,
// or when more goroutines run than before (runtime.NumGoroutine() taken
// before the work).
func NothingLeft(t testing.TB, before int) {
	t.Helper()
	if kids := Children(t); len(kids) > 0 {
		t.Errorf("child processes left: %v", kids)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after", before, n)
	}
}
