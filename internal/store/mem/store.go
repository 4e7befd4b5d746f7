// Package mem is govchat's embedded vector store: a collection with the
// semantics of a Qdrant collection (named sparse and dense vectors, payload
// filters, an IDF modifier on the sparse vector, prefetch + reciprocal rank
// fusion) kept in memory and persisted under a directory.
//
// Persistence is crash-safe: every Upsert and Delete is appended to a
// write-ahead log and fsynced before it returns; the log is folded into a
// snapshot (written to a temporary file, fsynced, renamed over the old one,
// directory fsynced) when it grows and on Close. Opening reads the snapshot
// (postings included, so nothing is re-segmented) and replays the log; a torn
// log tail or a half-written temporary file from a crash is discarded. A
// damaged snapshot, or a damaged record in the middle of the log (a disk
// fault), is ErrCorrupt: never silently cut off with what follows it.
package mem

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/store"
)

var _ store.Store = (*Store)(nil)

// Store is the embedded store. It is safe for concurrent use.
type Store struct {
	mu     sync.RWMutex
	dir    string // "" keeps everything in memory
	log    *slog.Logger
	schema *store.Schema

	points  []*point         // by slot; nil once deleted
	byID    map[string]int32 // live id → slot
	post    map[uint32]int32 // sparse index → its postings in lists
	lists   [][]entry        // postings, slots ascending
	dead    int              // deleted slots still referenced by postings
	nSparse int              // live points with a non-empty sparse vector

	wal    *wal
	snapSz int64
	gen    uint64
	closed bool
	lock   *dirLock

	rebuildable bool // see Rebuildable

	scratch sync.Pool
}

type point struct {
	id      string
	dense   []float32 // unit length (cosine), nil when absent
	payload map[string]any
	nsparse int // entries of the sparse vector
}

// entry is one posting: a slot holding a sparse index, with its value. A
// list of them is one allocation (slot and value side by side, read in one
// stream by a query); the map holds only the list's position in lists.
type entry struct {
	slot int32
	val  float32
}

// appendEntry appends e to pl, growing a list of 16 or more entries by an
// eighth instead of append's quarter, so a built index carries little spare
// capacity (the postings are most of its memory).
func appendEntry(pl []entry, e entry) []entry {
	if len(pl) == cap(pl) {
		n := len(pl) + len(pl)/8
		if len(pl) < 16 {
			n = max(1, 2*len(pl)) // small lists double: fewer, cheap allocations
		}
		grown := make([]entry, len(pl), n)
		copy(grown, pl)
		pl = grown
	}
	return append(pl, e)
}

// Option configures Open.
type Option func(*Store)

// WithLogger sets the logger for recovery messages (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// Rebuildable declares the store's contents derived data, an index that a
// sync rebuilds from the knowledge base: Open then moves a damaged
// directory aside (to dir.corrupt-YYYYMMDD-hhmmss) and starts empty instead
// of failing with ErrCorrupt, and Ensure with another dense vector size (the
// embedding model was switched on, off or changed) empties the collection
// instead of failing with ErrSchemaMismatch. govchat's index is opened so.
func Rebuildable() Option { return func(s *Store) { s.rebuildable = true } }

// Open opens (creating if needed) the store persisted in dir. An empty dir
// gives a store that lives in memory only. Only one process may open a
// directory at a time.
func Open(dir string, opts ...Option) (*Store, error) {
	s := newStore(dir, opts)
	if dir == "" {
		return s, nil
	}
	err := s.openDir()
	if errors.Is(err, ErrCorrupt) && s.rebuildable {
		aside := dir + ".corrupt-" + time.Now().Format("20060102-150405")
		s.log.Error("index is damaged; moving it aside and rebuilding", slog.String("moved_to", aside), slog.Any("error", err))
		if rerr := os.Rename(dir, aside); rerr != nil {
			return nil, fmt.Errorf("%w (and moving it aside failed: %v)", err, rerr)
		}
		s = newStore(dir, opts)
		err = s.openDir()
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func newStore(dir string, opts []Option) *Store {
	s := &Store{dir: dir, byID: map[string]int32{}, post: map[uint32]int32{}, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

var errClosed = errors.New("mem: store is closed")

// ErrLocked is returned (wrapped) by Open when another process has the
// directory open.
var ErrLocked = errors.New("the index is in use by another govchat process")

// Rebuild fills a new, empty collection and then replaces the store's
// contents with it in one step (one snapshot). While fill runs, the store
// keeps its old contents — and its directory stays locked, so no other
// process can open or rebuild it meanwhile. A failed fill leaves the store
// as it was.
func (s *Store) Rebuild(ctx context.Context, fill func(context.Context, store.Store) error) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return errClosed
	}
	fresh := newStore("", []Option{WithLogger(s.log)})
	if err := fill(ctx, fresh); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	s.points, s.byID, s.post, s.lists = fresh.points, fresh.byID, fresh.post, fresh.lists
	s.dead, s.nSparse, s.schema = fresh.dead, fresh.nSparse, fresh.schema
	if s.dir == "" {
		return nil
	}
	return s.snapshot()
}

// ErrSchemaMismatch is returned (wrapped) by Ensure when the persisted
// collection has another dense vector size (the embedding model changed, or
// was switched on or off), unless the store is Rebuildable.
var ErrSchemaMismatch = errors.New("mem: collection schema differs")

// Ensure implements store.Store.
func (s *Store) Ensure(ctx context.Context, schema store.Schema) error {
	if schema.DenseSize < 0 {
		return fmt.Errorf("mem: ensure: negative dense size %d", schema.DenseSize)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if s.schema != nil {
		if s.schema.DenseSize != schema.DenseSize && s.rebuildable {
			s.log.Warn("index was built with another embedding setting; rebuilding it", slog.String("dir", s.dir))
			return s.reset(schema)
		}
		if s.schema.DenseSize != schema.DenseSize {
			return fmt.Errorf("%w: collection %q has dense size %d, not %d (delete the index directory to rebuild it)", ErrSchemaMismatch, s.schema.Name, s.schema.DenseSize, schema.DenseSize)
		}
		return nil
	}
	if err := s.logOp(encodeEnsure(schema)); err != nil {
		return err
	}
	s.schema = &schema
	return nil
}

// reset empties the collection and gives it schema (s.mu held).
func (s *Store) reset(schema store.Schema) error {
	s.points, s.byID, s.post, s.lists = nil, map[string]int32{}, map[uint32]int32{}, nil
	s.dead, s.nSparse = 0, 0
	s.schema = &schema
	if s.dir == "" {
		return nil
	}
	return s.snapshot()
}

// Schema returns the collection's schema, or false before Ensure.
func (s *Store) Schema() (store.Schema, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.schema == nil {
		return store.Schema{}, false
	}
	return *s.schema, true
}

// prepared is a validated point ready to apply.
type prepared struct {
	id      string
	sparse  store.SparseVec
	dense   []float32
	payload map[string]any
}

func (s *Store) prepare(p store.Point) (prepared, error) {
	if p.ID == "" {
		return prepared{}, errors.New("empty point id")
	}
	if len(p.Sparse.Indices) != len(p.Sparse.Values) {
		return prepared{}, fmt.Errorf("point %s: sparse vector has %d indices and %d values", p.ID, len(p.Sparse.Indices), len(p.Sparse.Values))
	}
	sp := store.SparseVec{Indices: slices.Clone(p.Sparse.Indices), Values: slices.Clone(p.Sparse.Values)}
	if !slices.IsSorted(sp.Indices) {
		sortSparse(&sp)
	}
	for i, v := range sp.Values {
		if i > 0 && sp.Indices[i] == sp.Indices[i-1] {
			return prepared{}, fmt.Errorf("point %s: duplicate sparse index %d", p.ID, sp.Indices[i])
		}
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return prepared{}, fmt.Errorf("point %s: sparse value is not finite", p.ID)
		}
	}
	var dense []float32
	if p.Dense != nil {
		if s.schema.DenseSize == 0 {
			return prepared{}, fmt.Errorf("point %s: collection has no dense vector", p.ID)
		}
		if len(p.Dense) != s.schema.DenseSize {
			return prepared{}, fmt.Errorf("point %s: dense vector has %d dimensions, want %d", p.ID, len(p.Dense), s.schema.DenseSize)
		}
		var err error
		if dense, err = unit(p.Dense); err != nil {
			return prepared{}, fmt.Errorf("point %s: %w", p.ID, err)
		}
	}
	payload, err := normalizePayload(p.Payload)
	if err != nil {
		return prepared{}, fmt.Errorf("point %s: %w", p.ID, err)
	}
	return prepared{id: p.ID, sparse: sp, dense: dense, payload: payload}, nil
}

func sortSparse(v *store.SparseVec) {
	idx := make([]int, len(v.Indices))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return v.Indices[idx[a]] < v.Indices[idx[b]] })
	ind := make([]uint32, len(idx))
	val := make([]float32, len(idx))
	for i, j := range idx {
		ind[i], val[i] = v.Indices[j], v.Values[j]
	}
	v.Indices, v.Values = ind, val
}

// unit returns v scaled to unit length (cosine distance, as Qdrant stores it).
func unit(v []float32) ([]float32, error) {
	var n float64
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, errors.New("dense value is not finite")
		}
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out, nil
	}
	inv := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}

// Upsert implements store.Store. The points are durable when it returns.
func (s *Store) Upsert(ctx context.Context, points []store.Point) error {
	if len(points) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if s.schema == nil {
		return errors.New("mem: upsert: collection does not exist (call Ensure)")
	}
	ps := make([]prepared, len(points))
	for i, p := range points {
		var err error
		if ps[i], err = s.prepare(p); err != nil {
			return fmt.Errorf("mem: upsert: %w", err)
		}
	}
	if s.dir != "" {
		if err := s.logOp(encodeUpsert(ps)); err != nil {
			return err
		}
	}
	for i := range ps {
		s.apply(&ps[i])
	}
	return s.maybeCompact()
}

// apply inserts a prepared point, replacing a point with the same id.
func (s *Store) apply(p *prepared) {
	s.remove(p.id)
	slot := int32(len(s.points))
	s.points = append(s.points, &point{id: p.id, dense: p.dense, payload: p.payload, nsparse: len(p.sparse.Indices)})
	s.byID[p.id] = slot
	for i, idx := range p.sparse.Indices {
		li, ok := s.post[idx]
		if !ok {
			li = int32(len(s.lists))
			s.lists = append(s.lists, nil)
			s.post[idx] = li
		}
		s.lists[li] = appendEntry(s.lists[li], entry{slot, p.sparse.Values[i]})
	}
	if len(p.sparse.Indices) > 0 {
		s.nSparse++
	}
}

// remove deletes the live point id, leaving its postings to compaction.
func (s *Store) remove(id string) bool {
	slot, ok := s.byID[id]
	if !ok {
		return false
	}
	if s.points[slot].nsparse > 0 {
		s.nSparse--
	}
	s.dead++
	s.points[slot] = nil
	delete(s.byID, id)
	return true
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, filter store.Filter) error {
	m, err := compileFilter(filter)
	if err != nil {
		return fmt.Errorf("mem: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	var ids []string
	for _, p := range s.points {
		if p != nil && m.ok(p.payload) {
			ids = append(ids, p.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := s.logOp(encodeDelete(ids)); err != nil {
		return err
	}
	for _, id := range ids {
		s.remove(id)
	}
	return s.maybeCompact()
}

// Count implements store.Store.
func (s *Store) Count(ctx context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, errClosed
	}
	return len(s.byID), nil
}

// Scroll implements store.Store: every matching point's id and payload,
// ordered by id.
func (s *Store) Scroll(ctx context.Context, filter store.Filter) ([]store.Point, error) {
	m, err := compileFilter(filter)
	if err != nil {
		return nil, fmt.Errorf("mem: scroll: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	out := []store.Point{}
	for _, p := range s.points {
		if p != nil && m.ok(p.payload) {
			out = append(out, store.Point{ID: p.id, Payload: clonePayload(p.payload)})
		}
	}
	slices.SortFunc(out, func(a, b store.Point) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Query implements store.Store.
func (s *Store) Query(ctx context.Context, q store.Query) ([]store.Hit, error) {
	m, err := compileFilter(q.Filter)
	if err != nil {
		return nil, fmt.Errorf("mem: query: %w", err)
	}
	if len(q.Sparse.Indices) != len(q.Sparse.Values) {
		return nil, fmt.Errorf("mem: query: sparse vector has %d indices and %d values", len(q.Sparse.Indices), len(q.Sparse.Values))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	if err := s.compactIfNeeded(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var dense []float32
	if q.Dense != nil {
		if s.schema == nil || s.schema.DenseSize == 0 {
			return nil, errors.New("mem: query: collection has no dense vector")
		}
		if len(q.Dense) != s.schema.DenseSize {
			return nil, fmt.Errorf("mem: query: dense vector has %d dimensions, want %d", len(q.Dense), s.schema.DenseSize)
		}
		if dense, err = unit(q.Dense); err != nil {
			return nil, fmt.Errorf("mem: query: %w", err)
		}
	}
	hasSparse := len(q.Sparse.Indices) > 0
	var ranked []scored
	switch {
	case hasSparse && dense != nil:
		pre := q.PrefetchLimit
		if pre <= 0 {
			pre = 4 * limit
		}
		ranked = fuse(limit, s.sparseTop(q.Sparse, m, pre), s.denseTop(dense, m, pre))
	case dense != nil:
		ranked = s.denseTop(dense, m, limit)
	case hasSparse:
		ranked = s.sparseTop(q.Sparse, m, limit)
	}
	hits := make([]store.Hit, len(ranked))
	for i, r := range ranked {
		p := s.points[r.slot]
		hits[i] = store.Hit{ID: p.id, Score: r.score, Payload: clonePayload(p.payload)}
	}
	return hits, nil
}

// IDF is the inverse document frequency Qdrant's IDF modifier uses.
func IDF(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

type scored struct {
	slot  int32
	score float64
}

// scratch is per-query accumulator space, reused through a pool.
type scratch struct {
	acc     []float32
	stamp   []uint32
	gen     uint32
	touched []int32
}

func (s *Store) getScratch(n int) *scratch {
	sc, _ := s.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	if len(sc.acc) < n {
		sc.acc = make([]float32, n+n/4)
		sc.stamp = make([]uint32, n+n/4)
		sc.gen = 0
	}
	sc.gen++
	if sc.gen == 0 { // wrapped: reset stamps
		clear(sc.stamp)
		sc.gen = 1
	}
	sc.touched = sc.touched[:0]
	return sc
}

// sparseTop scores every point sharing an index with q (dot product with the
// IDF modifier) through the inverted index and keeps the best k that pass m.
func (s *Store) sparseTop(q store.SparseVec, m *matcher, k int) []scored {
	sc := s.getScratch(len(s.points))
	defer s.scratch.Put(sc)
	n := s.nSparse
	for i, idx := range q.Indices {
		li, ok := s.post[idx]
		if !ok || q.Values[i] == 0 {
			continue
		}
		pl := s.lists[li]
		if len(pl) == 0 {
			continue
		}
		w := float32(float64(q.Values[i]) * IDF(n, len(pl)))
		for _, e := range pl {
			slot := e.slot
			if sc.stamp[slot] != sc.gen {
				sc.stamp[slot] = sc.gen
				sc.acc[slot] = 0
				sc.touched = append(sc.touched, slot)
			}
			sc.acc[slot] += w * e.val
		}
	}
	h := &topk{k: k}
	for _, slot := range sc.touched {
		h.offer(s, slot, float64(sc.acc[slot]), m)
	}
	return h.sorted(s)
}

// denseTop ranks points by cosine similarity, brute force.
func (s *Store) denseTop(q []float32, m *matcher, k int) []scored {
	h := &topk{k: k}
	for slot, p := range s.points {
		if p == nil || p.dense == nil {
			continue
		}
		var dot float32
		d := p.dense[:len(q)]
		for i, x := range q {
			dot += x * d[i]
		}
		h.offer(s, int32(slot), float64(dot), m)
	}
	return h.sorted(s)
}

// fuse merges ranked lists by reciprocal rank fusion (Qdrant's formula:
// a point at 0-based position p of a list scores 1/(store.RRFK+p)).
func fuse(limit int, lists ...[]scored) []scored {
	score := map[int32]float64{}
	for _, l := range lists {
		for pos, r := range l {
			score[r.slot] += 1 / float64(pos+store.RRFK)
		}
	}
	out := make([]scored, 0, len(score))
	for slot, sc := range score {
		out = append(out, scored{slot, sc})
	}
	slices.SortFunc(out, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.slot, b.slot)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// topk keeps the k best scored slots that pass a filter, evaluating the
// filter only for candidates good enough to enter.
type topk struct {
	k int
	h minHeap
}

func (t *topk) offer(s *Store, slot int32, score float64, m *matcher) {
	p := s.points[slot]
	if p == nil {
		return
	}
	if len(t.h) == t.k && !better(scored{slot, score}, t.h[0]) {
		return
	}
	if !m.ok(p.payload) {
		return
	}
	if len(t.h) < t.k {
		heap.Push(&t.h, scored{slot, score})
		return
	}
	t.h[0] = scored{slot, score}
	heap.Fix(&t.h, 0)
}

func (t *topk) sorted(s *Store) []scored {
	out := []scored(t.h)
	slices.SortFunc(out, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return out
}

// better orders by score, then by insertion (older first) for determinism.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.slot < b.slot
}

type minHeap []scored

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// compactIfNeeded drops deleted slots from the postings so that document
// frequencies (and so IDF) count live points only.
func (s *Store) compactIfNeeded() error {
	s.mu.RLock()
	need := s.dead > 0
	s.mu.RUnlock()
	if !need {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compactSlots()
	return nil
}

// compactSlots renumbers live points densely and rewrites the postings.
// The caller holds the write lock.
func (s *Store) compactSlots() {
	if s.dead == 0 {
		return
	}
	remap := make([]int32, len(s.points))
	live := make([]*point, 0, len(s.byID))
	for slot, p := range s.points {
		if p == nil {
			remap[slot] = -1
			continue
		}
		remap[slot] = int32(len(live))
		s.byID[p.id] = int32(len(live))
		live = append(live, p)
	}
	s.points = live
	lists := make([][]entry, 0, len(s.lists))
	for idx, li := range s.post {
		pl := s.lists[li]
		j := 0
		for _, e := range pl {
			if ns := remap[e.slot]; ns >= 0 {
				pl[j] = entry{ns, e.val}
				j++
			}
		}
		if j == 0 {
			delete(s.post, idx)
			continue
		}
		s.post[idx] = int32(len(lists))
		lists = append(lists, slices.Clip(pl[:j]))
	}
	s.lists = lists
	s.dead = 0
}

// Close implements store.Store: it folds the log into the snapshot and
// releases the directory.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.dir == "" {
		return nil
	}
	var errs []error
	if s.wal != nil && s.wal.size > walHeaderSize {
		errs = append(errs, s.snapshot())
	}
	if s.wal != nil {
		errs = append(errs, s.wal.close())
	}
	errs = append(errs, s.lock.release())
	return errors.Join(errs...)
}
