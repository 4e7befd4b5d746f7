package search

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/zh"
)

// Learned associations: which words of a question predict which words of
// the text that answers it, learned from the knowledge base itself with no
// model, in the spirit of the translation-based language model for
// question retrieval (Xue, Jeon & Croft, SIGIR 2008).
//
// Every chunk is one unit of parallel text: its question side (a FAQ
// entry's standard and similar questions; a document chunk's heading path,
// and the title on the document's first chunk) and its answer side (the
// chunk's text, and for a FAQ entry its questions too, so that the words of
// one wording predict those of another). A unit keeps the feature indices of
// its informative words on each side; they are stored with the chunk's point
// (payload field "assoc"), so that an unchanged chunk is never segmented
// again, and the statistics are sums over the units: adding, changing or
// removing a chunk adds or removes its unit and nothing else is recomputed.
//
// For a question word w and an answer word t, with N units, n(w) those
// whose question side has w, m(t) those whose answer side has t and c(w,t)
// those that have both,
//
//	P(t|w) = c(w,t) / (n(w) + 1)       P(t) = m(t) / N
//	A(w,t) = (P(t|w) − P(t)) / (1 − P(t))   when c(w,t) ≥ AssocMinCount, else 0
//
// — the share of the way from t's background rate to certainty that knowing
// w takes you. A word asked about in more than a tenth of the units (at
// least 50), such as 办理, predicts nothing in particular and has none. (One EM step of IBM Model 1 from a uniform start is likewise a
// sum over units; the normalised difference is used instead of the raw
// conditional so that words found in every answer, 办理 or 可以, associate
// with nothing.) A question is expanded with the best answer words of each
// of its words (AssocWeight), candidates are re-scored by how much of the
// question the entry accounts for directly or through associations
// (AssocRerank), and Result.Association reports that share.

// assocUnit is one chunk's (or one learned pair's) parallel text: the
// feature indices of the informative words on its question side and on its
// answer side, each sorted and unique.
type assocUnit struct {
	src, dst []uint32
}

func (u assocUnit) empty() bool { return len(u.src) == 0 || len(u.dst) == 0 }

// encode renders the unit for the point's payload: two base64 lists of
// little-endian uint32, separated by a dot.
func (u assocUnit) encode() string {
	if len(u.src) == 0 && len(u.dst) == 0 {
		return ""
	}
	enc := func(xs []uint32) string {
		b := make([]byte, 4*len(xs))
		for i, x := range xs {
			binary.LittleEndian.PutUint32(b[4*i:], x)
		}
		return base64.RawStdEncoding.EncodeToString(b)
	}
	return enc(u.src) + "." + enc(u.dst)
}

// decodeUnit reads a unit written by encode; a malformed value gives an
// empty unit (the chunk is then re-encoded only when its hash changes, and
// contributes nothing meanwhile).
func decodeUnit(s string) (assocUnit, bool) {
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return assocUnit{}, false
	}
	dec := func(x string) ([]uint32, bool) {
		raw, err := base64.RawStdEncoding.DecodeString(x)
		if err != nil || len(raw)%4 != 0 {
			return nil, false
		}
		out := make([]uint32, len(raw)/4)
		for i := range out {
			out[i] = binary.LittleEndian.Uint32(raw[4*i:])
		}
		return out, true
	}
	src, ok1 := dec(a)
	dst, ok2 := dec(b)
	if !ok1 || !ok2 {
		return assocUnit{}, false
	}
	return assocUnit{src: src, dst: dst}, true
}

// Limits on a unit's words: the most informative ones are kept.
const (
	assocMaxSrc = 24
	assocMaxDst = 64
)

// assocWords returns the feature indices of the informative words of the
// analyses, most informative first, at most n: words of two or more runes,
// weighed by their surprisal and (logarithmically) by how often they occur.
func assocWords(weight func(string) float64, n int, ans ...*zh.Analysis) []uint32 {
	tf := map[string]int{}
	for _, a := range ans {
		for _, w := range a.Words {
			if utf8.RuneCountInString(w) >= 2 {
				tf[w]++
			}
		}
	}
	type kv struct {
		idx uint32
		s   float64
	}
	list := make([]kv, 0, len(tf))
	for w, c := range tf {
		list = append(list, kv{featureIndex(kindWord, w), weight(w) * (1 + math.Log(float64(c)))})
	}
	slices.SortFunc(list, func(a, b kv) int {
		if c := cmp.Compare(b.s, a.s); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	list = list[:min(len(list), n)]
	out := make([]uint32, len(list))
	for i, x := range list {
		out[i] = x.idx
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// assocTarget is an answer word associated with a question word.
type assocTarget struct {
	t uint32
	a float64 // A(w,t)
}

// assocRow is what a question word is associated with: its best answer
// words.
type assocRow struct {
	top []assocTarget // by A, descending, at most assocTop
}

// assocTop bounds the cached best associations of a word.
const assocTop = 16

// assocCommon is the number of units a question word may occur in and still
// be given associations, when a tenth of the units is fewer.
const assocCommon = 50

// assocIndex holds the units and the statistics summed over them. Rows
// are computed when a question word is first met, from the units whose
// question side holds it, and cached until the units change.
type assocIndex struct {
	minCount int

	mu    sync.RWMutex
	units []assocUnit        // by slot; a removed unit leaves an empty slot
	free  []int32            // empty slots
	slot  map[string]int32   // unit key → slot
	bySrc map[uint32][]int32 // question word → slots
	dstN  map[uint32]int32   // m(t)
	n     int                // units
	rows  atomic.Pointer[sync.Map]
}

func newAssocIndex(minCount int) *assocIndex {
	x := &assocIndex{minCount: max(minCount, 1), slot: map[string]int32{}, bySrc: map[uint32][]int32{}, dstN: map[uint32]int32{}}
	x.rows.Store(&sync.Map{})
	return x
}

// set adds, replaces or (with an empty unit) removes the unit with the key.
func (x *assocIndex) set(key string, u assocUnit) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if s, ok := x.slot[key]; ok {
		x.remove(s)
		delete(x.slot, key)
	}
	if u.empty() {
		x.rows.Store(&sync.Map{})
		return
	}
	var s int32
	if n := len(x.free); n > 0 {
		s, x.free = x.free[n-1], x.free[:n-1]
		x.units[s] = u
	} else {
		s = int32(len(x.units))
		x.units = append(x.units, u)
	}
	x.slot[key] = s
	for _, w := range u.src {
		x.bySrc[w] = append(x.bySrc[w], s)
	}
	for _, t := range u.dst {
		x.dstN[t]++
	}
	x.n++
	x.rows.Store(&sync.Map{})
}

// remove takes slot s's unit out of the statistics (x.mu held).
func (x *assocIndex) remove(s int32) {
	u := x.units[s]
	for _, w := range u.src {
		list := x.bySrc[w]
		if i := slices.Index(list, s); i >= 0 {
			list[i] = list[len(list)-1]
			list = list[:len(list)-1]
		}
		if len(list) == 0 {
			delete(x.bySrc, w)
		} else {
			x.bySrc[w] = list
		}
	}
	for _, t := range u.dst {
		if x.dstN[t]--; x.dstN[t] <= 0 {
			delete(x.dstN, t)
		}
	}
	x.units[s] = assocUnit{}
	x.free = append(x.free, s)
	x.n--
}

// len is the number of units.
func (x *assocIndex) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// row returns question word w's associations (nil when it has none).
func (x *assocIndex) row(w uint32) *assocRow {
	cache := x.rows.Load()
	if v, ok := cache.Load(w); ok {
		return v.(*assocRow)
	}
	x.mu.RLock()
	r := x.compute(w)
	x.mu.RUnlock()
	cache.Store(w, r)
	return r
}

// compute builds w's row (x.mu held for reading).
func (x *assocIndex) compute(w uint32) *assocRow {
	slots := x.bySrc[w]
	if len(slots) < x.minCount || x.n == 0 || len(slots) > max(assocCommon, x.n/10) {
		// Too rare to show an association, or asked about in so many
		// questions (办理, 怎么) that it predicts nothing in particular.
		return nil
	}
	c := make(map[uint32]int32, 4*assocMaxDst)
	for _, s := range slots {
		for _, t := range x.units[s].dst {
			if t != w {
				c[t]++
			}
		}
	}
	nw := float64(len(slots)) + 1
	n := float64(x.n)
	r := &assocRow{}
	for t, ct := range c {
		if int(ct) < x.minCount {
			continue
		}
		p := float64(ct) / nw
		bg := float64(x.dstN[t]) / n
		if p <= bg || bg >= 1 {
			continue
		}
		r.top = append(r.top, assocTarget{t, (p - bg) / (1 - bg)})
	}
	if len(r.top) == 0 {
		return nil
	}
	slices.SortFunc(r.top, func(a, b assocTarget) int {
		if c := cmp.Compare(b.a, a.a); c != 0 {
			return c
		}
		return cmp.Compare(a.t, b.t)
	})
	r.top = r.top[:min(len(r.top), assocTop)]
	return r
}

// assocQuery is a question seen through the learned associations.
type assocQuery struct {
	terms []assocTerm
	total float64
}

// assocTerm is one term of the question with its weight (surprisal) and
// its associations.
type assocTerm struct {
	term string
	g    float64
	row  *assocRow
}

// assocQueryOf prepares the question's terms (as the vocabulary names them)
// for the association score.
func (e *Engine) assocQueryOf(x *assocIndex, qt queryTerms) *assocQuery {
	q := &assocQuery{}
	for _, t := range uniq(qt.analysis.Whole) {
		if utf8.RuneCountInString(t) < 2 {
			continue
		}
		at := assocTerm{term: t, g: e.seg.Weight(t)}
		if x != nil {
			at.row = x.row(featureIndex(kindWord, e.seg.Canonical(t)))
		}
		q.terms = append(q.terms, at)
		q.total += at.g
	}
	return q
}

// score returns the share of the question's information the chunk accounts
// for — a term fully when the chunk contains it or a synonym, else by its
// strongest association with the chunk's words — and the part of it that
// only associations account for.
func (q *assocQuery) score(e *Engine, r *rec) (share, learned float64) {
	if q.total <= 0 || r == nil {
		return 0, 0
	}
	for _, t := range q.terms {
		if e.contains(r, t.term) {
			share += t.g
			continue
		}
		if t.row == nil {
			continue
		}
		// The strongest of the term's best associations that the chunk
		// has (the unit's lists are sorted).
		best := 0.0
		for _, a := range t.row.top {
			if a.a <= best {
				break
			}
			if _, ok := slices.BinarySearch(r.unit.dst, a.t); ok {
				best = a.a
			} else if _, ok := slices.BinarySearch(r.unit.src, a.t); ok {
				best = a.a
			}
		}
		share += t.g * best
		learned += t.g * best
	}
	return share / q.total, learned / q.total
}

// expand adds to the question's weights the answer words its words are
// associated with: the best AssocTerms of each word that is not itself in
// the question, weighted by WordWeight × AssocWeight × A.
func (e *Engine) expand(x *assocIndex, qt queryTerms) {
	words := uniq(qt.analysis.Words)
	in := make(map[uint32]bool, len(words))
	for _, w := range words {
		in[featureIndex(kindWord, w)] = true
	}
	for _, w := range words {
		if utf8.RuneCountInString(w) < 2 {
			continue
		}
		row := x.row(featureIndex(kindWord, w))
		if row == nil {
			continue
		}
		for _, t := range row.top[:min(len(row.top), e.p.AssocTerms)] {
			if !in[t.t] {
				qt.weights[t.t] += e.p.WordWeight * e.p.AssocWeight * t.a
			}
		}
	}
}

// rescore adds to each of the leading hits AssocRerank times the share of
// the question that only associations account for in it.
func (e *Engine) rescore(q *assocQuery, hits []store.Hit) {
	if len(hits) == 0 || hits[0].Score <= 0 || len(q.terms) == 0 {
		return
	}
	if e.p.Local <= 0 {
		top := hits[0].Score
		for i := range hits {
			hits[i].Score /= top
		}
	}
	n := min(len(hits), e.p.LocalRerank)
	for i := range hits[:n] {
		_, learned := q.score(e, e.byPoint[hits[i].ID])
		hits[i].Score += e.p.AssocRerank * learned
	}
	slices.SortStableFunc(hits[:n], func(a, b store.Hit) int { return cmp.Compare(b.Score, a.Score) })
}
