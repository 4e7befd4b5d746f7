package knowledge

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAddSimilar(t *testing.T) {
	const src = `# 示例常见问题
title: 示例
entries:
  - id: a
    question: 身份证丢了怎么办？
    similar:
      - 身份证补办
      - "身份证: 挂失"   # quoted

    answer: |
      到派出所补领。
    department: 公安局
  - id: b
    question: 公积金怎么提取
    answer: 带身份证办理。
  - id: c
    question: 社保卡丢了
    similar: [社保卡挂失, 补办社保卡]
    answer: 拨打12333。
  - id: d
    question: 驾驶证到期
    answer: 换领。
    similar:
`
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	if err := os.WriteFile(path, []byte(src), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ id, wording string }{
		{"a", "身份证掉了咋整"},
		{"b", "公积金能取出来吗"},
		{"c", "社保卡不见了: 怎么办"},
		{"d", "驾照过期了"},
		{"a", "  身份证遗失 "},
	} {
		if err := AddSimilar(path, c.id, c.wording); err != nil {
			t.Fatalf("%s %q: %v", c.id, c.wording, err)
		}
	}
	out, _ := os.ReadFile(path)
	docs, probs := ParseFAQ(path, string(out))
	if HasErrors(probs) || len(docs) != 4 {
		t.Fatalf("result does not parse: %v\n%s", probs, out)
	}
	want := map[string][]string{
		"a": {"身份证补办", "身份证: 挂失", "身份证掉了咋整", "身份证遗失"},
		"b": {"公积金能取出来吗"},
		"c": {"社保卡挂失", "补办社保卡", "社保卡不见了: 怎么办"},
		"d": {"驾照过期了"},
	}
	for _, d := range docs {
		if !slices.Equal(d.Similar, want[d.ID]) {
			t.Errorf("%s: similar %q, want %q", d.ID, d.Similar, want[d.ID])
		}
		if d.ID == "a" && (d.Department != "公安局" || strings.TrimSpace(d.Body) != "到派出所补领。") {
			t.Errorf("a lost its other fields: %+v", d)
		}
	}
	// Everything else is as it was: the comment, the blank line, the
	// answer block; new lines sit where a reviewer would put them.
	got := string(out)
	for _, keep := range []string{"# 示例常见问题\n", "      - \"身份证: 挂失\"   # quoted\n      - 身份证掉了咋整\n      - 身份证遗失\n\n    answer: |\n", "    question: 公积金怎么提取\n    similar:\n      - 公积金能取出来吗\n    answer:"} {
		if !strings.Contains(got, keep) {
			t.Errorf("missing %q in\n%s", keep, got)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	// A wording the entry already has, an unknown id, two lines: refused,
	// the file untouched.
	if err := AddSimilar(path, "a", "身份证掉了咋整？"); !errors.Is(err, ErrSimilarExists) {
		t.Errorf("duplicate: %v", err)
	}
	if err := AddSimilar(path, "zzz", "x"); err == nil {
		t.Error("unknown id accepted")
	}
	if err := AddSimilar(path, "a", "一\n二"); err == nil {
		t.Error("two lines accepted")
	}
	if again, _ := os.ReadFile(path); string(again) != got {
		t.Error("a refused edit changed the file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestAddSimilarJSONL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.jsonl")
	src := "{\"id\":\"q1\",\"question\":\"社保卡丢了怎么办？\",\"answer\":\"挂失。\"}\n{\"id\":\"q2\",\"question\":\"公积金\",\"answer\":\"提取。\",\"similar\":[\"公积金提取\"]}\n"
	os.WriteFile(path, []byte(src), 0o644)
	if err := AddSimilar(path, "q2", "公积金取钱"); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(path)
	lines := strings.Split(string(out), "\n")
	if lines[0] != strings.Split(src, "\n")[0] || !strings.Contains(lines[1], `"similar":["公积金提取","公积金取钱"]`) {
		t.Errorf("got\n%s", out)
	}
}
