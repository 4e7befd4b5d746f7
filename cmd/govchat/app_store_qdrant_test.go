package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/store/qdrant/qdranttest"
)

// TestIndexOnQdrant runs `govchat index` with GOVCHAT_STORE=qdrant against
// the in-process Qdrant: the first run creates the alias and indexes the
// shipped knowledge base, the second changes nothing.
func TestIndexOnQdrant(t *testing.T) {
	srv := qdranttest.Start(t)
	data := t.TempDir()
	index := func(flags ...string) indexReport {
		t.Helper()
		var out, errb bytes.Buffer
		getenv := shippedEnv(data, map[string]string{"GOVCHAT_STORE": "qdrant", "GOVCHAT_QDRANT_URL": srv.Addr()})
		if code := run(context.Background(), append([]string{"index", "--json"}, flags...), strings.NewReader(""), &out, &errb, getenv); code != 0 {
			t.Fatalf("index on Qdrant: exit %d: %s", code, errb.String())
		}
		var r indexReport
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		return r
	}
	first := index()
	if first.Points == 0 || first.Stats.Added+first.Stats.Passages != first.Points {
		t.Fatalf("first index on Qdrant: %+v", first)
	}
	target := srv.Aliases()["govchat"]
	if !strings.HasPrefix(target, "govchat_v") {
		t.Fatalf("alias govchat -> %q", target)
	}
	second := index()
	if second.Stats.Encoded != 0 || second.Stats.Passages != 0 || second.Stats.Unchanged != first.Stats.Added || second.Points != first.Points {
		t.Fatalf("second index on Qdrant re-encoded: %+v", second)
	}

	// --rebuild fills a new versioned collection and switches the alias to
	// it; the old collection is dropped.
	rebuilt := index("--rebuild")
	if rebuilt.Points != first.Points || rebuilt.Stats.Added+rebuilt.Stats.Passages != first.Points {
		t.Fatalf("rebuild on Qdrant: %+v", rebuilt)
	}
	newTarget := srv.Aliases()["govchat"]
	if newTarget == target || !strings.HasPrefix(newTarget, "govchat_v") {
		t.Fatalf("alias after rebuild: %q (was %q)", newTarget, target)
	}
	for _, c := range srv.Collections() {
		if c == target {
			t.Errorf("old collection %s kept after rebuild", c)
		}
	}
}
