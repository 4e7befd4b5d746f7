// Package storetest is the conformance suite that every store.Store
// passes: the embedded store, the Qdrant store against an in-process fake
// Qdrant, and the Qdrant store against a real Qdrant. It pins the semantics
// the search engine relies on, which are Qdrant's:
//
//   - sparse ranking: score = Σ idf(i)·q(i)·d(i) over the indices the point
//     shares with the query, idf(i) = ln(1 + (N − n(i) + 0.5)/(n(i) + 0.5)),
//     N the points holding a sparse vector, n(i) those holding index i;
//     points sharing no index with the query are not returned; IDF follows
//     the collection as it grows, without re-encoding;
//   - dense ranking: cosine similarity over the points that have a dense
//     vector;
//   - hybrid: the sparse and dense prefetch lists (each filtered, each cut at
//     PrefetchLimit) fused by RRF, score = Σ 1/(store.RRFK + rank), rank
//     counted from 0;
//   - filters: Match on strings, integers and booleans (any element of a list
//     field), Any, Range with open and closed bounds on integers and floats,
//     MustNot (a point without the field does not match, so MustNot keeps
//     it), the zero filter matching everything;
//   - upsert replaces the whole point; payload values round-trip with their
//     Go types (string, int64, bool, float64, []string);
//   - before the first Ensure, Scroll, Count and Query see an empty
//     collection and Delete does nothing.
//
// Expected orderings are worked out from these formulas in the tests, and
// the fixtures avoid ties, whose order is unspecified.
package storetest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/govchat/govchat/internal/store"
)

// Opener returns a new, empty store for one subtest; it registers its own
// cleanup (Close, removing the collection) with t.
type Opener func(t *testing.T) store.Store

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"BeforeEnsure", testBeforeEnsure},
		{"EnsureUpsertCount", testEnsureUpsertCount},
		{"PayloadRoundTrip", testPayloadRoundTrip},
		{"UpsertReplaces", testUpsertReplaces},
		{"SparseIDF", testSparseIDF},
		{"DenseCosine", testDenseCosine},
		{"HybridRRF", testHybridRRF},
		{"Filters", testFilters},
		{"DeleteByFilter", testDelete},
		{"ScrollByHash", testScrollByHash},
		{"ManyPoints", testManyPoints},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// ID returns a canonical UUID for a small number, usable as a point id.
func ID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func sparse(pairs ...float64) store.SparseVec {
	var v store.SparseVec
	for i := 0; i < len(pairs); i += 2 {
		v.Indices = append(v.Indices, uint32(pairs[i]))
		v.Values = append(v.Values, float32(pairs[i+1]))
	}
	return v
}

func ensure(t *testing.T, st store.Store, dense int) {
	t.Helper()
	if err := st.Ensure(context.Background(), store.Schema{Name: "conformance", DenseSize: dense}); err != nil {
		t.Fatalf("Ensure(dense=%d): %v", dense, err)
	}
}

func upsert(t *testing.T, st store.Store, pts ...store.Point) {
	t.Helper()
	if err := st.Upsert(context.Background(), pts); err != nil {
		t.Fatalf("Upsert(%d points): %v", len(pts), err)
	}
}

func count(t *testing.T, st store.Store) int {
	t.Helper()
	n, err := st.Count(context.Background())
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n
}

func query(t *testing.T, st store.Store, q store.Query) []store.Hit {
	t.Helper()
	hits, err := st.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	return hits
}

func scrollIDs(t *testing.T, st store.Store, f store.Filter) []string {
	t.Helper()
	pts, err := st.Scroll(context.Background(), f)
	if err != nil {
		t.Fatalf("Scroll(%+v): %v", f, err)
	}
	ids := make([]string, len(pts))
	for i, p := range pts {
		ids[i] = p.ID
	}
	sort.Strings(ids)
	return ids
}

func hitIDs(hits []store.Hit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

func approx(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6+1e-4*math.Max(math.Abs(a), math.Abs(b))
}

// want is one expected hit.
type want struct {
	id    string
	score float64
}

// checkRanking compares hits with the expected ranking (sorted best first):
// same length, scores within float32 precision, and the same ids position
// by position, except that ids with equal expected scores may come in any
// order.
func checkRanking(t *testing.T, label string, got []store.Hit, exp []want) {
	t.Helper()
	if len(got) != len(exp) {
		t.Fatalf("%s: got %d hits %v, want %d %v", label, len(got), hitIDs(got), len(exp), exp)
	}
	for i := 0; i < len(exp); {
		j := i + 1
		for j < len(exp) && approx(exp[j].score, exp[i].score) {
			j++
		}
		var gotIDs, wantIDs []string
		for k := i; k < j; k++ {
			if !approx(got[k].Score, exp[k].score) {
				t.Errorf("%s: hit %d (%s) score %.7g, want %.7g", label, k, got[k].ID, got[k].Score, exp[k].score)
			}
			gotIDs, wantIDs = append(gotIDs, got[k].ID), append(wantIDs, exp[k].id)
		}
		sort.Strings(gotIDs)
		sort.Strings(wantIDs)
		if !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("%s: hits %d..%d are %v, want %v (whole ranking %v)", label, i, j-1, gotIDs, wantIDs, hitIDs(got))
		}
		i = j
	}
}

func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// testBeforeEnsure: before the collection exists, reads see it empty and
// Delete has nothing to do (the engine scrolls before its first Ensure).
func testBeforeEnsure(t *testing.T, st store.Store) {
	if n := count(t, st); n != 0 {
		t.Errorf("Count = %d", n)
	}
	if got := scrollIDs(t, st, store.Filter{}); len(got) != 0 {
		t.Errorf("Scroll = %v", got)
	}
	if hits := query(t, st, store.Query{Sparse: sparse(1, 1), Limit: 3}); len(hits) != 0 {
		t.Errorf("Query = %v", hitIDs(hits))
	}
	if err := st.Delete(context.Background(), store.Filter{Must: []store.Condition{match(store.FieldDocID, "x")}}); err != nil {
		t.Errorf("Delete: %v", err)
	}
	ensure(t, st, 0)
	if n := count(t, st); n != 0 {
		t.Errorf("Count after Ensure = %d", n)
	}
}

func testEnsureUpsertCount(t *testing.T, st store.Store) {
	ctx := context.Background()
	ensure(t, st, 0)
	if n := count(t, st); n != 0 {
		t.Fatalf("Count of a new collection = %d, want 0", n)
	}
	if hits := query(t, st, store.Query{Sparse: sparse(1, 1), Limit: 5}); len(hits) != 0 {
		t.Fatalf("Query on an empty collection = %v, want none", hitIDs(hits))
	}
	if err := st.Upsert(ctx, nil); err != nil {
		t.Fatalf("Upsert(nil): %v", err)
	}
	upsert(t, st,
		store.Point{ID: ID(1), Sparse: sparse(1, 1), Payload: map[string]any{"doc_id": "a"}},
		store.Point{ID: ID(2), Sparse: sparse(1, 2), Payload: map[string]any{"doc_id": "b"}},
		store.Point{ID: ID(3), Sparse: sparse(2, 1), Payload: map[string]any{"doc_id": "c"}},
	)
	if n := count(t, st); n != 3 {
		t.Fatalf("Count = %d, want 3", n)
	}
	ensure(t, st, 0) // idempotent, keeps the points
	if n := count(t, st); n != 3 {
		t.Fatalf("Count after a second Ensure = %d, want 3", n)
	}
	if got := scrollIDs(t, st, store.Filter{}); !slices.Equal(got, []string{ID(1), ID(2), ID(3)}) {
		t.Fatalf("Scroll = %v", got)
	}
}

func testPayloadRoundTrip(t *testing.T, st store.Store) {
	ensure(t, st, 0)
	payload := map[string]any{
		store.FieldDocID:  "京政发〔2024〕1号",
		store.FieldRegion: []string{"朝阳区", "海淀区"},
		"title":           "关于进一步优化营商环境的若干措施",
		"empty":           "",
		"none":            []string{},
		"neg":             int64(-42),
		"big":             int64(1<<53 + 1), // not representable as float64
		"zero":            int64(0),
		"flag":            true,
		"off":             false,
		"ratio":           0.25,
		"whole":           float64(3), // stays a float64
	}
	upsert(t, st, store.Point{ID: ID(7), Sparse: sparse(5, 1), Payload: payload})
	pts, err := st.Scroll(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 1 || pts[0].ID != ID(7) {
		t.Fatalf("Scroll = %+v", pts)
	}
	if !reflect.DeepEqual(pts[0].Payload, payload) {
		t.Errorf("Scroll payload:\n got %#v\nwant %#v", pts[0].Payload, payload)
	}
	hits := query(t, st, store.Query{Sparse: sparse(5, 1), Limit: 1})
	if len(hits) != 1 || !reflect.DeepEqual(hits[0].Payload, payload) {
		t.Errorf("Query hit payload:\n got %#v\nwant %#v", hits, payload)
	}
}

func testUpsertReplaces(t *testing.T, st store.Store) {
	ensure(t, st, 0)
	upsert(t, st,
		store.Point{ID: ID(1), Sparse: sparse(1, 1), Payload: map[string]any{"hash": "a", "old": "x"}},
		store.Point{ID: ID(2), Sparse: sparse(3, 1), Payload: map[string]any{"hash": "z"}},
	)
	upsert(t, st, store.Point{ID: ID(1), Sparse: sparse(2, 1), Payload: map[string]any{"hash": "b"}})
	if n := count(t, st); n != 2 {
		t.Fatalf("Count after replacing = %d, want 2", n)
	}
	pts, err := st.Scroll(context.Background(), store.Filter{Must: []store.Condition{{Field: store.FieldHash, Match: "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 1 || pts[0].ID != ID(1) || !reflect.DeepEqual(pts[0].Payload, map[string]any{"hash": "b"}) {
		t.Fatalf("replaced point = %+v, want only payload {hash: b}", pts)
	}
	if hits := query(t, st, store.Query{Sparse: sparse(1, 1), Limit: 5}); len(hits) != 0 {
		t.Errorf("the old sparse vector still matches: %v", hitIDs(hits))
	}
	if hits := query(t, st, store.Query{Sparse: sparse(2, 1), Limit: 5}); len(hits) != 1 || hits[0].ID != ID(1) {
		t.Errorf("the new sparse vector does not match: %v", hitIDs(hits))
	}
}

// testSparseIDF: index 10 (A) is common, index 20 (B) rare, so with IDF
// d2 {B:1} beats d1 {A:3} although the raw dot product says the opposite;
// adding points that hold B lowers its IDF and the order flips back.
func testSparseIDF(t *testing.T, st store.Store) {
	ensure(t, st, 0)
	const A, B, C = 10, 20, 30
	w := map[int]store.SparseVec{
		1: sparse(A, 3),
		2: sparse(B, 1),
		3: sparse(A, 0.5, C, 1),
		4: sparse(A, 0.4, C, 1),
		5: sparse(A, 0.3, C, 1),
		6: sparse(C, 1), // shares nothing with the query
	}
	for i := 1; i <= 6; i++ {
		upsert(t, st, store.Point{ID: ID(i), Sparse: w[i], Payload: map[string]any{"n": int64(i)}})
	}
	q := store.Query{Sparse: sparse(A, 1, B, 1), Limit: 10}
	ia, ib := idf(6, 4), idf(6, 1)
	checkRanking(t, "IDF over 6 points", query(t, st, q), []want{
		{ID(2), 1 * ib}, {ID(1), 3 * ia}, {ID(3), 0.5 * ia}, {ID(4), 0.4 * ia}, {ID(5), 0.3 * ia},
	})
	q.Limit = 2
	checkRanking(t, "limit 2", query(t, st, q), []want{{ID(2), 1 * ib}, {ID(1), 3 * ia}})

	for i, v := range []float64{0.9, 0.8, 0.7, 0.6} {
		upsert(t, st, store.Point{ID: ID(7 + i), Sparse: sparse(B, v)})
	}
	ia, ib = idf(10, 4), idf(10, 5)
	q.Limit = 20
	checkRanking(t, "IDF after the collection grew to 10 points", query(t, st, q), []want{
		{ID(1), 3 * ia}, {ID(2), 1 * ib}, {ID(7), 0.9 * ib}, {ID(8), 0.8 * ib}, {ID(9), 0.7 * ib},
		{ID(3), 0.5 * ia}, {ID(10), 0.6 * ib}, {ID(4), 0.4 * ia}, {ID(5), 0.3 * ia},
	})
}

// testDenseCosine: cosine, not dot product, decides (e2 has the largest dot
// product but a worse angle than e1); a point without a dense vector is not
// ranked by it.
func testDenseCosine(t *testing.T, st store.Store) {
	ensure(t, st, 3)
	vecs := map[int][]float32{
		1: {1, 0.1, 0},
		2: {5, 5, 0},
		3: {0, 2, 0},
		4: {-1, 0.5, 0},
		5: {3, 0, 4},
	}
	for i := 1; i <= 5; i++ {
		upsert(t, st, store.Point{ID: ID(i), Sparse: sparse(1, 1), Dense: vecs[i]})
	}
	upsert(t, st, store.Point{ID: ID(6), Sparse: sparse(1, 1)}) // no dense vector
	q := store.Query{Dense: []float32{2, 0, 0}, Limit: 10}
	checkRanking(t, "cosine", query(t, st, q), []want{
		{ID(1), 1 / math.Sqrt(1.01)}, {ID(2), 1 / math.Sqrt2}, {ID(5), 0.6}, {ID(3), 0}, {ID(4), -1 / math.Sqrt(1.25)},
	})
	q.Limit = 2
	checkRanking(t, "cosine limit 2", query(t, st, q), []want{{ID(1), 1 / math.Sqrt(1.01)}, {ID(2), 1 / math.Sqrt2}})
	if hits := query(t, st, store.Query{Sparse: sparse(1, 1), Limit: 10}); len(hits) != 6 {
		t.Errorf("sparse query over the dense collection: %d hits, want 6", len(hits))
	}
}

// Hybrid fixture: sparse order X P1 Y P2 P3 P4 Z, dense order P3 P4 Y P1 P2
// X (Z has no dense vector). The fused order depends on k: with k=2 it is
// P3 X P1 Y P4 P2 Z, with k=60 P3 P1 Y X P4 P2 Z.
const (
	hX, hP1, hY, hP2, hP3, hP4, hZ = 1, 2, 3, 4, 5, 6, 7
)

func hybridFixture(t *testing.T, st store.Store) (sparseOrder, denseOrder []int) {
	ensure(t, st, 2)
	sparseOrder = []int{hX, hP1, hY, hP2, hP3, hP4, hZ}
	denseOrder = []int{hP3, hP4, hY, hP1, hP2, hX}
	var pts []store.Point
	for rank, id := range sparseOrder {
		p := store.Point{ID: ID(id), Sparse: sparse(1, float64(7-rank)), Payload: map[string]any{store.FieldDocID: fmt.Sprint(id)}}
		if j := slices.Index(denseOrder, id); j >= 0 {
			angle := float64(j) * 10 * math.Pi / 180
			mag := float64(1 + (id*3)%5) // magnitudes vary: only the angle counts
			p.Dense = []float32{float32(mag * math.Cos(angle)), float32(mag * math.Sin(angle))}
		}
		pts = append(pts, p)
	}
	upsert(t, st, pts...)
	return sparseOrder, denseOrder
}

// fuse computes the expected RRF ranking of the given lists.
func fuse(lists ...[]int) []want { return fuseK(store.RRFK, lists...) }

func fuseK(k int, lists ...[]int) []want {
	score := map[int]float64{}
	for _, l := range lists {
		for rank, id := range l {
			score[id] += 1 / float64(k+rank)
		}
	}
	var out []want
	for id, s := range score {
		out = append(out, want{ID(id), s})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].id < out[j].id
	})
	return out
}

func wantIDs(ws []want) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.id
	}
	return out
}

func without(l []int, drop int) []int {
	return slices.DeleteFunc(slices.Clone(l), func(x int) bool { return x == drop })
}

func testHybridRRF(t *testing.T, st store.Store) {
	sparseOrder, denseOrder := hybridFixture(t, st)
	qs, qd := sparse(1, 1), []float32{1, 0}

	// Each list alone.
	got := hitIDs(query(t, st, store.Query{Sparse: qs, Limit: 10}))
	if want := idsOf(sparseOrder); !slices.Equal(got, want) {
		t.Fatalf("sparse order = %v, want %v", got, want)
	}
	got = hitIDs(query(t, st, store.Query{Dense: qd, Limit: 10}))
	if want := idsOf(denseOrder); !slices.Equal(got, want) {
		t.Fatalf("dense order = %v, want %v", got, want)
	}

	exp := fuse(sparseOrder, denseOrder)
	other := 60 // the paper's constant, or Qdrant's default when RRFK is 60
	if store.RRFK == 60 {
		other = 2
	}
	if slices.Equal(wantIDs(exp), wantIDs(fuseK(other, sparseOrder, denseOrder))) {
		t.Fatalf("fixture: the fused order %v does not depend on k", exp)
	}
	checkRanking(t, "RRF", query(t, st, store.Query{Sparse: qs, Dense: qd, Limit: 10}), exp)
	checkRanking(t, "RRF limit 3", query(t, st, store.Query{Sparse: qs, Dense: qd, Limit: 3}), exp[:3])

	// PrefetchLimit cuts each list before fusion.
	checkRanking(t, "RRF prefetch 3", query(t, st, store.Query{Sparse: qs, Dense: qd, Limit: 10, PrefetchLimit: 3}),
		fuse(sparseOrder[:3], denseOrder[:3]))

	// The filter applies inside each prefetch: ranks close up around X.
	f := store.Filter{MustNot: []store.Condition{{Field: store.FieldDocID, Match: fmt.Sprint(hX)}}}
	checkRanking(t, "RRF with filter", query(t, st, store.Query{Sparse: qs, Dense: qd, Filter: f, Limit: 10}),
		fuse(without(sparseOrder, hX), without(denseOrder, hX)))
}

func idsOf(l []int) []string {
	out := make([]string, len(l))
	for i, n := range l {
		out[i] = ID(n)
	}
	return out
}

// filterFixture: six chunks of five documents. f5 has no region and no
// "current" field; f6 has an empty region list.
func filterFixture(t *testing.T, st store.Store) {
	ensure(t, st, 0)
	type doc map[string]any
	docs := []doc{
		{store.FieldDocID: "d1", store.FieldType: "policy", store.FieldStatus: "现行有效", store.FieldDepartment: "市教育局",
			store.FieldRegion: []string{"朝阳区", "海淀区"}, store.FieldEffective: int64(1600000000), store.FieldExpires: int64(0), "current": true, "rate": 0.5},
		{store.FieldDocID: "d1", store.FieldType: "policy", store.FieldStatus: "现行有效", store.FieldDepartment: "市教育局",
			store.FieldRegion: []string{"朝阳区", "海淀区"}, store.FieldEffective: int64(1600000000), store.FieldExpires: int64(0), "current": true, "rate": 1.5},
		{store.FieldDocID: "d2", store.FieldType: "faq", store.FieldStatus: "现行有效", store.FieldDepartment: "市人社局",
			store.FieldRegion: []string{"全市"}, store.FieldEffective: int64(1650000000), store.FieldExpires: int64(1900000000), "current": true, "rate": 2.5},
		{store.FieldDocID: "d3", store.FieldType: "policy", store.FieldStatus: "已废止", store.FieldDepartment: "市人社局",
			store.FieldRegion: []string{"海淀区"}, store.FieldEffective: int64(1500000000), store.FieldExpires: int64(1600000000), "current": false, "rate": 3.5},
		{store.FieldDocID: "d4", store.FieldType: "interpretation", store.FieldStatus: "现行有效", store.FieldDepartment: "区政府",
			store.FieldEffective: int64(1700000000), store.FieldExpires: int64(0), "rate": 4.5},
		{store.FieldDocID: "d5", store.FieldType: "guide", store.FieldStatus: "已修订", store.FieldDepartment: "市教育局",
			store.FieldRegion: []string{}, store.FieldEffective: int64(0), store.FieldExpires: int64(0), "current": false, "rate": -1.0},
	}
	var pts []store.Point
	for i, d := range docs {
		d[store.FieldHash] = fmt.Sprintf("h%d", i+1)
		pts = append(pts, store.Point{ID: ID(i + 1), Sparse: sparse(1, float64(10-i)), Payload: d})
	}
	upsert(t, st, pts...)
}

func f64(x float64) *float64 { return &x }

func match(field string, v any) store.Condition { return store.Condition{Field: field, Match: v} }

func testFilters(t *testing.T, st store.Store) {
	filterFixture(t, st)
	const now = 1800000000
	cases := []struct {
		name   string
		filter store.Filter
		want   []int
	}{
		{"zero filter", store.Filter{}, []int{1, 2, 3, 4, 5, 6}},
		{"match keyword", store.Filter{Must: []store.Condition{match(store.FieldType, "policy")}}, []int{1, 2, 4}},
		{"match doc_id", store.Filter{Must: []store.Condition{match(store.FieldDocID, "d1")}}, []int{1, 2}},
		{"match in list", store.Filter{Must: []store.Condition{match(store.FieldRegion, "海淀区")}}, []int{1, 2, 4}},
		{"match int64", store.Filter{Must: []store.Condition{match(store.FieldEffective, int64(1600000000))}}, []int{1, 2}},
		{"match bool", store.Filter{Must: []store.Condition{match("current", true)}}, []int{1, 2, 3}},
		{"match missing field", store.Filter{Must: []store.Condition{match("nope", "x")}}, nil},
		{"any", store.Filter{Must: []store.Condition{{Field: store.FieldDepartment, Any: []string{"市人社局", "区政府"}}}}, []int{3, 4, 5}},
		{"any in list", store.Filter{Must: []store.Condition{{Field: store.FieldRegion, Any: []string{"全市", "朝阳区"}}}}, []int{1, 2, 3}},
		{"range gte lt", store.Filter{Must: []store.Condition{{Field: store.FieldEffective, Range: &store.Range{GTE: f64(1600000000), LT: f64(1700000000)}}}}, []int{1, 2, 3}},
		{"range gt lte", store.Filter{Must: []store.Condition{{Field: store.FieldEffective, Range: &store.Range{GT: f64(1600000000), LTE: f64(1700000000)}}}}, []int{3, 5}},
		{"range float", store.Filter{Must: []store.Condition{{Field: "rate", Range: &store.Range{GT: f64(1), LTE: f64(3.5)}}}}, []int{2, 3, 4}},
		{"range open below", store.Filter{Must: []store.Condition{{Field: "rate", Range: &store.Range{LT: f64(1)}}}}, []int{1, 6}},
		{"must_not", store.Filter{MustNot: []store.Condition{match(store.FieldStatus, "已废止")}}, []int{1, 2, 3, 5, 6}},
		{"must_not list, missing and empty kept", store.Filter{MustNot: []store.Condition{match(store.FieldRegion, "海淀区")}}, []int{3, 5, 6}},
		{"must_not bool, missing kept", store.Filter{MustNot: []store.Condition{match("current", true)}}, []int{4, 5, 6}},
		{"validity", store.Filter{
			Must:    []store.Condition{{Field: store.FieldEffective, Range: &store.Range{LTE: f64(now)}}},
			MustNot: []store.Condition{{Field: store.FieldExpires, Range: &store.Range{GT: f64(0), LTE: f64(now)}}},
		}, []int{1, 2, 3, 5, 6}},
		{"must and must_not", store.Filter{
			Must:    []store.Condition{match(store.FieldType, "policy"), match(store.FieldDepartment, "市教育局")},
			MustNot: []store.Condition{match(store.FieldStatus, "已废止")},
		}, []int{1, 2}},
		{"two must_not", store.Filter{MustNot: []store.Condition{
			match(store.FieldType, "policy"), {Field: store.FieldStatus, Any: []string{"已修订"}},
		}}, []int{3, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := idsOf(tc.want)
			sort.Strings(want)
			if got := scrollIDs(t, st, tc.filter); !slices.Equal(got, want) {
				t.Errorf("Scroll = %v, want %v", got, want)
			}
			// Sparse weights fall with the point number, so the query keeps
			// the filtered points in id order.
			hits := query(t, st, store.Query{Sparse: sparse(1, 1), Filter: tc.filter, Limit: 20})
			if got := hitIDs(hits); !slices.Equal(got, idsOf(tc.want)) {
				t.Errorf("Query = %v, want %v", got, idsOf(tc.want))
			}
		})
	}
}

func testDelete(t *testing.T, st store.Store) {
	filterFixture(t, st)
	ctx := context.Background()
	steps := []struct {
		filter store.Filter
		left   []int
	}{
		{store.Filter{Must: []store.Condition{match(store.FieldDocID, "d1")}}, []int{3, 4, 5, 6}},
		{store.Filter{Must: []store.Condition{{Field: store.FieldType, Any: []string{"faq", "guide"}}}}, []int{4, 5}},
		{store.Filter{Must: []store.Condition{match(store.FieldDocID, "no such document")}}, []int{4, 5}},
		{store.Filter{MustNot: []store.Condition{match(store.FieldStatus, "已废止")}}, []int{4}},
		{store.Filter{}, nil},
	}
	for i, s := range steps {
		if err := st.Delete(ctx, s.filter); err != nil {
			t.Fatalf("step %d: Delete(%+v): %v", i, s.filter, err)
		}
		if n := count(t, st); n != len(s.left) {
			t.Errorf("step %d: Count = %d, want %d", i, n, len(s.left))
		}
		if got := scrollIDs(t, st, store.Filter{}); !slices.Equal(got, idsOf(s.left)) {
			t.Errorf("step %d: left %v, want %v", i, got, idsOf(s.left))
		}
		if got := hitIDs(query(t, st, store.Query{Sparse: sparse(1, 1), Limit: 20})); !slices.Equal(got, idsOf(s.left)) {
			t.Errorf("step %d: Query finds %v, want %v", i, got, idsOf(s.left))
		}
	}
}

func testScrollByHash(t *testing.T, st store.Store) {
	ensure(t, st, 2)
	for i := 1; i <= 3; i++ {
		upsert(t, st, store.Point{
			ID: ID(i), Sparse: sparse(float64(i), 1), Dense: []float32{1, float32(i)},
			Payload: map[string]any{store.FieldDocID: "doc", store.FieldHash: fmt.Sprintf("h%d", i)},
		})
	}
	pts, err := st.Scroll(context.Background(), store.Filter{Must: []store.Condition{match(store.FieldHash, "h2")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 1 || pts[0].ID != ID(2) {
		t.Fatalf("Scroll(hash=h2) = %+v, want point %s", pts, ID(2))
	}
	if want := map[string]any{store.FieldDocID: "doc", store.FieldHash: "h2"}; !reflect.DeepEqual(pts[0].Payload, want) {
		t.Errorf("payload = %#v, want %#v", pts[0].Payload, want)
	}
	if len(pts[0].Sparse.Indices) != 0 || pts[0].Dense != nil {
		t.Errorf("Scroll returned vectors: %+v", pts[0])
	}
	all, err := st.Scroll(context.Background(), store.Filter{Must: []store.Condition{match(store.FieldDocID, "doc")}})
	if err != nil || len(all) != 3 {
		t.Fatalf("Scroll(doc_id) = %d points, %v; want 3", len(all), err)
	}
}

// testManyPoints upserts more points than one batch or scroll page holds.
func testManyPoints(t *testing.T, st store.Store) {
	ensure(t, st, 0)
	const n = 1000
	pts := make([]store.Point, n)
	var want, want7 []string
	for i := range pts {
		pts[i] = store.Point{ID: ID(i), Sparse: sparse(float64(i%50), 1, 1000, float64(i+1)), Payload: map[string]any{"group": int64(i % 7)}}
		want = append(want, ID(i))
		if i%7 == 0 {
			want7 = append(want7, ID(i))
		}
	}
	upsert(t, st, pts...)
	if c := count(t, st); c != n {
		t.Fatalf("Count = %d, want %d", c, n)
	}
	if got := scrollIDs(t, st, store.Filter{}); !slices.Equal(got, want) {
		t.Fatalf("Scroll returned %d ids (want %d, all distinct and present)", len(got), n)
	}
	if got := scrollIDs(t, st, store.Filter{Must: []store.Condition{match("group", int64(0))}}); !slices.Equal(got, want7) {
		t.Fatalf("Scroll(group=0) returned %d ids, want %d", len(got), len(want7))
	}
	hits := query(t, st, store.Query{Sparse: sparse(1000, 1), Limit: 3})
	if got := hitIDs(hits); !slices.Equal(got, []string{ID(999), ID(998), ID(997)}) {
		t.Errorf("top 3 = %v", got)
	}
}
