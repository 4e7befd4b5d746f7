package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/search/eval"
	"github.com/govchat/govchat/internal/store/mem"
)

// BenchmarkScale is the synthetic scale-up: every document of the evaluation
// sets, copied under new ids until the index holds about 100k chunks
// (GOVCHAT_BENCH_CHUNKS), then query latency over the govfaq and NCPQA
// questions, index build time, snapshot size, re-open time and heap
// (GOVCHAT_BENCH_HEAPPROFILE=file writes a heap profile of the built index).
func BenchmarkScale(b *testing.B) {
	dir := evalDir(b)
	target := 100_000
	if s := os.Getenv("GOVCHAT_BENCH_CHUNKS"); s != "" {
		target, _ = strconv.Atoi(s)
	}
	seg := benchSegmenter(b)
	sets := loadSets(b, dir)
	var base []*kb.Document
	var queries []eval.Query
	for _, s := range sets {
		base = append(base, s.docs...)
		if s.name == "govfaq" || s.name == "ncpqa" {
			queries = append(queries, s.queries...)
		}
	}
	ctx := context.Background()
	for range b.N {
		// Count chunks of one copy to know how many copies reach the target.
		probe, err := search.New(search.Config{}, kb.NewBase(base, kb.Dict{}), seg, mustMem(b, ""), nil)
		if err != nil {
			b.Fatal(err)
		}
		copies := max(1, (target+probe.Chunks()-1)/probe.Chunks())
		var docs []*kb.Document
		for c := range copies {
			for _, d := range base {
				dd := *d
				dd.ID = fmt.Sprintf("%s~%d", d.ID, c)
				docs = append(docs, &dd)
			}
		}
		idxDir := b.TempDir()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		st := mustMem(b, idxDir)
		eng, err := search.New(search.Config{BatchSize: 4096}, kb.NewBase(docs, kb.Dict{}), seg, st, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := eng.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		build := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if f := os.Getenv("GOVCHAT_BENCH_HEAPPROFILE"); f != "" {
			// What the built index holds (go tool pprof -sample_index=inuse_space).
			out, err := os.Create(f)
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.WriteHeapProfile(out); err != nil {
				b.Fatal(err)
			}
			out.Close()
		}
		rep, err := eval.Run(ctx, queries, 10, govchatRanker(eng, 10))
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		closeT := time.Since(t0)
		fi, _ := os.Stat(idxDir + "/index.snap")
		t0 = time.Now()
		st2 := mustMem(b, idxDir)
		reopen := time.Since(t0)
		eng2, _ := search.New(search.Config{}, kb.NewBase(docs, kb.Dict{}), seg, st2, nil)
		t0 = time.Now()
		ss, err := eng2.Sync(ctx)
		if err != nil {
			b.Fatal(err)
		}
		resync := time.Since(t0)
		st2.Close()
		fmt.Printf("\nscale: %d docs, %d chunks (%d copies of the evaluation corpus)\n", len(docs), eng.Chunks(), copies)
		fmt.Printf("  index build (segment+encode+store, persisted) %s; snapshot on close %s, %.0f MB; re-open %s; no-op sync %s (encoded %d)\n",
			eval.FormatDuration(build), eval.FormatDuration(closeT), float64(fi.Size())/1e6, eval.FormatDuration(reopen), eval.FormatDuration(resync), ss.Encoded)
		fmt.Printf("  heap growth %.0f MB\n", float64(after.HeapAlloc-before.HeapAlloc)/1e6)
		fmt.Printf("  %d queries: p50 %s, p99 %s, %.0f queries/s (single client)\n", len(queries), eval.FormatDuration(rep.P50), eval.FormatDuration(rep.P99), rep.QPS)
	}
}

func mustMem(b *testing.B, dir string) *mem.Store {
	st, err := mem.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	return st
}
