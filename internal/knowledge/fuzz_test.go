package knowledge

import (
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzParseDocument feeds arbitrary files to the front-matter parser: it
// must not panic, and whatever it accepts must keep its id.
func FuzzParseDocument(f *testing.F) {
	f.Add("---\nid: a\ntitle: 标题\npublished: 2019-06-19\ntags: [x, y]\n---\n正文\n")
	f.Add("---\nid: [\n---\n")
	f.Add("---\n- a\n- *b\n---\n")
	f.Add("---\nid: &x a\nreplaces: *x\nreplaced_by: [*x, *x]\n---\n")
	f.Add("---\r\nid: a\r\n...\r\n")
	f.Add("no front matter")
	f.Add("---\nid: a\nsample: maybe\nexpires: 2019年13月1日\n---")
	f.Fuzz(func(t *testing.T, src string) {
		d, probs := ParseDocument("policies/x.md", src)
		for _, p := range probs {
			if p.Path != "policies/x.md" || p.Line < 0 {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if d != nil && d.Path != "policies/x.md" {
			t.Fatalf("path %q", d.Path)
		}
		// The FAQ parser and the loader must survive the same bytes.
		ParseFAQ("faq/x.yaml", src)
		ParseFAQ("faq/x.jsonl", src)
		fsys := fstest.MapFS{"policies/x.md": {Data: []byte(src)}, "dict/synonyms.txt": {Data: []byte(src)}}
		if _, _, err := Load(fsys); err != nil && !strings.Contains(err.Error(), "knowledge") {
			t.Fatal(err)
		}
	})
}
