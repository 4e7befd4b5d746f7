package answer

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// namesTopDocument reports whether the question names, by its 文号, the
// document of the first result.
func namesTopDocument(resp *search.Response) bool {
	return resp.DocNumber != "" && len(resp.Results) > 0 &&
		kb.NormalizeDocNumber(resp.Results[0].Doc.DocNumber) == resp.DocNumber
}

// ofNamedDocument keeps the results from documents with the 文号 the
// question names: a question about one document is answered from it alone.
func ofNamedDocument(resp *search.Response) []search.Result {
	var out []search.Result
	for _, r := range resp.Results {
		if kb.NormalizeDocNumber(r.Doc.DocNumber) == resp.DocNumber {
			out = append(out, r)
		}
	}
	return out
}

// withoutDocNumber drops the terms that are pieces of the 文号 (国办发, 2018,
// 108, 号), which say which document, not what in it.
func withoutDocNumber(terms []string, num string) []string {
	var out []string
	for _, t := range terms {
		if !strings.Contains(num, t) {
			out = append(out, t)
		}
	}
	return out
}

// asksValidityRe marks a question about whether a document is in force.
var asksValidityRe = regexp.MustCompile(`有效|失效|废止|作废|过期|现行|还能用|还适用|还管用|还执行|效力`)

// documentCard describes a document named by its 文号 from its metadata:
// issuer, date, entry into force, and — when asked, or when known — whether
// it is in force. Nothing in it is generated beyond fixed words. Documents
// no longer (or not yet) in force are announced by validityNotice instead.
func documentCard(d *kb.Document, question string, now time.Time) string {
	var b strings.Builder
	b.WriteString("《" + d.Title + "》")
	if d.DocNumber != "" {
		b.WriteString("（" + d.DocNumber + "）")
	}
	switch {
	case d.Issuer != "" && !d.Published.IsZero():
		b.WriteString("由" + d.Issuer + "于" + zhDate(d.Published) + "印发")
	case d.Issuer != "":
		b.WriteString("由" + d.Issuer + "印发")
	case !d.Published.IsZero():
		b.WriteString("于" + zhDate(d.Published) + "印发")
	default:
		b.WriteString("见知识库")
	}
	if !d.Effective.IsZero() && !now.Before(d.Effective) {
		b.WriteString("，自" + zhDate(d.Effective) + "起施行")
	}
	b.WriteString("。")
	if d.Issuer == "" && d.Department != "" {
		// 谁起草谁解读: the department responsible is who stands behind it.
		b.WriteString("责任部门：" + d.Department + "。")
	}
	if d.Validity(now) == kb.StatusActive {
		switch {
		case d.Status == kb.StatusActive && !d.Expires.IsZero():
			b.WriteString("该文件现行有效，有效期至" + zhDate(d.Expires) + "。")
		case d.Status == kb.StatusActive:
			b.WriteString("该文件现行有效。")
		case !d.Expires.IsZero():
			b.WriteString("该文件的有效期至" + zhDate(d.Expires) + "。")
		case asksValidityRe.MatchString(question):
			b.WriteString("知识库未标注该文件的效力状态，请以发文机关公布的信息为准。")
		}
	}
	return b.String()
}

func zhDate(t time.Time) string { return t.Format("2006年1月2日") }

// openingQuote is the start of a document's first chunk, up to budget runes,
// without the lines that repeat its title or 文号.
func openingQuote(d *kb.Document, c kb.Chunk, budget int) []sentence {
	var out []sentence
	used := 0
	for _, s := range splitSentences(c.Text) {
		t := strings.TrimRight(s.text, "。")
		if t == strings.TrimSpace(d.Title) || d.DocNumber != "" && kb.NormalizeDocNumber(t) == kb.NormalizeDocNumber(d.DocNumber) && utf8.RuneCountInString(t) <= utf8.RuneCountInString(d.DocNumber)+2 {
			continue
		}
		n := utf8.RuneCountInString(s.text)
		if len(out) > 0 && used+n > budget {
			break
		}
		out = append(out, s)
		used += n
	}
	return out
}

// hasDocNumber reports whether a result is a document with the 文号 num.
func hasDocNumber(results []search.Result, num string) bool {
	for _, r := range results {
		if kb.NormalizeDocNumber(r.Doc.DocNumber) == num {
			return true
		}
	}
	return false
}

// citingDocNumber keeps the results whose text cites the 文号 num.
func citingDocNumber(results []search.Result, num string) []search.Result {
	var out []search.Result
	for _, r := range results {
		for _, n := range kb.FindDocNumbers(r.Chunk.Text) {
			if n == num {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// metaRe asks for what a document's card says: who issued it, when it was
// issued or took effect, its 文号, whether it is in force — of a document:
// the question must name a kind of document (docKindRe: 考核办法还有效吗, not
// 身份证还有效吗 or 居住证有效期多久), and a bare 发 (谁发的) counts only then
// (补贴什么时候发 asks when a benefit is paid).
var (
	metaRe = regexp.MustCompile(`(谁|哪个部门|哪个单位|哪个机关|哪家单位|什么部门|什么单位|什么机关)(来)?(印发|发布|出台|制定|颁布|下发)|` +
		`(什么时候|啥时候|哪天|何时|哪一天|哪年|哪一年|几月几号|什么时间)(印发|发布|出台|颁布|下发|施行|实施|生效|开始施行|开始实施|开始执行|起施行|起实施)|` +
		`文号|几号文|还有效|有效吗|还管用|还适用|还执行吗|废止了|作废了|失效了|有效期`)
	metaBareRe = regexp.MustCompile(`(谁|哪个部门|哪个单位|哪个机关|什么部门|什么单位|什么时候|啥时候|哪天|何时)(发|出)的`)
	docKindRe  = regexp.MustCompile(`文件|通知|办法|规定|意见|指南|要点|解读|方案|条例|细则|决定|公告|通告|规划|计划`)
)

// documentAsked returns the passage at the opening of the one document (not
// a FAQ entry) among the results whose title holds every topic term of q
// besides the words asking for its metadata (metaRe), when q asks for
// those: 依申请公开办事指南是啥时候发布的 names the guide. Nil when q asks
// something else or names no single document.
func documentAsked(q string, resp *search.Response) *search.Result {
	norm := textnorm.Key(q)
	if !docKindRe.MatchString(norm) || len(resp.Results) == 0 {
		return nil
	}
	meta := metaRe.FindString(norm)
	if meta == "" {
		meta = metaBareRe.FindString(norm)
	}
	if meta == "" {
		return nil
	}
	var terms []string
	for _, t := range topicTerms(q, resp.Terms) {
		if !strings.Contains(meta, t) {
			terms = append(terms, t)
		}
	}
	if !slices.ContainsFunc(terms, func(t string) bool { return !docKindRe.MatchString(t) }) {
		return nil // 通知还有效吗: which 通知 is not said
	}
	var found *search.Result
	for i := range resp.Results {
		r := &resp.Results[i]
		if r.Doc.Type == kb.TypeFAQ || found != nil && found.Doc.ID == r.Doc.ID {
			continue
		}
		title := textnorm.Key(r.Doc.Title)
		if !allIn(title, terms) {
			continue
		}
		if found != nil {
			return nil // two documents: which one is asked is not said
		}
		found = r
	}
	return found
}

func allIn(s string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(s, t) {
			return false
		}
	}
	return true
}
