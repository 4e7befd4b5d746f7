package importer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

// column is a recognised field of a FAQ table or JSONL record.
type column string

const (
	colID         column = "id"
	colQuestion   column = "question"
	colSimilar    column = "similar"
	colAnswer     column = "answer"
	colDept       column = "department"
	colURL        column = "url"
	colSources    column = "sources"
	colValidUntil column = "valid_until"
	colTags       column = "tags"
	// document fields (JSONL documents)
	colTitle      column = "title"
	colText       column = "text"
	colHTML       column = "html"
	colDocNumber  column = "doc_number"
	colIssuer     column = "issuer"
	colPublished  column = "published"
	colType       column = "type"
	colInterprets column = "interprets"
	colIndex      column = "index_number"
	colEffective  column = "effective"
	colExpires    column = "expires"
	colStatus     column = "status"
	colRegion     column = "region"
)

// headerNames are the column headers recognised in FAQ tables, normalised
// (lower case, no spaces or punctuation).
var headerNames = map[string]column{
	"id": colID, "编号": colID, "问题编号": colID, "知识编号": colID, "faqid": colID, "qid": colID, "docid": colID, "文档编号": colID,
	"question": colQuestion, "问题": colQuestion, "标准问": colQuestion, "标准问题": colQuestion, "标准问法": colQuestion,
	"问题标题": colQuestion, "咨询问题": colQuestion, "常见问题": colQuestion, "q": colQuestion, "query": colQuestion,
	"topic": colQuestion, "留言主题": colQuestion,
	"similar": colSimilar, "相似问": colSimilar, "相似问题": colSimilar, "相似问法": colSimilar, "扩展问": colSimilar,
	"扩展问题": colSimilar, "similarquestions": colSimilar, "相似问句": colSimilar,
	"answer": colAnswer, "答案": colAnswer, "回复": colAnswer, "答复": colAnswer, "回答": colAnswer, "答复内容": colAnswer,
	"回复内容": colAnswer, "标准答案": colAnswer, "reply": colAnswer, "a": colAnswer, "解答": colAnswer, "答复意见": colAnswer,
	"department": colDept, "部门": colDept, "处理单位": colDept, "责任部门": colDept, "承办单位": colDept, "答复部门": colDept,
	"主管部门": colDept, "dept": colDept, "答复单位": colDept, "回复单位": colDept, "承办部门": colDept,
	"url": colURL, "链接": colURL, "网址": colURL, "link": colURL, "来源链接": colURL, "原文链接": colURL,
	"sources": colSources, "依据": colSources, "政策依据": colSources, "来源文件": colSources, "依据文件": colSources,
	"validuntil": colValidUntil, "有效期": colValidUntil, "有效期至": colValidUntil, "截止日期": colValidUntil,
	"tags": colTags, "标签": colTags, "关键词": colTags, "分类": colTags, "keywords": colTags, "category": colTags, "主题": colTags,
	"title": colTitle, "标题": colTitle, "文件名称": colTitle,
	"text": colText, "content": colText, "body": colText, "正文": colText, "内容": colText,
	"html":      colHTML,
	"docnumber": colDocNumber, "文号": colDocNumber, "发文字号": colDocNumber,
	"issuer": colIssuer, "发文机关": colIssuer, "发布机构": colIssuer,
	"published": colPublished, "发布日期": colPublished, "成文日期": colPublished, "date": colPublished,
	"type": colType, "类型": colType,
	"interprets":  colInterprets,
	"indexnumber": colIndex, "索引号": colIndex,
	"effective": colEffective, "施行日期": colEffective, "expires": colExpires, "废止日期": colExpires,
	"status": colStatus, "有效性": colStatus, "region": colRegion, "地区": colRegion,
}

var headerParenRe = regexp.MustCompile(`[（(【\[].*?[）)】\]]`)

func normHeader(s string) string {
	s = headerParenRe.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "")
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || r == '*' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

// headerMap recognises a header row; ok requires a question and an answer
// column.
func headerMap(row []string) (map[column]int, bool) {
	m := map[column]int{}
	for i, h := range row {
		if c, ok := headerNames[normHeader(h)]; ok {
			if _, dup := m[c]; !dup {
				m[c] = i
			}
		}
	}
	_, q := m[colQuestion]
	_, a := m[colAnswer]
	return m, q && a
}

// FAQTable is the result of reading a FAQ table.
type FAQTable struct {
	Entries  []*kb.Document
	Warnings []string
}

// FAQFromRows reads FAQ entries from table rows: the header row (within the
// first 10 rows) names the columns (问题/标准问/question, 相似问/similar,
// 答案/回复/answer, 部门/处理单位/department, 编号/id, 链接/url, 依据/sources,
// 有效期/valid_until, 标签/关键词/tags). where names the table in messages.
func FAQFromRows(rows [][]string, where string) (FAQTable, error) {
	var out FAQTable
	hdr, start := map[column]int(nil), -1
	for i := 0; i < len(rows) && i < 10; i++ {
		if m, ok := headerMap(rows[i]); ok {
			hdr, start = m, i
			break
		}
	}
	if start < 0 {
		return out, fmt.Errorf("%sno header row with a question column (问题/标准问/question) and an answer column (答案/回复/answer) in the first 10 rows", where)
	}
	cell := func(row []string, c column) string {
		i, ok := hdr[c]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(strings.ReplaceAll(row[i], "\r\n", "\n"))
	}
	for n, row := range rows[start+1:] {
		rowNo := start + n + 2
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		rec := map[column]string{}
		for c := range hdr {
			rec[c] = cell(row, c)
		}
		e, err := faqEntry(rec)
		if err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%srow %d: %v; skipped", where, rowNo, err))
			continue
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

var listSepRe = regexp.MustCompile(`\s*(?:\n|；|;|\|\||\|)\s*`)

func splitList(s string) []string {
	var out []string
	for _, p := range listSepRe.Split(s, -1) {
		if p = strings.TrimSpace(p); p != "" && !containsStr(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func splitTags(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",，;；|、\n", r) }) {
		if p = strings.TrimSpace(p); p != "" && !containsStr(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// faqEntry builds a FAQ entry from a record of recognised fields.
func faqEntry(rec map[column]string) (*kb.Document, error) {
	q, a := cleanLine(rec[colQuestion]), strings.TrimSpace(rec[colAnswer])
	if q == "" {
		return nil, errors.New("no question")
	}
	if a == "" {
		return nil, errors.New("no answer")
	}
	d := &kb.Document{Type: kb.TypeFAQ, Title: q, Body: a, Department: cleanLine(rec[colDept]), URL: strings.TrimSpace(rec[colURL])}
	d.ID = SanitizeID(rec[colID])
	if d.ID == "" {
		d.ID = "faq-" + shortHash(squash(q))
	}
	for _, s := range splitList(rec[colSimilar]) {
		if s != q {
			d.Similar = append(d.Similar, s)
		}
	}
	d.Sources = splitTags(rec[colSources])
	d.Tags = splitTags(rec[colTags])
	if v := rec[colValidUntil]; v != "" {
		t, err := knowledge.ParseDate(v)
		if err != nil {
			return nil, fmt.Errorf("valid_until: %v", err)
		}
		d.Expires = t
	}
	return d, nil
}

// shortHash is a stable 12-hex-digit digest.
func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

var idJunkRe = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// SanitizeID turns a source identifier into a valid knowledge id: characters
// other than letters, digits, '.', '_' and '-' become '-'.
func SanitizeID(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ".0") { // spreadsheet numbers
		s = strings.TrimSuffix(s, ".0")
	}
	s = strings.Trim(idJunkRe.ReplaceAllString(s, "-"), "-._")
	if len(s) > 100 {
		// Keep long ids unique: a prefix and a digest of the whole.
		full := s
		s = s[:80]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s = strings.TrimRight(s, "-._") + "-" + shortHash(full)
	}
	return s
}

// IDFromDocNumber derives a document id from its 文号:
// 国发〔2019〕5号 → 国发-2019-5, 国令第707号 → 国令第707.
func IDFromDocNumber(num string) string {
	num = strings.TrimSuffix(squash(num), "号")
	return SanitizeID(num)
}

// DocumentID returns d's id, or a stable one from its 文号 or title.
func DocumentID(d *kb.Document) string {
	if id := SanitizeID(d.ID); id != "" {
		return id
	}
	if d.DocNumber != "" {
		if id := IDFromDocNumber(d.DocNumber); id != "" {
			return id
		}
	}
	if t := squash(d.Title); t != "" {
		return "doc-" + shortHash(t)
	}
	return "doc-" + shortHash(d.Body)
}

// FAQFromCSV reads a FAQ table from CSV (or tab-separated) text.
func FAQFromCSV(text string) (FAQTable, error) {
	first, _, _ := strings.Cut(text, "\n")
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	switch {
	case strings.Count(first, "\t") > strings.Count(first, ","):
		r.Comma = '\t'
	case strings.Count(first, ";") > strings.Count(first, ","):
		r.Comma = ';'
	}
	rows, err := r.ReadAll()
	if err != nil {
		return FAQTable{}, fmt.Errorf("csv: %w", err)
	}
	return FAQFromRows(rows, "")
}

// FAQFromXLSX reads FAQ entries from every sheet of a workbook that has a
// recognisable header row.
func FAQFromXLSX(data []byte, l Limits) (t FAQTable, err error) {
	l = l.withDefaults()
	zr, err := openZip(data, l)
	if err != nil {
		return t, err
	}
	// excelize reads the parts itself: check them for a DTD first.
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".rels") {
			if _, err := readMember(f, l.MaxUnzipped); errors.Is(err, ErrRefused) {
				return t, err
			}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("xlsx: damaged workbook (%v)", p)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: l.MaxUnzipped, UnzipXMLSizeLimit: min(l.MaxUnzipped, 64<<20)})
	if err != nil {
		return t, fmt.Errorf("xlsx: %w", err)
	}
	defer f.Close()
	var sheetErrs []string
	found := false
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			sheetErrs = append(sheetErrs, fmt.Sprintf("sheet %s: %v", sheet, err))
			continue
		}
		st, err := FAQFromRows(rows, "sheet "+sheet+": ")
		if err != nil {
			sheetErrs = append(sheetErrs, err.Error())
			continue
		}
		found = true
		t.Entries = append(t.Entries, st.Entries...)
		t.Warnings = append(t.Warnings, st.Warnings...)
	}
	if !found {
		return t, fmt.Errorf("xlsx: no sheet with a FAQ table: %s", strings.Join(sheetErrs, "; "))
	}
	return t, nil
}

// JSONLRecords is what a JSONL file holds: FAQ entries or documents.
type JSONLRecords struct {
	FAQ      []*kb.Document
	Docs     []*kb.Document
	Warnings []string
}

// ParseJSONL reads one JSON object per line. A record with a question and an
// answer is a FAQ entry; a record with text or html is a document
// ({id, title, text|html, doc_number, issuer, published, url, type, interprets}).
func ParseJSONL(text string) (JSONLRecords, error) {
	var out JSONLRecords
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(raw), &obj); err != nil {
			out.Warnings = append(out.Warnings, fmt.Sprintf("line %d: invalid JSON: %v; skipped", line, err))
			continue
		}
		rec := map[column]string{}
		var extraTags []string
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic output
		for _, k := range keys {
			v := obj[k]
			c, ok := headerNames[normHeader(k)]
			if !ok {
				continue
			}
			s := jsonString(v)
			if c == colTags {
				extraTags = append(extraTags, splitTags(s)...)
				continue
			}
			if c == colType {
				// "type" of a FAQ record is a category, of a document its kind.
				if kb.Type(s).Valid() {
					rec[c] = s
				} else {
					extraTags = append(extraTags, splitTags(s)...)
				}
				continue
			}
			if _, dup := rec[c]; !dup || rec[c] == "" {
				rec[c] = s
			}
		}
		switch {
		case rec[colQuestion] != "" || rec[colAnswer] != "":
			e, err := faqEntry(rec)
			if err != nil {
				out.Warnings = append(out.Warnings, fmt.Sprintf("line %d: %v; skipped", line, err))
				continue
			}
			for _, t := range extraTags {
				if !containsStr(e.Tags, t) {
					e.Tags = append(e.Tags, t)
				}
			}
			out.FAQ = append(out.FAQ, e)
		case rec[colText] != "" || rec[colHTML] != "":
			d, err := jsonDocument(rec)
			if err != nil {
				out.Warnings = append(out.Warnings, fmt.Sprintf("line %d: %v; skipped", line, err))
				continue
			}
			d.Tags = append(d.Tags, extraTags...)
			out.Docs = append(out.Docs, d)
		default:
			out.Warnings = append(out.Warnings, fmt.Sprintf("line %d: neither a FAQ entry (question, answer) nor a document (title, text or html); skipped", line))
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("jsonl: line %d: %w", line+1, err)
	}
	return out, nil
}

func jsonString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprint(x)
	case []any:
		var parts []string
		for _, it := range x {
			parts = append(parts, jsonString(it))
		}
		return strings.Join(parts, "\n")
	default:
		return fmt.Sprint(x)
	}
}

// jsonDocument builds a document from a JSONL record.
func jsonDocument(rec map[column]string) (*kb.Document, error) {
	var d *kb.Document
	if h := rec[colHTML]; h != "" {
		var err error
		d, err = parseHTMLString(h)
		if err != nil {
			return nil, err
		}
	} else {
		d = &kb.Document{Type: kb.TypePolicy}
		lines := strings.Split(strings.ReplaceAll(rec[colText], "\r\n", "\n"), "\n")
		for i := range lines {
			lines[i] = cleanLine(lines[i])
		}
		if t := cleanLine(rec[colTitle]); t != "" {
			d.Title = t
			lines = dropTitleLines(lines, t)
		}
		d.Body = linesToMarkdown(analyse(d, lines))
	}
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	set(&d.ID, rec[colID])
	set(&d.Title, cleanLine(rec[colTitle]))
	set(&d.DocNumber, rec[colDocNumber])
	set(&d.Issuer, rec[colIssuer])
	set(&d.URL, rec[colURL])
	set(&d.Interprets, rec[colInterprets])
	set(&d.IndexNo, rec[colIndex])
	set(&d.Department, rec[colDept])
	set(&d.Region, rec[colRegion])
	if t := rec[colType]; t != "" {
		d.Type = kb.Type(t)
	}
	if s := rec[colStatus]; s != "" {
		d.Status = kb.Status(s)
	}
	for c, dst := range map[column]*time.Time{colPublished: &d.Published, colEffective: &d.Effective, colExpires: &d.Expires} {
		if v := rec[c]; v != "" {
			t, err := knowledge.ParseDate(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", c, err)
			}
			*dst = t
		}
	}
	if d.Title == "" && d.Body == "" {
		return nil, errors.New("no title and no text")
	}
	return d, nil
}
