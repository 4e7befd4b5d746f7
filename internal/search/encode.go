package search

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/textnorm"
	"github.com/govchat/govchat/internal/zh"
)

// Params tune sparse encoding and ranking. The zero value of a field means
// its default (DefaultParams); see docs/search.md for how to tune them.
type Params struct {
	// K1 and B are BM25's term-frequency saturation and length
	// normalisation.
	K1, B float64
	// Field weights: a term in a field counts this many times.
	QuestionWeight float64 // a FAQ entry's standard and similar questions
	TitleWeight    float64 // the title of other documents
	HeadingWeight  float64 // the chunk's heading path
	MetaWeight     float64 // 文号, issuer, tags
	// Query feature weights: words (with synonyms mapped and compound words'
	// parts) and character bigrams.
	WordWeight, BigramWeight float64
	// LeadWeight adds weight to the opening sentence of a chunk, which in
	// answers and official texts usually names the subject. Negative: off.
	LeadWeight float64
	// LeadRunes bounds the lead (default 100 runes).
	LeadRunes int
	// Pseudo-relevance feedback: the words most characteristic of the top
	// FeedbackDocs chunks are added to the query (FeedbackTerms of them,
	// with total weight FeedbackWeight relative to the query). 0: off.
	FeedbackDocs, FeedbackTerms int
	FeedbackWeight              float64
	// SingleWeight scales the query weight of one-character words (mostly
	// fragments of names the dictionary does not know; the bigrams carry
	// them). Negative: 0.
	SingleWeight float64
	// UnigramWeight is the query weight of single Han characters, which
	// catch partial matches of words written differently (negative: not
	// indexed at all).
	UnigramWeight float64
	// DocKeywords words characterising the whole document are added to
	// each of its chunks (when it has several), with weight
	// DocKeywordWeight, so a passage keeps its document's context.
	DocKeywords      int
	DocKeywordWeight float64
	// Coord re-ranks the candidates of questions with at least CoordMin
	// words by score × coverage^Coord, coverage being the share of the
	// question's words and bigrams the chunk contains (a coordination
	// factor, as Lucene's classic scoring has). 0: off.
	Coord    float64
	CoordMin int
	// PairWeight is the query weight of adjacent word pairs (稳岗|补贴), a
	// light proximity signal (negative: pairs not indexed).
	PairWeight float64
	// StopBigram and EdgeBigram scale the query weight of a bigram whose
	// two characters (StopBigram) or one character (EdgeBigram) belong to
	// stop words: 怎么办 → 怎么, 么办; 有何区别 → 何区. Negative: 0.
	StopBigram, EdgeBigram float64
	// Local weighs the re-ranking of the candidates by the question words
	// that tell the first LocalDocs of them apart (rerank.go). Negative: off.
	Local     float64
	LocalDocs int
	// LocalRerank is how many leading candidates are re-ranked (default 20).
	LocalRerank int
	// AspectWeight scales the aspect a question asks for as a term of the
	// re-ranking (rerank.go). Negative: off.
	AspectWeight float64
	// Candidates is how many chunks are fetched for re-ranking and
	// feedback before the final cut.
	Candidates int
	// ExpandWeight is the query weight, relative to WordWeight, of the
	// official terms an everyday word of the question expands to (交钱 →
	// 缴费 收费; dict/ "a > b c" lines). Negative: off.
	ExpandWeight float64
	// Learned associations (assoc.go). AssocWeight is the query weight,
	// relative to WordWeight, of the answer words a question word is
	// associated with (times their association A ∈ (0,1]), the best
	// AssocTerms of each question word; AssocRerank weighs the re-scoring
	// of the leading candidates by the share of the question's information
	// that an entry accounts for only through associations; AssocMinCount
	// is the fewest units that must show an association. Negative: off.
	AssocWeight   float64
	AssocTerms    int
	AssocRerank   float64
	AssocMinCount int
	// SimilarPassages says how a FAQ entry's similar questions (相似问) are
	// scored: PassageConcat (-1) indexes them in the entry's one vector
	// beside its standard question; PassageAlone (1, the default) makes each
	// of them a passage of its own, in a feature space of its own, and an
	// entry scores as the best of its own vector and its passages.
	SimilarPassages int
	// PassageCoord raises the share of the question a similar question's
	// passage accounts for (its words, weighted by their informativeness)
	// to this power and multiplies the passage's score by it. Negative: off.
	PassageCoord float64
	// SynonymWord raises the query weight of the canonical term that a
	// question's term (or phrase) is mapped to by the vocabulary, when it
	// is written differently (户口 → 户籍, 掉水里 → 溺水): by a factor of
	// 1 + SynonymWord × the share of the canonical term's character
	// bigrams the question lacks. A text in the question's own words
	// matches its word, bigram and character features; one in the
	// official words matches the canonical word alone, so without this
	// the vocabulary finds the official wording but ranks it below any
	// literal partial match. Negative: off.
	SynonymWord float64
	// QuestionCover re-ranks the leading FAQ hits by how well the entry's
	// own question (or best similar question) and the asker's question
	// cover each other, adding QuestionCover × the product of the two
	// shares of the best score (rerank.go). Negative: off.
	QuestionCover float64
}

// Ways to score a FAQ entry's similar questions (Params.SimilarPassages).
const (
	PassageConcat = -1
	PassageAlone  = 1
)

// DefaultParams are the measured defaults (docs/search.md).
var DefaultParams = Params{
	K1: 1.2, B: 0.9,
	QuestionWeight: 6, TitleWeight: 2, HeadingWeight: 1, MetaWeight: 0.5,
	LeadWeight: 1, LeadRunes: 100,
	WordWeight: 1, BigramWeight: 1, UnigramWeight: 1, SingleWeight: 1,
	PairWeight: 0.7,
	StopBigram: -1, EdgeBigram: 1,
	Local: 0.3, LocalDocs: 20, LocalRerank: 20,
	DocKeywords: -1, DocKeywordWeight: 1,
	Candidates:   50,
	ExpandWeight: 0.6,
	AspectWeight: 1,
	AssocWeight:  0.3, AssocTerms: 2, AssocRerank: -1, AssocMinCount: 2,
	SimilarPassages: PassageAlone, PassageCoord: 2,
	SynonymWord:   1.5,
	QuestionCover: 0.2,
}

func (p Params) withDefaults() Params {
	d := DefaultParams
	set := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	set(&p.K1, d.K1)
	set(&p.B, d.B)
	set(&p.QuestionWeight, d.QuestionWeight)
	set(&p.TitleWeight, d.TitleWeight)
	set(&p.HeadingWeight, d.HeadingWeight)
	set(&p.MetaWeight, d.MetaWeight)
	set(&p.WordWeight, d.WordWeight)
	set(&p.BigramWeight, d.BigramWeight)
	set(&p.LeadWeight, d.LeadWeight)
	set(&p.SingleWeight, d.SingleWeight)
	set(&p.UnigramWeight, d.UnigramWeight)
	set(&p.PairWeight, d.PairWeight)
	set(&p.DocKeywordWeight, d.DocKeywordWeight)
	set(&p.StopBigram, d.StopBigram)
	set(&p.EdgeBigram, d.EdgeBigram)
	set(&p.ExpandWeight, d.ExpandWeight)
	set(&p.AspectWeight, d.AspectWeight)
	set(&p.AssocWeight, d.AssocWeight)
	set(&p.AssocRerank, d.AssocRerank)
	set(&p.PassageCoord, d.PassageCoord)
	set(&p.SynonymWord, d.SynonymWord)
	set(&p.QuestionCover, d.QuestionCover)
	if p.AssocTerms == 0 {
		p.AssocTerms = d.AssocTerms
	}
	if p.AssocMinCount == 0 {
		p.AssocMinCount = d.AssocMinCount
	}
	if p.SimilarPassages == 0 {
		p.SimilarPassages = d.SimilarPassages
	}
	if p.DocKeywords == 0 {
		p.DocKeywords = d.DocKeywords
	}
	if p.LeadRunes == 0 {
		p.LeadRunes = d.LeadRunes
	}
	set(&p.Local, d.Local)
	if p.LocalDocs == 0 {
		p.LocalDocs = d.LocalDocs
	}
	if p.LocalRerank == 0 {
		p.LocalRerank = d.LocalRerank
	}
	if p.Candidates == 0 {
		p.Candidates = d.Candidates
	}
	if p.B < 0 {
		p.B = 0
	}
	return p
}

// field is one weighted text of a chunk.
type field struct {
	text   string
	weight float64
	body   bool // the chunk's own text
	lead   bool // a copy of the start of the body
	// ask marks the question side of the chunk for the learned
	// associations (assoc.go): a FAQ entry's questions, a chunk's headings,
	// a titled document's title on its first chunk.
	ask bool
	// similar marks a FAQ entry's similar question: scored as a passage of
	// its own unless Params.SimilarPassages is PassageConcat.
	similar bool
}

// chunkFields lists the texts a chunk is indexed under.
func chunkFields(p Params, d *kb.Document, c *kb.Chunk) []field {
	var fs []field
	if d.Type == kb.TypeFAQ {
		fs = append(fs, field{text: d.Title, weight: p.QuestionWeight, ask: true})
		for _, s := range d.Similar {
			fs = append(fs, field{text: s, weight: p.QuestionWeight, ask: true, similar: true})
		}
	} else {
		title := d.Title
		if title == "" && c.Ord > 0 {
			// A document without a title (an imported text) is known by its
			// opening sentence, which every chunk carries as context.
			title = lead(d.Body, p.LeadRunes)
		}
		fs = append(fs, field{text: title, weight: p.TitleWeight, ask: d.Title != "" && c.Ord == 0})
	}
	if len(c.Heading) > 0 {
		fs = append(fs, field{text: strings.Join(c.Heading, " "), weight: p.HeadingWeight, ask: true})
	}
	fs = append(fs, field{text: c.Text, weight: 1, body: true})
	if p.LeadWeight > 0 {
		if l := lead(c.Text, p.LeadRunes); l != "" {
			fs = append(fs, field{text: l, weight: p.LeadWeight, lead: true})
		}
	}
	meta := strings.TrimSpace(strings.Join(append([]string{d.DocNumber, d.Issuer}, d.Tags...), " "))
	if meta != "" {
		fs = append(fs, field{text: meta, weight: p.MetaWeight})
	}
	return fs
}

// vectorFields are the fields of a chunk that go into its own vector:
// all of them, less a FAQ entry's similar questions when those are
// passages of their own.
func vectorFields(p Params, fs []field) []field {
	if p.SimilarPassages == PassageConcat {
		return fs
	}
	return ownFields(fs)
}

// ownFields are the fields of a chunk less a FAQ entry's similar
// questions.
func ownFields(fs []field) []field {
	out := make([]field, 0, len(fs))
	for _, f := range fs {
		if !f.similar {
			out = append(out, f)
		}
	}
	return out
}

// passageFields are the fields of the passage of one similar question
// (Params.SimilarPassages): the wording, weighing as a question.
func passageFields(p Params, wording string) []field {
	return []field{{text: wording, weight: p.QuestionWeight}}
}

// lead returns the first sentence of text, at most max runes.
func lead(text string, max int) string {
	n := 0
	for i, r := range text {
		if n >= max {
			return text[:i]
		}
		n++
		switch r {
		case '。', '！', '？', '!', '?', '；', ';', '\n':
			if n >= 8 {
				return text[:i]
			}
		}
	}
	return text
}

// weightedLen is a chunk's length for BM25 length normalisation, counted in
// characters (weighted by field) so it is known without segmenting.
func weightedLen(fs []field) float64 {
	n := 0.0
	for _, f := range fs {
		if f.weight > 0 {
			n += f.weight * float64(utf8.RuneCountInString(f.text))
		}
	}
	return n
}

// Feature kinds hashed into separate index spaces.
const (
	kindWord    = 'w'
	kindBigram  = 'b'
	kindUnigram = 'u'
	kindPair    = 'p'
)

// pairKey is the feature of two adjacent content words.
func pairKey(seg *zh.Segmenter, a, b string) string {
	return seg.Canonical(a) + "|" + seg.Canonical(b)
}

// featureIndex hashes a feature to its sparse index (FNV-1a, 32 bits).
func featureIndex(kind byte, term string) uint32 {
	h := uint32(2166136261)
	h ^= uint32(kind)
	h *= 16777619
	for i := 0; i < len(term); i++ {
		h ^= uint32(term[i])
		h *= 16777619
	}
	return h
}

// encoder turns texts into sparse vectors.
type encoder struct {
	seg     *zh.Segmenter
	p       Params
	avgLen  float64
	weights sync.Map // word → seg.Weight, for the association units
}

// weight is seg.Weight, remembered: the words of a knowledge base repeat
// from chunk to chunk.
func (e *encoder) weight(w string) float64 {
	if v, ok := e.weights.Load(w); ok {
		return v.(float64)
	}
	v := e.seg.Weight(w)
	e.weights.Store(w, v)
	return v
}

// signature identifies everything that determines a chunk's vector other
// than its text: a change re-encodes every chunk.
func (e *encoder) signature() string {
	p := e.p
	return fmt.Sprintf("s2|%s|k1=%g|b=%g|q=%g|t=%g|h=%g|m=%g|l=%g/%d|u2=%t|p=%t|k=%d/%g|sp=%d|avg=%.0f",
		e.seg.Fingerprint(), p.K1, p.B, p.QuestionWeight, p.TitleWeight, p.HeadingWeight, p.MetaWeight, p.LeadWeight, p.LeadRunes,
		p.UnigramWeight > 0, p.PairWeight > 0, p.DocKeywords, p.DocKeywordWeight, p.SimilarPassages, e.avgLen)
}

// analyzed is a chunk's fields after segmentation.
type analyzed struct {
	fields []field
	an     []zh.Analysis
}

// analyze segments the fields of a chunk. memo (may be nil) holds the
// analyses of texts already segmented for other chunks of the same
// document: an untitled document's opening sentence is every chunk's title,
// and the first chunk's lead is that same sentence.
func (e *encoder) analyze(fs []field, memo map[string]zh.Analysis) analyzed {
	a := analyzed{fields: fs, an: make([]zh.Analysis, len(fs))}
	for i, f := range fs {
		if f.weight <= 0 || f.text == "" {
			continue
		}
		if f.body || memo == nil {
			a.an[i] = e.seg.Analyze(f.text)
			continue
		}
		an, ok := memo[f.text]
		if !ok {
			an = e.seg.Analyze(f.text)
			memo[f.text] = an
		}
		a.an[i] = an
	}
	return a
}

// unit is a chunk's parallel text for the learned associations: the
// informative words of its question side and of its answer side (a FAQ
// entry's answer side holds its questions too). A chunk without a question
// side keeps its answer side, which Config.Pairs may pair with questions.
func (e *encoder) unit(a analyzed, faq bool) assocUnit {
	var ask, ans []*zh.Analysis
	for i, f := range a.fields {
		switch {
		case f.weight <= 0 || f.lead:
		case f.ask:
			ask = append(ask, &a.an[i])
			if faq {
				ans = append(ans, &a.an[i])
			}
		case f.body:
			ans = append(ans, &a.an[i])
		}
	}
	u := assocUnit{dst: assocWords(e.weight, assocMaxDst, ans...)}
	if len(ask) > 0 {
		u.src = assocWords(e.weight, assocMaxSrc, ask...)
	}
	return u
}

// encodeDoc builds a chunk's vector: for every word, bigram and character
// feature, the field-weighted term frequency saturated and length-normalised
// as in BM25 (the store multiplies in IDF at query time). extra are further
// weighted fields (the document's keywords) that do not count toward the
// chunk's length.
func (e *encoder) encodeDoc(a analyzed, extra ...field) store.SparseVec {
	tf := map[uint32]float64{}
	add := func(an *zh.Analysis, w float64) {
		for _, t := range an.Words {
			tf[featureIndex(kindWord, t)] += w
		}
		for _, b := range an.Bigrams {
			tf[featureIndex(kindBigram, b)] += w
		}
		if e.p.UnigramWeight > 0 {
			for _, c := range an.Chars {
				if !e.seg.IsStop(c) {
					tf[featureIndex(kindUnigram, c)] += w
				}
			}
		}
		if e.p.PairWeight > 0 {
			for i := 1; i < len(an.Terms); i++ {
				tf[featureIndex(kindPair, pairKey(e.seg, an.Terms[i-1], an.Terms[i]))] += w
			}
		}
	}
	var fs []field // the fields counted toward the length
	for i, f := range a.fields {
		if f.weight > 0 && !(f.similar && e.p.SimilarPassages != PassageConcat) {
			add(&a.an[i], f.weight)
			fs = append(fs, f)
		}
	}
	for _, f := range extra {
		if f.weight > 0 && f.text != "" {
			an := e.seg.Analyze(f.text)
			add(&an, f.weight)
		}
	}
	norm := e.p.K1 * (1 - e.p.B + e.p.B*weightedLen(fs)/max(e.avgLen, 1))
	v := store.SparseVec{Indices: make([]uint32, 0, len(tf)), Values: make([]float32, 0, len(tf))}
	for idx := range tf {
		v.Indices = append(v.Indices, idx)
	}
	slices.Sort(v.Indices)
	for _, idx := range v.Indices {
		t := tf[idx]
		v.Values = append(v.Values, float32(t*(e.p.K1+1)/(t+norm)))
	}
	return v
}

// keywords returns the words that characterise a whole document, from the
// analyses of its chunks' bodies: frequent in the document and informative
// in general Chinese (surprisal as a corpus-independent IDF).
func (e *encoder) keywords(chunks []analyzed, n int) string {
	tf := map[string]int{}
	for _, a := range chunks {
		for i, f := range a.fields {
			if !f.body {
				continue
			}
			for _, t := range a.an[i].Terms {
				if utf8.RuneCountInString(t) >= 2 {
					tf[t]++
				}
			}
		}
	}
	type kv struct {
		w string
		s float64
	}
	list := make([]kv, 0, len(tf))
	for w, c := range tf {
		if c < 2 {
			continue
		}
		list = append(list, kv{w, (1 + math.Log(float64(c))) * e.seg.Weight(w)})
	}
	slices.SortFunc(list, func(a, b kv) int {
		if a.s != b.s {
			if a.s > b.s {
				return -1
			}
			return 1
		}
		return strings.Compare(a.w, b.w)
	})
	var sb strings.Builder
	for i := 0; i < len(list) && i < n; i++ {
		sb.WriteString(list[i].w)
		sb.WriteByte(' ')
	}
	return strings.TrimSpace(sb.String())
}

// queryTerms are the weighted features of a question.
type queryTerms struct {
	analysis zh.Analysis
	weights  map[uint32]float64
	norm     string // the question normalised
}

func (e *encoder) analyzeQuery(q string) queryTerms {
	a := e.seg.Analyze(q)
	w := map[uint32]float64{}
	seen := map[string]bool{}
	for _, t := range a.Words {
		if !seen[t] {
			seen[t] = true
			ww := e.p.WordWeight
			if utf8.RuneCountInString(t) == 1 {
				ww *= max(e.p.SingleWeight, 0)
			}
			if ww > 0 {
				w[featureIndex(kindWord, t)] = ww
			}
		}
	}
	if e.p.ExpandWeight > 0 {
		// Everyday words find the official terms they stand for.
		for _, t := range append(slices.Clip(a.Terms), a.Phrases...) {
			for _, x := range e.seg.Expansions(t) {
				c := e.seg.Canonical(x)
				if seen[c] {
					continue
				}
				seen[c] = true
				w[featureIndex(kindWord, c)] = e.p.WordWeight * e.p.ExpandWeight
			}
		}
	}
	for i, b := range a.Bigrams {
		if !seen["\x00"+b] {
			seen["\x00"+b] = true
			bw := e.p.BigramWeight
			switch a.BigramStop[i] {
			case 1:
				bw *= max(e.p.EdgeBigram, 0)
			case 2:
				bw *= max(e.p.StopBigram, 0)
			}
			if bw > 0 {
				w[featureIndex(kindBigram, b)] += bw
			}
		}
	}
	if e.p.UnigramWeight > 0 {
		for _, c := range a.Chars {
			if e.seg.IsStop(c) {
				continue
			}
			if idx := featureIndex(kindUnigram, c); w[idx] == 0 {
				w[idx] = e.p.UnigramWeight
			}
		}
	}
	if e.p.PairWeight > 0 {
		for i := 1; i < len(a.Terms); i++ {
			w[featureIndex(kindPair, pairKey(e.seg, a.Terms[i-1], a.Terms[i]))] = e.p.PairWeight
		}
	}
	norm := textnorm.Normalize(q)
	if e.p.SynonymWord > 0 {
		e.boostSynonyms(a, norm, w)
	}
	return queryTerms{analysis: a, weights: w, norm: norm}
}

// boostSynonyms multiplies the query weight of each canonical term that a
// term or phrase of the question is mapped to, and that the question does
// not spell, by 1 + SynonymWord × the share of the canonical term's
// character bigrams missing from the question (Params.SynonymWord): the
// evidence that the question's own bigrams and characters give a text in
// its words, the canonical word alone must give a text in the official
// words. An abbreviation whose official form contains it (公积金 →
// 住房公积金) already matches by its bigrams and gains little.
func (e *encoder) boostSynonyms(a zh.Analysis, norm string, w map[uint32]float64) {
	done := map[string]bool{}
	for _, t := range append(slices.Clip(a.Terms), a.Phrases...) {
		c := e.seg.Canonical(t)
		if c == t || done[c] {
			continue
		}
		done[c] = true
		idx := featureIndex(kindWord, c)
		if w[idx] == 0 {
			continue
		}
		bigrams := e.seg.Analyze(c).Bigrams
		missing := 0
		for _, b := range bigrams {
			if !strings.Contains(norm, b) {
				missing++
			}
		}
		if len(bigrams) > 0 {
			w[idx] *= 1 + e.p.SynonymWord*float64(missing)/float64(len(bigrams))
		}
	}
}

func sparseOf(w map[uint32]float64) store.SparseVec {
	v := store.SparseVec{Indices: make([]uint32, 0, len(w)), Values: make([]float32, 0, len(w))}
	for idx := range w {
		v.Indices = append(v.Indices, idx)
	}
	slices.Sort(v.Indices)
	for _, idx := range v.Indices {
		v.Values = append(v.Values, float32(w[idx]))
	}
	return v
}

// bucketLen rounds an average length to a quarter octave, so that small
// changes to the collection do not alter the encoder signature.
func bucketLen(avg float64) float64 {
	if avg < 1 {
		return 1
	}
	return math.Round(math.Exp2(math.Round(math.Log2(avg)*4) / 4))
}
