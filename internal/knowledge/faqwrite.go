package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/kb"
)

// ReviewedFAQFile is where approved new FAQ entries are written, relative to
// the knowledge directory.
const ReviewedFAQFile = "faq/reviewed.yaml"

// reviewedHeader opens a new ReviewedFAQFile.
const reviewedHeader = `# 经“知识审核”采纳的常见问题：govchat 在管理员采纳后写入本文件（回应关切、坐席提议）。
# Entries approved in the review list (/agent/review). Edit, move or remove them like any FAQ file.
title: 审核采纳的常见问题
entries: []
`

// WriteFAQEntry writes e (id, question as Title, Similar, answer as Body,
// Department, Sources) into the FAQ file rel under dir: the entry with the
// same id is updated in place — its other fields (url, valid_until, tags …)
// and the file's comments and defaults kept — or the entry is appended; a
// missing ReviewedFAQFile is created. The file is replaced atomically, and
// only after the new content loads without errors. It returns whether the
// entry is new to the file.
func WriteFAQEntry(dir, rel string, e *kb.Document) (bool, error) {
	if e == nil || !ValidID(e.ID) {
		return false, errors.New("knowledge: a FAQ entry needs a valid id")
	}
	if strings.TrimSpace(e.Title) == "" || strings.TrimSpace(e.Body) == "" {
		return false, errors.New("knowledge: a FAQ entry needs a question and an answer")
	}
	rel = filepath.ToSlash(filepath.Clean(rel))
	if strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) || !strings.HasSuffix(rel, ".yaml") && !strings.HasSuffix(rel, ".yml") {
		return false, fmt.Errorf("knowledge: %s is not a FAQ file inside the knowledge directory", rel)
	}
	full := filepath.Join(dir, filepath.FromSlash(rel))
	src, err := os.ReadFile(full)
	switch {
	case errors.Is(err, os.ErrNotExist):
		src = []byte(reviewedHeader)
	case err != nil:
		return false, fmt.Errorf("knowledge: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return false, fmt.Errorf("knowledge: %s: %w", rel, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return false, fmt.Errorf("knowledge: %s is empty", rel)
	}
	root := doc.Content[0]
	var list *yaml.Node
	switch root.Kind {
	case yaml.SequenceNode:
		list = root
	case yaml.MappingNode:
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "entries" {
				list = root.Content[i+1]
			}
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return false, fmt.Errorf("knowledge: %s has no entries: list", rel)
	}
	list.Style = 0 // a block list, also when it was written []
	var target *yaml.Node
	for _, n := range list.Content {
		if n.Kind == yaml.MappingNode && mapValue(n, "id") == e.ID {
			target = n
		}
	}
	created := target == nil
	if created {
		target = &yaml.Node{Kind: yaml.MappingNode}
		setScalar(target, "id", e.ID, 0)
		list.Content = append(list.Content, target)
	}
	setScalar(target, "question", oneLine(e.Title), 0)
	setList(target, "similar", e.Similar, false)
	setScalar(target, "answer", tidy(e.Body), yaml.LiteralStyle)
	setScalar(target, "department", strings.TrimSpace(e.Department), 0)
	setList(target, "sources", e.Sources, true)

	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return false, fmt.Errorf("knowledge: %s: %w", rel, err)
	}
	enc.Close()
	out := b.Bytes()
	back, probs := ParseFAQ(rel, string(out))
	if HasErrors(probs) {
		return false, fmt.Errorf("knowledge: %s would not load: %v", rel, probs)
	}
	found := false
	for _, d := range back {
		found = found || d.ID == e.ID
	}
	if !found {
		return false, fmt.Errorf("knowledge: %s: the entry %s was not written", rel, e.ID)
	}
	return created, writeAtomic(full, out)
}

func mapValue(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1].Value
		}
	}
	return ""
}

// set puts value under key in the mapping m (in place, or appended); a nil
// value removes the key.
func set(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			if value == nil {
				m.Content = append(m.Content[:i], m.Content[i+2:]...)
				return
			}
			value.HeadComment, value.LineComment = m.Content[i+1].HeadComment, m.Content[i+1].LineComment
			m.Content[i+1] = value
			return
		}
	}
	if value != nil {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	}
}

func setScalar(m *yaml.Node, key, v string, style yaml.Style) {
	if v == "" {
		set(m, key, nil)
		return
	}
	set(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: style})
}

func setList(m *yaml.Node, key string, vs []string, flow bool) {
	var items []*yaml.Node
	for _, v := range vs {
		if v = oneLine(v); v != "" {
			items = append(items, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
	}
	if len(items) == 0 {
		set(m, key, nil)
		return
	}
	n := &yaml.Node{Kind: yaml.SequenceNode, Content: items}
	if flow {
		n.Style = yaml.FlowStyle
	}
	set(m, key, n)
}

// oneLine collapses white space (line breaks included) into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// tidy trims every line's trailing spaces (so that the literal block style
// can hold the text) and the text's surrounding blank lines.
func tidy(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\u3000")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// writeAtomic replaces path with data: a temporary file beside it, synced,
// then renamed over it.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".faq-*")
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("knowledge: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("knowledge: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	mode := os.FileMode(0o644) // a file replaced keeps its permissions
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
