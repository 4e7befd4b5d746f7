package answer

import (
	"testing"

	"github.com/govchat/govchat/internal/kb"
)

// A question that names only a topic several entries are about gets those
// entries to choose from, not the answer of whichever ranked first; an entry
// about the topic as a whole answers it; a question that asks something
// about the topic is decided as before.
func TestBareTopic(t *testing.T) {
	shipped := loadKnowledge(t)
	a := newEvalAnswerer(t, shipped)
	for _, q := range []string{"政务公开", "信息公开", "请问政务公开"} {
		ans := ask(t, a, Request{Question: q})
		if !ans.Clarify || len(ans.Related) < 2 {
			t.Errorf("%s: clarify %v related %v: %q", q, ans.Clarify, ans.Related, ans.Text)
		}
	}
	for q, want := range map[string]string{"怎么申请公开政府信息": "haishu-zwgk-faq-008", "政策解读": "haishu-zwgk-faq-003"} {
		if ans := ask(t, a, Request{Question: q}); ans.Refused || ans.Clarify || len(ans.Sources) == 0 || ans.Sources[0].ID != want {
			t.Errorf("%s: sources %v: %q", q, ans.Sources, ans.Text)
		}
	}

	faq := func(id, q, answer string) *kb.Document {
		return &kb.Document{ID: id, Type: kb.TypeFAQ, Title: q, Body: answer, Region: "北京市"}
	}
	b := kb.NewBase([]*kb.Document{
		faq("retire", "退休人员如何提取住房公积金？", "退休人员持身份证到管理部办理提取，可一次性提取账户余额。"),
		faq("rent", "租房如何提取住房公积金？", "无房职工租房的，可按月提取住房公积金支付房租。"),
		faq("buy", "购房如何提取住房公积金？", "购买自住住房的，可提取住房公积金支付购房款。"),
		faq("land", "什么是地籍？", "地籍是记载土地的位置、界址、数量、质量、权属和用途等基本状况的图簿册。"),
		faq("survey", "地籍调查怎么申请？", "向不动产登记机构提出申请，提交权属来源材料。"),
	}, shipped.Dict)
	a = newEvalAnswerer(t, b)
	if ans := ask(t, a, Request{Question: "公积金"}); !ans.Clarify || len(ans.Related) != 3 {
		t.Errorf("公积金: clarify %v related %v: %q", ans.Clarify, ans.Related, ans.Text)
	}
	for q, want := range map[string]string{"地籍": "land", "退休了公积金怎么提取": "retire"} {
		if ans := ask(t, a, Request{Question: q}); ans.Refused || ans.Clarify || len(ans.Sources) == 0 || ans.Sources[0].ID != want {
			t.Errorf("%s: sources %v: %q", q, ans.Sources, ans.Text)
		}
	}
}
