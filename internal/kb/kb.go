// Package kb holds govchat's domain types: documents (policies, interpretations,
// guides and FAQ entries), chunks, validity and 文号 handling, and the source
// references that answers cite. It imports the standard library only.
package kb

import (
	"net/url"
	"strings"
	"time"
)

// Type is the kind of a knowledge entry.
type Type string

// Entry types. A FAQ entry is stored as a Document of TypeFAQ so that every
// downstream stage (chunks, citations, source pages) handles one type.
const (
	TypePolicy         Type = "policy"
	TypeInterpretation Type = "interpretation"
	TypeGuide          Type = "guide"
	TypeFAQ            Type = "faq"
)

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	switch t {
	case TypePolicy, TypeInterpretation, TypeGuide, TypeFAQ:
		return true
	}
	return false
}

// Label is the Chinese name of the type shown to users.
func (t Type) Label() string {
	switch t {
	case TypePolicy:
		return "政策文件"
	case TypeInterpretation:
		return "政策解读"
	case TypeGuide:
		return "办事指南"
	case TypeFAQ:
		return "常见问题"
	}
	return string(t)
}

// Status is the validity of a document as published by its issuer.
type Status string

// Validity states.
const (
	StatusActive   Status = "现行有效"
	StatusRevised  Status = "已修订"
	StatusRepealed Status = "已废止"
	// StatusPending is a document whose effective date lies in the future.
	StatusPending Status = "尚未施行"
)

// Valid reports whether s is a known status (the empty status is not valid).
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusRevised, StatusRepealed, StatusPending:
		return true
	}
	return false
}

// Document is one knowledge entry: a policy, an interpretation, a guide, or a
// FAQ entry (Type == TypeFAQ, Title holds the standard question and Body the
// answer).
type Document struct {
	ID         string    `json:"id"`
	Type       Type      `json:"type"`
	Title      string    `json:"title"`
	DocNumber  string    `json:"doc_number,omitempty"`   // 文号
	Issuer     string    `json:"issuer,omitempty"`       // 发文机关
	IndexNo    string    `json:"index_number,omitempty"` // 索引号
	Published  time.Time `json:"published,omitzero"`     // 成文/发布日期
	Effective  time.Time `json:"effective,omitzero"`
	Expires    time.Time `json:"expires,omitzero"` // for FAQ: valid_until
	Status     Status    `json:"status,omitempty"` // as written; see Validity
	Replaces   []string  `json:"replaces,omitempty"`
	ReplacedBy []string  `json:"replaced_by,omitempty"`
	Interprets string    `json:"interprets,omitempty"` // id of the policy an interpretation explains
	URL        string    `json:"url,omitempty"`        // official page
	Department string    `json:"department,omitempty"` // 责任部门 / 承办部门
	Region     string    `json:"region,omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	Sample     bool      `json:"sample,omitempty"`

	// FAQ fields.
	Similar []string `json:"similar,omitempty"` // 相似问
	Sources []string `json:"sources,omitempty"` // ids of documents backing the answer

	// Body is the Markdown text (for a FAQ entry: the answer).
	Body string `json:"body,omitempty"`

	// Where the entry was read from, for lint messages.
	Path string `json:"-"`
	Line int    `json:"-"`
}

// Validity returns the status in force at now: an explicit 已废止/已修订 wins,
// then the dates decide (before effective: 尚未施行, past expires: 已废止),
// else 现行有效.
func (d *Document) Validity(now time.Time) Status {
	if d.Status == StatusRepealed || d.Status == StatusRevised {
		return d.Status
	}
	if len(d.ReplacedBy) > 0 && d.Status == "" {
		return StatusRevised
	}
	if !d.Expires.IsZero() && now.After(EndOfDay(d.Expires)) {
		return StatusRepealed
	}
	if !d.Effective.IsZero() && now.Before(d.Effective) {
		return StatusPending
	}
	return StatusActive
}

// PlanYear is the year a dated annual document is for — a 工作要点, 工作计划,
// 工作安排, 工作方案 or 年度报告 whose title names its year (2019年政务公开工作要点)
// — or 0. Such a document stays 现行有效 by its dates, yet is about that year.
func (d *Document) PlanYear() int {
	if d.Type != TypePolicy && d.Type != TypeInterpretation {
		return 0
	}
	t := d.Title
	kind := false
	for _, k := range []string{"工作要点", "工作计划", "工作安排", "工作方案", "年度报告", "年度计划", "工作任务"} {
		kind = kind || strings.Contains(t, k)
	}
	if !kind {
		return 0
	}
	rs := []rune(t)
	for i := 0; i+4 < len(rs); i++ {
		if rs[i+4] != '年' || (rs[i] != '1' && rs[i] != '2') {
			continue
		}
		y := 0
		ok := true
		for _, r := range rs[i : i+4] {
			if r < '0' || r > '9' {
				ok = false
				break
			}
			y = y*10 + int(r-'0')
		}
		if ok && y >= 1949 && y <= 2199 && (i == 0 || rs[i-1] < '0' || rs[i-1] > '9') {
			return y
		}
	}
	return 0
}

// Expired reports whether the document is no longer in force at now.
func (d *Document) Expired(now time.Time) bool {
	s := d.Validity(now)
	return s == StatusRepealed || s == StatusRevised
}

// EndOfDay returns the last instant of t's day, so that a document expiring on
// a date is still valid during that day.
func EndOfDay(t time.Time) time.Time {
	y, m, dd := t.Date()
	return time.Date(y, m, dd, 23, 59, 59, 0, t.Location())
}

// Chunk is a retrievable unit of a document: a section or paragraph group of
// an official document, or a whole FAQ entry.
type Chunk struct {
	ID      string   `json:"id"` // DocID + "#" + Anchor
	DocID   string   `json:"doc_id"`
	Anchor  string   `json:"anchor"`            // stable HTML anchor within the document page
	Heading []string `json:"heading,omitempty"` // heading path, outermost first
	Text    string   `json:"text"`
	Ord     int      `json:"ord"` // position within the document
}

// HeadingPath joins the heading path for display.
func (c *Chunk) HeadingPath() string { return strings.Join(c.Heading, " › ") }

// Ref is a short reference to a related document (an interpretation of a
// policy, or the policy an interpretation explains).
type Ref struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	DocURL string `json:"doc_url"`       // govchat's page for the document
	URL    string `json:"url,omitempty"` // official page
	Sample bool   `json:"sample,omitempty"`
}

// Source is a cited source as sent to clients.
type Source struct {
	N               int    `json:"n,omitempty"` // citation number [n] in the answer text
	ID              string `json:"id"`          // document or FAQ id
	Type            Type   `json:"type,omitempty"`
	Title           string `json:"title"`
	URL             string `json:"url,omitempty"` // official page
	DocURL          string `json:"doc_url"`       // govchat page with anchor at the cited chunk
	DocNumber       string `json:"doc_number,omitempty"`
	Issuer          string `json:"issuer,omitempty"`
	Status          Status `json:"status,omitempty"`
	Department      string `json:"department,omitempty"`
	Heading         string `json:"heading,omitempty"`
	Anchor          string `json:"anchor,omitempty"`
	Snippet         string `json:"snippet"`
	Interpretations []Ref  `json:"interpretations"`
	Interprets      *Ref   `json:"interprets,omitempty"`
	ReplacedBy      []Ref  `json:"replaced_by,omitempty"`
	// Sample marks demonstration content: clients show it as 示例 so that
	// nobody mistakes it for an official reply.
	Sample bool `json:"sample,omitempty"`
	// Published is the document's date of issue (YYYY-MM-DD), when known.
	Published string `json:"published,omitempty"`
	// PlanYear is the year a dated annual document is for (2019 for a
	// 2019年政务公开工作要点): clients show it beside the validity, which
	// alone (现行有效) would suggest the plan is this year's.
	PlanYear int `json:"plan_year,omitempty"`
}

// Related is a question the knowledge base answers, offered to the asker as
// a button: the candidates of a clarification (您是想问以下哪个问题？), or
// after an answer the entries that ranked almost as high. Asking Question
// answers it; DocURL opens the entry.
type Related struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	DocURL   string `json:"doc_url"`
	Sample   bool   `json:"sample,omitempty"` // demonstration content (示例)
}

// SafeURL returns u when it is an absolute http or https address with a
// host — the only official links govchat shows or returns — else "" (a
// javascript: or data: URL, a relative path, garbage).
func SafeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || strings.ContainsAny(u, " \t\r\n\"'<>\\") {
		return ""
	}
	return u
}

// DocURL is the path of govchat's page for a document, with an optional anchor.
func DocURL(id, anchor string) string {
	u := "/docs/" + escapePath(id)
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

func escapePath(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/' || r == '?' || r == '#' || r == '%' || r == ' ' || r < 0x20:
			b.WriteString("%")
			const hex = "0123456789ABCDEF"
			b.WriteByte(hex[byte(r)>>4])
			b.WriteByte(hex[byte(r)&15])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
