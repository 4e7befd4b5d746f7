package knowledge

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestLint(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	fsys := fstest.MapFS{
		"policies/a.md":        file("---\nid: a\ntitle: 甲\nstatus: 现行有效\nexpires: 2020-01-01\n---\n正文\n"),
		"policies/b.md":        file("---\nid: a\ntitle: 乙（重复编号）\n---\n正文\n"),
		"policies/c.md":        file("---\nid: c\ntitle: 丙\nreplaces: [zzz]\nreplaced_by: a\nstatus: 现行有效\n---\n正文\n"),
		"policies/d.md":        file("---\nid: d e\ntype: memo\ntitle: 丁\nstatus: 有效\nurl: www.example.com\neffective: 2020-05-01\nexpires: 2020-01-01\n---\n"),
		"interpretations/i.md": file("---\nid: i\ntitle: 解读\ninterprets: nope\n---\n正文\n"),
		"interpretations/j.md": file("---\nid: j\ntitle: 没有关联的解读\n---\n正文\n"),
		"faq/f.yaml": file(`entries:
  - id: f1
    question: 问
    answer: 答
    sources: [a, missing]
  - id: f2
    question: 问二
  - id: f3
    answer: 答三
    valid_until: 2021-01-01
`),
		"policies/ok.md": file("---\nid: ok\ntitle: 好文件\npublished: 2019-06-19\n---\n正文\n"),
	}
	probs, err := Lint(fsys, now)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range probs {
		lines = append(lines, p.String())
	}
	got := strings.Join(lines, "\n")
	want := []string{
		"policies/a.md:4: error: marked 现行有效 but expires 2020-01-01 has passed",
		"policies/b.md:2: error: duplicate id \"a\" (first used at policies/a.md:2)",
		"policies/c.md:4: error: replaces: no document or FAQ entry has id \"zzz\"",
		"policies/c.md:6: error: marked 现行有效 but replaced_by a",
		"policies/d.md:2: error: id \"d e\" may only contain",
		"policies/d.md:3: error: unknown type \"memo\"",
		"policies/d.md:5: error: unknown status \"有效\"",
		"policies/d.md:6: error: url \"www.example.com\" is not an absolute",
		"policies/d.md:8: error: expires 2020-01-01 is before effective 2020-05-01",
		"policies/d.md:10: warning: empty document body",
		"interpretations/i.md:4: error: interprets: no document or FAQ entry has id \"nope\"",
		"interpretations/j.md:1: warning: interpretation without interprets",
		"faq/f.yaml:5: error: sources: no document or FAQ entry has id \"missing\"",
		"faq/f.yaml:6: error: missing answer",
		"faq/f.yaml:8: error: missing question",
		"faq/f.yaml:10: warning: valid_until 2021-01-01 has passed",
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	for _, p := range probs {
		if strings.HasPrefix(p.Path, "policies/ok.md") {
			t.Errorf("problem on a good file: %s", p)
		}
	}
	if !HasErrors(probs) {
		t.Error("HasErrors = false")
	}
}

func TestLintShippedKnowledge(t *testing.T) {
	probs, err := LintDir("../../knowledge", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Errorf("%s", p)
	}
}

func TestCheckLoadedBase(t *testing.T) {
	fsys := fstest.MapFS{
		"policies/a.md": file("---\nid: a\ntitle: 甲\n---\n正文\n"),
		"faq/f.yaml":    file("entries:\n  - id: a\n    question: 问\n    answer: 答\n    sources: [zz]\n"),
	}
	b, probs, err := Load(fsys)
	if err != nil || HasErrors(probs) {
		t.Fatal(err, probs)
	}
	got := Check(b, time.Now())
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	all := strings.Join(s, "\n")
	for _, w := range []string{"policies/a.md:1: error: duplicate id \"a\" (first used at faq/f.yaml:2)", "faq/f.yaml:2: error: sources: no document or FAQ entry has id \"zz\""} {
		if !strings.Contains(all, w) {
			t.Errorf("missing %q in\n%s", w, all)
		}
	}
}

func TestLintVocabulary(t *testing.T) {
	fsys := fstest.MapFS{
		"dict/synonyms.txt": file("住房公积金=公积金\n社会保险=社保\n居民身份证=身份证\n交钱 > 缴费 缴纳\n"),
		"dict/synonyms-colloquial.txt": file(strings.Join([]string{
			"# 口语",
			"住房公积金=公积金",        // 2: the same group again
			"社保卡=社保 社会保障卡",     // 3: 社保 is in another group
			"交钱 > 收费",          // 4: left of two lines
			"缴费 > 交钱",          // 5: back to where it started
			"身份证 > 居民身份证",      // 6: within one group
			"办事 > 办理",          // 7: finds every document
			"ETC=etc卡 电子不停车收费", // 8: fine
		}, "\n") + "\n"),
	}
	for i := range 20 {
		fsys[fmt.Sprintf("faq/f%02d.yaml", i)] = file(fmt.Sprintf("entries:\n  - id: f%d\n    question: 第%d项怎么办理\n    answer: 携带材料办理。\n", i, i))
	}
	probs, err := Lint(fsys, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range probs {
		lines = append(lines, p.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		// Files are read in name order: synonyms-colloquial.txt first.
		"dict/synonyms.txt:1: warning: synonym group written twice (also at dict/synonyms-colloquial.txt:2)",
		`dict/synonyms.txt:2: error: "社保" is in two synonym groups (also at dict/synonyms-colloquial.txt:3)`,
		`dict/synonyms.txt:4: warning: "交钱" is on the left of two one-directional lines (also at dict/synonyms-colloquial.txt:4)`,
		`error: one-directional lines form a cycle: 交钱 > 缴费 > 交钱`,
		`dict/synonyms-colloquial.txt:6: warning: "身份证" > "居民身份证": both are in one synonym group`,
		`dict/synonyms-colloquial.txt:7: warning: "办事" expands to terms found in 20 of 20 documents`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, ":8:") {
		t.Errorf("a sound line was reported:\n%s", got)
	}
	// The shipped vocabulary passes its own lint.
	shipped, err := LintDir(filepath.Join("..", "..", "knowledge"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range shipped {
		if strings.Contains(p.Path, "dict") {
			t.Errorf("shipped vocabulary: %s", p)
		}
	}
}

// An id that is not one (../../x) or a javascript: link is refused at load —
// serve never serves it — and lint reports it.
func TestUnsafeEntriesRefusedAtLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"policies/up.md": file("---\nid: ../../x\ntitle: 越界\n---\n正文\n"),
		"policies/js.md": file("---\nid: js\ntitle: 脚本链接\nurl: javascript:alert(1)\n---\n正文\n"),
		"policies/ok.md": file("---\nid: ok\ntitle: 好文件\nurl: https://www.example.gov.cn/a.html\n---\n正文\n"),
		"faq/f.yaml":     file("url: javascript:alert(2)\nentries:\n  - id: f1\n    question: 问\n    answer: 答\n"),
		"faq/g.yaml":     file("entries:\n  - id: g/../1\n    question: 问\n    answer: 答\n"),
	}
	b, probs, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 1 || b.Doc("ok") == nil {
		t.Errorf("loaded %d documents, want only ok", b.Len())
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	for _, w := range []string{`policies/up.md:2: error: id "../../x" is not a valid id; the document is not loaded`,
		`policies/js.md:4: error: url "javascript:alert(1)" is not an absolute http(s) address; the document is not loaded`,
		`faq/f.yaml`, `faq/g.yaml`} {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("missing %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
	lint, _ := Lint(fsys, time.Now())
	if !HasErrors(lint) {
		t.Error("lint passes them")
	}
}
