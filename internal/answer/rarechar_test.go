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
