package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/worker"
)

// TestMain lets the PDF extraction start this test binary as its worker,
// fails the run when a test wrote an approved FAQ entry into the
// repository's own knowledge base (tests that accept a proposal work on a
// copy: copyDir), and stops the throwaway PostgreSQL cluster (and removes
// the govchat binary the multi-instance test built) when the tests end.
func TestMain(m *testing.M) {
	worker.Main()
	reviewed := filepath.Join("..", "..", "knowledge", filepath.FromSlash(knowledge.ReviewedFAQFile))
	_, before := os.Stat(reviewed)
	code := pgtest.Run(m)
	if _, after := os.Stat(reviewed); after == nil && before != nil {
		fmt.Fprintf(os.Stderr, "FAIL: a test wrote %s into the repository's knowledge base; accept proposals on a copy (copyDir)\n", reviewed)
		code = 1
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
