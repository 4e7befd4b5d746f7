package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/search/eval"
)

// BenchmarkSweep compares ranking parameter sets (GOVCHAT_BENCH_SWEEP, a
// ';'-separated list of search.Params JSON objects; '{}' is the defaults)
// on the evaluation sets, govchat only. Sets larger than 1500 queries are
// subsampled (every other query) to keep a sweep quick.
func BenchmarkSweep(b *testing.B) {
	sweep := os.Getenv("GOVCHAT_BENCH_SWEEP")
	if sweep == "" {
		b.Skip(`set GOVCHAT_BENCH_SWEEP='{};{"K1":1.5}'`)
	}
	dir := evalDir(b)
	seg := benchSegmenter(b)
	for range b.N {
		for _, s := range loadSets(b, dir) {
			if !wantSet(s.name) {
				continue
			}
			qs := s.queries
			if len(qs) > 1500 {
				var sub []eval.Query
				for i := 0; i < len(qs); i += 2 {
					sub = append(sub, qs[i])
				}
				qs = sub
			}
			for _, js := range strings.Split(sweep, ";") {
				var p search.Params
				if err := json.Unmarshal([]byte(js), &p); err != nil {
					b.Fatalf("%q: %v", js, err)
				}
				eng, st, build := buildGovchat(b, seg, s.docs, "", p)
				rep, err := eval.Run(context.Background(), qs, 10, govchatRanker(eng, 10))
				if err != nil {
					b.Fatal(err)
				}
				st.Close()
				fmt.Printf("%-8s %-50s R@1 %.3f R@5 %.3f R@10 %.3f MRR@10 %.3f p50 %s build %s\n", s.name, js,
					rep.R1, rep.R5, rep.R10, rep.MRR10, eval.FormatDuration(rep.P50), eval.FormatDuration(build))
			}
		}
	}
}

// BenchmarkConfidence prints the confidence distribution of in-scope
// questions (every third query of each set) and of the out-of-scope
// questions in internal/search/testdata/out_of_scope.txt, and the refusal
// rates at several thresholds: the data behind search.DefaultMinConfidence.
func BenchmarkConfidence(b *testing.B) {
	dir := evalDir(b)
	seg := benchSegmenter(b)
	f, err := os.Open(filepath.Join(moduleRoot(b), "internal", "search", "testdata", "out_of_scope.txt"))
	if err != nil {
		b.Fatal(err)
	}
	var oos []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			oos = append(oos, l)
		}
	}
	f.Close()
	ctx := context.Background()
	for range b.N {
		for _, s := range loadSets(b, dir) {
			if !wantSet(s.name) {
				continue
			}
			eng, st, _ := buildGovchat(b, seg, s.docs, "", benchParams(b))
			var in, out []float64
			for i, q := range s.queries {
				if i%3 == 0 {
					r, err := eng.Search(ctx, q.Question, search.Options{})
					if err != nil {
						b.Fatal(err)
					}
					in = append(in, r.Confidence)
				}
			}
			for _, q := range oos {
				r, err := eng.Search(ctx, q, search.Options{})
				if err != nil {
					b.Fatal(err)
				}
				out = append(out, r.Confidence)
			}
			st.Close()
			sort.Float64s(in)
			sort.Float64s(out)
			pct := func(xs []float64, p float64) float64 { return xs[int(p*float64(len(xs)-1))] }
			fmt.Printf("%s: in-scope p10 %.2f p50 %.2f; out-of-scope p50 %.2f p90 %.2f max %.2f\n",
				s.name, pct(in, .1), pct(in, .5), pct(out, .5), pct(out, .9), out[len(out)-1])
			for _, th := range []float64{0.25, 0.3, 0.35, 0.4, 0.5} {
				refusedIn, acceptedOut := 0, 0
				for _, x := range in {
					if x < th {
						refusedIn++
					}
				}
				for _, x := range out {
					if x >= th {
						acceptedOut++
					}
				}
				fmt.Printf("  threshold %.2f: in-scope refused %.1f%%, out-of-scope refused %d/%d\n",
					th, 100*float64(refusedIn)/float64(len(in)), len(out)-acceptedOut, len(out))
			}
		}
	}
}
