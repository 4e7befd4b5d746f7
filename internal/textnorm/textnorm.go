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
// space collapsed, punctuation variants unified (〔〕【】［］ → [], （） → (),
// “”「」『』 → ", ‘’ → ', the dash family → -, the middle-dot family → ·),
// and Roman numerals read as the Chinese ones they stand for (国Ⅱ and 国II →
// 国二; Latin letters only right after a Chinese character and not before
// another Latin letter: vip and 用iphone stay). Normalize is idempotent.
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
	return foldRoman(b.String())
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
	if r >= 'Ⅰ' && r <= 'Ⅹ' { // Roman numerals in Chinese text read as numerals: 国Ⅱ = 国二, Ⅲ类 = 三类
		return []rune(hanNumerals)[r-'Ⅰ']
	}
	if r >= 'ⅰ' && r <= 'ⅹ' {
		return []rune(hanNumerals)[r-'ⅰ']
	}
	if unicode.IsSpace(r) || unicode.IsControl(r) {
		return ' '
	}
	if unicode.IsUpper(r) {
		return unicode.ToLower(r)
	}
	return r
}

const hanNumerals = "一二三四五六七八九十"

// romanAfterHan are the Roman numerals I to IX written in Latin letters (the
// lower case that Fold leaves), as they follow a Chinese character in 国IV
// or 第II类; a bare x is not one (拍x光).
var romanAfterHan = map[string]rune{"i": '一', "ii": '二', "iii": '三', "iv": '四', "v": '五', "vi": '六', "vii": '七', "viii": '八', "ix": '九'}

// foldRoman rewrites Roman numerals in Latin letters that directly follow a
// Chinese character and end the Latin run (国iv车, 第ii类) as Chinese
// numerals, as Fold does for Ⅳ: 国IV, 国Ⅳ and 国四 are one word. n is
// normalised (lower case).
func foldRoman(n string) string {
	if !strings.ContainsAny(n, "iv") {
		return n
	}
	var b strings.Builder
	prevHan := false
	for i := 0; i < len(n); {
		r, size := utf8.DecodeRuneInString(n[i:])
		if prevHan && (r == 'i' || r == 'v') {
			j := i
			for j < len(n) && (n[j] == 'i' || n[j] == 'v' || n[j] == 'x') {
				j++
			}
			if h, ok := romanAfterHan[n[i:j]]; ok && (j == len(n) || !isLatinLetter(n[j])) {
				b.WriteRune(h)
				i, prevHan = j, false
				continue
			}
		}
		b.WriteString(n[i : i+size])
		prevHan = r >= 0x4E00 && r <= 0x9FFF
		i += size
	}
	return b.String()
}

func isLatinLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

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
	// Dropping spaces and punctuation may put a Roman numeral right after
	// a Chinese character (证明 I → 证明i): fold it, as Normalize would, so
	// that Key stays idempotent.
	return foldRoman(b.String())
}
