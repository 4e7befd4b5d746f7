package knowledge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
)

// ErrSimilarExists: the wording is already the entry's question or one of
// its similar questions.
var ErrSimilarExists = errors.New("knowledge: the entry already has this wording")

// AddSimilar adds wording to the similar questions (相似问) of the FAQ entry
// with the id in the FAQ file at path, as a reviewer would: one new line in
// the entry's similar: list (the list is created under its question when
// the entry has none), the rest of the file byte for byte as it was, so the
// change is one readable line in a diff. A JSONL file gets that entry's line
// rewritten. The file is replaced atomically, and only once the result
// parses with the wording in place.
func AddSimilar(path, id, wording string) error {
	wording = strings.TrimSpace(wording)
	if wording == "" || strings.ContainsAny(wording, "\r\n") {
		return fmt.Errorf("knowledge: add similar: the wording must be one non-empty line")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("knowledge: add similar: %w", err)
	}
	docs, _ := ParseFAQ(path, string(src))
	i := slices.IndexFunc(docs, func(d *kb.Document) bool { return d.ID == id })
	if i < 0 {
		return fmt.Errorf("knowledge: add similar: no FAQ entry %q in %s", id, path)
	}
	key := textnorm.Key(wording)
	for _, s := range append([]string{docs[i].Title}, docs[i].Similar...) {
		if textnorm.Key(s) == key {
			return ErrSimilarExists
		}
	}
	var out []byte
	if strings.EqualFold(filepath.Ext(path), ".jsonl") {
		out, err = addSimilarJSONL(src, id, wording)
	} else {
		out, err = addSimilarYAML(src, id, wording)
	}
	if err != nil {
		return fmt.Errorf("knowledge: add similar to %s: %w", path, err)
	}
	after, probs := ParseFAQ(path, string(out))
	j := slices.IndexFunc(after, func(d *kb.Document) bool { return d.ID == id })
	if j < 0 || !slices.Contains(after[j].Similar, wording) || len(after) != len(docs) || HasErrors(probs) {
		return fmt.Errorf("knowledge: add similar to %s: the edited file does not read back as expected; edit it by hand", path)
	}
	return writeAtomic(path, out)
}

// addSimilarYAML inserts the wording into the entry's similar list.
func addSimilarYAML(src []byte, id, wording string) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, err
	}
	entry, next := findEntry(&root, id)
	if entry == nil {
		return nil, fmt.Errorf("no entry %q", id)
	}
	lines := strings.SplitAfter(string(src), "\n")
	item, err := yamlScalar(wording)
	if err != nil {
		return nil, err
	}
	// end returns the index (0-based) of the line after the value that
	// starts the mapping pair at k, not counting trailing blank and
	// comment lines.
	end := func(k int) int {
		stop := len(lines)
		if k+2 < len(entry.Content) {
			stop = entry.Content[k+2].Line - 1
		} else if next > 0 {
			stop = next - 1
		}
		for stop > entry.Content[k].Line {
			t := strings.TrimSpace(lines[stop-1])
			if t != "" && !strings.HasPrefix(t, "#") {
				break
			}
			stop--
		}
		return stop
	}
	insert := func(at int, text string) []byte {
		out := slices.Clone(lines[:at])
		if at > 0 && !strings.HasSuffix(out[at-1], "\n") {
			out[at-1] += "\n"
		}
		out = append(out, text)
		out = append(out, lines[at:]...)
		return []byte(strings.Join(out, ""))
	}
	for k := 0; k+1 < len(entry.Content); k += 2 {
		if entry.Content[k].Value != "similar" {
			continue
		}
		v := entry.Content[k+1]
		switch {
		case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0:
			indent := strings.Repeat(" ", v.Content[0].Column-3)
			return insert(end(k), indent+"- "+item+"\n"), nil
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			indent := strings.Repeat(" ", entry.Content[k].Column-1)
			return insert(end(k), indent+"  - "+item+"\n"), nil
		case v.Kind == yaml.SequenceNode && v.Line == entry.Content[k].Line && end(k) == v.Line:
			// similar: [a, b] on one line: rewrite the line as a block list.
			indent := strings.Repeat(" ", entry.Content[k].Column-1)
			var b strings.Builder
			b.WriteString(indent + "similar:\n")
			for _, s := range append(scalars(v), wording) {
				q, err := yamlScalar(s)
				if err != nil {
					return nil, err
				}
				b.WriteString(indent + "  - " + q + "\n")
			}
			out := slices.Clone(lines)
			out[v.Line-1] = b.String()
			return []byte(strings.Join(out, "")), nil
		default:
			return nil, errors.New("its similar: list is written in a form this edit does not handle; add the wording by hand")
		}
	}
	for k := 0; k+1 < len(entry.Content); k += 2 {
		if entry.Content[k].Value == "question" {
			indent := strings.Repeat(" ", entry.Content[k].Column-1)
			return insert(end(k), indent+"similar:\n"+indent+"  - "+item+"\n"), nil
		}
	}
	return nil, errors.New("the entry has no question")
}

// findEntry returns the mapping of the entry with the id and the line the
// next entry starts on (0 when it is the last).
func findEntry(root *yaml.Node, id string) (*yaml.Node, int) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind == yaml.MappingNode {
		for k := 0; k+1 < len(n.Content); k += 2 {
			if n.Content[k].Value == "entries" {
				n = n.Content[k+1]
				break
			}
		}
	}
	if n.Kind != yaml.SequenceNode {
		return nil, 0
	}
	for i, e := range n.Content {
		if e.Kind != yaml.MappingNode {
			continue
		}
		for k := 0; k+1 < len(e.Content); k += 2 {
			if e.Content[k].Value == "id" && e.Content[k+1].Value == id {
				next := 0
				if i+1 < len(n.Content) {
					next = n.Content[i+1].Line
				}
				return e, next
			}
		}
	}
	return nil, 0
}

func scalars(n *yaml.Node) []string {
	var out []string
	for _, c := range n.Content {
		out = append(out, c.Value)
	}
	return out
}

// yamlScalar renders s as a one-line YAML scalar, quoted only when it must
// be.
func yamlScalar(s string) (string, error) {
	b, err := yaml.Marshal(s)
	if err != nil {
		return "", err
	}
	out := strings.TrimSuffix(string(b), "\n")
	if strings.Contains(out, "\n") {
		return "", errors.New("the wording does not fit on one line")
	}
	return out, nil
}

// addSimilarJSONL rewrites the entry's line with the wording appended to
// its similar list.
func addSimilarJSONL(src []byte, id, wording string) ([]byte, error) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	for i, l := range lines {
		t := bytes.TrimSpace(l)
		if len(t) == 0 || t[0] != '{' {
			continue
		}
		var obj map[string]any
		if json.Unmarshal(t, &obj) != nil || fmt.Sprint(obj["id"]) != id {
			continue
		}
		var similar []any
		switch v := obj["similar"].(type) {
		case nil:
		case []any:
			similar = v
		default:
			return nil, errors.New("its similar field is not a list; add the wording by hand")
		}
		obj["similar"] = append(similar, wording)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(obj); err != nil {
			return nil, err
		}
		if !bytes.HasSuffix(l, []byte("\n")) {
			b.Truncate(b.Len() - 1)
		}
		lines[i] = b.Bytes()
		return bytes.Join(lines, nil), nil
	}
	return nil, fmt.Errorf("no entry %q", id)
}
