package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/concerns"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/safety"
)

// TestDemoHistoryAndReports: govchat demo history fills an empty log with
// marked questions (a rising unanswered topic among them), refuses to write
// twice or into a real history unless told, and the concerns and coverage
// reports read it.
func TestDemoHistoryAndReports(t *testing.T) {
	if testing.Short() {
		t.Skip("answers a few hundred questions")
	}
	shipped := filepath.Join(moduleRoot(t), "knowledge")
	data := t.TempDir()
	kd := []string{"--knowledge", shipped, "--data", data, "--now", "2025-03-14"}
	code, out, errOut := runKnowledgeCmd(t, append([]string{"demo", "history", "--days", "28", "--per-day", "25"}, kd...)...)
	if code != 0 || !strings.Contains(out, "demo questions") {
		t.Fatalf("demo history: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runKnowledgeCmd(t, append([]string{"demo", "history"}, kd...)...); code != 1 || !strings.Contains(errOut, "--replace") {
		t.Errorf("second demo history: exit %d %s", code, errOut)
	}

	code, out, errOut = runKnowledgeCmd(t, append([]string{"report", "concerns", "--period", "7", "--format", "json"}, kd...)...)
	if code != 0 {
		t.Fatalf("report concerns: exit %d %s", code, errOut)
	}
	var rep concerns.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Questions == 0 || rep.Totals.Synthetic != rep.Totals.Questions || rep.Period.Last().Format("2006-01-02") != "2025-03-14" {
		t.Errorf("totals %+v, period %+v", rep.Totals, rep.Period)
	}
	// The demo's rising unanswered question (its key depends on the
	// vocabulary: found by its words).
	var dog *concerns.Topic
	for i, tp := range rep.Topics {
		if strings.Contains(tp.Label, "养犬") {
			dog = &rep.Topics[i]
		}
	}
	if dog == nil || dog.Kind != "words" || dog.Trend != "rising" && dog.Trend != "new" || rep.Coverage == nil {
		t.Fatalf("the demo's rising unanswered topic: %+v", dog)
	}
	code, out, _ = runKnowledgeCmd(t, append([]string{"report", "concerns", "--period", "7", "--format", "json", "--topic", dog.Key}, kd...)...)
	rep = concerns.Report{}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || rep.Focus == nil || rep.Focus.Questions != dog.Questions || len(rep.FocusDaily) != 7 {
		t.Errorf("--topic %s: exit %d, %v, focus %+v", dog.Key, code, err, rep.Focus)
	}
	channels := map[string]int{}
	for _, c := range rep.Channels {
		channels[c.Channel] = c.Questions
	}
	if channels["web"] == 0 || channels["miniprogram"] == 0 || channels["hotline"] == 0 {
		t.Errorf("channels %v", channels)
	}
	code, out, _ = runKnowledgeCmd(t, append([]string{"report", "concerns", "--period", "30"}, kd...)...)
	if code != 0 || !strings.Contains(out, "回应关切：2025年2月13日—3月14日") || !strings.Contains(out, "演示数据") || !strings.Contains(out, dog.Label+"［未能回答］") {
		t.Errorf("text report: exit %d\n%s", code, out)
	}
	code, out, _ = runKnowledgeCmd(t, append([]string{"report", "concerns", "--format", "csv"}, kd...)...)
	if code != 0 || !strings.HasPrefix(out, "\ufefftopic,label,kind") {
		t.Errorf("csv report: exit %d\n%.300s", code, out)
	}
	code, out, _ = runKnowledgeCmd(t, append([]string{"report", "coverage"}, kd...)...)
	if code != 0 || !strings.Contains(out, "无解读 1 件") || !strings.Contains(out, "晚于《") || !strings.Contains(out, "从未被回答引用") {
		t.Errorf("coverage report: exit %d\n%s", code, out)
	}

	// A real question: demo history now refuses unless told.
	h, err := history.Open(history.Config{Path: filepath.Join(data, "history.db"), Redact: safety.Redact})
	if err != nil {
		t.Fatal(err)
	}
	h.Record(context.Background(), govchat.Record{AnswerID: "a_real", Session: "s", Channel: "web", At: time.Now(), Question: "真的问题", Refused: true})
	h.Close()
	if code, _, errOut := runKnowledgeCmd(t, append([]string{"demo", "history", "--replace"}, kd...)...); code != 1 || !strings.Contains(errOut, "--allow-real") {
		t.Errorf("demo history over real questions: exit %d %s", code, errOut)
	}
	if code, out, _ := runKnowledgeCmd(t, append([]string{"demo", "history", "--remove"}, kd...)...); code != 0 || !strings.Contains(out, "removed") {
		t.Errorf("--remove: exit %d %s", code, out)
	}
	if code, _, errOut := runKnowledgeCmd(t, "report", "concerns", "--knowledge", shipped, "--data", t.TempDir()); code != 1 || !strings.Contains(errOut, "no history") {
		t.Errorf("report without a history: exit %d %s", code, errOut)
	}
}
