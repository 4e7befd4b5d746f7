// Package eval measures retrieval quality: recall at 1/5/10, MRR@10,
// latency and out-of-scope refusals over a JSONL query set.
//
// R@k is hit-based, as issue 3 and the reference figures of the evaluation
// data define it: the share of in-scope questions with at least one relevant
// id in the first k results. For questions with several relevant ids (STARD)
// the share of the relevant ids found in the first 10 is reported separately
// as Share10. govchat eval and
// the side-by-side benchmark (bench/) share it, so every system is scored by
// the same code.
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Query is one line of a query file: {"id", "question", "relevant": [ids]}.
// An empty relevant list marks an out-of-scope question that should be
// refused. A `docid` (the NCPQA files) is read as a one-element relevant
// list, as `eval --answers` reads it.
type Query struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Relevant []string `json:"relevant"`
	DocID    string   `json:"docid,omitempty"`
}

// ReadQueries reads JSONL queries; blank lines and # comments are skipped and a bad line is
// an error naming its line number.
func ReadQueries(r io.Reader) ([]Query, error) {
	var out []Query
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" || strings.HasPrefix(b, "#") {
			continue // blank, or a comment (# split: test …)
		}
		var q Query
		if err := json.Unmarshal([]byte(b), &q); err != nil {
			return nil, fmt.Errorf("eval: line %d: %w", line, err)
		}
		if strings.TrimSpace(q.Question) == "" {
			return nil, fmt.Errorf("eval: line %d: empty question", line)
		}
		if q.ID == "" {
			q.ID = fmt.Sprint(line)
		}
		if q.DocID != "" && len(q.Relevant) == 0 {
			q.Relevant = []string{q.DocID}
		}
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("eval: no queries")
	}
	return out, nil
}

// Ranking is a system's answer to one question: the ids of the documents
// (or FAQ entries) it returned, best first, and whether it would refuse.
type Ranking struct {
	IDs     []string
	Refused bool
}

// Ranker answers one question.
type Ranker func(ctx context.Context, question string) (Ranking, error)

// Report holds the measured figures.
type Report struct {
	K           int           `json:"k"`
	Queries     int           `json:"queries"`
	InScope     int           `json:"in_scope"`
	OutOfScope  int           `json:"out_of_scope"`
	R1          float64       `json:"recall_at_1"`  // share of questions with a relevant id in the top 1
	R5          float64       `json:"recall_at_5"`  // … in the top 5
	R10         float64       `json:"recall_at_10"` // … in the top 10
	RK          float64       `json:"recall_at_k"`  // … in the top K
	MRR10       float64       `json:"mrr_at_10"`
	Share10     float64       `json:"share_of_relevant_at_10"` // mean share of a question's relevant ids found in the top 10
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	QPS         float64       `json:"qps"`
	OutRefused  int           `json:"out_of_scope_refused"`
	InRefused   int           `json:"in_scope_refused"`
	IndexBuild  time.Duration `json:"index_build_ns"`
	Description string        `json:"description,omitempty"`
}

// Run asks every question in order (one at a time, so latencies are those of
// a single request) and scores the rankings. Several chunks of one document
// count once: ids are de-duplicated keeping the first.
func Run(ctx context.Context, queries []Query, k int, rank Ranker) (Report, error) {
	if k <= 0 {
		k = 10
	}
	rep := Report{K: k, Queries: len(queries)}
	lat := make([]time.Duration, 0, len(queries))
	start := time.Now()
	for _, q := range queries {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		t0 := time.Now()
		r, err := rank(ctx, q.Question)
		lat = append(lat, time.Since(t0))
		if err != nil {
			return rep, fmt.Errorf("eval: query %s: %w", q.ID, err)
		}
		if len(q.Relevant) == 0 {
			rep.OutOfScope++
			if r.Refused {
				rep.OutRefused++
			}
			continue
		}
		rep.InScope++
		if r.Refused {
			rep.InRefused++
		}
		ids := dedup(r.IDs)
		rep.R1 += hit(ids, q.Relevant, 1)
		rep.R5 += hit(ids, q.Relevant, 5)
		rep.R10 += hit(ids, q.Relevant, 10)
		rep.RK += hit(ids, q.Relevant, k)
		rep.Share10 += share(ids, q.Relevant, 10)
		for i, id := range ids[:min(10, len(ids))] {
			if slices.Contains(q.Relevant, id) {
				rep.MRR10 += 1 / float64(i+1)
				break
			}
		}
	}
	elapsed := time.Since(start)
	if n := float64(rep.InScope); n > 0 {
		rep.R1 /= n
		rep.R5 /= n
		rep.R10 /= n
		rep.RK /= n
		rep.MRR10 /= n
		rep.Share10 /= n
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		rep.P50 = lat[len(lat)/2]
		rep.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
		rep.QPS = float64(len(lat)) / elapsed.Seconds()
	}
	return rep, nil
}

func dedup(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// hit is 1 when one of the relevant ids is among the first k, else 0.
func hit(ids, relevant []string, k int) float64 {
	for _, id := range ids[:min(k, len(ids))] {
		if slices.Contains(relevant, id) {
			return 1
		}
	}
	return 0
}

// share is the share of the relevant ids found in the first k.
func share(ids, relevant []string, k int) float64 {
	top := ids[:min(k, len(ids))]
	n := 0
	for _, r := range dedup(relevant) {
		if slices.Contains(top, r) {
			n++
		}
	}
	return float64(n) / float64(len(dedup(relevant)))
}

// Print writes the report as a short table in Chinese and English labels.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "queries     %d (in scope %d, out of scope %d)\n", r.Queries, r.InScope, r.OutOfScope)
	if r.InScope > 0 {
		fmt.Fprintf(w, "R@1         %.3f\nR@5         %.3f\nR@10        %.3f\n", r.R1, r.R5, r.R10)
		if r.K != 1 && r.K != 5 && r.K != 10 {
			fmt.Fprintf(w, "R@%-9d %.3f\n", r.K, r.RK)
		}
		fmt.Fprintf(w, "MRR@10      %.3f\n", r.MRR10)
		fmt.Fprintf(w, "recall@10 (share of relevant) %.3f\n", r.Share10)
	}
	fmt.Fprintf(w, "latency     p50 %s, p99 %s, %.0f queries/s\n", fmtDur(r.P50), fmtDur(r.P99), r.QPS)
	if r.IndexBuild > 0 {
		fmt.Fprintf(w, "index build %s\n", fmtDur(r.IndexBuild))
	}
	if r.OutOfScope > 0 {
		fmt.Fprintf(w, "refused     %d of %d out-of-scope questions\n", r.OutRefused, r.OutOfScope)
	}
	if r.InScope > 0 {
		fmt.Fprintf(w, "wrongly refused %d of %d in-scope questions\n", r.InRefused, r.InScope)
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	}
}

// FormatDuration formats a duration the way Print does.
func FormatDuration(d time.Duration) string { return fmtDur(d) }
