package answer

import (
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

func TestSplitSentences(t *testing.T) {
	got := splitSentences("第一句。第二句！“引号里。”第三句\n第四句；")
	var texts []string
	for _, s := range got {
		texts = append(texts, s.text)
	}
	want := []string{"第一句。", "第二句！", "“引号里。”", "第三句", "第四句；"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", texts)
	}
}

func TestSelectSentences(t *testing.T) {
	doc := &kb.Document{ID: "d", Title: "某某办法"}
	res := func(score float64, text string) search.Result {
		return search.Result{Doc: doc, Chunk: kb.Chunk{Text: text}, Score: score}
	}
	long := strings.Repeat("无关的长句子内容。", 30)
	headed := func(score float64, text string, heading ...string) search.Result {
		return search.Result{Doc: doc, Chunk: kb.Chunk{Text: text, Heading: heading}, Score: score}
	}
	tests := []struct {
		name    string
		results []search.Result
		want    []string // quoted texts per passage
	}{
		{"best passage whole", []search.Result{res(10, "考核每年一次。结果公开。")}, []string{"考核每年一次。结果公开。"}},
		{"long passage: relevant sentences only", []search.Result{res(10, long+"考核每年一次。"+long)}, []string{"考核每年一次。"}},
		{"irrelevant preamble skipped", []search.Result{res(10, "某某办法\n本文为示例。"), res(9, "考核每年一次。")}, []string{"考核每年一次。"}},
		{"weak second passage left out", []search.Result{res(10, "考核每年一次。"), res(2, "考核另有规定。")}, []string{"考核每年一次。"}},
		{"close second passage added", []search.Result{res(10, "考核每年一次。"), res(9, "考核结果公开。无关。")}, []string{"考核每年一次。", "考核结果公开。"}},
		{"nothing relevant: start of best", []search.Result{res(10, "甲。乙。")}, []string{"甲。乙。"}},
		{"weakly relevant sentences left out", []search.Result{res(10, long+"考核结果每年公开。"+long+"另有考核。")}, []string{"考核结果每年公开。"}},
		{"a heading is not quoted alone", []search.Result{res(10, "考核每年一次。"), headed(9, "（二）深化考核信息公开。本单位要细化公开事项。"+long, "（二）深化考核信息公开")},
			[]string{"考核每年一次。", "本单位要细化公开事项。"}},
	}
	for _, tt := range tests {
		qs := selectSentences(tt.results, []string{"考核"}, 3, 360)
		if tt.name == "weakly relevant sentences left out" {
			qs = selectSentences(tt.results, []string{"考核", "结果", "公开"}, 3, 360)
		}
		var got []string
		for _, q := range qs {
			got = append(got, joinQuote(tt.results[q.passage].Chunk.Text, q.sentences))
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A quote is introduced by its document and section, without repeating a
// run-in heading the quote starts with; a further quote from the same
// document names only its section.
func TestIntroduceQuotes(t *testing.T) {
	doc := &kb.Document{ID: "d", Title: "某某办法", DocNumber: "某发〔2021〕3号"}
	res := func(heading ...string) search.Result {
		return search.Result{Doc: doc, Chunk: kb.Chunk{Heading: heading}}
	}
	later := search.Result{Doc: doc, Chunk: kb.Chunk{Ord: 5}}
	tests := []struct {
		r     search.Result
		quote string
		want  string
		again string
	}{
		{res("第二章 考核内容", "第四条"), "第四条 考核每年开展一次。", "根据《某某办法》（某发〔2021〕3号）“第二章 考核内容”部分：\n", "同一文件“第二章 考核内容”部分：\n"},
		{res("二、重点领域", "（一）深化重大建设项目信息公开"), "(一)深化重大建设项目信息公开。……8类信息。", "根据《某某办法》（某发〔2021〕3号）“二、重点领域”部分：\n", "同一文件“二、重点领域”部分：\n"},
		// The nearest heading only: the source card has the whole path.
		{res("二、重点领域", "（一）深化重大建设项目信息公开"), "重点公开批准服务信息。", "根据《某某办法》（某发〔2021〕3号）“（一）深化重大建设项目信息公开”部分：\n", "同一文件“（一）深化重大建设项目信息公开”部分：\n"},
		{res("第一条"), "第一条 为了规范。", "根据《某某办法》（某发〔2021〕3号）：\n", "同一文件另有：\n"},
		{res(), "现将有关事项通知如下。", "根据《某某办法》（某发〔2021〕3号）：\n", "同一文件开头部分：\n"},
		// The sixth part of a document without headings (a news item).
		{later, "记者了解到，措施已落实。", "根据《某某办法》（某发〔2021〕3号）：\n", "同一文件另有：\n"},
	}
	for _, tt := range tests {
		if got := introduce(tt.r, tt.quote); got != tt.want {
			t.Errorf("introduce(%v, %q) = %q, want %q", tt.r.Chunk.Heading, tt.quote, got, tt.want)
		}
		if got := introduceAgain(tt.r, tt.quote); got != tt.again {
			t.Errorf("introduceAgain(%v, %q) = %q, want %q", tt.r.Chunk.Heading, tt.quote, got, tt.again)
		}
	}
}

func TestShortTitle(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"宁波市海曙区人民政府办公室关于印发2019年宁波市海曙区政务公开工作要点的通知", "2019年宁波市海曙区政务公开工作要点"},
		{"国务院办公厅关于印发《政务公开工作考核办法》的通知", "政务公开工作考核办法"},
		{"【示例】政务公开工作考核办法（2021年版）", "【示例】政务公开工作考核办法（2021年版）"},
		{"国家税务总局南阳市税务局国家税务总局各省辖市税务局，国家税务", "国家税务总局南阳市税务局国家税务总局各省辖市…"},
		{"关于印发的通知", "关于印发的通知"}, // nothing issued to name
	} {
		if got := shortTitle(c.in); got != c.want {
			t.Errorf("shortTitle(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAlsoAsked(t *testing.T) {
	faq := func(title string, score float64) search.Result {
		return search.Result{Doc: &kb.Document{ID: title, Type: kb.TypeFAQ, Title: title}, Score: score}
	}
	policy := search.Result{Doc: &kb.Document{ID: "p", Type: kb.TypePolicy, Title: "某办法"}, Score: 0.99}
	got := alsoAsked(alsoAskedResults([]search.Result{faq("如何变更住房公积金提取日期？", 1), faq("退休人员如何提取公积金？", 0.98), policy,
		faq("如何变更住房公积金提取日期？", 0.97), faq("哪些情况可以提取住房公积金？", 0.92), faq("公积金贷款额度", 0.5)}), false)
	want := "\n\n您可能还想问：\n· 退休人员如何提取公积金？\n· 哪些情况可以提取住房公积金？"
	if got != want {
		t.Errorf("alsoAsked = %q, want %q", got, want)
	}
	if got := alsoAsked(alsoAskedResults([]search.Result{faq("甲？", 1), faq("乙？", 0.5)}), false); got != "" {
		t.Errorf("a clear winner lists %q", got)
	}
}

// A sentence that introduces a list is quoted with its items, each on its
// own line as in the source.
func TestQuoteKeepsListItems(t *testing.T) {
	doc := &kb.Document{ID: "d", Title: "某某办法"}
	text := "第二十六条有关部门应当提供以下与专项附加扣除有关的信息：\n（一）公安部门有关户籍信息；\n（二）卫生部门有关出生信息。\n" + strings.Repeat("另有很长的无关内容。", 40)
	res := []search.Result{{Doc: doc, Chunk: kb.Chunk{Text: text}, Score: 1}}
	qs := selectSentences(res, []string{"专项附加扣除"}, 3, 120)
	if len(qs) != 1 {
		t.Fatalf("quotes %+v", qs)
	}
	got := joinQuote(text, qs[0].sentences)
	want := "第二十六条有关部门应当提供以下与专项附加扣除有关的信息：\n（一）公安部门有关户籍信息；\n（二）卫生部门有关出生信息。"
	if got != want {
		t.Errorf("quote = %q, want %q", got, want)
	}
}

// After an answer quoted from documents, the other documents whose passages
// ranked almost as high are offered, each once; the quoted ones, FAQ
// entries and passages far behind are not.
func TestAlsoFound(t *testing.T) {
	doc := func(id string, score float64, typ kb.Type) search.Result {
		return search.Result{Doc: &kb.Document{ID: id, Type: typ, Title: "《" + id + "》"}, Score: score}
	}
	results := []search.Result{doc("a", 1, kb.TypePolicy), doc("b", 0.97, kb.TypePolicy), doc("a", 0.96, kb.TypePolicy),
		doc("faq", 0.95, kb.TypeFAQ), doc("b", 0.94, kb.TypePolicy), doc("c", 0.93, kb.TypeInterpretation), doc("d", 0.5, kb.TypePolicy)}
	var got []string
	for _, r := range alsoFoundResults(results, []string{"a"}, nil, alsoAskedShare) {
		got = append(got, r.Doc.ID)
	}
	if strings.Join(got, " ") != "b c" {
		t.Errorf("offered %v, want [b c]", got)
	}
	if got := alsoFoundResults(results[:1], nil, nil, alsoAskedShare); len(got) != 0 {
		t.Errorf("a single result offers %v", got)
	}
	if got := alsoFoundResults(results, []string{"a", "b", "c"}, nil, alsoAskedShare); len(got) != 0 {
		t.Errorf("documents all quoted, yet %d offered", len(got))
	}
}

// A headline run into its lead with nothing between them (news pages
// flattened to text) is not quoted as part of the lead's first sentence.
func TestHeadlineRunIntoLead(t *testing.T) {
	title := "上海宝山出台15项政策细则为中小企业复产复工"
	r := search.Result{Doc: &kb.Document{ID: "n", Title: title}, Chunk: kb.Chunk{Text: title + "记者从宝山区获悉，区里出台了一系列支持企业政策细则。其中包括降低融资成本。"}}
	ss := sentencesOf(r)
	if len(ss) != 2 || ss[0].text != "记者从宝山区获悉，区里出台了一系列支持企业政策细则。" {
		t.Fatalf("sentences %+v", ss)
	}
	if got := r.Chunk.Text[ss[0].start : ss[0].start+len(ss[0].text)]; got != ss[0].text {
		t.Errorf("offset points at %q", got)
	}
	short := search.Result{Doc: &kb.Document{ID: "s", Title: "通知公告"}, Chunk: kb.Chunk{Text: "通知公告栏目今日更新。"}}
	if ss := sentencesOf(short); ss[0].text != "通知公告栏目今日更新。" {
		t.Errorf("a short title cut from %q", ss[0].text)
	}
}
