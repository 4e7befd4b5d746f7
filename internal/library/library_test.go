package library

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/testenv"
	"github.com/govchat/govchat/internal/zh"
)

var ctx = context.Background()

// now: the shipped sample's 2021 policy is in force, the 2018 one repealed.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.Local)

var (
	shippedOnce sync.Once
	shipped     *Catalog
	shippedErr  error
)

// engineOver builds a synced engine over base.
func engineOver(tb testing.TB, base *kb.Base) *search.Engine {
	tb.Helper()
	seg, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		tb.Fatal(err)
	}
	st, err := mem.Open("")
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := search.New(search.Config{Now: func() time.Time { return now }}, base, seg, st, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := eng.Sync(ctx); err != nil {
		tb.Fatal(err)
	}
	return eng
}

// catalog is the catalog of the shipped knowledge base, plus test documents
// with 文号 and years.
func catalog(t *testing.T) *Catalog {
	t.Helper()
	shippedOnce.Do(func() {
		base, _, err := knowledge.LoadDir(filepath.Join(testenv.ModuleRoot(t), "knowledge"))
		if err != nil {
			shippedErr = err
			return
		}
		docs := append([]*kb.Document{}, base.Docs...)
		docs = append(docs,
			&kb.Document{ID: "gf-2019-5", Type: kb.TypePolicy, Title: "国务院关于在线政务服务的若干规定", DocNumber: "国发〔2019〕5号", Issuer: "国务院",
				Published: time.Date(2019, 4, 26, 0, 0, 0, 0, time.Local), Department: "国务院办公厅", Body: "为了全面提升政务服务规范化、便利化水平，制定本规定。"},
			&kb.Document{ID: "cite-2019-5", Type: kb.TypeInterpretation, Title: "解读：在线政务服务规定", Interprets: "gf-2019-5", Issuer: "国务院办公厅",
				Published: time.Date(2019, 4, 30, 0, 0, 0, 0, time.Local), Body: "《国务院关于在线政务服务的若干规定》（国发[2019]5号）明确了一网通办。"},
		)
		base = kb.NewBase(docs, base.Dict)
		eng := engineOver(t, base)
		shipped = New(Config{Base: base, Chunks: eng.ChunksOf, Analyzer: eng, Searcher: eng, Now: func() time.Time { return now }})
	})
	if shippedErr != nil {
		t.Fatal(shippedErr)
	}
	return shipped
}

func ids(r *Result) string {
	var s []string
	for _, it := range r.Items {
		s = append(s, it.ID)
	}
	return strings.Join(s, ",")
}

func TestSearch(t *testing.T) {
	c := catalog(t)
	tests := []struct {
		name string
		q    Query
		want string // ids in order; "" for none
		// first, when set, is checked instead of the whole list
		first string
		total int
	}{
		{name: "文号 with 〔〕", q: Query{Q: "国发〔2019〕5号"}, want: "gf-2019-5,cite-2019-5"},
		{name: "文号 with []", q: Query{Q: "国发[2019]5号"}, want: "gf-2019-5,cite-2019-5"},
		{name: "文号 with ()", q: Query{Q: "国发(2019)5号"}, want: "gf-2019-5,cite-2019-5"},
		{name: "文号 with （） and 第", q: Query{Q: "国发（2019）第5号"}, want: "gf-2019-5,cite-2019-5"},
		{name: "文号 as said", q: Query{Q: "国发2019年5号"}, want: "gf-2019-5,cite-2019-5"},
		{name: "文号 field", q: Query{DocNumber: "示例办发[2021]3号"}, want: "sample-zwgk-kaohe-2021"},
		{name: "unknown 文号", q: Query{Q: "国发〔2030〕99号"}, want: ""},
		{name: "文号 field nobody has", q: Query{DocNumber: "随便写的"}, want: ""},
		{name: "all words must occur", q: Query{Q: "重大建设项目 招标投标"}, first: "haishu-zwgk-faq-002"},
		{name: "year", q: Query{Year: 2019, Type: kb.TypePolicy}, want: "haishu-zwgk-2019,gf-2019-5"},
		{name: "year and status: 已废止", q: Query{Year: 2018, Status: kb.StatusRepealed}, want: "sample-zwgk-kaohe-2018"},
		{name: "status 现行有效 policies, oldest first", q: Query{Type: kb.TypePolicy, Status: kb.StatusActive, Sort: "date_asc"}, want: "gf-2019-5,haishu-zwgk-2019,sample-zwgk-kaohe-2021"},
		{name: "issuer", q: Query{Issuer: "国务院"}, want: "gf-2019-5"},
		{name: "type interpretation", q: Query{Type: kb.TypeInterpretation}, want: "haishu-zwgk-2019-jiedu,cite-2019-5"},
		{name: "paging", q: Query{PerPage: 2, Page: 2, Type: kb.TypePolicy}, want: "gf-2019-5,sample-zwgk-kaohe-2018", total: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.Search(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(r)
			switch {
			case tt.first != "":
				if !strings.HasPrefix(got, tt.first) {
					t.Errorf("got %s, want %s first", got, tt.first)
				}
			case got != tt.want:
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if tt.total > 0 && r.Total != tt.total {
				t.Errorf("total %d, want %d", r.Total, tt.total)
			}
		})
	}
}

func TestSearchResultDetails(t *testing.T) {
	c := catalog(t)
	r, err := c.Search(ctx, Query{Q: "国发[2019]5号"})
	if err != nil {
		t.Fatal(err)
	}
	if r.DocNumber != "国发〔2019〕5号" || r.Items[0].Match != "doc_number" || r.Items[1].Match != "cites" {
		t.Errorf("文号 result: %+v", r)
	}
	if it := r.Items[0]; len(it.Interpretations) != 1 || it.Interpretations[0].ID != "cite-2019-5" || it.Status != kb.StatusActive {
		t.Errorf("policy item: %+v", it)
	}
	if it := r.Items[1]; it.Interprets == nil || it.Interprets.ID != "gf-2019-5" {
		t.Errorf("interpretation item: %+v", it)
	}

	// Full text: snippets mark the terms, at the paragraph that has them.
	r, _ = c.Search(ctx, Query{Q: "招标投标信息"})
	if r.Total == 0 || r.Relaxed {
		t.Fatalf("招标投标信息: %+v", r)
	}
	var marked []string
	for _, it := range r.Items {
		for _, s := range it.Snippet {
			if s.Mark {
				marked = append(marked, s.Text)
			}
		}
	}
	if !strings.Contains(strings.Join(marked, "|"), "招标投标") {
		t.Errorf("marked %q", marked)
	}
	for _, it := range r.Items {
		if it.ID == "haishu-zwgk-2019" && !strings.Contains(it.DocURL, "#") {
			t.Errorf("policy snippet without its paragraph's anchor: %s", it.DocURL)
		}
	}

	// Plan year and sample.
	r, _ = c.Search(ctx, Query{Q: "政务公开工作要点", Type: kb.TypePolicy})
	if len(r.Items) == 0 || r.Items[0].ID != "haishu-zwgk-2019" || r.Items[0].PlanYear != 2019 {
		t.Errorf("plan year: %+v", r.Items)
	}
	r, _ = c.Search(ctx, Query{Q: "考核办法"})
	for _, it := range r.Items {
		if !it.Sample {
			t.Errorf("%s is sample content but not marked", it.ID)
		}
	}

	// Facets count with the other filters applied.
	r, _ = c.Search(ctx, Query{Type: kb.TypePolicy, Year: 2019})
	counts := map[string]int{}
	for _, f := range r.Facets.Years {
		counts[f.Value] = f.Count
	}
	if counts["2019"] != 2 || counts["2021"] != 1 || counts["2018"] != 1 {
		t.Errorf("year facet for policies: %v", r.Facets.Years)
	}
	for _, f := range r.Facets.Types {
		if f.Value == "guide" && f.Count != 1 {
			t.Errorf("type facet ignores the type filter's own value: %+v", r.Facets.Types)
		}
	}

	// Nothing holds every word: the engine's closest matches, flagged.
	r, _ = c.Search(ctx, Query{Q: "政务公开 宇宙飞船"})
	if !r.Relaxed || r.Total == 0 {
		t.Errorf("relaxed search: %+v", r)
	}
}

func TestHighlight(t *testing.T) {
	spans := Highlight("申请ＩＰＶ６改造，政府网站ipv6改造要求", []string{"ipv6"}, 100)
	var b strings.Builder
	for _, s := range spans {
		if s.Mark {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	if got := b.String(); got != "申请[ＩＰＶ６]改造，政府网站[ipv6]改造要求" {
		t.Errorf("got %s", got)
	}
	long := strings.Repeat("前", 200) + "目标" + strings.Repeat("后", 200)
	spans = Highlight(long, []string{"目标"}, 60)
	if spans[0].Text != "…" || spans[len(spans)-1].Text != "…" {
		t.Errorf("not cut around the match: %v", spans)
	}
	n := 0
	for _, s := range spans {
		n += len([]rune(s.Text))
	}
	if n > 62 {
		t.Errorf("snippet of %d runes", n)
	}
}

// FuzzHighlight: the spans of a snippet are a piece of the text (with …
// where it is cut), marks hold only what matches a term, and nothing panics
// on any input.
func FuzzHighlight(f *testing.F) {
	f.Add("申请ＩＰＶ６改造，政府网站ipv6改造要求", "ipv6", 20)
	f.Add(strings.Repeat("前", 200)+"目标", "目标", 60)
	f.Add("", "", 0)
	f.Fuzz(func(t *testing.T, text, term string, n int) {
		if n < 0 || n > 1000 {
			return
		}
		spans := Highlight(text, []string{term}, n)
		var b strings.Builder
		for i, s := range spans {
			if s.Text == "…" && !s.Mark && (i == 0 || i == len(spans)-1) {
				continue
			}
			if s.Mark && term == "" {
				t.Fatalf("marked %q without a term", s.Text)
			}
			b.WriteString(s.Text)
		}
		if !strings.Contains(string([]rune(text)), b.String()) && utf8.ValidString(text) {
			t.Fatalf("snippet %q is not a piece of %q", b.String(), text)
		}
	})
}
