package qdrant_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/qdrant/go-client/qdrant"

	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/store/qdrant"
	"github.com/govchat/govchat/internal/store/qdrant/qdranttest"
	"github.com/govchat/govchat/internal/store/storetest"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)) }

func open(t *testing.T, cfg qdrant.Config) *qdrant.Store {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	st, err := qdrant.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestConformanceFake runs the store conformance suite against the
// in-process fake Qdrant.
func TestConformanceFake(t *testing.T) {
	srv := qdranttest.Start(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, qdrant.Config{
			URL:        srv.Addr(),
			Collection: fmt.Sprintf("conformance%d", n.Add(1)),
			Timeout:    5 * time.Second,
			BatchSize:  100, // ManyPoints spans several batches
		})
	})
}

// TestConformanceReal runs the suite against a real Qdrant at
// GOVCHAT_TEST_QDRANT_URL (gRPC, e.g. localhost:6334), each subtest in its
// own alias, dropped afterwards.
func TestConformanceReal(t *testing.T) {
	url := os.Getenv("GOVCHAT_TEST_QDRANT_URL")
	if url == "" {
		t.Skip("GOVCHAT_TEST_QDRANT_URL is not set; start Qdrant (docker compose up -d qdrant) and set it to localhost:6334 to run the conformance suite against a real Qdrant")
	}
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	prefix := "govchat_conformance_" + hex.EncodeToString(rnd[:])
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		st := open(t, qdrant.Config{
			URL:        url,
			APIKey:     os.Getenv("GOVCHAT_TEST_QDRANT_API_KEY"),
			Collection: fmt.Sprintf("%s_%d", prefix, n.Add(1)),
			Timeout:    10 * time.Second,
		})
		t.Cleanup(func() {
			if err := st.Drop(context.Background()); err != nil {
				t.Errorf("drop %s: %v", st.Alias(), err)
			}
		})
		return st
	})
}

func requests[T any](t *testing.T, srv *qdranttest.Server, method string) []T {
	t.Helper()
	var out []T
	for _, r := range srv.Requests(method) {
		m, ok := r.Msg.(T)
		if !ok {
			t.Fatalf("%s request is %T", method, r.Msg)
		}
		out = append(out, m)
	}
	return out
}

// TestRequests asserts what the adapter sends: the collection schema, the
// payload indexes, batched upserts, prefetch + RRF, and filters.
func TestRequests(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	st := open(t, qdrant.Config{URL: srv.Addr(), Collection: "govchat", Shards: 3, Replicas: 2, BatchSize: 2})
	if err := st.Ensure(ctx, store.Schema{Name: "chunks", DenseSize: 4}); err != nil {
		t.Fatal(err)
	}

	creates := requests[*pb.CreateCollection](t, srv, "Create")
	if len(creates) != 1 {
		t.Fatalf("%d Create requests, want 1", len(creates))
	}
	cc := creates[0]
	if !strings.HasPrefix(cc.GetCollectionName(), "govchat_v") {
		t.Errorf("collection name %q, want a version of the alias", cc.GetCollectionName())
	}
	if cc.GetShardNumber() != 3 || cc.GetReplicationFactor() != 2 {
		t.Errorf("shards %d replicas %d, want 3 and 2", cc.GetShardNumber(), cc.GetReplicationFactor())
	}
	sp := cc.GetSparseVectorsConfig().GetMap()[store.SparseVector]
	if sp == nil || sp.GetModifier() != pb.Modifier_Idf {
		t.Errorf("sparse vector config %v, want %q with modifier Idf", cc.GetSparseVectorsConfig(), store.SparseVector)
	}
	dp := cc.GetVectorsConfig().GetParamsMap().GetMap()[store.DenseVector]
	if dp == nil || dp.GetSize() != 4 || dp.GetDistance() != pb.Distance_Cosine {
		t.Errorf("dense vector config %v, want %q size 4 cosine", cc.GetVectorsConfig(), store.DenseVector)
	}
	if got := srv.Aliases()["govchat"]; got != cc.GetCollectionName() {
		t.Errorf("alias govchat -> %q, want %q", got, cc.GetCollectionName())
	}

	indexes := map[string]pb.FieldType{}
	for _, r := range requests[*pb.CreateFieldIndexCollection](t, srv, "CreateFieldIndex") {
		indexes[r.GetFieldName()] = r.GetFieldType()
		if r.GetFieldType() == pb.FieldType_FieldTypeInteger {
			p := r.GetFieldIndexParams().GetIntegerIndexParams()
			if !p.GetRange() || !p.GetLookup() {
				t.Errorf("integer index %s without range+lookup: %v", r.GetFieldName(), p)
			}
		}
	}
	wantIdx := map[string]pb.FieldType{
		store.FieldDocID: pb.FieldType_FieldTypeKeyword, store.FieldType: pb.FieldType_FieldTypeKeyword,
		store.FieldStatus: pb.FieldType_FieldTypeKeyword, store.FieldDepartment: pb.FieldType_FieldTypeKeyword,
		store.FieldRegion: pb.FieldType_FieldTypeKeyword, store.FieldHash: pb.FieldType_FieldTypeKeyword,
		store.FieldDocNumber: pb.FieldType_FieldTypeKeyword,
		store.FieldEffective: pb.FieldType_FieldTypeInteger, store.FieldExpires: pb.FieldType_FieldTypeInteger,
	}
	for f, typ := range wantIdx {
		if got, ok := indexes[f]; !ok || got != typ {
			t.Errorf("payload index %s: got %v (present %v), want %v", f, got, ok, typ)
		}
	}

	// A second Ensure reuses the collection and creates nothing.
	srv.ResetRequests()
	if err := st.Ensure(ctx, store.Schema{Name: "chunks", DenseSize: 4}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests("Create")) + len(srv.Requests("CreateFieldIndex")); n != 0 {
		t.Errorf("second Ensure sent %d create requests", n)
	}

	// Upserts go in batches of BatchSize, each waiting for the write.
	srv.ResetRequests()
	var pts []store.Point
	for i := range 5 {
		pts = append(pts, store.Point{ID: storetest.ID(i), Sparse: store.SparseVec{Indices: []uint32{1, 7}, Values: []float32{1, 0.5}},
			Dense: []float32{1, 0, 0, float32(i)}, Payload: map[string]any{"doc_id": "d"}})
	}
	if err := st.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	ups := requests[*pb.UpsertPoints](t, srv, "Upsert")
	if len(ups) != 3 || len(ups[0].GetPoints()) != 2 || len(ups[2].GetPoints()) != 1 {
		t.Fatalf("upsert batches: %d requests", len(ups))
	}
	for _, u := range ups {
		if !u.GetWait() || u.GetCollectionName() != "govchat" {
			t.Errorf("upsert to %q wait=%v, want the alias and wait", u.GetCollectionName(), u.GetWait())
		}
	}
	vecs := ups[0].GetPoints()[0].GetVectors().GetVectors().GetVectors()
	if vecs[store.SparseVector].GetSparse() == nil || vecs[store.DenseVector].GetDense() == nil {
		t.Errorf("upserted vectors %v, want named sparse and dense", vecs)
	}

	// Hybrid query: two prefetches, filtered, fused by RRF with k = RRFK.
	srv.ResetRequests()
	filter := store.Filter{
		Must: []store.Condition{
			{Field: store.FieldType, Match: "policy"},
			{Field: store.FieldEffective, Range: &store.Range{LTE: ptr(1e9)}},
			{Field: "current", Match: true},
			{Field: "n", Match: int64(3)},
		},
		MustNot: []store.Condition{{Field: store.FieldStatus, Any: []string{"已废止", "已修订"}}},
	}
	_, err := st.Query(ctx, store.Query{
		Sparse: store.SparseVec{Indices: []uint32{1}, Values: []float32{1}},
		Dense:  []float32{1, 0, 0, 0}, Filter: filter, Limit: 5, PrefetchLimit: 30,
	})
	if err != nil {
		t.Fatal(err)
	}
	qs := requests[*pb.QueryPoints](t, srv, "Query")
	if len(qs) != 1 {
		t.Fatalf("%d Query requests", len(qs))
	}
	q := qs[0]
	if q.GetLimit() != 5 || q.GetWithPayload().GetEnable() != true {
		t.Errorf("limit %d with_payload %v", q.GetLimit(), q.GetWithPayload())
	}
	rrf := q.GetQuery().GetRrf()
	if rrf == nil || rrf.GetK() != store.RRFK {
		t.Errorf("fusion query %v, want RRF with k=%d", q.GetQuery(), store.RRFK)
	}
	if len(q.GetPrefetch()) != 2 {
		t.Fatalf("%d prefetches, want 2", len(q.GetPrefetch()))
	}
	for i, using := range []string{store.SparseVector, store.DenseVector} {
		p := q.GetPrefetch()[i]
		if p.GetUsing() != using || p.GetLimit() != 30 || p.GetQuery().GetNearest() == nil {
			t.Errorf("prefetch %d: using %q limit %d query %v", i, p.GetUsing(), p.GetLimit(), p.GetQuery())
		}
		checkFilter(t, p.GetFilter())
	}
	if q.GetPrefetch()[0].GetQuery().GetNearest().GetSparse() == nil || q.GetPrefetch()[1].GetQuery().GetNearest().GetDense() == nil {
		t.Error("prefetch vectors are not sparse then dense")
	}

	// Sparse alone: a nearest query using the sparse vector, no prefetch.
	srv.ResetRequests()
	if _, err := st.Query(ctx, store.Query{Sparse: store.SparseVec{Indices: []uint32{1}, Values: []float32{1}}, Filter: filter}); err != nil {
		t.Fatal(err)
	}
	q = requests[*pb.QueryPoints](t, srv, "Query")[0]
	if q.GetUsing() != store.SparseVector || len(q.GetPrefetch()) != 0 || q.GetQuery().GetNearest().GetSparse() == nil || q.GetLimit() != 10 {
		t.Errorf("sparse query: using %q, %d prefetches, query %v, limit %d", q.GetUsing(), len(q.GetPrefetch()), q.GetQuery(), q.GetLimit())
	}
	checkFilter(t, q.GetFilter())

	// Delete by filter, scroll without vectors.
	srv.ResetRequests()
	if err := st.Delete(ctx, filter); err != nil {
		t.Fatal(err)
	}
	del := requests[*pb.DeletePoints](t, srv, "Delete")[0]
	checkFilter(t, del.GetPoints().GetFilter())
	if !del.GetWait() {
		t.Error("delete does not wait")
	}
	if _, err := st.Scroll(ctx, store.Filter{}); err != nil {
		t.Fatal(err)
	}
	sc := requests[*pb.ScrollPoints](t, srv, "Scroll")[0]
	if sc.GetWithVectors().GetEnable() || !sc.GetWithPayload().GetEnable() || sc.GetFilter() != nil {
		t.Errorf("scroll: vectors %v payload %v filter %v", sc.GetWithVectors(), sc.GetWithPayload(), sc.GetFilter())
	}
}

func ptr[T any](v T) *T { return &v }

// checkFilter checks the mapping of the filter used in TestRequests.
func checkFilter(t *testing.T, f *pb.Filter) {
	t.Helper()
	if f == nil || len(f.GetMust()) != 4 || len(f.GetMustNot()) != 1 {
		t.Fatalf("filter %v: want 4 must and 1 must_not", f)
	}
	m := f.GetMust()
	if c := m[0].GetField(); c.GetKey() != store.FieldType || c.GetMatch().GetKeyword() != "policy" {
		t.Errorf("must[0] = %v", c)
	}
	if c := m[1].GetField(); c.GetKey() != store.FieldEffective || c.GetRange().Lte == nil || c.GetRange().GetLte() != 1e9 || c.GetRange().Gt != nil {
		t.Errorf("must[1] = %v", c)
	}
	if c := m[2].GetField(); c.GetMatch().GetMatchValue().(*pb.Match_Boolean) == nil || !c.GetMatch().GetBoolean() {
		t.Errorf("must[2] = %v", c)
	}
	if c := m[3].GetField(); c.GetMatch().GetInteger() != 3 {
		t.Errorf("must[3] = %v", c)
	}
	if c := f.GetMustNot()[0].GetField(); c.GetKey() != store.FieldStatus || strings.Join(c.GetMatch().GetKeywords().GetStrings(), ",") != "已废止,已修订" {
		t.Errorf("must_not[0] = %v", c)
	}
}

func TestEnsureDenseSizeMismatch(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	a := open(t, qdrant.Config{URL: srv.Addr(), Collection: "kb"})
	if err := a.Ensure(ctx, store.Schema{DenseSize: 3}); err != nil {
		t.Fatal(err)
	}
	b := open(t, qdrant.Config{URL: srv.Addr(), Collection: "kb"})
	err := b.Ensure(ctx, store.Schema{DenseSize: 5})
	if err == nil || !strings.Contains(err.Error(), "--rebuild") || !strings.Contains(err.Error(), "3 dimensions") {
		t.Fatalf("Ensure with another dense size: %v; want a mismatch error that suggests --rebuild", err)
	}
	if errors.Is(err, store.ErrUnavailable) {
		t.Error("a schema mismatch is not unavailability")
	}
	if err := b.Ensure(ctx, store.Schema{DenseSize: 0}); err != nil {
		t.Errorf("Ensure without dense vectors on a collection that has them: %v", err)
	}
}

// TestRebuild: readers keep the old collection while the new one fills;
// the alias then switches at once and the old collection is dropped; a
// failed fill leaves everything as it was.
func TestRebuild(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	st := open(t, qdrant.Config{URL: srv.Addr(), Collection: "kb"})
	other := open(t, qdrant.Config{URL: srv.Addr(), Collection: "kb"}) // another govchat instance
	if err := st.Ensure(ctx, store.Schema{}); err != nil {
		t.Fatal(err)
	}
	old := srv.Aliases()["kb"]
	oldPt := store.Point{ID: storetest.ID(1), Sparse: store.SparseVec{Indices: []uint32{1}, Values: []float32{1}}, Payload: map[string]any{"v": "old"}}
	if err := st.Upsert(ctx, []store.Point{oldPt}); err != nil {
		t.Fatal(err)
	}
	q := store.Query{Sparse: store.SparseVec{Indices: []uint32{1}, Values: []float32{1}}, Limit: 10}
	version := func(s store.Store) string {
		hits, err := s.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var vs []string
		for _, h := range hits {
			vs = append(vs, h.Payload["v"].(string))
		}
		return strings.Join(vs, ",")
	}

	err := st.Rebuild(ctx, func(ctx context.Context, dst store.Store) error {
		// As the engine does: scroll (nothing yet), then Ensure, then write.
		if pts, err := dst.Scroll(ctx, store.Filter{}); err != nil || len(pts) != 0 {
			t.Errorf("the new collection starts with %d points, %v", len(pts), err)
		}
		if err := dst.Ensure(ctx, store.Schema{DenseSize: 2}); err != nil {
			return err
		}
		for i := range 3 {
			p := store.Point{ID: storetest.ID(10 + i), Sparse: q.Sparse, Dense: []float32{1, 0}, Payload: map[string]any{"v": "new"}}
			if err := dst.Upsert(ctx, []store.Point{p}); err != nil {
				return err
			}
			if got := version(other); got != "old" {
				t.Errorf("during the rebuild another instance sees %q, want the old collection", got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	cur := srv.Aliases()["kb"]
	if cur == old || !strings.HasPrefix(cur, "kb_v") {
		t.Fatalf("alias kb -> %q (was %q)", cur, old)
	}
	if got := version(other); got != "new,new,new" {
		t.Errorf("after the switch another instance sees %q", got)
	}
	if cols := srv.Collections(); len(cols) != 1 || cols[0] != cur {
		t.Errorf("collections after rebuild: %v, want only %s", cols, cur)
	}
	// The switch was one atomic UpdateAliases: delete + create.
	ua := srv.Requests("UpdateAliases")
	last := ua[len(ua)-1].Msg.(*pb.ChangeAliases).GetActions()
	if len(last) != 2 || last[0].GetDeleteAlias() == nil || last[1].GetCreateAlias().GetCollectionName() != cur {
		t.Errorf("alias switch actions %v, want delete+create in one request", last)
	}
	if err := st.Ensure(ctx, store.Schema{DenseSize: 2}); err != nil {
		t.Errorf("Ensure with the rebuilt schema: %v", err)
	}

	// A failing fill drops the new collection and keeps the alias.
	boom := errors.New("boom")
	err = st.Rebuild(ctx, func(ctx context.Context, dst store.Store) error {
		if err := dst.Ensure(ctx, store.Schema{DenseSize: 2}); err != nil {
			return err
		}
		_ = dst.Upsert(ctx, []store.Point{oldPt})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Rebuild with a failing fill: %v", err)
	}
	if got := srv.Aliases()["kb"]; got != cur {
		t.Errorf("alias moved to %q after a failed rebuild", got)
	}
	if cols := srv.Collections(); len(cols) != 1 {
		t.Errorf("collections after a failed rebuild: %v", cols)
	}
	if err := st.Rebuild(ctx, func(context.Context, store.Store) error { return nil }); err == nil {
		t.Error("Rebuild whose fill never calls Ensure succeeded")
	}
	all, current, err := st.Versions(ctx)
	if err != nil || len(all) != 1 || current != cur {
		t.Errorf("Versions = %v, %q, %v", all, current, err)
	}
	if err := st.DropVersion(ctx, cur); err == nil {
		t.Error("DropVersion dropped the collection in use")
	}
}

// TestUnavailableAndRecovery stops the server mid-test: calls fail with
// ErrUnavailable within the timeout; after a restart on the same address
// the same Store works again.
func TestUnavailableAndRecovery(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	const timeout = 2 * time.Second
	st := open(t, qdrant.Config{URL: srv.Addr(), Collection: "kb", Timeout: timeout, Retries: 2})
	if err := st.Ensure(ctx, store.Schema{}); err != nil {
		t.Fatal(err)
	}
	pt := store.Point{ID: storetest.ID(1), Sparse: store.SparseVec{Indices: []uint32{1}, Values: []float32{1}}}
	if err := st.Upsert(ctx, []store.Point{pt}); err != nil {
		t.Fatal(err)
	}
	q := store.Query{Sparse: pt.Sparse, Limit: 1}

	srv.Stop()
	calls := map[string]func() error{
		"query":  func() error { _, err := st.Query(ctx, q); return err },
		"count":  func() error { _, err := st.Count(ctx); return err },
		"scroll": func() error { _, err := st.Scroll(ctx, store.Filter{}); return err },
		"upsert": func() error { return st.Upsert(ctx, []store.Point{pt}) },
		"delete": func() error { return st.Delete(ctx, store.Filter{Must: []store.Condition{{Field: "x", Match: "y"}}}) },
		"ensure": func() error { return st.Ensure(ctx, store.Schema{}) },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with Qdrant stopped: %v, want ErrUnavailable", name, err)
		}
		// Writes retry (2 attempts, 200ms apart); reads fail at once.
		if took > 2*timeout+time.Second {
			t.Errorf("%s took %s with Qdrant stopped", name, took)
		}
		t.Logf("%s failed after %s: %v", name, took.Round(time.Millisecond), err)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var err error
	for time.Since(start) < 10*time.Second {
		var hits []store.Hit
		if hits, err = st.Query(ctx, q); err == nil {
			if len(hits) != 1 {
				t.Fatalf("after recovery: %d hits", len(hits))
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("no recovery 10s after the restart: %v", err)
	}
	t.Logf("recovered %s after the restart", time.Since(start).Round(time.Millisecond))
	if n, err := st.Count(ctx); err != nil || n != 1 {
		t.Errorf("Count after recovery = %d, %v", n, err)
	}
}

// TestHungServer: a Qdrant that accepts but does not answer gives
// ErrUnavailable after the per-call timeout, not a hang.
func TestHungServer(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	st := open(t, qdrant.Config{URL: srv.Addr(), Collection: "kb", Timeout: 300 * time.Millisecond})
	if err := st.Ensure(ctx, store.Schema{}); err != nil {
		t.Fatal(err)
	}
	srv.SetDelay(time.Minute)
	start := time.Now()
	_, err := st.Query(ctx, store.Query{Sparse: store.SparseVec{Indices: []uint32{1}, Values: []float32{1}}})
	took := time.Since(start)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Query on a hung server: %v, want ErrUnavailable", err)
	}
	if took > 2*time.Second {
		t.Errorf("Query took %s with a 300ms timeout", took)
	}
	srv.SetDelay(0)
	if _, err := st.Count(ctx); err != nil {
		t.Errorf("Count once the server answers again: %v", err)
	}
	// A caller's cancellation is reported as such.
	srv.SetDelay(time.Minute)
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := st.Count(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Count: %v, want context.Canceled", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	var logs bytes.Buffer
	start := time.Now()
	_, err = qdrant.Open(context.Background(), qdrant.Config{
		URL: addr, StartTimeout: 1500 * time.Millisecond, Timeout: 500 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	took := time.Since(start)
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "GOVCHAT_QDRANT_URL") {
		t.Fatalf("Open(unreachable) = %v; want ErrUnavailable naming the address and the setting", err)
	}
	if took > 3*time.Second {
		t.Errorf("Open gave up after %s, StartTimeout was 1.5s", took)
	}
	if n := strings.Count(logs.String(), "retrying"); n < 2 {
		t.Errorf("%d retries logged, want at least 2:\n%s", n, logs.String())
	}
	t.Logf("gave up after %s: %v", took.Round(time.Millisecond), err)
}

// TestOpenWaitsForQdrant: Qdrant coming up during the backoff is found.
func TestOpenWaitsForQdrant(t *testing.T) {
	srv := qdranttest.Start(t)
	srv.Stop()
	time.AfterFunc(700*time.Millisecond, func() {
		if err := srv.Restart(); err != nil {
			t.Error(err)
		}
	})
	st := open(t, qdrant.Config{URL: srv.Addr(), StartTimeout: 10 * time.Second})
	if err := st.Ensure(context.Background(), store.Schema{}); err != nil {
		t.Fatal(err)
	}
}

func TestAPIKey(t *testing.T) {
	srv := qdranttest.Start(t)
	srv.SetAPIKey("s3cret")
	start := time.Now()
	_, err := qdrant.Open(context.Background(), qdrant.Config{URL: srv.Addr(), APIKey: "wrong", Logger: quietLogger()})
	if err == nil || errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "API key") {
		t.Fatalf("Open with a wrong key: %v; want an API key error, not unavailability", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Error("a rejected key was retried")
	}
	st := open(t, qdrant.Config{URL: srv.Addr(), APIKey: "s3cret"})
	if err := st.Ensure(context.Background(), store.Schema{}); err != nil {
		t.Fatalf("with the right key: %v", err)
	}
}

func TestOpenConfigErrors(t *testing.T) {
	for _, cfg := range []qdrant.Config{
		{URL: "ftp://x:1"},
		{URL: "localhost:notaport"},
		{URL: "http://host:6334/path"},
		{URL: "localhost:6334", Shards: -1},
		{URL: "localhost:6334", Collection: "a/b"},
	} {
		if _, err := qdrant.Open(context.Background(), cfg); err == nil {
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	st := open(t, qdrant.Config{URL: srv.Addr()})
	if err := st.Ensure(ctx, store.Schema{}); err != nil {
		t.Fatal(err)
	}
	sv := store.SparseVec{Indices: []uint32{1}, Values: []float32{1}}
	bad := []store.Point{
		{ID: "not-a-uuid", Sparse: sv},
		{ID: "00000000-0000-4000-8000-00000000000A", Sparse: sv}, // upper case
		{ID: storetest.ID(1), Sparse: store.SparseVec{Indices: []uint32{1, 1}, Values: []float32{1, 2}}},
		{ID: storetest.ID(1), Sparse: store.SparseVec{Indices: []uint32{1}, Values: nil}},
		{ID: storetest.ID(1), Sparse: sv, Payload: map[string]any{"x": string([]byte{0xff, 0xfe})}},
		{ID: storetest.ID(1), Sparse: sv, Payload: map[string]any{"x": struct{}{}}},
		{ID: storetest.ID(1), Sparse: store.SparseVec{Indices: []uint32{1}, Values: []float32{float32(nan())}}},
	}
	for _, p := range bad {
		if err := st.Upsert(ctx, []store.Point{p}); err == nil {
			t.Errorf("Upsert(%+v) succeeded", p)
		}
	}
	if n, _ := st.Count(ctx); n != 0 {
		t.Errorf("bad points were stored: %d", n)
	}
	for _, f := range []store.Filter{
		{Must: []store.Condition{{Field: "x"}}},
		{Must: []store.Condition{{Field: "x", Match: "a", Any: []string{"b"}}}},
		{Must: []store.Condition{{Field: "x", Match: 1.5}}},
		{MustNot: []store.Condition{{Match: "a"}}},
	} {
		if _, err := st.Query(ctx, store.Query{Sparse: sv, Filter: f}); err == nil {
			t.Errorf("Query with filter %+v succeeded", f)
		}
	}
	// Numeric ids round-trip too.
	if err := st.Upsert(ctx, []store.Point{{ID: "42", Sparse: sv}}); err != nil {
		t.Fatal(err)
	}
	if hits, err := st.Query(ctx, store.Query{Sparse: sv}); err != nil || len(hits) != 1 || hits[0].ID != "42" {
		t.Errorf("numeric id: %v, %v", hits, err)
	}
}

func nan() float64 { var z float64; return z / z }
