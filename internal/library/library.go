// Package library is the 政策文件库: every document and FAQ entry of the
// knowledge base, listed and searched by type, issuer, year, validity,
// department and 文号 (any written form: 国发〔2019〕5号 = 国发[2019]5号 =
// 国发(2019)5号 = 国发2019年5号), with full-text search and highlighted
// snippets, facets, sorting by date and pages. The server renders it at
// /docs/ and answers it as JSON at /api/docs.
//
// Full-text search is conjunctive: a document matches when it contains every
// term of the query (segmented, normalised, stop words dropped, as the
// search engine does) or one of the term's synonyms, and ranks by the
// weight of the terms and where they occur (title first). When no document
// contains them all, the search engine's ranked results are offered instead
// (Result.Relaxed). A Catalog is built once per knowledge base.
package library

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// Analyzer segments a query as the search engine does: its terms, their
// weights and synonyms, and the canonical 文号 it names (*search.Engine).
type Analyzer interface {
	Analyze(text string) *search.Response
}

// Searcher ranks the knowledge base for a query (*search.Engine); the
// catalog falls back to it when no document contains every term.
type Searcher interface {
	Search(ctx context.Context, query string, opts search.Options) (*search.Response, error)
}

// Config wires a Catalog.
type Config struct {
	Base *kb.Base // required
	// Chunks gives a document's indexed chunks (the paragraphs snippets
	// are taken from, with their anchors); nil: the body as one chunk.
	Chunks   func(docID string) []kb.Chunk
	Analyzer Analyzer // required
	Searcher Searcher // nil: no fallback
	Now      func() time.Time
}

// Catalog lists and searches one knowledge base. Safe for concurrent use.
type Catalog struct {
	cfg         Config
	entries     []*entry
	byNum       map[string][]*entry
	bigrams     map[string][]int32 // character bigram → entries holding it
	issuers     []string
	departments []string
}

type entry struct {
	doc   *kb.Document
	title string // normalised title (and a FAQ entry's similar questions)
	text  string // normalised searchable text: title, 文号, issuer, body
	num   string // canonical 文号
	cites []string
	year  int
	date  time.Time // published, else effective
	// newest and oldest are the entry's places in the catalog sorted by
	// date, newest or oldest first (undated last, ties by title).
	newest, oldest int
}

// New builds the catalog of cfg.Base.
func New(cfg Config) *Catalog {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Catalog{cfg: cfg, byNum: map[string][]*entry{}, bigrams: map[string][]int32{}}
	issuers, depts := map[string]bool{}, map[string]bool{}
	for _, d := range cfg.Base.Docs {
		if cfg.Base.Doc(d.ID) != d {
			continue // a duplicate id: lint reports it
		}
		e := &entry{doc: d, num: kb.NormalizeDocNumber(d.DocNumber), date: d.Published}
		if e.date.IsZero() {
			e.date = d.Effective
		}
		if !e.date.IsZero() {
			e.year = e.date.Year()
		}
		title := d.Title
		if len(d.Similar) > 0 {
			title += "\n" + strings.Join(d.Similar, "\n")
		}
		e.title = textnorm.Normalize(title)
		e.text = e.title + "\n" + textnorm.Normalize(d.DocNumber+"\n"+d.Issuer+"\n"+d.IndexNo+"\n"+d.Body)
		for _, n := range kb.FindDocNumbers(d.Body) {
			if n != e.num && !slices.Contains(e.cites, n) {
				e.cites = append(e.cites, n)
			}
		}
		idx := int32(len(c.entries))
		c.entries = append(c.entries, e)
		if e.num != "" {
			c.byNum[e.num] = append(c.byNum[e.num], e)
		}
		seen := map[string]bool{}
		forBigrams(e.text, func(g string) {
			if !seen[g] {
				seen[g] = true
				c.bigrams[g] = append(c.bigrams[g], idx)
			}
		})
		if d.Issuer != "" {
			issuers[d.Issuer] = true
		}
		if d.Department != "" {
			depts[d.Department] = true
		}
	}
	byDate := slices.Clone(c.entries)
	order := func(desc bool) func(a, b *entry) int {
		return func(a, b *entry) int {
			switch {
			case a.date.IsZero() != b.date.IsZero():
				if a.date.IsZero() {
					return 1
				}
				return -1
			case !a.date.Equal(b.date):
				c := a.date.Compare(b.date)
				if desc {
					c = -c
				}
				return c
			}
			if c := strings.Compare(a.doc.Title, b.doc.Title); c != 0 {
				return c
			}
			return strings.Compare(a.doc.ID, b.doc.ID)
		}
	}
	slices.SortFunc(byDate, order(true))
	for i, e := range byDate {
		e.newest = i
	}
	slices.SortFunc(byDate, order(false))
	for i, e := range byDate {
		e.oldest = i
	}
	for k := range issuers {
		c.issuers = append(c.issuers, k)
	}
	for k := range depts {
		c.departments = append(c.departments, k)
	}
	sort.Strings(c.issuers)
	sort.Strings(c.departments)
	return c
}

// forBigrams calls fn with every pair of adjacent runes of s.
func forBigrams(s string, fn func(string)) {
	prev := -1
	for i, r := range s {
		if prev >= 0 {
			fn(s[prev : i+utf8.RuneLen(r)])
		}
		prev = i
	}
}

// Len is the number of documents and entries listed.
func (c *Catalog) Len() int { return len(c.entries) }

// Query selects documents.
type Query struct {
	Q          string    `json:"q,omitempty"`
	Type       kb.Type   `json:"type,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	Department string    `json:"department,omitempty"`
	Year       int       `json:"year,omitempty"`
	Status     kb.Status `json:"status,omitempty"`
	// DocNumber narrows to the document with this 文号 (any written form).
	DocNumber string `json:"doc_number,omitempty"`
	// Sort: "relevance" (the default with Q), "date" (newest first, the
	// default without Q) or "date_asc".
	Sort    string `json:"sort,omitempty"`
	Page    int    `json:"page,omitempty"`     // from 1
	PerPage int    `json:"per_page,omitempty"` // default 20, at most 100
}

// Span is a run of snippet text, marked where it matches the query.
type Span struct {
	Text string `json:"text"`
	Mark bool   `json:"mark,omitempty"`
}

// Item is one document of a result.
type Item struct {
	ID          string    `json:"id"`
	Type        kb.Type   `json:"type"`
	TypeLabel   string    `json:"type_label"`
	Title       string    `json:"title"`
	DocURL      string    `json:"doc_url"`
	DocNumber   string    `json:"doc_number,omitempty"`
	Issuer      string    `json:"issuer,omitempty"`
	Department  string    `json:"department,omitempty"`
	Published   string    `json:"published,omitempty"` // YYYY-MM-DD
	Status      kb.Status `json:"status"`
	StatusClass string    `json:"-"`
	PlanYear    int       `json:"plan_year,omitempty"`
	Sample      bool      `json:"sample,omitempty"`
	Snippet     []Span    `json:"snippet"`
	// Match says why a 文号 search found it: "doc_number" (its own) or
	// "cites" (its text cites it).
	Match           string   `json:"match,omitempty"`
	Interpretations []kb.Ref `json:"interpretations"`
	Interprets      *kb.Ref  `json:"interprets,omitempty"`
	ReplacedBy      []kb.Ref `json:"replaced_by,omitempty"`
	Replaces        []kb.Ref `json:"replaces,omitempty"`
}

// Facet is one value of a filter with the number of documents it would
// give (the other filters applied).
type Facet struct {
	Value    string `json:"value"`
	Label    string `json:"label"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected,omitempty"`
}

// Facets are the filters' values.
type Facets struct {
	Types       []Facet `json:"types"`
	Statuses    []Facet `json:"statuses"`
	Years       []Facet `json:"years"`
	Issuers     []Facet `json:"issuers"`
	Departments []Facet `json:"departments"`
}

// Result is a page of documents.
type Result struct {
	Query   Query  `json:"query"`
	Total   int    `json:"total"`
	Page    int    `json:"page"`
	Pages   int    `json:"pages"`
	PerPage int    `json:"per_page"`
	Items   []Item `json:"items"`
	Facets  Facets `json:"facets"`
	// Terms are the query's terms as searched (for highlighting).
	Terms []string `json:"terms"`
	// DocNumber is the canonical 文号 searched for, if the query names one.
	DocNumber string `json:"doc_number,omitempty"`
	// Relaxed: no document contains every term; the items are the search
	// engine's closest matches.
	Relaxed bool `json:"relaxed,omitempty"`
}

// Types of the type filter, in display order.
var Types = []kb.Type{kb.TypePolicy, kb.TypeInterpretation, kb.TypeGuide, kb.TypeFAQ}

// Statuses of the status filter, in display order.
var Statuses = []kb.Status{kb.StatusActive, kb.StatusPending, kb.StatusRevised, kb.StatusRepealed}

// StatusClass is the CSS class of a status badge.
func StatusClass(s kb.Status) string {
	switch s {
	case kb.StatusActive:
		return "active"
	case kb.StatusRevised:
		return "revised"
	case kb.StatusRepealed:
		return "repealed"
	case kb.StatusPending:
		return "pending"
	}
	return "unknown"
}

// hit is a matching entry with its score.
type hit struct {
	e     *entry
	score float64
	match string
	rank  int // order from the search engine (relaxed results)
}

// query terms with their alternatives (synonyms), normalised.
type qterm struct {
	alts   []string
	weight float64
}

// Search runs q.
func (c *Catalog) Search(ctx context.Context, q Query) (*Result, error) {
	now := c.cfg.Now()
	q.Q = strings.TrimSpace(q.Q)
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	q.PerPage = min(q.PerPage, 100)
	if q.Page <= 0 {
		q.Page = 1
	}
	res := &Result{Query: q, PerPage: q.PerPage, Items: []Item{}, Terms: []string{}}

	// Candidates: a 文号 names documents (their own, then those citing it);
	// other text must all occur; no text lists everything.
	var hits []hit
	var terms []qterm
	num := ""
	if q.DocNumber != "" {
		num = c.docNumber(q.DocNumber)
		if num == "" {
			num = "\x00" // a 文号 filter nobody could have: nothing matches
		}
	}
	text := q.Q
	if text != "" {
		a := c.cfg.Analyzer.Analyze(text)
		if a.DocNumber != "" && num == "" {
			num = a.DocNumber
			text = ""
		} else {
			terms = c.terms(a, text)
			for _, t := range terms {
				res.Terms = append(res.Terms, t.alts[0])
			}
		}
	}
	res.DocNumber = strings.TrimPrefix(num, "\x00")
	switch {
	case num != "":
		for _, e := range c.byNum[num] {
			hits = append(hits, hit{e: e, score: 2, match: "doc_number"})
		}
		for _, e := range c.entries {
			if slices.Contains(e.cites, num) {
				hits = append(hits, hit{e: e, score: 1, match: "cites"})
			}
		}
		if len(terms) > 0 {
			hits = slices.DeleteFunc(hits, func(h hit) bool { return !matchesAll(h.e, terms) })
		}
	case len(terms) > 0:
		hits = c.matchAll(terms)
		if len(hits) == 0 && c.cfg.Searcher != nil {
			rs, err := c.cfg.Searcher.Search(ctx, text, search.Options{Limit: 200, IncludeExpired: true})
			if err != nil {
				return nil, err
			}
			seen := map[string]bool{}
			byID := map[string]*entry{}
			for _, e := range c.entries {
				byID[e.doc.ID] = e
			}
			for _, r := range rs.Results {
				if e := byID[r.Doc.ID]; e != nil && !seen[e.doc.ID] {
					seen[e.doc.ID] = true
					hits = append(hits, hit{e: e, score: r.Score, rank: len(hits)})
				}
			}
			res.Relaxed = len(hits) > 0
		}
	case text != "":
		// Nothing but stop words: the text itself must occur.
		k := textnorm.Normalize(text)
		for _, e := range c.entries {
			if strings.Contains(e.text, k) {
				hits = append(hits, hit{e: e, score: 1})
			}
		}
	default:
		for _, e := range c.entries {
			hits = append(hits, hit{e: e})
		}
	}

	// Filters and facets: a facet counts what its value would give with
	// the other filters applied.
	res.Facets = c.facets(hits, q, now)
	kept := hits[:0]
	for _, h := range hits {
		if pass(h.e, q, now, "") {
			kept = append(kept, h)
		}
	}
	hits = kept

	sortBy := q.Sort
	if sortBy == "" || sortBy == "relevance" && q.Q == "" {
		sortBy = "date"
		if q.Q != "" {
			sortBy = "relevance"
		}
	}
	res.Query.Sort = sortBy
	// Ranks by date were computed once (ties by title), so that sorting
	// compares integers.
	slices.SortFunc(hits, func(a, b hit) int {
		switch sortBy {
		case "date_asc":
			return a.e.oldest - b.e.oldest
		case "relevance":
			if res.Relaxed {
				return a.rank - b.rank
			}
			if a.score != b.score {
				if a.score > b.score {
					return -1
				}
				return 1
			}
		}
		return a.e.newest - b.e.newest
	})

	res.Total = len(hits)
	res.Pages = max(1, (res.Total+q.PerPage-1)/q.PerPage)
	res.Page = min(q.Page, res.Pages)
	res.Query.Page = res.Page
	from := (res.Page - 1) * q.PerPage
	for _, h := range hits[from:min(from+q.PerPage, len(hits))] {
		res.Items = append(res.Items, c.item(h, terms, now))
	}
	return res, nil
}

// docNumber is the canonical form of a 文号 as typed in the 文号 field.
func (c *Catalog) docNumber(s string) string {
	if n := c.cfg.Analyzer.Analyze(s).DocNumber; n != "" {
		return n
	}
	return kb.NormalizeDocNumber(s)
}

// terms are the query's terms, each with its synonyms, most informative
// first (the first term filters most).
func (c *Catalog) terms(a *search.Response, text string) []qterm {
	var out []qterm
	for _, t := range a.Terms {
		alts := []string{textnorm.Normalize(t)}
		for _, s := range a.Synonyms[t] {
			if n := textnorm.Normalize(s); !slices.Contains(alts, n) {
				alts = append(alts, n)
			}
		}
		out = append(out, qterm{alts: alts, weight: max(a.Weights[t], 1)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].weight > out[j].weight })
	return out
}

// candidates are the entries holding every bigram of one of the
// alternatives of t.
func (c *Catalog) candidates(t qterm) []int32 {
	var union []int32
	for _, alt := range t.alts {
		if utf8.RuneCountInString(alt) < 2 {
			// A single character: no bigram to look up; every entry.
			all := make([]int32, len(c.entries))
			for i := range all {
				all[i] = int32(i)
			}
			return all
		}
		var set []int32
		first := true
		forBigrams(alt, func(g string) {
			p := c.bigrams[g]
			if first {
				set, first = slices.Clone(p), false
				return
			}
			set = intersect(set, p)
		})
		union = append(union, set...)
	}
	slices.Sort(union)
	return slices.Compact(union)
}

func intersect(a, b []int32) []int32 {
	out := a[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// matchAll returns the entries holding every term (an alternative of each),
// scored by the terms' weights, thrice in the title.
func (c *Catalog) matchAll(terms []qterm) []hit {
	cands := c.candidates(terms[0])
	var hits []hit
	for _, i := range cands {
		e := c.entries[i]
		if s, ok := score(e, terms); ok {
			hits = append(hits, hit{e: e, score: s})
		}
	}
	return hits
}

func matchesAll(e *entry, terms []qterm) bool {
	_, ok := score(e, terms)
	return ok
}

func score(e *entry, terms []qterm) (float64, bool) {
	s := 0.0
	for _, t := range terms {
		found, inTitle := false, false
		for _, alt := range t.alts {
			if strings.Contains(e.title, alt) {
				found, inTitle = true, true
				break
			}
			if strings.Contains(e.text, alt) {
				found = true
			}
		}
		if !found {
			return 0, false
		}
		w := t.weight
		if inTitle {
			w *= 3
		}
		s += w
	}
	return s, true
}

// pass reports whether e passes q's filters, except the one named skip.
func pass(e *entry, q Query, now time.Time, skip string) bool {
	d := e.doc
	return (skip == "type" || q.Type == "" || d.Type == q.Type) &&
		(skip == "issuer" || q.Issuer == "" || d.Issuer == q.Issuer) &&
		(skip == "department" || q.Department == "" || d.Department == q.Department) &&
		(skip == "year" || q.Year == 0 || e.year == q.Year) &&
		(skip == "status" || q.Status == "" || d.Validity(now) == q.Status)
}

func (c *Catalog) facets(hits []hit, q Query, now time.Time) Facets {
	types, statuses, years, issuers, depts := map[string]int{}, map[string]int{}, map[int]int{}, map[string]int{}, map[string]int{}
	for _, h := range hits {
		d := h.e.doc
		if pass(h.e, q, now, "type") {
			types[string(d.Type)]++
		}
		if pass(h.e, q, now, "status") {
			statuses[string(d.Validity(now))]++
		}
		if pass(h.e, q, now, "year") && h.e.year > 0 {
			years[h.e.year]++
		}
		if pass(h.e, q, now, "issuer") && d.Issuer != "" {
			issuers[d.Issuer]++
		}
		if pass(h.e, q, now, "department") && d.Department != "" {
			depts[d.Department]++
		}
	}
	var f Facets
	for _, t := range Types {
		f.Types = append(f.Types, Facet{Value: string(t), Label: t.Label(), Count: types[string(t)], Selected: q.Type == t})
	}
	for _, s := range Statuses {
		f.Statuses = append(f.Statuses, Facet{Value: string(s), Label: string(s), Count: statuses[string(s)], Selected: q.Status == s})
	}
	ys := make([]int, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	if q.Year != 0 && years[q.Year] == 0 {
		ys = append(ys, q.Year)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ys)))
	for _, y := range ys {
		f.Years = append(f.Years, Facet{Value: strconv.Itoa(y), Label: strconv.Itoa(y) + "年", Count: years[y], Selected: q.Year == y})
	}
	f.Issuers = stringFacets(c.issuers, issuers, q.Issuer)
	f.Departments = stringFacets(c.departments, depts, q.Department)
	return f
}

// stringFacets lists the values of a filter that some document has (and
// the selected one), with their counts.
func stringFacets(all []string, counts map[string]int, selected string) []Facet {
	out := []Facet{}
	for _, v := range all {
		if counts[v] > 0 || v == selected {
			out = append(out, Facet{Value: v, Label: v, Count: counts[v], Selected: v == selected})
		}
	}
	return out
}

func (c *Catalog) item(h hit, terms []qterm, now time.Time) Item {
	d := h.e.doc
	b := c.cfg.Base
	st := d.Validity(now)
	it := Item{ID: d.ID, Type: d.Type, TypeLabel: d.Type.Label(), Title: d.Title, DocURL: kb.DocURL(d.ID, ""), DocNumber: d.DocNumber,
		Issuer: d.Issuer, Department: d.Department, Status: st, StatusClass: StatusClass(st), PlanYear: d.PlanYear(), Sample: d.Sample,
		Match: h.match, Interpretations: []kb.Ref{}}
	if !h.e.date.IsZero() {
		it.Published = h.e.date.Format("2006-01-02")
	}
	for _, i := range b.Interpretations(d.ID) {
		it.Interpretations = append(it.Interpretations, kb.RefOf(i))
	}
	if p := b.Doc(d.Interprets); p != nil && d.Interprets != "" {
		r := kb.RefOf(p)
		it.Interprets = &r
	}
	for _, id := range d.ReplacedBy {
		if r := b.Doc(id); r != nil {
			it.ReplacedBy = append(it.ReplacedBy, kb.RefOf(r))
		}
	}
	for _, id := range d.Replaces {
		if r := b.Doc(id); r != nil {
			it.Replaces = append(it.Replaces, kb.RefOf(r))
		}
	}
	it.Snippet, it.DocURL = c.snippet(d, terms)
	return it
}

// snippetRunes is the length of a snippet.
const snippetRunes = 120

// snippet is the passage of d that holds the most query terms (its
// opening without terms), about snippetRunes long, with the terms marked,
// and the page address at that passage.
func (c *Catalog) snippet(d *kb.Document, terms []qterm) ([]Span, string) {
	var chunks []kb.Chunk
	if c.cfg.Chunks != nil {
		chunks = c.cfg.Chunks(d.ID)
	}
	if len(chunks) == 0 {
		chunks = []kb.Chunk{{Text: d.Body}}
	}
	best, bestN := 0, -1
	if len(terms) > 0 {
		for i, ch := range chunks {
			n := 0
			norm := textnorm.Normalize(ch.Text)
			for _, t := range terms {
				for _, alt := range t.alts {
					if strings.Contains(norm, alt) {
						n++
						break
					}
				}
			}
			if n > bestN {
				best, bestN = i, n
			}
		}
	}
	ch := chunks[best]
	url := kb.DocURL(d.ID, "")
	if best > 0 || bestN > 0 {
		url = kb.DocURL(d.ID, ch.Anchor)
	}
	var alts []string
	for _, t := range terms {
		alts = append(alts, t.alts...)
	}
	text := plain(ch.Text)
	if rest, ok := strings.CutPrefix(text, strings.TrimSpace(d.Title)); ok && d.Type != kb.TypeFAQ && strings.TrimSpace(rest) != "" {
		text = strings.TrimSpace(rest) // the first passage repeats the title shown above it
	}
	return Highlight(text, alts, snippetRunes), url
}

// plain turns Markdown text into one line of plain text: headings' #, bold
// ** and line breaks dropped, white space collapsed.
func plain(s string) string {
	s = strings.ReplaceAll(s, "**", "")
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#>"))
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(line)
	}
	return b.String()
}

// Highlight cuts text to about n runes around the first match of the terms
// (normalised forms, as textnorm.Normalize writes them) and marks every
// match. Matching folds each rune as textnorm.Fold does, so full-width and
// upper-case text matches.
func Highlight(text string, terms []string, n int) []Span {
	rs := []rune(text)
	folded := make([]rune, len(rs))
	for i, r := range rs {
		f := textnorm.Fold(r)
		if f < 0 {
			f = ' '
		}
		folded[i] = f
	}
	marked := make([]bool, len(rs))
	first := -1
	for _, t := range terms {
		tr := []rune(t)
		if len(tr) == 0 {
			continue
		}
		for i := 0; i+len(tr) <= len(folded); i++ {
			if slices.Equal(folded[i:i+len(tr)], tr) {
				for j := i; j < i+len(tr); j++ {
					marked[j] = true
				}
				if first < 0 || i < first {
					first = i
				}
			}
		}
	}
	start, end := 0, len(rs)
	if len(rs) > n {
		if first > n/3 {
			start = first - n/3
		}
		end = min(len(rs), start+n)
		start = max(0, min(start, end-n))
	}
	var out []Span
	if start > 0 {
		out = append(out, Span{Text: "…"})
	}
	for i := start; i < end; {
		j := i
		for j < end && marked[j] == marked[i] {
			j++
		}
		out = append(out, Span{Text: string(rs[i:j]), Mark: marked[i]})
		i = j
	}
	if end < len(rs) {
		out = append(out, Span{Text: "…"})
	}
	if len(out) == 0 {
		out = []Span{}
	}
	return out
}
