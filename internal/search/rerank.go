package search

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
	"github.com/govchat/govchat/internal/zh"

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
// informativeness in general Chinese. The aspect the question asks for
// (dict/aspects.txt: 费用 for 要交钱吗) counts as one more term, found in a
// candidate by its marking words (收费, 免费 …), weighing AspectWeight times
// its longest asking word. Only the first LocalRerank hits are re-ranked
// (they stay ahead of the rest).
//
// views (may be nil) gives the chunk as it was matched for a hit whose
// entry has similar questions scored as passages of their own (collapse).
func (e *Engine) discriminate(qt queryTerms, hits []store.Hit, views map[string]*rec) {
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
		if v := views[h.ID]; v != nil {
			recs[i] = v
		}
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
	// The aspect the question asks for (费用 for 要交钱吗) is a term of its
	// own, found in a candidate by its marking words (收费, 免费 …).
	if e.p.AspectWeight > 0 {
		if asp := e.aspectOf(qt.norm); asp != nil {
			g := e.p.AspectWeight * asp.g
			total += g
			df := 0
			has := make([]bool, len(hits))
			for i, r := range recs {
				if r != nil && e.marks(r, asp) {
					has[i] = true
					if i < n {
						df++
					}
				}
			}
			if df > 0 && df < n {
				w := g * math.Log(float64(n)/float64(df))
				for i := range hits {
					if has[i] {
						bonus[i] += w
					}
				}
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

// aspect is an aspect of a matter a question may ask for (kb.Aspect), as
// re-ranking uses it.
type aspect struct {
	name  string
	ask   []string // normalised asking words, longest first
	marks []string // normalised marking words
	g     float64  // weight as a term: the surprisal of its longest asking word
}

func newAspects(e *Engine) []aspect {
	var out []aspect
	for _, a := range e.base.Dict.Aspects {
		x := aspect{name: a.Name}
		for _, w := range a.Ask {
			if w = textnorm.Key(w); w != "" {
				x.ask = append(x.ask, w)
			}
		}
		for _, w := range a.Mark {
			if w = textnorm.Key(w); w != "" {
				x.marks = append(x.marks, w)
			}
		}
		slices.SortFunc(x.ask, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		if len(x.ask) > 0 && len(x.marks) > 0 {
			out = append(out, x)
		}
	}
	return out
}

// aspectOf returns the aspect the normalised question asks for: the one
// whose asking word found in it is longest (earliest on a tie), or nil.
func (e *Engine) aspectOf(norm string) *aspect {
	key := textnorm.Key(norm)
	var best *aspect
	bestLen, bestAt := 0, 0
	for i := range e.aspects {
		for _, w := range e.aspects[i].ask {
			at := strings.Index(key, w)
			if at < 0 {
				continue
			}
			if n := utf8.RuneCountInString(w); n > bestLen || n == bestLen && at < bestAt {
				a := e.aspects[i]
				a.g = max(e.seg.Weight(w), 8)
				best, bestLen, bestAt = &a, n, at
			}
			break
		}
	}
	return best
}

// marks reports whether the chunk's fields hold one of the aspect's marking
// words.
func (e *Engine) marks(r *rec, a *aspect) bool {
	for _, m := range a.marks {
		for _, f := range r.fields {
			if f.weight > 0 && !f.lead && strings.Contains(f.text, m) {
				return true
			}
		}
	}
	return false
}

// questionCover re-ranks the leading FAQ hits by how well the entry's own
// question and the asker's question cover each other, as a FAQ matcher
// compares two questions: the share of the entry's question (or of the
// best of its similar questions) found among the asker's words, their
// canonical terms and expansions, times the share of the asker's words the
// entry holds, both weighted by informativeness. Each hit gains
// QuestionCover × that product of the best score. The retrieval score asks
// only how much of the question an entry holds, so a long entry question
// that holds several of its words by the way (外地车去首都机场接送人是否需要
// 办理进京证？) beat the short one that is what was asked (如何办理进京证？);
// the product keeps a short entry question that the asker's covers but that
// leaves most of the asker's words unanswered (财政信息要公开哪些？ for 哪个部门
// 负责财政信息公开) from gaining much.
func (e *Engine) questionCover(qt queryTerms, hits []store.Hit, views map[string]*rec) {
	if len(hits) < 2 {
		return
	}
	have := map[string]bool{}
	for _, w := range qt.analysis.Words {
		have[w] = true
	}
	for _, t := range append(slices.Clip(qt.analysis.Terms), qt.analysis.Phrases...) {
		for _, x := range e.seg.Expansions(t) {
			have[e.seg.Canonical(x)] = true
		}
	}
	terms := uniq(qt.analysis.Terms)
	head := hits[:min(len(hits), e.p.LocalRerank)]
	top := head[0].Score
	// Only FAQ entries are compared this way: when a document's passage
	// leads, the entries are not lifted over it (a question on what a plan
	// says is not answered by an entry that names the plan).
	if r := e.byPoint[head[0].ID]; top <= 0 || r == nil || r.doc.Type != kb.TypeFAQ {
		return
	}
	for i, h := range head {
		r := e.byPoint[h.ID]
		if v := views[h.ID]; v != nil {
			r = v
		}
		if r == nil || r.doc.Type != kb.TypeFAQ {
			continue
		}
		best := 0.0
		for _, name := range r.names {
			got, total := 0.0, 0.0
			for _, w := range name {
				total += w.g
				if have[w.w] {
					got += w.g
				}
			}
			if total > 0 {
				best = max(best, got/total)
			}
		}
		if best == 0 {
			continue
		}
		// Both ways: the share of the question the entry holds, too.
		got, total := e.weighted(terms, func(t string) bool { return e.contains(r, t) })
		if total > 0 {
			head[i].Score += e.p.QuestionCover * top * best * got / total
		}
	}
	slices.SortStableFunc(hits, func(a, b store.Hit) int { return cmp.Compare(b.Score, a.Score) })
}

// weighedWord is a word with its informativeness (Segmenter.Weight).
type weighedWord struct {
	w string
	g float64
}

// nameWords returns the distinct index words of a FAQ entry's question and
// of each of its similar questions, with their weights (nil for other
// documents): computed when the engine is built, as questionCover needs
// them for every candidate of every question.
func nameWords(seg *zh.Segmenter, d *kb.Document) [][]weighedWord {
	if d.Type != kb.TypeFAQ {
		return nil
	}
	var names [][]weighedWord
	for _, q := range append([]string{d.Title}, d.Similar...) {
		var name []weighedWord
		for _, w := range uniq(seg.Analyze(q).Words) {
			name = append(name, weighedWord{w, seg.Weight(w)})
		}
		names = append(names, name)
	}
	return names
}
