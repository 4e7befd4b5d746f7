package search_test

import (
	"slices"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// passageDocs are two entries on thunderstorms: one for drivers, one for
// people outdoors, which has learned the wording of a citizen who asked
// about 打雷 on open ground.
func passageDocs(similar ...string) []*kb.Document {
	return []*kb.Document{
		{ID: "faq-drive", Type: kb.TypeFAQ, Title: "城市行驶遇雷电袭击怎么办",
			Body: "驾车途中突遇雷电，应当放慢车速，必要时停车躲避。停车地点不要选择在大树或大型广告牌下方，最好停放在室内停车场。"},
		{ID: "faq-outdoor", Type: kb.TypeFAQ, Title: "遇到雷电天气怎么办", Similar: similar,
			Body: "注意关闭门窗，远离金属物体。在室外要及时躲避，不要在空旷的郊外停留，不要跑动，不要打雨伞。"},
		{ID: "faq-rain", Type: kb.TypeFAQ, Title: "暴雨天气出行要注意什么",
			Body: "尽量减少外出，不要在低洼地带停留，驾车遇到积水路段应绕行。"},
	}
}

// A similar question is a passage of its own: an approved wording finds
// its entry first, but a question that shares one colloquial word with
// it (打雷) is not pulled to that entry, as it was when the wordings were
// summed into the entry's one vector.
func TestSimilarPassages(t *testing.T) {
	const wording = "在郊外空地上碰到打雷，能打伞吗"
	const other = "开车半路赶上打雷，车停哪儿安全"
	for _, tc := range []struct {
		name      string
		p         search.Params
		otherWant string
	}{
		{"passages (default)", search.Params{}, "faq-drive"},
		{"summed into one vector", search.Params{SimilarPassages: search.PassageConcat}, "faq-outdoor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := assocEngine(t, memStore(t, ""), passageDocs(wording), tc.p)
			sync1(t, eng)
			if got := ids(search1(t, eng, wording, search.Options{})); len(got) == 0 || got[0] != "faq-outdoor" {
				t.Errorf("the approved wording: %v, want faq-outdoor first", got)
			}
			got := ids(search1(t, eng, other, search.Options{}))
			if len(got) == 0 || got[0] != tc.otherWant {
				t.Errorf("%s: %v, want %s first", other, got, tc.otherWant)
			}
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Errorf("%s: %v lists an entry twice", other, got)
				}
				seen[id] = true
			}
		})
	}
}

// Passages are synced incrementally: adding a wording encodes its entry
// and its passage only, removing it deletes the passage's point, and the
// chunks' vectors do not depend on the passages (they have a feature
// space of their own).
func TestSimilarPassagesSync(t *testing.T) {
	st := memStore(t, "")
	eng := assocEngine(t, st, passageDocs(), search.Params{})
	if s := sync1(t, eng); s.Encoded != 3 {
		t.Fatalf("first sync: %+v", s)
	}
	before := search1(t, eng, "暴雨天开车遇到积水", search.Options{})

	eng = assocEngine(t, st, passageDocs("在郊外空地上碰到打雷，能打伞吗", "打雷能打伞吗"), search.Params{})
	if s := sync1(t, eng); s.Encoded != 1 || s.Updated != 1 || s.Passages != 2 {
		t.Fatalf("after adding two wordings: %+v, want the entry and its two passages encoded", s)
	}
	if n, _ := st.Count(ctx); n != 5 {
		t.Fatalf("%d points, want 3 chunks and 2 passages", n)
	}
	after := search1(t, eng, "暴雨天开车遇到积水", search.Options{})
	if !slices.Equal(ids(after), ids(before)) {
		t.Errorf("an unrelated question moved: %v, before %v", ids(after), ids(before))
	}

	eng = assocEngine(t, st, passageDocs("打雷能打伞吗"), search.Params{})
	if s := sync1(t, eng); s.Deleted != 1 || s.Updated != 1 || s.Encoded != 1 || s.Passages != 0 {
		t.Fatalf("after removing a wording: %+v, want its passage deleted", s)
	}
	if n, _ := st.Count(ctx); n != 4 {
		t.Fatalf("%d points, want 3 chunks and 1 passage", n)
	}
}
