package answer

import (
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

func TestAspectOf(t *testing.T) {
	aspects := []kb.Aspect{
		{Name: "费用", Ask: []string{"交钱", "收费", "要钱吗"}},
		{Name: "材料", Ask: []string{"带啥", "材料"}},
		{Name: "时间", Ask: []string{"多久"}},
	}
	for _, c := range []struct{ q, want string }{
		{"申请政府信息公开要交钱吗", "费用"},
		{"要带啥材料", "材料"}, // 带啥 and 材料 are as long: the earlier wins
		{"办下来要多久", "时间"},
		{"公积金怎么提取", ""},
	} {
		got := ""
		if a := aspectOf(aspects, c.q); a != nil {
			got = a.Name
		}
		if got != c.want {
			t.Errorf("aspectOf(%q) = %q, want %q", c.q, got, c.want)
		}
	}
}

func TestSignatureLinesAreNotQuoted(t *testing.T) {
	for _, s := range []string{"海陵区民政局 2020年2月2日", "2020年2月18日", "江西省新型冠状病毒感染的肺炎疫情防控应急指挥部 2020年2月5日", "特此通告。"} {
		if !signatureRe.MatchString(s) {
			t.Errorf("%q is not taken for a signature line", s)
		}
	}
	for _, s := range []string{"本办法自2021年3月1日起施行。", "申报期限延长至2月24日。"} {
		if signatureRe.MatchString(s) {
			t.Errorf("%q is taken for a signature line", s)
		}
	}
}

// A long sentence quoted for a question about one fact is cut to the
// clauses that hold it, the cuts marked; a question for several things
// keeps the sentence.
func TestTrimLongSentence(t *testing.T) {
	long := "自1月23日接到联防联控机制转来武汉物资需求清单后，工信部立即向武汉紧急调用了防护服1.4万件、医用手套11万双，通过协调紧急采购，为武汉落实各类口罩货源300万个，落实防护服货源10万件，落实护目镜2180副，帮助武汉对接了消杀用品和测温仪等专用设备货源，保障了一线需要。"
	f := &focus{p: DefaultFocus.withDefaults(), terms: []keyTerm{
		{t: "护目镜", w: 12, forms: []string{"护目镜"}}, {t: "落实", w: 8, forms: []string{"落实"}},
	}, bigrams: hanBigrams("为武汉落实了多少护目镜")}
	f.p.FocusRunes, f.p.ClauseRunes = 30, 60
	q := f.trim(quote{sentences: []sentence{{text: long, start: 0}}}, "")
	if len(q.sentences) != 1 || !strings.Contains(q.sentences[0].text, "护目镜2180副") || !q.cutBefore {
		t.Fatalf("trimmed to %+v", q)
	}
	if got := q.sentences[0]; long[got.start:got.start+len(got.text)] != got.text {
		t.Errorf("offset %d does not point at %q", got.start, got.text)
	}
	f.list = true
	if q := f.trim(quote{sentences: []sentence{{text: long}}}, ""); q.sentences[0].text != long || q.cutBefore || q.cutAfter {
		t.Errorf("a list question's sentence was cut: %+v", q)
	}
}

// The section about the aspect asked comes first when its document is as
// much about the question's matter as the first result's.
func TestPreferAspect(t *testing.T) {
	guide := &kb.Document{ID: "g", Type: kb.TypeGuide, Title: "依申请公开政府信息办事指南", Body: "申请政府信息公开……行政机关依申请提供政府信息，不收取费用。"}
	faq := &kb.Document{ID: "f", Type: kb.TypeFAQ, Title: "怎么申请公开政府信息？", Body: "应当采用书面形式申请政府信息公开。"}
	other := &kb.Document{ID: "o", Type: kb.TypeFAQ, Title: "公园年票怎么收费？", Body: "年票收费标准见公告。"}
	results := []search.Result{
		{Doc: faq, Score: 1.1},
		{Doc: other, Score: 0.9, Chunk: kb.Chunk{Text: other.Body}},
		{Doc: guide, Score: 0.5, Chunk: kb.Chunk{Heading: []string{"五、收费"}, Text: "行政机关依申请提供政府信息，不收取费用。"}},
	}
	a := &kb.Aspect{Name: "费用", Ask: []string{"交钱"}, Mark: []string{"收费", "费用"}}
	f := &focus{aspect: a, aspectMarks: a.Mark, terms: []keyTerm{{t: "政府信息公开", w: 14, forms: []string{"政府信息公开"}}}}
	got, moved := f.preferAspect(results, nil)
	if !moved || got[0].Doc.ID != "g" || len(got) != 3 {
		t.Fatalf("first is %s (moved %v), want the guide's 收费 section", got[0].Doc.ID, moved)
	}
	// Without the aspect nothing moves.
	f.aspect = nil
	if _, moved := f.preferAspect(results, nil); moved {
		t.Error("moved without an aspect")
	}
}

// A part of a sentence after a ；that holds the kind of fact asked, whose part
// before it holds one too, is one case of a rule with several: 多久能答复 is
// answered with the 20 working days and their extension, not the extension
// alone; a question for no figure is answered as before.
func TestParallelCasesQuotedTogether(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	ans := ask(t, a, Request{Question: "政府信息公开申请多久能答复"})
	if !strings.Contains(ans.Text, "不能当场答复的，应当自收到申请之日起20个工作日内予以答复；需要延长答复期限的") {
		t.Errorf("the extension quoted without the rule it extends:\n%s", ans.Text)
	}
	ss := splitSentences("不能当场答复的，20个工作日内答复；需要延长的，最长不得超过20个工作日。")
	holds := func(s string) bool { return strings.Contains(s, "20个工作日") }
	if q := grow(ss, 1, 10, 200, false, holds); len(q.sentences) != 2 {
		t.Errorf("parallel case alone: %+v", q.sentences)
	}
	if q := grow(ss, 1, 10, 200, false, nil); len(q.sentences) != 1 {
		t.Errorf("no fact asked, yet the part before is quoted: %+v", q.sentences)
	}
}

// 找谁 asks whom to contact: the shipped guide's 咨询 section (its hotline)
// answers it, not the plan's paragraph on service halls.
func TestWhomToAskIsContact(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	ans := ask(t, a, Request{Question: "办理中有问题找谁"})
	if ans.Refused || ans.Clarify || !strings.Contains(ans.Text, "12345政务服务便民热线咨询") || strings.Contains(ans.Text, "办事大厅") {
		t.Errorf("refused %v clarify %v:\n%s", ans.Refused, ans.Clarify, ans.Text)
	}
}
