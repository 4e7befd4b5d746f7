package search_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

var ctx = context.Background()

var (
	segOnce sync.Once
	segVal  *zh.Segmenter
)

func segmenter(t *testing.T) *zh.Segmenter {
	segOnce.Do(func() {
		s, err := zh.New(zh.Config{Words: []string{"接诉即办"}})
		if err != nil {
			t.Fatal(err)
		}
		segVal = s
	})
	return segVal
}

func day(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }

var now = day("2026-11-30")

func docs() []*kb.Document {
	return []*kb.Document{
		{ID: "faq-gjj-tq", Type: kb.TypeFAQ, Title: "怎么提取住房公积金？", Similar: []string{"公积金提取需要什么材料"},
			Department: "住房公积金管理中心", Region: "北京", Body: "职工购买自住住房的，可以申请提取住房公积金，需提供购房合同、发票和身份证原件。"},
		{ID: "faq-sbk", Type: kb.TypeFAQ, Title: "社保卡丢了怎么办？", Similar: []string{"社会保障卡挂失"},
			Department: "人力资源和社会保障局", Region: "上海", Body: "请携带居民身份证到就近的服务网点办理挂失和补办手续，也可以通过手机APP在线挂失。"},
		{ID: "policy-yshj", Type: kb.TypePolicy, Title: "国务院关于优化营商环境的若干意见", DocNumber: "国发〔2019〕5号", Issuer: "国务院",
			Body: "一、总体要求\n\n全面推进证照分离改革，压减企业开办时间。\n\n二、主要措施\n\n（一）推行一网通办\n\n政务服务事项全部进入政务服务网办理。\n\n（二）接诉即办\n\n对企业诉求实行接诉即办，限时答复。"},
		{ID: "policy-old", Type: kb.TypePolicy, Title: "关于居住证办理的暂行规定", DocNumber: "京政发〔2010〕3号", Status: kb.StatusRepealed,
			Body: "申领居住证应当在居住地居住满一年。"},
		{ID: "policy-new", Type: kb.TypePolicy, Title: "居住证申领办法", DocNumber: "京政发〔2020〕8号", Replaces: []string{"policy-old"},
			Body: "申领居住证应当在居住地连续居住满半年，并提供合法稳定就业或住所证明。"},
		{ID: "guide-expired", Type: kb.TypeGuide, Title: "2020年小客车指标摇号指南", Expires: day("2020-12-31"),
			Body: "小客车指标摇号每两个月进行一次，申请人应在规定期限内提交申请。"},
		{ID: "guide-lowbao", Type: kb.TypeGuide, Title: "最低生活保障申请指南", Department: "民政局",
			Body: "申请低保应当以家庭为单位，由户主向户籍所在地街道办事处提出书面申请。"},
	}
}

type fakeEmbedder struct {
	mu    sync.Mutex
	calls int
	texts int
}

// Embed maps a text to a small vector of character-class counts: enough to
// be deterministic and text-dependent.
func (f *fakeEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	f.mu.Lock()
	f.calls++
	f.texts += len(texts)
	f.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 8)
		for _, r := range t {
			v[int(r)%8]++
		}
		out[i] = v
	}
	return out, nil
}

func newEngine(t *testing.T, st store.Store, ds []*kb.Document, emb search.Embedder, cache string) *search.Engine {
	t.Helper()
	var e search.Embedder
	if emb != nil {
		e = emb
	}
	eng, err := search.New(search.Config{Now: func() time.Time { return now }, EmbedCache: cache, EmbedModel: "fake"},
		kb.NewBase(ds, kb.Dict{}), segmenter(t), st, e)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func memStore(t *testing.T, dir string) *mem.Store {
	t.Helper()
	st, err := mem.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func sync1(t *testing.T, eng *search.Engine) search.SyncStats {
	t.Helper()
	st, err := eng.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func ids(r *search.Response) []string {
	var out []string
	for _, x := range r.Results {
		out = append(out, x.Doc.ID)
	}
	return out
}

func search1(t *testing.T, eng *search.Engine, q string, o search.Options) *search.Response {
	t.Helper()
	r, err := eng.Search(ctx, q, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIncrementalSync(t *testing.T) {
	st := memStore(t, "")
	ds := docs()
	eng := newEngine(t, st, ds, nil, "")
	s := sync1(t, eng)
	if s.Added != eng.Chunks() || s.Encoded != eng.Chunks() || s.Unchanged != 0 {
		t.Fatalf("first sync: %+v", s)
	}
	// Each of the two similar questions is a passage of its own.
	if n, _ := st.Count(ctx); n != eng.Chunks()+2 || s.Passages != 2 {
		t.Fatalf("store holds %d points for %d chunks and %d passages", n, eng.Chunks(), s.Passages)
	}
	// Nothing changed: nothing is encoded.
	s = sync1(t, newEngine(t, st, docs(), nil, ""))
	if s.Unchanged != eng.Chunks() || s.Encoded != 0 || s.Deleted != 0 {
		t.Fatalf("unchanged sync: %+v", s)
	}
	// One FAQ answer edited, one guide removed.
	ds = docs()
	ds[0].Body += "也可以在网上办理。"
	ds = slices.DeleteFunc(ds, func(d *kb.Document) bool { return d.ID == "guide-lowbao" })
	eng2 := newEngine(t, st, ds, nil, "")
	s = sync1(t, eng2)
	if s.Updated != 1 || s.Encoded != 1 || s.Deleted != 1 || s.Added != 0 {
		t.Fatalf("incremental sync: %+v", s)
	}
	if r := search1(t, eng2, "低保申请", search.Options{}); slices.Contains(ids(r), "guide-lowbao") {
		t.Errorf("removed document still found: %v", ids(r))
	}
	if r := search1(t, eng2, "网上办理公积金提取", search.Options{}); len(r.Results) == 0 || r.Results[0].Doc.ID != "faq-gjj-tq" {
		t.Errorf("edited document: %v", ids(r))
	}
	// A metadata change alone (the department) re-indexes the chunk.
	ds[1].Department = "社保中心"
	s = sync1(t, newEngine(t, st, ds, nil, ""))
	if s.Updated != 1 {
		t.Errorf("metadata change: %+v", s)
	}
}

func TestPersistenceAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	st := memStore(t, dir)
	eng := newEngine(t, st, docs(), nil, "")
	sync1(t, eng)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A restarted process searches the persisted index before (and without)
	// syncing, and a sync finds nothing to encode.
	st = memStore(t, dir)
	defer st.Close()
	eng = newEngine(t, st, docs(), nil, "")
	r := search1(t, eng, "社保卡丢失怎么补办", search.Options{})
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "faq-sbk" {
		t.Fatalf("after restart: %v", ids(r))
	}
	if s := sync1(t, eng); s.Encoded != 0 || s.Unchanged != eng.Chunks() {
		t.Fatalf("sync after restart: %+v", s)
	}
}

// The response names the synonyms of the query's terms, so that the
// answerer can tell that 社会保障卡挂失 is about what was asked (社保卡).
func TestResponseSynonyms(t *testing.T) {
	seg, err := zh.New(zh.Config{Synonyms: [][]string{{"社会保障卡", "社保卡", "医保卡"}}})
	if err != nil {
		t.Fatal(err)
	}
	st := memStore(t, "")
	eng, err := search.New(search.Config{Now: func() time.Time { return now }}, kb.NewBase(docs(), kb.Dict{}), seg, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	sync1(t, eng)
	r := search1(t, eng, "医保卡丢了怎么办", search.Options{})
	if got := r.Synonyms["医保卡"]; !slices.Equal(got, []string{"社会保障卡", "社保卡"}) {
		t.Errorf("synonyms of 医保卡 = %v (all %v)", got, r.Synonyms)
	}
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "faq-sbk" {
		t.Errorf("results %v", ids(r))
	}
}

func TestDocNumberFirst(t *testing.T) {
	eng := newEngine(t, memStore(t, ""), docs(), nil, "")
	sync1(t, eng)
	for _, q := range []string{"国发〔2019〕5号", "国发[2019]5号", "国发(2019)5号关于一网通办怎么说", "请问国发（２０１９）第5号", "国发【2019】05号 接诉即办"} {
		r := search1(t, eng, q, search.Options{})
		if r.DocNumber != "国发〔2019〕5号" {
			t.Errorf("%q: DocNumber = %q", q, r.DocNumber)
		}
		if len(r.Results) == 0 || r.Results[0].Doc.ID != "policy-yshj" {
			t.Errorf("%q: results %v", q, ids(r))
			continue
		}
		if r.Confidence < search.DefaultMinConfidence {
			t.Errorf("%q: confidence %.2f", q, r.Confidence)
		}
	}
	// The chunk that matches the rest of the question is chosen.
	r := search1(t, eng, "国发[2019]5号 接诉即办", search.Options{})
	if !strings.Contains(r.Results[0].Chunk.Text, "接诉即办") || r.Results[0].Chunk.Anchor == "" {
		t.Errorf("best chunk = %+v", r.Results[0].Chunk)
	}
	// A question that asks for nothing but the document gets its opening.
	for _, q := range []string{"国发〔2019〕5号", "国发[2019]5号讲的是什么", "国发(2019)5号还有效吗", "国发2019年5号文件", "What is 国发〔2019〕5号?"} {
		r := search1(t, eng, q, search.Options{})
		if r.DocNumber != "国发〔2019〕5号" || !r.Lookup || len(r.Results) == 0 || r.Results[0].Chunk.Anchor != "s0" {
			t.Errorf("%q: DocNumber %q lookup %v, first %v", q, r.DocNumber, r.Lookup, r.Results)
		}
	}
	if r := search1(t, eng, "国发[2019]5号 接诉即办", search.Options{}); r.Lookup {
		t.Error("a question about something in the document is not a look-up")
	}
	// Without brackets a number counts only when a document has it.
	if r := search1(t, eng, "京政发2011年3号", search.Options{}); r.DocNumber != "" {
		t.Errorf("unknown bracketless 文号 taken: %q", r.DocNumber)
	}
	// A repealed document named by its 文号 is still returned, labelled.
	r = search1(t, eng, "京政发(2010)3号", search.Options{})
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "policy-old" || r.Results[0].Status != kb.StatusRepealed {
		t.Errorf("repealed by 文号: %v", r.Results)
	}
}

func TestValidityFiltering(t *testing.T) {
	eng := newEngine(t, memStore(t, ""), docs(), nil, "")
	sync1(t, eng)
	r := search1(t, eng, "居住证申领要居住多久", search.Options{})
	if got := ids(r); !slices.Contains(got, "policy-new") || slices.Contains(got, "policy-old") {
		t.Errorf("default search: %v", got)
	}
	r = search1(t, eng, "居住证申领要居住多久", search.Options{IncludeExpired: true})
	found := false
	for _, x := range r.Results {
		if x.Doc.ID == "policy-old" {
			found = true
			if x.Status != kb.StatusRepealed {
				t.Errorf("repealed doc labelled %q", x.Status)
			}
		}
	}
	if !found {
		t.Errorf("IncludeExpired: %v", ids(r))
	}
	// Expired by date.
	if got := ids(search1(t, eng, "小客车指标摇号", search.Options{})); slices.Contains(got, "guide-expired") {
		t.Errorf("expired guide returned: %v", got)
	}
	r = search1(t, eng, "小客车指标摇号", search.Options{IncludeExpired: true})
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "guide-expired" || r.Results[0].Status != kb.StatusRepealed {
		t.Errorf("expired guide with IncludeExpired: %v", r.Results)
	}
}

func TestFilters(t *testing.T) {
	eng := newEngine(t, memStore(t, ""), docs(), nil, "")
	sync1(t, eng)
	q := "办理 申请 身份证 住房公积金 社保卡 低保"
	tests := []struct {
		opts search.Options
		want []string
	}{
		{search.Options{Types: []kb.Type{kb.TypeFAQ}}, []string{"faq-gjj-tq", "faq-sbk"}},
		{search.Options{Types: []kb.Type{kb.TypeGuide}}, []string{"guide-lowbao"}},
		{search.Options{Department: "民政局"}, []string{"guide-lowbao"}},
		{search.Options{Region: "上海"}, []string{"faq-sbk"}},
		{search.Options{Region: "北京", Types: []kb.Type{kb.TypePolicy}}, nil},
	}
	for _, tt := range tests {
		got := ids(search1(t, eng, q, tt.opts))
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.opts, got, tt.want)
		}
	}
}

func TestResultsAndConfidence(t *testing.T) {
	eng := newEngine(t, memStore(t, ""), docs(), nil, "")
	sync1(t, eng)
	// FAQ entries match on their similar questions; synonyms apply.
	r := search1(t, eng, "公积金提取要带哪些材料", search.Options{Limit: 3})
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "faq-gjj-tq" {
		t.Fatalf("results %v", ids(r))
	}
	top := r.Results[0]
	if top.Chunk.Text == "" || top.Chunk.Anchor == "" || top.Score <= 0 || top.Status != kb.StatusActive {
		t.Errorf("result fields: %+v", top)
	}
	if !slices.Contains(top.Matched, "公积金提取") || !slices.Contains(top.Matched, "材料") {
		t.Errorf("matched = %q", top.Matched)
	}
	if slices.Contains(r.Terms, "哪些") || slices.Contains(r.Terms, "要") || !slices.Contains(r.Terms, "材料") {
		t.Errorf("terms = %q", r.Terms)
	}
	if !eng.Answerable(r) {
		t.Errorf("in-scope question refused (confidence %.2f)", r.Confidence)
	}
	if len(r.Results) > 3 {
		t.Errorf("limit ignored: %d results", len(r.Results))
	}
	for _, q := range []string{"今天天气怎么样", "推荐一部好看的电影", "你好", "", "的了吗"} {
		r := search1(t, eng, q, search.Options{})
		if eng.Answerable(r) || r.Confidence < 0 || r.Confidence > 1 {
			t.Errorf("%q: confidence %.2f, results %v", q, r.Confidence, ids(r))
		}
	}
	// The same text as a query finds its own chunk (index and query
	// segmentation agree).
	for _, d := range docs() {
		if d.Expired(now) {
			continue
		}
		r := search1(t, eng, d.Body, search.Options{Limit: 1})
		if len(r.Results) == 0 || r.Results[0].Doc.ID != d.ID {
			t.Errorf("own text of %s: %v", d.ID, ids(r))
		}
	}
}

func TestEmbeddingsCachedAndFused(t *testing.T) {
	cache := t.TempDir() + "/embed.cache"
	emb := &fakeEmbedder{}
	st := memStore(t, "")
	eng := newEngine(t, st, docs(), emb, cache)
	s := sync1(t, eng)
	if s.Embedded != eng.Chunks()+s.Passages || s.Cached != 0 {
		t.Fatalf("first sync: %+v", s)
	}
	if sc, ok := st.Schema(); !ok || sc.DenseSize != 8 {
		t.Fatalf("schema = %+v", sc)
	}
	// Hybrid search works and still ranks the right entry first.
	before := emb.texts
	r := search1(t, eng, "社保卡丢了怎么办", search.Options{})
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "faq-sbk" || emb.texts != before+1 {
		t.Errorf("hybrid: %v (embedded %d)", ids(r), emb.texts-before)
	}
	// A metadata change re-indexes without re-embedding (content hash cache),
	// also in a new engine that reads the cache file.
	ds := docs()
	ds[1].Department = "社保中心"
	emb2 := &fakeEmbedder{}
	s = sync1(t, newEngine(t, st, ds, emb2, cache))
	if s.Updated != 1 || s.Passages != 1 || s.Cached != 2 || s.Embedded != 0 || emb2.calls != 0 { // the entry and its passage
		t.Fatalf("metadata change: %+v, calls %d", s, emb2.calls)
	}
	// A text change embeds just that chunk.
	ds[0].Body += "补充说明。"
	s = sync1(t, newEngine(t, st, ds, emb2, cache))
	if s.Embedded != 1 {
		t.Fatalf("text change: %+v", s)
	}
}

func TestPointIDDeterministic(t *testing.T) {
	a, b := search.PointID("doc#s1"), search.PointID("doc#s1")
	if a != b || a == search.PointID("doc#s2") || len(a) != 36 {
		t.Errorf("PointID = %s, %s", a, b)
	}
}

func TestBucketedAverageKeepsIndex(t *testing.T) {
	// Adding a document shifts the average length a little; the existing
	// chunks must not be re-encoded.
	st := memStore(t, "")
	ds := docs()
	sync1(t, newEngine(t, st, ds, nil, ""))
	ds = append(ds, &kb.Document{ID: "faq-new", Type: kb.TypeFAQ, Title: "新问题", Body: strings.Repeat("很长的回答。", 20)})
	eng := newEngine(t, st, ds, nil, "")
	s := sync1(t, eng)
	if s.Added != 1 || s.Encoded != 1 {
		t.Fatalf("add one: %+v", s)
	}
}

func TestConcurrentSearch(t *testing.T) {
	eng := newEngine(t, memStore(t, ""), docs(), &fakeEmbedder{}, "")
	sync1(t, eng)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range []string{"公积金提取", "社保卡丢了", "国发[2019]5号", "居住证", "低保申请"} {
				if _, err := eng.Search(ctx, q, search.Options{IncludeExpired: g%2 == 0}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// A question that spells a compound as one word (网上学法减分) is covered by
// a passage that says it in its parts (在网上进行学法减分), not missing from
// it; one that holds only some of its parts does not cover it.
func TestConfidenceCompoundInParts(t *testing.T) {
	seg, err := zh.New(zh.Config{Words: []string{"网上学法减分", "学法减分"}})
	if err != nil {
		t.Fatal(err)
	}
	ds := []*kb.Document{
		{ID: "faq-xfjf", Type: kb.TypeFAQ, Title: "如何在网上进行学法减分？", Department: "交管局",
			Body: "登录交管12123，选择学法减分，完成学习和考试后可减免记分。"},
		{ID: "faq-jf", Type: kb.TypeFAQ, Title: "驾驶证记分周期是多久？", Department: "交管局",
			Body: "记分周期为十二个月，满分为十二分，从驾驶证初次领取之日起计算。"},
	}
	eng := syncedEngine(t, seg, ds)
	r := search1(t, eng, "网上学法减分", search.Options{})
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "faq-xfjf" {
		t.Fatalf("results %v", ids(r))
	}
	if !eng.Answerable(r) {
		t.Errorf("网上学法减分: confidence %.2f, the passage holds every part of the compound", r.Confidence)
	}
	// A passage holding only 网上 does not cover the compound.
	ds = []*kb.Document{{ID: "faq-ws", Type: kb.TypeFAQ, Title: "网上可以办理哪些驾驶证业务？", Department: "交管局",
		Body: "网上可以办理驾驶证换证、补证和审验。"}}
	eng = syncedEngine(t, seg, ds)
	if r := search1(t, eng, "网上学法减分", search.Options{}); eng.Answerable(r) {
		t.Errorf("网上学法减分 answerable from %v (confidence %.2f)", ids(r), r.Confidence)
	}
}

// An everyday word the vocabulary expands one way (婚假 > 婚丧假) is
// accounted for by a passage holding the official term, as the search
// found it by that term.
func TestConfidenceCountsExpansions(t *testing.T) {
	seg, err := zh.New(zh.Config{Expansions: [][]string{{"婚假", "婚丧假"}}})
	if err != nil {
		t.Fatal(err)
	}
	ds := []*kb.Document{
		{ID: "faq-leave", Type: kb.TypeFAQ, Title: "职工婚丧假是如何规定的？", Department: "人社局",
			Body: "职工本人结婚或者直系亲属死亡时，由本单位行政领导批准，酌情给予一至三天的婚丧假。"},
		{ID: "faq-annual", Type: kb.TypeFAQ, Title: "职工带薪年休假有几天？", Department: "人社局",
			Body: "职工累计工作已满1年不满10年的，年休假5天。"},
	}
	eng := syncedEngine(t, seg, ds)
	r := search1(t, eng, "结婚的话婚假能休几天", search.Options{})
	if len(r.Results) == 0 || r.Results[0].Doc.ID != "faq-leave" {
		t.Fatalf("results %v", ids(r))
	}
	if !eng.Answerable(r) {
		t.Errorf("confidence %.2f: 婚假 is accounted for by 婚丧假", r.Confidence)
	}
}

// syncedEngine is an engine over ds with segmenter seg, the default
// parameters and an in-memory store, synchronised.
func syncedEngine(t *testing.T, seg *zh.Segmenter, ds []*kb.Document) *search.Engine {
	t.Helper()
	eng, err := search.New(search.Config{Now: func() time.Time { return now }}, kb.NewBase(ds, kb.Dict{}), seg, memStore(t, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	sync1(t, eng)
	return eng
}
