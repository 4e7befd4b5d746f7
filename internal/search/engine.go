package search

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/govchat/govchat/internal/chunk"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/textnorm"
	"github.com/govchat/govchat/internal/zh"
)

// Embedder turns texts into dense vectors (internal/llm implements it against
// an OpenAI-compatible /v1/embeddings). It must return one vector per text,
// all of one dimension, and be the same model at index and at query time.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Config configures an Engine. The zero value works.
type Config struct {
	// Collection is the store collection name (default "govchat").
	Collection string
	// Params tune ranking (zero fields: DefaultParams).
	Params Params
	// BatchSize is how many points one Upsert carries (default 512).
	BatchSize int
	// EmbedBatch is how many texts one Embed call carries (default 64).
	EmbedBatch int
	// EmbedModel names the embedding model; it keys the embedding cache so
	// that a model change re-embeds everything.
	EmbedModel string
	// EmbedCache is the file that caches embeddings by content hash across
	// runs ("" keeps the cache in memory only).
	EmbedCache string
	// Chunking bounds chunk sizes (zero: chunk.DefaultConfig).
	Chunking chunk.Config
	// Pairs are questions known to be answered by an entry besides the
	// knowledge base's own FAQ questions, which the learned associations
	// also learn from (the benchmark's cross-fitting uses it: a deployment
	// keeps such wordings as an entry's 相似问).
	Pairs []Pair
	// MinConfidence is the threshold Answerable uses (default
	// DefaultMinConfidence).
	MinConfidence float64
	// Now is the clock for validity (default time.Now).
	Now func() time.Time
	// Log receives progress and warnings (default slog.Default()).
	Log *slog.Logger
}

// Payload fields the engine adds besides the Field* constants.
const (
	fieldChunkID = "chunk_id"
	fieldEncoder = "encoder"
	fieldAssoc   = "assoc" // the chunk's unit of the learned associations (assoc.go)
)

// Pair is a question and the id of the entry that answers it.
type Pair struct {
	Question string
	DocID    string
}

// Engine is govchat's retrieval engine over one knowledge base and one
// store. It is safe for concurrent use once New returns; Sync must not run
// concurrently with itself.
type Engine struct {
	cfg   Config
	p     Params
	base  *kb.Base
	seg   *zh.Segmenter
	store store.Store
	emb   Embedder
	log   *slog.Logger
	now   func() time.Time

	recs     []*rec          // every chunk, in base order
	passages []*rec          // the similar questions scored as passages of their own (Params.SimilarPassages)
	passage  map[string]*rec // a passage's point id → the passage
	byPoint  map[string]*rec // point id → chunk (a passage's id → its entry's chunk)
	byDocNum map[string][]*kb.Document
	firstOf  map[string]*rec // doc id → its first chunk
	chunksOf map[string][]*rec
	docHash  map[string]string // doc id → hash of all its chunks' texts
	enc      *encoder
	avgLen   float64 // measured average weighted length (before bucketing)
	cache    *embedCache
	denseDim atomic.Int64               // dense vector size, 0 without an embedder
	assoc    atomic.Pointer[assocIndex] // learned associations, set by Sync
	aspects  []aspect                   // the aspects questions ask for (re-ranking)
}

// rec is one chunk with what search needs at hand.
type rec struct {
	doc     *kb.Document
	chunk   kb.Chunk
	pointID string
	key     string // the point's chunk_id payload: the chunk id, or a passage's own key
	of      *rec   // for a passage: the chunk of the entry it belongs to
	fields  []field
	once    sync.Once
	ws      []string // index words, for feedback
	normed  sync.Once
	normStr string
	unit    assocUnit       // learned-association unit, set by Sync
	names   [][]weighedWord // a FAQ entry's questions' words (nameWords)
}

// norm returns the chunk's searchable text normalised, for matched terms
// and confidence (computed on first use).
func (r *rec) norm() string {
	r.normed.Do(func() {
		var sb strings.Builder
		for _, f := range r.fields {
			sb.WriteString(f.text)
			sb.WriteByte('\n')
		}
		r.normStr = textnorm.Normalize(sb.String())
	})
	return r.normStr
}

// namespace for point ids (UUID v5 of the chunk id).
var pointNamespace = uuid.MustParse("6f1c1a52-52f5-4f3e-9d59-7b1f8f8a2c01")

// PointID is the deterministic point id of a chunk.
func PointID(chunkID string) string {
	return uuid.NewSHA1(pointNamespace, []byte(chunkID)).String()
}

// New builds an engine over base. It chunks the documents (cheap) but does
// not touch the store; call Sync to bring the index up to date.
func New(cfg Config, base *kb.Base, seg *zh.Segmenter, st store.Store, emb Embedder) (*Engine, error) {
	if base == nil || seg == nil || st == nil {
		return nil, errors.New("search: new: base, segmenter and store are required")
	}
	if cfg.Collection == "" {
		cfg.Collection = "govchat"
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 512
	}
	if cfg.EmbedBatch <= 0 {
		cfg.EmbedBatch = 64
	}
	if cfg.MinConfidence <= 0 {
		cfg.MinConfidence = DefaultMinConfidence
	}
	e := &Engine{
		cfg: cfg, p: cfg.Params.withDefaults(), base: base, seg: seg, store: st, emb: emb,
		log: cfg.Log, now: cfg.Now,
		byPoint: map[string]*rec{}, byDocNum: map[string][]*kb.Document{}, firstOf: map[string]*rec{},
		chunksOf: map[string][]*rec{}, docHash: map[string]string{}, passage: map[string]*rec{},
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.now == nil {
		e.now = time.Now
	}
	total := 0.0
	for _, d := range base.Docs {
		if base.Doc(d.ID) != d {
			continue // a duplicate id: lint reports it, the first one wins
		}
		if n := kb.NormalizeDocNumber(d.DocNumber); n != "" {
			e.byDocNum[n] = append(e.byDocNum[n], d)
		}
		names := nameWords(seg, d)
		for _, c := range chunk.SplitWith(cfg.Chunking, d) {
			r := &rec{doc: d, chunk: c, pointID: PointID(c.ID), key: c.ID, names: names}
			r.fields = chunkFields(e.p, d, &r.chunk)
			if _, dup := e.byPoint[r.pointID]; dup {
				continue
			}
			e.recs = append(e.recs, r)
			e.byPoint[r.pointID] = r
			if _, ok := e.firstOf[d.ID]; !ok {
				e.firstOf[d.ID] = r
			}
			e.chunksOf[d.ID] = append(e.chunksOf[d.ID], r)
			total += weightedLen(vectorFields(e.p, r.fields))
			e.addPassages(r)
		}
	}
	if len(e.recs) > 0 {
		e.avgLen = total / float64(len(e.recs))
	}
	for id, rs := range e.chunksOf {
		if len(rs) > 1 {
			h := sha256.New()
			for _, r := range rs {
				h.Write([]byte(r.chunk.Text))
				h.Write([]byte{0})
			}
			e.docHash[id] = hex.EncodeToString(h.Sum(nil)[:16])
		}
	}
	e.enc = &encoder{seg: seg, p: e.p, avgLen: bucketLen(e.avgLen)}
	e.aspects = newAspects(e)
	if emb != nil {
		c, err := openEmbedCache(cfg.EmbedCache, cfg.EmbedModel)
		if err != nil {
			return nil, err
		}
		e.cache = c
		e.denseDim.Store(int64(c.dim()))
	}
	return e, nil
}

// addPassages adds the passages of the similar questions of r's entry
// (Params.SimilarPassages). A passage's point id and key derive from its
// wording, so adding or removing one wording touches no other point.
func (e *Engine) addPassages(r *rec) {
	if e.p.SimilarPassages == PassageConcat || r.doc.Type != kb.TypeFAQ {
		return
	}
	for _, f := range r.fields {
		if !f.similar || strings.TrimSpace(f.text) == "" {
			continue
		}
		sum := sha256.Sum256([]byte(r.chunk.ID + "\x00" + f.text))
		key := r.chunk.ID + "#similar-" + hex.EncodeToString(sum[:8])
		pr := &rec{doc: r.doc, chunk: r.chunk, pointID: PointID(key), key: key, of: r,
			fields: passageFields(e.p, f.text)}
		if _, dup := e.byPoint[pr.pointID]; dup {
			continue
		}
		e.passages = append(e.passages, pr)
		e.passage[pr.pointID] = pr
		e.byPoint[pr.pointID] = r
	}
}

// passageIndex maps a feature's index to its index in the passages of
// similar questions (a bijection of the 32-bit indices): passages have a
// feature space of their own, so that they do not change the document
// frequency, and so the IDF, of any word in the chunks' space.
func passageIndex(idx uint32) uint32 { return idx*2654435761 + 0x7f4a7c15 }

// passageVec moves a passage's vector into the passages' feature space.
func passageVec(v store.SparseVec) store.SparseVec {
	w := make(map[uint32]float64, len(v.Indices))
	for i, idx := range v.Indices {
		w[passageIndex(idx)] = float64(v.Values[i])
	}
	return sparseOf(w)
}

// withPassages is the sparse query of weights, in the chunks' feature
// space and, when there are passages of similar questions, in theirs.
func (e *Engine) withPassages(weights map[uint32]float64) store.SparseVec {
	if len(e.passages) == 0 {
		return sparseOf(weights)
	}
	w := make(map[uint32]float64, 2*len(weights))
	for idx, v := range weights {
		w[idx] += v
		w[passageIndex(idx)] += v
	}
	return sparseOf(w)
}

// collapse keeps each chunk's best hit among its passages' (hits are in
// score order), under the chunk's own point id: an entry scores as its
// best passage. A similar question's passage first has its score
// multiplied by the share of the question it accounts for, raised to
// PassageCoord: a wording stands for its entry in so far as it is a
// paraphrase of the question, not because it shares one word with it.
//
// views holds, for each FAQ entry kept, the entry as it was matched — its
// own fields without its similar questions, plus the wording of the passage
// that scored best — for re-ranking to look words up in.
func (e *Engine) collapse(qt queryTerms, hits []store.Hit, views map[string]*rec) []store.Hit {
	if len(e.passages) == 0 {
		return hits
	}
	if e.p.PassageCoord > 0 {
		terms := uniq(qt.analysis.Terms)
		resort := false
		for i := range hits {
			pr := e.passage[hits[i].ID]
			if pr == nil || len(terms) == 0 {
				continue
			}
			got, total := e.weighted(terms, func(t string) bool { return e.contains(pr, t) })
			if total > 0 {
				hits[i].Score *= math.Pow(got/total, e.p.PassageCoord)
				resort = true
			}
		}
		if resort {
			slices.SortStableFunc(hits, func(a, b store.Hit) int { return cmp.Compare(b.Score, a.Score) })
		}
	}
	// Each entry: its own hit and its best passage's.
	type entry struct {
		own, best float64
		hasOwn    bool
		passage   *rec
		at        int // position in out
	}
	entries := map[string]*entry{}
	out := make([]store.Hit, 0, len(hits))
	for _, h := range hits {
		r := e.byPoint[h.ID]
		if r == nil {
			out = append(out, h)
			continue
		}
		en := entries[r.pointID]
		if en == nil {
			en = &entry{at: len(out)}
			entries[r.pointID] = en
			out = append(out, store.Hit{ID: r.pointID, Payload: h.Payload})
		}
		if pr := e.passage[h.ID]; pr != nil {
			if en.passage == nil || h.Score > en.best {
				en.best, en.passage = h.Score, pr
			}
		} else if !en.hasOwn {
			en.own, en.hasOwn = h.Score, true
		}
	}
	for id, en := range entries {
		r := e.byPoint[id]
		out[en.at].Score = max(en.own, en.best)
		if r.doc.Type == kb.TypeFAQ {
			v := &rec{doc: r.doc, chunk: r.chunk, pointID: r.pointID, key: r.key, fields: ownFields(r.fields), names: r.names}
			if en.passage != nil && en.best > en.own {
				v.fields = append(v.fields, en.passage.fields[0])
			}
			views[id] = v
		}
	}
	slices.SortStableFunc(out, func(a, b store.Hit) int { return cmp.Compare(b.Score, a.Score) })
	return out
}

// Base returns the knowledge base the engine searches.
func (e *Engine) Base() *kb.Base { return e.base }

// Chunks returns the number of chunks of the knowledge base.
func (e *Engine) Chunks() int { return len(e.recs) }

// Passages returns the number of similar questions indexed as passages of
// their own (Params.SimilarPassages).
func (e *Engine) Passages() int { return len(e.passages) }

// ChunksOf returns the chunks of the document with the id as the engine
// indexed them (a copy), nil for an unknown id.
func (e *Engine) ChunksOf(docID string) []kb.Chunk {
	rs := e.chunksOf[docID]
	if len(rs) == 0 {
		return nil
	}
	out := make([]kb.Chunk, len(rs))
	for i, r := range rs {
		out[i] = r.chunk
	}
	return out
}

// SyncStats reports what Sync did.
type SyncStats struct {
	Docs      int           // documents in the knowledge base
	Chunks    int           // chunks in the knowledge base
	Added     int           // chunks indexed for the first time
	Updated   int           // chunks re-indexed because they changed
	Unchanged int           // chunks left alone (same content hash)
	Deleted   int           // points removed (documents or chunks gone)
	Encoded   int           // chunks segmented and encoded (Added+Updated)
	Passages  int           // passages of similar questions encoded (Params.SimilarPassages)
	Embedded  int           // texts sent to the embedder
	Cached    int           // embeddings taken from the cache
	Duration  time.Duration // wall time
}

// String summarises the stats in Chinese for the CLI.
func (s SyncStats) String() string {
	return fmt.Sprintf("文档 %d，分块 %d：新增 %d，更新 %d，未变 %d，删除 %d（相似问编码 %d，向量化 %d，缓存命中 %d），用时 %s",
		s.Docs, s.Chunks, s.Added, s.Updated, s.Unchanged, s.Deleted, s.Passages, s.Embedded, s.Cached, s.Duration.Round(time.Millisecond))
}

// staticStatus is the part of a document's validity that does not depend on
// the date (the dates are filtered at query time).
func staticStatus(d *kb.Document) kb.Status {
	switch {
	case d.Status == kb.StatusRepealed || d.Status == kb.StatusRevised:
		return d.Status
	case len(d.ReplacedBy) > 0 && d.Status == "":
		return kb.StatusRevised
	}
	return kb.StatusActive
}

func unixOrZero(t time.Time, endOfDay bool) int64 {
	if t.IsZero() {
		return 0
	}
	if endOfDay {
		t = kb.EndOfDay(t)
	}
	return t.Unix()
}

// contentHash covers everything that goes into a chunk's point: the encoder
// signature, the texts and the payload.
func (e *Engine) contentHash(sig string, r *rec) string {
	h := sha256.New()
	d := r.doc
	w := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	w(sig, r.key, string(d.Type), string(staticStatus(d)), d.Department, d.Region,
		fmt.Sprint(unixOrZero(d.Effective, false), unixOrZero(d.Expires, true)), kb.NormalizeDocNumber(d.DocNumber))
	for _, f := range r.fields {
		w(fmt.Sprint(f.weight), f.text)
	}
	if e.useKeywords(r.doc) {
		w("doc", e.docHash[r.doc.ID])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func (e *Engine) payload(r *rec, hash, sig string) map[string]any {
	d := r.doc
	p := map[string]any{
		store.FieldDocID:      d.ID,
		fieldChunkID:          r.key,
		store.FieldType:       string(d.Type),
		store.FieldStatus:     string(staticStatus(d)),
		store.FieldDepartment: d.Department,
		store.FieldRegion:     d.Region,
		store.FieldEffective:  unixOrZero(d.Effective, false),
		store.FieldExpires:    unixOrZero(d.Expires, true),
		store.FieldHash:       hash,
		store.FieldDocNumber:  kb.NormalizeDocNumber(d.DocNumber),
		fieldEncoder:          sig,
	}
	if u := r.unit.encode(); u != "" {
		p[fieldAssoc] = u
	}
	return p
}

// Sync brings the store up to date with the knowledge base, incrementally:
// a chunk whose content hash is unchanged is not segmented, encoded or
// embedded again; changed and new chunks are upserted; points of removed
// documents and chunks are deleted.
func (e *Engine) Sync(ctx context.Context) (SyncStats, error) {
	start := time.Now()
	st := SyncStats{Docs: e.base.Len(), Chunks: len(e.recs)}
	// The collection's dense size must be known before it is ensured: from
	// the embedding cache, else from one probe embedding.
	if e.emb != nil {
		if e.denseDim.Store(int64(e.cache.dim())); e.denseDim.Load() == 0 {
			if _, err := e.embedQueryDim(ctx); err != nil {
				return st, err
			}
		}
	}
	if err := e.store.Ensure(ctx, store.Schema{Name: e.cfg.Collection, DenseSize: int(e.denseDim.Load())}); err != nil {
		return st, fmt.Errorf("search: sync: %w", err)
	}
	existing, err := e.store.Scroll(ctx, store.Filter{})
	if err != nil {
		return st, fmt.Errorf("search: sync: scroll: %w", err)
	}
	have := make(map[string]string, len(existing))  // point id → hash
	units := make(map[string]string, len(existing)) // point id → stored association unit
	oldAvg := 0.0
	for _, p := range existing {
		h, _ := p.Payload[store.FieldHash].(string)
		have[p.ID] = h
		units[p.ID], _ = p.Payload[fieldAssoc].(string)
		if sig, _ := p.Payload[fieldEncoder].(string); sig != "" && oldAvg == 0 {
			oldAvg = avgFromSignature(sig)
		}
	}
	// Keep the length normalisation of the existing index unless the
	// collection's average length has moved by more than a quarter, so that
	// adding a few documents does not re-encode everything.
	if oldAvg > 0 && e.avgLen > 0 {
		if r := e.avgLen / oldAvg; r > 0.8 && r < 1.25 {
			e.enc.avgLen = oldAvg
		}
	}
	sig := e.enc.signature()

	var todo []*rec
	hashes := map[*rec]string{}
	for _, r := range append(slices.Clip(e.recs), e.passages...) {
		h := e.contentHash(sig, r)
		hashes[r] = h
		old, ok := have[r.pointID]
		switch {
		case r.of != nil:
			// A similar question's passage: counted apart from the chunks.
			if old != h {
				st.Passages++
				todo = append(todo, r)
			}
		case !ok:
			st.Added++
			todo = append(todo, r)
		case old != h:
			st.Updated++
			todo = append(todo, r)
		default:
			st.Unchanged++
			r.unit, _ = decodeUnit(units[r.pointID])
		}
	}
	var vectors map[*rec][]float32
	if e.emb != nil {
		if vectors, err = e.embedChunks(ctx, todo, &st); err != nil {
			return st, err
		}
	}
	// Encode in parallel (segmentation is the expensive part and the
	// segmenter is safe for concurrent use), upsert batch by batch. A
	// document's chunks are encoded together: they share its keywords.
	groups := groupByDoc(todo)
	workers := max(1, runtime.GOMAXPROCS(0))
	// The store takes one batch while the next is encoded: its apply is
	// serial, so this keeps the cores busy.
	upserted := make(chan error, 1)
	upserted <- nil
	wait := func() error {
		if err := <-upserted; err != nil {
			return fmt.Errorf("search: sync: upsert: %w", err)
		}
		return nil
	}
	for start := 0; start < len(groups); {
		if err := ctx.Err(); err != nil {
			wait()
			return st, err
		}
		end, n := start, 0
		for end < len(groups) && (n == 0 || n+len(groups[end]) <= e.cfg.BatchSize) {
			n += len(groups[end])
			end++
		}
		part := groups[start:end]
		start = end
		out := make([][]store.Point, len(part))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(part); i += workers {
					out[i] = e.encodeGroup(part[i], hashes, sig, vectors)
				}
			}()
		}
		wg.Wait()
		batch := make([]store.Point, 0, n)
		for _, ps := range out {
			batch = append(batch, ps...)
		}
		if err := wait(); err != nil {
			return st, err
		}
		for _, ps := range part {
			for _, r := range ps {
				if r.of == nil {
					st.Encoded++
				}
			}
		}
		go func() { upserted <- e.store.Upsert(ctx, batch) }()
	}
	if err := wait(); err != nil {
		return st, err
	}
	var gone []string
	for id := range have {
		if _, ok := e.byPoint[id]; !ok {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		var chunkIDs []string
		for _, p := range existing {
			if _, ok := e.byPoint[p.ID]; !ok {
				if c, _ := p.Payload[fieldChunkID].(string); c != "" {
					chunkIDs = append(chunkIDs, c)
				}
			}
		}
		slices.Sort(chunkIDs)
		for i := 0; i < len(chunkIDs); i += 1000 {
			part := chunkIDs[i:min(i+1000, len(chunkIDs))]
			if err := e.store.Delete(ctx, store.Filter{Must: []store.Condition{{Field: fieldChunkID, Any: part}}}); err != nil {
				return st, fmt.Errorf("search: sync: delete: %w", err)
			}
		}
		st.Deleted = len(chunkIDs)
	}
	if e.cache != nil {
		if err := e.cache.save(); err != nil {
			e.log.Warn("search: saving the embedding cache failed", slog.Any("error", err))
		}
	}
	e.learn()
	st.Duration = time.Since(start)
	return st, nil
}

// learn builds the learned associations from the chunks' units (encoded
// by this sync or read back from the store) and from Config.Pairs.
func (e *Engine) learn() {
	x := newAssocIndex(e.p.AssocMinCount)
	for _, r := range e.recs {
		x.set(r.pointID, r.unit)
	}
	for i, p := range e.cfg.Pairs {
		rs := e.chunksOf[p.DocID]
		if len(rs) == 0 {
			continue
		}
		an := e.seg.Analyze(p.Question)
		u := assocUnit{src: assocWords(e.enc.weight, assocMaxSrc, &an)}
		for _, r := range rs {
			u.dst = append(u.dst, r.unit.dst...)
		}
		slices.Sort(u.dst)
		u.dst = slices.Compact(u.dst)
		x.set(fmt.Sprint("pair/", i), u)
	}
	e.assoc.Store(x)
}

// groupByDoc splits chunks into runs of one document each, in order.
func groupByDoc(rs []*rec) [][]*rec {
	var out [][]*rec
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j].doc == rs[i].doc {
			j++
		}
		out = append(out, rs[i:j])
		i = j
	}
	return out
}

// useKeywords reports whether d's chunks carry the document's keywords.
func (e *Engine) useKeywords(d *kb.Document) bool {
	return e.p.DocKeywords > 0 && d.Type != kb.TypeFAQ && len(e.chunksOf[d.ID]) > 1
}

// encodeGroup encodes the chunks rs of one document (a subset when only some
// changed; the keywords always come from all its chunks).
func (e *Engine) encodeGroup(rs []*rec, hashes map[*rec]string, sig string, vectors map[*rec][]float32) []store.Point {
	d := rs[0].doc
	an := make(map[*rec]analyzed, len(rs))
	var memo map[string]zh.Analysis
	if len(e.chunksOf[d.ID]) > 1 {
		memo = map[string]zh.Analysis{}
	}
	var extra []field
	if e.useKeywords(d) {
		all := e.chunksOf[d.ID]
		as := make([]analyzed, len(all))
		for i, r := range all {
			as[i] = e.enc.analyze(r.fields, memo)
			an[r] = as[i]
		}
		if kw := e.enc.keywords(as, e.p.DocKeywords); kw != "" {
			extra = append(extra, field{text: kw, weight: e.p.DocKeywordWeight})
		}
	}
	out := make([]store.Point, len(rs))
	for i, r := range rs {
		a, ok := an[r]
		if !ok {
			a = e.enc.analyze(r.fields, memo)
		}
		if r.of == nil {
			r.unit = e.enc.unit(a, d.Type == kb.TypeFAQ)
		}
		v := e.enc.encodeDoc(a, extra...)
		if r.of != nil {
			v = passageVec(v)
		}
		out[i] = store.Point{ID: r.pointID, Sparse: v, Payload: e.payload(r, hashes[r], sig)}
		if vectors != nil {
			out[i].Dense = vectors[r]
		}
	}
	return out
}

func avgFromSignature(sig string) float64 {
	i := strings.LastIndex(sig, "|avg=")
	if i < 0 {
		return 0
	}
	var v float64
	fmt.Sscanf(sig[i+5:], "%g", &v)
	return v
}

// embedText is what a chunk's dense vector is computed from.
func embedText(r *rec) string {
	var sb strings.Builder
	for _, f := range r.fields {
		if f.text != "" && f.weight > 0 {
			sb.WriteString(f.text)
			sb.WriteByte('\n')
		}
	}
	return strings.TrimSpace(sb.String())
}

// embedChunks returns the dense vectors of todo, from the cache where the
// same text was embedded before, else from the embedder in batches.
func (e *Engine) embedChunks(ctx context.Context, todo []*rec, st *SyncStats) (map[*rec][]float32, error) {
	out := make(map[*rec][]float32, len(todo))
	var miss []*rec
	for _, r := range todo {
		if v, ok := e.cache.get(embedText(r)); ok {
			out[r] = v
			st.Cached++
		} else {
			miss = append(miss, r)
		}
	}
	for i := 0; i < len(miss); i += e.cfg.EmbedBatch {
		part := miss[i:min(i+e.cfg.EmbedBatch, len(miss))]
		texts := make([]string, len(part))
		for j, r := range part {
			texts[j] = embedText(r)
		}
		vecs, err := e.emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("search: sync: embed: %w", err)
		}
		if len(vecs) != len(part) {
			return nil, fmt.Errorf("search: sync: embed: %d vectors for %d texts", len(vecs), len(part))
		}
		for j, r := range part {
			if int64(len(vecs[j])) != e.denseDim.Load() {
				return nil, fmt.Errorf("search: sync: embed: vector of %d dimensions, the collection has %d (the model changed? run govchat index --rebuild)", len(vecs[j]), e.denseDim.Load())
			}
			if err := e.cache.put(texts[j], vecs[j]); err != nil {
				return nil, fmt.Errorf("search: sync: embed: %w", err)
			}
			out[r] = vecs[j]
		}
		st.Embedded += len(part)
		e.log.Debug("search: embedded", slog.Int("done", min(i+len(part), len(miss))), slog.Int("of", len(miss)))
	}
	return out, nil
}

func (e *Engine) embedQueryDim(ctx context.Context) (int, error) {
	vecs, err := e.emb.Embed(ctx, []string{"政务服务"})
	if err != nil {
		return 0, fmt.Errorf("search: embed: %w", err)
	}
	if len(vecs) != 1 || len(vecs[0]) == 0 {
		return 0, errors.New("search: embed: empty vector")
	}
	e.denseDim.Store(int64(len(vecs[0])))
	return len(vecs[0]), nil
}

// Search ranks the chunks of the knowledge base for query.
func (e *Engine) Search(ctx context.Context, query string, opts Options) (*Response, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 10
	}
	now := e.now()
	resp := &Response{Results: []Result{}, Terms: []string{}}
	qt := e.enc.analyzeQuery(query)
	e.describe(resp, qt.analysis)
	num, rest := e.docNumberIn(query)
	resp.DocNumber = num
	filter := e.filter(opts, now)
	seen := map[string]bool{}
	// A 文号 names documents: their chunk that best matches the rest of the
	// question comes first, whatever their status (the user asked for them;
	// the result is labelled) — their opening when the question asks for
	// nothing but the document (国办发〔2018〕108号讲的啥, …还有效吗).
	var restQT queryTerms
	if len(e.byDocNum[num]) > 0 {
		if resp.Lookup = asksForDocument(rest); !resp.Lookup {
			restQT = e.enc.analyzeQuery(rest)
		}
	}
	for _, d := range e.byDocNum[num] {
		if !typeAllowed(opts.Types, d.Type) {
			continue
		}
		r := e.bestChunkOf(ctx, d, restQT)
		if r == nil || seen[r.pointID] {
			continue
		}
		seen[r.pointID] = true
		resp.Results = append(resp.Results, e.result(r, 0, qt, now))
	}
	x := e.assoc.Load()
	aq := e.assocQueryOf(x, qt)
	if len(qt.weights) > 0 {
		if x != nil && e.p.AssocWeight > 0 {
			e.expand(x, qt)
		}
		q := store.Query{Sparse: e.withPassages(qt.weights), Filter: filter, Limit: max(limit, e.p.Candidates)}
		if dim := int(e.denseDim.Load()); e.emb != nil && dim > 0 {
			if v, err := e.emb.Embed(ctx, []string{query}); err != nil {
				e.log.Warn("search: query embedding failed; sparse only", slog.Any("error", err))
			} else if len(v) == 1 && len(v[0]) == dim {
				q.Dense = v[0]
				q.PrefetchLimit = q.Limit * 2
			}
		}
		hits, err := e.store.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("search: query: %w", err)
		}
		views := map[string]*rec{}
		hits = e.collapse(qt, hits, views)
		if e.p.FeedbackDocs > 0 && len(hits) > 0 && q.Dense == nil {
			if w := e.feedback(qt, hits); w != nil {
				q.Sparse = e.withPassages(w)
				if hits, err = e.store.Query(ctx, q); err != nil {
					return nil, fmt.Errorf("search: query: %w", err)
				}
				clear(views)
				hits = e.collapse(qt, hits, views)
			}
		}
		if e.p.Coord > 0 && len(uniq(qt.analysis.Terms)) >= e.p.CoordMin {
			e.coordinate(qt, hits)
		}
		if e.p.Local > 0 {
			e.discriminate(qt, hits, views)
		}
		if aq != nil && e.p.AssocRerank > 0 {
			e.rescore(aq, hits)
		}
		if e.p.QuestionCover > 0 {
			e.questionCover(qt, hits, views)
		}
		for _, h := range hits {
			r := e.byPoint[h.ID]
			if r == nil || seen[h.ID] {
				continue // stale point (index older than the knowledge base)
			}
			if !opts.IncludeExpired && r.doc.Expired(now) {
				continue
			}
			seen[h.ID] = true
			resp.Results = append(resp.Results, e.result(r, h.Score, qt, now))
		}
	}
	if len(resp.Results) > limit {
		resp.Results = resp.Results[:limit]
	}
	for i := range resp.Results[:min(len(resp.Results), maxMatched)] {
		res := &resp.Results[i]
		if r := e.byPoint[PointID(res.Chunk.ID)]; r != nil {
			res.Matched = matched(r.norm(), qt.analysis.Terms, e.seg)
			res.Association, _ = aq.score(e, r)
		}
	}
	resp.Confidence = e.confidence(qt, resp)
	return resp, nil
}

// feedback expands the query with the words that characterise the top hits
// (RM3-style pseudo-relevance feedback), weighting words by how informative
// they are in general Chinese.
func (e *Engine) feedback(qt queryTerms, hits []store.Hit) map[uint32]float64 {
	n := min(e.p.FeedbackDocs, len(hits))
	score := map[string]float64{}
	top := hits[0].Score
	if top <= 0 {
		return nil
	}
	for _, h := range hits[:n] {
		r := e.byPoint[h.ID]
		if r == nil {
			continue
		}
		words := r.words(e.seg)
		if len(words) == 0 {
			continue
		}
		dw := h.Score / top
		tf := map[string]int{}
		for _, w := range words {
			tf[w]++
		}
		for w, c := range tf {
			if len([]rune(w)) < 2 {
				continue
			}
			score[w] += dw * float64(c) / float64(len(words)) * e.seg.Weight(w)
		}
	}
	type kv struct {
		w string
		s float64
	}
	var list []kv
	for w, s := range score {
		if _, inQuery := qt.weights[featureIndex(kindWord, w)]; !inQuery {
			list = append(list, kv{w, s})
		}
	}
	if len(list) == 0 {
		return nil
	}
	slices.SortFunc(list, func(a, b kv) int { return cmp.Compare(b.s, a.s) })
	list = list[:min(len(list), e.p.FeedbackTerms)]
	sum := 0.0
	for _, x := range list {
		sum += x.s
	}
	qsum := 0.0
	for _, v := range qt.weights {
		qsum += v
	}
	out := make(map[uint32]float64, len(qt.weights)+len(list))
	for k, v := range qt.weights {
		out[k] = v
	}
	for _, x := range list {
		out[featureIndex(kindWord, x.w)] += e.p.FeedbackWeight * qsum * x.s / sum
	}
	return out
}

// coordinate multiplies each hit's score by the share of the question's
// distinct words and bigrams found in its chunk, raised to Coord.
func (e *Engine) coordinate(qt queryTerms, hits []store.Hit) {
	feats := append(uniq(qt.analysis.Terms), uniq(qt.analysis.Bigrams)...)
	if len(feats) == 0 {
		return
	}
	for i := range hits {
		r := e.byPoint[hits[i].ID]
		if r == nil {
			continue
		}
		n := 0
		for _, f := range feats {
			if strings.Contains(r.norm(), f) {
				n++
			}
		}
		hits[i].Score *= math.Pow(float64(n)/float64(len(feats)), e.p.Coord)
	}
	slices.SortStableFunc(hits, func(a, b store.Hit) int { return cmp.Compare(b.Score, a.Score) })
}

// words returns the chunk's index words, computed once.
func (r *rec) words(seg *zh.Segmenter) []string {
	r.once.Do(func() {
		for _, f := range r.fields {
			if f.weight > 0 {
				r.ws = append(r.ws, seg.Analyze(f.text).Words...)
			}
		}
	})
	return r.ws
}

// Analyze segments text as a query is segmented and returns its terms, their
// weights and synonyms, and the 文号 it names in any of its written forms (a
// Response without results): for weighing how two texts, such as a question
// and a FAQ entry's question, match, and for the document library's search.
func (e *Engine) Analyze(text string) *Response {
	r := &Response{Results: []Result{}}
	e.describe(r, e.seg.Analyze(text))
	r.DocNumber, _ = e.docNumberIn(text)
	return r
}

// describe sets the terms of a response, with their weights and synonyms:
// the terms as the vocabulary names them, its phrases whole (医保个人账户,
// not 医保 and 个人账户).
func (e *Engine) describe(r *Response, a zh.Analysis) {
	r.Terms = uniq(a.Whole)
	r.Weights = make(map[string]float64, len(r.Terms))
	r.Vocabulary = map[string]bool{}
	for _, t := range r.Terms {
		r.Weights[t] = e.seg.Weight(t)
		if e.seg.Vocabulary(t) {
			r.Vocabulary[t] = true
		}
		// Other names of the term: its synonym group, and the official
		// terms an everyday word expands to.
		if syn := append(e.seg.Synonyms(t), e.seg.Expansions(t)...); len(syn) > 0 {
			if r.Synonyms == nil {
				r.Synonyms = map[string][]string{}
			}
			r.Synonyms[t] = slices.DeleteFunc(syn, func(s string) bool { return s == t })
		}
	}
}

// Answerable reports whether a response is confident enough to answer from.
func (e *Engine) Answerable(r *Response) bool {
	return r != nil && len(r.Results) > 0 && r.Confidence >= e.cfg.MinConfidence
}

func (e *Engine) result(r *rec, score float64, qt queryTerms, now time.Time) Result {
	return Result{Doc: r.doc, Chunk: r.chunk, Score: score, Status: r.doc.Validity(now)}
}

// maxMatched is how many results get their matched terms filled in.
const maxMatched = 10

// bestChunkOf returns the chunk of d that best matches the query, or its
// first chunk.
func (e *Engine) bestChunkOf(ctx context.Context, d *kb.Document, qt queryTerms) *rec {
	if len(qt.weights) > 0 {
		hits, err := e.store.Query(ctx, store.Query{Sparse: sparseOf(qt.weights), Limit: 1,
			Filter: store.Filter{Must: []store.Condition{{Field: store.FieldDocID, Match: d.ID}}}})
		if err == nil && len(hits) > 0 {
			if r := e.byPoint[hits[0].ID]; r != nil {
				return r
			}
		}
	}
	return e.firstOf[d.ID]
}

func typeAllowed(types []kb.Type, t kb.Type) bool {
	return len(types) == 0 || slices.Contains(types, t)
}

// filter translates options into a store filter.
func (e *Engine) filter(opts Options, now time.Time) store.Filter {
	var f store.Filter
	if len(opts.Types) > 0 {
		ts := make([]string, len(opts.Types))
		for i, t := range opts.Types {
			ts[i] = string(t)
		}
		f.Must = append(f.Must, store.Condition{Field: store.FieldType, Any: ts})
	}
	if opts.Department != "" {
		f.Must = append(f.Must, store.Condition{Field: store.FieldDepartment, Match: opts.Department})
	}
	if opts.Region != "" {
		f.Must = append(f.Must, store.Condition{Field: store.FieldRegion, Match: opts.Region})
	}
	if !opts.IncludeExpired {
		n := float64(now.Unix())
		zero := 0.0
		f.MustNot = append(f.MustNot,
			store.Condition{Field: store.FieldStatus, Any: []string{string(kb.StatusRepealed), string(kb.StatusRevised)}},
			store.Condition{Field: store.FieldExpires, Range: &store.Range{GT: &zero, LT: &n}},
		)
	}
	return f
}

func uniq(s []string) []string {
	out := make([]string, 0, len(s))
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// matched lists the query terms (or a synonym of them) found in text.
func matched(norm string, terms []string, seg *zh.Segmenter) []string {
	out := []string{}
	for _, t := range terms {
		if slices.Contains(out, t) {
			continue
		}
		if strings.Contains(norm, t) {
			out = append(out, t)
			continue
		}
		for _, s := range seg.Synonyms(t) {
			if strings.Contains(norm, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
