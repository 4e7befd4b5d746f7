package answer

import (
	"context"
	"slices"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// An entry about a sibling of what is asked — the same head with another
// qualifier the knowledge base knows as a topic (结婚登记 for 离婚登记) — is
// not quoted, however well its answer matches (it mentions 离婚登记 in
// passing); what it is about, a qualifier that names no topic (具体地址), or
// a sibling that is no word of the entry's name (机一公开 in 双随机、一公开)
// does not count.
func TestSibling(t *testing.T) {
	docs := []*kb.Document{
		{ID: "jh", Type: kb.TypeFAQ, Title: "结婚登记需要携带哪些材料？", Body: "内地居民携带户口簿、身份证。婚姻状况为离婚的，携带离婚证或加盖查档专用章的离婚登记档案复印件。"},
		{ID: "lh", Type: kb.TypeFAQ, Title: "离婚后公积金怎么分割？", Body: "双方协商，持离婚证和离婚协议办理。"},
		{ID: "dj", Type: kb.TypeFAQ, Title: "兑奖大厅地址在哪里？", Body: "兑奖大厅位于西城区。"},
		{ID: "sj", Type: kb.TypeFAQ, Title: "“双随机、一公开”监管结果在哪里公开？", Body: "通过国家企业信用信息公示系统公开。"},
		{ID: "kh", Type: kb.TypeFAQ, Title: "政务公开考核怎么打分？", Body: "按考核办法打分。"},
	}
	b := kb.NewBase(docs, kb.Dict{Synonyms: [][]string{{"离婚登记"}, {"结婚登记"}}})
	a := newEvalAnswerer(t, b)
	for _, tc := range []struct {
		q, entry, want string
	}{
		{"离婚登记要带啥材料", "jh", "结婚登记"},
		{"结婚登记要带啥材料", "jh", ""},
		{"兑奖具体地址在哪", "dj", ""},
		{"政务公开结果在哪里公开", "sj", ""},
	} {
		resp, err := a.r.Search(context.Background(), tc.q, search.Options{Limit: 8})
		if err != nil {
			t.Fatal(err)
		}
		var r *search.Result
		for i := range resp.Results {
			if resp.Results[i].Doc.ID == tc.entry {
				r = &resp.Results[i]
			}
		}
		if r == nil {
			t.Fatalf("%s: entry %s not found", tc.q, tc.entry)
		}
		if _, got := a.sibling(tc.q, resp, *r); got != tc.want {
			t.Errorf("sibling(%s, %s) = %q, want %q", tc.q, tc.entry, got, tc.want)
		}
	}
	ans := ask(t, a, Request{Question: "离婚登记要带啥材料"})
	if !ans.Refused && !ans.Clarify {
		t.Errorf("离婚登记要带啥材料 is answered from %v: %s", ans.Sources, ans.Text)
	}
}

// A three-rune term of the government vocabulary has siblings of its kind:
// 身份证 and 驾驶证, 科目二 and 科目一. An entry whose question names the
// other is not quoted for it (身份证快到期了 能在网上换吗 is not answered by
// the entry on renewing a driving licence, which mentions 身份证 among the
// papers to bring); words outside the vocabulary (家里人, 申请人) are no
// siblings.
func TestSiblingOfAKind(t *testing.T) {
	shipped := loadKnowledge(t)
	docs := []*kb.Document{
		{ID: "jsz", Type: kb.TypeFAQ, Title: "驾驶证临近到期可以在网上换证吗？", Body: "可以通过交管12123申请期满换证，需要提供本人身份证和体检证明。"},
		{ID: "km", Type: kb.TypeFAQ, Title: "增驾摩托车还需要参加科目一考试吗？", Body: "不需要，只考科目二和科目三。"},
		{ID: "jt", Type: kb.TypeFAQ, Title: "如何修改家庭申请人信息？", Body: "登录系统修改家里人的信息后重新提交。"},
		{ID: "sfz", Type: kb.TypeFAQ, Title: "居民身份证的有效期有几种？", Body: "分为五年、十年、二十年和长期。"},
	}
	a := newEvalAnswerer(t, kb.NewBase(docs, shipped.Dict))
	for _, tc := range []struct{ q, entry, want string }{
		{"身份证快到期了 能在网上换吗", "jsz", "驾驶证"},
		{"驾照科目二挂了 要等几天才能补考", "km", "科目一"},
		{"驾驶证快到期了 能在网上换吗", "jsz", ""},
		{"家里人信息填错了怎么改", "jt", ""},
	} {
		resp, err := a.r.Search(context.Background(), tc.q, search.Options{Limit: 8})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(resp.Results, func(r search.Result) bool { return r.Doc.ID == tc.entry })
		if i < 0 {
			t.Fatalf("%s: entry %s not found", tc.q, tc.entry)
		}
		if _, got := a.sibling(tc.q, resp, resp.Results[i]); got != tc.want {
			t.Errorf("sibling(%s, %s) = %q, want %q", tc.q, tc.entry, got, tc.want)
		}
	}
}

// The knowledge base's sibling sets (dict/siblings.txt) name things of one
// kind that share no characters (公交车 and 地铁): an entry whose question
// names another of the set, and not the one asked, is held back; a question
// naming two of them, or an entry naming the one asked too, is not.
func TestSiblingOfKindLexicon(t *testing.T) {
	sets := loadKnowledge(t).Dict.Siblings
	if len(sets) == 0 {
		t.Fatal("the shipped knowledge base has no sibling sets")
	}
	key := textnorm.Key
	for _, tc := range []struct{ q, entry, want string }{
		{"地铁能带折叠自行车进站吗", "携带折叠自行车是否可以乘公交车？", "公交车"},
		{"坐公交能带折叠自行车吗", "携带折叠自行车是否可以乘公交车？", ""},
		{"身份证丢了 怎么补办驾驶证", "身份证与驾驶证同时丢失，如何补办驾驶证？", ""},
		{"结婚证丢了 去哪补办", "养犬登记证丢了，怎么办？", "养犬登记证"},
		{"驾照科目二挂了多久能补考", "科目一考试不合格可以补考吗？", "科目一"},
		{"地铁末班车几点", "北京公共交通一码通乘服务适用范围", ""},
	} {
		if _, got := siblingOfKind(sets, key(tc.q), key(tc.entry)); got != tc.want {
			t.Errorf("siblingOfKind(%s | %s) = %q, want %q", tc.q, tc.entry, got, tc.want)
		}
	}
}

// A word of the entry's name that is the question's term with its
// qualifier dropped (个人账户 for 医保个人账户) is the same thing named less
// closely, not a sibling; and a clarification does not offer the entries
// about a sibling of what is asked (养犬登记证丢了 for 结婚证丢了).
func TestSiblingNotQualifierDropped(t *testing.T) {
	a := faqAnswerer(t,
		beijingFAQ("acct", "个人账户如何在定点零售药店使用？", "参保人员可以持社保卡在定点零售药店使用医保个人账户购药。"),
		beijingFAQ("dog", "养犬登记证丢了，怎么办？", "养犬登记证丢失的，应当自丢失之日起15日内到原登记机关补办。"),
		beijingFAQ("house", "产权证丢失了，补办流程及材料？", "刊登遗失声明满20天后申请补证。"),
		beijingFAQ("loan", "借款人身份证、户口本、结婚证信息不一致，影响公积金贷款吗？", "需先到相关部门更正信息。"),
		beijingFAQ("what", "什么是医保个人账户？", "医保个人账户是基本医疗保险统筹基金之外的个人账户。"),
	)
	q := "医保个人账户里的钱 去药店买药能用吗"
	resp, err := a.r.Search(context.Background(), q, search.Options{Limit: 8})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(resp.Results, func(r search.Result) bool { return r.Doc.ID == "acct" })
	if i < 0 {
		t.Fatal("entry acct not found")
	}
	if term, other := a.sibling(q, resp, resp.Results[i]); other != "" {
		t.Errorf("sibling(%s) = %s/%s", q, term, other)
	}
	q = "结婚证丢了 去哪补办"
	if resp, err = a.r.Search(context.Background(), q, search.Options{Limit: 8}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range a.withoutSiblings(q, resp, resp.Results) {
		ids = append(ids, r.Doc.ID)
	}
	if slices.Contains(ids, "dog") || !slices.Contains(ids, "house") {
		t.Errorf("candidates for %s: %v", q, ids)
	}
}
