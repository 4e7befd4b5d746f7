// Package safetytest holds the written forms of personal data that
// redaction must catch, for the tests of every package that stores or logs
// citizen text.
package safetytest

import (
	"strings"
	"unicode"
)

// The tokens safety.Redact writes (repeated here: this package is imported
// by safety's own tests).
const (
	ID    = "[身份证号]"
	Phone = "[手机号]"
	Tel   = "[电话号码]"
)

// Forms are written forms of 身份证号, mobile and landline numbers
// as citizens type them — every separator between digits, half- and
// full-width, mixed, with 86/+86/0086 — each with the token Redact must put
// in its place. Other packages' tests feed them through the whole service
// (redactionForms in cmd/govchat) and check that none survives anywhere.
var Forms = []struct{ Form, Token string }{
	// Mobile.
	{"13957246813", Phone},
	{"139 5724 6813", Phone},
	{"139-5724-6813", Phone},
	{"139.5724.6813", Phone},
	{"1 3 9 5 7 2 4 6 8 1 3", Phone},
	{"１３９５７２４６８１３", Phone},
	{"１３９　５７２４　６８１３", Phone},
	{"139，5724，6813", Phone},
	{"139·5724·6813", Phone},
	{"139_5724_6813", Phone},
	{"139/5724/6813", Phone},
	{"139—5724—6813", Phone},
	{"139－5724－6813", Phone},
	{"139、5724、6813", Phone},
	{"139．5724．6813", Phone},
	{"139。5724。6813", Phone},
	{"139 - 5724 - 6813", Phone},
	{"1395-724-6813", Phone},
	{"139 57 24 68 13", Phone},
	{"1-3-9-5-7-2-4-6-8-1-3", Phone},
	{"139\u200b5724\u200b6813", Phone},
	{"139\t5724\t6813", Phone},
	{"１39 5７24-68１3", Phone},
	{"139—5724-6813", Phone},
	{"139 ５７２４．６８１３", Phone},
	{"+86 139 5724 6813", Phone},
	{"+8613957246813", Phone},
	{"0086-139-5724-6813", Phone},
	{"86 13957246813", Phone},
	{"(+86) 139 5724 6813", Phone},
	{"＋８６　１３９５７２４６８１３", Phone},
	{"013957246813", Phone},
	// 身份证号.
	{"330203199001015555", ID},
	{"3302 0319 9001 0155 55", ID},
	{"330203 19900101 5555", ID},
	{"330203-1990-0101-5555", ID},
	{"330.203.199.001.015.555", ID},
	{"330 203 199 001 015 555", ID},
	{"３３０２０３１９９００１０１５５５５", ID},
	{"３３０２０３　１９９００１０１　５５５５", ID},
	{"3 3 0 2 0 3 1 9 9 0 0 1 0 1 5 5 5 5", ID},
	{"330203，19900101，5555", ID},
	{"330203_19900101_5555", ID},
	{"330203/1990/0101/5555", ID},
	{"330203·19900101·5555", ID},
	{"330203—19900101—5555", ID},
	{"11010519491231002X", ID},
	{"110105 19491231 002X", ID},
	{"11010519491231002x", ID},
	{"110105-1949-1231-002Ｘ", ID},
	{"330203900101555", ID},
	// Landlines.
	{"0574-87654321", Tel},
	{"0574 8765 4321", Tel},
	{"(0574)87654321", Tel},
	{"（0574）8765-4321", Tel},
	{"0574.8765.4321", Tel},
	{"0574·8765·4321", Tel},
	{"010-62345678", Tel},
	{"010 6234 5678", Tel},
	{"+86 574 8765 4321", Tel},
	{"0086-10-62345678", Tel},
	{"86-0574-87654321", Tel},
	{"０５７４－８７６５４３２１", Tel},
	{"0574—87654321", Tel},
	{"0574／87654321", Tel},
	{"0574_8765_4321", Tel},
	{"0574，87654321", Tel},
}

// Digits returns the digits of a form, folded to half-width: what a
// matching key (which drops separators) would rebuild from it.
func Digits(form string) string {
	var b strings.Builder
	for _, r := range form {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		case unicode.IsDigit(r), r == 'X', r == 'x', r == 'Ｘ':
			if r == 'x' || r == 'Ｘ' {
				r = 'X'
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
