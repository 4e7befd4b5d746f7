package importer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/testenv"

	"github.com/govchat/govchat/internal/knowledge"
)

// TestGovcnPolicies imports the 60 State Council pages and checks 文号,
// 发文机关, 索引号, title and URL of every page against index.jsonl.
func TestGovcnPolicies(t *testing.T) {
	eval := evalDir(t)
	f, err := os.Open(filepath.Join(eval, "govcn-policies", "index.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type page struct{ File, URL, IndexNumber, Title, Issuer, DocNumber string }
	var pages []page
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p struct {
			File        string `json:"file"`
			URL         string `json:"url"`
			IndexNumber string `json:"index_number"`
			Title       string `json:"title"`
			Issuer      string `json:"issuer"`
			DocNumber   string `json:"doc_number"`
		}
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page(p))
	}
	if len(pages) != 60 {
		t.Fatalf("index.jsonl has %d pages, want 60", len(pages))
	}
	dir := t.TempDir()
	im, err := New(Config{Into: dir})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, p := range pages {
		res, err := im.ImportFile(filepath.Join(eval, "govcn-policies", p.File))
		if err != nil {
			t.Errorf("%s: %v", p.File, err)
			continue
		}
		if res.Created != 1 || len(res.Files) != 1 {
			t.Errorf("%s: %s", p.File, res)
			continue
		}
		ids[p.File] = res.Files[0]
	}
	b, probs, err := knowledge.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if knowledge.HasErrors(probs) {
		t.Errorf("load problems: %v", probs)
	}
	if b.Len() != 60 {
		t.Errorf("%d documents, want 60", b.Len())
	}
	byPath := map[string]int{}
	for i, d := range b.Docs {
		rel, _ := filepath.Rel(dir, d.Path)
		byPath[filepath.ToSlash(rel)] = i
	}
	for _, p := range pages {
		i, ok := byPath[ids[p.File]]
		if !ok {
			t.Errorf("%s: written file %q not loaded", p.File, ids[p.File])
			continue
		}
		d := b.Docs[i]
		if d.DocNumber != p.DocNumber || d.Issuer != p.Issuer {
			t.Errorf("%s: 文号 %q 发文机关 %q, want %q %q", p.File, d.DocNumber, d.Issuer, p.DocNumber, p.Issuer)
		}
		if d.IndexNo != p.IndexNumber || d.Title != p.Title || d.URL != p.URL {
			t.Errorf("%s: 索引号 %q title %q url %q, want %q %q %q", p.File, d.IndexNo, d.Title, d.URL, p.IndexNumber, p.Title, p.URL)
		}
		if len(d.Body) < 100 {
			t.Errorf("%s: body only %d bytes", p.File, len(d.Body))
		}
	}
	lint, err := knowledge.LintDir(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if knowledge.HasErrors(lint) {
		t.Errorf("lint: %v", lint)
	}
}

// TestBeijingFAQ imports the 2,313 Beijing FAQ entries and checks that every
// original id is kept and lint passes.
func TestBeijingFAQ(t *testing.T) {
	eval := evalDir(t)
	src := filepath.Join(eval, "govfaq-beijing.jsonl")
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	type rec struct{ ID, Question, Department string }
	want := map[string]rec{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r rec
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		want[r.ID] = r
	}
	f.Close()
	if len(want) != 2313 {
		t.Fatalf("source has %d ids, want 2313", len(want))
	}
	dir := t.TempDir()
	im, err := New(Config{Into: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := im.ImportFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2313 || res.Skipped != 0 {
		t.Errorf("result = %s", res)
	}
	b, _, err := knowledge.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Docs) != 2313 {
		t.Errorf("%d entries loaded, want 2313", len(b.Docs))
	}
	for id, r := range want {
		d := b.Doc(id)
		if d == nil {
			t.Errorf("id %s missing", id)
			continue
		}
		if d.Title != cleanLine(r.Question) || d.Body == "" || d.Department != cleanLine(r.Department) {
			t.Errorf("%s = %q / %q / %q", id, d.Title, d.Department, d.Body)
		}
	}
	lint, err := knowledge.LintDir(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if knowledge.HasErrors(lint) {
		t.Errorf("lint: %v", lint[:min(len(lint), 5)])
	}
	// Importing again changes nothing.
	im, _ = New(Config{Into: dir})
	res, err = im.ImportFile(src)
	if err != nil || res.Unchanged != 2313 {
		t.Errorf("re-import: %s %v", res, err)
	}
}

func evalDir(t *testing.T) string { return testenv.EvalDir(t) }
