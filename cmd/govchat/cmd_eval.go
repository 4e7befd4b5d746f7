package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/search/eval"
	"github.com/govchat/govchat/internal/store/mem"
)

func init() {
	register(command{
		name:    "eval",
		summary: "measure retrieval (R@1/5/10, MRR@10, latency, refusals) or, with --answers, the answers themselves, on a JSONL question file",
		run:     runEval,
	})
}

func runEval(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "eval")
	queries := fs.String("queries", "", "JSONL file of {id, question, relevant:[ids]}; an empty relevant list marks an out-of-scope question (required)")
	k := fs.Int("k", 10, "also report recall at this depth")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	answers := fs.Bool("answers", false, "measure answers through the same path as POST /api/ask: right, offered, wrong, clarified, refused; gold spans; answer length")
	samples := fs.String("samples", "", "with --answers: instead of answering, write each question's evidence (features and outcome flags) to this JSON file, for `govchat calibrate`")
	verbose := fs.Bool("v", false, "list every question that was not answered right (with --answers) or whose first result is not relevant")
	split := fs.String("split", "", "with --answers: keep only the `dev` or `test` half of the rows, chosen by a hash of their id (for question files not already split, such as NCPQA's)")
	compare := fs.Bool("compare", false, "measure retrieval three times: without the vocabulary's synonyms, expansions and aspects and without learned associations; with the vocabulary; with the vocabulary and the associations (the default)")
	doReplay := fs.Bool("replay", false, "feed every other question through the learning loop (taps, 👍, operators' answers, approval of every proposal) on a copy of the knowledge base, then measure both halves again")
	params := fs.String("params", "", "override ranking parameters, a JSON object of search.Params fields (tuning: measure on the development splits)")
	var with fileList
	fs.Var(&with, "with", "import this file (any format `govchat import` reads) in memory next to the knowledge base; repeatable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *queries == "" {
		fs.Usage()
		return errors.New("--queries is required")
	}
	if *k < 1 {
		return errors.New("--k must be at least 1")
	}
	var p search.Params
	if *params != "" {
		if err := json.Unmarshal([]byte(*params), &p); err != nil {
			return fmt.Errorf("--params: %w", err)
		}
	}
	if *compare {
		return evalCompare(ctx, env, *queries, with, p, *asJSON)
	}
	if *doReplay {
		rep, err := replay(ctx, env, *queries, with, p)
		if err != nil {
			return err
		}
		if *asJSON {
			return encodeReplay(env.Stdout, rep)
		}
		printReplay(env.Stdout, rep)
		return nil
	}
	// A fresh in-memory index, so that the build is measured and the
	// service's index is left alone.
	st, err := mem.Open("")
	if err != nil {
		return err
	}
	start := time.Now()
	a, err := openSearch(ctx, env, searchOptions{Store: st, With: with, Params: p})
	if err != nil {
		return err
	}
	build := time.Since(start) - a.LoadTime
	defer a.Close()
	if *answers {
		if *samples != "" {
			return writeSamples(ctx, env, a, *queries, *split, *samples)
		}
		return evalAnswers(ctx, env, a, *queries, *split, *asJSON, *verbose)
	}
	qs, err := readQueryFile(*queries)
	if err != nil {
		return err
	}

	rank := ranker(a.Engine, max(*k, 10))
	seen := make(map[string]eval.Ranking, len(qs))
	rep, err := eval.Run(ctx, qs, *k, func(ctx context.Context, q string) (eval.Ranking, error) {
		r, err := rank(ctx, q)
		seen[q] = r
		return r, err
	})
	if err != nil {
		return err
	}
	rep.IndexBuild = build
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(evalJSON{
			K: rep.K, Queries: rep.Queries, InScope: rep.InScope, OutOfScope: rep.OutOfScope,
			R1: rep.R1, R5: rep.R5, R10: rep.R10, RK: rep.RK, MRR10: rep.MRR10, Share10: rep.Share10,
			P50MS: millis(rep.P50), P99MS: millis(rep.P99), QPS: rep.QPS, BuildMS: millis(rep.IndexBuild),
			OutRefused: rep.OutRefused, InRefused: rep.InRefused,
			Docs: a.Base.Len(), Chunks: a.Engine.Chunks(), MinConfidence: search.DefaultMinConfidence,
		})
	}
	fmt.Fprintf(env.Stdout, "knowledge   %s: %d documents, %d chunks\n", env.Config.Knowledge, a.Base.Len(), a.Engine.Chunks())
	rep.Print(env.Stdout)
	if *verbose {
		return printMisses(ctx, env.Stdout, a, qs, seen)
	}
	return nil
}

// printMisses lists the in-scope questions whose first result is not
// relevant (for studying misses on a development split): the rank of the
// first relevant entry (0: not among the results), its title, the
// question's terms with the other names the vocabulary gives them, and the
// first three results with their scores and matched terms.
func printMisses(ctx context.Context, w io.Writer, a *searchApp, qs []eval.Query, seen map[string]eval.Ranking) error {
	title := func(id string) string {
		if d := a.Base.Doc(id); d != nil {
			return d.Title
		}
		return "?"
	}
	for _, q := range qs {
		if len(q.Relevant) == 0 {
			continue
		}
		var ids []string
		for _, id := range seen[q.Question].IDs {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		at := 0
		for i, id := range ids {
			if slices.Contains(q.Relevant, id) {
				at = i + 1
				break
			}
		}
		if at == 1 {
			continue
		}
		fmt.Fprintf(w, "\nmiss %s (rank %d): %s\n  want %s %s\n", q.ID, at, q.Question, q.Relevant[0], title(q.Relevant[0]))
		an := a.Engine.Analyze(q.Question)
		fmt.Fprintf(w, "  terms %s\n", strings.Join(an.Terms, " "))
		for _, t := range an.Terms {
			if syn := an.Synonyms[t]; len(syn) > 0 {
				fmt.Fprintf(w, "    %s = %s\n", t, strings.Join(syn, " "))
			}
		}
		resp, err := a.Engine.Search(ctx, q.Question, search.Options{Limit: 3, IncludeExpired: true})
		if err != nil {
			return err
		}
		for i, r := range resp.Results {
			fmt.Fprintf(w, "  %d. %.3f %s %s [%s]\n", i+1, r.Score, r.Doc.ID, r.Doc.Title, strings.Join(r.Matched, " "))
		}
	}
	return nil
}

type evalJSON struct {
	K             int     `json:"k"`
	Queries       int     `json:"queries"`
	InScope       int     `json:"in_scope"`
	OutOfScope    int     `json:"out_of_scope"`
	R1            float64 `json:"recall_at_1"`
	R5            float64 `json:"recall_at_5"`
	R10           float64 `json:"recall_at_10"`
	RK            float64 `json:"recall_at_k"`
	MRR10         float64 `json:"mrr_at_10"`
	Share10       float64 `json:"share_of_relevant_at_10"`
	P50MS         float64 `json:"latency_p50_ms"`
	P99MS         float64 `json:"latency_p99_ms"`
	QPS           float64 `json:"queries_per_second"`
	BuildMS       float64 `json:"index_build_ms"`
	OutRefused    int     `json:"out_of_scope_refused"`
	InRefused     int     `json:"in_scope_refused"`
	Docs          int     `json:"documents"`
	Chunks        int     `json:"chunks"`
	MinConfidence float64 `json:"min_confidence"`
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ranker ranks a question with the engine, as eval scores it: the ids of the
// first limit results, and whether the engine would refuse.
func ranker(eng *search.Engine, limit int) eval.Ranker {
	return func(ctx context.Context, q string) (eval.Ranking, error) {
		resp, err := eng.Search(ctx, q, search.Options{Limit: limit, IncludeExpired: true})
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

// readQueryFile reads a JSONL question file (eval.ReadQueries).
func readQueryFile(path string) ([]eval.Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return eval.ReadQueries(f)
}
