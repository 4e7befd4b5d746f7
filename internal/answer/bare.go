package answer

import (
	"regexp"
	"strings"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// A question that only names a topic (公积金, 医保报销, 在外地) asks nothing
// in particular. When several entries are about that topic, the one found
// first answers one of many things the asker may want — 医保 had been answered
// with 职工医保中断缴费或者改为参加城乡居民基本医疗保险… — so the asker is
// offered the candidates instead, unless the entry is about the topic as a
// whole (什么是地籍？ for 地籍).

// bareFillerRe are the words around a bare topic that ask nothing: 请问,
// 关于…的问题, 在, 呢.
var bareFillerRe = regexp.MustCompile(`请问|我想问|想问|咨询|问一下|了解一下|关于|有关|相关|方面|的问题|问题|政策|事项|业务|的|了|吗|呢|啊|吧|呀|哦|在|和|与|及|还有`)

// minTopicEntries is how many entries must be about a topic for a bare
// mention of it to be ambiguous.
const minTopicEntries = 2

// wholeTopicRe is an entry named after a topic as a whole: 什么是X？, X是什么？
var wholeTopicRe = regexp.MustCompile(`^(什么是|何为|何谓|什么叫)?(.+?)(是什么|是指什么|的含义|的定义|是什么意思|简介|概述)?$`)

// bareTopic returns the key terms of a question that names only a topic,
// or nil. Aspects (材料, 多少钱), question words and predicates (丢了, 过期)
// make a question of it.
func bareTopic(asked string, resp *search.Response) []keyTerm {
	terms := keyTerms(resp)
	if len(terms) == 0 {
		return nil
	}
	rest := textnorm.Key(asked)
	for _, t := range terms {
		if !strings.Contains(rest, t.t) {
			return nil // a term the question does not hold as written (a carried topic)
		}
		rest = strings.ReplaceAll(rest, t.t, "")
	}
	if bareFillerRe.ReplaceAllString(rest, "") != "" {
		return nil
	}
	return terms
}

// ambiguousTopic reports whether a question that names only a topic (terms)
// is ambiguous for the knowledge base: at least minTopicEntries entries name
// all its terms, and the entry found first is not about the topic as a whole.
func (a *Answerer) ambiguousTopic(terms []keyTerm, top search.Result) bool {
	if top.Doc.Type != kb.TypeFAQ {
		return false
	}
	name := strings.TrimRight(textnorm.Key(entryName(top)), "?？")
	if m := wholeTopicRe.FindStringSubmatch(name); m != nil && m[2] != "" && namesAll(m[2], terms) &&
		len([]rune(m[2])) <= 2*len([]rune(joinTerms(terms))) {
		return false
	}
	return a.titles.countNaming(terms, minTopicEntries) >= minTopicEntries
}

// namesAll reports whether the normalised text holds every term, by one of
// its forms.
func namesAll(text string, terms []keyTerm) bool {
	for _, t := range terms {
		if !containsAny(text, t.forms) {
			return false
		}
	}
	return true
}

func joinTerms(terms []keyTerm) string {
	var b strings.Builder
	for _, t := range terms {
		b.WriteString(t.t)
	}
	return b.String()
}

// countNaming counts the entries, up to most, that name every term (by one
// of its forms) in their title or a similar question.
func (t *titleText) countNaming(terms []keyTerm, most int) int {
	if t == nil {
		return 0
	}
	n := 0
	for line := range strings.Lines(t.text) {
		if namesAll(line, terms) {
			if n++; n >= most {
				break
			}
		}
	}
	return n
}

// topicMenu returns up to four entries about a topic, for a clarification:
// the results found that name all its terms (a FAQ entry in its question or
// a similar question, a document in its title or the passage's headings),
// in rank order, then other FAQ entries in force that name them, in the
// knowledge base's order.
func (a *Answerer) topicMenu(terms []keyTerm, resp *search.Response) []search.Result {
	const most = 4
	names := func(text string) bool { return namesAll(textnorm.Key(text), terms) }
	var out []search.Result
	seen := map[string]bool{}
	for _, r := range resp.Results {
		name := r.Doc.Title + "|" + strings.Join(r.Doc.Similar, "|")
		if r.Doc.Type != kb.TypeFAQ {
			name = r.Doc.Title + "|" + r.Chunk.HeadingPath()
		}
		if key := relatedQuestion(r); !seen[key] && names(name) {
			seen[key] = true
			out = append(out, r)
		}
		if len(out) == most {
			return out
		}
	}
	now := a.cfg.Now()
	for _, d := range a.base.Docs {
		if d.Type != kb.TypeFAQ || d.Expired(now) || !names(d.Title+"|"+strings.Join(d.Similar, "|")) {
			continue
		}
		chunks := a.r.ChunksOf(d.ID)
		if len(chunks) == 0 {
			continue
		}
		r := search.Result{Doc: d, Chunk: chunks[0], Status: d.Validity(now)}
		if key := relatedQuestion(r); !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
		if len(out) == most {
			break
		}
	}
	return out
}
