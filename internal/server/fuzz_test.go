package server

import (
	"strings"
	"testing"
)

// FuzzInline: every link is http(s), and inline never adds text (it only
// drops Markdown markers and link targets).
func FuzzInline(f *testing.F) {
	for _, s := range []string{"前**加粗**后", "见[官网](https://a.gov.cn/x)。", "[x](javascript:alert(1))", "**", "[](http://)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var text strings.Builder
		for _, sp := range inline(s) {
			if sp.Href != "" && !strings.HasPrefix(sp.Href, "http://") && !strings.HasPrefix(sp.Href, "https://") {
				t.Errorf("link %q from %q", sp.Href, s)
			}
			text.WriteString(sp.Text)
		}
		if text.Len() > len(s) {
			t.Errorf("inline(%q) produced more text: %q", s, text.String())
		}
	})
}
