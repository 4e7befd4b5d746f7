package importer

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

// field names of labelled metadata.
const (
	fTitle     = "title"
	fIssuer    = "issuer"
	fDocNumber = "doc_number"
	fIndex     = "index_number"
	fWritten   = "written"   // 成文日期
	fPublished = "published" // 发布日期
	fEffective = "effective"
	fExpires   = "expires"
	fStatus    = "status"
	fTopic     = "topic"
	fDept      = "department"
)

// labels maps the labels government pages and documents use for their
// metadata (whitespace removed) to field names.
var labels = map[string]string{
	"标题": fTitle, "名称": fTitle, "文件名称": fTitle, "文件标题": fTitle,
	"发文机关": fIssuer, "发布机构": fIssuer, "发文单位": fIssuer, "发布机关": fIssuer, "制发机关": fIssuer, "发文机构": fIssuer, "发布单位": fIssuer,
	"发文字号": fDocNumber, "文号": fDocNumber, "发文编号": fDocNumber, "文件编号": fDocNumber,
	"索引号":  fIndex,
	"成文日期": fWritten, "成文时间": fWritten, "印发日期": fWritten,
	"发布日期": fPublished, "发布时间": fPublished, "公开日期": fPublished, "公开时间": fPublished, "发文日期": fPublished,
	"生效日期": fEffective, "施行日期": fEffective, "实施日期": fEffective, "生效时间": fEffective,
	"废止日期": fExpires, "失效日期": fExpires, "有效期至": fExpires,
	"有效性": fStatus, "效力状态": fStatus, "时效性": fStatus, "效力": fStatus,
	"主题分类": fTopic, "主题词": fTopic,
	"责任部门": fDept, "承办部门": fDept,
}

// normLabel removes the spaces and trailing colon from a label cell.
func normLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
	return strings.TrimRight(s, ":：")
}

// labelOf returns the field of a label cell ("索 引 号：" → index_number).
func labelOf(s string) string {
	if utf8.RuneCountInString(s) > 12 {
		return ""
	}
	return labels[normLabel(s)]
}

var labelLineRe = func() *regexp.Regexp {
	var alts []string
	for l := range labels {
		// Allow spaces between the characters of a label (索 引 号).
		var b strings.Builder
		for i, r := range l {
			if i > 0 {
				b.WriteString(`[\s　]*`)
			}
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		alts = append(alts, b.String())
	}
	// Longest first so that 发文字号 wins over 文号.
	sortByLenDesc(alts)
	return regexp.MustCompile(`(` + strings.Join(alts, "|") + `)[\s　]*[:：]`)
}()

func sortByLenDesc(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// labelledLine parses a line such as "发文字号：国发〔2019〕5号 成文日期：2019年01月27日"
// into fields. whole reports whether the line holds nothing but metadata.
func labelledLine(line string) (map[string]string, bool) {
	locs := labelLineRe.FindAllStringSubmatchIndex(line, -1)
	if len(locs) == 0 {
		return nil, false
	}
	out := map[string]string{}
	whole := strings.TrimSpace(line[:locs[0][0]]) == ""
	for i, loc := range locs {
		end := len(line)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		field := labels[normLabel(line[loc[2]:loc[3]])]
		val := strings.TrimSpace(strings.Trim(line[loc[1]:end], " \t　"))
		if val != "" && out[field] == "" {
			out[field] = val
		}
	}
	return out, whole
}

// cleanLine collapses white space and removes spaces between CJK characters
// (an artefact of line breaks in HTML source and PDF text).
func cleanLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u00a0', '\t', '\r', '\n', '\f', '\v', '\u200b', '\ufeff':
			if r == '\u200b' || r == '\ufeff' {
				return -1
			}
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if !strings.Contains(s, " ") {
		return strings.TrimSpace(strings.Trim(s, "\u3000"))
	}
	rs := []rune(s)
	// The space after a leading 第X条/章 separates the number from the text
	// (第一条　为了规范…): it is kept, so the structure stays readable.
	keep := -1
	if m := structMarkerRe.FindString(s); m != "" {
		keep = utf8.RuneCountInString(m)
	}
	var b strings.Builder
	for i, r := range rs {
		if r == ' ' && i != keep && i > 0 && i+1 < len(rs) && isWide(rs[i-1]) && isWide(rs[i+1]) {
			continue
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(strings.Trim(b.String(), "\u3000 "))
}

// structMarkerRe is a leading 第X编/章/节/条 (with any space before it).
var structMarkerRe = regexp.MustCompile(`^[\s\x{3000}]*第[〇零一二三四五六七八九十百千两0-9]{1,7}[编章节条]`)

func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) || r == '“' || r == '”'
}

func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

// titleEndings end the titles of official documents.
var titleEndRe = regexp.MustCompile(`(通知|意见|办法|规定|决定|方案|批复|复函|函|公告|通告|条例|细则|要点|报告|指南|规划|纲要|解读|答记者问|问答|命令|令|决议|规则|标准|目录|清单|须知|说明)$`)

// isDateLine reports whether a line is just a date (a signature date).
func isDateLine(s string) bool {
	s = squash(s)
	if utf8.RuneCountInString(s) > 16 {
		return false
	}
	_, err := knowledge.ParseDate(s)
	return err == nil
}

var orgSuffixRe = regexp.MustCompile(`(人民政府|人民政府办公室|人民政府办公厅|办公室|办公厅|国务院|委员会|局|厅|部|署|院|中心|街道办事处|政府)$`)

// analyse fills the metadata of d from the lines of a plain-text document
// (txt, docx, pdf): labelled metadata lines, the title at the top (possibly
// over several lines), a 文号 line under it, and the issuer and date of the
// signature at the end. It returns the body lines to keep.
func analyse(d *kb.Document, lines []string) []string {
	var body []string
	meta := map[string]string{}
	for i, l := range lines {
		if i < 30 {
			if m, whole := labelledLine(l); whole {
				for k, v := range m {
					if meta[k] == "" {
						meta[k] = v
					}
				}
				continue
			}
		}
		body = append(body, l)
	}
	applyMeta(d, meta)
	// Title: the first lines, joined while they form a title.
	first := -1
	for i, l := range body {
		if strings.TrimSpace(l) != "" {
			first = i
			break
		}
	}
	if first >= 0 {
		n, title := titleLines(body[first:])
		if d.Title == "" {
			d.Title = title
		}
		if n > 0 && squash(title) == squash(d.Title) {
			body = append(body[:first:first], body[first+n:]...)
		}
	}
	// 文号 near the top.
	if d.DocNumber == "" {
		for i, l := range body {
			if i > 8 {
				break
			}
			if t := squash(l); utf8.RuneCountInString(t) <= 25 && kb.NormalizeDocNumber(t) != "" && strings.HasSuffix(t, "号") {
				d.DocNumber = strings.TrimSpace(l)
				break
			}
		}
	}
	// Signature: "宁波市海曙区人民政府办公室" followed by "2019年6月19日".
	for i := len(body) - 1; i >= 0 && i >= len(body)-10; i-- {
		if !isDateLine(body[i]) {
			continue
		}
		if d.Published.IsZero() {
			d.Published, _ = knowledge.ParseDate(squash(body[i]))
		}
		for j := i - 1; j >= 0 && j >= i-3; j-- {
			c := squash(body[j])
			if c == "" {
				continue
			}
			if d.Issuer == "" && utf8.RuneCountInString(c) <= 30 && orgSuffixRe.MatchString(c) {
				d.Issuer = c
			}
			break
		}
		break
	}
	if d.Issuer == "" {
		d.Issuer = issuerFromTitle(d.Title)
	}
	return body
}

// titleLines finds the title at the start of lines: up to four short lines
// without sentence punctuation that together end like a title.
func titleLines(lines []string) (int, string) {
	joined := ""
	for i := 0; i < len(lines) && i < 4; i++ {
		l := cleanLine(strings.TrimLeft(lines[i], "# "))
		if l == "" || utf8.RuneCountInString(l) > 60 || strings.ContainsAny(l, "。；！？") {
			break
		}
		joined += l
		if titleEndRe.MatchString(joined) {
			return i + 1, joined
		}
	}
	l := cleanLine(strings.TrimLeft(lines[0], "# "))
	if utf8.RuneCountInString(l) <= 80 && !strings.HasSuffix(l, "。") {
		return 1, l
	}
	return 0, string([]rune(l)[:min(30, utf8.RuneCountInString(l))])
}

// issuerFromTitle takes the issuer from a title such as
// 国务院办公厅关于……的通知 (→ 国务院办公厅).
func issuerFromTitle(title string) string {
	i := strings.Index(title, "关于")
	if i <= 0 {
		return ""
	}
	p := title[:i]
	if utf8.RuneCountInString(p) <= 30 && orgSuffixRe.MatchString(p) {
		return p
	}
	return ""
}

// applyMeta copies labelled metadata into d without overwriting.
func applyMeta(d *kb.Document, m map[string]string) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = strings.TrimSpace(v)
		}
	}
	set(&d.Title, m[fTitle])
	set(&d.Issuer, m[fIssuer])
	set(&d.DocNumber, m[fDocNumber])
	set(&d.IndexNo, m[fIndex])
	set(&d.Department, m[fDept])
	date := func(dst *time.Time, v string) {
		if v == "" || !dst.IsZero() {
			return
		}
		if t, err := knowledge.ParseDate(squash(v)); err == nil {
			*dst = t
		}
	}
	date(&d.Published, m[fWritten])
	date(&d.Published, m[fPublished])
	date(&d.Effective, m[fEffective])
	date(&d.Expires, m[fExpires])
	if d.Status == "" {
		switch v := squash(m[fStatus]); {
		case v == "":
		case strings.Contains(v, "废止"), strings.Contains(v, "失效"):
			d.Status = kb.StatusRepealed
		case strings.Contains(v, "修订"), strings.Contains(v, "修改"):
			d.Status = kb.StatusRevised
		case strings.Contains(v, "有效"):
			d.Status = kb.StatusActive
		}
	}
	if v := m[fTopic]; v != "" && len(d.Tags) == 0 {
		for _, t := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(`、\/,，;；|　 `, r) }) {
			if t = strings.TrimSpace(t); t != "" && !containsStr(d.Tags, t) {
				d.Tags = append(d.Tags, t)
			}
		}
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// linesToMarkdown joins body lines into Markdown paragraphs (one per line).
func linesToMarkdown(lines []string) string {
	var b strings.Builder
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if strings.TrimSpace(l) == "" {
			if !blank {
				b.WriteString("\n")
				blank = true
			}
			continue
		}
		if !blank {
			b.WriteString("\n")
		}
		b.WriteString(l)
		b.WriteString("\n")
		blank = false
	}
	return strings.TrimSpace(b.String())
}
