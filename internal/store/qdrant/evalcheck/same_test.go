package evalcheck

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/testenv"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/store/qdrant"
	"github.com/govchat/govchat/internal/store/qdrant/qdranttest"
	"github.com/govchat/govchat/internal/zh"
)

func readJSONL(t *testing.T, path string, each func(line []byte) error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		if err := each(sc.Bytes()); err != nil {
			if err == io.EOF {
				return
			}
			t.Fatalf("%s: %v", path, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func title(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.IndexAny(text, "。\n"); i > 0 {
		text = text[:i]
	}
	for utf8.RuneCountInString(text) > 40 {
		_, size := utf8.DecodeLastRuneInString(text)
		text = text[:len(text)-size]
	}
	return text
}

type dataset struct {
	name      string
	docs      []*kb.Document
	questions []string
}

// loadNCPQA reads policy documents and their questions; maxDocs > 0 keeps
// the first maxDocs documents and the questions about them.
func loadNCPQA(t *testing.T, dir string, maxDocs, maxQuestions int) dataset {
	ds := dataset{name: "ncpqa"}
	keep := map[string]bool{}
	readJSONL(t, filepath.Join(dir, "ncpqa-docs.jsonl"), func(b []byte) error {
		var r struct{ DocID, Text string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if maxDocs > 0 && len(ds.docs) == maxDocs {
			return io.EOF
		}
		keep[r.DocID] = true
		ds.docs = append(ds.docs, &kb.Document{ID: "ncpqa-" + r.DocID, Type: kb.TypePolicy, Title: title(r.Text), Body: r.Text})
		return nil
	})
	readJSONL(t, filepath.Join(dir, "ncpqa-questions.jsonl"), func(b []byte) error {
		var r struct{ Question, DocID string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if maxQuestions > 0 && len(ds.questions) == maxQuestions {
			return io.EOF
		}
		if keep[r.DocID] {
			ds.questions = append(ds.questions, r.Question)
		}
		return nil
	})
	return ds
}

func loadSTARD(t *testing.T, dir string) dataset {
	ds := dataset{name: "stard"}
	readJSONL(t, filepath.Join(dir, "stard-articles.jsonl"), func(b []byte) error {
		var r struct{ ID, Text string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		ds.docs = append(ds.docs, &kb.Document{ID: "stard-" + r.ID, Type: kb.TypePolicy, Title: r.ID, Body: r.Text})
		return nil
	})
	readJSONL(t, filepath.Join(dir, "stard-queries.jsonl"), func(b []byte) error {
		var r struct{ Question string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		ds.questions = append(ds.questions, r.Question)
		return nil
	})
	return ds
}

func engine(t *testing.T, ds dataset, seg *zh.Segmenter, st store.Store, now time.Time) *search.Engine {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := search.New(search.Config{Now: func() time.Time { return now }, Log: log}, kb.NewBase(ds.docs, kb.Dict{}), seg, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stats, err := e.Sync(context.Background())
	if err != nil {
		t.Fatalf("sync %s: %v", ds.name, err)
	}
	t.Logf("%s: indexed %d chunks into %T in %s", ds.name, stats.Encoded, st, time.Since(start).Round(time.Millisecond))
	return e
}

func close32(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6+2e-5*math.Max(math.Abs(a), math.Abs(b))
}

// compare reports how two result lists differ. Results whose scores are
// equal within float32 precision form tie groups, inside which the order
// is free; a tie group cut by the end of the list may hold different
// members.
func compare(a, b []search.Result) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d vs %d results", len(a), len(b))
	}
	for i := 0; i < len(a); {
		j := i + 1
		for j < len(a) && close32(a[j].Score, a[i].Score) {
			j++
		}
		var ia, ib []string
		for k := i; k < j; k++ {
			if !close32(a[k].Score, b[k].Score) {
				return fmt.Sprintf("rank %d: score %.7g (%s) vs %.7g (%s)", k+1, a[k].Score, a[k].Chunk.ID, b[k].Score, b[k].Chunk.ID)
			}
			ia, ib = append(ia, a[k].Chunk.ID), append(ib, b[k].Chunk.ID)
		}
		slices.Sort(ia)
		slices.Sort(ib)
		if j < len(a) && !slices.Equal(ia, ib) {
			return fmt.Sprintf("ranks %d-%d: %v vs %v", i+1, j, ia, ib)
		}
		i = j
	}
	return ""
}

// TestSameResults: the engine over the embedded store and over Qdrant
// returns the same top 10 for every evaluation question. Against the
// in-process Qdrant it runs on a sample (the whole sets with
// GOVCHAT_EVALCHECK_FULL=1); with GOVCHAT_TEST_QDRANT_URL set it runs the
// whole NCPQA and STARD sets against that Qdrant (single shard).
func TestSameResults(t *testing.T) {
	dir := evalDir(t)
	url := os.Getenv("GOVCHAT_TEST_QDRANT_URL")
	var sets []dataset
	if url == "" {
		if testing.Short() {
			t.Skip("-short")
		}
		srv := qdranttest.Start(t)
		url = srv.Addr()
		if os.Getenv("GOVCHAT_EVALCHECK_FULL") != "" {
			sets = []dataset{loadNCPQA(t, dir, 0, 0), loadSTARD(t, dir)}
			t.Logf("comparing with the in-process Qdrant on the whole sets")
		} else {
			sets = []dataset{loadNCPQA(t, dir, 60, 80)}
			t.Logf("GOVCHAT_TEST_QDRANT_URL is not set: comparing with the in-process Qdrant on a sample")
		}
	} else {
		sets = []dataset{loadNCPQA(t, dir, 0, 0), loadSTARD(t, dir)}
	}
	seg, err := zh.New(zh.Config{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rnd [3]byte
	_, _ = rand.Read(rnd[:])
	for _, ds := range sets {
		t.Run(ds.name, func(t *testing.T) {
			ms, err := mem.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer ms.Close()
			qs, err := qdrant.Open(context.Background(), qdrant.Config{
				URL: url, APIKey: os.Getenv("GOVCHAT_TEST_QDRANT_API_KEY"), Timeout: 30 * time.Second,
				Collection: "govchat_evalcheck_" + hex.EncodeToString(rnd[:]) + "_" + ds.name,
				Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer qs.Close()
			defer func() {
				if err := qs.Drop(context.Background()); err != nil {
					t.Errorf("drop: %v", err)
				}
			}()
			em, eq := engine(t, ds, seg, ms, now), engine(t, ds, seg, qs, now)
			same, top1, diffs := 0, 0, 0
			for _, q := range ds.questions {
				ra, err := em.Search(context.Background(), q, search.Options{Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				rb, err := eq.Search(context.Background(), q, search.Options{Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if len(ra.Results) > 0 && len(rb.Results) > 0 && ra.Results[0].Chunk.ID == rb.Results[0].Chunk.ID {
					top1++
				}
				if d := compare(ra.Results, rb.Results); d != "" {
					diffs++
					if diffs <= 10 {
						t.Errorf("%q: embedded and Qdrant differ: %s", q, d)
					}
					continue
				}
				same++
			}
			t.Logf("%s: %d questions, %d with the same top 10 (ties aside), %d with the same first result", ds.name, len(ds.questions), same, top1)
		})
	}
}

func evalDir(t *testing.T) string { return testenv.EvalDir(t) }
