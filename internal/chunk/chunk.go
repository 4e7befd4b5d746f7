// Package chunk splits documents into retrievable chunks by their own
// structure: Markdown headings and the numbering of Chinese official documents
// (第X编/章/节/条, 一、 (一) 1. (1)). Every chunk keeps its heading path and a
// stable anchor derived from its structural position, so re-chunking an
// unchanged document yields the same anchors.
package chunk

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
)

// Config bounds chunk sizes, in runes.
type Config struct {
	// Max is the largest chunk; longer sections are split at sentence ends
	// (。！？；), and a sentence longer than Max is cut.
	Max int
	// Min is the size under which a list-level section (1. or (1)) is merged
	// with the preceding chunk of the same parent.
	Min int
}

// DefaultConfig is what Split uses.
var DefaultConfig = Config{Max: 600, Min: 120}

// Split chunks d with DefaultConfig. A FAQ entry is exactly one chunk whose
// text is the answer.
func Split(d *kb.Document) []kb.Chunk { return SplitWith(DefaultConfig, d) }

// AnchorFAQ is the anchor of a FAQ entry's single chunk.
const AnchorFAQ = "answer"

// AnchorPreamble is the anchor of the title/preamble chunk.
const AnchorPreamble = "s0"

// SplitWith chunks d with the given bounds; the zero Config means
// DefaultConfig, so that whoever passes an unset Config (the search engine)
// gets the chunks, and anchors, that Split gives the document pages.
func SplitWith(cfg Config, d *kb.Document) []kb.Chunk {
	if cfg == (Config{}) {
		cfg = DefaultConfig
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultConfig.Max
	}
	if cfg.Min < 0 || cfg.Min >= cfg.Max {
		cfg.Min = cfg.Max / 5
	}
	if d.Type == kb.TypeFAQ {
		return []kb.Chunk{{ID: d.ID + "#" + AnchorFAQ, DocID: d.ID, Anchor: AnchorFAQ, Text: strings.TrimSpace(d.Body)}}
	}
	secs := sections(d.Body, strings.TrimSpace(d.Title))
	var out []kb.Chunk
	used := map[string]int{}
	add := func(anchor string, heading []string, text string) {
		if n := used[anchor]; n > 0 {
			used[anchor] = n + 1
			anchor = anchor + "-" + strconv.Itoa(n+1)
		} else {
			used[anchor] = 1
		}
		out = append(out, kb.Chunk{
			ID: d.ID + "#" + anchor, DocID: d.ID, Anchor: anchor,
			Heading: append([]string(nil), heading...), Text: text, Ord: len(out),
		})
	}
	var prev *section // the last section that produced a chunk
	for i := range secs {
		s := &secs[i]
		if i == 0 {
			// The title and the preamble form the first chunk.
			if t := strings.TrimSpace(d.Title); t != "" && (len(s.paras) == 0 || !strings.HasPrefix(s.paras[0], t)) {
				s.paras = append([]string{t}, s.paras...)
			}
		} else if len(s.paras) == 0 && (i+1 == len(secs) || !isPrefix(s.heading, secs[i+1].heading)) {
			// A heading with neither text nor subsections keeps its words.
			s.paras = []string{s.heading[len(s.heading)-1]}
		}
		if len(s.paras) == 0 {
			continue
		}
		text := strings.Join(s.paras, "\n")
		size := runes(text)
		if s.list && size < cfg.Min && prev != nil && len(out) > 0 {
			parent := s.heading[:len(s.heading)-1]
			last := &out[len(out)-1]
			if isPrefix(parent, prev.heading) && runes(last.Text)+1+size <= cfg.Max {
				last.Text += "\n" + text
				// The merged chunk now covers several items: its heading
				// path is their common parent.
				last.Heading = append([]string(nil), parent...)
				continue
			}
		}
		for j, piece := range pack(s.paras, cfg.Max) {
			anchor := s.anchor
			if j > 0 {
				anchor += "_" + strconv.Itoa(j+1)
			}
			add(anchor, s.heading, piece)
		}
		prev = s
	}
	return out
}

func samePath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isPrefix reports whether p is a prefix of path.
func isPrefix(p, path []string) bool {
	return len(p) <= len(path) && samePath(p, path[:len(p)])
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// section is the text under one heading.
type section struct {
	heading []string // path, outermost first
	anchor  string
	paras   []string
	list    bool // a list-level item (1. or (1)), mergeable when short
}

// Heading ranks: Markdown levels 1–6 come first; the numbering of official
// documents ranks below them in this fixed order.
const (
	rankBian    = 10 + iota // 第X编
	rankZhang               // 第X章
	rankJie                 // 第X节
	rankTiao                // 第X条
	rankCN                  // 一、
	rankParenCN             // (一)
	rankNum                 // 1.
	rankParenN              // (1)
)

type heading struct {
	rank  int
	title string // as shown in the heading path
	part  string // anchor component
	runIn bool   // the line continues with body text (keep it as a paragraph)
	// tight: a 第X编/章/节/条 written without a space before its text
	// (第二条本条例所称…, 第二章专利代理机构), as imported pages often are.
	// It is a heading only when it continues the numbering (see sections).
	tight bool
	num   int // the number of a 第X编/章/节/条
}

const cnDigits = "〇零一二三四五六七八九十百千两"

var (
	mdHeadingRe = regexp.MustCompile(`^(#{1,6})[ \t]+(.+?)[ \t#]*$`)
	zhStructRe  = regexp.MustCompile(`^第([` + cnDigits + `0-9]{1,7})([编章节条])(?:[\s　]+|$)(.*)$`)
	// zhTightRe is 第X条 etc. followed directly by text.
	zhTightRe = regexp.MustCompile(`^第([` + cnDigits + `0-9]{1,7})([编章节条])(.+)$`)
	// tightProse starts the text after 第X条 in a sentence that cites an
	// article rather than opening one (第三条规定的…, 第五条至第八条).
	tightProseRe = regexp.MustCompile(`^(规定|所规定|的|之|至|到|、|，|,|和|与|及|或|中|款|项|第)`)
	cnItemRe     = regexp.MustCompile(`^([` + cnDigits + `]{1,4})、[\s　]*(.*)$`)
	parenCNRe    = regexp.MustCompile(`^[(（]([` + cnDigits + `]{1,4})[)）][\s　]*(.*)$`)
	numItemRe    = regexp.MustCompile(`^([0-9]{1,3})(?:[.．][\s　]*|、[\s　]*)([^0-9].*)$`)
	parenNumRe   = regexp.MustCompile(`^[(（]([0-9]{1,3})[)）][\s　]*(.*)$`)
)

// maxTitle is the longest run-in heading kept whole in a heading path.
const maxTitle = 40

// runInTitle returns the heading of a numbered paragraph: the marker and the
// text up to the first sentence end, shortened when long.
func runInTitle(marker, rest string) (title string, more bool) {
	rest = strings.TrimSpace(rest)
	head := rest
	if cut := strings.IndexAny(rest, "。；;！？!?：:，,"); cut >= 0 {
		head = rest[:cut]
		more = true
	}
	if r := []rune(head); len(r) > maxTitle {
		head = string(r[:maxTitle/2]) + "…"
		more = true
	}
	return marker + head, more
}

// parseHeading recognises a heading line. md tells whether Markdown headings
// are allowed (they always are; the flag exists for clarity in tests).
func parseHeading(line string) (heading, bool) {
	if m := mdHeadingRe.FindStringSubmatch(line); m != nil {
		title := strings.TrimSpace(m[2])
		h := heading{rank: len(m[1]), title: title}
		// A numbered Markdown heading takes its anchor from its number.
		if inner, ok := parseNumbered(title); ok {
			h.part = inner.part
		}
		return h, true
	}
	return parseNumbered(line)
}

func parseNumbered(line string) (heading, bool) {
	m := zhStructRe.FindStringSubmatch(line)
	tight := false
	if m == nil {
		if m = zhTightRe.FindStringSubmatch(line); m != nil {
			tight = true
		}
	}
	if m != nil {
		n, ok := cnNumber(m[1])
		if !ok {
			return heading{}, false
		}
		marker := "第" + m[1] + m[2]
		rest := strings.TrimSpace(m[3])
		if tight && tightProseRe.MatchString(rest) {
			return heading{}, false
		}
		var h heading
		switch m[2] {
		case "条":
			// An article's heading is its number; its text is the body.
			h = heading{rank: rankTiao, title: marker, part: "a" + strconv.Itoa(n), runIn: rest != ""}
		case "编":
			h = heading{rank: rankBian, title: strings.TrimSpace(marker + " " + rest), part: "b" + strconv.Itoa(n)}
		case "章":
			h = heading{rank: rankZhang, title: strings.TrimSpace(marker + " " + rest), part: "c" + strconv.Itoa(n)}
		default:
			h = heading{rank: rankJie, title: strings.TrimSpace(marker + " " + rest), part: "j" + strconv.Itoa(n)}
		}
		if tight && h.rank != rankTiao && (runes(rest) > maxTitle || strings.ContainsAny(rest, "。，；：,;:！？!?")) {
			// A chapter heading is a short name, not a sentence.
			return heading{}, false
		}
		h.tight, h.num = tight, n
		return h, true
	}
	try := func(re *regexp.Regexp, rank int, marker func(string) string, num func(string) (int, bool)) (heading, bool) {
		m := re.FindStringSubmatch(line)
		if m == nil {
			return heading{}, false
		}
		n, ok := num(m[1])
		if !ok || strings.TrimSpace(m[2]) == "" {
			return heading{}, false
		}
		title, more := runInTitle(marker(m[1]), m[2])
		// List-level items are content even when they have no sentence end.
		return heading{rank: rank, title: title, part: strconv.Itoa(n), runIn: more || rank >= rankNum}, true
	}
	atoi := func(s string) (int, bool) { n, err := strconv.Atoi(s); return n, err == nil && n > 0 }
	if h, ok := try(cnItemRe, rankCN, func(s string) string { return s + "、" }, cnNumber); ok {
		return h, true
	}
	if h, ok := try(parenCNRe, rankParenCN, func(s string) string { return "（" + s + "）" }, cnNumber); ok {
		return h, true
	}
	if h, ok := try(numItemRe, rankNum, func(s string) string { return s + "." }, atoi); ok {
		return h, true
	}
	if h, ok := try(parenNumRe, rankParenN, func(s string) string { return "（" + s + "）" }, atoi); ok {
		return h, true
	}
	return heading{}, false
}

// cnNumber parses a Chinese (or Arabic) numeral up to the thousands:
// 一 3 十 十二 二十 二十一 一百零五 两千.
func cnNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, n > 0
	}
	digit := map[rune]int{'〇': 0, '零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	unit := map[rune]int{'十': 10, '百': 100, '千': 1000}
	total, cur := 0, -1
	for _, r := range s {
		if d, ok := digit[r]; ok {
			if cur > 0 {
				return 0, false // two digits in a row (一二)
			}
			cur = d
			continue
		}
		u, ok := unit[r]
		if !ok {
			return 0, false
		}
		if cur < 0 {
			cur = 1 // 十 = 一十
		}
		total += cur * u
		cur = -1
	}
	if cur > 0 {
		total += cur
	}
	return total, total > 0
}

// entry on the heading stack.
type level struct {
	rank  int
	title string
	part  string
}

// sections splits a Markdown body into sections by headings. The first
// section (possibly empty) is the preamble before any heading. A leading
// Markdown heading that repeats the title belongs to the preamble.
func sections(body, title string) []section {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	secs := []section{{anchor: AnchorPreamble}}
	var stack []level
	ordinal := map[string]int{} // parent anchor -> count of unnumbered headings
	// last holds the last number seen of each 第X编/章/节/条 rank: a heading
	// written without a space counts only when it continues the numbering.
	last := map[int]int{}
	cur := &secs[0]
	var para []string
	flush := func() {
		if len(para) > 0 {
			cur.paras = append(cur.paras, strings.Join(para, "\n"))
			para = nil
		}
	}
	inFence := false
	for _, raw := range strings.Split(body, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			inFence = !inFence
		}
		if inFence || line == "" {
			if line == "" {
				flush()
			} else {
				para = append(para, raw)
			}
			continue
		}
		if isRule(line) {
			flush()
			continue
		}
		line = plain(line)
		if line == "" {
			continue
		}
		h, ok := parseHeading(line)
		if ok && h.tight && h.num != 1 && h.num != last[h.rank]+1 {
			ok = false
		}
		if ok && h.num > 0 {
			last[h.rank] = h.num
			if h.rank != rankTiao {
				// Sections restart their numbering in each chapter;
				// articles run through the whole text.
				for r := h.rank + 1; r < rankTiao; r++ {
					delete(last, r)
				}
			}
		}
		if ok && len(secs) == 1 && len(stack) == 0 && h.rank <= 6 && title != "" && h.title == title {
			continue
		}
		if !ok {
			para = append(para, line)
			continue
		}
		flush()
		for len(stack) > 0 && stack[len(stack)-1].rank >= h.rank {
			stack = stack[:len(stack)-1]
		}
		parent := anchorOf(stack)
		if h.part == "" {
			ordinal[parent]++
			h.part = "h" + strconv.Itoa(ordinal[parent])
		}
		stack = append(stack, level{rank: h.rank, title: h.title, part: h.part})
		// Items under an article (第八条…应当具备下列条件：（一）…) enumerate
		// its conditions: they are list items, merged with the article when
		// short, not sections of their own.
		s := section{anchor: anchorOf(stack), list: h.rank >= rankNum || h.rank > rankTiao && underArticle(stack)}
		for _, l := range stack {
			s.heading = append(s.heading, l.title)
		}
		secs = append(secs, s)
		cur = &secs[len(secs)-1]
		if h.runIn {
			para = append(para, line)
		}
	}
	flush()
	return secs
}

// underArticle reports whether the innermost heading on the stack lies
// within a 第X条.
func underArticle(stack []level) bool {
	for _, l := range stack[:len(stack)-1] {
		if l.rank == rankTiao {
			return true
		}
	}
	return false
}

// plain strips the Markdown that would be noise in a chunk's text:
// blockquote markers and bold/italic markers around text.
func plain(line string) string {
	for strings.HasPrefix(line, ">") {
		line = strings.TrimSpace(strings.TrimPrefix(line, ">"))
	}
	if strings.Contains(line, "**") {
		line = strings.ReplaceAll(line, "**", "")
	}
	if strings.Contains(line, "__") {
		line = strings.ReplaceAll(line, "__", "")
	}
	return strings.TrimSpace(line)
}

func isRule(line string) bool {
	if len(line) < 3 {
		return false
	}
	return strings.Trim(line, "-") == "" || strings.Trim(line, "*") == "" || strings.Trim(line, "_") == ""
}

// anchorOf derives the anchor of the innermost heading on the stack: an
// article (第X条) is "a<n>" on its own, since article numbers run through a
// whole law; everything else joins the parts from the outermost level:
// 二、(一) → "s2-1", 第三章 → "sc3".
func anchorOf(stack []level) string {
	if len(stack) == 0 {
		return AnchorPreamble
	}
	start := 0
	for i, l := range stack {
		if l.rank == rankTiao {
			start = i
		}
	}
	parts := make([]string, 0, len(stack)-start)
	for _, l := range stack[start:] {
		parts = append(parts, l.part)
	}
	if stack[start].rank == rankTiao {
		return strings.Join(parts, "-")
	}
	return "s" + strings.Join(parts, "-")
}

// pack groups paragraphs into pieces of at most max runes, splitting long
// paragraphs at sentence ends.
func pack(paras []string, max int) []string {
	var units []string
	for _, p := range paras {
		if runes(p) <= max {
			units = append(units, p)
			continue
		}
		units = append(units, splitLong(p, max)...)
	}
	var out []string
	var cur strings.Builder
	n := 0
	for _, u := range units {
		un := runes(u)
		if n > 0 && n+1+un > max {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteString("\n")
			n++
		}
		cur.WriteString(u)
		n += un
	}
	if n > 0 {
		out = append(out, cur.String())
	}
	return out
}

// splitLong cuts a paragraph into pieces of at most max runes at sentence
// ends (。！？；!?;), or hard when a sentence is longer than max.
func splitLong(p string, max int) []string {
	var sentences []string
	start := 0
	rs := []rune(p)
	for i, r := range rs {
		switch r {
		case '。', '！', '？', '；', '!', '?', ';', '\n':
			// Keep closing quotes and brackets with their sentence.
			j := i + 1
			for j < len(rs) && strings.ContainsRune("”’」』）)】", rs[j]) {
				j++
			}
			if j > start {
				sentences = append(sentences, string(rs[start:j]))
				start = j
			}
		}
	}
	if start < len(rs) {
		sentences = append(sentences, string(rs[start:]))
	}
	var out []string
	var cur []rune
	for _, s := range sentences {
		sr := []rune(strings.TrimLeft(s, "\n"))
		for len(sr) > max {
			if len(cur) > 0 {
				out = append(out, string(cur))
				cur = nil
			}
			out = append(out, string(sr[:max]))
			sr = sr[max:]
		}
		if len(cur)+len(sr) > max {
			out = append(out, string(cur))
			cur = nil
		}
		cur = append(cur, sr...)
	}
	if len(cur) > 0 {
		out = append(out, string(cur))
	}
	kept := out[:0]
	for _, o := range out {
		if o = strings.TrimSpace(o); o != "" {
			kept = append(kept, o)
		}
	}
	return kept
}
