package answer

import (
	"fmt"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// A one-character word rare in the knowledge base (喘) names what the
// question is about, and an entry that lacks it accounts for less of the
// question; a common one (上, in every entry) does not.
func TestRareCharactersAreKeyTerms(t *testing.T) {
	base := &kb.Base{}
	for i := range 40 {
		base.Docs = append(base.Docs, &kb.Document{ID: fmt.Sprintf("d%d", i), Type: kb.TypeFAQ,
			Title: fmt.Sprintf("第%d个问题上哪办", i), Body: "线上办理。"})
	}
	base.Docs[0].Body = "老人哮喘发作时应保持坐姿。"
	p := newPresence(base)
	resp := &search.Response{
		Terms:   []string{"家里", "老人", "喘", "上", "气"},
		Weights: map[string]float64{"家里": 8.6, "老人": 8.9, "喘": 5, "上": 5, "气": 5},
	}
	var got []string
	for _, k := range p.rareChars(resp) {
		got = append(got, k.t)
		if k.w <= 1.5*rareCharIDF || k.w > maxTermWeight {
			t.Errorf("%s weighs %.1f", k.t, k.w)
		}
	}
	if fmt.Sprint(got) != "[喘]" {
		t.Errorf("rare characters %q, want [喘] (气 is nowhere, 上 everywhere)", got)
	}
	entry := search.Result{Doc: &kb.Document{ID: "x", Type: kb.TypeFAQ, Title: "家里老人没有驾驶证，名下小客车能否更新？"},
		Chunk: kb.Chunk{Text: "与是否持有驾驶证无关。"}}
	without := p.evidenceOf("家里老人喘不上气", keyTerms(resp), entry, nil)
	with := p.evidenceOf("家里老人喘不上气", append(keyTerms(resp), p.rareChars(resp)...), entry, nil)
	if without.Title != 1 || with.Title >= 0.9 || with.Foreign == 0 {
		t.Errorf("title share %.2f → %.2f, foreign %.2f: the entry should no longer account for the whole question", without.Title, with.Title, with.Foreign)
	}
}

// An entry published twice is not a rival of itself: the same question, or
// nearly the same answer.
func TestDuplicates(t *testing.T) {
	faq := func(id, q, a string) search.Result {
		return search.Result{Doc: &kb.Document{ID: id, Type: kb.TypeFAQ, Title: q}, Chunk: kb.Chunk{Text: a}}
	}
	a := faq("a", "养犬登记证丢了，怎么办？", "养犬登记证丢失的，养犬人应当自丢失之日起15日内到原养犬登记机关补办新证后，再办理年检手续。")
	for _, tc := range []struct {
		b    search.Result
		want bool
	}{
		{faq("b", "养犬登记证丢了怎么办", "请到派出所。"), true}, // the same question
		{faq("c", "狗证丢了怎么补？", "养犬登记证丢失的，养犬人应当自丢失之日起15日内到原养犬登记机关补办新证后，再办理年检手续！"), true},
		{faq("d", "养犬年检怎么收费？", "重点管理区内每只犬第一年缴纳管理服务费1000元，以后每年年检缴纳500元。"), false},
		{search.Result{Doc: &kb.Document{ID: "e", Type: kb.TypeGuide, Title: "养犬登记证丢了，怎么办？"}}, false},
		{a, false}, // itself
	} {
		if got := duplicates(a, tc.b); got != tc.want {
			t.Errorf("duplicates(a, %s) = %v, want %v", tc.b.Doc.ID, got, tc.want)
		}
	}
	// A FAQ entry and the paragraph of the document it rests on, from which
	// its answer is drawn, give one answer; another paragraph of that
	// document, or the same words in a document it does not rest on, do not.
	backed := faq("f", "政策解读按照什么原则进行？", "按照“谁起草谁解读”原则，政策性文件与解读方案、解读材料同步组织、同步审签、同步部署。")
	backed.Doc.Sources = []string{"plan#p3"}
	passage := func(id, text string) search.Result {
		return search.Result{Doc: &kb.Document{ID: id, Type: kb.TypePolicy, Title: "工作要点"}, Chunk: kb.Chunk{Text: text}}
	}
	para := "（三）深化重要政策解读。精准解读相关政策措施。按照“谁起草谁解读”原则，切实做到政策性文件与解读方案、解读材料同步组织、同步审签、同步部署。"
	for _, tc := range []struct {
		b    search.Result
		want bool
	}{
		{passage("plan", para), true},
		{passage("plan", "（四）深化回应社会关切。建立健全政务舆情收集、研判、处置和回应机制。"), false},
		{passage("other", para), false},
	} {
		if got, back := duplicates(backed, tc.b), duplicates(tc.b, backed); got != tc.want || back != tc.want {
			t.Errorf("duplicates(faq, %s %.12s) = %v, %v reversed; want %v", tc.b.Doc.ID, tc.b.Chunk.Text, got, back, tc.want)
		}
	}
}
