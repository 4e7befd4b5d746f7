package answer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/knowledge/importer"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

func exploreEngine(t *testing.T, with string) (*kb.Base, *search.Engine) {
	dir := t.TempDir()
	im, err := importer.New(importer.Config{Into: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.ImportFile(with); err != nil {
		t.Fatal(err)
	}
	extra, _, err := knowledge.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ship := loadKnowledge(t)
	base := kb.NewBase(append(ship.Docs, extra.Docs...), ship.Dict)
	seg, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := mem.Open("")
	eng, err := search.New(search.Config{}, base, seg, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return base, eng
}

type exRow struct {
	ID, Question, DocID, Answer string
	Relevant                    []string
}

func readEx(t *testing.T, p string) []exRow {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []exRow
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		var r exRow
		json.Unmarshal([]byte(l), &r)
		if r.DocID != "" {
			r.Relevant = []string{r.DocID}
		}
		out = append(out, r)
	}
	return out
}

func TestExploreNCPQA(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	_, eng := exploreEngine(t, "../../../shared/eval/ncpqa-docs.jsonl")
	rows := readEx(t, "../../../shared/eval/ncpqa-questions.jsonl")
	out, _ := os.Create("/work/qwork/explore/ncpqa.txt")
	defer out.Close()
	var inTop1, inTop3, docTop1 int
	for i, r := range rows {
		if i%2 == 1 {
			continue
		}
		resp, _ := eng.Search(context.Background(), r.Question, search.Options{Limit: 5})
		found := -1
		for j, res := range resp.Results {
			if res.Doc.ID == r.DocID && strings.Contains(res.Chunk.Text, r.Answer) {
				found = j
				break
			}
		}
		if len(resp.Results) > 0 && resp.Results[0].Doc.ID == r.DocID {
			docTop1++
		}
		if found == 0 {
			inTop1++
		}
		if found >= 0 && found < 3 {
			inTop3++
		}
		fmt.Fprintf(out, "Q %s | gold %s | found %d | conf %.2f\n", r.Question, r.Answer, found, resp.Confidence)
		for j, res := range resp.Results[:min(3, len(resp.Results))] {
			fmt.Fprintf(out, "  %d %.3f %s %q len=%d\n", j, res.Score, res.Doc.ID[:6], res.Chunk.Heading, len([]rune(res.Chunk.Text)))
		}
	}
	t.Logf("n=%d docTop1=%d spanTop1=%d spanTop3=%d", len(rows)/2, docTop1, inTop1, inTop3)
}
