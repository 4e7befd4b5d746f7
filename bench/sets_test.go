package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/govchat/govchat/internal/testenv"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search/eval"
)

func evalDir(tb testing.TB) string    { return testenv.EvalDir(tb) }
func moduleRoot(tb testing.TB) string { return testenv.ModuleRoot(tb) }

func readJSONL(tb testing.TB, path string, fn func(line []byte) error) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(sc.Bytes()); err != nil {
			tb.Fatalf("%s:%d: %v", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
}

// set is one retrieval task: documents to index (id + text) and queries.
type set struct {
	name    string
	docs    []*kb.Document
	queries []eval.Query
}

// loadSets reads the evaluation sets. Documents carry only their text (no
// title or question), as the baseline indexes them.
func loadSets(tb testing.TB, dir string) []set {
	var sets []set

	// govfaq: index the answers only, query with each question; the gold is
	// the row's own answer.
	var faq set
	faq.name = "govfaq"
	readJSONL(tb, filepath.Join(dir, "govfaq-beijing.jsonl"), func(b []byte) error {
		var r struct{ ID, Question, Answer string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		faq.docs = append(faq.docs, &kb.Document{ID: r.ID, Type: kb.TypeFAQ, Body: r.Answer})
		faq.queries = append(faq.queries, eval.Query{ID: r.ID, Question: r.Question, Relevant: []string{r.ID}})
		return nil
	})
	sets = append(sets, faq)

	// citizen messages: topic → the row's own reply among all replies.
	var cm set
	cm.name = "citizen"
	readJSONL(tb, filepath.Join(dir, "citizen-messages.jsonl"), func(b []byte) error {
		var r struct{ ID, Topic, Reply string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		id := "cm-" + r.ID
		cm.docs = append(cm.docs, &kb.Document{ID: id, Type: kb.TypeFAQ, Body: r.Reply})
		cm.queries = append(cm.queries, eval.Query{ID: id, Question: r.Topic, Relevant: []string{id}})
		return nil
	})
	sets = append(sets, cm)

	// NCPQA: question → its policy document (chunked by govchat).
	var nc set
	nc.name = "ncpqa"
	readJSONL(tb, filepath.Join(dir, "ncpqa-docs.jsonl"), func(b []byte) error {
		var r struct{ DocID, Text string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		nc.docs = append(nc.docs, &kb.Document{ID: r.DocID, Type: kb.TypePolicy, Body: r.Text})
		return nil
	})
	readJSONL(tb, filepath.Join(dir, "ncpqa-questions.jsonl"), func(b []byte) error {
		var r struct{ ID, Question, DocID string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		nc.queries = append(nc.queries, eval.Query{ID: r.ID, Question: r.Question, Relevant: []string{r.DocID}})
		return nil
	})
	sets = append(sets, nc)

	// STARD: question → statute articles (several relevant).
	var sd set
	sd.name = "stard"
	readJSONL(tb, filepath.Join(dir, "stard-articles.jsonl"), func(b []byte) error {
		var r struct{ ID, Text string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		sd.docs = append(sd.docs, &kb.Document{ID: r.ID, Type: kb.TypePolicy, Body: r.Text})
		return nil
	})
	readJSONL(tb, filepath.Join(dir, "stard-queries.jsonl"), func(b []byte) error {
		var r eval.Query
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if len(r.Relevant) == 0 {
			return fmt.Errorf("query %s without relevant articles", r.ID)
		}
		sd.queries = append(sd.queries, r)
		return nil
	})
	sets = append(sets, sd)
	return sets
}
