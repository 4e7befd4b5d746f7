package dept

import (
	"testing"
	"unicode/utf8"
)

func FuzzSuggest(f *testing.F) {
	r, err := New(Config{}, faqs())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"公积金提取", "ＩＤ卡１２３", "\xff\xfe", "", "驾驶证换证 社保卡"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, b := range Bigrams(text) {
			if !utf8.ValidString(b) || b == "" {
				t.Fatalf("Bigrams(%q) gave %q", text, b)
			}
		}
		var total float64
		for _, s := range r.Suggest(text, 3) {
			if s.Score < 0 || s.Score > 1 {
				t.Fatalf("score %v", s.Score)
			}
			total += s.Score
		}
		if total > 1.0000001 {
			t.Fatalf("shares add up to %v", total)
		}
	})
}
