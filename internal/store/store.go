// Package store is the contract between the search engine and the vector
// stores: the Store interface with the semantics of a Qdrant collection, and
// the points, queries and filters it speaks. It imports the standard library
// only, so that a store (internal/store/mem, internal/store/qdrant) links
// neither the segmenter nor the engine.
package store

import (
	"context"
	"errors"
)

// Store is a vector collection with the semantics of a Qdrant collection:
// points with an id, named sparse and dense vectors and a JSON payload;
// queries that prefetch by several vectors, fuse the lists with reciprocal
// rank fusion, and filter on payload fields. The embedded store
// (internal/store/mem) and Qdrant (internal/store/qdrant) implement it and
// pass one conformance suite (internal/store/storetest).
//
// Sparse vectors use an IDF modifier: the store computes inverse document
// frequency over the collection (as Qdrant's Modifier.Idf does,
// idf = ln(1 + (N - n + 0.5) / (n + 0.5))) and multiplies query weights by
// it, so the index stores only term-frequency weights and never has to be
// re-encoded when the collection grows.
type Store interface {
	// Ensure creates the collection if it does not exist. DenseSize is 0 when
	// no dense vector is configured.
	Ensure(ctx context.Context, schema Schema) error
	// Upsert inserts or replaces points.
	Upsert(ctx context.Context, points []Point) error
	// Delete removes the points matching filter.
	Delete(ctx context.Context, filter Filter) error
	// Query runs a (hybrid) query.
	Query(ctx context.Context, q Query) ([]Hit, error)
	// Scroll returns the id and payload (no vectors) of every point matching
	// filter; used for incremental sync by content hash.
	Scroll(ctx context.Context, filter Filter) ([]Point, error)
	// Count returns the number of points.
	Count(ctx context.Context) (int, error)
	// Close releases resources; the store persists what it holds.
	Close() error
}

// ErrUnavailable is returned (wrapped) by a store that cannot be reached.
// Callers show a "暂时无法查询" message and retry later.
var ErrUnavailable = errors.New("store unavailable")

// RRFK is the rank constant of reciprocal rank fusion: a point's fused score
// is Σ 1/(RRFK + rank) with rank counted from 0. That is Qdrant's formula
// and 2 is Qdrant's default k (the RRF paper's k=60 corresponds to k=61
// here); the Qdrant store sends RRFK explicitly, the embedded store uses it.
const RRFK = 2

// Vector names.
const (
	SparseVector = "sparse"
	DenseVector  = "dense"
)

// Payload field names that queries filter on; stores index them.
const (
	FieldDocID      = "doc_id"
	FieldType       = "type"
	FieldStatus     = "status"
	FieldDepartment = "department"
	FieldRegion     = "region"
	FieldEffective  = "effective" // unix seconds, 0 when absent
	FieldExpires    = "expires"   // unix seconds, 0 when absent
	FieldHash       = "hash"      // content hash of the chunk (incremental sync)
	FieldDocNumber  = "doc_number"
)

// Schema describes a collection.
type Schema struct {
	Name      string
	DenseSize int // 0: no dense vector
}

// SparseVec is a sparse vector: parallel indices and values. Indices are
// unique and sorted ascending.
type SparseVec struct {
	Indices []uint32
	Values  []float32
}

// Point is one stored chunk. ID is a UUID string (Qdrant accepts UUIDs or
// unsigned integers).
type Point struct {
	ID      string
	Sparse  SparseVec
	Dense   []float32 // nil when no dense vector
	Payload map[string]any
}

// Hit is a scored point.
type Hit struct {
	ID      string
	Score   float64
	Payload map[string]any
}

// Query is a hybrid query. With one of Sparse/Dense set the store ranks by
// that vector alone; with both it prefetches PrefetchLimit candidates by each
// and fuses them with RRF. Filter applies to every prefetch.
//
// As in Qdrant: a sparse ranking holds only points that share at least one
// index with the query (score = Σ idf·q·d over shared indices); a dense
// ranking holds points that have a dense vector (score = cosine similarity);
// RRF gives each point Σ 1/(RRFK + rank) over the prefetch lists holding it,
// rank counted from 0, and the fused Hit.Score is that sum. The order of
// hits with equal scores is unspecified.
type Query struct {
	Sparse        SparseVec
	Dense         []float32
	Filter        Filter
	Limit         int
	PrefetchLimit int // default 4*Limit
}

// Filter is a conjunction of conditions (Qdrant "must") plus exclusions
// ("must_not"). The zero Filter matches everything.
type Filter struct {
	Must    []Condition
	MustNot []Condition
}

// Condition tests one payload field. Exactly one of Match/Any/Range is set.
//   - Match: the field equals the value (string, int64 or bool); for a list
//     field, any element equals it.
//   - Any: the field equals one of the values.
//   - Range: numeric comparison; nil bounds are open.
type Condition struct {
	Field string
	Match any
	Any   []string
	Range *Range
}

// Range bounds a numeric field.
type Range struct {
	GT, GTE, LT, LTE *float64
}

// Empty reports whether the filter has no conditions.
func (f Filter) Empty() bool { return len(f.Must) == 0 && len(f.MustNot) == 0 }
