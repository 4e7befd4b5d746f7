package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/govchat/govchat/internal/store/mem"
)

// inode is a file's identity: unlinked and recreated, it changes.
func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// index --rebuild while govchat serve holds the index fails with a clear
// message and touches nothing: the server's LOCK, log and snapshot stay.
func TestRebuildWhileServingFails(t *testing.T) {
	data := t.TempDir()
	if _, errs, code := runCmd(t, data, "index"); code != 0 {
		t.Fatalf("index: %s", errs)
	}
	dir := filepath.Join(data, "index")
	served, err := mem.Open(dir, mem.Rebuildable()) // what serve holds open
	if err != nil {
		t.Fatal(err)
	}
	before, _ := served.Count(context.Background())
	lock, wal := inode(t, filepath.Join(dir, "LOCK")), inode(t, filepath.Join(dir, "index.wal"))
	_, errs, code := runCmd(t, data, "index", "--rebuild")
	if code != 1 || !strings.Contains(errs, "in use by another govchat process") || !strings.Contains(errs, "stop govchat serve") {
		t.Errorf("rebuild while serving: exit %d, %q", code, errs)
	}
	if strings.Count(errs, "govchat index:") != 1 {
		t.Errorf("the error repeats its prefix: %q", errs)
	}
	if inode(t, filepath.Join(dir, "LOCK")) != lock || inode(t, filepath.Join(dir, "index.wal")) != wal {
		t.Error("the server's LOCK or log was replaced")
	}
	if n, _ := served.Count(context.Background()); n != before || n == 0 {
		t.Errorf("the served index has %d points, had %d", n, before)
	}
	if err := served.Close(); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runCmd(t, data, "index", "--rebuild"); code != 0 {
		t.Fatalf("rebuild after serve stopped: %s", errs)
	}
}

// Two rebuilds at once: the second finds the index locked by the first
// (held in the middle of its work, waiting for embeddings) and stops.
func TestConcurrentRebuildsCannotBothProceed(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		resp := struct {
			Object string `json:"object"`
			Data   []item `json:"data"`
		}{Object: "list"}
		for i := range req.Input {
			resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: []float32{1, float32(i), 0}})
		}
		json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()
	data := t.TempDir()
	env := shippedEnv(data, map[string]string{"GOVCHAT_EMBED_MODEL": "fake-embed", "OPENAI_BASE_URL": srv.URL + "/v1"})
	first := make(chan int, 1)
	go func() {
		_, _, code := runIn(t, env, "", "index", "--rebuild")
		first <- code
	}()
	<-entered // the first rebuild holds the index and waits for embeddings
	_, errs, code := runIn(t, env, "", "index", "--rebuild")
	close(release)
	if code != 1 || !strings.Contains(errs, "in use by another govchat process") {
		t.Errorf("second rebuild: exit %d, %q", code, errs)
	}
	if c := <-first; c != 0 {
		t.Errorf("first rebuild: exit %d", c)
	}
}
