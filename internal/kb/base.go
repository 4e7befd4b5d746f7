package kb

import (
	"sort"
	"time"
)

// Base is a loaded knowledge base: every document and FAQ entry, with lookups
// by id and the interpretation links resolved. Build it with NewBase; it is
// read-only afterwards and safe for concurrent use.
type Base struct {
	Docs   []*Document // in load order
	byID   map[string]*Document
	interp map[string][]*Document // policy id -> interpretations
	Dict   Dict
}

// Dict is the vocabulary that travels with a knowledge base (knowledge/dict/).
type Dict struct {
	// Words are user words for segmentation (最多跑一次, 一网通办 …).
	Words []string
	// UserWords carries the same words with the optional frequency and
	// part-of-speech given in the dictionary file (gse dictionary line
	// format "word [freq] [pos]"); Freq is 0 and POS "" when absent.
	UserWords []UserWord
	// Synonyms are groups of equivalent terms; the first is canonical
	// (住房公积金, 公积金).
	Synonyms [][]string
	// Expansions are one-directional: the first term, an everyday word
	// broader or vaguer than the official terms after it, finds them in
	// questions (交钱 → 缴费 收费); they never bring it in.
	Expansions [][]string
	// Sensitive are words that must not appear in questions or answers.
	Sensitive []string
	// Stopwords extends the built-in stop words.
	Stopwords []string
	// Aspects are the aspects of a service a question may ask for (费用,
	// 材料, 时间 …), each with the words that ask for it and the words that
	// mark a passage about it.
	Aspects []Aspect
	// Siblings are sets of things of one kind (公交车 地铁 出租车; 身份证 驾驶证
	// 护照): an entry whose question names one does not answer a question
	// asking about another. Each member is its names (驾驶证, 驾照),
	// normalised (textnorm.Key).
	Siblings [][][]string
}

// Aspect is one aspect of a matter a question may ask for: 费用 is asked
// with 收费/交钱/多少钱 and marked in text by 收费/费用/免费 ….
type Aspect struct {
	Name string
	Ask  []string // words in a question that ask for this aspect
	Mark []string // words that mark a sentence or heading about it
}

// UserWord is one user-dictionary entry.
type UserWord struct {
	Word string
	Freq float64
	POS  string
}

// NewBase indexes docs. Later duplicates of an id are kept in Docs (so lint can
// report them) but lookups return the first.
func NewBase(docs []*Document, dict Dict) *Base {
	b := &Base{Docs: docs, byID: make(map[string]*Document, len(docs)), interp: map[string][]*Document{}, Dict: dict}
	for _, d := range docs {
		if _, dup := b.byID[d.ID]; !dup {
			b.byID[d.ID] = d
		}
	}
	for _, d := range docs {
		if d.Type == TypeInterpretation && d.Interprets != "" && b.byID[d.ID] == d {
			b.interp[d.Interprets] = append(b.interp[d.Interprets], d)
		}
	}
	for _, list := range b.interp {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Published.After(list[j].Published) })
	}
	return b
}

// Doc returns the document with id, or nil.
func (b *Base) Doc(id string) *Document { return b.byID[id] }

// Len is the number of distinct ids.
func (b *Base) Len() int { return len(b.byID) }

// Interpretations returns the interpretations that explain the policy id,
// newest first.
func (b *Base) Interpretations(id string) []*Document { return b.interp[id] }

// RefOf returns the short reference to d.
func RefOf(d *Document) Ref {
	return Ref{ID: d.ID, Title: d.Title, DocURL: DocURL(d.ID, ""), URL: SafeURL(d.URL), Sample: d.Sample}
}

// SourceOf builds the client-facing source for chunk c of document d,
// resolving interpretations, the interpreted policy and replacements.
func (b *Base) SourceOf(d *Document, c *Chunk, snippet string, now time.Time) Source {
	s := Source{
		ID: d.ID, Type: d.Type, Title: d.Title, URL: SafeURL(d.URL), DocNumber: d.DocNumber, Issuer: d.Issuer,
		Status: d.Validity(now), Department: d.Department, Snippet: snippet, Interpretations: []Ref{},
		Sample: d.Sample, PlanYear: d.PlanYear(),
	}
	if !d.Published.IsZero() {
		s.Published = d.Published.Format("2006-01-02")
	}
	anchor := ""
	if c != nil {
		anchor = c.Anchor
		s.Heading = c.HeadingPath()
		s.Anchor = c.Anchor
	}
	s.DocURL = DocURL(d.ID, anchor)
	for _, i := range b.Interpretations(d.ID) {
		s.Interpretations = append(s.Interpretations, RefOf(i))
	}
	if d.Interprets != "" {
		if p := b.Doc(d.Interprets); p != nil {
			r := RefOf(p)
			s.Interprets = &r
		}
	}
	for _, id := range d.ReplacedBy {
		if r := b.Doc(id); r != nil {
			s.ReplacedBy = append(s.ReplacedBy, RefOf(r))
		}
	}
	return s
}
