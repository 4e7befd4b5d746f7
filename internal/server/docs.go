package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/library"
)

// docView is what the document page and /api/docs/{id} show.
type docView struct {
	Doc             *kb.Document
	OfficialURL     string // the official page, when its URL is a safe one
	TypeLabel       string
	Status          kb.Status
	StatusClass     string
	PlanYear        int // the year of a dated annual plan (2019年工作要点), shown beside Status
	Expired         bool
	Effective       string
	Meta            []metaRow
	Interprets      *kb.Ref
	Interpretations []kb.Ref
	Replaces        []kb.Ref
	ReplacedBy      []kb.Ref
	Sources         []kb.Ref
	SourceRefs      []sourceRef // Sources with the paragraph that backs the answer
	IsFAQ           bool
	Similar         []string
	Sections        []sectionView
	Chunks          []kb.Chunk
	Hotline         string
}

// HasAside reports whether the page has related documents to show beside
// the text.
func (v *docView) HasAside() bool {
	return v.Interprets != nil || len(v.Interpretations) > 0 || len(v.Replaces) > 0 || len(v.ReplacedBy) > 0 || len(v.SourceRefs) > 0
}

type metaRow struct{ Label, Value string }

// sourceRef is a document a FAQ answer rests on, linked at its best
// matching paragraph when one is found.
type sourceRef struct {
	kb.Ref
	Heading string
}

type sectionView struct {
	Anchor   string
	Headings []headingView
	Paras    []paraView
}

type headingView struct {
	Level int // 2 … 4
	Text  string
}

type paraView struct{ Spans []span }

// span is a run of text: plain, bold, or a link.
type span struct {
	Text string
	Bold bool
	Href string
}

func zhDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006年1月2日")
}

func refs(b *kb.Base, ids []string) []kb.Ref {
	var out []kb.Ref
	for _, id := range ids {
		if d := b.Doc(id); d != nil {
			out = append(out, kb.RefOf(d))
		}
	}
	return out
}

func (s *Server) view(lib Library, d *kb.Document) *docView {
	b := lib.Base()
	status := d.Validity(s.cfg.Now())
	v := &docView{
		Doc: d, OfficialURL: kb.SafeURL(d.URL), TypeLabel: d.Type.Label(), Status: status, StatusClass: library.StatusClass(status), PlanYear: d.PlanYear(),
		Expired: d.Expired(s.cfg.Now()), Effective: zhDate(d.Effective), Hotline: s.cfg.Hotline,
		Replaces: refs(b, d.Replaces), ReplacedBy: refs(b, d.ReplacedBy), Sources: refs(b, d.Sources), Similar: d.Similar,
	}
	for _, m := range []metaRow{
		{"文号", d.DocNumber}, {"发文机关", d.Issuer}, {"索引号", d.IndexNo}, {"成文日期", zhDate(d.Published)},
		{"施行日期", zhDate(d.Effective)}, {"失效日期", zhDate(d.Expires)}, {"责任部门", d.Department}, {"适用地区", d.Region},
	} {
		if m.Value != "" {
			v.Meta = append(v.Meta, m)
		}
	}
	if d.Interprets != "" {
		if p := b.Doc(d.Interprets); p != nil {
			r := kb.RefOf(p)
			v.Interprets = &r
		}
	}
	for _, i := range b.Interpretations(d.ID) {
		v.Interpretations = append(v.Interpretations, kb.RefOf(i))
	}
	v.Chunks = lib.ChunksOf(d.ID)
	v.Sections = sectionsOf(d, v.Chunks)
	v.IsFAQ = d.Type == kb.TypeFAQ
	for i, r := range v.Sources {
		ref := sourceRef{Ref: r}
		if src := b.Doc(r.ID); src != nil {
			if c := bestMatch(d.Body, lib.ChunksOf(src.ID)); c != nil {
				ref.DocURL = kb.DocURL(src.ID, c.Anchor)
				ref.Heading = stripMarkdown(c.HeadingPath())
				v.Sources[i].DocURL = ref.DocURL
			}
		}
		v.SourceRefs = append(v.SourceRefs, ref)
	}
	return v
}

// bestMatch returns the chunk that shares the most character bigrams with
// text, when it holds at least 40% of them; nil otherwise.
func bestMatch(text string, chunks []kb.Chunk) *kb.Chunk {
	want := bigramSet(text)
	if len(want) == 0 {
		return nil
	}
	var best *kb.Chunk
	bestN := 0
	for i := range chunks {
		n := 0
		for g := range bigramSet(chunks[i].Text) {
			if _, ok := want[g]; ok {
				n++
			}
		}
		if n > bestN {
			best, bestN = &chunks[i], n
		}
	}
	if float64(bestN) < 0.4*float64(len(want)) {
		return nil
	}
	return best
}

func bigramSet(s string) map[string]struct{} {
	var rs []rune
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.IsPunct(r) {
			rs = append(rs, r)
		}
	}
	set := make(map[string]struct{}, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		set[string(rs[i:i+2])] = struct{}{}
	}
	return set
}

// sectionsOf turns chunks into page sections. A heading is shown where the
// heading path changes, unless the chunk's text itself starts with it (a
// run-in heading such as "（一）深化重要决策公开。…"); a first line that
// repeats the document title is left out.
func sectionsOf(d *kb.Document, chunks []kb.Chunk) []sectionView {
	var out []sectionView
	var prev []string
	for i, c := range chunks {
		sv := sectionView{Anchor: c.Anchor}
		text := strings.TrimSpace(c.Text)
		if i == 0 {
			if rest, ok := strings.CutPrefix(text, strings.TrimSpace(d.Title)); ok && d.Title != "" && (rest == "" || rest[0] == '\n') {
				text = strings.TrimSpace(rest)
			}
		}
		common := 0
		for common < len(prev) && common < len(c.Heading) && prev[common] == c.Heading[common] {
			common++
		}
		for j := common; j < len(c.Heading); j++ {
			h := c.Heading[j]
			if j == len(c.Heading)-1 && runIn(h, text) {
				continue
			}
			sv.Headings = append(sv.Headings, headingView{Level: min(j+2, 4), Text: stripMarkdown(h)})
		}
		prev = c.Heading
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			sv.Paras = append(sv.Paras, paraView{Spans: inline(strings.TrimLeft(line, "#> "))})
		}
		out = append(out, sv)
	}
	return out
}

var foldHeading = strings.NewReplacer("（", "(", "）", ")", " ", "", "　", "", "…", "", "*", "")

// runIn reports whether text starts with the heading h.
func runIn(h, text string) bool {
	hh := foldHeading.Replace(h)
	if hh == "" {
		return false
	}
	first, _, _ := strings.Cut(text, "\n")
	return strings.HasPrefix(foldHeading.Replace(first), hh)
}

func stripMarkdown(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.TrimLeft(s, "# "), "**", ""))
}

var inlineRe = regexp.MustCompile(`\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?://[^)\s]+)\)`)

// inline splits a line into plain text, **bold** runs and [links](https://…).
// The template escapes every run; only http(s) links become anchors.
func inline(line string) []span {
	var out []span
	last := 0
	for _, m := range inlineRe.FindAllStringSubmatchIndex(line, -1) {
		if m[0] > last {
			out = append(out, span{Text: line[last:m[0]]})
		}
		switch {
		case m[2] >= 0:
			out = append(out, span{Text: line[m[2]:m[3]], Bold: true})
		default:
			href := line[m[6]:m[7]]
			if u, err := url.Parse(href); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
				out = append(out, span{Text: line[m[4]:m[5]], Href: href})
			} else {
				out = append(out, span{Text: line[m[0]:m[1]]})
			}
		}
		last = m[1]
	}
	if last < len(line) {
		out = append(out, span{Text: line[last:]})
	}
	return out
}

func (s *Server) findDoc(w http.ResponseWriter, r *http.Request, asJSON bool) (Library, *kb.Document) {
	lib := s.cfg.Library
	id := r.PathValue("id")
	d := lib.Base().Doc(id)
	if d == nil {
		if asJSON {
			writeError(w, govchat.Errorf(govchat.CodeNotFound, "未找到该文件。"))
		} else {
			s.errorPage(w, http.StatusNotFound, "未找到该文件", "您访问的政策文件不存在或已下线。")
		}
		return nil, nil
	}
	return lib, d
}

func (s *Server) docPage(w http.ResponseWriter, r *http.Request) {
	lib, d := s.findDoc(w, r, false)
	if d == nil {
		return
	}
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "doc", s.view(lib, d)); err != nil {
		s.log.Error("server: render document", "id", d.ID, "error", err)
		s.errorPage(w, http.StatusInternalServerError, "页面出错", "页面暂时无法显示，请稍后再试。")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, status int, title, msg string) {
	var buf bytes.Buffer
	s.tmpl.ExecuteTemplate(&buf, "notfound", map[string]string{"Title": title, "Message": msg, "Hotline": s.cfg.Hotline})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeError(w, govchat.Errorf(govchat.CodeNotFound, "接口不存在。"))
		return
	}
	s.errorPage(w, http.StatusNotFound, "页面不存在", "您访问的页面不存在。")
}

// DocJSON is the /api/docs/{id} response.
type DocJSON struct {
	ID              string     `json:"id"`
	Type            kb.Type    `json:"type"`
	TypeLabel       string     `json:"type_label"`
	Title           string     `json:"title"`
	DocNumber       string     `json:"doc_number,omitempty"`
	Issuer          string     `json:"issuer,omitempty"`
	IndexNo         string     `json:"index_number,omitempty"`
	Published       string     `json:"published,omitempty"`
	Effective       string     `json:"effective,omitempty"`
	Expires         string     `json:"expires,omitempty"`
	Status          kb.Status  `json:"status"`
	URL             string     `json:"url,omitempty"`
	DocURL          string     `json:"doc_url"`
	Department      string     `json:"department,omitempty"`
	Region          string     `json:"region,omitempty"`
	Tags            []string   `json:"tags,omitempty"`
	Similar         []string   `json:"similar,omitempty"`
	Interprets      *kb.Ref    `json:"interprets,omitempty"`
	Interpretations []kb.Ref   `json:"interpretations"`
	Replaces        []kb.Ref   `json:"replaces,omitempty"`
	ReplacedBy      []kb.Ref   `json:"replaced_by,omitempty"`
	Sources         []kb.Ref   `json:"sources,omitempty"`
	Chunks          []kb.Chunk `json:"chunks"`
	// Sample marks demonstration content (shown as 示例).
	Sample bool `json:"sample,omitempty"`
	// PlanYear is the year of a dated annual plan, shown beside Status.
	PlanYear int `json:"plan_year,omitempty"`
}

func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func (s *Server) docJSON(w http.ResponseWriter, r *http.Request) {
	lib, d := s.findDoc(w, r, true)
	if d == nil {
		return
	}
	v := s.view(lib, d)
	out := DocJSON{
		ID: d.ID, Type: d.Type, TypeLabel: v.TypeLabel, Title: d.Title, DocNumber: d.DocNumber, Issuer: d.Issuer,
		IndexNo: d.IndexNo, Published: isoDate(d.Published), Effective: isoDate(d.Effective), Expires: isoDate(d.Expires),
		Status: v.Status, URL: kb.SafeURL(d.URL), DocURL: kb.DocURL(d.ID, ""), Department: d.Department, Region: d.Region,
		Tags: d.Tags, Similar: d.Similar, Interprets: v.Interprets, Interpretations: v.Interpretations,
		Replaces: v.Replaces, ReplacedBy: v.ReplacedBy, Sources: v.Sources, Chunks: v.Chunks,
		Sample: d.Sample, PlanYear: v.PlanYear,
	}
	if out.Interpretations == nil {
		out.Interpretations = []kb.Ref{}
	}
	if out.Chunks == nil {
		out.Chunks = []kb.Chunk{}
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
