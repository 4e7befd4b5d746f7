package answer

import (
	"math"
	"math/bits"
	"strings"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// presence tells whether a term occurs anywhere in the knowledge base
// (titles, questions, bodies): a set of the character bigrams of all its
// text, hashed into a bitset. A term is present when all its bigrams are —
// exact for a term of two characters, a close approximation beyond. The
// hash is fixed, so that its rare false positives are the same in every
// run: the same question gets the same reply.
type presence struct {
	bits []uint64
	mask uint64
	// chars counts the documents each Han character occurs in, of docs.
	chars map[rune]int
	docs  int
}

func newPresence(base *kb.Base) *presence {
	runes := 0
	for _, d := range base.Docs {
		runes += len(d.Title) + len(d.Body) // bytes: about 3× the runes, room enough
		for _, s := range d.Similar {
			runes += len(s)
		}
	}
	// About 16 bits per bigram keeps false positives well under 1 %.
	n := uint64(1) << min(30, max(16, bits.Len(uint(runes))+3))
	p := &presence{bits: make([]uint64, n/64), mask: n - 1, chars: map[rune]int{}}
	seen := map[rune]bool{}
	for _, d := range base.Docs {
		clear(seen)
		for _, s := range append([]string{d.Title, d.Body}, d.Similar...) {
			p.addText(s)
			for _, r := range s {
				if isHan(r) && !seen[r] {
					seen[r] = true
					p.chars[r]++
				}
			}
		}
		p.docs++
	}
	return p
}

// pos hashes a bigram with the splitmix64 finaliser.
func (p *presence) pos(a, b rune) uint64 {
	x := uint64(uint32(a))<<32 | uint64(uint32(b))
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x & p.mask
}

func (p *presence) addText(s string) {
	prev := rune(-1)
	for _, r := range textnorm.Key(s) {
		if prev >= 0 {
			i := p.pos(prev, r)
			p.bits[i/64] |= 1 << (i % 64)
		}
		prev = r
	}
}

// has reports whether the normalised term occurs in the knowledge base. A
// single character is never known this way: that it occurs inside other
// words (喘 in 哮喘) does not say the knowledge base speaks of it, so a rare
// one that an entry lacks counts as foreign to the knowledge base.
func (p *presence) has(term string) bool {
	prev := rune(-1)
	n := 0
	for _, r := range term {
		if prev >= 0 {
			i := p.pos(prev, r)
			if p.bits[i/64]&(1<<(i%64)) == 0 {
				return false
			}
			n++
		}
		prev = r
	}
	return n > 0
}

// keyTerm is a word of the question that names what it is about, with how
// informative it is and the other names it goes by.
type keyTerm struct {
	t     string
	w     float64
	forms []string // t and its synonyms, normalised
}

// maxTermWeight caps a term's weight: words the general dictionary does not
// know (colloquial 咋弄, mis-segmented fragments) all weigh as the rarest
// word, more than any real topic word.
const maxTermWeight = 14.0

// keyTerms are the question's terms that name its topic: two or more runes,
// not question words or aspects.
func keyTerms(resp *search.Response) []keyTerm {
	var out []keyTerm
	seen := map[string]bool{}
	for _, t := range resp.Terms {
		n := textnorm.Key(t)
		if !isTopicTerm(n) || seen[n] {
			continue
		}
		seen[n] = true
		w := resp.Weights[t]
		if w <= 0 {
			w = 8
		}
		out = append(out, keyTerm{t: n, w: min(w, maxTermWeight), forms: termForms(n, resp.Synonyms[t])})
	}
	return out
}

// termForms are the normalised term n and its synonyms: the names it goes by.
func termForms(n string, synonyms []string) []string {
	forms := []string{n}
	for _, s := range synonyms {
		if s = textnorm.Key(s); s != "" && s != n {
			forms = append(forms, s)
		}
	}
	return forms
}

// evidence is how well one retrieved entry accounts for the question's key
// terms, and the question for the entry's: shares of the key terms' total
// weight. Forward, each question term is found in what the entry is about
// (its title, FAQ questions, headings: Title), or partly (some of its
// characters: 领结婚证 ~ 结婚登记, Partial), or only in its text (Body), or
// in neither although the knowledge base knows the term (a conflict: 离婚
// against an entry on 结婚登记), or nowhere in the knowledge base (Foreign).
// Back, the entry's own key terms (of its title or last heading) found in
// the question, fully or partly.
type evidence struct {
	Title    float64 `json:"title"`
	Partial  float64 `json:"partial"`
	Body     float64 `json:"body"`
	Conflict float64 `json:"conflict"`
	Foreign  float64 `json:"foreign"`
	Back     float64 `json:"back"`
}

// score sums the evidence into one figure in [0, 1]: the harmonic mean of
// how much of the question the entry is about and of how much of the entry
// the question asks.
func (e evidence) score() float64 {
	f := e.Title + 0.5*e.Partial + 0.3*e.Body
	if f+e.Back == 0 {
		return 0
	}
	return 2 * f * e.Back / (f + e.Back)
}

// entryText is what an entry is about (title, FAQ questions, headings) and
// its text (the FAQ answer or the passage).
func entryText(r search.Result) (about, text string) {
	var b strings.Builder
	b.WriteString(r.Doc.Title)
	for _, s := range r.Doc.Similar {
		b.WriteString("|")
		b.WriteString(s)
	}
	for _, h := range r.Chunk.Heading {
		b.WriteString("|")
		b.WriteString(h)
	}
	text = r.Chunk.Text
	if r.Doc.Type == kb.TypeFAQ && strings.TrimSpace(text) == "" {
		text = r.Doc.Body
	}
	return textnorm.Key(b.String()), textnorm.Key(text)
}

// entryName is the text that names an entry: a FAQ entry's question, else
// the heading of the passage (or the document's title).
func entryName(r search.Result) string {
	if r.Doc.Type != kb.TypeFAQ && len(r.Chunk.Heading) > 0 {
		return r.Chunk.Heading[len(r.Chunk.Heading)-1]
	}
	return r.Doc.Title
}

// evidenceOf weighs entry r against the question q with key terms terms;
// entry are the key terms of the entry's name (nil: its character bigrams
// stand in).
func (p *presence) evidenceOf(q string, terms []keyTerm, r search.Result, entry []keyTerm) evidence {
	about, text := entryText(r)
	var e evidence
	total := 0.0
	for _, k := range terms {
		total += k.w
		switch {
		case containsAny(about, k.forms):
			e.Title += k.w
			continue
		case containsAny(text, k.forms):
			e.Body += k.w
		case p != nil && !p.has(k.t):
			e.Foreign += k.w
		default:
			e.Conflict += k.w
		}
		e.Partial += k.w * bestBigramShare(k.forms, about)
	}
	if total > 0 {
		e.Title /= total
		e.Body /= total
		e.Partial /= total
		e.Conflict /= total
		e.Foreign /= total
	}
	qn := textnorm.Key(q)
	if entry == nil {
		e.Back = bigramShare(textnorm.Key(entryName(r)), qn)
		return e
	}
	var got, all float64
	for _, k := range entry {
		all += k.w
		if containsAny(qn, k.forms) {
			got += k.w
		} else {
			got += 0.5 * k.w * bestBigramShare(k.forms, qn)
		}
	}
	if all > 0 {
		e.Back = got / all
	}
	return e
}

func bestBigramShare(forms []string, s string) float64 {
	best := 0.0
	for _, f := range forms {
		best = max(best, bigramShare(f, s))
	}
	return best
}

func containsAny(s string, forms []string) bool {
	for _, f := range forms {
		if f != "" && strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// bigramShare is the share of the Han character bigrams of term that occur
// in s.
func bigramShare(term, s string) float64 {
	rs := []rune(term)
	n, got := 0, 0
	for i := 0; i+1 < len(rs); i++ {
		if !isHan(rs[i]) || !isHan(rs[i+1]) {
			continue
		}
		n++
		if strings.Contains(s, string(rs[i:i+2])) {
			got++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(got) / float64(n)
}

func isHan(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }

// rareCharIDF is how rare in the knowledge base a one-character word must
// be to name a topic: in at most one document in twenty (ln 20 ≈ 3).
const rareCharIDF = 3.0

// rareChars are the question's one-character words that are rare in the
// knowledge base (喘, 躺 — not 上, 办): they say what a question is about as
// much as its longer words (家里老人喘不上气 is not answered by an entry on
// 家里老人's driving licence), but the general dictionary's frequencies of
// single characters are unreliable, so their rarity is measured here, as
// the inverse document frequency of the character, scaled by 1.5 to the
// range of the longer words' weights (surprisal in general Chinese).
func (p *presence) rareChars(resp *search.Response) []keyTerm {
	if p == nil || p.docs == 0 {
		return nil
	}
	var out []keyTerm
	for _, t := range resp.Terms {
		n := textnorm.Key(t)
		rs := []rune(n)
		if len(rs) != 1 || !isHan(rs[0]) || genericTerms[n] || aspectTerms[n] || isNumeral(n) || p.chars[rs[0]] == 0 {
			continue
		}
		idf := math.Log(float64(p.docs) / float64(p.chars[rs[0]]))
		if idf < rareCharIDF {
			continue
		}
		out = append(out, keyTerm{t: n, w: min(1.5*idf, maxTermWeight), forms: termForms(n, resp.Synonyms[t])})
	}
	return out
}
