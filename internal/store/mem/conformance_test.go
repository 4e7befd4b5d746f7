package mem_test

import (
	"testing"

	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/store/storetest"
)

// TestConformance runs the store conformance suite (shared with the Qdrant
// store) against the embedded store persisted in a temporary directory.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := mem.Open(t.TempDir())
		if err != nil {
			t.Fatalf("mem.Open: %v", err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return st
	})
}
