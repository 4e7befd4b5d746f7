package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/search/eval"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

// Environment knobs (all optional):
//
//	GOVCHAT_BENCH_SETS=govfaq,stard   only these sets
//	GOVCHAT_BENCH_NO_BLEVE=1          skip the baseline (quick tuning)
//	GOVCHAT_BENCH_PARAMS='{"K1":1.5}' override search.Params
//	GOVCHAT_BENCH_DICT=none           built-in vocabulary only (no knowledge/dict)
//	GOVCHAT_BENCH_LEARN=5             also measure associations learned, 5-fold, from the other questions
func benchParams(tb testing.TB) search.Params {
	var p search.Params
	if s := os.Getenv("GOVCHAT_BENCH_PARAMS"); s != "" {
		if err := json.Unmarshal([]byte(s), &p); err != nil {
			tb.Fatalf("GOVCHAT_BENCH_PARAMS: %v", err)
		}
	}
	return p
}

// benchDict is the vocabulary of knowledge/dict (none with
// GOVCHAT_BENCH_DICT=none): the segmenter's words, synonyms and stop words,
// and the aspects questions ask for, which the engine reads from the base.
func benchDict(tb testing.TB) kb.Dict {
	if os.Getenv("GOVCHAT_BENCH_DICT") == "none" {
		return kb.Dict{}
	}
	b, _, err := knowledge.LoadDir(filepath.Join(moduleRoot(tb), "knowledge"))
	if err != nil {
		tb.Fatalf("load knowledge/dict: %v", err)
	}
	return b.Dict
}

func benchSegmenter(tb testing.TB) *zh.Segmenter {
	cfg := zh.Config{}
	if os.Getenv("GOVCHAT_BENCH_DICT") != "none" {
		cfg = zh.ConfigFromDict(benchDict(tb))
	}
	seg, err := zh.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return seg
}

func wantSet(name string) bool {
	s := os.Getenv("GOVCHAT_BENCH_SETS")
	return s == "" || slices.Contains(strings.Split(s, ","), name)
}

// buildGovchat indexes docs into an in-memory embedded store (dir "") or a
// persisted one.
func buildGovchat(tb testing.TB, seg *zh.Segmenter, docs []*kb.Document, dir string, p search.Params) (*search.Engine, *mem.Store, time.Duration) {
	start := time.Now()
	st, err := mem.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := search.Config{Params: p, BatchSize: 4096}
	if s := os.Getenv("GOVCHAT_BENCH_CHUNK"); s != "" {
		fmt.Sscanf(s, "%d,%d", &cfg.Chunking.Max, &cfg.Chunking.Min)
	}
	eng, err := search.New(cfg, kb.NewBase(docs, benchDict(tb)), seg, st, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := eng.Sync(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return eng, st, time.Since(start)
}

func govchatRanker(eng *search.Engine, k int) eval.Ranker {
	return func(ctx context.Context, q string) (eval.Ranking, error) {
		resp, err := eng.Search(ctx, q, search.Options{Limit: 3 * k, IncludeExpired: true})
		if err != nil {
			return eval.Ranking{}, err
		}
		var r eval.Ranking
		for _, res := range resp.Results {
			r.IDs = append(r.IDs, res.Doc.ID)
		}
		r.Refused = !eng.Answerable(resp)
		return r, nil
	}
}

type row struct {
	set, system string
	rep         eval.Report
}

// BenchmarkCompare runs govchat and bleve on every evaluation set and prints
// the side-by-side table.
func BenchmarkCompare(b *testing.B) {
	dir := evalDir(b)
	ctx := context.Background()
	t0 := time.Now()
	seg := benchSegmenter(b)
	dictLoad := time.Since(t0)
	p := benchParams(b)
	var rows []row
	for range b.N {
		rows = rows[:0]
		for _, s := range loadSets(b, dir) {
			if !wantSet(s.name) {
				continue
			}
			eng, st, build := buildGovchat(b, seg, s.docs, "", p)
			rep, err := eval.Run(ctx, s.queries, 10, govchatRanker(eng, 10))
			if err != nil {
				b.Fatal(err)
			}
			rep.IndexBuild = build
			rep.Description = fmt.Sprintf("%d docs, %d chunks", len(s.docs), eng.Chunks())
			rows = append(rows, row{s.name, "govchat", rep})
			st.Close()
			if k := learnFolds(b); k > 0 {
				rep, err := crossFitted(b, seg, s, k, p)
				if err != nil {
					b.Fatal(err)
				}
				rows = append(rows, row{s.name, "govchat + learned", rep})
			}
			if os.Getenv("GOVCHAT_BENCH_NO_BLEVE") == "" {
				bl, bbuild, err := buildBleve(s.docs)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := eval.Run(ctx, s.queries, 10, bl.rank(10))
				if err != nil {
					b.Fatal(err)
				}
				rep.IndexBuild = bbuild
				rep.Description = fmt.Sprintf("%d docs", len(s.docs))
				rows = append(rows, row{s.name, "bleve", rep})
				bl.idx.Close()
			}
			runtime.GC()
		}
	}
	b.StopTimer()
	fmt.Printf("\n(govchat: dictionary load %s once per process, not included in index build)\n", eval.FormatDuration(dictLoad))
	printTable(rows)
}

func printTable(rows []row) {
	fmt.Println()
	fmt.Println("| set | system | R@1 | R@5 | R@10 | MRR@10 | recall@10 (share of relevant) | p50 | p99 | index build | size |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %s | %s | %s | %s |\n", r.set, r.system,
			r.rep.R1, r.rep.R5, r.rep.R10, r.rep.MRR10, r.rep.Share10, eval.FormatDuration(r.rep.P50), eval.FormatDuration(r.rep.P99),
			eval.FormatDuration(r.rep.IndexBuild), r.rep.Description)
	}
}
