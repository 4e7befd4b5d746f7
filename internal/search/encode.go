package search

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
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
	// Candidates is how many chunks are fetched for re-ranking and
	// feedback before the final cut.
	Candidates int
}

// DefaultParams are the measured defaults (docs/search.md).
var DefaultParams = Params{
	K1: 1.2, B: 0.75,
	QuestionWeight: 2, TitleWeight: 1, HeadingWeight: 1, MetaWeight: 0.5,
	WordWeight: 1, BigramWeight: 0.6,
	Candidates: 50,
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
}

// chunkFields lists the texts a chunk is indexed under.
func chunkFields(p Params, d *kb.Document, c *kb.Chunk) []field {
	var fs []field
	if d.Type == kb.TypeFAQ {
		fs = append(fs, field{d.Title, p.QuestionWeight})
		for _, s := range d.Similar {
			fs = append(fs, field{s, p.QuestionWeight})
		}
	} else {
		fs = append(fs, field{d.Title, p.TitleWeight})
	}
	if len(c.Heading) > 0 {
		fs = append(fs, field{strings.Join(c.Heading, " "), p.HeadingWeight})
	}
	fs = append(fs, field{c.Text, 1})
	meta := strings.TrimSpace(strings.Join(append([]string{d.DocNumber, d.Issuer}, d.Tags...), " "))
	if meta != "" {
		fs = append(fs, field{meta, p.MetaWeight})
	}
	return fs
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
	kindWord   = 'w'
	kindBigram = 'b'
)

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
	seg    *zh.Segmenter
	p      Params
	avgLen float64
}

// signature identifies everything that determines a chunk's vector other
// than its text: a change re-encodes every chunk.
func (e *encoder) signature() string {
	p := e.p
	return fmt.Sprintf("s1|%s|k1=%g|b=%g|q=%g|t=%g|h=%g|m=%g|avg=%.0f",
		e.seg.Fingerprint(), p.K1, p.B, p.QuestionWeight, p.TitleWeight, p.HeadingWeight, p.MetaWeight, e.avgLen)
}

// encodeDoc builds a chunk's vector: for every word and bigram feature, the
// field-weighted term frequency saturated and length-normalised as in BM25
// (the store multiplies in IDF at query time).
func (e *encoder) encodeDoc(fs []field) SparseVec {
	tf := map[uint32]float64{}
	for _, f := range fs {
		if f.weight <= 0 || f.text == "" {
			continue
		}
		a := e.seg.Analyze(f.text)
		for _, w := range a.Words {
			tf[featureIndex(kindWord, w)] += f.weight
		}
		for _, b := range a.Bigrams {
			tf[featureIndex(kindBigram, b)] += f.weight
		}
	}
	norm := e.p.K1 * (1 - e.p.B + e.p.B*weightedLen(fs)/max(e.avgLen, 1))
	v := SparseVec{Indices: make([]uint32, 0, len(tf)), Values: make([]float32, 0, len(tf))}
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

// queryTerms are the weighted features of a question.
type queryTerms struct {
	analysis zh.Analysis
	weights  map[uint32]float64
}

func (e *encoder) analyzeQuery(q string) queryTerms {
	a := e.seg.Analyze(q)
	w := map[uint32]float64{}
	seen := map[string]bool{}
	for _, t := range a.Words {
		if !seen[t] {
			seen[t] = true
			w[featureIndex(kindWord, t)] = e.p.WordWeight
		}
	}
	for _, b := range a.Bigrams {
		if !seen["\x00"+b] {
			seen["\x00"+b] = true
			w[featureIndex(kindBigram, b)] += e.p.BigramWeight
		}
	}
	return queryTerms{analysis: a, weights: w}
}

func sparseOf(w map[uint32]float64) SparseVec {
	v := SparseVec{Indices: make([]uint32, 0, len(w)), Values: make([]float32, 0, len(w))}
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
