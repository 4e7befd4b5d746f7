package eval

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestRunMetrics(t *testing.T) {
	qs := []Query{
		{ID: "1", Question: "a", Relevant: []string{"x"}},      // found at rank 1
		{ID: "2", Question: "b", Relevant: []string{"y"}},      // rank 3 after a duplicate chunk
		{ID: "3", Question: "c", Relevant: []string{"p", "q"}}, // one of two at rank 2
		{ID: "4", Question: "d", Relevant: []string{"z"}},      // not found
		{ID: "5", Question: "out", Relevant: nil},              // out of scope, refused
	}
	answers := map[string]Ranking{
		"a":   {IDs: []string{"x", "m"}},
		"b":   {IDs: []string{"m", "m", "n", "y"}, Refused: true},
		"c":   {IDs: []string{"m", "q"}},
		"d":   {IDs: []string{"m"}},
		"out": {Refused: true},
	}
	rep, err := Run(context.Background(), qs, 10, func(_ context.Context, q string) (Ranking, error) { return answers[q], nil })
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if rep.InScope != 4 || rep.OutOfScope != 1 || rep.OutRefused != 1 || rep.InRefused != 1 {
		t.Fatalf("counts: %+v", rep)
	}
	if !near(rep.R1, 1.0/4) || !near(rep.R5, (1+1+0.5)/4) || !near(rep.MRR10, (1+1.0/3+0.5)/4) {
		t.Errorf("metrics: R1 %v R5 %v MRR %v", rep.R1, rep.R5, rep.MRR10)
	}
	var sb strings.Builder
	rep.Print(&sb)
	if !strings.Contains(sb.String(), "refused     1 of 1") {
		t.Errorf("print: %s", sb.String())
	}
}

func TestReadQueries(t *testing.T) {
	qs, err := ReadQueries(strings.NewReader("{\"id\":\"a\",\"question\":\"问\",\"relevant\":[\"x\"]}\n\n{\"question\":\"无关\"}\n"))
	if err != nil || len(qs) != 2 || qs[1].ID != "3" || len(qs[1].Relevant) != 0 {
		t.Fatalf("%+v %v", qs, err)
	}
	for _, bad := range []string{"", "{\"question\":\"\"}", "{oops"} {
		if _, err := ReadQueries(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
