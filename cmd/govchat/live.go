package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/bus"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/library"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/workbench"
)

// knowledgeSet is one loaded version of the knowledge base and what is
// built on it: the engine, the answerer, the operators' look-up and the
// document library.
type knowledgeSet struct {
	base     *kb.Base
	engine   *search.Engine
	answerer *answer.Answerer
	lookup   *lookup.Lookup
	catalog  *library.Catalog
}

// liveKnowledge is the knowledge base serve answers from. Every request
// reads the current set; Reload builds a new set from the knowledge
// directory over the same index (synced incrementally: only changed
// entries are encoded) and switches to it, so that a FAQ entry approved in
// the review list is answered from the next question on. Vocabulary
// changes (dict/) need a restart: the segmenter is built once.
type liveKnowledge struct {
	env    *Env
	app    *searchApp    // the store, segmenter and embedder every set shares
	params search.Params // ranking parameters of every set (zero: the defaults)
	cur    atomic.Pointer[knowledgeSet]
	mu     sync.Mutex // one reload or publication at a time

	// With several instances: a published entry tells the others to
	// reload (they share the knowledge directory), so that every instance
	// answers from it.
	bus      bus.Bus
	instance string
	pending  chan struct{} // a reload asked for by another instance
	stop     chan struct{}
}

// knowledgeChanged is the message of a write into the knowledge files (a
// published FAQ entry, an approved 相似问).
type knowledgeChanged struct {
	From string `json:"from"`
}

// share starts listening to the other instances' publications; the
// returned function stops it.
func (l *liveKnowledge) share(b bus.Bus, instance string) (stop func()) {
	l.bus, l.instance = b, instance
	l.pending, l.stop = make(chan struct{}, 1), make(chan struct{})
	unsubscribe := b.Subscribe(knowledgeHandler{l})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-l.pending:
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				if _, err := l.Reload(ctx); err != nil {
					l.env.Log.Error("knowledge reload asked by another instance failed", slog.Any("error", err))
				}
				cancel()
			case <-l.stop:
				return
			}
		}
	}()
	return func() {
		unsubscribe()
		close(l.stop)
		<-done
	}
}

// tellOthers asks the other instances to reload after a write into the
// knowledge files.
func (l *liveKnowledge) tellOthers(ctx context.Context) {
	if l.bus == nil {
		return
	}
	msg, _ := json.Marshal(knowledgeChanged{From: l.instance})
	if err := l.bus.Publish(ctx, msg); err != nil {
		l.env.Log.Error("the knowledge base changed here, but the other instances were not told to reload", slog.Any("error", err))
	}
}

type knowledgeHandler struct{ l *liveKnowledge }

func (h knowledgeHandler) Receive(msg []byte) {
	var m knowledgeChanged
	if json.Unmarshal(msg, &m) != nil || m.From == h.l.instance {
		return
	}
	h.Reset()
}

// Reset: a publication may have been missed while the database was away.
func (h knowledgeHandler) Reset() {
	select {
	case h.l.pending <- struct{}{}:
	default: // one is pending already
	}
}

// newLiveKnowledge starts from the set Open built.
func newLiveKnowledge(env *Env, app *searchApp, a *answer.Answerer, lk *lookup.Lookup) *liveKnowledge {
	l := &liveKnowledge{env: env, app: app}
	l.cur.Store(&knowledgeSet{base: app.Base, engine: app.Engine, answerer: a, lookup: lk, catalog: newCatalog(env, app.Base, app.Engine)})
	return l
}

func newCatalog(env *Env, base *kb.Base, eng *search.Engine) *library.Catalog {
	return library.New(library.Config{Base: base, Chunks: eng.ChunksOf, Analyzer: eng, Searcher: eng, Now: env.Now})
}

func (l *liveKnowledge) set() *knowledgeSet { return l.cur.Load() }

// Base is the knowledge base in use (server.Library, concerns).
func (l *liveKnowledge) Base() *kb.Base { return l.set().base }

// ChunksOf gives a document's indexed chunks (server.Library).
func (l *liveKnowledge) ChunksOf(id string) []kb.Chunk { return l.set().engine.ChunksOf(id) }

// Answer answers a question (chat.Answerer).
func (l *liveKnowledge) Answer(ctx context.Context, req govchat.Request) (*govchat.Answer, error) {
	return l.set().answerer.Answer(ctx, req)
}

// Lookup is the operators' look-up (workbench.Lookuper).
func (l *liveKnowledge) Lookup(ctx context.Context, req lookup.Request) (lookup.Result, error) {
	return l.set().lookup.Lookup(ctx, req)
}

// Passage is a passage an operator pushes (handoff.Passages).
func (l *liveKnowledge) Passage(docID, anchor string) (lookup.Item, kb.Source, error) {
	return l.set().lookup.Passage(docID, anchor)
}

// Search searches the document library (server.Catalog).
func (l *liveKnowledge) Search(ctx context.Context, q library.Query) (*library.Result, error) {
	return l.set().catalog.Search(ctx, q)
}

// Reload reads the knowledge directory again and switches to it.
func (l *liveKnowledge) Reload(ctx context.Context) (search.SyncStats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reload(ctx)
}

func (l *liveKnowledge) reload(ctx context.Context) (search.SyncStats, error) {
	start := time.Now()
	base, probs, err := knowledge.LoadDir(l.env.Config.Knowledge)
	if err != nil {
		return search.SyncStats{}, fmt.Errorf("knowledge: %w", err)
	}
	if n := countErrors(probs); n > 0 {
		l.env.Log.Warn("knowledge base has problems; run govchat lint", slog.Int("errors", n))
	}
	app := *l.app
	app.Base, app.Problems = base, probs
	if app.Engine, err = search.New(app.engineConfig(l.env, searchOptions{Params: l.params}), base, app.Seg, app.Store, app.Embedder); err != nil {
		return search.SyncStats{}, err
	}
	stats, err := app.Engine.Sync(ctx)
	if err != nil {
		return stats, err
	}
	a, err := newAnswerer(l.env, &app)
	if err != nil {
		return stats, err
	}
	lk, err := lookupOver(l.env, base, app.Seg, app.Engine)
	if err != nil {
		return stats, err
	}
	l.cur.Store(&knowledgeSet{base: base, engine: app.Engine, answerer: a, lookup: lk, catalog: newCatalog(l.env, base, app.Engine)})
	l.env.Log.Info("knowledge base reloaded", slog.Int("documents", base.Len()), slog.String("sync", stats.String()), slog.Duration("took", time.Since(start)))
	return stats, nil
}

// errPublish: an approved proposal cannot be written into the knowledge
// base as it is; the message's last part (Chinese) says why.
var errPublish = workbench.ErrUnpublishable

// PublishFAQ writes an approved FAQ proposal into the knowledge directory —
// a new entry into faq/reviewed.yaml, an amendment into the file that holds
// the entry — and reloads, so that the next question is answered from it
// (workbench.Publisher). It returns where the entry was written.
func (l *liveKnowledge) PublishFAQ(ctx context.Context, it review.Item) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	base := l.Base()
	dir := l.env.Config.Knowledge
	id, rel := it.EntryID(), knowledge.ReviewedFAQFile
	if it.FAQID != "" {
		d := base.Doc(it.FAQID)
		if d == nil || d.Type != kb.TypeFAQ {
			return "", fmt.Errorf("%w: 要修订的常见问题 %s 已不在知识库中", errPublish, it.FAQID)
		}
		r, err := filepath.Rel(dir, d.Path)
		if err != nil || strings.HasPrefix(r, "..") || !strings.HasSuffix(r, ".yaml") && !strings.HasSuffix(r, ".yml") {
			return "", fmt.Errorf("%w: 常见问题 %s 不在可自动修改的 YAML 文件中，请在知识库文件中手工修改", errPublish, it.FAQID)
		}
		rel = filepath.ToSlash(r)
	} else if d := base.Doc(id); d != nil {
		if r, _ := filepath.Rel(dir, d.Path); filepath.ToSlash(r) != rel {
			return "", fmt.Errorf("%w: 编号 %s 已被 %s 使用", errPublish, id, d.Path)
		}
	}
	for _, s := range it.Sources {
		if base.Doc(s) == nil {
			return "", fmt.Errorf("%w: 依据文件 %s 不在知识库中", errPublish, s)
		}
	}
	if _, err := knowledge.WriteFAQEntry(dir, rel, &kb.Document{ID: id, Title: it.Question, Similar: it.Similar, Body: it.Answer,
		Department: it.Department, Sources: it.Sources}); err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return "", fmt.Errorf("%w: 知识库目录 %s 不可写，请在部署中让 govchat 能写入它（或在知识库文件中手工加入）", errPublish, dir)
		}
		return "", err
	}
	if _, err := l.reload(ctx); err != nil {
		return "", fmt.Errorf("the entry was written to %s, but reloading failed: %w", rel, err)
	}
	l.env.Log.Info("FAQ entry published", slog.String("id", id), slog.String("file", rel), slog.Int64("review_item", it.ID))
	l.tellOthers(ctx)
	return rel + "#" + id, nil
}

// randomID names this process among the instances.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// openLive opens the knowledge base and its index (synced) with the ranking
// parameters, and builds the first set on it (eval --replay; serve builds
// its set in Main.Open).
func openLive(ctx context.Context, env *Env, params search.Params) (*liveKnowledge, error) {
	app, err := openSearch(ctx, env, searchOptions{Params: params})
	if err != nil {
		return nil, err
	}
	a, err := newAnswerer(env, app)
	if err != nil {
		app.Close()
		return nil, err
	}
	lk, err := lookupOver(env, app.Base, app.Seg, app.Engine)
	if err != nil {
		app.Close()
		return nil, err
	}
	l := newLiveKnowledge(env, app, a, lk)
	l.params = params
	return l, nil
}

// Engine is the current set's search engine.
func (l *liveKnowledge) Engine() *search.Engine { return l.set().engine }

// Entry finds a FAQ entry of the knowledge base in use (learn.Entries).
func (l *liveKnowledge) Entry(id string) (learn.Entry, bool) { return entryOf(l.Base(), id) }

// entryOf is a FAQ entry of base as learning needs it.
func entryOf(base *kb.Base, id string) (learn.Entry, bool) {
	d := base.Doc(id)
	if d == nil || d.Type != kb.TypeFAQ {
		return learn.Entry{}, false
	}
	return learn.Entry{ID: d.ID, Question: d.Title, Similar: d.Similar, Path: d.Path}, true
}

// AddSimilar writes an approved 相似问 into its FAQ entry's file and reloads,
// under the same lock as every other write to the knowledge files
// (learn.Reviewer.Write): the wording is answered from the next question on.
func (l *liveKnowledge) AddSimilar(ctx context.Context, e learn.Entry, wording string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := knowledge.AddSimilar(e.Path, e.ID, wording); err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return false, fmt.Errorf("the knowledge directory %s is not writable: %w", l.env.Config.Knowledge, err)
		}
		return false, err
	}
	if _, err := l.reload(ctx); err != nil {
		return false, fmt.Errorf("the wording was written to %s, but reloading failed: %w", e.Path, err)
	}
	l.env.Log.Info("similar question approved", slog.String("id", e.ID), slog.String("file", e.Path))
	l.tellOthers(ctx)
	return true, nil
}

// Close closes the index every set shares.
func (l *liveKnowledge) Close() error { return l.app.Close() }
