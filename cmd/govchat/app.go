package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/knowledge/importer"
	"github.com/govchat/govchat/internal/llm"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/zh"
)

// searchApp is the retrieval stack shared by index, ask, eval and serve:
// the knowledge base, the segmenter, the store and the engine over them.
type searchApp struct {
	Base     *kb.Base
	Problems []knowledge.Problem
	Seg      *zh.Segmenter
	Store    store.Store
	Engine   *search.Engine
	Embedder search.Embedder // nil without GOVCHAT_EMBED_MODEL
	Synced   search.SyncStats
	LoadTime time.Duration // loading and chunking the knowledge base
}

// searchOptions adjust openSearch.
type searchOptions struct {
	// NoSync opens the index as it is, without bringing it up to date.
	NoSync bool
	// Store, when set, is used instead of the configured store (eval uses a
	// fresh in-memory one).
	Store store.Store
	// Params override the ranking parameters.
	Params search.Params
	// With are files imported in memory next to the knowledge base (eval).
	With []string
	// Dict, when set, replaces the knowledge base's vocabulary with what it
	// returns (eval --compare measures without parts of it).
	Dict func(kb.Dict) kb.Dict
}

// openSearch loads the knowledge base (--knowledge), builds the segmenter
// with its dictionary, opens the configured store under --data, syncs the
// index incrementally and returns the engine. Close releases the store.
func openSearch(ctx context.Context, env *Env, opt searchOptions) (*searchApp, error) {
	if err := env.Config.Validate(); err != nil {
		return nil, err
	}
	a := &searchApp{}
	start := time.Now()
	base, probs, err := knowledge.LoadDir(env.Config.Knowledge)
	if err != nil {
		return nil, err // "knowledge: …" already
	}
	if len(opt.With) > 0 {
		extra, err := importInMemory(opt.With)
		if err != nil {
			return nil, err
		}
		base = kb.NewBase(append(slices.Clip(base.Docs), extra...), base.Dict)
	}
	if opt.Dict != nil {
		base = kb.NewBase(base.Docs, opt.Dict(base.Dict))
	}
	a.Base, a.Problems = base, probs
	for _, p := range probs {
		if p.Refused {
			env.Log.Error("knowledge entry refused: not loaded, not served", slog.String("problem", p.String()))
		}
	}
	if n := countErrors(probs); n > 0 {
		env.Log.Warn("knowledge base has problems; run govchat lint", slog.Int("errors", n), slog.Int("problems", len(probs)))
	}
	if a.Seg, err = zh.New(zh.ConfigFromDict(base.Dict)); err != nil {
		return nil, err
	}
	if s := a.Seg.Skipped(); len(s) > 0 {
		env.Log.Warn("dict: invalid user words skipped", slog.Any("words", s))
	}
	if env.Config.EmbedModel != "" {
		c, err := llm.New(llm.Config{BaseURL: env.Config.OpenAIBaseURL, APIKey: env.Config.OpenAIAPIKey,
			EmbedModel: env.Config.EmbedModel, Timeout: env.Config.ModelTimeout})
		if err != nil {
			return nil, err
		}
		a.Embedder = c
	}
	a.LoadTime = time.Since(start)
	a.Store = opt.Store
	if a.Store == nil {
		if a.Store, err = openStore(env); err != nil {
			return nil, err
		}
	}
	if err := a.newEngine(env, opt); err != nil {
		a.Close()
		return nil, err
	}
	if opt.NoSync {
		return a, nil
	}
	// The embedded index is rebuildable (mem.Rebuildable): a damaged one was
	// moved aside on open, and one built with another embedding setting is
	// emptied by the sync, which then rebuilds it.
	a.Synced, err = a.Engine.Sync(ctx)
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *searchApp) newEngine(env *Env, opt searchOptions) error {
	var err error
	a.Engine, err = search.New(a.engineConfig(env, opt), a.Base, a.Seg, a.Store, a.Embedder)
	return err
}

func (a *searchApp) engineConfig(env *Env, opt searchOptions) search.Config {
	cfg := search.Config{Params: opt.Params, Log: env.Log, Now: env.Now}
	if a.Embedder != nil {
		cfg.EmbedModel = env.Config.EmbedModel
		cfg.EmbedCache = embedCachePath(env)
	}
	return cfg
}

// embedCachePath is where embeddings are cached by content hash.
func embedCachePath(env *Env) string { return filepath.Join(env.Config.Data, "embed.cache") }

// Close releases the store.
func (a *searchApp) Close() error {
	if a == nil || a.Store == nil {
		return nil
	}
	err := a.Store.Close()
	a.Store = nil
	return err
}

func countErrors(ps []knowledge.Problem) int {
	n := 0
	for _, p := range ps {
		if p.Severity == knowledge.SeverityError {
			n++
		}
	}
	return n
}

// importInMemory imports files as `govchat import` would, into a temporary
// directory that is removed afterwards, and returns their documents.
func importInMemory(files []string) ([]*kb.Document, error) {
	dir, err := os.MkdirTemp("", "govchat-with-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	im, err := importer.New(importer.Config{Into: dir})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := im.ImportFile(f); err != nil {
			return nil, fmt.Errorf("--with %s: %w", f, err)
		}
	}
	base, _, err := knowledge.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--with: %w", err)
	}
	return base.Docs, nil
}
