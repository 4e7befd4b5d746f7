package importer

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

type yamlMap struct{ n *yaml.Node }

func newMap() *yamlMap { return &yamlMap{n: &yaml.Node{Kind: yaml.MappingNode}} }

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func (m *yamlMap) str(k, v string) {
	if v = strings.TrimSpace(v); v != "" {
		m.n.Content = append(m.n.Content, scalar(k), scalar(v))
	}
}

func (m *yamlMap) text(k, v string) {
	v = tidyText(v)
	if v == "" {
		return
	}
	n := scalar(v)
	if strings.Contains(v, "\n") {
		n.Style = yaml.LiteralStyle
	}
	m.n.Content = append(m.n.Content, scalar(k), n)
}

func (m *yamlMap) date(k string, t time.Time) { m.str(k, knowledge.FormatDate(t)) }

func (m *yamlMap) list(k string, vs []string, flow bool) {
	if len(vs) == 0 {
		return
	}
	s := &yaml.Node{Kind: yaml.SequenceNode}
	if flow {
		s.Style = yaml.FlowStyle
	}
	for _, v := range vs {
		s.Content = append(s.Content, scalar(cleanLine(v)))
	}
	m.n.Content = append(m.n.Content, scalar(k), s)
}

func (m *yamlMap) boolean(k string, b bool) {
	if b {
		m.n.Content = append(m.n.Content, scalar(k), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
}

// tidyText trims trailing spaces on every line (so that YAML can use the
// literal block style) and surrounding blank lines.
func tidyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\u3000")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func encodeYAML(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	return b.Bytes(), nil
}

// RenderDocument writes d as a Markdown document with YAML front matter.
func RenderDocument(d *kb.Document) ([]byte, error) {
	m := newMap()
	m.str("id", d.ID)
	m.str("type", string(d.Type))
	m.str("title", cleanLine(d.Title))
	m.str("doc_number", d.DocNumber)
	m.str("issuer", d.Issuer)
	m.str("index_number", d.IndexNo)
	m.date("published", d.Published)
	m.date("effective", d.Effective)
	m.date("expires", d.Expires)
	m.str("status", string(d.Status))
	m.list("replaces", d.Replaces, true)
	m.list("replaced_by", d.ReplacedBy, true)
	m.str("interprets", d.Interprets)
	m.str("url", d.URL)
	m.str("department", d.Department)
	m.str("region", d.Region)
	m.list("tags", d.Tags, true)
	m.boolean("sample", d.Sample)
	fm, err := encodeYAML(m.n)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	b.Write(fm)
	b.WriteString("---\n\n")
	if body := tidyText(d.Body); body != "" {
		b.WriteString(body)
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}

// FAQHeader is the file-level part of a FAQ file written by import.
type FAQHeader struct {
	Title  string
	Source string // the imported file, noted in a comment
	Sample bool
}

// RenderFAQ writes entries as a FAQ file. Every entry carries its own fields
// (no file-level defaults), so entries can be moved between files.
func RenderFAQ(h FAQHeader, entries []*kb.Document) ([]byte, error) {
	root := newMap()
	root.str("title", h.Title)
	root.boolean("sample", h.Sample)
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, e := range entries {
		m := newMap()
		m.str("id", e.ID)
		m.str("question", cleanLine(e.Title))
		m.list("similar", e.Similar, false)
		m.text("answer", e.Body)
		m.str("department", e.Department)
		m.list("sources", e.Sources, true)
		m.str("url", e.URL)
		m.date("valid_until", e.Expires)
		m.str("status", string(e.Status))
		m.str("region", e.Region)
		m.list("tags", e.Tags, true)
		if e.Sample && !h.Sample {
			m.boolean("sample", true)
		}
		list.Content = append(list.Content, m.n)
	}
	root.n.Content = append(root.n.Content, scalar("entries"), list)
	body, err := encodeYAML(root.n)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# FAQ file written by govchat import")
	if h.Source != "" {
		b.WriteString(" from " + strings.ReplaceAll(h.Source, "\n", " "))
	}
	b.WriteString(".\n# Review the entries; re-importing the source updates them by id.\n")
	b.Write(body)
	return b.Bytes(), nil
}
