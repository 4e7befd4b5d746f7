package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"

	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store"
)

func init() {
	register(command{
		name:    "index",
		summary: "build or update the search index (incremental: only changed documents are re-indexed)",
		run:     runIndex,
	})
}

func runIndex(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "index")
	rebuild := fs.Bool("rebuild", false, "discard the embedded index and the embedding cache and build them from scratch")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	// The index is opened — and the embedded one locked — before anything
	// is touched: with govchat serve (or another rebuild) running, the
	// rebuild stops here and the index in use stays as it is.
	a, err := openSearch(ctx, env, searchOptions{NoSync: *rebuild})
	if err != nil {
		return err
	}
	defer a.Close()
	if *rebuild {
		if err := os.Remove(embedCachePath(env)); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("rebuild: %w", err)
		}
		if err := a.rebuild(ctx, env); err != nil {
			return err
		}
	}
	n, err := a.Store.Count(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(indexReport{Stats: a.Synced, Points: n, Problems: len(a.Problems),
			LoadMS: millis(a.LoadTime), SyncMS: millis(a.Synced.Duration)})
	}
	fmt.Fprintf(env.Stdout, "知识库：%s（%d 篇，%d 个问题，加载 %s）\n", env.Config.Knowledge, a.Base.Len(), len(a.Problems), a.LoadTime.Round(1e6))
	fmt.Fprintf(env.Stdout, "索引：%s\n", a.Synced)
	fmt.Fprintf(env.Stdout, "索引中共 %d 个点（%d 个分块，%d 条相似问）\n", n, a.Engine.Chunks(), a.Engine.Passages())
	return nil
}

// rebuilder is a store that can rebuild its collection without downtime:
// fill writes a complete index into a new collection, which then replaces
// the served one atomically (Qdrant: a new versioned collection and an alias
// switch).
type rebuilder interface {
	Rebuild(ctx context.Context, fill func(context.Context, store.Store) error) error
}

// rebuild re-indexes everything from the knowledge base into a new
// collection that replaces the old one at the end: the embedded store fills
// one in memory and swaps it in (its directory locked throughout), Qdrant a
// new versioned collection behind the alias, so questions are answered from
// the old collection until the switch.
func (a *searchApp) rebuild(ctx context.Context, env *Env) error {
	r, ok := a.Store.(rebuilder)
	if !ok {
		var err error
		a.Synced, err = a.Engine.Sync(ctx)
		return err
	}
	return r.Rebuild(ctx, func(ctx context.Context, dst store.Store) error {
		e, err := search.New(a.engineConfig(env, searchOptions{}), a.Base, a.Seg, dst, a.Embedder)
		if err != nil {
			return err
		}
		a.Synced, err = e.Sync(ctx)
		return err
	})
}

type indexReport struct {
	Stats    search.SyncStats `json:"stats"`
	Points   int              `json:"points"`
	Problems int              `json:"problems"`
	LoadMS   float64          `json:"load_ms"`
	SyncMS   float64          `json:"sync_ms"`
}
