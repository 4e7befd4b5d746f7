package main

import (
	"os"
	"testing"

	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/worker"
)

// TestMain lets the PDF extraction start this test binary as its worker,
// and stops the throwaway PostgreSQL cluster (and removes the govchat
// binary the multi-instance test built) when the tests end.
func TestMain(m *testing.M) {
	worker.Main()
	code := pgtest.Run(m)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
