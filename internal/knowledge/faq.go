package knowledge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/kb"
)

// faqDefaults are the file-level values every entry of a FAQ file inherits.
type faqDefaults struct {
	department, region, url string
	sample                  bool
	sources, tags           []string
	validUntil              time.Time
}

func (f *faqDefaults) apply(e *entry) {
	d := e.doc
	set := func(field string) bool { _, ok := e.lines[field]; return !ok }
	if set("department") {
		d.Department = f.department
	}
	if set("region") {
		d.Region = f.region
	}
	if set("url") {
		d.URL = f.url
	}
	if set("sample") {
		d.Sample = f.sample
	}
	if set("sources") {
		d.Sources = append([]string(nil), f.sources...)
	}
	if set("tags") {
		d.Tags = append([]string(nil), f.tags...)
	}
	if set("valid_until") {
		d.Expires = f.validUntil
	}
}

// parseFAQYAML reads a FAQ file: a mapping with file-level defaults and an
// entries list, or a bare list of entries.
func parseFAQYAML(path, src string, pr *problems) []*entry {
	src = strings.TrimPrefix(src, "\ufeff")
	root, err := parseYAML(src)
	if err != nil {
		line, msg := yamlError(err, 0)
		pr.errorf(line, "%s", msg)
		return nil
	}
	if root == nil {
		pr.warnf(0, "empty FAQ file")
		return nil
	}
	var def faqDefaults
	var list *yaml.Node
	switch root.Kind {
	case yaml.SequenceNode:
		list = root
	case yaml.MappingNode:
		hdr := &entry{doc: &kb.Document{}, lines: map[string]int{}}
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "entries" {
				list = resolve(root.Content[i+1])
			}
		}
		applyFields(hdr, root, 0, faqHeaderFields, pr)
		def = faqDefaults{
			department: hdr.doc.Department, region: hdr.doc.Region, url: hdr.doc.URL, sample: hdr.doc.Sample,
			sources: hdr.doc.Sources, tags: hdr.doc.Tags, validUntil: hdr.doc.Expires,
		}
		if list == nil || isNull(list) {
			pr.errorf(root.Line, "FAQ file has no entries: list")
			return nil
		}
		if list.Kind != yaml.SequenceNode {
			pr.errorf(list.Line, "entries must be a list")
			return nil
		}
	default:
		pr.errorf(root.Line, "a FAQ file must be a mapping with an entries: list")
		return nil
	}
	var out []*entry
	for _, n := range list.Content {
		n = resolve(n)
		if n.Kind != yaml.MappingNode {
			pr.errorf(n.Line, "a FAQ entry must be a mapping (id: …, question: …, answer: …)")
			continue
		}
		e := &entry{doc: &kb.Document{Type: kb.TypeFAQ, Path: path, Line: n.Line}, lines: map[string]int{}}
		applyFields(e, n, 0, faqEntryFields, pr)
		def.apply(e)
		out = append(out, e)
	}
	return out
}

// parseFAQJSONL reads a FAQ file with one JSON object per line using the same
// keys as a YAML entry.
func parseFAQJSONL(path, src string, pr *problems) []*entry {
	var out []*entry
	sc := bufio.NewScanner(strings.NewReader(strings.TrimPrefix(src, "\ufeff")))
	sc.Buffer(make([]byte, 0, 64<<10), MaxFileSize)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "//") {
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(text), &obj); err != nil {
			pr.errorf(line, "invalid JSON: %v", err)
			continue
		}
		// Re-encode through YAML so that both formats share one field decoder.
		node, err := jsonToNode(obj, line)
		if err != nil {
			pr.errorf(line, "%v", err)
			continue
		}
		e := &entry{doc: &kb.Document{Type: kb.TypeFAQ, Path: path, Line: line}, lines: map[string]int{}}
		applyFields(e, node, 0, faqEntryFields, pr)
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		pr.errorf(line+1, "reading: %v", err)
	}
	return out
}

// jsonToNode builds a YAML mapping node from a decoded JSON object; every
// node gets the given line.
func jsonToNode(obj map[string]any, line int) (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode, Line: line}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		v, err := valueNode(obj[k], line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k, Line: line}, v)
	}
	return m, nil
}

func valueNode(v any, line int) (*yaml.Node, error) {
	switch x := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: line}, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x, Style: yaml.DoubleQuotedStyle, Line: line}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(x), Line: line}, nil
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: formatNumber(x), Line: line}, nil
	case []any:
		s := &yaml.Node{Kind: yaml.SequenceNode, Line: line}
		for _, it := range x {
			c, err := valueNode(it, line)
			if err != nil {
				return nil, err
			}
			if c.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("nested lists or objects are not allowed")
			}
			s.Content = append(s.Content, c)
		}
		return s, nil
	}
	return nil, fmt.Errorf("objects are not allowed as values")
}

func formatNumber(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(f)
}
