package lookup

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/chunk"
	"github.com/govchat/govchat/internal/dept"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// words is a stand-in segmenter: space-separated words.
func words(s string) []string { return strings.Fields(s) }

type fakeSearch struct {
	mu      sync.Mutex
	base    *kb.Base
	queries []string
}

// ChunksOf chunks the document as the engine would have indexed it.
func (f *fakeSearch) ChunksOf(id string) []kb.Chunk {
	if d := f.base.Doc(id); d != nil {
		return chunk.Split(d)
	}
	return nil
}

// Search returns every document of the requested types that contains one
// of the query's words, with the words it contains as Matched.
func (f *fakeSearch) Search(_ context.Context, q string, o search.Options) (*search.Response, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	resp := &search.Response{Terms: words(q), DocNumber: kb.NormalizeDocNumber(q)}
	for _, d := range f.base.Docs {
		ok := false
		for _, t := range o.Types {
			ok = ok || d.Type == t
		}
		if !ok {
			continue
		}
		var m []string
		for _, w := range words(q) {
			if strings.Contains(d.Title+d.Body, w) {
				m = append(m, w)
			}
		}
		if len(m) > 0 {
			resp.Results = append(resp.Results, search.Result{Doc: d, Chunk: kb.Chunk{DocID: d.ID, Anchor: "s1", Heading: []string{"第三条"}, Text: d.Body}, Score: float64(len(m)), Matched: m})
		}
	}
	sort.SliceStable(resp.Results, func(i, j int) bool { return resp.Results[i].Score > resp.Results[j].Score })
	return resp, nil
}

func testBase() *kb.Base {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	return kb.NewBase([]*kb.Document{
		{ID: "p1", Type: kb.TypePolicy, Title: "住房公积金 提取 管理办法", DocNumber: "京房公积金发〔2019〕5号", Issuer: "北京住房公积金管理委员会", Published: day("2019-03-01"), Body: "职工 提取 住房公积金 应当 提供 **身份证**。"},
		{ID: "i1", Type: kb.TypeInterpretation, Title: "公积金 提取 办法 解读", Interprets: "p1", Body: "解读 提取 条件。"},
		{ID: "f1", Type: kb.TypeFAQ, Title: "公积金 怎么 提取", Department: "住房公积金管理中心", Sources: []string{"p1"}, Body: "携带 身份证 办理 [提取](https://x.example)。"},
		{ID: "f2", Type: kb.TypeFAQ, Title: "驾驶证 换证", Department: "交管局", Body: "到 车管所 换证。"},
		{ID: "old", Type: kb.TypePolicy, Title: "旧 办法", Status: kb.StatusRepealed, Body: "旧 提取 规定。"},
	}, kb.Dict{})
}

func TestLookupShort(t *testing.T) {
	base := testBase()
	fs := &fakeSearch{base: base}
	r, err := dept.New(dept.Config{}, base.Docs)
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Config{Terms: words, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}, base, fs, r)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Lookup(context.Background(), Request{Text: "公积金 提取"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Query != "公积金 提取" || len(res.KeyTerms) != 0 {
		t.Errorf("short text query = %q, key terms %v", res.Query, res.KeyTerms)
	}
	if len(res.FAQ) != 1 || res.FAQ[0].ID != "f1" {
		t.Fatalf("FAQ = %+v", res.FAQ)
	}
	f := res.FAQ[0]
	if f.Text != "携带 身份证 办理 提取。" {
		t.Errorf("FAQ text = %q (markdown link should be plain)", f.Text)
	}
	if f.Cite != "依据《住房公积金 提取 管理办法》（京房公积金发〔2019〕5号）；解答部门：住房公积金管理中心" {
		t.Errorf("FAQ cite = %q", f.Cite)
	}
	if f.Copy != f.Text+"\n"+f.Cite || len(f.Sources) != 1 || f.Sources[0].ID != "p1" {
		t.Errorf("FAQ copy = %q sources %+v", f.Copy, f.Sources)
	}
	if len(res.Policies) != 2 {
		t.Fatalf("policies = %+v", res.Policies)
	}
	for _, p := range res.Policies {
		switch p.ID {
		case "p1":
			if p.Cite != "依据《住房公积金 提取 管理办法》（京房公积金发〔2019〕5号）第三条" || p.Status != kb.StatusActive ||
				p.DocURL != "/docs/p1#s1" || len(p.Interpretations) != 1 || p.Published != "2019-03-01" || p.Text != "职工 提取 住房公积金 应当 提供 身份证。" {
				t.Errorf("policy p1 = %+v", p)
			}
		case "old":
			if p.Status != kb.StatusRepealed || !strings.Contains(p.Cite, "已废止") {
				t.Errorf("repealed policy = %+v", p)
			}
		}
	}
	if len(res.Interpret) != 1 || res.Interpret[0].Interprets == nil || res.Interpret[0].Interprets.ID != "p1" {
		t.Errorf("interpretations = %+v", res.Interpret)
	}
	if len(res.Departments) == 0 || res.Departments[0].Department != "住房公积金管理中心" {
		t.Errorf("departments = %+v", res.Departments)
	}
}

func TestLookupLongTicket(t *testing.T) {
	base := testBase()
	fs := &fakeSearch{base: base}
	l, _ := New(Config{Terms: words, LongText: 10, KeyTerms: 3}, base, fs, nil)
	ticket := "来电人 反映 ， 其 于 2024 年 想 办理 驾驶证 换证 ， 驾驶证 已 过期 ， 依据 京房公积金发〔2019〕5号 咨询 换证 流程 ， 来电人 很 着急 。"
	res, err := l.Lookup(context.Background(), Request{Text: ticket})
	if err != nil {
		t.Fatal(err)
	}
	// 驾驶证 and 换证 occur twice and are rare in the knowledge base; words the
	// knowledge base never uses (来电人, 着急) and numbers are not key terms.
	if len(res.KeyTerms) != 3 || res.KeyTerms[0] != "驾驶证" || res.KeyTerms[1] != "换证" {
		t.Fatalf("key terms = %v", res.KeyTerms)
	}
	for _, k := range res.KeyTerms {
		if k == "来电人" || k == "2024" || k == "着急" {
			t.Errorf("key term %q should not be extracted", k)
		}
	}
	if !strings.HasPrefix(res.Query, "京房公积金发〔2019〕5号 ") {
		t.Errorf("query %q does not lead with the quoted 文号", res.Query)
	}
	if len(res.FAQ) == 0 || res.FAQ[0].ID != "f2" {
		t.Errorf("FAQ = %+v", res.FAQ)
	}
	if len(fs.queries) != 3 {
		t.Errorf("searches = %d, want one per group", len(fs.queries))
	}
}

func TestLookupBadInput(t *testing.T) {
	base := testBase()
	l, _ := New(Config{Terms: words, MaxRunes: 20}, base, &fakeSearch{base: base}, nil)
	for _, in := range []string{"", "   ", "\xff\xfe"} {
		if _, err := l.Lookup(context.Background(), Request{Text: in}); !errors.Is(err, ErrEmpty) {
			t.Errorf("Lookup(%q) err = %v, want ErrEmpty", in, err)
		}
	}
	if _, err := l.Lookup(context.Background(), Request{Text: strings.Repeat("长", 21)}); !errors.Is(err, ErrTooLong) {
		t.Errorf("long text err = %v", err)
	}
	if _, err := New(Config{}, base, &fakeSearch{base: base}, nil); err == nil {
		t.Error("New without Terms succeeded")
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"## 标题\n**重点**内容", "标题\n重点内容"},
		{"见[官网](http://x)和![图](a.png)", "见官网和图"},
		{"a\n\n\n\nb", "a\n\nb"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPassage(t *testing.T) {
	base := kb.NewBase([]*kb.Document{
		{ID: "p1", Type: kb.TypePolicy, Title: "办法", DocNumber: "京政发〔2020〕1号", Body: "## 第一条\n\n第一条内容。\n\n## 第二条\n\n第二条内容。"},
		{ID: "f1", Type: kb.TypeFAQ, Title: "问题", Body: "回答。", Department: "某局"},
	}, kb.Dict{})
	l, _ := New(Config{Terms: words}, base, &fakeSearch{base: base}, nil)
	it, src, err := l.Passage("f1", "")
	if err != nil || it.Text != "回答。" || src.ID != "f1" || src.DocURL != "/docs/f1#answer" {
		t.Fatalf("FAQ passage = %+v %+v %v", it, src, err)
	}
	var anchors []string
	for _, c := range chunkAnchors(base.Doc("p1")) {
		anchors = append(anchors, c)
	}
	last := anchors[len(anchors)-1]
	it, src, err = l.Passage("p1", last)
	if err != nil || !strings.Contains(it.Text, "第二条内容") || !strings.HasPrefix(it.Cite, "依据《办法》（京政发〔2020〕1号）") || src.Anchor != last {
		t.Fatalf("policy passage = %+v %+v %v", it, src, err)
	}
	if _, _, err := l.Passage("p1", "nope"); !errors.Is(err, ErrNoPassage) {
		t.Errorf("unknown anchor: %v", err)
	}
	if _, _, err := l.Passage("zz", ""); !errors.Is(err, ErrNoPassage) {
		t.Errorf("unknown doc: %v", err)
	}
}

// TestLookupMarksSampleAndPlanYear: demonstration content is marked for the
// operator (not to be read to a caller as official), and a dated annual
// plan carries its year.
func TestLookupMarksSampleAndPlanYear(t *testing.T) {
	base := kb.NewBase([]*kb.Document{
		{ID: "plan", Type: kb.TypePolicy, Title: "关于印发 2019年政务公开工作要点 的通知", Sample: true, Body: "政务 公开 重点 工作。"},
		{ID: "law", Type: kb.TypePolicy, Title: "政务 公开 条例", Department: "办公室", Body: "政务 公开 的 范围。"},
	}, kb.Dict{})
	r, err := dept.New(dept.Config{}, base.Docs)
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Config{Terms: words, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}, base, &fakeSearch{base: base}, r)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Lookup(context.Background(), Request{Text: "政务 公开"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]any{}
	for _, p := range res.Policies {
		got[p.ID] = [2]any{p.Sample, p.PlanYear}
	}
	if got["plan"] != [2]any{true, 2019} || got["law"] != [2]any{false, 0} {
		t.Errorf("sample and plan year by id: %v", got)
	}
}

// Config.Query rewrites a short text before it is searched (the places the
// knowledge base serves left out); a long text is reduced to its key terms
// instead.
func TestLookupQueryRewrite(t *testing.T) {
	base := testBase()
	fs := &fakeSearch{base: base}
	strip := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "海曙区", "")) }
	l, _ := New(Config{Terms: words, LongText: 20, Query: strip}, base, fs, nil)
	res, err := l.Lookup(context.Background(), Request{Text: "海曙区 驾驶证 换证"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Query != "驾驶证 换证" || fs.queries[0] != "驾驶证 换证" {
		t.Errorf("query %q, searched %q; want the places left out", res.Query, fs.queries)
	}
	long := "海曙区 来电人 反映 想 办理 驾驶证 换证 驾驶证 已 过期 咨询 换证 流程"
	if res, _ = l.Lookup(context.Background(), Request{Text: long}); strings.Contains(res.Query, "来电人") || res.Query == strip(long) {
		t.Errorf("long text searched as %q, want its key terms", res.Query)
	}
}
