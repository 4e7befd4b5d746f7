package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/search/eval"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

// learnFolds is GOVCHAT_BENCH_LEARN: the number of folds of the
// cross-fitted learned associations (0: not measured).
func learnFolds(tb testing.TB) int {
	s := os.Getenv("GOVCHAT_BENCH_LEARN")
	if s == "" {
		return 0
	}
	k, err := strconv.Atoi(s)
	if err != nil || k < 2 {
		tb.Fatalf("GOVCHAT_BENCH_LEARN=%q: want a number of folds ≥ 2", s)
	}
	return k
}

// crossFitted measures govchat with associations learned from the other
// folds' questions and the entries that answer them (search.Config.Pairs),
// as a deployment learns from the wordings its entries were found by: the
// collection is indexed once, each fold's questions are asked of an engine
// that learned from the other folds only, so no question is ever answered
// with associations learned from itself. Question i is in fold i mod k.
func crossFitted(tb testing.TB, seg *zh.Segmenter, s set, k int, p search.Params) (eval.Report, error) {
	ctx := context.Background()
	start := time.Now()
	st, err := mem.Open("")
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	base := kb.NewBase(s.docs, benchDict(tb))
	engines := make([]*search.Engine, k)
	var build time.Duration
	for f := range k {
		var pairs []search.Pair
		for i, q := range s.queries {
			if i%k == f {
				continue
			}
			for _, id := range q.Relevant {
				pairs = append(pairs, search.Pair{Question: q.Question, DocID: id})
			}
		}
		eng, err := search.New(search.Config{Params: p, BatchSize: 4096, Pairs: pairs}, base, seg, st, nil)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := eng.Sync(ctx); err != nil {
			tb.Fatal(err)
		}
		if f == 0 {
			build = time.Since(start)
		}
		engines[f] = eng
	}
	fold := map[string]int{}
	for i, q := range s.queries {
		if _, ok := fold[q.Question]; !ok {
			fold[q.Question] = i % k
		}
	}
	rep, err := eval.Run(ctx, s.queries, 10, func(ctx context.Context, q string) (eval.Ranking, error) {
		return govchatRanker(engines[fold[q]], 10)(ctx, q)
	})
	rep.IndexBuild = build
	rep.Description = fmt.Sprintf("%d-fold, %d docs", k, len(s.docs))
	return rep, err
}

// BenchmarkLearnSweep compares parameter sets (GOVCHAT_BENCH_SWEEP) of the
// cross-fitted learned associations (GOVCHAT_BENCH_LEARN folds, default
// 5) on the even-numbered questions of each set (the odd ones are left for
// checking what was chosen: GOVCHAT_BENCH_HALF=odd).
func BenchmarkLearnSweep(b *testing.B) {
	sweep := os.Getenv("GOVCHAT_BENCH_SWEEP")
	if sweep == "" {
		b.Skip(`set GOVCHAT_BENCH_SWEEP='{};{"AssocWeight":0.3}'`)
	}
	k := learnFolds(b)
	if k == 0 {
		k = 5
	}
	half := 0
	if os.Getenv("GOVCHAT_BENCH_HALF") == "odd" {
		half = 1
	}
	seg := benchSegmenter(b)
	ctx := context.Background()
	for range b.N {
		for _, s := range loadSets(b, evalDir(b)) {
			if !wantSet(s.name) {
				continue
			}
			st, err := mem.Open("")
			if err != nil {
				b.Fatal(err)
			}
			base := kb.NewBase(s.docs, benchDict(b))
			for _, js := range strings.Split(sweep, ";") {
				var p search.Params
				if err := json.Unmarshal([]byte(js), &p); err != nil {
					b.Fatalf("%q: %v", js, err)
				}
				engines := make([]*search.Engine, k)
				for f := range k {
					var pairs []search.Pair
					for i, q := range s.queries {
						if i%k != f {
							for _, id := range q.Relevant {
								pairs = append(pairs, search.Pair{Question: q.Question, DocID: id})
							}
						}
					}
					eng, err := search.New(search.Config{Params: p, BatchSize: 4096, Pairs: pairs}, base, seg, st, nil)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := eng.Sync(ctx); err != nil {
						b.Fatal(err)
					}
					engines[f] = eng
				}
				var qs []eval.Query
				fold := map[string]int{}
				for i, q := range s.queries {
					if i%2 == half {
						qs = append(qs, q)
						fold[q.Question] = i % k
					}
				}
				rep, err := eval.Run(ctx, qs, 10, func(ctx context.Context, q string) (eval.Ranking, error) {
					return govchatRanker(engines[fold[q]], 10)(ctx, q)
				})
				if err != nil {
					b.Fatal(err)
				}
				fmt.Printf("%-8s %-60s R@1 %.4f R@5 %.4f R@10 %.4f MRR@10 %.4f p50 %s\n", s.name, js,
					rep.R1, rep.R5, rep.R10, rep.MRR10, eval.FormatDuration(rep.P50))
			}
			st.Close()
		}
	}
}
