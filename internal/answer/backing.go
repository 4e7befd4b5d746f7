package answer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// backing returns, for a FAQ entry whose answer rests on source documents
// (its `sources`), a line naming each document at the paragraph that shares
// the most wording with the answer, and the matching sources numbered from
// next. Documents already in have are skipped.
func (a *Answerer) backing(faq *kb.Document, body string, next int, have []kb.Source, now time.Time) (string, []kb.Source) {
	if faq.Type != kb.TypeFAQ || len(faq.Sources) == 0 {
		return "", nil
	}
	cited := map[string]bool{}
	for _, s := range have {
		cited[s.ID] = true
	}
	want := bigramSet(body + faq.Title)
	var names []string
	var out []kb.Source
	for _, id := range faq.Sources {
		id, anchor, _ := strings.Cut(id, "#")
		d := a.base.Doc(id)
		if d == nil || d.Type == kb.TypeFAQ || cited[id] {
			continue
		}
		cited[id] = true
		cs := a.r.ChunksOf(d.ID)
		if len(cs) == 0 {
			continue
		}
		var picked []int
		if anchor != "" {
			for i, c := range cs {
				if c.Anchor == anchor {
					picked = []int{i}
					break
				}
			}
			if picked == nil {
				picked = []int{0}
			}
		} else {
			picked = restsOnChunks(want, cs)
		}
		name := "《" + d.Title + "》"
		if d.DocNumber != "" {
			name += "（" + d.DocNumber + "）"
		}
		var parts []string
		for _, i := range picked {
			c := cs[i]
			s := a.base.SourceOf(d, &c, snippet(c.Text), now)
			s.N = next + len(out)
			out = append(out, s)
			part := ""
			if h := c.HeadingPath(); h != "" {
				part = "“" + h + "”部分"
			}
			parts = append(parts, part+fmt.Sprintf("[%d]", s.N))
		}
		names = append(names, name+strings.Join(parts, "、"))
	}
	if len(names) == 0 {
		return "", nil
	}
	return "\n\n答复依据：" + strings.Join(names, "；") + "。", out
}

// maxBackingParts bounds the paragraphs of one document a FAQ answer is
// said to rest on; backingShare is the share of the answer's bigrams a
// further paragraph must add to be named beside the best one.
const (
	maxBackingParts = 3
	backingShare    = 0.2
)

// restsOnChunks returns, in document order, the paragraphs of a document
// that a FAQ answer (its bigrams, want) is drawn from: the one sharing the
// most wording with it, and each further one that adds at least
// backingShare of the answer's wording the others lack (怎么申请公开政府信息
// rests on the guide's 申请方式 and 申请内容 for how, and on its 答复期限 for
// the 20 working days).
func restsOnChunks(want map[string]bool, cs []kb.Chunk) []int {
	if len(cs) == 0 {
		return nil
	}
	left := make(map[string]bool, len(want))
	for g := range want {
		left[g] = true
	}
	sets := make([]map[string]bool, len(cs))
	for i, c := range cs {
		sets[i] = bigramSet(c.Text)
	}
	var picked []int
	for len(picked) < maxBackingParts {
		// The share of the answer's wording a paragraph adds to those
		// picked, a shorter paragraph first at equal share.
		best, bestScore := -1, -1.0
		for i, set := range sets {
			if slices.Contains(picked, i) {
				continue
			}
			n := 0
			for g := range left {
				if set[g] {
					n++
				}
			}
			if s := float64(n)/float64(max(1, len(want))) - float64(len(set))*1e-6; s > bestScore {
				best, bestScore = i, s
			}
		}
		if best < 0 || len(picked) > 0 && bestScore < backingShare {
			break
		}
		picked = append(picked, best)
		for g := range sets[best] {
			delete(left, g)
		}
	}
	slices.Sort(picked)
	return picked
}

// bigramSet is the set of character bigrams of s (letters and digits only).
func bigramSet(s string) map[string]bool {
	out := map[string]bool{}
	var prev rune
	for _, r := range s {
		if !isWordRune(r) {
			prev = 0
			continue
		}
		if prev != 0 {
			out[string([]rune{prev, r})] = true
		}
		prev = r
	}
	return out
}

// overlap scores text by the share of want's bigrams it contains, with a
// small preference for shorter paragraphs at equal coverage.
func overlap(want map[string]bool, text string) float64 {
	if len(want) == 0 {
		return 0
	}
	got := bigramSet(text)
	n := 0
	for g := range want {
		if got[g] {
			n++
		}
	}
	return float64(n)/float64(len(want)) - float64(len(got))*1e-6
}

func isWordRune(r rune) bool {
	return r >= 0x4e00 && r <= 0x9fff || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
