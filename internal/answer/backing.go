package answer

import (
	"fmt"
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
		best, bestScore := 0, -1.0
		for i, c := range cs {
			if anchor != "" {
				if c.Anchor == anchor {
					best = i
					break
				}
				continue
			}
			if s := overlap(want, c.Text); s > bestScore {
				best, bestScore = i, s
			}
		}
		c := cs[best]
		s := a.base.SourceOf(d, &c, snippet(c.Text), now)
		s.N = next + len(out)
		out = append(out, s)
		name := "《" + d.Title + "》"
		if d.DocNumber != "" {
			name += "（" + d.DocNumber + "）"
		}
		if h := c.HeadingPath(); h != "" {
			name += "“" + h + "”部分"
		}
		names = append(names, name+fmt.Sprintf("[%d]", s.N))
	}
	if len(names) == 0 {
		return "", nil
	}
	return "\n\n答复依据：" + strings.Join(names, "；") + "。", out
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
