// Package textnorm is govchat's one text normaliser. Normalize gives the
// normal form that segmentation, indexing, querying, the safety checks and
// the unanswered report share; Key derives from it the form two texts are
// compared in when spaces, punctuation and symbols should not matter
// (傻 逼, 傻*逼 and 傻逼 have one key); Tidy only trims and collapses the white
// space of a question as typed, for quoting it back. It imports the
// standard library only.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize folds text into the form that segmentation, indexing and
// querying share: invalid UTF-8 and zero-width characters dropped, full-width
// ASCII (ＡＢＣ１２３！) folded to half-width, letters lower-cased, the
// ideographic space and control characters turned into spaces, runs of white
// space collapsed, and punctuation variants unified (〔〕【】［］ → [], （） → (),
// “”「」『』 → ", ‘’ → ', the dash family → -, the middle-dot family → ·).
// Normalize is idempotent.
func Normalize(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "")
	}
	var b strings.Builder
	b.Grow(len(text))
	space := false // a space is pending
	for _, r := range text {
		r = Fold(r)
		switch {
		case r < 0:
			continue // dropped
		case r == ' ':
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Fold maps one rune to its normal form, as Normalize does: -1 drops it and
// ' ' stands for any white space. Tokenisers that walk text rune by rune
// (and treat what is dropped as a boundary) use it.
func Fold(r rune) rune {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF: // CJK Unified Ideographs: their own normal form
		return r
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A')
	case r < 0x80:
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return Fold(r - 0xFF01 + 0x21)
	}
	switch r {
	case 0x3000, 0x00A0, 0x2002, 0x2003, 0x2009, 0x202F:
		return ' '
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD:
		return -1
	case '〔', '【', '〖':
		return '['
	case '〕', '】', '〗':
		return ']'
	case '“', '”', '「', '」', '『', '』', '〝', '〞':
		return '"'
	case '‘', '’':
		return '\''
	case '—', '–', '―', '−', '‐', '‑':
		return '-'
	case '・', '•', '‧', '∙', '･':
		return '·'
	case '〜':
		return '~'
	}
	if unicode.IsSpace(r) || unicode.IsControl(r) {
		return ' '
	}
	if unicode.IsUpper(r) {
		return unicode.ToLower(r)
	}
	return r
}

// Tidy returns text as it was typed, tidied: trimmed, control characters
// and line breaks turned into spaces, runs of white space collapsed and
// zero-width characters removed (what Normalize drops or turns into a
// space), but nothing else folded. It is the question an answer is about,
// as the citizen wrote it; Normalize(Tidy(s)) == Normalize(s). Invalid UTF-8
// is returned unchanged, for the caller to reject.
func Tidy(text string) string {
	if !utf8.ValidString(text) {
		return text
	}
	var b strings.Builder
	space := false
	for _, r := range text {
		switch Fold(r) {
		case -1:
			continue
		case ' ':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Key returns the matching key of text: its normal form without white
// space, punctuation, symbols and control or format characters, so that 傻 逼,
// 傻*逼 and ＳＢ/sb compare equal. Key is idempotent.
func Key(text string) string {
	n := Normalize(text)
	var b strings.Builder
	b.Grow(len(n))
	for _, r := range n {
		switch {
		case unicode.IsSpace(r), unicode.IsPunct(r), unicode.IsSymbol(r), unicode.IsControl(r),
			unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
