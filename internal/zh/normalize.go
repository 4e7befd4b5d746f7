package zh

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
		r = foldRune(r)
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

// foldRune maps one rune to its normal form; -1 drops it and ' ' stands for
// any white space.
func foldRune(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A')
	case r < 0x80:
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return foldRune(r - 0xFF01 + 0x21)
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

// isHan reports whether r is a CJK ideograph (including 〇).
func isHan(r rune) bool {
	return r == '〇' || unicode.Is(unicode.Han, r)
}

// isAlnum reports whether r belongs to a Latin/digit token after
// normalisation.
func isAlnum(r rune) bool {
	return r < 0x80 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') ||
		r >= 0x80 && !isHan(r) && (unicode.IsLetter(r) || unicode.IsDigit(r)) && !unicode.Is(unicode.Hiragana, r) && !unicode.Is(unicode.Katakana, r)
}
