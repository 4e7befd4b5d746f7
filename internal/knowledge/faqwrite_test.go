package knowledge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
)

func TestWriteFAQEntryNewFile(t *testing.T) {
	dir := t.TempDir()
	e := &kb.Document{ID: "proposal-7", Title: "养犬登记证在哪里办理？", Similar: []string{"怎么办养犬登记证", "  "}, Body: "到区农业农村局窗口办理。\n\n需要携带身份证。  ", Department: "区农业农村局"}
	created, err := WriteFAQEntry(dir, ReviewedFAQFile, e)
	if err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	base, probs, err := LoadDir(dir)
	if err != nil || HasErrors(probs) {
		t.Fatalf("%v %v", err, probs)
	}
	d := base.Doc("proposal-7")
	if d == nil || d.Title != e.Title || d.Body != "到区农业农村局窗口办理。\n\n需要携带身份证。" || len(d.Similar) != 1 || d.Department != "区农业农村局" || d.Sample {
		t.Fatalf("loaded %+v", d)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, ReviewedFAQFile))
	if !strings.Contains(string(raw), "answer: |-\n") || !strings.HasPrefix(string(raw), "# 经“知识审核”采纳的常见问题") {
		t.Errorf("file:\n%s", raw)
	}
	// A second entry is appended; rewriting the first changes it in place.
	if created, err := WriteFAQEntry(dir, ReviewedFAQFile, &kb.Document{ID: "proposal-8", Title: "问", Body: "答"}); err != nil || !created {
		t.Fatal(created, err)
	}
	e.Body = "改到区市场监管局办理。"
	if created, err := WriteFAQEntry(dir, ReviewedFAQFile, e); err != nil || created {
		t.Fatal(created, err)
	}
	base, _, _ = LoadDir(dir)
	if base.Len() != 2 || base.Doc("proposal-7").Body != "改到区市场监管局办理。" || base.Docs[0].ID != "proposal-7" {
		t.Errorf("after update: %d docs, %+v", base.Len(), base.Doc("proposal-7"))
	}
}

func TestWriteFAQEntryAmendsInPlace(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "faq"), 0o755)
	src := `# 示例常见问题。
title: 示例
department: 区政府办公室
sample: true
sources: [p1]
entries:
  - id: a
    question: 旧问题？
    answer: |
      旧答复。
    url: https://example.org/a # 官方页面
    valid_until: 2030-12-31
  - id: b
    question: 别的问题
    answer: 别的答复
`
	path := filepath.Join(dir, "faq", "x.yaml")
	os.WriteFile(path, []byte(src), 0o644)
	_, err := WriteFAQEntry(dir, "faq/x.yaml", &kb.Document{ID: "a", Title: "新问题？", Similar: []string{"旧问题？"}, Body: "新答复。"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	got := string(raw)
	for _, want := range []string{"# 示例常见问题。", "sample: true", "url: https://example.org/a # 官方页面", "valid_until: 2030-12-31", "question: 新问题？", "- 旧问题？", "别的答复"} {
		if !strings.Contains(got, want) {
			t.Errorf("file lacks %q:\n%s", want, got)
		}
	}
	base, probs, _ := LoadDir(dir)
	if HasErrors(probs) {
		t.Fatal(probs)
	}
	a := base.Doc("a")
	if a.Body != "新答复。" || !a.Sample || a.Department != "区政府办公室" || len(a.Sources) != 1 || a.Sources[0] != "p1" {
		t.Errorf("amended entry %+v (file defaults kept)", a)
	}
}

func TestWriteFAQEntryRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		rel string
		e   *kb.Document
	}{
		{"../outside.yaml", &kb.Document{ID: "a", Title: "q", Body: "a"}},
		{"faq/x.md", &kb.Document{ID: "a", Title: "q", Body: "a"}},
		{ReviewedFAQFile, &kb.Document{ID: "bad id/..", Title: "q", Body: "a"}},
		{ReviewedFAQFile, &kb.Document{ID: "a", Title: "", Body: "a"}},
	} {
		if _, err := WriteFAQEntry(dir, tt.rel, tt.e); err == nil {
			t.Errorf("%s %+v accepted", tt.rel, tt.e)
		}
	}
	os.MkdirAll(filepath.Join(dir, "faq"), 0o755)
	os.WriteFile(filepath.Join(dir, "faq", "broken.yaml"), []byte("entries: [\n"), 0o644)
	if _, err := WriteFAQEntry(dir, "faq/broken.yaml", &kb.Document{ID: "a", Title: "q", Body: "a"}); err == nil {
		t.Error("a broken file was rewritten")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "faq", "broken.yaml")); string(b) != "entries: [\n" {
		t.Error("the broken file was changed")
	}
}
