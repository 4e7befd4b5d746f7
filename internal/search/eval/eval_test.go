package eval

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRunMetrics(t *testing.T) {
	qs := []Query{
		{ID: "1", Question: "a", Relevant: []string{"x"}},      // found at rank 1
		{ID: "2", Question: "b", Relevant: []string{"y"}},      // rank 3 after a duplicate chunk
		{ID: "3", Question: "c", Relevant: []string{"p", "q"}}, // one of two at rank 2
		{ID: "4", Question: "d", Relevant: []string{"z"}},      // not found
		{ID: "6", Question: "e", Relevant: []string{"s", "t"}}, // both, at ranks 1 and 6
		{ID: "5", Question: "out", Relevant: nil},              // out of scope, refused
	}
	answers := map[string]Ranking{
		"a":   {IDs: []string{"x", "m"}},
		"b":   {IDs: []string{"m", "m", "n", "y"}, Refused: true},
		"c":   {IDs: []string{"m", "q"}},
		"d":   {IDs: []string{"m"}},
		"e":   {IDs: []string{"s", "m", "n", "o", "p", "t"}},
		"out": {Refused: true},
	}
	rep, err := Run(context.Background(), qs, 10, func(_ context.Context, q string) (Ranking, error) { return answers[q], nil })
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if rep.InScope != 5 || rep.OutOfScope != 1 || rep.OutRefused != 1 || rep.InRefused != 1 {
		t.Fatalf("counts: %+v", rep)
	}
	// R@k is hit-based: a question counts when any relevant id is in the
	// top k (question 3 is a hit at 5 with one of its two ids; question 6 is
	// a hit at 1). Share10 is the share of the relevant ids found.
	if !near(rep.R1, 2.0/5) || !near(rep.R5, 4.0/5) || !near(rep.R10, 4.0/5) || !near(rep.MRR10, (1+1.0/3+0.5+0+1)/5) {
		t.Errorf("metrics: R1 %v R5 %v R10 %v MRR %v", rep.R1, rep.R5, rep.R10, rep.MRR10)
	}
	if !near(rep.Share10, (1+1+0.5+0+1)/5) {
		t.Errorf("share of relevant at 10: %v", rep.Share10)
	}
	var sb strings.Builder
	rep.Print(&sb)
	if !strings.Contains(sb.String(), "refused     1 of 1") || !strings.Contains(sb.String(), "recall@10 (share of relevant) 0.700") {
		t.Errorf("print: %s", sb.String())
	}
}

func TestReadQueries(t *testing.T) {
	qs, err := ReadQueries(strings.NewReader("{\"id\":\"a\",\"question\":\"问\",\"relevant\":[\"x\"]}\n\n{\"question\":\"无关\"}\n"))
	if err != nil || len(qs) != 2 || qs[1].ID != "3" || len(qs[1].Relevant) != 0 {
		t.Fatalf("%+v %v", qs, err)
	}
	// An NCPQA line names its one relevant document by docid.
	qs, err = ReadQueries(strings.NewReader(`{"id":"n","question":"哪家企业","docid":"d1","answer":"北铃"}`))
	if err != nil || len(qs) != 1 || !slices.Equal(qs[0].Relevant, []string{"d1"}) {
		t.Errorf("docid not read as relevant: %+v %v", qs, err)
	}
	for _, bad := range []string{"", "{\"question\":\"\"}", "{oops"} {
		if _, err := ReadQueries(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
