package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runKnowledgeCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

// TestImportBatch: one bad file does not stop the batch, every file gets a
// result line, the exit status is non-zero, and the result passes lint.
func TestImportBatch(t *testing.T) {
	src := t.TempDir()
	into := filepath.Join(t.TempDir(), "kb")
	write := func(name, s string) string {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("notice.txt", "关于开展政务公开日活动的通知\n\n各街道：\n\n每月开展一次政务公开日活动。\n")
	faq := write("faq.csv", "编号,问题,答案,部门\nQ1,社保卡丢了怎么办？,拨打12333挂失。,人力社保局\n")
	bad := write("broken.docx", "this is not a zip")
	code, out, errOut := runKnowledgeCmd(t, "import", "--into", into, good, bad, faq, filepath.Join(src, "missing.pdf"))
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Errorf("want one line per file, got:\n%s", out)
	}
	for _, want := range []string{"ok    " + good, "ERROR " + bad + ": refused: not a zip container", "ok    " + faq, "ERROR " + filepath.Join(src, "missing.pdf")} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, out, _ := runKnowledgeCmd(t, "lint", "--knowledge", into); code != 0 {
		t.Errorf("lint on the import: exit %d\n%s", code, out)
	}
	// Re-running the good files succeeds and changes nothing.
	code, out, _ = runKnowledgeCmd(t, "import", "--into", into, good, faq)
	if code != 0 || strings.Count(out, "unchanged)") != 2 {
		t.Errorf("re-import: exit %d\n%s", code, out)
	}
}

func TestLintCommand(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "policies"), 0o755)
	os.WriteFile(filepath.Join(dir, "policies", "a.md"), []byte("---\nid: a\ntitle: 甲\nstatus: 现行有效\nexpires: 2020-01-01\n---\n正文\n"), 0o644)
	code, out, _ := runKnowledgeCmd(t, "lint", "--knowledge", dir)
	want := filepath.Join(dir, "policies", "a.md") + ":4: error: marked 现行有效 but expires 2020-01-01 has passed"
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, output:\n%s\nwant %s", code, out, want)
	}
	// Warnings alone pass, unless --strict.
	os.WriteFile(filepath.Join(dir, "policies", "a.md"), []byte("---\nid: a\ntitle: 甲\ncolour: red\n---\n正文\n"), 0o644)
	if code, out, _ := runKnowledgeCmd(t, "lint", "--knowledge", dir); code != 0 || !strings.Contains(out, "warning: unknown key") {
		t.Errorf("warning: exit %d\n%s", code, out)
	}
	if code, _, _ := runKnowledgeCmd(t, "lint", "--strict", "--knowledge", dir); code != 1 {
		t.Errorf("--strict: exit %d", code)
	}
}

// TestShippedKnowledgeLints keeps knowledge/ clean. Its coverage warnings
// are checked apart: the sample set shows on purpose what the 解读 coverage
// finds (TestLintCoverage).
func TestShippedKnowledgeLints(t *testing.T) {
	code, out, errOut := runKnowledgeCmd(t, "lint", "--strict", "--coverage=false", "--knowledge", filepath.Join("..", "..", "knowledge"))
	if code != 0 {
		t.Errorf("lint knowledge/: exit %d\n%s%s", code, out, errOut)
	}
}

// TestLintCoverage: lint warns of policies without an interpretation, late
// interpretations, FAQ entries resting on repealed documents and documents
// expiring soon (as of --now), with --late-days.
func TestLintCoverage(t *testing.T) {
	shipped := filepath.Join("..", "..", "knowledge")
	code, out, _ := runKnowledgeCmd(t, "lint", "--now", "2030-11-01", "--knowledge", shipped)
	for _, want := range []string{
		"sample-zwgk-kaohe-2021.md:1: warning: policy in force has no interpretation",
		"haishu-zwgk-2019-jiedu.md:1: warning: interpretation published 1 day after its policy haishu-zwgk-2019 (同步: at most 0 days)",
		"sample-zwgk-kaohe-2021.md:1: warning: expires on 2030-12-31 (60 days left)",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d; output lacks %q:\n%s", code, want, out)
		}
	}
	_, out, _ = runKnowledgeCmd(t, "lint", "--now", "2025-06-01", "--late-days", "1", "--knowledge", shipped)
	if strings.Contains(out, "after its policy") || strings.Contains(out, "expires on") {
		t.Errorf("--late-days 1 in 2025:\n%s", out)
	}
	if code, _, _ := runKnowledgeCmd(t, "lint", "--strict", "--now", "2025-06-01", "--knowledge", shipped); code != 1 {
		t.Errorf("--strict with coverage warnings: exit %d", code)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "faq"), 0o755)
	os.MkdirAll(filepath.Join(dir, "policies"), 0o755)
	os.WriteFile(filepath.Join(dir, "policies", "old.md"), []byte("---\nid: old\ntitle: 旧\nstatus: 已废止\n---\n正文\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "faq", "a.yaml"), []byte("entries:\n  - id: q1\n    question: 问？\n    answer: 答。\n    sources: [old]\n"), 0o644)
	_, out, _ = runKnowledgeCmd(t, "lint", "--knowledge", dir)
	if !strings.Contains(out, "a.yaml:2: warning: FAQ entry rests on old, which is 已废止") {
		t.Errorf("stale source:\n%s", out)
	}
}
