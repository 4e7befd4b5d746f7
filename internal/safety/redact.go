package safety

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Replacement tokens written by Redact.
const (
	RedactedID    = "[身份证号]"
	RedactedPhone = "[手机号]"
	RedactedTel   = "[电话号码]"
)

// The forms a number may take once its separators are folded away: D is the
// digits of a run (with a trailing X for an ID), and a form must match a
// whole stretch of D between two separators (never a part of a group of
// digits written together).
var (
	// 18 digits with a plausible birth date; the check digit is not
	// checked (a mistyped number is still somebody's).
	id18Re = regexp.MustCompile(`^[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]$`)
	// The old 15-digit form: a two-digit year.
	id15Re = regexp.MustCompile(`^[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}$`)
	// Mobile 1[3-9]x…, with +86/0086/86 or a 0 dialled before it.
	mobileRe = regexp.MustCompile(`^(?:0086|86|0)?1[3-9]\d{9}$`)
	// A landline with its area code (0 and 2–3 digits, then 7–8 digits), or
	// with the country code and the area code without its 0.
	landlineRe = regexp.MustCompile(`^(?:(?:0086|86)0?|0)[1-9]\d{8,10}$`)
	// A local number without area code, only after a word that says it is
	// a telephone number.
	localRe = regexp.MustCompile(`^[2-9]\d{6,7}$`)
	// telLabelRe matches text ending in such a word (and what may stand
	// between it and the number).
	telLabelRe = regexp.MustCompile(`(?i)(?:电话|座机|固话|联系方式|号码|tel|phone)(?:号码|号)?\s*(?:是|为|:|：)?\s*$`)
)

// Redact replaces 身份证号 (18 digits, or the old 15-digit form, with a
// plausible birth date) and mainland phone numbers (mobile 1[3-9]x…, with
// +86, 0086, 86 or 0 before it; landlines with their area code; a local
// number after a word such as 电话 or 座机) by fixed tokens. Use it on
// anything a citizen typed before it is logged or stored.
//
// Numbers are recognised however they are written: the digits may be
// half-width or full-width (what an input method in full-width mode types),
// and separated by up to three of any of the separators people use —
// spaces (also the ideographic space), hyphens and dashes (- — － –), dots
// (. · ・ 。), commas (, ， 、), underscores, slashes, brackets, any other
// punctuation or symbol — in any grouping (138 1234 5678, 1 3 8 …, 330.203.199.…). A number is replaced
// whole, from its first digit (and a + or an opening bracket before it) to
// its last; digits written together are never split, so a longer run of
// digits (an order number) is left alone.
func Redact(s string) string {
	if !strings.ContainsFunc(s, isDigit) {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if digitValue(r) < 0 {
			i += size
			continue
		}
		run := scanRun(s, i)
		for _, m := range run.matches(lastRunes(s[:i], 12)) {
			start, end := run.digits[m.first].start, run.endOf(m.last)
			if m.first == 0 {
				start = run.start
			}
			// An opening bracket before an area code goes with it:
			// (0574)8765 4321.
			if p, n := utf8.DecodeLastRuneInString(s[:start]); isOpenBracket(p) && strings.ContainsFunc(s[start:end], isCloseBracket) {
				start -= n
				if p, n := utf8.DecodeLastRuneInString(s[:start]); p == '+' || p == '＋' {
					start -= n
				}
			}
			b.WriteString(s[last:start])
			b.WriteString(m.token)
			last = end
		}
		i = run.end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// digitPos is one digit of a run: its value and its bytes in the text.
type digitPos struct {
	val        byte // '0'…'9', or 'X' for an ID's check character
	start, end int
	groupEnd   bool // a separator (or the end of the run) follows
}

// numberRun is a stretch of text holding digits and the separators between
// them.
type numberRun struct {
	start, end int // bytes of the text; start includes a leading +
	digits     []digitPos
}

// scanRun reads the run of digits and separators that starts at s[i] (a
// digit).
func scanRun(s string, i int) numberRun {
	run := numberRun{start: i}
	// A + before the country code belongs to the number.
	if p, n := utf8.DecodeLastRuneInString(s[:i]); p == '+' || p == '＋' {
		run.start -= n
	}
	j := i
	for {
		r, size := utf8.DecodeRuneInString(s[j:])
		v := digitValue(r)
		if v < 0 {
			break
		}
		run.digits = append(run.digits, digitPos{val: byte('0' + v), start: j, end: j + size})
		j += size
		// Separators, then another digit (or an ID's X) continue the run.
		k, seps := j, 0
		for seps < 3 {
			r, size := utf8.DecodeRuneInString(s[k:])
			if size == 0 || !isSeparator(r) {
				break
			}
			k += size
			seps++
		}
		r, size = utf8.DecodeRuneInString(s[k:])
		switch {
		case digitValue(r) >= 0:
			if seps > 0 {
				run.digits[len(run.digits)-1].groupEnd = true
			}
			j = k
			continue
		case isX(r):
			// An ID's check character; a number may also end before it.
			run.digits[len(run.digits)-1].groupEnd = true
			run.digits = append(run.digits, digitPos{val: 'X', start: k, end: k + size})
			j = k + size
		}
		break
	}
	run.digits[len(run.digits)-1].groupEnd = true
	run.end = j
	return run
}

// endOf is where a number ending at digit k ends in the text.
func (run numberRun) endOf(k int) int {
	if k == len(run.digits)-1 {
		return run.end
	}
	return run.digits[k].end
}

type match struct {
	first, last int // digits
	token       string
}

// matches finds the numbers in the run: starting at the first digit of a
// group, the longest stretch up to the end of a group that is an ID or a
// phone number; the search goes on after it (or at the next group).
func (run numberRun) matches(before string) []match {
	var out []match
	d := make([]byte, len(run.digits))
	for k, p := range run.digits {
		d[k] = p.val
	}
	labelled := telLabelRe.MatchString(before)
	for first := 0; first < len(d); {
		best := match{first: -1}
		// No number has more than 18 digits (an ID; 0086 and a landline
		// make at most 17), which also bounds the work on a long run.
		for last := first; last < len(d) && last-first < 18; last++ {
			if !run.digits[last].groupEnd {
				continue
			}
			if tok := classify(string(d[first:last+1]), first == 0 && labelled); tok != "" {
				best = match{first: first, last: last, token: tok}
			}
		}
		if best.first < 0 {
			// Try the next group.
			for first < len(d) && !run.digits[first].groupEnd {
				first++
			}
			first++
			continue
		}
		out = append(out, best)
		first = best.last + 1
	}
	return out
}

// classify names the kind of number d (digits, perhaps ending in X) is, or
// "" when it is none; labelled says a telephone word comes right before it.
func classify(d string, labelled bool) string {
	switch {
	case id18Re.MatchString(d), id15Re.MatchString(d):
		return RedactedID
	case mobileRe.MatchString(d):
		return RedactedPhone
	case landlineRe.MatchString(d), labelled && localRe.MatchString(d):
		return RedactedTel
	}
	return ""
}

// digitValue is the value of a half-width or full-width digit, else -1.
func digitValue(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '０' && r <= '９':
		return int(r - '０')
	}
	return -1
}

func isDigit(r rune) bool { return digitValue(r) >= 0 }

func isX(r rune) bool { return r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' }

// lastRunes is the end of s, at most n runes.
func lastRunes(s string, n int) string {
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

func isOpenBracket(r rune) bool  { return r == '(' || r == '（' || r == '[' || r == '【' }
func isCloseBracket(r rune) bool { return r == ')' || r == '）' || r == ']' || r == '】' }

// isSeparator reports whether r may stand between the digits of one number:
// white space, zero-width characters, and any punctuation or symbol — the
// separators people use (- — － . · 。 ， 、 _ / brackets …) and any other a
// matching key (textnorm.Key) would drop and so join the digits around.
func isSeparator(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// personalRe matches a redaction token with the words that introduce it
// (我的身份证号是…, 联系电话：…).
var personalRe = regexp.MustCompile(`(?:我的|本人的?|我)?(?:身份证号码|身份证号|身份证|证件号码?|手机号码|手机号|手机|联系电话|电话号码|电话|座机号码?|座机|固话|联系方式|号码)?\s*(?:是|为|:|：)?\s*(?:` +
	regexp.QuoteMeta(RedactedID) + `|` + regexp.QuoteMeta(RedactedPhone) + `|` + regexp.QuoteMeta(RedactedTel) + `)`)

// WithoutPersonal returns s with its 身份证号 and phone numbers, and the words
// that introduce them, removed: what is left is the question a citizen
// asks. Answering uses it, so that personal data neither reaches a model nor
// sways the search (a number and the words 身份证号, 电话 would).
func WithoutPersonal(s string) string {
	r := Redact(s)
	if r == s {
		return s
	}
	return strings.TrimSpace(personalRe.ReplaceAllString(r, " "))
}
