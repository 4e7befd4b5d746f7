package main

import (
	"os"
	"testing"

	"github.com/govchat/govchat/internal/worker"
)

// TestMain lets the PDF extraction start this test binary as its worker.
func TestMain(m *testing.M) {
	worker.Main()
	os.Exit(m.Run())
}
