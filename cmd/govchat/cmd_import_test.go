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

// TestShippedKnowledgeLints keeps knowledge/ clean.
func TestShippedKnowledgeLints(t *testing.T) {
	code, out, errOut := runKnowledgeCmd(t, "lint", "--strict", "--knowledge", filepath.Join("..", "..", "knowledge"))
	if code != 0 {
		t.Errorf("lint knowledge/: exit %d\n%s%s", code, out, errOut)
	}
}
