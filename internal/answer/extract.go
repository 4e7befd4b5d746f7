package answer

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// sentence is one sentence of a passage, with its byte span.
type sentence struct {
	text  string
	start int
}

// splitSentences splits passage text after 。！？；!?; and at line breaks,
// keeping the punctuation and any closing quote or bracket with the sentence.
// The pieces concatenate (with whitespace) to the original.
func splitSentences(text string) []sentence {
	var out []sentence
	start := 0
	depth := 0 // brackets opened in the current sentence and not closed
	add := func(end int) {
		s := strings.TrimSpace(text[start:end])
		if s != "" {
			out = append(out, sentence{text: s, start: start + strings.Index(text[start:end], s)})
		}
		start, depth = end, 0
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch r {
		case '（', '(':
			depth++
		case '）', ')':
			depth = max(0, depth-1)
		}
		if depth > 0 && strings.ContainsRune("。；;", r) && closesSoon(text[i:]) {
			// （对接部门：区国资委；联系人：…）: a note in brackets is
			// part of its sentence.
			continue
		}
		switch {
		case unicode.IsSpace(r) && r != '\n' && itemAfterSpaceRe.MatchString(text[i:]):
			// 2.xxx。 （责任单位：…） 3.yyy: a numbered item run on after
			// a space starts a sentence.
			add(i)
			continue
		case (r == '）' || r == ')') && i-size > start && !itemMarkRune(text[:i-size]) && itemAfterSpaceRe.MatchString(text[i:]):
			// （责任单位：…）二、减轻税费负担。: a note closed by its
			// bracket, then the next item with no space between them.
			add(i)
			continue
		case (r == '：' || r == ':') && itemAfterSpaceRe.MatchString(text[i:]):
			// 通知如下：一、…: a list's introduction, then its first item.
			add(i)
			continue
		}
		switch r {
		case '\n':
			add(i)
		case '。', '！', '？', '；', '!', '?', ';':
			for i < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[i:])
				if !strings.ContainsRune("”’」』）)】", r2) {
					break
				}
				i += s2
			}
			add(i)
		}
	}
	add(len(text))
	return out
}

// bracketNoteRunes: a bracket closed within this many runes holds a note
// (（对接部门：区国资委；联系人：…）) whose ；or 。 ends no sentence.
const bracketNoteRunes = 60

// closesSoon reports whether rest closes a bracket within bracketNoteRunes
// runes, before opening another or breaking the line.
func closesSoon(rest string) bool {
	n := 0
	for _, r := range rest {
		switch r {
		case '）', ')':
			return true
		case '（', '(', '\n':
			return false
		}
		if n++; n > bracketNoteRunes {
			return false
		}
	}
	return false
}

// itemMarkRune reports whether before ends with what numbers an item
// inside brackets (（四, (2): the bracket closes a marker, not a note.
func itemMarkRune(before string) bool {
	open := max(strings.LastIndex(before, "（"), strings.LastIndex(before, "("))
	if open < 0 {
		r, _ := utf8.DecodeLastRuneInString(before)
		return strings.ContainsRune("一二三四五六七八九十0123456789", r)
	}
	_, size := utf8.DecodeRuneInString(before[open:])
	mark := before[open+size:]
	// （四 and (12 number an item; （联系电话：88499343 is a note.
	return utf8.RuneCountInString(mark) <= 3 && strings.Trim(mark, "一二三四五六七八九十0123456789") == ""
}

// itemAfterSpaceRe: what follows a space that starts a numbered item (not
// a decimal number such as 3.5万).
var itemAfterSpaceRe = regexp.MustCompile(`^\s*(?:[（(][一二三四五六七八九十0-9]{1,3}[）)]|[0-9]{1,2}[.．、][^0-9]|[一二三四五六七八九十]{1,3}、|[①-⑳])`)

// minSentenceShare: of a passage too long to quote whole, sentences are
// quoted whose relevance is at least this share of its best sentence's.
const minSentenceShare = 0.5

// listItemRe starts an item of a list: （一） (1) 1. 1、 一、 ①.
var listItemRe = regexp.MustCompile(`^(?:[（(][一二三四五六七八九十0-9]{1,3}[）)]|[0-9]{1,2}[.．、]|[一二三四五六七八九十]{1,3}、|[①-⑳])`)

// quote is a run of sentences chosen from one passage.
type quote struct {
	passage   int // index into the results
	sentences []sentence
	// cutBefore, cutAfter: the quote starts or ends inside a sentence (the
	// clauses that answer, of a long one); the text marks the cut with ……
	cutBefore, cutAfter bool
}

// selectSentences chooses what to quote. The best passage that shares a word
// with the question is quoted whole when it fits in budget runes (an official paragraph is the natural unit of
// citation), else its most relevant sentences. Lower-ranked passages (up to
// passages) add their most relevant sentences only when their retrieval score
// is close to the best one's and budget remains. A sentence is relevant when
// it contains query terms; a sentence that only repeats the document title is
// never quoted. Quotes come grouped by passage, sentences in document order.
func selectSentences(results []search.Result, terms []string, passages, budget int) []quote {
	terms = usefulTerms(terms)
	var out []quote
	left := budget
	for p := 0; p < len(results) && p < passages && left > 0; p++ {
		r := results[p]
		first := len(out) == 0
		if !first && results[out[0].passage].Score > 0 && r.Score < 0.85*results[out[0].passage].Score {
			break
		}
		type scored struct {
			i       int
			s       sentence
			score   float64
			runes   int
			heading bool // a run-in heading: (二)深化公共资源配置信息公开。
		}
		var ss []scored
		total := 0
		for i, s := range splitSentences(r.Chunk.Text) {
			if strings.TrimRight(s.text, "。") == strings.TrimSpace(r.Doc.Title) {
				continue
			}
			n := utf8.RuneCountInString(s.text)
			ss = append(ss, scored{i, s, sentenceScore(s.text, terms, n), n, isHeadingSentence(s.text, r.Chunk.Heading)})
			total += n
		}
		relevant := false
		for _, c := range ss {
			relevant = relevant || c.score > 0
		}
		if !relevant {
			// Nothing here shares a word with the question (a title and a
			// note, say): quote the next passage instead.
			continue
		}
		var chosen []scored
		if first && total <= left {
			chosen = ss
		} else {
			byScore := append([]scored(nil), ss...)
			sort.SliceStable(byScore, func(a, b int) bool { return byScore[a].score > byScore[b].score })
			used := 0
			in := map[int]bool{}
			headingHit := false
			best := 0.0
			for _, c := range byScore {
				if !c.heading {
					best = max(best, c.score)
				}
			}
			for _, c := range byScore {
				if c.heading {
					// A run-in heading names the section; quoted alone it
					// says nothing.
					headingHit = headingHit || c.score > 0
					continue
				}
				must := first && len(chosen) == 0 // the best passage is always quoted
				if (c.score == 0 || c.score < minSentenceShare*best) && !must {
					break // the rest match the question much less well
				}
				if used+c.runes > left && !must {
					continue
				}
				chosen = append(chosen, c)
				in[c.i] = true
				used += c.runes
			}
			if len(chosen) == 0 && headingHit {
				// Only the heading names what was asked: quote the section's
				// first sentence after it.
				for _, c := range ss {
					if !c.heading {
						if used+c.runes <= left {
							chosen = append(chosen, c)
							in[c.i] = true
							used += c.runes
						}
						break
					}
				}
			}
			// A sentence that introduces a list (…以下信息：) is quoted with
			// the items that follow it, as far as the budget allows.
			for _, c := range append([]scored(nil), chosen...) {
				if !strings.HasSuffix(c.s.text, "：") && !strings.HasSuffix(c.s.text, ":") {
					continue
				}
				for _, next := range ss {
					if next.i <= c.i {
						continue
					}
					if !listItemRe.MatchString(next.s.text) || used+next.runes > left {
						break // the list ends, or the budget
					}
					if !in[next.i] {
						chosen = append(chosen, next)
						in[next.i] = true
						used += next.runes
					}
				}
			}
			sort.SliceStable(chosen, func(a, b int) bool { return chosen[a].i < chosen[b].i })
		}
		if len(chosen) == 0 {
			continue
		}
		q := quote{passage: p}
		for _, c := range chosen {
			q.sentences = append(q.sentences, c.s)
			left -= c.runes
		}
		out = append(out, q)
	}
	if len(out) == 0 && len(results) > 0 {
		// No sentence shares a word with the question: quote the start of
		// the best passage rather than nothing.
		if ss := splitSentences(results[0].Chunk.Text); len(ss) > 0 {
			q := quote{passage: 0}
			used := 0
			for _, s := range ss {
				n := utf8.RuneCountInString(s.text)
				if len(q.sentences) > 0 && used+n > budget {
					break
				}
				q.sentences = append(q.sentences, s)
				used += n
			}
			out = append(out, q)
		}
	}
	return out
}

// isHeadingSentence reports whether a sentence is just one of the chunk's
// headings (a numbered paragraph's title followed by a full stop).
func isHeadingSentence(s string, heading []string) bool {
	t := textnorm.Key(s)
	for _, h := range heading {
		if t == textnorm.Key(h) {
			return true
		}
	}
	return false
}

// sentenceScore sums the weights of the distinct query terms a sentence
// contains (longer terms weigh more), damped by the sentence's length.
func sentenceScore(s string, terms []string, runes int) float64 {
	score := 0.0
	for _, t := range terms {
		if strings.Contains(s, t) {
			score += float64(min(utf8.RuneCountInString(t), 4))
		}
	}
	return score / (1 + float64(runes)/200)
}

// usefulTerms drops duplicate and one-rune terms (unless nothing else is
// left).
func usefulTerms(terms []string) []string {
	seen := map[string]bool{}
	var long, short []string
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		if utf8.RuneCountInString(t) >= 2 {
			long = append(long, t)
		} else {
			short = append(short, t)
		}
	}
	if len(long) > 0 {
		return long
	}
	return short
}

// joinQuote joins a passage's chosen sentences verbatim; sentences that are
// not adjacent in the passage are separated by an ellipsis, and adjacent
// ones on different lines (the items of a list) keep their line break.
func joinQuote(text string, ss []sentence) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			prev := ss[i-1]
			between := text[prev.start+len(prev.text) : s.start]
			switch {
			case strings.TrimSpace(between) != "":
				b.WriteString("……")
			case strings.Contains(between, "\n"):
				b.WriteString("\n")
			}
		}
		b.WriteString(s.text)
	}
	return b.String()
}

// alsoAskedShare is how close (a share of the best score) another FAQ entry
// must rank to be offered as a related question.
const alsoAskedShare = 0.9

// withOffers adds to also the entries of offer it lacks (not top, each
// entry once, by id and question), keeping at most maxOffers.
func withOffers(also, offer []search.Result, top search.Result) []search.Result {
	if len(offer) == 0 {
		return also
	}
	seen := map[string]bool{top.Doc.ID + "#" + top.Chunk.Anchor: true, relatedQuestion(top): true}
	var out []search.Result
	for _, r := range append(slices.Clone(offer), also...) {
		k := r.Doc.ID + "#" + r.Chunk.Anchor
		if seen[k] || seen[relatedQuestion(r)] {
			continue
		}
		seen[k], seen[relatedQuestion(r)] = true, true
		out = append(out, r)
	}
	return out[:min(len(out), maxOffers)]
}

// maxOffers is how many entries an answer offers as buttons at most.
const maxOffers = 3

// alsoAskedResults are, after a quoted FAQ answer, up to three other FAQ
// entries that ranked almost as high: a general question (公积金怎么提取)
// matches several entries equally well, and the one quoted may not be the
// one the asker meant.
func alsoAskedResults(results []search.Result) []search.Result {
	if len(results) < 2 || results[0].Score <= 0 {
		return nil
	}
	top := results[0]
	seen := map[string]bool{strings.TrimSpace(top.Doc.Title): true, top.Doc.ID: true}
	var out []search.Result
	for _, r := range results[1:] {
		t := strings.TrimSpace(r.Doc.Title)
		if r.Doc.Type != kb.TypeFAQ || seen[t] || seen[r.Doc.ID] || r.Score < alsoAskedShare*top.Score {
			continue
		}
		seen[t], seen[r.Doc.ID] = true, true
		out = append(out, r)
		if len(out) == 3 {
			break
		}
	}
	return out
}

// alsoFoundResults are, after an answer quoted from documents, up to three
// other documents whose passages ranked almost as high (a share of the best
// score): when two documents say much the same (a notice and the news of
// it, a national rule and a province's), the one quoted may not be the one
// the asker meant, and the others are offered as buttons. quoted are the
// documents the answer cites; near are passages (indices into results)
// offered whatever their score: other documents that hold a sentence
// answering the question nearly as well as the one quoted.
func alsoFoundResults(results []search.Result, quoted []string, near []int, share float64) []search.Result {
	if len(results) < 2 || results[0].Score <= 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, id := range quoted {
		seen[id] = true
	}
	isNear := map[int]bool{}
	for _, i := range near {
		isNear[i] = true
	}
	var out []search.Result
	for i, r := range results {
		if r.Doc.Type == kb.TypeFAQ || seen[r.Doc.ID] || r.Score < share*results[0].Score && !isNear[i] {
			continue
		}
		seen[r.Doc.ID] = true
		out = append(out, r)
		if len(out) == 3 {
			break
		}
	}
	return out
}

// RelatedHeadings head the text's list of an answer's related questions:
// after an answer, and after a tentative one.
var RelatedHeadings = [2]string{"您可能还想问：", "如果不是您要问的，您可能想问："}

// alsoAsked lists the questions of the related entries as a short text
// line, for clients that do not show Related as buttons; nothing is quoted.
// After a tentative answer the line says these are the other candidates.
func alsoAsked(related []search.Result, tentative bool) string {
	if len(related) == 0 {
		return ""
	}
	// The labels of the buttons (relatedOf), which clients find in the text.
	titles := make([]string, len(related))
	for i, r := range relatedOf(related) {
		titles[i] = r.Question
	}
	heading := RelatedHeadings[0]
	if tentative {
		heading = RelatedHeadings[1]
	}
	return "\n\n" + heading + "\n· " + strings.Join(titles, "\n· ")
}
