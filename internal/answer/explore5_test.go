package answer

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

func TestExploreShipped(t *testing.T) {
	q := os.Getenv("Q")
	if q == "" {
		t.Skip()
	}
	base := loadKnowledge(t)
	seg, _ := zh.New(zh.ConfigFromDict(base.Dict))
	st, _ := mem.Open("")
	eng, _ := search.New(search.Config{}, base, seg, st, nil)
	eng.Sync(context.Background())
	resp, _ := eng.Search(context.Background(), q, search.Options{Limit: 8})
	t.Logf("terms %v conf %.2f", resp.Terms, resp.Confidence)
	for _, r := range resp.Results {
		t.Logf("%.3f %s %v %q", r.Score, r.Doc.ID, r.Chunk.Heading, []rune(r.Chunk.Text)[:min(40, len([]rune(r.Chunk.Text)))])
	}
	a := newAnswerer(t, base, eng, nil)
	f := a.focusOf(q, resp)
	if f.aspect != nil {
		t.Logf("aspect %s", f.aspect.Name)
	}
}

func TestExploreConv(t *testing.T) {
	if os.Getenv("CONV") == "" {
		t.Skip()
	}
	base := loadKnowledge(t)
	seg, _ := zh.New(zh.ConfigFromDict(base.Dict))
	st, _ := mem.Open("")
	eng, _ := search.New(search.Config{}, base, seg, st, nil)
	eng.Sync(context.Background())
	a := newAnswerer(t, base, eng, nil)
	var hist []Turn
	for _, q := range strings.Split(os.Getenv("CONV"), "|") {
		c, err := a.consider(context.Background(), Request{Question: q, History: hist})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Q %s -> standalone %q verdict %v detail %s", q, c.standalone, c.verdict, c.detail)
		if c.resp != nil {
			for _, r := range c.resp.Results[:min(3, len(c.resp.Results))] {
				t.Logf("   %s %v %.2f", r.Doc.ID, r.Chunk.Heading, r.Score)
			}
		}
		ans, _ := a.Answer(context.Background(), Request{Question: q, History: hist})
		if tt, ok := ans.Turn(q); ok {
			hist = append(hist, tt)
			t.Logf("   turn docs %v terms %v", tt.Docs, tt.Terms)
		}
	}
}
