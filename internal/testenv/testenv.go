// Package testenv locates what tests need outside their own package: the
// module root (the shipped knowledge base, the deployment files) and the
// evaluation data in ../shared/eval beside it, which is not part of the
// repository and is skipped, with a message, where it is absent.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot walks up from the test's directory to go.mod.
func ModuleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// EvalDir returns ../shared/eval beside the module root, or skips the test
// when it (or any of the named files in it) is absent, as in a user's fresh
// clone.
func EvalDir(tb testing.TB, files ...string) string {
	tb.Helper()
	ev := filepath.Join(ModuleRoot(tb), "..", "shared", "eval")
	for _, f := range append([]string{""}, files...) {
		if _, err := os.Stat(filepath.Join(ev, f)); err != nil {
			tb.Skipf("evaluation data not found at %s (it lives beside the repository, not in it); skipping", filepath.Join(ev, f))
		}
	}
	return ev
}
