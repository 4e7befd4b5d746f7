package knowledge

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/kb"
)

// maxFrontMatter bounds the front matter so that hostile files cannot make
// the YAML parser work for long.
const maxFrontMatter = 64 << 10

// FrontMatter is a Markdown file split into its YAML front matter and body.
type FrontMatter struct {
	YAML     string // the text between the --- lines ("" when absent)
	YAMLLine int    // file line of the first YAML line (0 when absent)
	Body     string // the text after the closing --- line
	BodyLine int    // file line of the first body line
}

var errNoFrontMatter = errors.New("no front matter (the file must start with a line ---)")

// SplitFrontMatter separates the YAML front matter of a Markdown file from its
// body. The file must start with a line "---" (a UTF-8 byte order mark and
// CRLF line ends are accepted); the front matter ends at the next line "---"
// or "...".
func SplitFrontMatter(src string) (FrontMatter, error) {
	src = strings.TrimPrefix(src, "\ufeff")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	first, rest, ok := strings.Cut(src, "\n")
	if strings.TrimRight(first, " \t\r") != "---" {
		return FrontMatter{Body: src, BodyLine: 1}, errNoFrontMatter
	}
	if !ok {
		return FrontMatter{}, errors.New("front matter is not closed by a line ---")
	}
	line := 2
	pos := 0
	for pos <= len(rest) {
		end := strings.IndexByte(rest[pos:], '\n')
		var l string
		if end < 0 {
			l = rest[pos:]
		} else {
			l = rest[pos : pos+end]
		}
		if t := strings.TrimRight(l, " \t\r"); t == "---" || t == "..." {
			fm := FrontMatter{YAML: rest[:pos], YAMLLine: 2, BodyLine: line + 1}
			if end >= 0 {
				fm.Body = rest[pos+end+1:]
			}
			return fm, nil
		}
		if end < 0 {
			break
		}
		pos += end + 1
		line++
		if pos > maxFrontMatter {
			return FrontMatter{}, fmt.Errorf("front matter longer than %d KiB or not closed by a line ---", maxFrontMatter>>10)
		}
	}
	return FrontMatter{}, errors.New("front matter is not closed by a line ---")
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

// yamlError rewrites the line numbers in a yaml error to file lines.
func yamlError(err error, offset int) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRe.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = n + offset
		msg = msg[:m[0]] + "line " + strconv.Itoa(line) + msg[m[1]:]
	}
	return line, "invalid YAML: " + msg
}

// parseYAML parses src into a node, never panicking.
func parseYAML(src string) (n *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failed: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, err
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0], nil
	}
	return nil, nil
}

// typeForDir infers a document's type from its top-level directory when the
// front matter does not give one.
var typeForDir = map[string]kb.Type{
	"policies": kb.TypePolicy, "interpretations": kb.TypeInterpretation, "guides": kb.TypeGuide,
}

// parseDocument reads one Markdown document. It returns nil when the file
// cannot yield a document.
func parseDocument(path, src string, pr *problems) *entry {
	fm, err := SplitFrontMatter(src)
	if err != nil {
		pr.errorf(1, "%v", err)
		return nil
	}
	offset := fm.YAMLLine - 1
	root, err := parseYAML(fm.YAML)
	if err != nil {
		line, msg := yamlError(err, offset)
		if line == 0 {
			line = fm.YAMLLine
		}
		pr.errorf(line, "%s", msg)
		return nil
	}
	if root == nil || root.Kind != yaml.MappingNode {
		pr.errorf(fm.YAMLLine, "front matter must be a YAML mapping of fields (id: …, title: …)")
		return nil
	}
	e := &entry{doc: &kb.Document{Path: path, Line: 1}, lines: map[string]int{}}
	applyFields(e, root, offset, documentFields, pr)
	d := e.doc
	if d.Type == "" {
		top, _, _ := strings.Cut(path, "/")
		d.Type = typeForDir[top]
	}
	d.Body = strings.TrimSpace(fm.Body)
	e.lines["body"] = fm.BodyLine
	if d.Type == kb.TypeFAQ {
		pr.errorf(e.line("type"), "type faq belongs in a FAQ file (faq/*.yaml), not a Markdown document")
	}
	return e
}
