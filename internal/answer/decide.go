package answer

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// Every reply is one of three honest things: an answer quoting the entry
// that clearly answers; a clarification offering the entries that might,
// when none clearly wins (您是想问以下哪个问题？); or a refusal pointing to
// the hotline. Which one is decided on evidence, by two logistic models over
// the same features of the best entries found: the probability that the
// first is the right one, and the probability that the knowledge base
// answers the question at all. Their weights were fitted on the development
// splits of testdata/questions (govchat eval --answers --calibrate) and are
// measured on the test splits, which were never used for fitting.

// Feature names, in the order of a feature vector.
var featureNames = []string{
	"bias", "title", "body", "partial", "conflict", "foreign", "back", "confidence", "second", "rival", "answerable", "support", "aspect",
	"association", "association_rival",
}

// features describes the evidence that the first result answers q:
//   - title, body, partial, conflict, foreign: how the first entry accounts
//     for the question's key terms (see evidence);
//   - back: the share of its title's character bigrams in the question;
//   - confidence: the retrieval's own confidence;
//   - second: the second result's score as a share of the first's;
//   - rival: how much better the best of the next three accounts for the
//     key terms than the first (negative when none does);
//   - answerable: 1 when the retrieval-level check passed;
//   - support: the share of the question's terms found in what the
//     knowledge base is about (its titles, questions and headings);
//   - aspect: 1 when the question asks for an aspect (费用 …) and the first
//     entry is named after it, -1 when it asks for one and the entry is
//     named after another, else 0;
//   - association: the share of the question's information the first entry
//     holds or is associated with by what the knowledge base's own
//     question/answer pairs teach (search.Result.Association), and
//     association_rival: how much more of it the best of the next three
//     holds.
func (a *Answerer) features(q string, resp *search.Response, answerable bool, f *focus) ([]float64, []evidence) {
	fo := f
	// The places the knowledge base serves are in every entry's setting,
	// not evidence that one answers (宁波海曙区的社保卡在哪里办 is not answered
	// by the 海曙区 work plan's opening).
	terms := a.evidenceTerms(resp)
	n := min(len(resp.Results), 4)
	ev := make([]evidence, n)
	for i := range n {
		ev[i] = a.known.evidenceOf(q, terms, resp.Results[i], a.nameTerms(resp.Results[i]))
	}
	x := make([]float64, len(featureNames))
	x[0] = 1
	if n == 0 {
		return x, ev
	}
	e := ev[0]
	x[1], x[2], x[3], x[4], x[5], x[6] = e.Title, e.Body, e.Partial, e.Conflict, e.Foreign, e.Back
	x[7] = resp.Confidence
	// Rivals are the next results that are not duplicates of the first (the
	// same FAQ question, or the same answer, published twice): a duplicate
	// found second does not make the first any less likely to be right.
	var rivals []int
	for i := 1; i < n; i++ {
		if !duplicates(resp.Results[0], resp.Results[i]) {
			rivals = append(rivals, i)
		}
	}
	if len(rivals) > 0 && resp.Results[0].Score > 0 {
		x[8] = min(1.5, resp.Results[rivals[0]].Score/resp.Results[0].Score)
	}
	best := math.Inf(-1)
	for _, i := range rivals {
		best = max(best, ev[i].score())
	}
	if len(rivals) > 0 {
		x[9] = best - e.score()
	}
	if answerable {
		x[10] = 1
	}
	x[11], _ = a.topicSupport(resp)
	if fo != nil && fo.aspect != nil {
		switch other := aspectOf(a.base.Dict.Aspects, entryName(resp.Results[0])); {
		case fo.nameMarks(resp.Results[0]):
			x[12] = 1
		case other != nil && other.Name != fo.aspect.Name:
			x[12] = -1
		}
	}
	x[13] = resp.Results[0].Association
	if len(rivals) > 0 {
		best := 0.0
		for _, i := range rivals {
			best = max(best, resp.Results[i].Association)
		}
		x[14] = best - x[13]
	}
	return x, ev
}

// evidenceTerms are the terms a result's evidence is weighed on: the
// question's key terms but the places the knowledge base serves, and its
// rare characters.
func (a *Answerer) evidenceTerms(resp *search.Response) []keyTerm {
	terms := slices.DeleteFunc(keyTerms(resp), func(k keyTerm) bool { return a.regions.served(k.t) })
	return append(terms, a.known.rareChars(resp)...)
}

// duplicateShare is the share of character bigrams two FAQ answers must
// have in common (Jaccard) to be the same answer published twice.
const duplicateShare = 0.75

// backedShare is the share of a FAQ answer's character bigrams that a
// passage of a document the entry rests on must hold to be that answer's
// paragraph.
const backedShare = 0.6

// duplicates reports whether results a and b give one answer: FAQ entries
// published twice (the same question, or answers that share nearly all
// their character bigrams), or a FAQ entry and the paragraph of a document
// it rests on (its sources) from which its answer is drawn — the entry on
// 谁起草谁解读 and the plan's paragraph it quotes agree, they do not compete.
func duplicates(a, b search.Result) bool {
	if a.Doc.ID == b.Doc.ID {
		return false
	}
	if a.Doc.Type != kb.TypeFAQ {
		a, b = b, a
	}
	if a.Doc.Type == kb.TypeFAQ && b.Doc.Type != kb.TypeFAQ {
		return restsOn(a.Doc, b.Doc.ID) && overlap(bigramSet(textnorm.Key(faqAnswer(a).Chunk.Text)), textnorm.Key(b.Chunk.Text)) >= backedShare
	}
	if a.Doc.Type != kb.TypeFAQ || b.Doc.Type != kb.TypeFAQ {
		return false
	}
	if textnorm.Key(a.Doc.Title) == textnorm.Key(b.Doc.Title) {
		return true
	}
	x, y := bigramSet(textnorm.Key(faqAnswer(a).Chunk.Text)), bigramSet(textnorm.Key(faqAnswer(b).Chunk.Text))
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	common := 0
	for g := range x {
		if y[g] {
			common++
		}
	}
	return float64(common) >= duplicateShare*float64(len(x)+len(y)-common)
}

// restsOn reports whether FAQ entry faq names document id among its
// sources (an id, or id#anchor).
func restsOn(faq *kb.Document, id string) bool {
	return slices.ContainsFunc(faq.Sources, func(s string) bool {
		d, _, _ := strings.Cut(s, "#")
		return d == id
	})
}

// analyzer segments text as the retriever segments questions (search.Engine
// satisfies it). Without one, entries are weighed by character bigrams.
type analyzer interface {
	Analyze(text string) *search.Response
}

// nameTerms are the key terms of what names an entry (a FAQ entry's
// question, a passage's heading), cached.
func (a *Answerer) nameTerms(r search.Result) []keyTerm {
	if a.an == nil {
		return nil
	}
	name := entryName(r)
	if v, ok := a.names.Load(name); ok {
		return v.([]keyTerm)
	}
	t := keyTerms(a.an.Analyze(name))
	if t == nil {
		t = []keyTerm{}
	}
	a.names.Store(name, t)
	return t
}

// model is a logistic model over features.
type model []float64

func (m model) prob(f []float64) float64 {
	z := 0.0
	for i, w := range m {
		z += w * f[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// Calibration holds the fitted models and the thresholds of a decision.
// When a FAQ entry comes first, Right and InScope decide between answer,
// clarify and refuse; when a passage of a document comes first, Passage
// decides between answer and refuse.
type Calibration struct {
	Right   []float64 `json:"right"`    // P(the first FAQ entry is the right one)
	InScope []float64 `json:"in_scope"` // P(the knowledge base answers the question)
	Passage []float64 `json:"passage"`  // P(the passages found answer the question)
	Answer  float64   `json:"answer"`   // answer when P(right) reaches this
	// Tentative: below Answer, answer when P(right) reaches this, P(in
	// scope) reaches Clarify and there are other candidates to offer — the
	// answer then offers them all as buttons (0: no such band).
	Tentative float64  `json:"tentative,omitempty"`
	Clarify   float64  `json:"clarify"` // else clarify when P(in scope) reaches this, else refuse
	Quote     float64  `json:"quote"`   // quote a passage when P(passage) reaches this
	Features  []string `json:"features"`
}

// Validate checks that the models fit the features.
func (c Calibration) Validate() error {
	for name, m := range map[string][]float64{"right": c.Right, "in_scope": c.InScope, "passage": c.Passage} {
		if len(m) != len(featureNames) {
			return fmt.Errorf("answer: calibration model %s has %d weights for %d features", name, len(m), len(featureNames))
		}
	}
	for _, t := range []float64{c.Answer, c.Clarify, c.Quote} {
		if t <= 0 || t >= 1 {
			return fmt.Errorf("answer: calibration threshold %.2f is not in (0, 1)", t)
		}
	}
	if c.Tentative < 0 || c.Tentative > c.Answer {
		return fmt.Errorf("answer: calibration threshold tentative %.2f is not in [0, answer %.2f]", c.Tentative, c.Answer)
	}
	return nil
}

// verdict is what to do with a question.
type verdict int

const (
	verdictAnswer verdict = iota
	verdictClarify
	verdictRefuse
)

func (v verdict) String() string {
	return [...]string{"answer", "clarify", "refuse"}[v]
}

// Kinds of judgement: which model decided.
const (
	kindFAQ     = "faq"
	kindPassage = "passage"
)

// judgement is a verdict with its evidence, for logs and evaluation.
type judgement struct {
	verdict verdict
	kind    string  // kindFAQ or kindPassage
	p       float64 // P(right) for a FAQ entry, P(answers) for passages
	inScope float64 // P(in scope), FAQ entries only
	ev      []evidence
	f       []float64
	// tentative: a FAQ entry answered below the Answer threshold (in the
	// Calibration.Tentative band); the answer offers the other candidates.
	tentative bool
	sibling   string    // the term asked and the sibling the entry is about, when unquotable is "sibling"
	topic     []keyTerm // the topic a question names and nothing else, when unquotable is "topic"
	// factless: the question asks only for a figure and no candidate
	// could give one, so there is nothing to offer (noneHoldsFact).
	factless bool
	// unquotable says why the first passage, whatever the passage model
	// says, is not quoted: "title" when it answers only through the title
	// of its document (Answerer.titleOnly), "fact" when the question asks
	// for a kind of fact it does not hold (lacksFact); "" otherwise.
	unquotable string
}

func (j judgement) String() string {
	v := j.verdict.String()
	if j.tentative {
		v = "answer tentatively"
	}
	s := fmt.Sprintf("%s (%s: P %.2f, P(in scope) %.2f)", v, j.kind, j.p, j.inScope)
	if j.factless {
		s += ", no candidate holds the kind of figure asked"
	}
	switch j.unquotable {
	case "title":
		s += ", the passage matches only through its document's title"
	case "fact":
		s += ", the passage holds no fact of the kind asked"
	case "sibling":
		s += ", the entry is about a sibling of what is asked (" + j.sibling + ")"
	case "meaning":
		s += ", a meaning is asked and the entry is about an aspect of a service"
	case "suffered":
		s += ", the entry never speaks of what befell the asker"
	case "year":
		s += ", the document is of another year than the one asked"
	case "edition":
		s += ", an earlier edition is asked and the document is the one in force"
	case "aspect":
		s += ", the entry is named after another aspect than the one asked"
	case "topic":
		s += ", a bare topic"
	case "":
	default:
		s += ", unquotable: " + j.unquotable // unknown:<term>, reason
	}
	return s
}

// judge decides between answering, clarifying and refusing. A FAQ entry
// found first is judged by the FAQ models, and clarification offers the
// FAQ questions the asker can recognise and choose between; a passage of a
// document found first is quoted or refused by the passage model.
//
// q is the question as searched (a follow-up's with the topic carried
// over), asked the question as asked.
func (a *Answerer) judge(q, asked string, resp *search.Response, answerable bool, fo *focus) judgement {
	f, ev := a.features(q, resp, answerable, fo)
	c := a.cfg.Calibration
	j := judgement{ev: ev, f: f, verdict: verdictRefuse}
	if len(resp.Results) == 0 {
		return j
	}
	event := suffered(asked) // what befell the asker (被拒绝了), if anything
	if resp.Results[0].Doc.Type != kb.TypeFAQ {
		j.kind, j.p = kindPassage, model(c.Passage).prob(f)
		switch {
		case a.titleOnly(resp, resp.Results[0], fo):
			j.unquotable = "title"
		case lacksFact(resp.Results[0], fo):
			j.unquotable = "fact"
		case event != "" && !mentionsEvent(resp.Results[0], event):
			j.unquotable = "suffered"
		case otherYear(asked, resp.Results[0]) != "":
			// 海曙区2020年的政务公开工作要点出来了没 is not answered from
			// the 2019 plan.
			j.unquotable = "year"
		case a.otherEdition(asked, resp.Results[0].Doc):
			// 老版考核办法当初哪天开始实行的 is not answered from the
			// edition in force.
			j.unquotable = "edition"
		}
		if j.p >= c.Quote && j.unquotable == "" {
			j.verdict = verdictAnswer
		}
		return j
	}
	j.kind, j.p, j.inScope = kindFAQ, model(c.Right).prob(f), model(c.InScope).prob(f)
	if !holdsFactAsked(resp.Results[0], fo) {
		// 光彩体育馆啥时候建的 is not answered by the entry on its gates,
		// which holds no date: the asker chooses, or is referred.
		j.unquotable = "fact"
	} else if t := a.unknownOfficialTerm(resp); t != "" {
		// 2019年海曙区要点里说的五公开是什么 is not answered by the entry on
		// when that plan was issued: 五公开, an official term, is nowhere
		// in the knowledge base.
		j.unquotable = "unknown:" + t
	} else if k := explanationAsked(asked); k != "" && otherAspect(a.base.Dict.Aspects, entryName(resp.Results[0]), fo) {
		// 政务公开是什么意思 is not answered by the entry on when the plan
		// was issued: a meaning is asked, the entry gives a date; nor
		// 为什么要公开政府信息 by the entry on how to apply.
		j.unquotable = k
	} else if q != asked && a.aspectElsewhere(resp.Results[0], fo) {
		// 办到哪一步了在哪查 after 一孩生育登记在网上怎么办 is not answered by
		// the entry on how to register, found again with the carried topic:
		// it is named after another aspect and never speaks of this one.
		j.unquotable = "aspect"
	} else if event != "" && !mentionsEvent(resp.Results[0], event) {
		// 申请政府信息公开被拒了… is not answered by the entry on how to
		// apply, which never speaks of a refusal: what befell the asker is
		// what the question is about.
		j.unquotable = "suffered"
	} else if terms := bareTopic(asked, resp); terms != nil && q == asked && a.ambiguousTopic(terms, resp.Results[0]) {
		// 医保, 公积金, 在外地: a topic, and many things to ask about it.
		j.unquotable, j.topic = "topic", terms
	} else if t, w := a.sibling(asked, resp, resp.Results[0]); t != "" {
		// 离婚登记要带啥材料 is not answered by the entry on 结婚登记,
		// whose answer mentions 离婚登记 in passing.
		j.unquotable = "sibling"
		j.sibling = t + "/" + w
	}
	cands := clarifyCandidates(resp.Results, ev)
	if q == asked {
		cands = a.withoutSiblings(asked, resp, cands)
	}
	canClarify := j.inScope >= c.Clarify && len(cands) >= 2
	j.factless = canClarify && a.noneHoldsFact(asked, cands, fo)
	switch {
	case j.p >= c.Answer && j.unquotable == "":
		j.verdict = verdictAnswer
	case c.Tentative > 0 && j.p >= c.Tentative && j.unquotable == "" && canClarify:
		// Likely, not clear: the entry is quoted (its question named above
		// the answer) and the other candidates are offered below it, so
		// that an asker who meant another taps it — one step, where a
		// clarification always costs one.
		j.verdict, j.tentative = verdictAnswer, true
	case canClarify && !j.factless:
		j.verdict = verdictClarify
	}
	return j
}

// unknownOfficialTerm returns a term of the question that the government
// vocabulary knows as an official term and that the knowledge base never
// uses, by any of its names; "" when there is none.
func (a *Answerer) unknownOfficialTerm(resp *search.Response) string {
	for _, t := range resp.Terms {
		n := textnorm.Key(t)
		if utf8.RuneCountInString(n) < 2 || !resp.Vocabulary[t] || !isTopicTerm(n) || genericTerms[n] || a.regions.served(n) {
			continue
		}
		if !slices.ContainsFunc(termForms(n, resp.Synonyms[t]), a.known.has) {
			return t
		}
	}
	return ""
}

// sibling returns a term of the question as asked that FAQ entry r is not about
// while it is about a sibling of it — the same head with another
// qualifier the knowledge base knows as a topic of its own: asked 离婚登记,
// the entry's question names 结婚登记 (and 离婚 is the subject of other
// entries' questions) — with that sibling; "", "" when there is none.
// Compound terms of four or more runes are weighed by a qualifier that names a
// topic (离婚 but not 具体) and a head of two or more runes; terms of three
// runes by their kind (sameKind: 身份证 and 驾驶证). A follow-up's
// carried topic is not weighed (那生活补贴呢 after 护理补贴 asks for the
// sibling).
func (a *Answerer) sibling(asked string, resp *search.Response, r search.Result) (term, other string) {
	if r.Doc.Type != kb.TypeFAQ || a.topics == nil {
		return "", ""
	}
	about, _ := entryText(r)
	asked = textnorm.Key(asked)
	if t, other := siblingOfKind(a.base.Dict.Siblings, asked, about); t != "" {
		return t, other
	}
	names := a.nameTerms(r)
	for _, k := range keyTerms(resp) {
		rs := []rune(k.t)
		if len(rs) < 3 || !strings.Contains(asked, k.t) || containsAny(about, k.forms) {
			continue
		}
		if len(rs) == 3 {
			if n := a.sameKind(asked, resp, k.t, about, names); n != "" {
				return k.t, n
			}
			continue
		}
		for cut := 2; cut <= len(rs)-2; cut++ {
			qualifier, head := string(rs[:cut]), string(rs[cut:])
			if !isTopicTerm(qualifier) || strings.Contains(about, qualifier) || !strings.Contains(a.topics.text, qualifier) {
				continue
			}
			// The sibling is a word of the entry's name: 结婚登记, not the
			// 机一公开 of 双随机、一公开.
			for _, n := range names {
				// 个人账户 for 医保个人账户 is the same thing named less
				// closely, not a sibling.
				if strings.HasSuffix(n.t, head) && utf8.RuneCountInString(n.t) >= utf8.RuneCountInString(head)+2 && !strings.HasSuffix(k.t, n.t) {
					return k.t, n.t
				}
			}
		}
	}
	return "", ""
}

// siblingOfKind returns the thing the normalised question asks about and
// the other thing of its kind the entry's names (about) name instead, by the
// knowledge base's sibling sets (dict/siblings.txt: 地铁 in the question, 公交车
// in the entry's question, names normalised by the loader); "", "" when
// there is none. A question naming both, or an entry naming the one asked,
// is not held back.
func siblingOfKind(sets [][][]string, asked, about string) (term, other string) {
	names := func(s string, thing []string) string {
		for _, n := range thing {
			if strings.Contains(s, n) {
				return n
			}
		}
		return ""
	}
	for _, set := range sets {
		var inQ, inE []int
		for i, thing := range set {
			q, e := names(asked, thing) != "", names(about, thing) != ""
			if q {
				inQ = append(inQ, i)
			}
			if e {
				inE = append(inE, i)
			}
		}
		if len(inQ) != 1 || len(inE) == 0 || slices.Contains(inE, inQ[0]) {
			continue
		}
		return names(asked, set[inQ[0]]), names(about, set[inE[0]])
	}
	return "", ""
}

// sameKind returns the word of the entry's name that is a sibling of t, a
// three-rune term of the government vocabulary: two runes name the thing,
// the third its kind, and the entry names another thing of that kind
// (身份证 and 驾驶证: 身份证快到期了 能在网上换吗 is not answered by the entry
// on renewing a driving licence) or the same thing numbered otherwise (科目二
// and 科目一). Both must be words of the government vocabulary: 家里人 and
// 申请人 are no siblings.
func (a *Answerer) sameKind(asked string, resp *search.Response, t, about string, names []keyTerm) string {
	if a.an == nil || !resp.Vocabulary[t] {
		return ""
	}
	rs := []rune(t)
	thing := string(rs[:2])
	for _, n := range names {
		nr := []rune(n.t)
		if len(nr) != 3 || n.t == t || strings.Contains(asked, n.t) {
			continue
		}
		other := nr[2] == rs[2] && string(nr[:2]) != thing && strings.Contains(a.topics.text, thing) && !strings.Contains(about, thing)
		numbered := string(nr[:2]) == thing && isNumeral(string(rs[2:])) && isNumeral(string(nr[2:]))
		if (other || numbered) && a.an.Analyze(n.t).Vocabulary[n.t] {
			return n.t
		}
	}
	return ""
}

// withoutSiblings drops from a clarification's candidates the FAQ entries
// about a sibling of what is asked (养犬登记证丢了，怎么办？ for 结婚证丢了
// 去哪补办): the asker meant none of them. Fewer than two left, the question
// is not clarified but refused.
func (a *Answerer) withoutSiblings(asked string, resp *search.Response, cands []search.Result) []search.Result {
	return slices.DeleteFunc(slices.Clone(cands), func(r search.Result) bool {
		t, _ := a.sibling(asked, resp, r)
		return t != ""
	})
}

// tentativeOffers are what a tentative answer offers besides the entries
// that ranked almost as high: the other candidates a clarification would
// offer (Answerer.clarify).
func tentativeOffers(resp *search.Response) []search.Result {
	cands := clarifyCandidates(resp.Results, nil)
	if len(cands) < 2 {
		return nil
	}
	return cands[1:]
}

// clarifyCandidates are what a clarification offers: among the first four
// results, FAQ entries (by their question) and sections of documents (by
// their document and heading), each once, in rank order, leaving out those
// that share nothing with the question.
func clarifyCandidates(results []search.Result, ev []evidence) []search.Result {
	var out []search.Result
	seen := map[string]bool{}
	for i, r := range results[:min(len(results), 4)] {
		name := relatedQuestion(r)
		if seen[name] || seen[r.Doc.ID+"#"+r.Chunk.Anchor] {
			continue
		}
		if i > 0 && i < len(ev) && ev[i].score() == 0 && ev[i].Back == 0 {
			continue // shares nothing with the question
		}
		seen[name], seen[r.Doc.ID+"#"+r.Chunk.Anchor] = true, true
		out = append(out, r)
	}
	return out
}

// relatedQuestion is what a suggestion asks: a FAQ entry's question, or for
// a passage its document's title and section (asking it finds the passage).
func relatedQuestion(r search.Result) string {
	if r.Doc.Type == kb.TypeFAQ {
		return strings.TrimSpace(r.Doc.Title)
	}
	title := strings.TrimPrefix(strings.TrimSpace(r.Doc.Title), "【示例】")
	if m := issuingNoticeRe.FindStringSubmatch(title); m != nil && utf8.RuneCountInString(m[1]) >= 4 {
		// The document the notice issues names the button (2019年宁波市海曙区
		// 政务公开工作要点：（三）…), not the notice's wrapper around it.
		title = m[1]
	}
	if n := len(r.Chunk.Heading); n > 0 {
		return title + "：" + strings.TrimSpace(r.Chunk.Heading[n-1])
	}
	return title
}

// relatedOf turns results into suggestions. Two buttons never read the
// same: a notice published twice under one title (or two passages without
// headings) are told apart by their dates, else by the opening words of
// their passages.
func relatedOf(results []search.Result) []kb.Related {
	out := make([]kb.Related, 0, len(results))
	labels := map[string]int{}
	for _, r := range results {
		labels[relatedQuestion(r)]++
	}
	for _, r := range results {
		anchor := ""
		if r.Doc.Type != kb.TypeFAQ {
			anchor = r.Chunk.Anchor
		}
		q := relatedQuestion(r)
		if labels[q] > 1 {
			q = distinguished(q, r, results)
		}
		out = append(out, kb.Related{ID: r.Doc.ID, Question: q, DocURL: kb.DocURL(r.Doc.ID, anchor), Sample: r.Doc.Sample})
	}
	return out
}

// distinguished labels result r, whose label q another of results shares:
// with its publication date when the others sharing q have another, else
// with the opening words of its passage (of its answer, for a FAQ entry).
func distinguished(q string, r search.Result, results []search.Result) string {
	sameDate := false
	for _, o := range results {
		if o.Doc.ID != r.Doc.ID && relatedQuestion(o) == q && o.Doc.Published.Equal(r.Doc.Published) {
			sameDate = true
		}
	}
	if !r.Doc.Published.IsZero() && !sameDate {
		return q + "（" + r.Doc.Published.Format("2006年1月2日") + "）"
	}
	text := strings.TrimSpace(faqAnswer(r).Chunk.Text)
	// The opening of an untitled notice is its title: skip it.
	if t := strings.TrimSpace(strings.TrimPrefix(r.Doc.Title, "【示例】")); t != "" {
		text = strings.TrimSpace(strings.TrimPrefix(text, t))
	}
	const opening = 16
	if rs := []rune(text); len(rs) > opening {
		text = string(rs[:opening]) + "…"
	}
	if text == "" {
		return q
	}
	return q + "：" + text
}

// clarify asks which of several FAQ entries the asker means: their
// questions, numbered, as text for old clients and as Related for buttons.
// Nothing is quoted, so nothing is cited.
func (a *Answerer) clarify(req Request, standalone string, resp *search.Response, detail string) (*Answer, error) {
	cands := sharingFirst(clarifyCandidates(resp.Results, nil), a.sharesWithQuestion(standalone, resp))
	if standalone == textnorm.Tidy(req.Question) {
		if kept := a.withoutSiblings(standalone, resp, cands); len(kept) >= 2 {
			cands = kept
		}
	}
	if len(cands) > 4 {
		cands = cands[:4]
	}
	var b strings.Builder
	if slices.ContainsFunc(cands, func(r search.Result) bool { return r.Doc.Type != kb.TypeFAQ }) {
		b.WriteString("您想了解的是以下哪一项？\n")
	} else {
		b.WriteString("您是想问以下哪个问题？\n")
	}
	buttons := relatedOf(cands)
	for i, r := range buttons {
		fmt.Fprintf(&b, "%d. %s\n", i+1, r.Question)
	}
	b.WriteString("\n请点选其中一项（也可以回复序号）查看答复。如果都不是，可以换个说法再问，或拨打" + a.cfg.Hotline + "政务服务便民热线咨询，也可以点击“转人工”。")
	text := b.String()
	a.cfg.Log.Debug("answer clarified", "detail", detail, "question", safety.Redact(req.Question))
	if req.Stream != nil {
		if err := req.Stream(text); err != nil {
			return nil, fmt.Errorf("answer: stream: %w", err)
		}
	}
	ans := &Answer{Text: text, Clarify: true, Mode: ModeClarify, Sources: []kb.Source{}, Related: buttons, Terms: resp.Terms}
	if standalone != textnorm.Tidy(req.Question) {
		ans.Standalone = standalone
	}
	return ans, nil
}

// sharesWithQuestion returns a test of whether a result shares anything
// with the question (a key term, fully or in part, in its name or text, or
// a term of its name in the question): its evidence is not nil.
func (a *Answerer) sharesWithQuestion(q string, resp *search.Response) func(search.Result) bool {
	terms := a.evidenceTerms(resp)
	return func(r search.Result) bool {
		e := a.known.evidenceOf(q, terms, r, a.nameTerms(r))
		return e.score() > 0 || e.Back > 0
	}
}

// sharingFirst orders a clarification's candidates so that those sharing
// something with the question come before those that share nothing (摇号多久
// 摇一次: the entries on 小客车指标 before 裁判员多久注册一次, which shares only
// 多久…一次), each group in rank order. None is dropped: a candidate sharing
// no word is still sometimes the one meant.
func sharingFirst(cands []search.Result, shares func(search.Result) bool) []search.Result {
	var yes, no []search.Result
	for _, r := range cands {
		if shares(r) {
			yes = append(yes, r)
		} else {
			no = append(no, r)
		}
	}
	return append(yes, no...)
}

// titleOnly reports whether passage r answers the question only through
// the title of its document. Every passage of a document matches the words
// of its title (政务公开, 工作要点, 考核办法), so a question in those words
// about something the document never states (政务公开要点里说的五公开是哪
// 五个) finds some passage of it all the same, and quoting it would put an
// unrelated sentence under an official citation. It is so when the passage
// holds, in its headings or its text, no term of the question (two or more
// runes, or one of its synonyms) that the title lacks, nor a mark of the
// aspect asked (a 收费 section for 要交钱吗), and one of those terms names a
// matter (the government vocabulary knows it, or it is an uncommon word:
// matterWeight) that is nowhere in the knowledge base. A question whose
// other words the knowledge base does use (有哪些功能, 意义是什么), or are
// common words (一年搞几次), may ask about the document as a whole, which any
// of its passages may answer — unless all the title shares with the question
// is a place the knowledge base serves (宁波海曙区的社保卡在哪里办 and the
// 海曙区 work plan), which every document of it is about.
func (a *Answerer) titleOnly(resp *search.Response, r search.Result, fo *focus) bool {
	title := textnorm.Key(r.Doc.Title)
	body := textnorm.Key(r.Chunk.HeadingPath() + "\n" + r.Chunk.Text)
	unknown, titled, placed, other := false, false, false, false
	for _, t := range resp.Terms {
		n := textnorm.Key(t)
		if utf8.RuneCountInString(n) < 2 {
			continue
		}
		place := a.regions.served(n)
		if strings.Contains(title, n) {
			titled, placed = titled || !place, placed || place
			continue
		}
		forms := termForms(n, resp.Synonyms[t])
		if containsAny(body, forms) {
			return false
		}
		if !place && isTopicTerm(n) && !genericTerms[n] {
			other = true
		}
		if !slices.ContainsFunc(forms, a.known.has) && (resp.Vocabulary[t] || resp.Weights[t] >= matterWeight) {
			unknown = true
		}
	}
	if placed && !titled && other {
		// A title that shares only the place with the question (宁波海曙区的
		// 社保卡在哪里办 and the 海曙区 work plan) does not make the question
		// one about the document, whatever aspect its text speaks of.
		return true
	}
	if fo != nil && fo.marks(body) {
		return false
	}
	return unknown
}

// lacksFact reports whether the question asks for a figure — a number
// (多少分, 几个) or a date or time limit (哪年, 多久) — and passage r holds
// none of the kind asked: 政务新媒体矩阵一共有多少个账号 is not answered by
// a paragraph about the 矩阵 that gives no number. A question for a list
// (哪几个部门) is answered by its items, not by a figure. A question for a
// web address itself (网址是啥: fo.address) needs one in the passage.
// (Telephone numbers and websites as such are left out: 热线, 网站 are as
// often what a question is about as what it asks for.)
func lacksFact(r search.Result, fo *focus) bool {
	number := fo != nil && fo.number && !fo.list
	date := fo != nil && fo.date
	address := fo != nil && fo.address
	phone := fo != nil && fo.phone && asksWhichNumberRe.MatchString(fo.norm)
	if !number && !date && !address && !phone {
		return false
	}
	text := r.Chunk.HeadingPath() + "\n" + r.Chunk.Text
	if address {
		// 网址是多少 asks for the address, not for a number.
		return !urlRe.MatchString(text)
	}
	if phone && !anyPhoneRe.MatchString(text) && !(r.Doc.Type == kb.TypeFAQ && anyPhoneRe.MatchString(r.Doc.Title)) {
		// 有问题打哪个电话咨询 is not answered by an entry that gives no
		// telephone number (the entry on invoices just cited).
		return true
	}
	if !number && !date {
		return false
	}
	n := textnorm.Key(text)
	// A length of time (三日内, 15天) answers 几天 as well as 多久; a
	// question for a number in a measure (多少天, 几家) wants a number in it,
	// not the year the document was issued.
	numberHeld := number && numberRe.MatchString(n)
	if number && fo.unit != nil {
		numberHeld = fo.unit.MatchString(n)
	}
	holds := holdsDuration(n) && !fo.money || numberHeld || date && dateRe.MatchString(n)
	// 要交多少钱 is answered by 不收取费用: the sum is none.
	free := number && fo.aspect != nil && fo.aspect.Name == "费用" && saysFree(n)
	return !holds && !free
}

// holdsFactAsked reports whether FAQ entry r (or a passage) can give the
// kind of figure the question asks for, if it asks for one: its answer
// holds one of that kind (lacksFact), says there is none (没有统一的…), or
// its own question asks for that kind (asksSameFact).
func holdsFactAsked(r search.Result, fo *focus) bool {
	r = faqAnswer(r)
	return !lacksFact(r, fo) || negativeAnswerRe.MatchString(textnorm.Key(r.Chunk.Text)) || asksSameFact(r.Doc, fo)
}

// noneHoldsFact reports whether a question that asks for a number and
// nothing else (北京最低工资是每月多少钱, 机场大巴票价多少, 抢修电话是多少)
// finds only candidates that cannot give one: a clarification would offer
// entries none of which answers (什么是最低工资, 哪些收入不列入最低工资),
// so the asker is referred instead. A question that also asks how, where or
// whom (怎么办 要多少钱) may mean a candidate that answers that part; one
// for a date or time limit may be answered in words (在办理入住手续前), which
// lacksFact cannot tell, so it is offered the candidates as before.
func (a *Answerer) noneHoldsFact(asked string, cands []search.Result, fo *focus) bool {
	if fo == nil || fo.date || otherAskRe.MatchString(textnorm.Key(asked)) {
		return false
	}
	return !slices.ContainsFunc(cands, func(r search.Result) bool { return holdsFactAsked(r, fo) })
}

// otherAskRe asks how, where, to whom or with what, besides a figure.
var otherAskRe = regexp.MustCompile(`怎么|怎样|如何|咋|哪里|去哪|在哪|哪儿|找谁|哪个部门|哪些部门|流程|步骤|手续|材料|条件`)

// asksSameFact reports whether FAQ entry d's own question (or a similar
// question) asks for the kind of figure fo asks for — a number, a date or
// time limit: the entry was written to answer that question, in whatever
// form its answer takes (企业服务平台上申请已提交、显示办理中，什么时候去服务大厅？
// is answered by the condition for going, not by a date).
func asksSameFact(d *kb.Document, fo *focus) bool {
	if fo == nil {
		return false
	}
	for _, q := range append([]string{d.Title}, d.Similar...) {
		n := textnorm.Key(q)
		if fo.number && !fo.list && asksNumber(n) || fo.date && asksDateRe.MatchString(n) {
			return true
		}
	}
	return false
}

// asksWhichNumberRe asks which telephone number to call (打哪个电话,
// 咨询电话是多少), not about a call (接到电话说…, 可以打电话申请吗).
var asksWhichNumberRe = regexp.MustCompile(`(哪个|什么|啥)(电话|号码|热线)|打哪|拨打什么|(电话|号码|热线)(是|号码是)?(多少|几号|啥)|联系电话|咨询电话|服务电话|投诉电话|举报电话|电话号码|联系方式`)

// saysFree reports whether text n says that what is charged for costs
// nothing: a free word next to a word for the charge (不收取费用, 免收工本费,
// 免费办理), not 免费接种狂犬病疫苗 in an entry on a fee that is paid.
func saysFree(n string) bool {
	for _, m := range freeRe.FindAllStringIndex(n, -1) {
		if w := n[m[0]:m[1]]; w != "免费" && strings.ContainsAny(w, "费钱") {
			return true // 不收费, 无需缴费: the charge named in the phrase itself
		}
		before, after := []rune(n[:m[0]]), []rune(n[m[1]:])
		around := string(before[max(0, len(before)-freeWindow):]) + "|" + string(after[:min(len(after), freeWindow)])
		if freeChargeRe.MatchString(around) {
			return true
		}
	}
	return false
}

// freeWindow: how many characters on each side of a free word are read.
const freeWindow = 4

// freeChargeRe is what a free word must be next to: the charge or the
// service asked for.
var freeChargeRe = regexp.MustCompile(`费|钱|办理|提供|申请|受理|发放|领取|查询|登记`)

// freeRe says that something costs nothing.
var freeRe = regexp.MustCompile(`免费|不收费|不收取|免收|免予收取|免交|无需缴费|不需缴费|不需要缴费|无需交费|不需交费|不用交钱|无需付费`)

// urlRe is a web address: what a question for one (fo.address) needs.
var urlRe = regexp.MustCompile(`(?i)https?://|www\.|[a-z0-9-]+\.(gov\.cn|com\.cn|org\.cn|cn|com|org|net)\b`)

// otherYear returns a year the question names (2020年) that passage r's
// document is not about: its title names another year (2019年宁波市海曙区
// 政务公开工作要点: an annual plan, a report of one year), and neither the
// title nor the passage names the one asked; "" otherwise. FAQ entries are
// not weighed so: a year in the question is as often the asker's own (公司
// 2015年注册的) as the edition asked for.
func otherYear(q string, r search.Result) string {
	asked := datedYearRe.FindAllString(textnorm.Normalize(q), -1)
	if len(asked) == 0 || !datedYearRe.MatchString(r.Doc.Title) {
		return ""
	}
	text := r.Doc.Title + "\n" + r.Chunk.HeadingPath() + "\n" + r.Chunk.Text
	for _, y := range asked {
		if !strings.Contains(text, y) {
			return y
		}
	}
	return ""
}

// otherEdition reports whether the question asks about the earlier edition
// of a document (老版, 旧版, 以前的: oldEditionRe) and d is the one in force
// that replaced it: its own dates and rules are not the old one's. Whether
// the old edition still holds (旧版还能用吗) is answered from d.
func (a *Answerer) otherEdition(q string, d *kb.Document) bool {
	norm := textnorm.Key(q)
	if !oldEditionRe.MatchString(norm) || asksValidityRe.MatchString(norm) || d.Expired(a.cfg.Now()) {
		return false
	}
	return slices.ContainsFunc(a.base.Docs, func(old *kb.Document) bool {
		return slices.Contains(old.ReplacedBy, d.ID) && old.Expired(a.cfg.Now())
	})
}

// datedYearRe is a year written in digits as a date word (2019年).
var datedYearRe = regexp.MustCompile(`(19|20)[0-9]{2}年`)

// negativeAnswerRe starts an answer that says there is no such figure
// (没有统一的收费起止时间): it answers a question for one.
var negativeAnswerRe = regexp.MustCompile(`^(没有|无|不|否|暂无|目前没有|目前无|尚未|尚无)`)

// faqAnswer is a FAQ entry's result with its whole answer as the text.
func faqAnswer(r search.Result) search.Result {
	if strings.TrimSpace(r.Chunk.Text) == "" {
		r.Chunk.Text = r.Doc.Body
	}
	return r
}

// suffered returns what a question says befell the asker — the words after
// 被 in its clause up to 了 or 过 (被拒绝了怎么办 → 拒绝, 房子被法院查封了 →
// 法院查封), or all of at most two characters (被拒) — or "". A decision the
// asker disputes (对答复不服) is what befell them too: 不服.
func suffered(q string) string {
	if strings.Contains(textnorm.Key(q), "不服") {
		return "不服"
	}
	for _, clause := range clauseSepRe.Split(textnorm.Normalize(q), -1) {
		k := textnorm.Key(clause)
		_, after, ok := strings.Cut(k, "被")
		if !ok {
			continue
		}
		switch i := strings.IndexAny(after, "了过"); {
		case i >= 0:
			after = after[:i] // 拒绝了怎么办 → 拒绝: what happened, not what is asked
		case utf8.RuneCountInString(after) > 2:
			continue // 将会被颁发哪些证书: not something that befell the asker
		}
		if strings.ContainsFunc(after, isHan) {
			return after
		}
	}
	return ""
}

// mentionsEvent reports whether entry r (a FAQ entry's question, similar
// questions and answer; a passage and its headings) speaks of event ev:
// holds one of its two-character pieces (d级 too), or its one character.
func mentionsEvent(r search.Result, ev string) bool {
	about, text := entryText(faqAnswer(r))
	all := about + "|" + text
	rs := []rune(ev)
	if len(rs) == 1 {
		return strings.Contains(all, ev)
	}
	for i := 0; i+1 < len(rs); i++ {
		if strings.Contains(all, string(rs[i:i+2])) {
			return true
		}
	}
	return false
}

// reasonRe asks why (为什么, 为啥, 凭什么): a FAQ entry named after an aspect
// of a service (怎么申请, 什么时候印发的) does not answer it.
var reasonRe = regexp.MustCompile(`为什么|为啥|为何|凭什么|什么原因|啥原因|什么目的|啥目的`)

// explanationAsked returns "meaning" or "reason" when q asks what something
// means or why, else "".
func explanationAsked(q string) string {
	k := textnorm.Key(q)
	switch {
	case meaningRe.MatchString(k):
		return "meaning"
	case reasonRe.MatchString(k):
		return "reason"
	case contentRe.MatchString(k):
		return "content"
	}
	return ""
}

// contentRe asks what a document or a matter says (讲了啥, 主要内容是什么):
// not answered by an entry on when it was issued or how to apply.
var contentRe = regexp.MustCompile(`讲了啥|讲的啥|讲了什么|讲的什么|讲的是什么|讲了些什么|讲些什么|说了啥|说了什么|说的啥|写了啥|写了什么|主要内容|有哪些内容|什么内容|啥内容`)

// otherAspect reports whether an entry's name asks for an aspect other than
// the one the question asks for (fo.aspect, nil for none): 怎么申请公开政府信息
// (流程) for a question on why.
func otherAspect(aspects []kb.Aspect, name string, fo *focus) bool {
	other := aspectOf(aspects, name)
	return other != nil && (fo == nil || fo.aspect == nil || other.Name != fo.aspect.Name)
}

// aspectElsewhere reports whether FAQ entry r is named after another aspect
// than the one the question asks for (fo.aspect) and its answer holds none
// of that aspect's marking words.
func (a *Answerer) aspectElsewhere(r search.Result, fo *focus) bool {
	return fo != nil && fo.aspect != nil && !fo.nameMarks(r) && otherAspect(a.base.Dict.Aspects, entryName(r), fo) &&
		!fo.marks(textnorm.Key(faqAnswer(r).Chunk.Text))
}

// holdsDuration reports whether n names a length of time (durationRe): a
// year's number (2019年) is a date, not a duration.
func holdsDuration(n string) bool {
	for _, m := range durationRe.FindAllStringSubmatch(n, -1) {
		if m[1] != "年" || utf8.RuneCountInString(m[0]) < 5 {
			return true
		}
	}
	return false
}

// durationRe is a length of time (15天, 三个月): what 多久 asks for.
var durationRe = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百两]+个?(天|日|周|月|年|小时|工作日)`)

// meaningRe asks what something means (是什么意思, 什么叫, 指什么): a FAQ
// entry named after an aspect of a service (什么时候印发的, 怎么申请, 要交多少钱)
// does not answer it.
var meaningRe = regexp.MustCompile(`是什么意思|什么意思|啥意思|(^|[^为凭])什么是|什么叫|啥叫|指什么|指的是什么|的含义|是啥东西|是什么东西`)
