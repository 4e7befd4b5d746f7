package mem

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/govchat/govchat/internal/store"
)

var ctx = context.Background()

func sv(pairs ...float64) store.SparseVec {
	var v store.SparseVec
	for i := 0; i < len(pairs); i += 2 {
		v.Indices = append(v.Indices, uint32(pairs[i]))
		v.Values = append(v.Values, float32(pairs[i+1]))
	}
	return v
}

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ensure(ctx, store.Schema{Name: "test", DenseSize: 2}); err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(hits []store.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func fill(t *testing.T, s *Store) {
	t.Helper()
	pts := []store.Point{
		{ID: "a", Sparse: sv(1, 1, 2, 1), Dense: []float32{1, 0}, Payload: map[string]any{"type": "faq", "dept": "人社局", "n": 1, "tags": []string{"x", "y"}}},
		{ID: "b", Sparse: sv(1, 1), Dense: []float32{0, 1}, Payload: map[string]any{"type": "policy", "dept": "医保局", "n": 5}},
		{ID: "c", Sparse: sv(3, 2), Dense: []float32{1, 1}, Payload: map[string]any{"type": "policy", "n": 9.5}},
	}
	if err := s.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
}

func TestSparseIDFScores(t *testing.T) {
	s := open(t, "")
	fill(t, s)
	hits, err := s.Query(ctx, store.Query{Sparse: sv(1, 1, 2, 1), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(hits); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("hits = %v", got)
	}
	// a: idf(1)*1 + idf(2)*1 with N=3, df(1)=2, df(2)=1.
	want := IDF(3, 2) + IDF(3, 1)
	if math.Abs(hits[0].Score-want) > 1e-5 {
		t.Errorf("score a = %v, want %v", hits[0].Score, want)
	}
	if math.Abs(hits[1].Score-IDF(3, 2)) > 1e-5 {
		t.Errorf("score b = %v, want %v", hits[1].Score, IDF(3, 2))
	}
	// Deleting a point changes document frequencies.
	if err := s.Delete(ctx, store.Filter{Must: []store.Condition{{Field: "type", Match: "faq"}}}); err != nil {
		t.Fatal(err)
	}
	hits, _ = s.Query(ctx, store.Query{Sparse: sv(1, 1), Limit: 10})
	if got := ids(hits); len(got) != 1 || got[0] != "b" || math.Abs(hits[0].Score-IDF(2, 1)) > 1e-5 {
		t.Fatalf("after delete: %v %v", got, hits)
	}
}

func TestFilters(t *testing.T) {
	s := open(t, "")
	fill(t, s)
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name   string
		filter store.Filter
		want   string
	}{
		{"match string", store.Filter{Must: []store.Condition{{Field: "type", Match: "policy"}}}, "b,c"},
		{"match int", store.Filter{Must: []store.Condition{{Field: "n", Match: 5}}}, "b"},
		{"match list element", store.Filter{Must: []store.Condition{{Field: "tags", Match: "y"}}}, "a"},
		{"any", store.Filter{Must: []store.Condition{{Field: "dept", Any: []string{"人社局", "医保局"}}}}, "a,b"},
		{"range", store.Filter{Must: []store.Condition{{Field: "n", Range: &store.Range{GT: f(1), LTE: f(9.5)}}}}, "b,c"},
		{"must not missing field passes", store.Filter{MustNot: []store.Condition{{Field: "dept", Match: "人社局"}}}, "b,c"},
		{"must and must not", store.Filter{Must: []store.Condition{{Field: "type", Match: "policy"}}, MustNot: []store.Condition{{Field: "n", Range: &store.Range{GTE: f(9)}}}}, "b"},
		{"missing field never matches", store.Filter{Must: []store.Condition{{Field: "nope", Match: "x"}}}, ""},
	}
	for _, tt := range tests {
		pts, err := s.Scroll(ctx, tt.filter)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := ""
		for i, p := range pts {
			if i > 0 {
				got += ","
			}
			got += p.ID
		}
		if got != tt.want {
			t.Errorf("%s: scroll = %q, want %q", tt.name, got, tt.want)
		}
		// The same filter applies to queries.
		hits, err := s.Query(ctx, store.Query{Dense: []float32{1, 1}, Filter: tt.filter, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != len(pts) {
			t.Errorf("%s: query returned %v, scroll %q", tt.name, ids(hits), got)
		}
	}
	if _, err := s.Scroll(ctx, store.Filter{Must: []store.Condition{{Field: "type"}}}); err == nil {
		t.Error("condition without a test was accepted")
	}
}

func TestDenseAndFusion(t *testing.T) {
	s := open(t, "")
	fill(t, s)
	hits, err := s.Query(ctx, store.Query{Dense: []float32{2, 0}, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(hits); got[0] != "a" || got[1] != "c" || got[2] != "b" || math.Abs(hits[0].Score-1) > 1e-6 {
		t.Fatalf("dense = %v %v", got, hits)
	}
	// Sparse ranks a, b; dense ranks b, c, a: RRF with k=2.
	hits, err = s.Query(ctx, store.Query{Sparse: sv(1, 1), Dense: []float32{0, 1}, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	// a: sparse pos 0 (tie on value 1: a older), dense pos 2;
	// b: sparse pos 1, dense pos 0; c: dense pos 1 only.
	k := float64(store.RRFK)
	if got := ids(hits); len(got) != 3 || got[0] != "b" || got[1] != "a" || got[2] != "c" {
		t.Fatalf("fused = %v", got)
	}
	if math.Abs(hits[0].Score-(1/(k+1)+1/k)) > 1e-9 {
		t.Errorf("fused score = %v", hits[0].Score)
	}
}

func TestUpsertReplacesAndValidates(t *testing.T) {
	s := open(t, "")
	fill(t, s)
	if err := s.Upsert(ctx, []store.Point{{ID: "a", Sparse: sv(3, 1)}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx); n != 3 {
		t.Errorf("count = %d", n)
	}
	hits, _ := s.Query(ctx, store.Query{Sparse: sv(2, 1), Limit: 10})
	if len(hits) != 0 {
		t.Errorf("old vector still indexed: %v", ids(hits))
	}
	bad := []store.Point{
		{ID: "", Sparse: sv(1, 1)},
		{ID: "x", Sparse: store.SparseVec{Indices: []uint32{1, 1}, Values: []float32{1, 2}}},
		{ID: "x", Sparse: store.SparseVec{Indices: []uint32{1}, Values: nil}},
		{ID: "x", Dense: []float32{1, 2, 3}},
		{ID: "x", Sparse: sv(1, math.NaN())},
		{ID: "x", Payload: map[string]any{"f": func() {}}},
	}
	for i, p := range bad {
		if err := s.Upsert(ctx, []store.Point{p}); err == nil {
			t.Errorf("bad point %d accepted", i)
		}
	}
	// Unsorted indices are sorted.
	if err := s.Upsert(ctx, []store.Point{{ID: "u", Sparse: store.SparseVec{Indices: []uint32{9, 4}, Values: []float32{1, 2}}}}); err != nil {
		t.Fatal(err)
	}
	hits, _ = s.Query(ctx, store.Query{Sparse: sv(4, 1), Limit: 1})
	if len(hits) != 1 || hits[0].ID != "u" {
		t.Errorf("unsorted point not found: %v", hits)
	}
	if err := s.Ensure(ctx, store.Schema{Name: "test", DenseSize: 3}); err == nil {
		t.Error("dense size change accepted")
	}
}

// crash leaves the directory as a killed process would: no snapshot on
// close, lock released.
func crash(s *Store) {
	s.wal.close()
	s.lock.release()
}

func TestPersistenceAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	fill(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	if n, _ := s.Count(ctx); n != 3 {
		t.Fatalf("count after reopen = %d", n)
	}
	hits, _ := s.Query(ctx, store.Query{Sparse: sv(1, 1, 2, 1), Limit: 10})
	if got := ids(hits); len(got) != 2 || got[0] != "a" {
		t.Fatalf("hits after reopen = %v", got)
	}
	pts, _ := s.Scroll(ctx, store.Filter{Must: []store.Condition{{Field: "n", Match: 5}}})
	if len(pts) != 1 || pts[0].ID != "b" || pts[0].Payload["dept"] != "医保局" {
		t.Fatalf("payload after reopen = %+v", pts)
	}
	// Changes after the snapshot survive a crash through the log.
	if err := s.Delete(ctx, store.Filter{Must: []store.Condition{{Field: "type", Match: "faq"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Upsert(ctx, []store.Point{{ID: "d", Sparse: sv(7, 1), Payload: map[string]any{"k": "v"}}}); err != nil {
		t.Fatal(err)
	}
	crash(s)
	s = open(t, dir)
	defer s.Close()
	pts, _ = s.Scroll(ctx, store.Filter{})
	if got := fmt.Sprint(pointIDs(pts)); got != "[b c d]" {
		t.Fatalf("after crash = %s", got)
	}
	hits, _ = s.Query(ctx, store.Query{Sparse: sv(7, 1), Limit: 1})
	if len(hits) != 1 || hits[0].ID != "d" {
		t.Fatalf("replayed point not indexed: %v", hits)
	}
	if _, err := Open(dir); err == nil {
		t.Error("second open of a locked directory succeeded")
	}
}

func pointIDs(pts []store.Point) []string {
	var out []string
	for _, p := range pts {
		out = append(out, p.ID)
	}
	return out
}

func TestCrashSafety(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	fill(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	snap, _ := os.ReadFile(filepath.Join(dir, snapName))

	// 1. A torn temporary snapshot (a crash while writing the next one) and
	// a torn log record are discarded; the old state stays readable.
	s = open(t, dir)
	if err := s.Upsert(ctx, []store.Point{{ID: "e", Sparse: sv(8, 1)}}); err != nil {
		t.Fatal(err)
	}
	crash(s)
	os.WriteFile(filepath.Join(dir, snapName+tmpExt), snap[:len(snap)/2], 0o644)
	f, _ := os.OpenFile(filepath.Join(dir, walName), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 'U', 1}) // frame header promising 200 bytes
	f.Close()
	s = open(t, dir)
	pts, _ := s.Scroll(ctx, store.Filter{})
	if got := fmt.Sprint(pointIDs(pts)); got != "[a b c e]" {
		t.Fatalf("after torn writes = %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, snapName+tmpExt)); !errors.Is(err, os.ErrNotExist) {
		t.Error("temporary file not removed")
	}
	// The log is usable again after the torn tail was cut.
	if err := s.Upsert(ctx, []store.Point{{ID: "f", Sparse: sv(9, 1)}}); err != nil {
		t.Fatal(err)
	}
	crash(s)
	s = open(t, dir)
	if n, _ := s.Count(ctx); n != 5 {
		t.Fatalf("count = %d, want 5", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// 2. A log from before the last snapshot (a crash between the snapshot
	// rename and the log reset) is ignored rather than replayed again.
	s = open(t, dir)
	if err := s.Delete(ctx, store.Filter{Must: []store.Condition{{Field: "type", Match: "faq"}}}); err != nil {
		t.Fatal(err)
	}
	staleLog, _ := os.ReadFile(filepath.Join(dir, walName)) // holds "delete a"
	if err := s.Upsert(ctx, []store.Point{{ID: "a", Sparse: sv(1, 1), Payload: map[string]any{"type": "faq"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // snapshot with a, new empty log
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, walName), staleLog, 0o644)
	s = open(t, dir)
	if n, _ := s.Count(ctx); n != 5 {
		t.Fatalf("count with a stale log = %d, want 5", n)
	}
	s.Close()

	// 3. A damaged snapshot is reported, not silently emptied.
	snap, _ = os.ReadFile(filepath.Join(dir, snapName))
	snap[len(snap)/2] ^= 0xff
	os.WriteFile(filepath.Join(dir, snapName), snap, 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open of corrupt snapshot: %v", err)
	}
}

func TestLargeLogIsCompacted(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	pts := make([]store.Point, 0, 1000)
	for i := range 1000 {
		pts = append(pts, store.Point{ID: fmt.Sprint(i), Sparse: sv(float64(i%50), 1, float64(100+i), 2), Payload: map[string]any{"i": i}})
	}
	for range 3 {
		if err := s.Upsert(ctx, pts); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	s.snapshot()
	s.mu.Unlock()
	crash(s)
	s = open(t, dir)
	defer s.Close()
	if n, _ := s.Count(ctx); n != 1000 {
		t.Fatalf("count = %d", n)
	}
	hits, _ := s.Query(ctx, store.Query{Sparse: sv(107, 1), Limit: 3})
	if len(hits) != 1 || hits[0].ID != "7" || hits[0].Payload["i"] != int64(7) {
		t.Fatalf("hits = %+v", hits)
	}
}

// A Rebuildable store (the index) moves a damaged directory aside and
// starts empty, and empties itself for another schema, instead of failing:
// the next sync rebuilds it.
func TestRebuildable(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "index")
	s := open(t, dir)
	if err := s.Upsert(ctx, []store.Point{{ID: "a", Sparse: sv(1, 1), Dense: []float32{1, 0}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Another dense size: emptied, with the new schema, also after a restart.
	s, err := Open(dir, Rebuildable())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ensure(ctx, store.Schema{Name: "test", DenseSize: 0}); err != nil {
		t.Fatalf("ensure with another dense size: %v", err)
	}
	if n, _ := s.Count(ctx); n != 0 {
		t.Fatalf("count after a schema change = %d, want 0", n)
	}
	if err := s.Upsert(ctx, []store.Point{{ID: "b", Sparse: sv(2, 1)}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir, Rebuildable())
	if err != nil {
		t.Fatal(err)
	}
	if sc, _ := s.Schema(); sc.DenseSize != 0 {
		t.Errorf("schema after restart = %+v", sc)
	}
	if n, _ := s.Count(ctx); n != 1 {
		t.Errorf("count after restart = %d, want 1", n)
	}
	s.Close()

	// A damaged snapshot: moved aside, and the store opens empty.
	snap, _ := os.ReadFile(filepath.Join(dir, snapName))
	snap[len(snap)/2] ^= 0xff
	os.WriteFile(filepath.Join(dir, snapName), snap, 0o644)
	s, err = Open(dir, Rebuildable())
	if err != nil {
		t.Fatalf("open of a damaged rebuildable index: %v", err)
	}
	defer s.Close()
	if n, _ := s.Count(ctx); n != 0 {
		t.Errorf("count after recovery = %d, want 0", n)
	}
	aside, _ := filepath.Glob(dir + ".corrupt-*")
	if len(aside) != 1 {
		t.Errorf("damaged index not moved aside: %v", aside)
	}
}

// Rebuild swaps in a new collection in one step; a failed fill leaves the
// old one; the directory stays locked meanwhile.
func TestRebuildSwaps(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	fill(t, s)
	err := s.Rebuild(ctx, func(ctx context.Context, dst store.Store) error {
		if _, err := Open(dir); !errors.Is(err, ErrLocked) {
			t.Errorf("second open during a rebuild: %v", err)
		}
		if err := dst.Ensure(ctx, store.Schema{Name: "test", DenseSize: 2}); err != nil {
			return err
		}
		return dst.Upsert(ctx, []store.Point{{ID: "new", Sparse: sv(1, 1)}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Rebuild(ctx, func(context.Context, store.Store) error { return errors.New("embedding server down") }); err == nil {
		t.Fatal("a failed fill was not reported")
	}
	crash(s) // the swap is on disk without a close
	s = open(t, dir)
	defer s.Close()
	pts, _ := s.Scroll(ctx, store.Filter{})
	if got := fmt.Sprint(pointIDs(pts)); got != "[new]" {
		t.Fatalf("after rebuild = %s", got)
	}
}

// walWithRecords leaves dir with a snapshot and a log of three records, as a
// crash after three upserts does.
func walWithRecords(t *testing.T, dir string) []byte {
	t.Helper()
	s := open(t, dir)
	fill(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	for _, id := range []string{"x", "y", "z"} {
		if err := s.Upsert(ctx, []store.Point{{ID: id, Sparse: sv(9, 1), Payload: map[string]any{"k": id}}}); err != nil {
			t.Fatal(err)
		}
	}
	crash(s)
	data, err := os.ReadFile(filepath.Join(dir, walName))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A damaged record in the middle of the log is corruption — reported, and
// a rebuildable index moved aside — not a torn tail silently cut off with
// the records after it; a torn last record is still a torn tail.
func TestWALCorruptionIsNotATornTail(t *testing.T) {
	frames := func(data []byte) []int { // start of each frame
		var at []int
		for i := walHeaderSize; i+8 <= len(data); {
			at = append(at, i)
			i += 8 + int(binary.LittleEndian.Uint32(data[i:]))
		}
		return at
	}
	for _, tc := range []struct {
		name    string
		damage  func(data []byte) []byte
		corrupt bool
		count   int
	}{
		{"bit flip in the first record's body", func(d []byte) []byte { d[frames(d)[0]+12] ^= 0x10; return d }, true, 0},
		{"bit flip in the second record's length", func(d []byte) []byte { d[frames(d)[1]+2] ^= 0x40; return d }, true, 0},
		{"bit flip in the last record", func(d []byte) []byte { d[len(d)-3] ^= 0x01; return d }, false, 5},
		{"last record cut short", func(d []byte) []byte { return d[:len(d)-5] }, false, 5},
		{"header of a new record cut short", func(d []byte) []byte { return append(d, 7, 0, 0) }, false, 6},
		{"zeros after the last record", func(d []byte) []byte { return append(d, make([]byte, 4096)...) }, false, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			data := tc.damage(walWithRecords(t, dir))
			os.WriteFile(filepath.Join(dir, walName), data, 0o644)
			s, err := Open(dir)
			if tc.corrupt != errors.Is(err, ErrCorrupt) {
				t.Fatalf("open: %v, want corrupt=%v", err, tc.corrupt)
			}
			if !tc.corrupt {
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if n, _ := s.Count(ctx); n != tc.count {
					t.Errorf("count = %d, want %d", n, tc.count)
				}
				return
			}
			// The index is derived data: moved aside, and opened empty for
			// the sync to rebuild.
			s, err = Open(dir, Rebuildable())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if n, _ := s.Count(ctx); n != tc.count {
				t.Errorf("count after recovery = %d, want %d", n, tc.count)
			}
			if aside, _ := filepath.Glob(dir + ".corrupt-*"); len(aside) != 1 {
				t.Errorf("damaged index not moved aside: %v", aside)
			}
		})
	}
}
