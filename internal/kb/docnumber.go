package kb

import (
	"regexp"
	"strings"
)

// docNumberRe matches a 文号 such as 国发〔2019〕5号, 国办发[2017]97号,
// 甬政办发(2019)12号 or 浙政发〔2019〕第3号. The year bracket may be written
// with 〔〕 [] () （） 【】 or ［］.
var docNumberRe = regexp.MustCompile(`([\p{Han}A-Za-z]{1,10})\s*[〔\[（(【［]\s*((?:19|20)\d{2})\s*[〕\]）)】］]\s*第?\s*(\d{1,5})\s*号`)

// NormalizeDocNumber returns the canonical form of a 文号 (国发〔2019〕5号):
// brackets unified to 〔〕, spaces and a leading 第 on the serial removed,
// leading zeros dropped. It returns "" when s holds no 文号.
func NormalizeDocNumber(s string) string {
	m := docNumberRe.FindStringSubmatch(toHalfDigits(s))
	if m == nil {
		return ""
	}
	return canonicalDocNumber(m)
}

// FindDocNumbers returns the canonical form of every 文号 in text, in order.
func FindDocNumbers(text string) []string {
	var out []string
	for _, m := range docNumberRe.FindAllStringSubmatch(toHalfDigits(text), -1) {
		out = append(out, canonicalDocNumber(m))
	}
	return out
}

// docNumberLead are words that precede a 文号 in running text but are not part
// of its issuer code (依据国发〔2019〕5号 → 国发〔2019〕5号).
var docNumberLead = []string{"依据", "根据", "按照", "参照", "请问", "关于", "印发", "文件", "转发", "执行", "落实", "和", "与", "及", "的", "是", "在", "即", "见", "号", "问"}

func canonicalDocNumber(m []string) string {
	prefix := m[1]
	for _, w := range docNumberLead {
		if i := strings.LastIndex(prefix, w); i >= 0 && i+len(w) < len(prefix) {
			prefix = prefix[i+len(w):]
		}
	}
	serial := strings.TrimLeft(m[3], "0")
	if serial == "" {
		serial = "0"
	}
	return prefix + "〔" + m[2] + "〕" + serial + "号"
}

func toHalfDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= '０' && r <= '９' }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}
