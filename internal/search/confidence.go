package search

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
)

// DefaultMinConfidence is the confidence under which a question is treated as
// out of scope (the answerer refuses and offers the hotline). It was
// calibrated on in-scope questions and a set of out-of-scope ones
// (docs/search.md).
const DefaultMinConfidence = 0.35

// minInformation is the matched information (sum of word surprisals, about
// two uncommon words) below which confidence is scaled down.
const minInformation = 20.0

// confidence estimates whether the top result answers the question: the
// share of the question's informative content found in the top result,
// weighing each word by how informative it is in general Chinese (so that
// matching 公积金 counts for more than matching 办理), blended with the share
// of the question's character bigrams found there.
func (e *Engine) confidence(qt queryTerms, resp *Response) float64 {
	if len(resp.Results) == 0 {
		return 0
	}
	top := resp.Results[0]
	if resp.DocNumber != "" && top.Doc != nil && e.hasDocNumber(top.Doc, resp.DocNumber) {
		return 1
	}
	r := e.byPoint[PointID(top.Chunk.ID)]
	if r == nil {
		return 0
	}
	terms := uniq(qt.analysis.Whole)
	if len(terms) == 0 {
		return 0
	}
	norm := r.norm()
	got, total := e.weighted(terms, func(t string) bool { return e.hasWord(norm, t) || e.partsHeld(norm, t) })
	wordCov := got / total
	bigrams := uniq(qt.analysis.Bigrams)
	bigCov := wordCov
	if len(bigrams) > 0 {
		n := 0
		for _, b := range bigrams {
			if strings.Contains(r.norm(), b) {
				n++
			}
		}
		bigCov = float64(n) / float64(len(bigrams))
	}
	c := 0.7*wordCov + 0.3*bigCov
	// A question that matches only a little information (one common word:
	// 你是谁 → 谁) is not answered with confidence, however fully it is
	// covered.
	c *= min(1, got/minInformation)
	return min(max(c, 0), 1)
}

// partsHeld reports whether norm holds a long word (three runes or more) in
// its parts when it lacks the word itself: every rune of the word inside
// one of its dictionary words that norm has (网上学法减分 in 如何在网上进行
// 学法减分: 网上, 学法减分). A compound the question happens to spell as one
// word is then not missing from a text that says it in its parts; one only
// partly there (公积金贷款利率 beside 贷款利率 alone) still is.
func (e *Engine) partsHeld(norm, t string) bool {
	n := utf8.RuneCountInString(t)
	if n < 3 {
		return false
	}
	held := make([]bool, n)
	for _, p := range e.seg.Parts(t) {
		if e.hasWord(norm, p.Word) {
			for i := p.At; i < p.At+utf8.RuneCountInString(p.Word); i++ {
				held[i] = true
			}
		}
	}
	return !slices.Contains(held, false)
}

// hasWord reports whether the normalised text contains term (or a synonym)
// as a word, not merely as characters inside other words (多大 in 过多大功率):
// each occurrence is checked by segmenting a small window around it. An
// everyday word the vocabulary expands one way (婚假 > 婚丧假, 丢了 > 挂失)
// is there when an official term it stands for is: the search finds the
// text by that term, and the question's word is accounted for by it.
func (e *Engine) hasWord(norm, term string) bool {
	if e.hasForm(norm, term) {
		return true
	}
	for _, x := range e.seg.Expansions(term) {
		if e.hasForm(norm, x) {
			return true
		}
	}
	return false
}

// hasForm is hasWord without the expansions: term or a synonym as a word.
func (e *Engine) hasForm(norm, term string) bool {
	canon := e.seg.Canonical(term)
	for _, f := range append([]string{term}, e.seg.Synonyms(term)...) {
		from := 0
		for tries := 0; tries < 4; tries++ {
			i := strings.Index(norm[from:], f)
			if i < 0 {
				break
			}
			i += from
			lo, hi := runeWindow(norm, i, i+len(f), 8)
			if slices.Contains(e.seg.Analyze(norm[lo:hi]).Words, canon) {
				return true
			}
			from = i + len(f)
		}
	}
	return false
}

// runeWindow widens [i, j) by up to n runes on each side.
func runeWindow(s string, i, j, n int) (int, int) {
	for k := 0; k < n && i > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	for k := 0; k < n && j < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[j:])
		j += size
	}
	return i, j
}

func containsTerm(norm, t string, e *Engine) bool {
	if strings.Contains(norm, t) {
		return true
	}
	for _, s := range e.seg.Synonyms(t) {
		if strings.Contains(norm, s) {
			return true
		}
	}
	return false
}

func (e *Engine) hasDocNumber(d *kb.Document, n string) bool {
	return kb.NormalizeDocNumber(d.DocNumber) == n
}

// weighted sums the weights of terms — how informative each is
// (Segmenter.Weight) — for which has holds (got) and of all of them
// (total).
func (e *Engine) weighted(terms []string, has func(string) bool) (got, total float64) {
	for _, t := range terms {
		w := e.seg.Weight(t)
		total += w
		if has(t) {
			got += w
		}
	}
	return got, total
}
