package concerns

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/textnorm"
	"github.com/govchat/govchat/internal/zh"
)

// Segmenter is what topic keys need of the segmenter (*zh.Segmenter).
type Segmenter interface {
	Analyze(text string) zh.Analysis
	Weight(word string) float64
	Canonical(word string) string
	Vocabulary(word string) bool
	Synonyms(word string) []string
}

// Topics assigns questions to topics (history.Config.Topic): an answer to
// the entry or document it came from; a question answered from nothing
// (refused, or clarified with a choice of questions) to its own content
// words — the two most informative of its terms, each by its
// canonical synonym, without the words that only ask for an aspect (材料,
// 怎么办理, 多少钱 …), so that 公积金怎么提取 and 提取住房公积金需要什么材料 meet.
// Greetings and chit-chat are one topic, blocked questions another.
type Topics struct {
	seg     Segmenter
	generic map[string]bool
}

// Topic keys of refusals that are not about a matter at all.
const (
	TopicChitchat = govchat.TopicWordsPrefix + "~chitchat"
	TopicBlocked  = govchat.TopicWordsPrefix + "~blocked"
)

// genericWords ask how, where or whether, or name no matter of their own.
var genericWords = []string{"办理", "办", "需要", "申请", "咨询", "请问", "问", "问问", "想", "想问", "知道", "政策", "规定", "相关", "问题",
	"情况", "事情", "事", "有关", "关于", "哪些", "什么", "怎么", "如何", "可以", "能", "能否", "是否", "有没有", "要", "现在", "目前", "一下",
	"怎么办", "咋办", "咋", "咋弄", "怎么弄", "啥", "怎样", "咋样", "怎么样", "吗", "呢"}

// NewTopics returns the topic assigner; aspects are the knowledge base's
// aspect words (kb.Dict.Aspects), whose asking words are left out of keys.
func NewTopics(seg Segmenter, aspects []kb.Aspect) *Topics {
	t := &Topics{seg: seg, generic: map[string]bool{}}
	for _, w := range genericWords {
		t.generic[w] = true
	}
	for _, a := range aspects {
		for _, w := range a.Ask {
			t.generic[textnorm.Normalize(w)] = true
		}
	}
	return t
}

// Topic is history.Config.Topic: the key and label of a recorded question
// (already redacted).
func (t *Topics) Topic(r govchat.Record) (key, label string) {
	if !r.Refused && r.Mode != string(govchat.ModeClarify) && len(r.Sources) > 0 {
		return govchat.TopicDocPrefix + r.Sources[0].DocID, r.Sources[0].Title
	}
	switch r.Reason {
	case "chitchat":
		return TopicChitchat, "问候、闲聊"
	case "harmful", "injection", "sensitive":
		return TopicBlocked, "不当内容（已拦截）"
	}
	return t.Words(r.Question)
}

// maxTopicTerms bounds the terms of a words topic.
const maxTopicTerms = 2

// Words is the words topic of a question: key and label.
func (t *Topics) Words(question string) (key, label string) {
	// The tokens that replaced personal data say nothing of the matter.
	question = redacted.Replace(question)
	norm := textnorm.Normalize(question)
	type term struct {
		w     string // canonical
		raw   string // as written
		wt    float64
		lone  bool // a single character standing alone
		pos   int
		words bool // a word (not characters joined)
	}
	var terms []term
	var run []string // single characters in a row, joined into one term (养 犬 → 养犬)
	flush := func() {
		if len(run) == 0 {
			return
		}
		w := strings.Join(run, "")
		wt := 0.0
		for _, c := range run {
			wt += t.seg.Weight(c)
		}
		if len(run) == 1 {
			wt /= 2 // a lone character says little
		}
		terms = append(terms, term{w: w, raw: w, wt: wt, lone: len(run) == 1})
		run = run[:0]
	}
	a := t.seg.Analyze(question)
	inside := map[string]bool{}
	for _, w := range a.Words {
		inside[w] = true
	}
	for _, w := range t.split(a.Terms, inside) {
		if utf8.RuneCountInString(w) == 1 && isHan(w) {
			if len(run) > 0 && strings.Contains(norm, strings.Join(run, "")+w) {
				run = append(run, w)
				continue
			}
			flush()
			// A character right after a word it belongs to (养犬登记 证 →
			// 养犬登记证).
			if n := len(terms); n > 0 && terms[n-1].words && strings.Contains(norm, terms[n-1].raw+w) && !t.generic[w] {
				last := &terms[n-1]
				// The word keeps its canonical name (社保卡丢 and 社会保障卡丢
				// are one topic).
				last.raw += w
				last.w, last.wt = last.w+w, last.wt+t.seg.Weight(w)/2
				continue
			}
			run = append(run, w)
			continue
		}
		flush()
		if t.generic[w] || isASCII(w) && !t.seg.Vocabulary(w) && !(hasDigit(w) && hasLetter(w)) {
			continue // a number, or a Latin word the vocabulary does not know (script, hello), names no matter
		}
		terms = append(terms, term{w: t.seg.Canonical(w), raw: w, wt: t.seg.Weight(w), words: true})
	}
	flush()
	// A lone character counts only when nothing else was asked.
	if slices.ContainsFunc(terms, func(x term) bool { return !x.lone && !t.generic[x.w] }) {
		terms = slices.DeleteFunc(terms, func(x term) bool { return x.lone })
	}
	// Distinct terms, most informative first.
	var uniq []term
	for i, x := range terms {
		if t.generic[x.w] || slices.ContainsFunc(uniq, func(u term) bool { return u.w == x.w }) {
			continue
		}
		x.pos = i
		uniq = append(uniq, x)
	}
	sort.SliceStable(uniq, func(i, j int) bool { return uniq[i].wt > uniq[j].wt })
	if len(uniq) > maxTopicTerms {
		uniq = uniq[:maxTopicTerms]
	}
	if len(uniq) == 0 {
		k := textnorm.Key(question)
		if utf8.RuneCountInString(k) > 30 {
			k = string([]rune(k)[:30])
		}
		return govchat.TopicWordsPrefix + k, strings.TrimSpace(question)
	}
	words := make([]string, len(uniq))
	for i, u := range uniq {
		words[i] = u.w
	}
	sort.Strings(words)
	// The label keeps the question's order.
	sort.SliceStable(uniq, func(i, j int) bool { return uniq[i].pos < uniq[j].pos })
	shown := make([]string, len(uniq))
	for i, u := range uniq {
		shown[i] = u.w
	}
	return govchat.TopicWordsPrefix + strings.Join(words, "+"), strings.Join(shown, " ")
}

var redacted = strings.NewReplacer(safety.RedactedID, " ", safety.RedactedPhone, " ", safety.RedactedTel, " ")

// split replaces a compound term that no synonym names (住房公积金提取)
// by the two words it is made of (住房公积金, 提取) when the segmenter found
// both inside it, so that it meets the questions that say them apart.
func (t *Topics) split(terms []string, words map[string]bool) []string {
	var out []string
	for _, w := range terms {
		rs := []rune(w)
		if len(rs) < 4 || len(t.seg.Synonyms(w)) > 0 {
			out = append(out, w)
			continue
		}
		parts := []string{w}
		for i := len(rs) - 2; i >= 2; i-- {
			p, s := string(rs[:i]), string(rs[i:])
			if words[t.seg.Canonical(p)] && words[t.seg.Canonical(s)] {
				parts = []string{p, s}
				break
			}
		}
		out = append(out, parts...)
	}
	return out
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

func hasLetter(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r >= 0x3400 && r <= 0x9FFF
}
