// Package dept suggests the responsible department (承办部门) for a
// question or a ticket text, from the departments of the knowledge base's
// entries (FAQ entries and documents that name a department).
//
// Each entry becomes a TF-IDF vector of its terms (question and similar
// questions at full weight, the answer text at AnswerWeight). A question is
// compared with every entry by cosine similarity through an inverted index;
// the K most similar entries vote for their department with weight
// similarity^Power. The result is a ranked list of departments with their
// share of the vote, and the entries that supported it.
package dept

import (
	"errors"
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
)

// Config tunes a Suggester. Zero fields take the defaults.
type Config struct {
	// K is the number of neighbours that vote; default 15.
	K int
	// Power sharpens the vote: each neighbour counts similarity^Power;
	// default 2.
	Power float64
	// AnswerWeight scales the answer (body) terms of an entry relative to
	// its question; default 0.3. Negative: body ignored.
	AnswerWeight float64
	// MaxBodyRunes bounds how much of a long document's body is read;
	// default 2000.
	MaxBodyRunes int
	// Terms splits text into index terms; default Bigrams.
	Terms func(text string) []string
}

func (c *Config) defaults() {
	if c.K <= 0 {
		c.K = 15
	}
	if c.Power <= 0 {
		c.Power = 2
	}
	if c.AnswerWeight == 0 {
		c.AnswerWeight = 0.3
	}
	if c.MaxBodyRunes <= 0 {
		c.MaxBodyRunes = 2000
	}
	if c.Terms == nil {
		c.Terms = Bigrams
	}
}

// Suggestion is a department with its share of the neighbours' vote.
type Suggestion struct {
	Department string   `json:"department"`
	Score      float64  `json:"score"`   // share of the vote, 0..1
	Support    []string `json:"support"` // ids of the entries that voted for it, best first
}

// Suggester predicts departments. It is read-only after New and safe for
// concurrent use.
type Suggester struct {
	cfg      Config
	ids      []string
	dept     []int32 // department index per entry
	depts    []string
	idf      map[string]float64
	postings map[string][]posting
}

type posting struct {
	doc int32
	w   float32
}

// maxSupport bounds the entries listed as support of a suggestion.
const maxSupport = 5

// ErrNoDepartments is returned when no entry names a department.
var ErrNoDepartments = errors.New("dept: no knowledge entry names a department")

// New builds a Suggester from the documents of a knowledge base; documents
// without a department are skipped.
func New(cfg Config, docs []*kb.Document) (*Suggester, error) {
	cfg.defaults()
	r := &Suggester{cfg: cfg, idf: map[string]float64{}, postings: map[string][]posting{}}
	deptIdx := map[string]int32{}
	var vecs []map[string]float64
	df := map[string]int{}
	for _, d := range docs {
		dep := strings.TrimSpace(d.Department)
		if dep == "" {
			continue
		}
		i, ok := deptIdx[dep]
		if !ok {
			i = int32(len(r.depts))
			deptIdx[dep] = i
			r.depts = append(r.depts, dep)
		}
		v := map[string]float64{}
		add := func(text string, w float64) {
			for _, t := range cfg.Terms(text) {
				v[t] += w
			}
		}
		add(d.Title, 1)
		for _, s := range d.Similar {
			add(s, 1)
		}
		if cfg.AnswerWeight > 0 {
			add(clip(d.Body, cfg.MaxBodyRunes), cfg.AnswerWeight)
		}
		if len(v) == 0 {
			continue
		}
		for t := range v {
			df[t]++
		}
		r.ids = append(r.ids, d.ID)
		r.dept = append(r.dept, i)
		vecs = append(vecs, v)
	}
	if len(vecs) == 0 {
		return nil, ErrNoDepartments
	}
	n := float64(len(vecs))
	for t, c := range df {
		r.idf[t] = math.Log(1 + n/float64(c))
	}
	for di, v := range vecs {
		var norm float64
		for t, tf := range v {
			w := (1 + math.Log(1+tf)) * r.idf[t]
			v[t] = w
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for t, w := range v {
			r.postings[t] = append(r.postings[t], posting{doc: int32(di), w: float32(w / norm)})
		}
	}
	return r, nil
}

// Departments lists the known departments in first-seen order.
func (r *Suggester) Departments() []string { return append([]string(nil), r.depts...) }

// Len is the number of entries that vote.
func (r *Suggester) Len() int { return len(r.ids) }

// Suggest returns up to n departments for text, best first.
func (r *Suggester) Suggest(text string, n int) []Suggestion {
	return r.SuggestExcept(text, n, nil)
}

// SuggestExcept is Suggest ignoring the entries for which skip(id) is true
// (used to evaluate without letting a question find itself).
func (r *Suggester) SuggestExcept(text string, n int, skip func(id string) bool) []Suggestion {
	q := map[string]float64{}
	for _, t := range r.cfg.Terms(text) {
		if _, ok := r.idf[t]; ok {
			q[t]++
		}
	}
	if len(q) == 0 || n <= 0 {
		return nil
	}
	var norm float64
	for t, tf := range q {
		w := (1 + math.Log(tf)) * r.idf[t]
		q[t] = w
		norm += w * w
	}
	norm = math.Sqrt(norm)
	// Accumulate into a dense array, remembering which entries were touched.
	scores := make([]float64, len(r.ids))
	touched := make([]int32, 0, 256)
	for t, w := range q {
		wn := w / norm
		for _, p := range r.postings[t] {
			if scores[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			scores[p.doc] += wn * float64(p.w)
		}
	}
	type hit struct {
		doc int32
		s   float64
	}
	better := func(a, b hit) bool { return a.s > b.s || a.s == b.s && a.doc < b.doc }
	// Keep the K best in a small sorted slice (K is tiny next to the hits).
	hits := make([]hit, 0, r.cfg.K+1)
	for _, d := range touched {
		h := hit{d, scores[d]}
		if len(hits) == r.cfg.K && !better(h, hits[len(hits)-1]) {
			continue
		}
		if skip != nil && skip(r.ids[d]) {
			continue
		}
		i := sort.Search(len(hits), func(i int) bool { return better(h, hits[i]) })
		hits = append(hits, hit{})
		copy(hits[i+1:], hits[i:])
		hits[i] = h
		if len(hits) > r.cfg.K {
			hits = hits[:r.cfg.K]
		}
	}
	votes := map[int32]*Suggestion{}
	var total float64
	for _, h := range hits {
		v := math.Pow(h.s, r.cfg.Power)
		s := votes[r.dept[h.doc]]
		if s == nil {
			s = &Suggestion{Department: r.depts[r.dept[h.doc]]}
			votes[r.dept[h.doc]] = s
		}
		s.Score += v
		if len(s.Support) < maxSupport {
			s.Support = append(s.Support, r.ids[h.doc])
		}
		total += v
	}
	out := make([]Suggestion, 0, len(votes))
	for _, s := range votes {
		if total > 0 {
			s.Score /= total
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Department < out[j].Department
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Bigrams splits text into overlapping Han character bigrams (and the single
// character of a one-character run) and lowercased ASCII words or numbers;
// each rune is folded first (textnorm.Fold: full-width letters and digits to
// ASCII).
func Bigrams(text string) []string {
	var out []string
	var han []rune
	var word []rune
	flushHan := func() {
		switch len(han) {
		case 0:
		case 1:
			out = append(out, string(han))
		default:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	flushWord := func() {
		if len(word) > 0 {
			out = append(out, string(word))
			word = word[:0]
		}
	}
	for _, r := range text {
		r = textnorm.Fold(r)
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			flushHan()
			word = append(word, r)
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return out
}

func clip(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
