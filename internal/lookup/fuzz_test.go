package lookup

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"
)

func FuzzLookup(f *testing.F) {
	base := testBase()
	l, err := New(Config{Terms: words, LongText: 10, MaxRunes: 300}, base, &fakeSearch{base: base}, nil)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"公积金 提取", "## **x** [a](b)", "京房公积金发〔2019〕5号", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got := PlainText(text); utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("PlainText(%q) = %q: invalid UTF-8", text, got)
		}
		res, err := l.Lookup(context.Background(), Request{Text: text})
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("Lookup(%q): %v", text, err)
			}
			return
		}
		if len(res.KeyTerms) > 12 || res.FAQ == nil || res.Policies == nil {
			t.Fatalf("Lookup(%q) = %+v", text, res)
		}
	})
}
