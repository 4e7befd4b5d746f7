package chunk

import (
	"testing"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
)

// FuzzSplit: any body chunks without panicking, every chunk within bounds
// with a unique, valid anchor.
func FuzzSplit(f *testing.F) {
	f.Add("## 一、总则\n\n（一）第一项。正文。\n\n1.子项；\n第一条 条文。")
	f.Add("第一章 总则\n第一条\n第二条 x\n# 标题\n####### 不是标题")
	f.Add("(一)" + string(make([]byte, 10)))
	f.Fuzz(func(t *testing.T, body string) {
		d := &kb.Document{ID: "d", Type: kb.TypePolicy, Title: "标题", Body: body}
		cfg := Config{Max: 200, Min: 40}
		seen := map[string]bool{}
		for _, c := range SplitWith(cfg, d) {
			if !htmlID.MatchString(c.Anchor) || seen[c.Anchor] {
				t.Fatalf("anchor %q invalid or duplicate", c.Anchor)
			}
			seen[c.Anchor] = true
			if n := utf8.RuneCountInString(c.Text); n > cfg.Max {
				t.Fatalf("chunk of %d runes > %d", n, cfg.Max)
			}
		}
	})
}
