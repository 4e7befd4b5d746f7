package answer

import (
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// testFocus builds the focus of a question from its key terms, as focusOf
// would from a search response.
func testFocus(q string, terms ...string) *focus {
	f := &focus{p: DefaultFocus.withDefaults(), bigrams: hanBigrams(q), want: DefaultFocus.FocusRunes}
	for _, t := range terms {
		f.terms = append(f.terms, keyTerm{t: t, w: 10, forms: []string{t}})
	}
	return f
}

// quoted joins what focusQuotes chose, quote by quote.
func quoted(results []search.Result, qs []quote) []string {
	var out []string
	for _, q := range qs {
		out = append(out, joinQuote(results[q.passage].Chunk.Text, q.sentences))
	}
	return out
}

// A numbered item run on after a space starts a sentence; a decimal number
// after a space does not.
func TestSplitSentencesAtRunOnItems(t *testing.T) {
	got := splitSentences("（责任单位：市财政局） 2.稳定信贷供给。对市场主体不得抽贷。 全年补贴 3.5万元。")
	var texts []string
	for _, s := range got {
		texts = append(texts, s.text)
	}
	want := []string{"（责任单位：市财政局）", "2.稳定信贷供给。", "对市场主体不得抽贷。", "全年补贴 3.5万元。"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", texts, want)
	}
}

// What answers a question the document asks itself, or a run-in heading,
// is what follows it: that is quoted, not the question or the heading alone.
func TestQuoteWhatFollows(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypeInterpretation, Title: "慈善捐赠政策答疑"}
	res := func(text string) []search.Result {
		return []search.Result{{Doc: doc, Chunk: kb.Chunk{Text: text}, Score: 1}}
	}
	tests := []struct {
		name, q, text string
		terms         []string
		want          string
	}{
		{"question asked by the document", "医院可以向社会公开募集医疗物资吗", "4、疫情期间，医院可以向社会公开募集医疗物资吗？医院不是慈善组织，不能向社会公开募捐医疗物资。",
			[]string{"医院", "公开募集", "医疗物资"}, "医院不是慈善组织，不能向社会公开募捐医疗物资。"},
		{"run-in heading", "安检登记采取了什么措施", "（一）入站登记。求助人员须登记。\n（二）安检登记。4.安全检查。救助机构为其更换口罩、冲洗身体。",
			[]string{"安检登记"}, "（二）安检登记。4.安全检查。救助机构为其更换口罩、冲洗身体。"},
		{"an item named by the questions it answers is no question", "网上智能问诊重点回复哪些问题", "3、网上智能问诊：如何选用口罩？你可以在这里得到解答。",
			[]string{"智能问诊"}, "3、网上智能问诊：如何选用口罩？你可以在这里得到解答。"},
	}
	for _, tt := range tests {
		f := testFocus(tt.q, tt.terms...)
		rs := res(tt.text)
		got := quoted(rs, f.focusQuotes(rs, nil, 3, 360))
		if len(got) == 0 || got[0] != tt.want {
			t.Errorf("%s: quoted %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A passage that ends on a run-in heading is continued by its document's
// next chunk, so that what the heading introduces can be quoted; other
// passages are left as they are.
func TestWithContinuation(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "若干政策措施"}
	chunks := []kb.Chunk{
		{ID: "d#s1", Text: "1.减免房租。对中小企业免收房租。（责任单位：市国资委） 2.稳定信贷供给。"},
		{ID: "d#s2", Text: "对受疫情影响较大的市场主体，不得盲目抽贷、断贷、压贷。"},
		{ID: "d#s3", Text: "3.降低融资成本。"},
	}
	chunksOf := func(id string) []kb.Chunk {
		if id == "d" {
			return chunks
		}
		return nil
	}
	results := []search.Result{{Doc: doc, Chunk: chunks[0], Score: 1}, {Doc: doc, Chunk: chunks[1], Score: 0.9}, {Doc: doc, Chunk: chunks[2], Score: 0.8}}
	got, own := withContinuation(results, 5, chunksOf)
	if want := chunks[0].Text + "\n" + chunks[1].Text; got[0].Chunk.Text != want {
		t.Errorf("first passage %q, want %q", got[0].Chunk.Text, want)
	}
	if got[0].Chunk.ID != "d#s1" || results[0].Chunk.Text != chunks[0].Text {
		t.Error("the passage lost its anchor, or the results were changed in place")
	}
	if got[1].Chunk.Text != chunks[1].Text {
		t.Errorf("a passage that ends on a full sentence was continued: %q", got[1].Chunk.Text)
	}
	if got[2].Chunk.Text != chunks[2].Text {
		t.Errorf("the last chunk has nothing to continue with: %q", got[2].Chunk.Text)
	}
	f := testFocus("稳定信贷供给有什么说明", "稳定", "信贷", "供给")
	q := quoted(got, f.focusQuotes(got, own, 3, 360))
	if len(q) == 0 || !strings.Contains(q[0], "不得盲目抽贷") || !strings.HasPrefix(q[0], "2.稳定信贷供给。") {
		t.Errorf("quoted %q, want the heading with its text", q)
	}
}

// Another document that says it about as well (a notice republished) is
// offered, not quoted after the first; a further quote comes only from the
// same document, and not when it repeats what the first quote says.
func TestSecondQuote(t *testing.T) {
	a := &kb.Document{ID: "a", Type: kb.TypePolicy, Title: "甲市通知"}
	b := &kb.Document{ID: "b", Type: kb.TypePolicy, Title: "乙报道"}
	same := "对中小企业减免房租。"
	results := []search.Result{
		{Doc: a, Chunk: kb.Chunk{ID: "a#1", Text: same}, Score: 1},
		{Doc: b, Chunk: kb.Chunk{ID: "b#1", Text: same}, Score: 0.99},
		{Doc: a, Chunk: kb.Chunk{ID: "a#2", Text: "另对中小企业减免房租一个月。"}, Score: 0.98},
	}
	f := testFocus("中小企业减免房租", "中小企业", "减免", "房租")
	got := quoted(results, f.focusQuotes(results, nil, 5, 360))
	if len(got) != 2 || got[0] != same || got[1] != "另对中小企业减免房租一个月。" {
		t.Errorf("quoted %q", got)
	}
	if len(f.near) != 1 || results[f.near[0]].Doc.ID != "b" {
		t.Errorf("near %v, want the other document", f.near)
	}
	// Offered whatever its retrieval score.
	results[1].Score = 0.3
	if also := alsoFoundResults(results, []string{"a"}, f.near, alsoAskedShare); len(also) != 1 || also[0].Doc.ID != "b" {
		t.Errorf("offered %v", also)
	}
	// A part that answers a little less well (a weaker retrieval score:
	// its sentence scores 0.92–0.95 of the best, under SecondQuote) is not
	// quoted; 0.92 of the best still offers another document.
	results[2].Score = 0.7
	f = testFocus("中小企业减免房租", "中小企业", "减免", "房租")
	if got := quoted(results, f.focusQuotes(results, nil, 5, 360)); len(got) != 1 {
		t.Errorf("a weaker part quoted too: %q", got)
	}
	results[2].Score = 0.98
	// A chunk that overlaps the first says nothing new.
	results[2].Chunk.Text = same
	f = testFocus("中小企业减免房租", "中小企业", "减免", "房租")
	if got := quoted(results, f.focusQuotes(results, nil, 5, 360)); len(got) != 1 {
		t.Errorf("repeated: %q", got)
	}
}

// A question for a number in a measure (多少吨) prefers the sentence with a
// number in it; 哪几项 asks which, not how many.
func TestAsksUnit(t *testing.T) {
	a := &Answerer{base: &kb.Base{}, cfg: Config{Focus: DefaultFocus}}
	resp := &search.Response{Terms: []string{"天津港", "抢卸", "物资"}}
	f := a.focusOf("天津港连夜抢卸多少吨物资", resp)
	if f.unit == nil || !f.unit.MatchString("432吨") || f.unit.MatchString("432箱") {
		t.Fatalf("unit %v", f.unit)
	}
	// The headline names what is asked: every sentence is about it.
	doc := &kb.Document{ID: "n", Type: kb.TypePolicy, Title: "天津港连夜抢卸疫情防控物资"}
	text := "天津港连夜抢卸、发运疫情防控物资。两轮共载有432吨医用物资原料。天津港还免除物资的库场使用费。"
	results := []search.Result{{Doc: doc, Chunk: kb.Chunk{Text: text}, Score: 1}}
	f.want = 1 // the best sentence alone
	got := quoted(results, f.focusQuotes(results, nil, 3, 360))
	if len(got) == 0 || !strings.Contains(got[0], "432吨") {
		t.Errorf("quoted %q", got)
	}
	if f := a.focusOf("免征哪几项税费", resp); f.unit != nil {
		t.Errorf("哪几项 taken for a measure: %v", f.unit)
	}
	if f := a.focusOf("补贴多少万元", resp); f.unit == nil || !f.unit.MatchString("3万元") {
		t.Errorf("多少万元: %v", f.unit)
	}
}

// A note closed by its bracket, or a list's introduction, run into the
// next numbered item with no space between them ends a sentence; the
// bracket of an item's own number, and a decimal number after a colon, do
// not.
func TestSplitSentencesBeforeItems(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"（责任单位：省财政厅）二、减轻税费负担。列入名单的企业免税。", "（责任单位：省财政厅）|二、减轻税费负担。|列入名单的企业免税。"},
		{"现就有关事项通知如下：一、在疫情防控期间培训平台免费开放。", "现就有关事项通知如下：|一、在疫情防控期间培训平台免费开放。"},
		{"（四）对重点保障企业贷款给予财政贴息支持。", "（四）对重点保障企业贷款给予财政贴息支持。"},
		{"(2)进口物资增加试剂。", "(2)进口物资增加试剂。"},
		{"培训时长：1.5小时。", "培训时长：1.5小时。"},
		// A note in brackets keeps its ；and 。; closed, it ends before the
		// next item, even when it ends on a digit.
		{"另免收该月的物业费。（对接部门：区国资委；联系人：杨晓美；联系电话：88498532）二、减轻企业经营负担。",
			"另免收该月的物业费。|（对接部门：区国资委；联系人：杨晓美；联系电话：88498532）|二、减轻企业经营负担。"},
		{"假期延至2月2日（农历正月初九。星期日），2月3日起正常上班。", "假期延至2月2日（农历正月初九。星期日），2月3日起正常上班。"},
		// A bracket that does not close soon holds no note.
		{"（一是减免房租。二是缓缴社保。", "（一是减免房租。|二是缓缴社保。"},
	} {
		var texts []string
		for _, s := range splitSentences(c.text) {
			texts = append(texts, s.text)
			if c.text[s.start:s.start+len(s.text)] != s.text {
				t.Errorf("%q: offset %d does not point at %q", c.text, s.start, s.text)
			}
		}
		if got := strings.Join(texts, "|"); got != c.want {
			t.Errorf("splitSentences(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// Among the sentences of the document chosen, the one quoted is found by
// the question's words that tell its sentences apart: 仲裁 and 事宜 are in
// nearly every sentence of this notice and say nothing about which one
// answers; 立案 is in one.
func TestQuoteChosenWithinDocument(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "关于防疫期间相关服务安排的通知"}
	doc.Body = "现就防疫期间相关服务安排通知如下。仲裁庭开庭事宜，由仲裁庭根据规则决定延期。当事人办理立案的，请先拨打咨询电话。" +
		"仲裁员阅卷事宜，可以通过网上进行。仲裁文书送达事宜，优先采用邮寄方式。仲裁费用缴纳事宜，可以网上支付。"
	rs := []search.Result{{Doc: doc, Chunk: kb.Chunk{Text: doc.Body}, Score: 1}}
	for _, c := range []struct {
		within float64
		want   string
	}{
		{0, "当事人办理立案的"}, // the default
		{-1, "仲裁"},      // not weighed within the document: a sentence with more of the question's words
	} {
		f := testFocus("仲裁立案事宜如何处理", "仲裁", "立案", "事宜")
		if c.within != 0 {
			f.p.WithinDoc = c.within
		}
		got := quoted(rs, f.focusQuotes(rs, nil, 3, 360))
		if len(got) == 0 || !strings.HasPrefix(got[0], c.want) {
			t.Errorf("WithinDoc %v: quoted %q, want it to start with %q", c.within, got, c.want)
		}
	}
}

// A sentence that only restates what is asked (其中包括，降低中小企业融资成本。)
// is quoted with the sentence after it, which answers, rather than with
// the sentence before it.
func TestEchoQuotedWithWhatFollows(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypeInterpretation, Title: "宝山出台政策细则"}
	text := "从宝山区近期发布的实施细则中了解到，对于疫情危机下中小企业面临的生存压力，宝山在政策意见的框架下出台了一系列支持企业政策细则，对各类政策的支持对象、支持标准、申报材料、申报流程等多方面进行详尽解释。" +
		"其中包括，降低中小企业融资成本。对于获得担保贷款且符合条件的中小企业给予保费补贴。"
	rs := []search.Result{{Doc: doc, Chunk: kb.Chunk{Text: text}, Score: 1}}
	for _, c := range []struct {
		echo int
		want string
		ok   bool
	}{
		{0, "其中包括，降低中小企业融资成本。对于获得担保贷款且符合条件的中小企业给予保费补贴。", true},
		{-1, "从宝山区", false}, // 其中 brings the sentence before it, and the answer is left out
	} {
		f := testFocus("宝山怎样降低中小企业融资成本", "降低", "中小企业", "融资成本")
		if c.echo != 0 {
			f.p.EchoRunes = c.echo
		}
		got := quoted(rs, f.focusQuotes(rs, nil, 3, 360))
		if len(got) == 0 || !strings.HasPrefix(got[0], c.want) || strings.Contains(got[0], "保费补贴") != c.ok {
			t.Errorf("EchoRunes %d: quoted %q", c.echo, got)
		}
	}
}

// A paragraph too long for one chunk is cut by the chunker after a
// sentence; a question for several things reads on into the next chunk
// (in one line: it is one paragraph), a question for one fact does not,
// and no quote starts in the text read on. A chunk that ends a paragraph
// is not continued.
func TestContinuedParagraph(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "若干措施"}
	doc.Body = "二、加大防控资金支持力度 6.建立疫情防控专项资金池，主要用于医药物资储备。市区两级财政加大库款保障力度，优先调度。\n\n7.加强医疗费用保障。确诊患者救治费用由财政全额补助。"
	chunks := []kb.Chunk{
		{ID: "d#s1", Text: "二、加大防控资金支持力度 6.建立疫情防控专项资金池，主要用于医药物资储备。"},
		{ID: "d#s1_2", Text: "市区两级财政加大库款保障力度，优先调度。"},
		{ID: "d#s2", Text: "7.加强医疗费用保障。确诊患者救治费用由财政全额补助。"},
	}
	chunksOf := func(string) []kb.Chunk { return chunks }
	results := []search.Result{{Doc: doc, Chunk: chunks[0], Score: 1}, {Doc: doc, Chunk: chunks[1], Score: 0.9}}
	got, own := withContinuation(results, 5, chunksOf)
	if want := chunks[0].Text + chunks[1].Text; got[0].Chunk.Text != want {
		t.Fatalf("cut paragraph continued as %q, want %q", got[0].Chunk.Text, want)
	}
	if own[0] != len(chunks[0].Text) || own[1] != 0 || got[1].Chunk.Text != chunks[1].Text {
		t.Fatalf("own %v; a chunk that ends its paragraph was continued: %q", own, got[1].Chunk.Text)
	}

	list := testFocus("出台了哪些政策加大防控资金支持力度", "加大", "防控", "资金", "支持")
	list.want, list.list = list.p.ListRunes, true
	q := quoted(got, list.focusQuotes(got, own, 1, 360))
	if len(q) == 0 || !strings.Contains(q[0], "专项资金池") || !strings.Contains(q[0], "库款保障") {
		t.Errorf("question for several things: quoted %q, want the item read on into the next chunk", q)
	}
	fact := testFocus("资金池主要用于什么", "资金池", "用于")
	fact.want = fact.p.FactRunes
	if q := quoted(got, fact.focusQuotes(got, own, 1, 360)); len(q) == 0 || strings.Contains(q[0], "库款") {
		t.Errorf("question for one fact: quoted %q, want no more than its chunk", q)
	}
	// 库款 is only in the text read on: no quote starts there.
	only := testFocus("库款保障有哪些措施", "库款", "保障")
	only.want, only.list = only.p.ListRunes, true
	if q := only.focusQuotes(got, own, 1, 360); len(q) != 0 && q[0].sentences[0].start >= own[0] {
		t.Errorf("a quote starts in the text read on: %q", quoted(got, q))
	}
}

// A quote that grows onto a short sentence introducing a list (主要包括如下
// 几个方面：) brings the list's items, an item running on past its ；
// included; a document's preamble (现将有关事项通知如下：) or its list of
// attachments does not bring its sections.
func TestGrowIntoList(t *testing.T) {
	items := func(text string) string {
		ss := splitSentences(text)
		return joinQuote(text, grow(ss, 0, 80, 360, false, nil).sentences)
	}
	text := "各设区市对每日新增病例要作出具体说明。主要包括如下几个方面： 1.新增病例属于输入型还是续发型； 2.新增病例所在单位；其所在社区； 3.新增病例发生的原因。各设区市需于次日中午前上报。"
	if got := items(text); !strings.Contains(got, "3.新增病例发生的原因。") || !strings.Contains(got, "其所在社区；") || strings.Contains(got, "次日中午") {
		t.Errorf("list introduced mid-quote: %q", got)
	}
	// The best sentence that introduces what follows with a full stop
	// (…具体安排通知如下。) is quoted with its items.
	text = "经国务院批准，现将延长春节假期的具体安排通知如下。一、延长春节假期至2月2日。二、推迟开学。"
	if got := items(text); !strings.Contains(got, "一、延长春节假期至2月2日。") {
		t.Errorf("intro ending with 如下。: %q", got)
	}
	for _, text := range []string{
		"经省政府同意，提供免费健康申报证明服务。现将有关事项通知如下： 一、服务对象和内容。",
		"健康申报证明至疫情解除为止。附件： 1.健康申报证明样式",
	} {
		if got := items(text); strings.Contains(got, "一、") || strings.Contains(got, "1.") {
			t.Errorf("a preamble brought its sections: %q", got)
		}
	}
}

// A quote does not grow into the document's signature (its issuer and
// date, 特此通告。), however long the issuer's name.
func TestGrowStopsAtSignature(t *testing.T) {
	text := "本通告自2020年2月21日零时施行。海陵区服务业疫情信息上报平台二维码泰州市海陵区应对新型冠状病毒肺炎疫情工作领导小组办公室 2020年2月20日"
	ss := splitSentences(text)
	if got := joinQuote(text, grow(ss, 0, 200, 360, false, nil).sentences); got != "本通告自2020年2月21日零时施行。" {
		t.Errorf("grew into the signature: %q", got)
	}
	for _, sig := range []string{"德阳市食品安全委员会办公室 2020年2月3日【打印本页】【关闭窗口】", "特此通告。"} {
		if !signatureRe.MatchString(sig) {
			t.Errorf("%q not taken for a signature", sig)
		}
	}
	text = "疫情防控期间24小时爱心服务热线：88202020。特此通告。"
	ss = splitSentences(text)
	if got := joinQuote(text, grow(ss, 0, 200, 360, true, nil).sentences); got != "疫情防控期间24小时爱心服务热线：88202020。" {
		t.Errorf("a sentence restating the question brought the closing formula: %q", got)
	}
}

// midParagraph tells a paragraph the chunker cut (its last paragraph runs
// on into the next chunk's first) from a chunk that ends its paragraph.
func TestMidParagraph(t *testing.T) {
	body := "第一段说明。\n\n第二段开头很短。接着说下去。\n\n第三段。"
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"第一段说明。\n第二段开头很短。", "接着说下去。", true}, // the chunk's last paragraph is short
		{"第一段说明。", "第二段开头很短。接着说下去。", false},
		{"第二段开头很短。接着说下去。", "第三段。", false},
	} {
		if got := midParagraph(body, c.a, c.b); got != c.want {
			t.Errorf("midParagraph(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// A heading that restates a question for several things (一、开学前的准备工作)
// brings all of its items, an item of several sentences whole, and not the
// next section (二、…) whose items are numbered the same way.
func TestQuoteSectionItems(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "中小学校和托幼机构防控指引"}
	text := "一、开学前的准备工作 1、制定完善本校传染病防控应急预案，责任到位，分工到人。 2、提前掌握师生假期出京情况，督促其进行居家观察。督促其他师生关注自身健康状况。 3、在校园内设置临时等候区。 4、要做好物资准备，包括体温计、口罩等防护用品。二、开学后的防控工作 1、以多种形式开展健康教育。 2、每日对入校的教职员工进行体温排查。"
	f := testFocus("中小学校开学前应做哪些准备工作", "开学前", "准备工作")
	f.want, f.list = f.p.ListRunes, true
	got := quoteOne(f, doc, text)
	if len(got) == 0 {
		t.Fatal("nothing quoted")
	}
	for _, want := range []string{"1、制定", "督促其他师生", "3、在校园内", "4、要做好物资准备"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("quoted %q, want it to hold %q", got[0], want)
		}
	}
	if strings.Contains(got[0], "开学后") {
		t.Errorf("quoted %q: the next section came with the items", got[0])
	}
}

// A question for a contact (电子邮件, 电话) is answered by the sentence
// that gives one, though it never uses the question's word for it.
func TestQuoteContactAsked(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "网信办关于网络谣言的倡议"}
	rs := []search.Result{
		{Doc: doc, Chunk: kb.Chunk{ID: "d#s0", Text: "请广大市民积极协助网信部门加强网上信息监管，发现网络谣言及时向网信部门举报。"}, Score: 1},
		{Doc: doc, Chunk: kb.Chunk{ID: "d#s1", Text: "举报电话和邮箱：市委网信办 0933-8239022 举报邮箱：jubao@163.com"}, Score: 0.9},
	}
	for _, tt := range []struct{ q, term, want string }{
		{"市民如何用电子邮件举报谣言", "电子邮件", "jubao@163.com"},
		{"举报谣言打什么电话", "电话", "0933-8239022"},
	} {
		f := testFocus(tt.q, "市民", tt.term, "举报", "谣言")
		f.mail, f.phone = asksMailRe.MatchString(tt.q), asksPhoneRe.MatchString(tt.q)
		got := quoted(rs, f.focusQuotes(rs, nil, 2, 360))
		if len(got) == 0 || !strings.Contains(got[0], tt.want) {
			t.Errorf("%s: quoted %q, want the sentence with %s", tt.q, got, tt.want)
		}
	}
}

// A sentence that points back (这是…, 此举…) is quoted with the sentence it
// points to: 这是该区…第二例签约活动 does not say which activity.
func TestQuoteWhatItPointsBackTo(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "重庆日报要闻"}
	text := "2月20日，轨道4号线二期项目恢复施工。2月20日，九龙坡区与全国7家优质心理企业举行“云签约”，入驻心海心理产业园。这是该区推行“不见面招商”后的第二例招商引资签约活动。"
	f := testFocus("九龙坡区推行不见面招商后的第二例招商引资签约活动是什么", "九龙坡区", "不见面招商", "第二例", "招商引资", "签约活动")
	f.want = f.p.FactRunes
	got := quoteOne(f, doc, text)
	if len(got) == 0 || !strings.Contains(got[0], "云签约") || strings.Contains(got[0], "轨道") {
		t.Errorf("quoted %q, want the sentence 这是… points back to, and no more before it", got)
	}
}

// A name the asker quotes (“货通证”) is one term, as heavy as the heaviest,
// however the segmenter cut it: the sentence about it is quoted, not one
// that shares only the question's other words.
func TestQuoteQuotedName(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "长三角货运通行"}
	text := "今天，上海又将有一批企业复工复产，各入沪道口对车辆严格检查。持有货通证的货运车辆在长三角区域内可便捷通行，无须再次隔离14天。"
	f := testFocus("上海车辆持有“货通证”有何用处", "上海", "车辆")
	f.want = f.p.FactRunes
	f.terms = withQuotedNames(f.terms, "上海车辆持有“货通证”有何用处？")
	got := quoteOne(f, doc, text)
	if len(got) == 0 || !strings.HasPrefix(got[0], "持有货通证") {
		t.Errorf("quoted %q, want the sentence about 货通证", got)
	}
	if n := len(withQuotedNames(f.terms, "“货通证”")); n != len(f.terms) {
		t.Errorf("a quoted name already a term was added again: %d terms, want %d", n, len(f.terms))
	}
}

// The exception after a ；(采用书面形式确有困难的，…) is quoted with the rule
// before it; an item of a list after another is not.
func TestQuoteExceptionWithItsRule(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypeGuide, Title: "依申请公开政府信息办事指南"}
	for _, tc := range []struct{ text, q, want string }{
		{"向行政机关申请获取政府信息，应当采用包括信件、数据电文在内的书面形式；采用书面形式确有困难的，申请人可以口头提出，由工作机构代为填写政府信息公开申请。",
			"网上怎么提交信息公开申请", "向行政机关申请获取政府信息"},
		{"1. 申请人的姓名、身份证明、联系方式；2. 申请公开的政府信息的名称、文号或者其他特征性描述的，可以一并提交。",
			"申请公开的政府信息的名称要写吗", "2. 申请公开"},
	} {
		f := testFocus(tc.q, "申请", "信息公开", "政府信息")
		got := quoteOne(f, doc, tc.text)
		if len(got) == 0 || !strings.HasPrefix(got[0], tc.want) {
			t.Errorf("%s: quoted %q, want it to start with %q", tc.q, got, tc.want)
		}
	}
}

// A question for what something is (什么是无接触点餐) is answered by the
// sentence that says what it is (“无接触点餐”是指…), not by one that only
// names it as often.
func TestDefinitionSentenceQuoted(t *testing.T) {
	doc := &kb.Document{ID: "d", Type: kb.TypeInterpretation, Title: "餐饮门店推行无接触点餐"}
	text := "这些门店将全面推行“无接触点餐”服务，加大餐饮外卖供应。“无接触点餐”是指通过手机点餐、支付、外带等无接触产品，实现餐厅点餐、取餐全链路解决方案。"
	q := "什么是“无接触点餐”？"
	f := testFocus(textnorm.Key(q), "无接触点餐")
	f.want = DefaultFocus.FactRunes
	f.defines = textnorm.Key(defined(askDefRe, q))
	got := quoteOne(f, doc, text)
	if len(got) == 0 || !strings.HasPrefix(got[0], "“无接触点餐”是指") {
		t.Errorf("quoted %q", got)
	}
	if definesIt(textnorm.Key("推行无接触点餐服务"), "无接触点餐") || !definesIt(textnorm.Key("所谓无接触点餐，是指…"), "无接触点餐") {
		t.Error("definesIt")
	}
}

// quoteOne is what f quotes from one passage of doc holding text.
func quoteOne(f *focus, doc *kb.Document, text string) []string {
	rs := []search.Result{{Doc: doc, Chunk: kb.Chunk{Text: text}, Score: 1}}
	return quoted(rs, f.focusQuotes(rs, nil, 1, 360))
}

// 这几天, 前几年 say "these few days", "the past few years", 交了几年 "paid
// for some years": no number is asked; 要等几天 asks one.
func TestDemonstrativeFewAsksNoNumber(t *testing.T) {
	a := &Answerer{base: &kb.Base{}, cfg: Config{Focus: DefaultFocus}}
	resp := &search.Response{Terms: []string{"社保卡", "看病"}}
	for q, want := range map[string]bool{
		"出院结账时医院把社保卡押下了 这几天看病的钱咋报": false,
		"前几年交的社保还能查到吗":             false,
		"社保卡补办要等几天":                true,
	} {
		if got := a.focusOf(q, resp).number; got != want {
			t.Errorf("focusOf(%q).number = %v, want %v", q, got, want)
		}
	}
}

// 分几种 is answered by 五大类; 打啥电话 by 拨打110, not by a passage giving no number.
func TestKindsAndEmergencyNumbers(t *testing.T) {
	a := &Answerer{base: &kb.Base{}, cfg: Config{Focus: DefaultFocus}}
	resp := &search.Response{Terms: []string{"体彩店"}}
	kinds := search.Result{Doc: &kb.Document{ID: "kinds"}, Chunk: kb.Chunk{Text: "体育彩票实体店分为五大类，分别是彩票专营店、小微零售店和即开店。"}}
	if lacksFact(kinds, a.focusOf("体彩店分几种", resp)) {
		t.Errorf("几种: 五大类 taken for no number")
	}
	r := search.Result{Doc: &kb.Document{ID: "snow"}, Chunk: kb.Chunk{Text: "如果被积雪围困，要尽快拨打110求救。"}}
	if q := "雪太大被困家里出不去了 打啥电话求救"; lacksFact(r, a.focusOf(q, resp)) {
		t.Errorf("%s: 拨打110 taken for no number", q)
	}
	r.Chunk.Text = "如果被积雪围困，要尽快向周围人求救。"
	if q := "雪太大被困家里出不去了 打啥电话求救"; !lacksFact(r, a.focusOf(q, resp)) {
		t.Errorf("%s: a passage without a number answers", q)
	}
}

// Asked to whom a document is sent (发给哪些单位, 谁要照着执行), the quote is
// its addressee line, not the covering sentence that echoes the question's
// words (现印发给你们，请结合工作，认真遵照执行); a question about its content
// is not answered with the addressee line.
func TestAddresseeLineQuoted(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	ans := ask(t, a, Request{Question: "这文件是发给哪些单位的 谁要照着执行"})
	if ans.Refused || len(ans.Sources) == 0 || !strings.Contains(ans.Text, "各镇(乡)人民政府、街道办事处,区政府各部门、各直属单位") {
		t.Errorf("addressee asked: %s", ans.Text)
	}
	if ans := ask(t, a, Request{Question: "2019年政务公开要点的总体要求是什么"}); strings.Contains(ans.Text, "各直属单位:") {
		t.Errorf("addressee line quoted for a question on the content: %s", ans.Text)
	}
	// Only in the document found first: another document's addressee line,
	// found with it, does not say to whom the first was sent.
	asked := &kb.Document{ID: "asked", Type: kb.TypePolicy, Title: "关于做好政务公开考核工作的通知", Body: "本通知印发给各镇(乡)考核小组,请认真执行。"}
	other := &kb.Document{ID: "other", Type: kb.TypePolicy, Title: "关于印发工作要点的通知", Body: "各镇(乡)人民政府、街道办事处:\n\n现印发给你们,请认真遵照执行。"}
	f := a.focusOf("政务公开考核的通知发给哪些单位", analyze(a, "政务公开考核的通知发给哪些单位"))
	if !f.addressee {
		t.Fatal("addressee not asked")
	}
	qs := f.focusQuotes([]search.Result{
		{Doc: asked, Score: 1, Chunk: kb.Chunk{Text: asked.Body}},
		{Doc: other, Score: 0.9, Chunk: kb.Chunk{Text: other.Body}},
	}, nil, 5, 300)
	if len(qs) == 0 || qs[0].passage != 0 {
		t.Errorf("another document's addressee line quoted first: %+v", qs)
	}
}

// The everyday words of the 政务公开 vocabulary (knowledge/dict/) find the
// plan's official wording: 老公报 is an old 公报 (历史公报), not a husband's
// (老公) report; 不用来回跑 is 最多跑一次; a 草稿 of a decision is its 草案.
func TestSeedEverydayWords(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for q, want := range map[string]string{
		"以前的老公报现在还能查到吗":      "历史公报",
		"能不能网上一次弄好 不用来回跑":    "最多跑一次",
		"政府定大事之前 老百姓能先看到草稿吗": "决策草案",
	} {
		if ans := ask(t, a, Request{Question: q}); ans.Refused || !strings.Contains(ans.Text, want) {
			t.Errorf("%s: %s", q, ans.Text)
		}
	}
}
