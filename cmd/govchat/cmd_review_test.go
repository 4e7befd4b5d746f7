package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/sqlite"
)

// copyKnowledge copies the shipped knowledge base into a temporary
// directory, for tests that write to it.
func copyKnowledge(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "knowledge")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(moduleRoot(t), "knowledge"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// addEvidence stores evidence in a data directory's workbench database.
func addEvidence(t *testing.T, data string, ev ...govchat.Evidence) {
	t.Helper()
	db, err := sqlite.OpenDB(filepath.Join(data, "workbench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := learn.NewSQLStore(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev {
		if _, err := st.Add(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// govchat review similar lists the proposals; with --approve-all-min it
// writes those with enough evidence into the FAQ file and indexes them, and
// the wording is then answered by its entry.
func TestReviewSimilarCommand(t *testing.T) {
	kdir, data := copyKnowledge(t), t.TempDir()
	env := func(k string) string {
		switch k {
		case "GOVCHAT_KNOWLEDGE":
			return kdir
		case "GOVCHAT_DATA":
			return data
		case "GOVCHAT_LOG_LEVEL":
			return "error"
		}
		return ""
	}
	const wording = "那个公开要点到底是几号发下来的"
	addEvidence(t, data,
		govchat.Evidence{Wording: wording, EntryID: "haishu-zwgk-faq-001", Kind: govchat.EvidenceTapHelpful},
		govchat.Evidence{Wording: wording, EntryID: "haishu-zwgk-faq-001", Kind: govchat.EvidenceOperatorPush},
		govchat.Evidence{Wording: "重大项目都公开啥", EntryID: "haishu-zwgk-faq-002", Kind: govchat.EvidenceTapKept},
	)
	if _, errs, code := runIn(t, env, "", "index"); code != 0 {
		t.Fatalf("index: %s", errs)
	}
	out, errs, code := runIn(t, env, "", "review", "similar")
	if code != 0 || !strings.Contains(out, wording) || !strings.Contains(out, "重大项目都公开啥") || !strings.Contains(errs, "2 proposals, 0 approved") {
		t.Fatalf("list: %d\n%s\n%s", code, out, errs)
	}
	before, _ := os.ReadFile(filepath.Join(kdir, "faq", "haishu-zwgk-2019.yaml"))
	out, errs, code = runIn(t, env, "", "review", "similar", "--approve-all-min", "2", "--json")
	var res struct {
		Approved []learn.Outcome `json:"approved"`
	}
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res.Approved) != 1 || res.Approved[0].Wording != wording {
		t.Fatalf("approve: %d %v\n%s\n%s", code, err, out, errs)
	}
	if !strings.Contains(errs, "更新 1") {
		t.Errorf("the index did not re-encode just the changed entry: %s", errs)
	}
	after, _ := os.ReadFile(filepath.Join(kdir, "faq", "haishu-zwgk-2019.yaml"))
	if !strings.Contains(string(after), "      - "+wording+"\n") || len(after) != len(before)+len("      - "+wording+"\n") {
		t.Errorf("the FAQ file changed by more than one line:\n%s", after)
	}
	out, _, code = runIn(t, env, "", "ask", "--json", wording)
	var a govchat.Answer
	json.Unmarshal([]byte(out), &a)
	if code != 0 || a.Refused || a.Clarify || len(a.Sources) == 0 || a.Sources[0].ID != "haishu-zwgk-faq-001" {
		t.Errorf("after approval %q is answered %+v", wording, a)
	}
	// The other proposal stays open.
	if out, _, _ := runIn(t, env, "", "review", "similar"); !strings.Contains(out, "重大项目都公开啥") || strings.Contains(out, wording) {
		t.Errorf("after approval:\n%s", out)
	}
}
