package answer

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// How a quote grows from the sentence chosen: what it qualifies before it,
// the items of a list it introduces, never the document's signature.

// continuesRe starts a sentence that qualifies or continues the one before.
var continuesRe = regexp.MustCompile(`^(但是|但|不过|然而|同时|此外|另外|其中|对此|并且|而且|否则|因此|为此|上述|该|其|这些|此类|这是|这也是|这就是|这一|这项|此举)`)

// grow quotes sentence i of ss and the sentences after it while the quote
// is shorter than want runes; a sentence that introduces a list (ends with
// ：) brings its items up to max runes.
//
// parallel, when not nil, reports whether a clause holds the kind of fact
// asked: a sentence part after a ；whose part before it holds one too is
// one of several cases of one rule (不能当场答复的，20个工作日内答复；需要延长
// 的，最长不得超过20个工作日) and is quoted with it.
func grow(ss []sentence, i, want, max int, echo bool, parallel func(string) bool) quote {
	q := quote{sentences: []sentence{ss[i]}}
	n := utf8.RuneCountInString(ss[i].text)
	first := i
	if echo && i+1 < len(ss) && n+utf8.RuneCountInString(ss[i+1].text) <= max && !isSignature(ss[i+1].text) {
		// A sentence that restates the question says what follows it.
		q.sentences = append(q.sentences, ss[i+1])
		n += utf8.RuneCountInString(ss[i+1].text)
		i++
	} else if i > 0 && parallel != nil && strings.HasSuffix(ss[i-1].text, "；") && parallel(ss[i-1].text) &&
		n+utf8.RuneCountInString(ss[i-1].text) <= max {
		q.sentences = []sentence{ss[i-1], ss[i]}
		n += utf8.RuneCountInString(ss[i-1].text)
	} else if i > 0 && (continuesRe.MatchString(ss[i].text) || exceptionAfter(ss[i-1].text, ss[i].text)) && !listItemRe.MatchString(ss[i].text) {
		// 但是…, 同时…, or a condition after a ；(…书面形式；采用书面形式确有
		// 困难的，…): the sentence before it says what it qualifies.
		q.sentences = []sentence{ss[i-1], ss[i]}
		n += utf8.RuneCountInString(ss[i-1].text)
	}
	lead := isRunInHeading(ss[i].text)
	list := endsIntro(ss[i].text) ||
		lead && i+1 < len(ss) && listItemRe.MatchString(ss[i+1].text) || // 5.在村人员责任。（1）…（2）…
		// 一、开学前的准备工作 1、…: a heading that restates the question
		// was quoted with its first item; the others follow.
		i > first && isRunInHeading(ss[first].text) && listItemRe.MatchString(ss[i].text)
	level := 0 // the level of the list's items, once one is met
	if list && listItemRe.MatchString(ss[i].text) && !lead {
		level = itemLevel(ss[i].text)
	}
	for j := i + 1; j < len(ss); j++ {
		m := utf8.RuneCountInString(ss[j].text)
		item := listItemRe.MatchString(ss[j].text)
		prev := ss[j-1].text
		if isSignature(ss[j].text) {
			return q // the document's signature ends what it says
		}
		if list && item {
			if l := itemLevel(ss[j].text); level == 0 {
				level = l
			} else if l < level {
				return q // 二、开学後的防控工作 after the items 1、…4、 of 一、: the next section
			}
		}
		switch {
		case lead && n+m <= max:
			// A run-in heading (2.稳定信贷供给。) says what follows it.
			lead = isRunInHeading(ss[j].text) // （二）安检登记。4.安全检查。…
		case list && item && n+m <= max:
		case list && level > 0 && n+m <= want:
			// An item of several sentences, as far as a quote grows.
		case list && n+m <= max && (strings.HasSuffix(prev, "；") || strings.HasSuffix(prev, ";")):
			// An item's text runs on past its ；(（2）采取紧急措施，如限制
			// 人群聚集的活动；停工、停业、停课；…).
		case !list && n < want && n+m <= max && !item:
			list = introducesItems(ss[j].text)
		default:
			return q
		}
		q.sentences = append(q.sentences, ss[j])
		n += m
	}
	return q
}

// isSignature reports whether sentence s is a document's signature line
// or closing formula (signatureRe).
func isSignature(s string) bool { return signatureRe.MatchString(strings.TrimSpace(s)) }

// asFollowsRe ends a sentence that introduces what follows with a full
// stop (…具体安排通知如下。).
var asFollowsRe = regexp.MustCompile(`如下[。.]$`)

// endsIntro reports whether sentence s introduces a list: it ends with ：,
// or with 如下。
func endsIntro(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, "：") || strings.HasSuffix(s, ":") || asFollowsRe.MatchString(s)
}

// introRunes: a sentence this short ending with ： introduces the items
// of what is being said (主要包括如下几个方面：, 为此倡议如下：); a longer one
// is more often a document's preamble whose items are its sections.
const introRunes = 20

// preambleRe is the formula with which an official document introduces its
// sections (现将有关事项通知如下：), or its list of attachments (附件：).
var preambleRe = regexp.MustCompile(`(?:通知|公告|通告|告知|决定|通报|批复|函复|意见)如下[：:。.]$|^附件`)

// introducesItems reports whether s, met while a quote grows, introduces a
// list whose items the quote should bring: a short sentence ending with ：
// that is not a document's preamble.
func introducesItems(s string) bool {
	s = strings.TrimSpace(s)
	return endsIntro(s) && utf8.RuneCountInString(s) <= introRunes &&
		!preambleRe.MatchString(s)
}

// runInHeadingRunes: a numbered sentence this short without a clause
// break is the title of the item it opens (2.稳定信贷供给。).
const runInHeadingRunes = 30

// conditionRe starts a clause with its condition (采用书面形式确有困难的，).
var conditionRe = regexp.MustCompile(`^[^，。；：,;:]{2,24}的[，,]`)

// exceptionAfter reports whether part, following prev after a ；of the same
// sentence, states the exception to the rule prev states: part starts with
// a condition, prev neither with one (不能当场答复的，…；需要延长的，… are
// cases side by side) nor with an item's number.
func exceptionAfter(prev, part string) bool {
	return (strings.HasSuffix(prev, "；") || strings.HasSuffix(prev, ";")) && conditionRe.MatchString(part) &&
		!conditionRe.MatchString(prev) && !listItemRe.MatchString(prev)
}

// itemLevel is the rank of an item's numbering among those of 公文 (GB/T
// 9704: 一、 > （一） > 1. > （1）), ① below them all; 0 for no item.
func itemLevel(s string) int {
	m := listItemRe.FindString(strings.TrimSpace(s))
	switch {
	case m == "":
		return 0
	case strings.ContainsAny(m, "（(") && strings.ContainsAny(m, "一二三四五六七八九十"):
		return 2
	case strings.ContainsAny(m, "（("):
		return 4
	case strings.ContainsAny(m, "一二三四五六七八九十"):
		return 1
	case strings.ContainsAny(m, "0123456789"):
		return 3
	default:
		return 5
	}
}

// isRunInHeading reports whether s is the title of a numbered item run
// into its text: （二）安检登记。 5.实施援企稳岗政策。
func isRunInHeading(s string) bool {
	s = strings.TrimSpace(s)
	return listItemRe.MatchString(s) && utf8.RuneCountInString(s) <= runInHeadingRunes && !strings.ContainsAny(s, "，,；;")
}
