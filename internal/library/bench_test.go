package library

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/knowledge/importer"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/testenv"
)

// BenchmarkSearchGovfaq searches the 政策文件库 over a govfaq-sized knowledge
// base: the shipped knowledge/ with ../shared/eval/govfaq-beijing.jsonl
// imported (2,313 FAQ entries; skipped without it), and, as the baseline
// measured in the same run, the search engine's ranked search of the same
// queries. Queries are the govfaq questions (whole, and their two most
// informative words), a 文号 and filters without text.
//
//	go test -run '^$' -bench SearchGovfaq -benchtime 2000x ./internal/library
func BenchmarkSearchGovfaq(b *testing.B) {
	ev := testenv.EvalDir(b, "govfaq-beijing.jsonl")
	dir := b.TempDir()
	im, err := importer.New(importer.Config{Into: dir})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := im.ImportFile(filepath.Join(ev, "govfaq-beijing.jsonl")); err != nil {
		b.Fatal(err)
	}
	imported, _, err := knowledge.LoadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	shippedBase, _, err := knowledge.LoadDir(filepath.Join(testenv.ModuleRoot(b), "knowledge"))
	if err != nil {
		b.Fatal(err)
	}
	base := kb.NewBase(append(slices.Clone(shippedBase.Docs), imported.Docs...), shippedBase.Dict)
	eng := engineOver(b, base)
	start := time.Now()
	c := New(Config{Base: base, Chunks: eng.ChunksOf, Analyzer: eng, Searcher: eng, Now: func() time.Time { return now }})
	b.Logf("catalog of %d documents built in %v", c.Len(), time.Since(start).Round(time.Millisecond))

	var questions, keywords []string
	f, err := os.Open(filepath.Join(ev, "govfaq-beijing.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() && len(questions) < 500 {
		var r struct{ Question string }
		if json.Unmarshal(sc.Bytes(), &r) != nil || strings.TrimSpace(r.Question) == "" {
			continue
		}
		questions = append(questions, r.Question)
		a := eng.Analyze(r.Question)
		terms := slices.Clone(a.Terms)
		sort.SliceStable(terms, func(i, j int) bool { return a.Weights[terms[i]] > a.Weights[terms[j]] })
		if len(terms) > 2 {
			terms = terms[:2]
		}
		keywords = append(keywords, strings.Join(terms, " "))
	}
	f.Close()

	run := func(name string, qs []Query) {
		b.Run(name, func(b *testing.B) {
			found := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r, err := c.Search(ctx, qs[i%len(qs)])
				if err != nil {
					b.Fatal(err)
				}
				if r.Total > 0 {
					found++
				}
			}
			b.ReportMetric(float64(found)/float64(b.N), "found/op")
		})
	}
	var qq, kq []Query
	for i := range questions {
		qq = append(qq, Query{Q: questions[i]})
		kq = append(kq, Query{Q: keywords[i]})
	}
	run("keywords", kq)
	run("question", qq)
	run("docnumber", []Query{{Q: "示例办发[2021]3号"}, {Q: "示例办发(2018)1号"}})
	run("filters", []Query{{Type: kb.TypeFAQ}, {Type: kb.TypePolicy, Status: kb.StatusActive}, {Year: 2019}, {Page: 50}})
	b.Run("engine-baseline", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := eng.Search(ctx, questions[i%len(questions)], search.Options{Limit: 20, IncludeExpired: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
