package answer

import (
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
)

// A question's word is on topic when the knowledge base's titles name it or
// one of its synonyms: 医保卡 when a FAQ entry asks about 社会保障卡.
func TestTopicSupportUsesSynonyms(t *testing.T) {
	base := kb.NewBase([]*kb.Document{{ID: "q", Type: kb.TypeFAQ, Title: "社会保障卡如何申领？", Body: "携带身份证到银行网点办理。"}}, kb.Dict{})
	ti := newTopicIndex(base, withChunks(base, nil))
	if sup, missing := ti.support([]string{"医保卡", "申领"}, nil, nil); sup != 0.5 || len(missing) != 1 {
		t.Errorf("without synonyms: support %.2f, missing %v", sup, missing)
	}
	syn := map[string][]string{"医保卡": {"社会保障卡", "社保卡"}}
	if sup, missing := ti.support([]string{"医保卡", "申领"}, syn, nil); sup != 1 || len(missing) != 0 {
		t.Errorf("with synonyms: support %.2f, missing %v", sup, missing)
	}
}

func TestIsQuantity(t *testing.T) {
	for term, want := range map[string]bool{
		"几门": true, "几月": true, "多少岁": true, "哪年": true, "几个月": true, "一年": true, "两个月": true,
		"三个工作日": true, "两万块": true, "3000元": true, "五百块钱": true, "一千多": true, "一级": false, "万元户": false, "2019": false, "一块": false, "30块": true, "三类": false, "哪里": false, "多少钱": false, "司机": false, "出租车": false,
	} {
		if got := isQuantity(term); got != want {
			t.Errorf("isQuantity(%q) = %v, want %v", term, got, want)
		}
	}
}

// A quantity the knowledge base's titles lack says nothing of the topic (两万
// 块); one they name (分几级) supports it.
func TestTopicSupportQuantities(t *testing.T) {
	base := kb.NewBase([]*kb.Document{
		{ID: "a", Type: kb.TypeFAQ, Title: "体育彩票奖金缴税标准是多少？", Body: "按偶然所得缴纳个人所得税。"},
		{ID: "b", Type: kb.TypeFAQ, Title: "工伤伤残等级分几级？", Body: "分为十个等级。"},
	}, kb.Dict{})
	ti := newTopicIndex(base, withChunks(base, nil))
	for _, tc := range []struct {
		terms   []string
		support float64
		missing int
	}{
		{[]string{"彩票", "两万块"}, 1, 0},
		{[]string{"工伤", "几级"}, 1, 0},
		{[]string{"工伤", "几级", "最重"}, 2.0 / 3, 1},
	} {
		if sup, missing := ti.support(tc.terms, nil, nil); sup != tc.support || len(missing) != tc.missing {
			t.Errorf("support(%v) = %.2f, missing %v; want %.2f, %d missing", tc.terms, sup, missing, tc.support, tc.missing)
		}
	}
}

// A word made of aspect and question words only (网上预约) is an aspect,
// however the dictionary segments it.
func TestAspectCompound(t *testing.T) {
	for term, want := range map[string]bool{
		"网上预约": false, "现场办理": false, "网上申请": false,
		"电动自行车": true, "交通": true, "办事大厅": true, "结婚登记": true,
	} {
		if got := !aspectCompound(term); got != want {
			t.Errorf("aspectCompound(%q) = %v, want %v", term, !got, !want)
		}
	}
}

// Directional complements (交上去, 转过来, 拿回来) say where, not what.
func TestDirectionalComplementsNameNoTopic(t *testing.T) {
	for _, w := range []string{"上去", "进去", "过来", "回来", "出去"} {
		if isTopicTerm(w) {
			t.Errorf("isTopicTerm(%q) = true", w)
		}
	}
}

// Words inside the words that ask for an aspect (做好 and 没有 in 做好没有,
// which asks for 进度) are not a follow-up's topic of its own: 申请交上去了
// 卡做好没有在哪查 after 养老助残卡 asks for that card's progress.
func TestWordsInsideAskingWords(t *testing.T) {
	a := &Answerer{base: loadKnowledge(t)}
	for q, terms := range map[string]map[string]bool{
		"申请交上去了 卡做好没有在哪查": {"做好": true, "没有": true, "申请": false, "养老助残卡": false},
		// Words holding asking words and more name a matter of their own.
		"研发费用加计扣除要交什么材料": {"研发费用": false, "研发费用加计扣除": false},
		"教师资格证怎么考":       {"教师资格证": false},
	} {
		q = textnorm.Key(q)
		spans := a.askingSpans(q)
		for term, want := range terms {
			if got := overlapsAny(q, term, spans); got != want {
				t.Errorf("%s: overlapsAny(%q) = %v, want %v (spans %v)", q, term, got, want, spans)
			}
		}
	}
}
