package zh

import "unicode"

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
