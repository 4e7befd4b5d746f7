package dept

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/govchat/govchat/internal/kb"
)

// Example is a question labelled with its department (one line of a
// govfaq-style JSONL file: id, question, answer, department).
type Example struct {
	ID         string `json:"id"`
	Question   string `json:"question"`
	Answer     string `json:"answer"`
	Department string `json:"department"`
}

// ReadExamples reads JSONL examples; blank lines are skipped and a malformed
// line is an error naming its line number.
func ReadExamples(r io.Reader) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var out []Example
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var e Example
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("dept: line %d: %w", line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dept: read examples: %w", err)
	}
	return out, nil
}

// Report is the accuracy of department suggestions.
type Report struct {
	Entries  int     `json:"entries"`   // entries in the knowledge base built from the examples
	Scored   int     `json:"scored"`    // examples with a department that were asked
	Top1     float64 `json:"top1"`      // share whose first suggestion is the labelled department
	Top3     float64 `json:"top3"`      // share with the department among the first three
	NoAnswer int     `json:"no_answer"` // examples that got no suggestion at all
	Majority float64 `json:"majority"`  // baseline: always suggest the most frequent department
	// PerDept is the top-1 recall of each department, most frequent first.
	PerDept []DeptScore `json:"per_department"`
}

// DeptScore is the top-1 recall of one department.
type DeptScore struct {
	Department string  `json:"department"`
	N          int     `json:"n"`
	Recall     float64 `json:"recall"`
}

// Evaluate measures leave-one-out accuracy: every example becomes a FAQ
// entry, then each example's question is routed with its own entry — and
// every other entry whose question is the same text — excluded, so no
// question can find its own row.
func Evaluate(cfg Config, examples []Example) (Report, error) {
	docs := make([]*kb.Document, 0, len(examples))
	byQ := map[string][]string{}
	for i, e := range examples {
		id := e.ID
		if id == "" {
			id = fmt.Sprintf("row-%d", i+1)
			examples[i].ID = id
		}
		docs = append(docs, &kb.Document{ID: id, Type: kb.TypeFAQ, Title: e.Question, Body: e.Answer, Department: e.Department})
		k := questionKey(e.Question)
		byQ[k] = append(byQ[k], id)
	}
	r, err := New(cfg, docs)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Entries: r.Len()}
	count := map[string]int{}
	hit := map[string]int{}
	var top1, top3 int
	for _, e := range examples {
		if strings.TrimSpace(e.Department) == "" {
			continue
		}
		dep := strings.TrimSpace(e.Department)
		same := map[string]bool{}
		for _, id := range byQ[questionKey(e.Question)] {
			same[id] = true
		}
		sug := r.SuggestExcept(e.Question, 3, func(id string) bool { return same[id] })
		rep.Scored++
		count[dep]++
		if len(sug) == 0 {
			rep.NoAnswer++
			continue
		}
		if sug[0].Department == dep {
			top1++
			hit[dep]++
		}
		for _, s := range sug {
			if s.Department == dep {
				top3++
				break
			}
		}
	}
	if rep.Scored == 0 {
		return rep, nil
	}
	rep.Top1 = float64(top1) / float64(rep.Scored)
	rep.Top3 = float64(top3) / float64(rep.Scored)
	for d, n := range count {
		rep.PerDept = append(rep.PerDept, DeptScore{Department: d, N: n, Recall: float64(hit[d]) / float64(n)})
	}
	sort.Slice(rep.PerDept, func(i, j int) bool {
		if rep.PerDept[i].N != rep.PerDept[j].N {
			return rep.PerDept[i].N > rep.PerDept[j].N
		}
		return rep.PerDept[i].Department < rep.PerDept[j].Department
	})
	rep.Majority = float64(rep.PerDept[0].N) / float64(rep.Scored)
	return rep, nil
}

// questionKey identifies questions that are the same text up to spaces,
// punctuation and letter case.
func questionKey(q string) string {
	return strings.Join(Bigrams(q), " ")
}
