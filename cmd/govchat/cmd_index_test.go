package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

// runCmd runs govchat with args against the shipped knowledge base and a
// temporary data directory.
func runCmd(t *testing.T, data string, args ...string) (string, string, int) {
	t.Helper()
	return runIn(t, shippedEnv(data, nil), "", args...)
}

func TestIndexCommandIsIncremental(t *testing.T) {
	data := t.TempDir()
	out, errs, code := runCmd(t, data, "index", "--json")
	if code != 0 {
		t.Fatalf("index: %d %s", code, errs)
	}
	var first indexReport
	if err := json.Unmarshal([]byte(out), &first); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// The points are the chunks and the similar questions' passages.
	if first.Stats.Added == 0 || first.Stats.Passages == 0 || first.Stats.Added+first.Stats.Passages != first.Points || first.Stats.Encoded != first.Stats.Added {
		t.Fatalf("first index: %+v", first)
	}
	out, _, code = runCmd(t, data, "index", "--json")
	var second indexReport
	json.Unmarshal([]byte(out), &second)
	if code != 0 || second.Stats.Encoded != 0 || second.Stats.Passages != 0 || second.Stats.Unchanged != first.Stats.Added {
		t.Fatalf("second index re-encoded: %+v", second)
	}
	out, _, code = runCmd(t, data, "index")
	if code != 0 || !strings.Contains(out, "未变") {
		t.Fatalf("text output: %s", out)
	}
	out, _, code = runCmd(t, data, "index", "--rebuild", "--json")
	var third indexReport
	json.Unmarshal([]byte(out), &third)
	if code != 0 || third.Stats.Added != first.Stats.Added || third.Stats.Passages != first.Stats.Passages {
		t.Fatalf("rebuild: %+v", third)
	}
}

func TestEvalCommand(t *testing.T) {
	base, _, err := knowledge.LoadDir(filepath.Join("..", "..", "knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range base.Docs {
		if d.Type == kb.TypeFAQ { // sample entries too (the shipped ones all are)
			q, _ := json.Marshal(map[string]any{"id": d.ID, "question": d.Title, "relevant": []string{d.ID}})
			lines = append(lines, string(q))
		}
	}
	if len(lines) == 0 {
		t.Skip("the shipped knowledge base has no FAQ entries")
	}
	lines = append(lines, `{"id":"oos1","question":"今天天气怎么样","relevant":[]}`,
		`{"id":"oos2","question":"推荐一部好看的科幻电影","relevant":[]}`)
	qf := filepath.Join(t.TempDir(), "q.jsonl")
	os.WriteFile(qf, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	out, errs, code := runCmd(t, t.TempDir(), "eval", "--queries", qf, "--json", "--k", "3")
	if code != 0 {
		t.Fatalf("eval: %d %s", code, errs)
	}
	var r evalJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.InScope != len(lines)-2 || r.OutOfScope != 2 || r.K != 3 {
		t.Fatalf("counts: %+v", r)
	}
	// A FAQ entry's own standard question must find it.
	if r.R1 < 0.9 || r.MRR10 < 0.9 || r.OutRefused != 2 || r.InRefused != 0 {
		t.Errorf("figures: %+v", r)
	}
	if r.P50MS <= 0 || r.BuildMS <= 0 {
		t.Errorf("timings: %+v", r)
	}
	out, _, code = runCmd(t, t.TempDir(), "eval", "--queries", qf)
	if code != 0 || !strings.Contains(out, "MRR@10") || !strings.Contains(out, "refused     2 of 2") {
		t.Errorf("text output: %s", out)
	}
	if _, errs, code := runCmd(t, t.TempDir(), "eval"); code == 0 || !strings.Contains(errs, "--queries") {
		t.Errorf("missing --queries: %d %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{\"question\":\"x\"}\nnot json\n"), 0o644)
	if _, errs, code := runCmd(t, t.TempDir(), "eval", "--queries", bad); code == 0 || !strings.Contains(errs, "line 2") {
		t.Errorf("bad file: %d %s", code, errs)
	}
}

// TestEvalVerbose: eval -v lists the in-scope questions whose first result
// is not relevant, with the rank of the relevant entry (0: not found), the
// question's terms and the first results; out-of-scope questions and hits
// are not listed.
func TestEvalVerbose(t *testing.T) {
	qf := filepath.Join(t.TempDir(), "v.jsonl")
	os.WriteFile(qf, []byte(`{"id":"nowhere","question":"怎么申请公开政府信息","relevant":["no-such-entry"]}`+"\n"+
		`{"id":"oos","question":"今天天气怎么样","relevant":[]}`+"\n"), 0o644)
	out, errs, code := runCmd(t, t.TempDir(), "eval", "--queries", qf, "-v")
	if code != 0 {
		t.Fatalf("eval -v: %d %s", code, errs)
	}
	if !strings.Contains(out, "miss nowhere (rank 0): 怎么申请公开政府信息\n  want no-such-entry ?\n  terms 申请公开 政府 信息") ||
		strings.Count(out, "\nmiss ") != 1 || !strings.Contains(out, "\n  1. ") {
		t.Errorf("-v output: %s", out)
	}
}

// TestIndexWithEmbeddings runs index against a fake OpenAI-compatible
// /v1/embeddings server: dense vectors are built once, and a second run
// (another "process") takes them from the cache instead of the server.
func TestIndexWithEmbeddings(t *testing.T) {
	var calls, texts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/embeddings" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "fake-embed" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		calls.Add(1)
		texts.Add(int64(len(req.Input)))
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		resp := struct {
			Object string `json:"object"`
			Model  string `json:"model"`
			Data   []item `json:"data"`
		}{Object: "list", Model: req.Model}
		for i, s := range req.Input {
			v := make([]float32, 4)
			for _, r := range s {
				v[int(r)%4]++
			}
			resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: v})
		}
		json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()
	data := t.TempDir()
	index := func() indexReport {
		var out, errb bytes.Buffer
		getenv := shippedEnv(data, map[string]string{"GOVCHAT_EMBED_MODEL": "fake-embed", "OPENAI_BASE_URL": srv.URL + "/v1"})
		if code := run(context.Background(), []string{"index", "--json"}, strings.NewReader(""), &out, &errb, getenv); code != 0 {
			t.Fatalf("index: %d %s", code, errb.String())
		}
		var r indexReport
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		return r
	}
	first := index()
	if first.Stats.Embedded != first.Points || calls.Load() == 0 {
		t.Fatalf("first index: %+v, %d calls", first.Stats, calls.Load())
	}
	before := texts.Load()
	if _, err := os.Stat(filepath.Join(data, "embed.cache")); err != nil {
		t.Fatalf("embedding cache not written: %v", err)
	}
	// Remove the index but keep the cache: everything is re-indexed, nothing
	// is re-embedded.
	os.RemoveAll(filepath.Join(data, "index"))
	second := index()
	if second.Stats.Added+second.Stats.Passages != first.Points || second.Stats.Embedded != 0 || second.Stats.Cached != first.Points || texts.Load() != before {
		t.Fatalf("second index: %+v, %d more texts embedded", second.Stats, texts.Load()-before)
	}
	// Switching embeddings off: the index built with them is rebuilt
	// without them (the store empties itself for the new schema).
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"index", "--json"}, strings.NewReader(""), &out, &errb, shippedEnv(data, nil)); code != 0 {
		t.Fatalf("index without embeddings: %d %s", code, errb.String())
	}
	var third indexReport
	if err := json.Unmarshal(out.Bytes(), &third); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if third.Stats.Added+third.Stats.Passages != first.Points || third.Points != first.Points {
		t.Fatalf("index without embeddings: %+v", third)
	}
}
