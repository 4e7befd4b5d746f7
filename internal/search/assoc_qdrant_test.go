package search_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/qdrant"
	"github.com/govchat/govchat/internal/store/qdrant/qdranttest"
)

// On Qdrant too the associations live with the index: a second engine over
// the collection reads every chunk's unit back from its payload, encodes
// nothing, and learns what the first one learned.
func TestLearnedAssociationsOnQdrant(t *testing.T) {
	srv := qdranttest.Start(t)
	qs, err := qdrant.Open(ctx, qdrant.Config{URL: srv.Addr(), Timeout: 10 * time.Second, Collection: "assoc",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer qs.Close()
	const q = "护照找不着了"
	first := assocEngine(t, qs, assocDocs(), search.Params{})
	sync1(t, first)
	want := search1(t, first, q, search.Options{Types: []kb.Type{kb.TypePolicy}})
	again := assocEngine(t, qs, assocDocs(), search.Params{})
	if s := sync1(t, again); s.Encoded != 0 || s.Unchanged != again.Chunks() {
		t.Fatalf("second engine: %+v, want nothing encoded", s)
	}
	got := search1(t, again, q, search.Options{Types: []kb.Type{kb.TypePolicy}})
	if len(got.Results) == 0 || got.Results[0].Doc.ID != "policy-buling" || got.Results[0].Association != want.Results[0].Association {
		t.Fatalf("from Qdrant's payloads: %v (%.3f), first engine: %v (%.3f)", ids(got), got.Results[0].Association, ids(want), want.Results[0].Association)
	}
}
