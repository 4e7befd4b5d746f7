package safety

import (
	"regexp"
	"strings"
)

// Replacement tokens written by Redact.
const (
	RedactedID    = "[身份证号]"
	RedactedPhone = "[手机号]"
	RedactedTel   = "[电话号码]"
)

var (
	// An 18-digit number may be written in groups: 330203 19900101 1234,
	// 330203-1990-0101-1234.
	id18Re = regexp.MustCompile(`[1-9]\d{5}[ -]?(?:18|19|20)\d{2}[ -]?(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ -]?\d{3}[\dXx]`)
	id15Re = regexp.MustCompile(`[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}`)
	// The country code may be written +86 or 0086.
	mobileRe = regexp.MustCompile(`(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}`)
	// A landline needs its area code: 010-12345678, (0574)87654321, 0574 8765 4321.
	landlineRe = regexp.MustCompile(`(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[ -]?\d{3,4}[ -]?\d{4}`)
)

// Redact replaces 身份证号 (18 digits, or the old 15-digit form, with a
// plausible birth date; the check digit is not required, since a mistyped
// number is still personal data) and mainland phone numbers (mobile
// 1[3-9]x…, optionally +86, and landlines with an area code) by fixed tokens.
// Use it on anything a citizen typed before it is logged. 全角 digits are
// folded to 半角 first.
func Redact(s string) string {
	if !strings.ContainsFunc(s, isDigit) {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
	s = replaceBounded(s, id18Re, RedactedID, nil)
	s = replaceBounded(s, id15Re, RedactedID, nil)
	s = replaceBounded(s, mobileRe, RedactedPhone, nil)
	s = replaceBounded(s, landlineRe, RedactedTel, func(m string) bool {
		// 0xx + 7–8 digits in total after the area code.
		digits := 0
		for i := 0; i < len(m); i++ {
			if m[i] >= '0' && m[i] <= '9' {
				digits++
			}
		}
		return digits >= 10 && digits <= 12
	})
	return s
}

func isDigit(r rune) bool { return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') }

// replaceBounded replaces matches of re that are not part of a longer run of
// digits (a following X would make it an ID) and pass ok.
func replaceBounded(s string, re *regexp.Regexp, token string, ok func(string) bool) string {
	locs := re.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		m := s[l[0]:l[1]]
		if l[0] > 0 && isASCIIDigit(s[l[0]-1]) || l[1] < len(s) && (isASCIIDigit(s[l[1]]) || s[l[1]] == 'X' || s[l[1]] == 'x') {
			continue
		}
		if ok != nil && !ok(m) {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(token)
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }
