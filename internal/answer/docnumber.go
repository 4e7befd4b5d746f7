package answer

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
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
