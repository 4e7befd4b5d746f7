package importer

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

// contentIDs are ids and classes of the element holding the article text on
// Chinese government sites, most specific first.
var contentIDs = []string{
	"UCAP-CONTENT", "zoom", "Zoom", "TRS_Editor", "pages_content", "xxgk_content", "zwgk_content",
	"article-content", "article_content", "articleContent", "art_content", "detail-content", "detail_content",
	"news_content", "main-content", "content", "article", "con", "detail", "text",
}

// ParseHTML extracts a document from a government web page: the body text
// (as Markdown paragraphs, headings and table rows), the title and, where the
// page states them, 文号, 发文机关, 成文/发布日期, 索引号 and the page URL.
func ParseHTML(data []byte) (*kb.Document, error) {
	text, _, err := DecodeText(data)
	if err != nil {
		return nil, err
	}
	return parseHTMLString(text)
}

func parseHTMLString(text string) (*kb.Document, error) {
	root, err := html.ParseWithOptions(strings.NewReader(text), html.ParseOptionEnableScripting(false))
	if err != nil {
		return nil, fmt.Errorf("html: %w", err)
	}
	d := &kb.Document{Type: kb.TypePolicy}
	size := textSizes(root)
	meta := map[string]string{}
	metaTags := map[string]string{}
	var pageTitle, canonical string
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe:
			return false
		case atom.Title:
			if pageTitle == "" {
				pageTitle = cleanLine(textOf(n))
			}
		case atom.Meta:
			name := strings.ToLower(attr(n, "name") + attr(n, "property"))
			if c := strings.TrimSpace(attr(n, "content")); name != "" && c != "" {
				metaTags[name] = c
			}
		case atom.Link:
			if strings.EqualFold(attr(n, "rel"), "canonical") {
				canonical = attr(n, "href")
			}
		}
		// A label cell ("发文字号：") followed by its value cell.
		if isLabelElement(n) && size[n] <= 120 {
			t := textOf(n)
			if f := labelOf(t); f != "" {
				if v := valueAfter(n, size); v != "" && meta[f] == "" && labelOf(v) == "" {
					meta[f] = v
				}
				return false
			}
			if !hasBlockChild(n) {
				if m, whole := labelledLine(cleanLine(t)); whole {
					for k, v := range m {
						if meta[k] == "" {
							meta[k] = v
						}
					}
				}
			}
		}
		return true
	})
	// Standard meta tags of Chinese government sites.
	for k, f := range map[string]string{"articletitle": fTitle, "pubdate": fPublished, "contentsource": fIssuer, "firstpublishedtime": fPublished} {
		if v := metaTags[k]; v != "" && meta[f] == "" {
			if f == fPublished && len(v) >= 10 {
				v = v[:10]
			}
			meta[f] = v
		}
	}
	applyMeta(d, meta)

	content := findContent(root, size)
	var lines []string
	if content != nil {
		lines = blockLines(content)
	}
	if d.Title == "" {
		for _, l := range lines {
			if strings.HasPrefix(l, "# ") {
				d.Title = strings.TrimPrefix(l, "# ")
				break
			}
		}
	}
	if d.Title == "" {
		d.Title = cleanPageTitle(pageTitle)
	}
	lines = dropTitleLines(lines, d.Title)
	body := analyse(d, lines)
	d.Body = linesToMarkdown(body)
	if d.URL == "" {
		d.URL = pageURL(root, canonical, metaTags["og:url"])
	}
	if strings.TrimSpace(d.Body) == "" && d.Title == "" {
		return nil, fmt.Errorf("html: no text found")
	}
	return d, nil
}

// textSizes counts the non-space runes of text under every node in one
// pass, so that no step needs to re-read large subtrees.
func textSizes(root *html.Node) map[*html.Node]int {
	size := map[*html.Node]int{}
	type item struct {
		n    *html.Node
		exit bool
	}
	stack := []item{{n: root}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.n
		if it.exit {
			if n.Parent != nil {
				size[n.Parent] += size[n]
			}
			continue
		}
		if n.Type == html.ElementNode && skipElement(n) {
			continue
		}
		if n.Type == html.TextNode {
			size[n] = utf8.RuneCountInString(squash(n.Data))
		}
		stack = append(stack, item{n: n, exit: true})
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, item{n: c})
		}
	}
	return size
}

func walk(n *html.Node, fn func(*html.Node) bool) {
	// Iterative to survive deeply nested hostile input.
	stack := []*html.Node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !fn(n) {
			continue
		}
		var kids []*html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			kids = append(kids, c)
		}
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func skipElement(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Select, atom.Button, atom.Input, atom.Textarea:
		return true
	}
	return false
}

// textOf is the text of n without markup.
func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		if c.Type == html.ElementNode && skipElement(c) {
			return false
		}
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
		return true
	})
	return b.String()
}

func isLabelElement(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Td, atom.Th, atom.Dt, atom.Dd, atom.Span, atom.B, atom.Strong, atom.Label, atom.Li, atom.P, atom.Div, atom.Em, atom.Font:
		return true
	}
	return false
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && isBlock(c) {
			return true
		}
	}
	return false
}

// valueAfter returns the text of the element following a label element,
// looking at the label's ancestors when it is the last child (<td><b>文号：</b></td><td>…</td>).
func valueAfter(n *html.Node, size map[*html.Node]int) string {
	for up := 0; n != nil && up < 3; up++ {
		for s := n.NextSibling; s != nil; s = s.NextSibling {
			switch s.Type {
			case html.TextNode:
				if t := cleanLine(s.Data); t != "" {
					return t
				}
			case html.ElementNode:
				if size[s] > 300 {
					return ""
				}
				return cleanLine(textOf(s))
			}
		}
		n = n.Parent
		if n != nil && (n.DataAtom == atom.Tr || n.DataAtom == atom.Table || n.DataAtom == atom.Body) {
			break
		}
	}
	return ""
}

func classes(n *html.Node) []string {
	return append(strings.Fields(attr(n, "class")), attr(n, "id"))
}

// findContent returns the element holding the article text: a known content
// id or class, else the element with the most paragraph text.
func findContent(root *html.Node, size map[*html.Node]int) *html.Node {
	var body *html.Node
	found := map[string]*html.Node{}
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		if skipElement(n) {
			return false
		}
		if n.DataAtom == atom.Body && body == nil {
			body = n
		}
		for _, c := range classes(n) {
			if c != "" && found[c] == nil {
				found[c] = n
			}
		}
		return true
	})
	for _, id := range contentIDs {
		if n := found[id]; n != nil && size[n] >= 20 {
			return n
		}
	}
	// The element whose direct paragraphs hold the most text.
	var best *html.Node
	bestScore := 0
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode || skipElement(n) {
			return n.Type != html.ElementNode || !skipElement(n)
		}
		score := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.DataAtom == atom.P || c.DataAtom == atom.Div && !hasBlockChild(c)) {
				score += size[c]
			}
		}
		if score > bestScore {
			best, bestScore = n, score
		}
		return true
	})
	if best != nil && bestScore >= 50 {
		return best
	}
	return body
}

func isBlock(n *html.Node) bool {
	switch n.DataAtom {
	case atom.P, atom.Div, atom.Br, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.Table, atom.Tbody, atom.Thead, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Section, atom.Article, atom.Blockquote, atom.Pre, atom.Dl, atom.Dt, atom.Dd, atom.Hr,
		atom.Center, atom.Header, atom.Footer, atom.Form, atom.Caption:
		return true
	}
	return false
}

// blockLines renders the element as lines: block elements and <br> break
// lines, headings become Markdown headings, table rows "cell | cell".
func blockLines(n *html.Node) []string {
	var lines []string
	var cur strings.Builder
	flush := func(prefix string) {
		if l := cleanLine(cur.String()); l != "" {
			lines = append(lines, prefix+l)
		}
		cur.Reset()
	}
	type item struct {
		n    *html.Node
		exit bool
	}
	stack := []item{{n: n}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c := it.n
		if it.exit {
			switch c.DataAtom {
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				level := int(c.Data[1] - '0')
				flush(strings.Repeat("#", level) + " ")
			case atom.Td, atom.Th:
				cur.WriteString(" | ")
			case atom.Tr:
				l := strings.TrimSuffix(strings.TrimSpace(cleanLine(cur.String())), "|")
				cur.Reset()
				cur.WriteString(strings.TrimSpace(l))
				flush("")
			default:
				flush("")
			}
			continue
		}
		switch c.Type {
		case html.TextNode:
			cur.WriteString(c.Data)
			continue
		case html.ElementNode:
			if skipElement(c) {
				continue
			}
			if c.DataAtom == atom.Br {
				flush("")
				continue
			}
			if c.DataAtom == atom.Img {
				if alt := strings.TrimSpace(attr(c, "alt")); alt != "" {
					cur.WriteString(alt)
				}
				continue
			}
			if isBlock(c) || c.DataAtom == atom.Td || c.DataAtom == atom.Th {
				if c.DataAtom != atom.Td && c.DataAtom != atom.Th {
					flush("")
				}
				stack = append(stack, item{n: c, exit: true})
			}
		case html.DocumentNode:
		default:
			continue
		}
		var kids []*html.Node
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			kids = append(kids, k)
		}
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, item{n: kids[i]})
		}
	}
	flush("")
	return lines
}

// cleanPageTitle drops the site name from a <title> (标题_中国政府网).
func cleanPageTitle(t string) string {
	for _, sep := range []string{"_", " - ", "—", "|", "－"} {
		if i := strings.Index(t, sep); i > 0 {
			t = t[:i]
		}
	}
	return strings.TrimSpace(t)
}

// dropTitleLines removes the leading lines that repeat the title (often split
// over several lines with <br>), since the title is kept in the front matter.
func dropTitleLines(lines []string, title string) []string {
	want := squash(strings.TrimLeft(title, "# "))
	if want == "" {
		return lines
	}
	got := ""
	for i, l := range lines {
		if i >= 6 {
			break
		}
		got += squash(strings.TrimLeft(l, "# "))
		if got == want {
			return lines[i+1:]
		}
		if !strings.HasPrefix(want, got) {
			break
		}
	}
	return lines
}

// pageURL finds the page's own address: a canonical link, og:url, or the
// print link of gov.cn pages (<a href="/zhengce/…/content_N.htm#" onclick="window.print()">)
// resolved against the site's absolute links.
func pageURL(root *html.Node, canonical, og string) string {
	for _, u := range []string{canonical, og} {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
			return p.String()
		}
	}
	var self string
	hosts := map[string]string{} // first path segment -> scheme://host
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		for _, key := range []string{"href", "src"} {
			v := strings.TrimSpace(attr(n, key))
			if v == "" {
				continue
			}
			if p, err := url.Parse(v); err == nil {
				if p.IsAbs() && p.Host != "" && (p.Scheme == "http" || p.Scheme == "https") {
					seg := firstSegment(p.Path)
					if _, ok := hosts[seg]; !ok {
						hosts[seg] = p.Scheme + "://" + p.Host
					}
				}
			}
		}
		if n.DataAtom == atom.A && self == "" && strings.Contains(attr(n, "onclick"), "print(") {
			self = attr(n, "href")
		}
		return true
	})
	if self == "" {
		return ""
	}
	p, err := url.Parse(self)
	if err != nil || p.Path == "" {
		return ""
	}
	p.Fragment = ""
	if p.IsAbs() {
		return p.String()
	}
	if !strings.HasPrefix(p.Path, "/") {
		return ""
	}
	base, ok := hosts[firstSegment(p.Path)]
	if !ok {
		return ""
	}
	return base + p.Path
}

func firstSegment(p string) string {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

var _ = knowledge.ParseDate
