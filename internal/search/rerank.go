package search

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/govchat/govchat/internal/store"
)

// discriminate re-ranks hits by how well each covers the question words
// that tell the leading candidates apart. Among the first LocalDocs hits a
// word found in all of them (the topic: 异地就医备案) separates nothing,
// while a word found in few (the aspect asked about: 取消, 查询, 流程)
// decides between them. Each hit gains
//
//	Local · Σ_{t in hit} g(t)·ln(n/df_t) / Σ_t g(t)
//
// on top of its score divided by the best score, where df_t is the number
// of the n leading hits containing t (or a synonym) and g(t) the word's
// informativeness in general Chinese. Only the first LocalRerank hits are
// re-ranked (they stay ahead of the rest).
func (e *Engine) discriminate(qt queryTerms, hits []store.Hit) {
	n := min(e.p.LocalDocs, len(hits))
	if n < 2 || hits[0].Score <= 0 {
		return
	}
	terms := uniq(qt.analysis.Terms)
	if len(terms) < 2 {
		return
	}
	all := hits
	hits = hits[:min(len(hits), e.p.LocalRerank)]
	recs := make([]*rec, len(hits))
	for i, h := range hits {
		recs[i] = e.byPoint[h.ID]
	}
	has := make([][]bool, len(terms)) // term × hit
	bonus := make([]float64, len(hits))
	total := 0.0
	for ti, t := range terms {
		g := e.seg.Weight(t)
		total += g
		has[ti] = make([]bool, len(hits))
		df := 0
		for i, r := range recs {
			if r != nil && e.contains(r, t) {
				has[ti][i] = true
				if i < n {
					df++
				}
			}
		}
		if df == 0 || df == n {
			continue
		}
		w := g * math.Log(float64(n)/float64(df))
		for i := range hits {
			if has[ti][i] {
				bonus[i] += w
			}
		}
	}
	if total <= 0 {
		return
	}
	top := hits[0].Score
	for i := range all {
		all[i].Score /= top
		if i < len(hits) {
			all[i].Score += e.p.Local * bonus[i] / total
		}
	}
	slices.SortStableFunc(hits, func(a, b store.Hit) int { return cmp.Compare(b.Score, a.Score) })
}

// contains reports whether the chunk's fields contain term or a synonym of
// it. A term of Han characters only (nearly all of them) is looked for in
// the fields as written, which normalisation leaves alone, so re-ranking
// does not keep a normalised copy of every candidate in memory; other terms
// use the normalised text.
func (e *Engine) contains(r *rec, term string) bool {
	forms := append([]string{term}, e.seg.Synonyms(term)...)
	for _, f := range forms {
		if !allHan(f) {
			if strings.Contains(r.norm(), f) {
				return true
			}
			continue
		}
		for _, fl := range r.fields {
			if fl.weight > 0 && !fl.lead && strings.Contains(fl.text, f) {
				return true
			}
		}
	}
	return false
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}
