package answer

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// followUpStartRe marks the words that open a follow-up (那外地户口呢？,
// 还有别的材料吗), which are not what it asks about (see stripCue).
var followUpStartRe = regexp.MustCompile(`^(那|那么|那如果|那要是|那假如|还有|另外|此外|如果|要是|假如|若是|对于|至于|同样|也|然后|所以|那我|那他|那她|那我们|那孩子|那老人|可是|但是|不过)`)

// retrieve searches for q, made standalone when it continues the
// conversation: rewritten by the model (rewritten=true), or with the topic
// terms of the previous answered turn appended. Any question asked in a
// conversation may continue it, and its wording tells only sometimes (那外地
// 户口呢, 还要带什么): 能提前在网上约吗, after questions on 结婚登记, names no
// subject of its own, though the knowledge base uses each of its words. So
// every question with a history is made standalone; the model is told to
// return a complete question as it is. Without a model, the carried terms
// are kept only when a passage found with them contains all of the
// question's own topic terms (the best such passage comes first): 护照怎么办
// after a question on 公积金 is searched as asked, not as a question on
// 公积金.
func (a *Answerer) retrieve(ctx context.Context, q string, history []Turn, opts search.Options) (standalone string, rewritten bool, resp *search.Response, err error) {
	find := func(s string) (*search.Response, error) {
		r, err := a.r.Search(ctx, a.withoutHome(s), opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("answer: search: %w", err)
		}
		return r, nil
	}
	if len(history) == 0 {
		resp, err = find(q)
		return q, false, resp, err
	}
	var raw *search.Response
	if a.chat != nil {
		if s, ok := a.rewrite(ctx, q, history); ok {
			resp, err = find(s)
			return s, s != q, resp, err
		}
		if err := ctx.Err(); err != nil {
			return q, false, nil, err
		}
	}
	carried := carryTerms(q, history)
	if carried == q {
		if raw == nil {
			raw, err = find(q)
		}
		return q, false, raw, err
	}
	if resp, err = find(carried); err != nil {
		return carried, false, nil, err
	}
	// Words that ask for an aspect (交钱, 带啥: the maintained aspect
	// lexicon; 网上预约, made of aspect words) ask about the carried topic,
	// not about a topic of their own.
	norm := textnorm.Key(q)
	asking := a.askingSpans(norm)
	own := slices.DeleteFunc(topicTerms(stripCue(q), resp.Terms), func(t string) bool {
		return a.asksAspect(t) || aspectCompound(t) || overlapsAny(norm, t, asking)
	})
	if !substitutes(q) {
		// Words the knowledge base never uses (往后拖, 打哪个电话) cannot
		// lead away from the topic, unless the government vocabulary knows
		// them as a matter of their own (护照怎么办). A substitution
		// (那护照呢) names a new subject, known or not.
		own = slices.DeleteFunc(own, func(t string) bool { return !a.namesMatter(t, resp) })
	}
	if len(own) == 0 {
		return carried, false, resp, nil
	}
	// The passage to answer from: one whose title or headings name all of
	// the follow-up's own topic terms, else the first whose text does.
	pick := -1
	for j, r := range resp.Results {
		if !holdsAll(r, own, substitutes(q)) {
			continue
		}
		if pick < 0 {
			pick = j
		}
		if coveredInHeadings(r, own) == len(own) {
			pick = j
			break
		}
	}
	if pick >= 0 {
		j, r := pick, resp.Results[pick]
		if j > 0 {
			// The previous topic's own passages rank first; the best one
			// about what the follow-up asks comes first instead.
			c := *resp
			c.Results = append([]search.Result{r}, slices.Delete(slices.Clone(resp.Results), j, j+1)...)
			resp = &c
		}
		return carried, false, resp, nil
	}
	// The carried topic led away from what the question asks about: search
	// it as asked. A substitution (那外地户口呢) is incomplete on its own,
	// so it is answered only from a passage with all its topic terms (那结
	// 婚登记呢, a change of subject), else nothing is found; a question with
	// a follow-up cue but words of its own (社保卡挂失了 电子凭证还能用吗) is
	// weighed like any question.
	if raw == nil {
		if raw, err = find(q); err != nil {
			return q, false, nil, err
		}
	}
	if substitutes(q) && (len(raw.Results) == 0 || !holdsAll(raw.Results[0], own, true)) {
		return q, false, &search.Response{Results: []search.Result{}, Terms: raw.Terms}, nil
	}
	if raw.Confidence < weakAlone && resp.Confidence > raw.Confidence && !slices.ContainsFunc(own, func(t string) bool { return resp.Vocabulary[t] }) {
		// Searched as asked it finds next to nothing (得在什么时候之前交上:
		// 交上 is in no passage), with the topic carried over it finds more:
		// the carried search is judged (answered, clarified or refused)
		// like any, rather than the question refused for want of a topic
		// it never meant to name. Not when it names a matter the
		// government vocabulary knows (护照怎么办): that is a topic of its
		// own, which the knowledge base lacks.
		return carried, false, resp, nil
	}
	return q, false, raw, nil
}

// weakAlone is the retrieval confidence under which a question searched as
// asked has found next to nothing (the answerability check wants 0.6 with
// topic support).
const weakAlone = 0.2

// matterWeight: a word the knowledge base and the government vocabulary do
// not know still names a matter of its own when it is this informative
// (养犬, not 告诉 or 往后).
const matterWeight = 11.0

// namesMatter reports whether topic term t names a matter of its own, so
// that a question holding it is not a follow-up of the previous one: the
// knowledge base uses it, the government vocabulary knows it, or it is an
// uncommon word.
func (a *Answerer) namesMatter(t string, resp *search.Response) bool {
	return a.known.has(t) || resp.Vocabulary[t] || resp.Weights[t] >= matterWeight
}

// asksAspect reports whether the normalised term is one of the words that
// ask for an aspect in the knowledge base's aspect lexicon (交钱, 多少钱).
func (a *Answerer) asksAspect(t string) bool {
	for _, as := range a.base.Dict.Aspects {
		for _, w := range as.Ask {
			if textnorm.Key(w) == t {
				return true
			}
		}
	}
	return false
}

// askingSpans returns the byte spans of norm (a normalised question) that
// the aspect lexicon's asking words cover (做好没 in 卡做好没有在哪查).
func (a *Answerer) askingSpans(norm string) [][2]int {
	var spans [][2]int
	for _, as := range a.base.Dict.Aspects {
		for _, w := range as.Ask {
			w = textnorm.Key(w)
			if w == "" {
				continue
			}
			for from := 0; ; {
				i := strings.Index(norm[from:], w)
				if i < 0 {
					break
				}
				i += from
				spans = append(spans, [2]int{i, i + len(w)})
				from = i + len(w)
			}
		}
	}
	return spans
}

// overlapsAny reports whether every occurrence of term t in norm overlaps
// one of spans that it does not wholly hold: a word that is part of the
// words asking for an aspect (做好 and 没有 in 做好没有) asks about the topic
// carried over, not about one of its own; a word that holds asking words
// and more (研发费用 holds 费用, 资格证 资格) names a matter of its own.
func overlapsAny(norm, t string, spans [][2]int) bool {
	if len(spans) == 0 || t == "" {
		return false
	}
	found := false
	for from := 0; ; {
		i := strings.Index(norm[from:], t)
		if i < 0 {
			break
		}
		i += from
		found = true
		j := i + len(t)
		if !slices.ContainsFunc(spans, func(sp [2]int) bool { return i < sp[1] && sp[0] < j && !(i <= sp[0] && sp[1] <= j) }) {
			return false
		}
		from = i + len(t)
	}
	return found
}

// substituteRe marks a follow-up that swaps the subject: 那外地户口呢,
// 那2018年的呢, 换成孩子呢.
var substituteRe = regexp.MustCompile(`^(那|那么|换成|如果是|要是|假如是).*呢$`)

func substitutes(q string) bool {
	return substituteRe.MatchString(strings.TrimRight(textnorm.Key(q), "?？。!！ "))
}

// stripCue removes the words that mark a follow-up (那…呢), which are not
// what it asks about.
func stripCue(q string) string {
	norm := textnorm.Key(q)
	norm = followUpStartRe.ReplaceAllString(norm, "")
	return strings.TrimSuffix(strings.TrimRight(norm, "?？。!！ "), "呢")
}

// holdsAll reports whether result r holds all the terms. For a
// substitution (那离婚登记呢 after 结婚登记要带啥材料) a FAQ entry must name
// them in its question: an entry whose answer mentions 离婚 in passing is
// about 结婚登记 still.
func holdsAll(r search.Result, terms []string, substitution bool) bool {
	if substitution && r.Doc.Type == kb.TypeFAQ {
		return coveredInHeadings(r, terms) == len(terms)
	}
	return covered(r, terms) == len(terms)
}

// coveredInHeadings counts the terms a result's title, questions or
// headings contain: what it is about, not what it mentions.
func coveredInHeadings(r search.Result, terms []string) int {
	text := textnorm.Key(r.Doc.Title + "\n" + strings.Join(r.Doc.Similar, "\n") + "\n" + r.Chunk.HeadingPath())
	n := 0
	for _, t := range terms {
		if strings.Contains(text, t) {
			n++
		}
	}
	return n
}

// covered counts the terms a result contains (in its questions, title,
// headings or text).
func covered(r search.Result, terms []string) int {
	text := textnorm.Key(r.Doc.Title + "\n" + strings.Join(r.Doc.Similar, "\n") + "\n" + r.Chunk.HeadingPath() + "\n" + r.Chunk.Text)
	n := 0
	for _, t := range terms {
		if strings.Contains(text, t) || slices.Contains(r.Matched, t) {
			n++
		}
	}
	return n
}

// carryTerms appends the topic terms of the most recent turn that has some
// and that q does not already contain (question words and aspects such as
// 材料, 多久 are not carried: they belong to the question that asked them).
func carryTerms(q string, history []Turn) string {
	_, extra := carriedTurn(q, history)
	if len(extra) == 0 {
		return q
	}
	return q + " " + strings.Join(extra, " ")
}

// carriedTurn returns the index of the turn whose topic terms carryTerms
// carries into q (-1 for none) and those terms.
func carriedTurn(q string, history []Turn) (int, []string) {
	for i := len(history) - 1; i >= 0; i-- {
		var extra []string
		seen := map[string]bool{}
		for _, t := range history[i].Terms {
			t = strings.TrimSpace(t)
			if t == "" || seen[t] || strings.Contains(q, t) || !isTopicTerm(textnorm.Key(t)) {
				continue
			}
			seen[t] = true
			extra = append(extra, t)
			if len(extra) == 8 {
				break
			}
		}
		if len(extra) > 0 {
			return i, extra
		}
	}
	return -1, nil
}

// rewrite asks the model for a standalone question. The result must be one
// short line; anything else is discarded.
func (a *Answerer) rewrite(ctx context.Context, q string, history []Turn) (string, bool) {
	var b strings.Builder
	b.WriteString("对话记录：\n")
	from := max(0, len(history)-3)
	for _, t := range history[from:] {
		b.WriteString("用户：" + sanitizeData(truncate(t.Question, 200)) + "\n")
		if t.Answer != "" {
			b.WriteString("助手：" + sanitizeData(truncate(t.Answer, 300)) + "\n")
		}
	}
	b.WriteString("\n追问：" + sanitizeData(q) + "\n\n改写后的问题：")
	out, err := a.chat.Complete(ctx, rewritePrompt, b.String(), nil)
	if err != nil {
		if ctx.Err() == nil {
			a.cfg.Log.Warn("follow-up rewrite failed; carrying terms", slog.Any("error", err))
		}
		return "", false
	}
	s := strings.TrimSpace(out)
	for _, p := range []string{"改写后的问题：", "改写后的问题:", "问题：", "问题:"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.Trim(strings.TrimSpace(s), "“”\"'「」")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 200 || a.filter.CheckQuestion(s) != nil {
		return "", false
	}
	return s, true
}
