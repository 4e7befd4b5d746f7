package knowledge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/kb"
)

// entry is a loaded document or FAQ entry with the file line of each field,
// so that lint can point at the offending line.
type entry struct {
	doc   *kb.Document
	lines map[string]int // field name -> line in the file
}

func (e *entry) line(field string) int {
	if l, ok := e.lines[field]; ok && l > 0 {
		return l
	}
	return e.doc.Line
}

// idRe is the shape of an id: letters (any script), digits, '-', '_' and '.',
// starting with a letter or digit. Ids appear in URLs and citations.
var idRe = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._-]*$`)

// ValidID reports whether s is a well-formed id.
func ValidID(s string) bool { return len(s) <= 128 && idRe.MatchString(s) }

// resolve follows an alias node one step.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "" && n.Style == 0))
}

// scalarString returns a scalar's text.
func scalarString(n *yaml.Node) (string, error) {
	n = resolve(n)
	if isNull(n) {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("must be a single value, not a %s", kindName(n))
	}
	return strings.TrimSpace(n.Value), nil
}

// stringList accepts a scalar (one item, or comma-separated when split is
// true) or a sequence of scalars.
func stringList(n *yaml.Node, split bool) ([]string, error) {
	n = resolve(n)
	if isNull(n) {
		return nil, nil
	}
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if split {
			for _, p := range strings.FieldsFunc(n.Value, func(r rune) bool { return r == ',' || r == '，' || r == ';' || r == '；' }) {
				add(p)
			}
		} else {
			add(n.Value)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			c = resolve(c)
			if c.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("list items must be single values, not a %s", kindName(c))
			}
			add(c.Value)
		}
	default:
		return nil, fmt.Errorf("must be a value or a list, not a %s", kindName(n))
	}
	return out, nil
}

func boolValue(n *yaml.Node) (bool, error) {
	s, err := scalarString(n)
	if err != nil || s == "" {
		return false, err
	}
	switch strings.ToLower(s) {
	case "true", "yes", "y", "on", "是":
		return true, nil
	case "false", "no", "n", "off", "否":
		return false, nil
	}
	if b, err := strconv.ParseBool(s); err == nil {
		return b, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

func dateValue(n *yaml.Node) (time.Time, error) {
	s, err := scalarString(n)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	return ParseDate(s)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "value"
	}
	return "node"
}

// fieldSet says which keys a kind of record accepts.
type fieldSet map[string]bool

var (
	documentFields = fieldSet{
		"id": true, "type": true, "title": true, "doc_number": true, "issuer": true, "index_number": true,
		"published": true, "effective": true, "expires": true, "status": true, "replaces": true,
		"replaced_by": true, "interprets": true, "url": true, "department": true, "region": true,
		"tags": true, "sample": true,
	}
	faqEntryFields = fieldSet{
		"id": true, "question": true, "similar": true, "answer": true, "department": true, "sources": true,
		"url": true, "valid_until": true, "tags": true, "region": true, "sample": true, "status": true,
		"published": true,
	}
	faqHeaderFields = fieldSet{
		"title": true, "description": true, "department": true, "region": true, "sample": true,
		"sources": true, "tags": true, "url": true, "valid_until": true, "entries": true,
	}
)

// applyFields sets the document fields from a YAML mapping. offset is added
// to node lines to get file lines. Unknown keys (not in allowed) are warnings.
func applyFields(e *entry, m *yaml.Node, offset int, allowed fieldSet, pr *problems) {
	d := e.doc
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), m.Content[i+1]
		key := strings.TrimSpace(k.Value)
		line := k.Line + offset
		if !allowed[key] {
			pr.warnf(line, "unknown key %q (ignored)", key)
			continue
		}
		if seen[key] {
			pr.errorf(line, "key %q given twice", key)
			continue
		}
		seen[key] = true
		e.lines[key] = line
		var err error
		str := func(dst *string) {
			var s string
			if s, err = scalarString(v); err == nil {
				*dst = s
			}
		}
		date := func(dst *time.Time) {
			var t time.Time
			if t, err = dateValue(v); err == nil {
				*dst = t
			}
		}
		switch key {
		case "id":
			str(&d.ID)
		case "type":
			var s string
			if s, err = scalarString(v); err == nil {
				d.Type = kb.Type(s)
			}
		case "title", "question":
			str(&d.Title)
		case "answer":
			str(&d.Body)
		case "doc_number":
			str(&d.DocNumber)
		case "issuer":
			str(&d.Issuer)
		case "index_number":
			str(&d.IndexNo)
		case "published":
			date(&d.Published)
		case "effective":
			date(&d.Effective)
		case "expires", "valid_until":
			date(&d.Expires)
		case "status":
			var s string
			if s, err = scalarString(v); err == nil {
				d.Status = kb.Status(s)
			}
		case "replaces":
			d.Replaces, err = stringList(v, true)
		case "replaced_by":
			d.ReplacedBy, err = stringList(v, true)
		case "interprets":
			str(&d.Interprets)
		case "url":
			str(&d.URL)
		case "department":
			str(&d.Department)
		case "region":
			str(&d.Region)
		case "tags":
			d.Tags, err = stringList(v, true)
		case "sample":
			d.Sample, err = boolValue(v)
		case "similar":
			d.Similar, err = stringList(v, false)
		case "sources":
			d.Sources, err = stringList(v, true)
		}
		if err != nil {
			pr.errorf(resolve(v).Line+offset, "%s: %v", key, err)
		}
	}
	// The answer keeps its line breaks but not surrounding blank lines.
	d.Body = strings.TrimSpace(d.Body)
}
