package answer

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/textnorm"
)

// A clarification numbers its candidates (1. … 2. …). Where the client shows
// them as buttons a tap chooses one (Request.Entry); where it shows text (an
// old client, a message relayed by an operator) the citizen types the
// number, 第二个, or the words that tell one candidate from the others
// (转入那个). Such a reply chooses that candidate, as a tap would: right after
// the clarification, or while the asker goes through its list; after an
// answer, the same replies choose among its 您可能还想问 questions. Anything
// else is a question of its own.

// ordinalRe is a reply that names a candidate by its place: 2, 第二个,
// 选3, 就是第二个吧, 最后一个, 那第二个呢.
var ordinalRe = regexp.MustCompile(`^(那|那么|我|就|就是|选|要|选择|我选|我要|我想问|问|是|应该是|上面|上面的|再看|看看)*(第)?([0-9]|[一二三四五六七八九]|最后一?)(个|条|项|种|号|题|个问题|项问题|条问题)?(吧|的|呀|啊|吗|呢|哈|问题|那个|这个)*$`)

// circledRe reads a circled number (②, which some keyboards offer) as its
// digit.
var circledRe = strings.NewReplacer("①", "1", "②", "2", "③", "3", "④", "4", "⑤", "5", "⑥", "6", "⑦", "7", "⑧", "8", "⑨", "9")

// choiceFillerRe are the words around a choice by its words (转入那个,
// 就是转入的, 那转入呢): not what tells the candidates apart.
var choiceFillerRe = regexp.MustCompile(`^(那|那么|我|就|就是|选|要|我选|我要|我想问|问|是|应该是)+|(的|吧|呀|啊|呢|那个|这个|那条|这条|那项|这项|问题)+$`)

// maxChoiceWords is the longest choice by words, in runes: a longer
// message is a question of its own.
const maxChoiceWords = 6

// chosenByReply returns the choice reply q names, by its place or by words
// only it holds, among the choices the conversation has open (openChoices),
// if it names one.
func chosenByReply(q string, history []Turn) (Choice, bool) {
	choices := openChoices(history)
	if len(choices) == 0 {
		return Choice{}, false
	}
	k := circledRe.Replace(textnorm.Key(q))
	if m := ordinalRe.FindStringSubmatch(k); m != nil {
		n := 0
		switch d := m[3]; {
		case strings.HasPrefix(d, "最后"):
			n = len(choices)
		case d[0] >= '0' && d[0] <= '9':
			n = int(d[0] - '0')
		default:
			n = strings.Index("一二三四五六七八九", d)/len("一") + 1
		}
		if n >= 1 && n <= len(choices) {
			return choices[n-1], true
		}
		return Choice{}, false
	}
	words := choiceFillerRe.ReplaceAllString(k, "")
	if n := utf8.RuneCountInString(words); n < 2 || n > maxChoiceWords || !isTopicTerm(words) {
		return Choice{}, false
	}
	found := -1
	for i, c := range choices {
		if strings.Contains(textnorm.Key(c.Question), words) {
			if found >= 0 && choices[found].ID != c.ID {
				return Choice{}, false // two candidates hold them: no choice
			}
			found = i
		}
	}
	if found < 0 {
		return Choice{}, false
	}
	return choices[found], true
}

// openChoices are the choices a reply may name: those of the latest
// clarification when every turn after it answered one of them (the asker is
// going through its numbered list), else the related questions of the answer
// just given (您可能还想问), else nil.
func openChoices(history []Turn) []Choice {
	for j := len(history) - 1; j >= 0; j-- {
		if !history[j].Unsure || len(history[j].Choices) == 0 {
			continue
		}
		open := true
		for _, t := range history[j+1:] {
			open = open && len(t.Docs) > 0 && slices.ContainsFunc(history[j].Choices, func(c Choice) bool { return c.ID == t.Docs[0] })
		}
		if open {
			return history[j].Choices
		}
		break
	}
	if n := len(history); n > 0 && !history[n-1].Unsure {
		return history[n-1].Choices
	}
	return nil
}
