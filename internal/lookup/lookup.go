// Package lookup is the hotline operator's instant search: from a caller's
// words or a pasted ticket it finds the matching FAQ answers, policy
// passages and interpretations, with the matched terms for highlighting,
// validity, 文号 and department, a suggested responsible department, and for
// each hit a ready-to-read text ending in its source line
// (依据《标题》（文号）…).
//
// A long text (a ticket) is reduced to its key terms first: the terms with
// the highest TF-IDF against the knowledge base, plus any 文号 it quotes.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/dept"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// Suggester suggests departments (dept.Suggester).
type Suggester interface {
	Suggest(text string, n int) []dept.Suggestion
}

// Config tunes a Lookup. Zero fields take the defaults.
type Config struct {
	// MaxRunes is the longest accepted text; default 5000.
	MaxRunes int
	// LongText is the length (runes) above which key terms are extracted;
	// default 40.
	LongText int
	// KeyTerms is how many key terms a long text is reduced to; default 12.
	KeyTerms int
	// Limit is the number of hits per group; default 5.
	Limit int
	// Terms segments text into words (the zh segmenter's terms, stop words
	// removed). Required.
	Terms func(text string) []string
	// Now is the clock for validity; default time.Now.
	Now func() time.Time
	// Query, when set, rewrites a short text before it is searched, as
	// answers do: answer.HomeStripper leaves out the places the knowledge
	// base serves (海曙区社保卡在哪里办 → 社保卡在哪里办), which are in the
	// titles of many of its documents and say nothing of what is asked.
	Query func(text string) string
}

// Lookup answers operator look-ups. Safe for concurrent use.
type Lookup struct {
	cfg    Config
	base   *kb.Base
	search search.Retriever
	router Suggester
	df     map[string]int
	nDocs  int
}

// Errors.
var (
	ErrEmpty   = errors.New("lookup: empty text")
	ErrTooLong = errors.New("lookup: text too long")
)

// New builds a Lookup over base. router may be nil (no department
// suggestion).
func New(cfg Config, base *kb.Base, s search.Retriever, router Suggester) (*Lookup, error) {
	if base == nil || s == nil {
		return nil, errors.New("lookup: knowledge base and searcher are required")
	}
	if cfg.Terms == nil {
		return nil, errors.New("lookup: a Terms function is required")
	}
	if cfg.MaxRunes <= 0 {
		cfg.MaxRunes = 5000
	}
	if cfg.LongText <= 0 {
		cfg.LongText = 40
	}
	if cfg.KeyTerms <= 0 {
		cfg.KeyTerms = 12
	}
	if cfg.Limit <= 0 {
		cfg.Limit = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l := &Lookup{cfg: cfg, base: base, search: s, router: router, df: map[string]int{}}
	for _, d := range base.Docs {
		seen := map[string]bool{}
		for _, t := range cfg.Terms(d.Title + "\n" + d.Body) {
			if !seen[t] {
				seen[t] = true
				l.df[t]++
			}
		}
		l.nDocs++
	}
	return l, nil
}

// Request is one look-up.
type Request struct {
	Text           string `json:"text"`
	IncludeExpired bool   `json:"include_expired,omitempty"`
}

// Item is one hit.
type Item struct {
	ID         string    `json:"id"`
	Type       kb.Type   `json:"type"`
	TypeLabel  string    `json:"type_label"`
	Title      string    `json:"title"` // FAQ: the standard question
	DocNumber  string    `json:"doc_number,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	Department string    `json:"department,omitempty"`
	Status     kb.Status `json:"status"`
	Published  string    `json:"published,omitempty"` // 2006-01-02
	Heading    string    `json:"heading,omitempty"`
	DocURL     string    `json:"doc_url"`       // govchat page at the passage
	URL        string    `json:"url,omitempty"` // official page
	// Text is the FAQ answer or the passage, as plain text.
	Text    string   `json:"text"`
	Matched []string `json:"matched"`
	Score   float64  `json:"score"`
	// Sources are the documents backing a FAQ answer.
	Sources         []kb.Ref `json:"sources,omitempty"`
	Interpretations []kb.Ref `json:"interpretations,omitempty"`
	Interprets      *kb.Ref  `json:"interprets,omitempty"`
	ReplacedBy      []kb.Ref `json:"replaced_by,omitempty"`
	// Cite is the source line: 依据《标题》（文号）….
	Cite string `json:"cite"`
	// Copy is the ready-to-read text: Text, then Cite.
	Copy string `json:"copy"`
	// Sample marks demonstration content (示例): not to be read to a caller
	// as an official reply.
	Sample bool `json:"sample,omitempty"`
	// PlanYear is the year of a dated annual plan (2019年工作要点), shown
	// beside its validity.
	PlanYear int `json:"plan_year,omitempty"`
}

// Result is the answer to a look-up.
type Result struct {
	// Query is the text searched: the input (without the places served,
	// Config.Query), or its key terms.
	Query string `json:"query"`
	// KeyTerms are the extracted key terms of a long text (empty for a short one).
	KeyTerms []string `json:"key_terms,omitempty"`
	// Terms are the query terms, for highlighting.
	Terms       []string          `json:"terms"`
	DocNumber   string            `json:"doc_number,omitempty"`
	Departments []dept.Suggestion `json:"departments"`
	FAQ         []Item            `json:"faq"`
	Policies    []Item            `json:"policies"`
	Interpret   []Item            `json:"interpretations"`
	TookMS      float64           `json:"took_ms"`
}

// groups of entry types searched separately so that no group crowds out
// another.
var groups = [][]kb.Type{{kb.TypeFAQ}, {kb.TypePolicy, kb.TypeGuide}, {kb.TypeInterpretation}}

// Lookup searches for req.Text.
func (l *Lookup) Lookup(ctx context.Context, req Request) (Result, error) {
	start := time.Now()
	text := strings.TrimSpace(strings.ToValidUTF8(req.Text, ""))
	if text == "" {
		return Result{}, ErrEmpty
	}
	if n := utf8.RuneCountInString(text); n > l.cfg.MaxRunes {
		return Result{}, fmt.Errorf("%w: %d characters (at most %d)", ErrTooLong, n, l.cfg.MaxRunes)
	}
	res := Result{Query: text, Terms: []string{}, Departments: []dept.Suggestion{}, FAQ: []Item{}, Policies: []Item{}, Interpret: []Item{}}
	if l.cfg.Query != nil && utf8.RuneCountInString(text) <= l.cfg.LongText {
		if q := strings.TrimSpace(l.cfg.Query(text)); q != "" {
			res.Query = q
		}
	}
	if utf8.RuneCountInString(text) > l.cfg.LongText {
		res.KeyTerms = l.KeyTerms(text, l.cfg.KeyTerms)
		q := strings.Join(res.KeyTerms, " ")
		for _, dn := range kb.FindDocNumbers(text) {
			if !strings.Contains(q, dn) {
				q = dn + " " + q
			}
		}
		if strings.TrimSpace(q) != "" {
			res.Query = q
		}
	}
	var wg sync.WaitGroup
	resps := make([]*search.Response, len(groups))
	errs := make([]error, len(groups))
	for i, types := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i], errs[i] = l.search.Search(ctx, res.Query, search.Options{Limit: l.cfg.Limit, Types: types, IncludeExpired: req.IncludeExpired})
		}()
	}
	if l.router != nil {
		res.Departments = l.router.Suggest(text, 3)
		if res.Departments == nil {
			res.Departments = []dept.Suggestion{}
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Result{}, fmt.Errorf("lookup: search: %w", err)
	}
	now := l.cfg.Now()
	seenTerm := map[string]bool{}
	for gi, resp := range resps {
		if resp == nil {
			continue
		}
		if res.DocNumber == "" {
			res.DocNumber = resp.DocNumber
		}
		for _, t := range resp.Terms {
			if !seenTerm[t] {
				seenTerm[t] = true
				res.Terms = append(res.Terms, t)
			}
		}
		for _, r := range resp.Results {
			it := l.item(r, now)
			switch gi {
			case 0:
				res.FAQ = append(res.FAQ, it)
			case 1:
				res.Policies = append(res.Policies, it)
			default:
				res.Interpret = append(res.Interpret, it)
			}
		}
	}
	res.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

func searchResult(d *kb.Document, c kb.Chunk) search.Result {
	return search.Result{Doc: d, Chunk: c}
}

func (l *Lookup) item(r search.Result, now time.Time) Item {
	d := r.Doc
	it := Item{
		ID: d.ID, Type: d.Type, TypeLabel: d.Type.Label(), Title: d.Title, DocNumber: d.DocNumber, Issuer: d.Issuer,
		Department: d.Department, Status: d.Validity(now), Heading: r.Chunk.HeadingPath(),
		DocURL: kb.DocURL(d.ID, r.Chunk.Anchor), URL: d.URL, Text: PlainText(r.Chunk.Text),
		Matched: r.Matched, Score: r.Score, Sample: d.Sample, PlanYear: d.PlanYear(),
	}
	if it.Matched == nil {
		it.Matched = []string{}
	}
	if !d.Published.IsZero() {
		it.Published = d.Published.Format("2006-01-02")
	}
	for _, id := range d.Sources {
		if s := l.base.Doc(id); s != nil {
			it.Sources = append(it.Sources, kb.RefOf(s))
		}
	}
	for _, i := range l.base.Interpretations(d.ID) {
		it.Interpretations = append(it.Interpretations, kb.RefOf(i))
	}
	if d.Interprets != "" {
		if p := l.base.Doc(d.Interprets); p != nil {
			ref := kb.RefOf(p)
			it.Interprets = &ref
		}
	}
	for _, id := range d.ReplacedBy {
		if p := l.base.Doc(id); p != nil {
			it.ReplacedBy = append(it.ReplacedBy, kb.RefOf(p))
		}
	}
	it.Cite = l.Cite(d, r.Chunk.Heading, now)
	it.Copy = it.Text + "\n" + it.Cite
	return it
}

// Cite is the source line of a hit: 依据《标题》（文号）heading, for a FAQ the
// documents behind the answer, and a warning when the source is no longer in
// force.
func (l *Lookup) Cite(d *kb.Document, heading []string, now time.Time) string {
	ref := func(doc *kb.Document) string {
		s := "《" + strings.Trim(doc.Title, "《》") + "》"
		if doc.DocNumber != "" {
			s += "（" + doc.DocNumber + "）"
		}
		return s
	}
	var b strings.Builder
	if d.Type == kb.TypeFAQ {
		var refs []string
		for _, id := range d.Sources {
			if s := l.base.Doc(id); s != nil {
				refs = append(refs, ref(s))
			}
		}
		if len(refs) > 0 {
			b.WriteString("依据" + strings.Join(refs, "、"))
		} else {
			b.WriteString("来源：常见问题“" + d.Title + "”")
		}
		if d.Department != "" {
			b.WriteString("；解答部门：" + d.Department)
		}
	} else {
		b.WriteString("依据" + ref(d))
		if len(heading) > 0 {
			b.WriteString(heading[len(heading)-1])
		}
	}
	switch st := d.Validity(now); st {
	case kb.StatusRepealed, kb.StatusRevised:
		b.WriteString("〔注意：该文件" + string(st) + "，仅供参考〕")
	case kb.StatusPending:
		b.WriteString("〔注意：该文件尚未施行〕")
	}
	return b.String()
}

// KeyTerms returns up to n terms of text with the highest TF-IDF against the
// knowledge base, best first; single characters and bare numbers are left
// out, as are terms the knowledge base never uses (they cannot match).
func (l *Lookup) KeyTerms(text string, n int) []string {
	tf := map[string]int{}
	var order []string
	for _, t := range l.cfg.Terms(text) {
		if utf8.RuneCountInString(t) < 2 || isNumber(t) {
			continue
		}
		if tf[t] == 0 {
			order = append(order, t)
		}
		tf[t]++
	}
	type scored struct {
		t string
		s float64
		i int
	}
	var list []scored
	for i, t := range order {
		df := l.df[t]
		if df == 0 {
			continue
		}
		idf := math.Log(1 + float64(l.nDocs)/float64(df))
		list = append(list, scored{t, (1 + math.Log(float64(tf[t]))) * idf, i})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].s != list[j].s {
			return list[i].s > list[j].s
		}
		return list[i].i < list[j].i
	})
	out := []string{}
	for _, s := range list {
		if len(out) == n {
			break
		}
		out = append(out, s.t)
	}
	return out
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' && r != '%' {
			return false
		}
	}
	return true
}

var (
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdHeading  = regexp.MustCompile(`(?m)^#{1,6}\s+`)
	mdEmphasis = regexp.MustCompile(`\*\*|__|` + "`")
	blankLines = regexp.MustCompile(`\n{3,}`)
)

// PlainText strips the Markdown marks an operator should not read aloud
// (headings, emphasis, links keep their text).
func PlainText(md string) string {
	s := md
	if strings.Contains(s, "](") {
		s = mdLink.ReplaceAllString(s, "$1")
	}
	if strings.Contains(s, "#") {
		s = mdHeading.ReplaceAllString(s, "")
	}
	if strings.Contains(s, "**") || strings.Contains(s, "__") || strings.Contains(s, "`") {
		s = mdEmphasis.ReplaceAllString(s, "")
	}
	if strings.Contains(s, "\n\n\n") {
		s = blankLines.ReplaceAllString(s, "\n\n")
	}
	return strings.TrimSpace(s)
}
