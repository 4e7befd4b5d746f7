package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/search"
)

// liveKnowledge is the knowledge base as served, which an approved 相似问
// changes while serving. Each generation — the files as loaded, an engine
// over the one shared index, and the answerer and look-up over them —
// replaces the last in one step (Reload); a question in flight finishes
// on the generation it began with. The index is brought up to date
// incrementally: only the chunks that changed are encoded again.
//
// It is what the hub answers with, the workbench looks up in, the handoff
// desk pushes from, the server's pages read and learning resolves entries
// by: each of them is given the liveKnowledge, not a generation.
type liveKnowledge struct {
	env    *Env
	params search.Params // ranking parameters (zero: the defaults)
	owner  *searchApp    // the first generation's: it opened the store, and Main closes it
	mu     sync.Mutex    // one reload at a time
	cur    atomic.Pointer[generation]
}

// generation is one loading of the knowledge base.
type generation struct {
	app      *searchApp
	answerer *answer.Answerer
	lookup   *lookup.Lookup
}

// openLive loads the knowledge base, syncs the index and builds the first
// generation.
func openLive(ctx context.Context, env *Env, params search.Params) (*liveKnowledge, error) {
	app, err := openSearch(ctx, env, searchOptions{Params: params})
	if err != nil {
		return nil, err
	}
	l := &liveKnowledge{env: env, owner: app, params: params}
	g, err := newGeneration(env, app)
	if err != nil {
		app.Close()
		return nil, err
	}
	l.cur.Store(g)
	return l, nil
}

func newGeneration(env *Env, app *searchApp) (*generation, error) {
	a, err := newAnswerer(env, app)
	if err != nil {
		return nil, err
	}
	lk, err := lookupOver(env, app.Base, app.Seg, app.Engine)
	if err != nil {
		return nil, err
	}
	return &generation{app: app, answerer: a, lookup: lk}, nil
}

// Reload reads the knowledge base again, brings the index up to date with
// it and serves the new generation. On an error the current one stays.
func (l *liveKnowledge) Reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	app, err := openSearch(ctx, l.env, searchOptions{Store: l.owner.Store, Params: l.params})
	if err != nil {
		return err
	}
	g, err := newGeneration(l.env, app)
	if err != nil {
		return err
	}
	l.cur.Store(g)
	l.env.Log.Info("knowledge base reloaded", slog.Int("documents", app.Base.Len()), slog.String("index", app.Synced.String()))
	return nil
}

// Current is the generation being served.
func (l *liveKnowledge) Current() *generation { return l.cur.Load() }

// Answer answers from the current generation (chat.Answerer).
func (l *liveKnowledge) Answer(ctx context.Context, req govchat.Request) (*govchat.Answer, error) {
	return l.Current().answerer.Answer(ctx, req)
}

// Lookup is the operators' look-up in the current generation.
func (l *liveKnowledge) Lookup(ctx context.Context, req lookup.Request) (lookup.Result, error) {
	return l.Current().lookup.Lookup(ctx, req)
}

// Passage resolves a passage an operator pushes (handoff.Passages).
func (l *liveKnowledge) Passage(docID, anchor string) (lookup.Item, kb.Source, error) {
	return l.Current().lookup.Passage(docID, anchor)
}

// Base is the current knowledge base (server.Library).
func (l *liveKnowledge) Base() *kb.Base { return l.Current().app.Base }

// ChunksOf gives a document's chunks as indexed (server.Library).
func (l *liveKnowledge) ChunksOf(docID string) []kb.Chunk {
	return l.Current().app.Engine.ChunksOf(docID)
}

// Entry finds a FAQ entry of the current knowledge base (learn.Entries).
func (l *liveKnowledge) Entry(id string) (learn.Entry, bool) { return entryOf(l.Base(), id) }

// entryOf is a FAQ entry of base as learning needs it.
func entryOf(base *kb.Base, id string) (learn.Entry, bool) {
	d := base.Doc(id)
	if d == nil || d.Type != kb.TypeFAQ {
		return learn.Entry{}, false
	}
	return learn.Entry{ID: d.ID, Question: d.Title, Similar: d.Similar, Path: d.Path}, true
}

// Close closes the index (every generation shares the first one's store).
func (l *liveKnowledge) Close() error {
	if l == nil {
		return nil
	}
	return errors.Join(l.owner.Close())
}
