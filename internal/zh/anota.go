package zh

import "strings"

// collapseANotA rewrites the A-not-A question form of spoken Chinese to its
// plain verb or adjective: 公不公开 and 公开不公开 → 公开, 收不收费 → 收费,
// 要不要 → 要, 去没去 → 去; after a modal verb a space keeps the verb
// phrase that follows apart (会不会上征信 → 会 上征信). Citizens ask 三公经费公不公开 where the text says
// 三公经费……公开; left as written, 不公开 is a word of the question that
// no passage holds (and reads as its opposite). Official text almost never
// uses the form, so index and query may both go through it.
func collapseANotA(text string) string {
	if !strings.ContainsAny(text, "不没") {
		return text
	}
	r := []rune(text)
	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); i++ {
		if (r[i] == '不' || r[i] == '没') && len(out) > 0 {
			// AB不AB: drop 不AB.
			if n := len(out); n >= 2 && i+2 < len(r) && out[n-2] == r[i+1] && out[n-1] == r[i+2] &&
				isANotAStem(r[i+1]) && isANotAStem(r[i+2]) {
				i += 2
				continue
			}
			// A不A(B): drop 不A; after a modal verb, what follows is a
			// verb phrase of its own (会不会上征信: 会|上征信, not 会上).
			if a := out[len(out)-1]; i+1 < len(r) && r[i+1] == a && isANotAStem(a) {
				i++
				if strings.ContainsRune(modals, a) {
					out = append(out, ' ')
				}
				continue
			}
		}
		out = append(out, r[i])
	}
	return string(out)
}

// modals are the one-character modal verbs (能愿动词), a closed class of the
// grammar: 会不会, 能不能, 要不要 and the like ask about the verb that follows.
const modals = "会能要可该得肯敢想愿须"

// isANotAStem reports whether c may be a stem of the A-not-A form: a Han
// character other than the negations themselves.
func isANotAStem(c rune) bool {
	return c >= 0x4E00 && c <= 0x9FFF && c != '不' && c != '没'
}
