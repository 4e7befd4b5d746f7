package history

import (
	"testing"
	"unicode/utf8"
)

// FuzzNormalizeQuestion: normalising is idempotent and keeps valid UTF-8.
func FuzzNormalizeQuestion(f *testing.F) {
	for _, s := range []string{"养犬登记在哪里办？", "ＡＢＣ证明怎么开呢", "吗吗吗", " \t", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizeQuestion(s)
		if normalizeQuestion(n) != n {
			t.Errorf("not idempotent: %q → %q → %q", s, n, normalizeQuestion(n))
		}
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Errorf("invalid UTF-8 from %q", s)
		}
	})
}
