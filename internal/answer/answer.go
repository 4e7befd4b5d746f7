// Package answer turns retrieved passages into grounded, cited answers: with
// an OpenAI-compatible chat model confined to numbered sources, or, without
// one, by quoting the official text (extractive mode). It refuses, without
// calling any model, questions it should not answer.
package answer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// ChatModel streams a chat completion of one system and one user message
// (llm.Client satisfies it). onDelta (may be nil) receives the text as it is
// generated; an error from it stops the completion. The implementation
// retries only before the first delta.
type ChatModel interface {
	Complete(ctx context.Context, system, user string, onDelta func(string) error) (string, error)
}

// Answerability defaults (see Config).
const (
	DefaultMinAnswerability = 0.6
	DefaultTopicWeight      = 0.5
	DefaultSureConfidence   = 0.8
)

// Config tunes an Answerer. Zero values take the documented defaults.
type Config struct {
	Hotline     string // GOVCHAT_HOTLINE; default "12345"
	ServiceName string // how the assistant names itself; default "政务服务智能问答助手"
	// A question is answered when its answerability — the retrieval
	// confidence plus TopicWeight times its topic support (the share of its
	// words found in the knowledge base's titles, FAQ questions and section
	// headings) — reaches MinAnswerability, and at least one of its words is
	// on topic unless the confidence reaches SureConfidence. Otherwise it is
	// refused (low_confidence). Defaults 0.6, 0.5 and 0.8.
	MinAnswerability float64
	TopicWeight      float64
	SureConfidence   float64
	// FAQConfidence: in extractive mode a top-ranked FAQ entry's answer is
	// quoted whole at or above this retrieval confidence (default 0: always).
	FAQConfidence float64
	Passages      int // passages numbered in the model's prompt; default 5
	PassageRunes  int // each passage is cut to this many runes in the prompt; default 1200
	// Extractive mode quotes about QuoteRunes runes (default 360) from the
	// best QuotePassages passages (default 3): the best passage whole when it
	// fits, else its most relevant sentences.
	QuoteRunes    int
	QuotePassages int
	// Calibration decides between answering, clarifying and refusing; the
	// zero value takes the calibration fitted on the development splits.
	Calibration Calibration
	// Focus weighs what an extractive answer quotes.
	Focus FocusParams
	// Regions the service covers in addition to those named in the knowledge
	// base (documents' region, issuer, department and title).
	Regions []string
	Now     func() time.Time
	Log     *slog.Logger
}

func (c *Config) defaults() {
	if c.Hotline == "" {
		c.Hotline = "12345"
	}
	if c.ServiceName == "" {
		c.ServiceName = "政务服务智能问答助手"
	}
	if c.MinAnswerability <= 0 {
		c.MinAnswerability = DefaultMinAnswerability
	}
	if c.TopicWeight <= 0 {
		c.TopicWeight = DefaultTopicWeight
	}
	if c.SureConfidence <= 0 {
		c.SureConfidence = DefaultSureConfidence
	}
	if c.Passages <= 0 {
		c.Passages = 5
	}
	if c.PassageRunes <= 0 {
		c.PassageRunes = 1200
	}
	if c.QuoteRunes <= 0 {
		c.QuoteRunes = 360
	}
	if c.QuotePassages <= 0 {
		c.QuotePassages = 3
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Calibration.Right == nil {
		c.Calibration = defaultCalibration
	}
	c.Focus = c.Focus.withDefaults()
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Answerer answers questions. It is safe for concurrent use.
type Answerer struct {
	cfg     Config
	base    *kb.Base
	r       search.Retriever
	chat    ChatModel
	filter  *safety.Filter
	leak    *safety.Filter
	regions *regionScope
	titles  *titleText
	topics  *topicIndex
	known   *presence
	an      analyzer // nil: entries weighed by character bigrams
	names   sync.Map // entry name → []keyTerm
	system  string
}

// New returns an Answerer over base, retrieving with r. chat may be nil:
// answers are then extractive. f filters sensitive words; nil builds one from
// base.Dict.Sensitive and the built-in list.
func New(cfg Config, base *kb.Base, r search.Retriever, chat ChatModel, f *safety.Filter) (*Answerer, error) {
	cfg.defaults()
	if err := cfg.Calibration.Validate(); err != nil {
		return nil, err
	}
	if base == nil {
		return nil, errors.New("answer: no knowledge base")
	}
	if r == nil {
		return nil, errors.New("answer: no retriever")
	}
	if f == nil {
		var err error
		if f, err = safety.New(safety.Config{Words: base.Dict.Sensitive}); err != nil {
			return nil, fmt.Errorf("answer: %w", err)
		}
	}
	leak, err := safety.New(safety.Config{Words: promptPhrases(cfg.ServiceName, cfg.Hotline), NoBuiltin: true})
	if err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	an, _ := r.(analyzer)
	return &Answerer{
		cfg: cfg, base: base, r: r, chat: chat, filter: f, leak: leak, an: an,
		regions: newRegionScope(base, cfg.Regions),
		titles:  newTitleText(base),
		topics:  newTopicIndex(base, r),
		known:   newPresence(base),
		system:  strings.NewReplacer("{service}", cfg.ServiceName, "{hotline}", cfg.Hotline).Replace(systemPrompt),
	}, nil
}

// Mode is how answers are produced when nothing is refused.
func (a *Answerer) Mode() Mode {
	if a.chat != nil {
		return ModeModel
	}
	return ModeExtractive
}

// Answer answers one question. Refusals are answers (Refused, Reason, a fixed
// Text), not errors; errors are invalid input (ErrInvalidQuestion), a failed
// search, or the end of ctx. Text is streamed through req.Stream as it is
// produced, and Answer.Text is exactly what was streamed.
func (a *Answerer) Answer(ctx context.Context, req Request) (*Answer, error) {
	req = withoutPersonal(req)
	chosen := ""
	if ch, ok := chosenByReply(req.Question, req.History); ok && req.Entry == "" && a.base.Doc(ch.ID) != nil {
		// 2, 第二个, 转入那个 in reply to a clarification: the candidate it
		// names, asked by its button's words, as a tap asks it.
		req.Question, req.Entry, chosen = ch.Question, ch.ID, ch.ID
	}
	c, err := a.consider(ctx, req)
	if err != nil {
		return nil, err
	}
	var ans *Answer
	switch c.verdict {
	case verdictRefuse:
		ans, err = a.refuse(req, c.reason, c.detail, c.standalone)
		if err == nil && c.reason == ReasonLowConfidence && c.resp != nil {
			// What was asked and not answered is still the topic: 办一次管
			// 几天 after 进京证一年能办几次 asks about 进京证 (Answer.Turn
			// keeps the turn as unsure, like a clarification).
			ans.Terms = c.resp.Terms
		}
	case verdictClarify:
		ans, err = a.clarify(req, c.standalone, c.resp, c.detail)
	default:
		lead := ""
		if c.old != nil {
			lead = a.supersededNotice(c.old)
		}
		resp := c.resp
		a.cfg.Log.Debug("answerable", "detail", safety.Redact(c.detail), "terms", safety.Redact(strings.Join(resp.Terms, " ")), "top", resp.Results[0].Chunk.ID)
		if a.chat != nil {
			ans, err = a.modelAnswer(ctx, req, c.q, c.standalone, resp, lead, c.offer)
		} else {
			ans, err = a.extractiveAnswer(req, c.standalone, resp, lead, c.offer)
		}
	}
	if err != nil {
		return nil, err
	}
	ans.Aspect = c.aspect
	if chosen != "" {
		ans.Chosen, ans.Standalone = chosen, req.Question
	}
	// A document no longer in force that the answer names (the question
	// was about it, or it is quoted under its notice) has its replacement
	// cited as a source.
	old := c.old
	if old == nil && !ans.Refused && len(ans.Sources) > 0 {
		if d := a.base.Doc(ans.Sources[0].ID); d != nil && d.Expired(a.cfg.Now()) {
			old = d
		}
	}
	if old != nil && !ans.Clarify {
		if more := a.citeReplacements(ans, old); more != "" {
			if req.Stream != nil {
				if err := req.Stream(more); err != nil {
					return nil, fmt.Errorf("answer: stream: %w", err)
				}
			}
			ans.Text += more
		}
	}
	return ans, nil
}

// withoutPersonal removes 身份证号 and phone numbers (and the words that
// introduce them) from the question and the conversation so far: they are
// not what is asked, they would sway the search, and no model may see them.
func withoutPersonal(req Request) Request {
	if q := safety.WithoutPersonal(req.Question); q != "" {
		req.Question = q
	} else {
		// Nothing but a number: refused like any question without a
		// subject, never answered from the number.
		req.Question = safety.Redact(req.Question)
	}
	if len(req.History) > 0 {
		h := make([]Turn, len(req.History))
		for i, t := range req.History {
			t.Question = safety.WithoutPersonal(t.Question)
			h[i] = t
		}
		req.History = h
	}
	return req
}

// consideration is what is known of a question before it is answered:
// what was found for it and what to do.
type consideration struct {
	q, standalone string
	resp          *search.Response
	verdict       verdict
	judged        *judgement // nil when no evidence was weighed (refused early, or a 文号 named the document)
	reason        string     // of a refusal
	detail        string
	offer         []search.Result // a tentative answer's other candidates, offered as buttons
	old           *kb.Document    // the document no longer in force the question is about, if any
	aspect        string          // the aspect asked for (费用, 材料 …), if any
}

// consider classifies the question, retrieves passages for it (made
// standalone when it follows up the conversation) and decides whether to
// answer, clarify or refuse.
func (a *Answerer) consider(ctx context.Context, req Request) (*consideration, error) {
	q := textnorm.Tidy(req.Question)
	if err := a.filter.CheckQuestion(q); err != nil {
		return nil, fmt.Errorf("answer: %w: %w", ErrInvalidQuestion, err)
	}
	if reason, detail := a.unsafe(q); reason != "" {
		// Whatever entry it names or repeats (a tapped button's frame
		// carries the text the client sends).
		return &consideration{q: q, verdict: verdictRefuse, reason: reason, detail: detail}, nil
	}
	if d := a.base.Doc(req.Entry); req.Entry != "" && d != nil && (d.Type == kb.TypeFAQ || a.titles.document(q) != d) {
		// (A document's button that is its title alone gets its card, below.)
		return a.considerChosen(ctx, q, d, req.IncludeExpired)
	}
	if d := a.titles.exact(q, a.cfg.Now(), req.IncludeExpired); d != nil {
		// Asked in the very words of one FAQ entry's question or of one of
		// its similar questions (an approved 相似问 included): that entry.
		return a.considerChosen(ctx, q, d, req.IncludeExpired)
	}
	if d := a.titles.document(q); d != nil {
		// A document's title and nothing else: what it is and how it opens,
		// as for a 文号 (政务公开工作考核办法（2021年版） had been answered
		// with its 第五条, which names the 2018 edition).
		if chunks := a.r.ChunksOf(d.ID); len(chunks) > 0 {
			top := search.Result{Doc: d, Chunk: chunks[0], Score: 1, Status: d.Validity(a.cfg.Now())}
			return &consideration{q: q, standalone: q, resp: cardResponse(top, nil), verdict: verdictAnswer, detail: "titled " + d.ID}, nil
		}
	}
	c := &consideration{q: q, verdict: verdictRefuse}
	if len(req.History) == 0 && bareMeaningRe.MatchString(textnorm.Key(q)) {
		// 是啥意思, 这是什么意思: the meaning of something the conversation
		// has not named yet.
		c.reason, c.detail = ReasonLowConfidence, "asks a meaning and names nothing"
		return c, nil
	}
	if len(req.History) > 0 && govchat.Dissatisfied(q) {
		// 不对, 答非所问: no question, and nothing to search; the reply says
		// what to do (another wording, 转人工, the hotline).
		c.reason, c.detail = ReasonChitchat, "dissatisfied"
		return c, nil
	}
	reason, detail := a.outOfScope(q) // the safety checks ran above
	place := otherPlace(reason, detail)
	if reason != "" && place == "" {
		c.reason, c.detail = reason, detail
		return c, nil
	}
	// Eight results: the first five are quoted or judged; those after them
	// may hold the section about the aspect asked (preferAspect).
	named, olds := a.namedExpired(q), a.oldEditions(q, req.History)
	included := req.IncludeExpired || len(named) > 0 || len(olds) > 0
	opts := search.Options{Limit: max(a.cfg.Passages, a.cfg.QuotePassages, 8), IncludeExpired: included}
	find, history := q, req.History
	if len(olds) > 0 {
		// 旧的那个是哪天开始实行的: the earlier edition is the topic, named
		// by its title, not the topic of the answer that cited its successor.
		find, history = q+" "+strings.TrimPrefix(a.base.Doc(olds[0]).Title, "【示例】"), nil
	}
	standalone, rewritten, resp, err := a.retrieve(ctx, find, history, opts)
	if err != nil {
		return nil, err
	}
	c.standalone, c.resp = standalone, resp
	if rewritten {
		// The model's rewrite is checked like a question.
		reason, detail := a.classify(standalone)
		if p := otherPlace(reason, detail); p != "" {
			place = p
		} else if reason != "" && reason != ReasonChitchat {
			c.reason, c.detail = reason, detail
			return c, nil
		}
	}
	if place != "" && (len(resp.Results) == 0 || !mentionsPlace(resp.Results[0], place)) {
		// Another region, which the knowledge base has nothing about (it
		// may hold national documents that name it: 国务院…支持海南…).
		c.reason, c.detail = ReasonOutOfScope, "region:"+place
		return c, nil
	}
	if resp.DocNumber != "" && !hasDocNumber(resp.Results, resp.DocNumber) {
		// No document has the 文号 asked about: answer only from passages
		// that cite it, never from one that merely shares words with it.
		citing := citingDocNumber(resp.Results, resp.DocNumber)
		if len(citing) == 0 {
			c.reason, c.detail = ReasonLowConfidence, "docnumber:"+resp.DocNumber
			return c, nil
		}
		r := *resp
		r.Results = citing
		resp = &r
		c.resp = resp
	}
	if d := documentAsked(standalone, resp); d != nil {
		// 考核办法是哪个部门发的: the card of the one document the question
		// names, which holds its issuer, dates and validity.
		top := *d
		if chunks := a.r.ChunksOf(d.Doc.ID); len(chunks) > 0 {
			top.Chunk = chunks[0] // the card quotes the opening
		}
		c.resp, c.verdict, c.detail = cardResponse(top, resp), verdictAnswer, "document asked about: "+d.Doc.ID
		return c, nil
	}
	var own []string // a follow-up's own topic terms
	asked := aspectOf(a.base.Dict.Aspects, q)
	if !rewritten && standalone != q && len(req.History) > 0 {
		own = a.followUpTerms(q, resp)
		// A follow-up that carried the topic over: the documents the
		// previous answer cited come first (要带啥材料 asks about the
		// same matter, not whatever else mentions 材料).
		prev := req.History[len(req.History)-1].Docs
		switch {
		case len(olds) > 0:
			prev = olds // 旧的那个: the edition the cited document replaced
		case len(named) > 0:
			prev = named // 那2018年的呢: the edition named by its year
		}
		if moved, ok := preferDocs(resp.Results, prev, own, asked); ok {
			r := *resp
			r.Results = moved
			resp = &r
			c.resp = resp
		}
	}
	fo := a.focusOf(standalone, resp)
	if fo.aspect != nil {
		c.aspect = fo.aspect.Name
		if moved, ok := fo.preferAspect(resp.Results, a.known); ok {
			r := *resp
			r.Results = moved
			resp = &r
			c.resp = resp
		}
	}
	// 地籍是啥意思: the entry that defines 地籍 (什么是地籍？) answers it.
	resp, def, err := a.definitionFirst(ctx, q, resp, opts)
	if err != nil {
		return nil, err
	}
	if def != "" {
		r := *resp
		r.Confidence = max(r.Confidence, a.cfg.FAQConfidence)
		resp = &r
	}
	c.resp = resp
	ok, detail := a.answerable(resp)
	c.reason, c.detail = ReasonLowConfidence, detail
	if a.onlyPlace(resp) {
		// 海曙区在哪: the place the knowledge base serves and nothing
		// else; every document is set there, none answers.
		c.detail += "; names only the place served"
		return c, nil
	}
	// A question about a document no longer in force (left out of the
	// search unless asked for) is told so.
	if c.old, err = a.supersededMatch(ctx, standalone, resp, opts, included); err != nil {
		return nil, err
	}
	if ok {
		c.verdict = verdictAnswer
	}
	if len(resp.Results) > 0 && (resp.DocNumber == "" || !hasDocNumber(resp.Results, resp.DocNumber)) {
		// Unless a 文号 named the document, weigh the evidence.
		j := a.judge(standalone, q, resp, ok, fo)
		c.verdict, c.judged = j.verdict, &j
		if j.tentative {
			c.offer = tentativeOffers(resp)
		}
		c.detail += "; " + j.String()
		if j.unquotable == "topic" && j.verdict == verdictRefuse && j.inScope >= a.cfg.Calibration.Clarify {
			// 政务公开 alone, where the search found one entry naming it:
			// the entries about the topic are offered instead.
			if menu := a.topicMenu(j.topic, resp); len(menu) >= 2 {
				r := *resp
				r.Results = menu
				resp, c.resp = &r, &r
				c.verdict = verdictClarify
				c.detail += "; the entries about the topic"
			}
		}
		if def != "" && j.unquotable != "sibling" {
			// The entry defines exactly what is asked: no doubt to hedge.
			c.verdict, c.offer = verdictAnswer, nil
			c.detail += "; defines " + def
		}
	}
	if c.verdict != verdictAnswer && !rewritten && standalone != q && len(req.History) > 0 && len(resp.Results) > 0 &&
		slices.Contains(req.History[len(req.History)-1].Docs, resp.Results[0].Doc.ID) && followsOn(resp.Results[0], own, asked) &&
		(c.judged == nil || c.judged.unquotable != "fact") {
		// A follow-up (要带啥材料, 还能再往后拖吗) whose carried topic found
		// the document just answered from: the topic is established, and
		// the passage about what the follow-up asks is quoted. (A FAQ
		// entry only when it is about what the follow-up asks, see
		// preferDocs; not when it holds no figure of the kind asked: 一年交
		// 多少钱 after 怎么办理养犬登记, whose answer only says a fee is paid.)
		c.verdict = verdictAnswer
		c.detail += "; follow-up in the document just cited"
	}
	if !rewritten && standalone != q {
		if i, _ := carriedTurn(q, req.History); i >= 0 && req.History[i].Unsure {
			// The topic carried over was never established (its question
			// was clarified). The question as asked, alone, may be
			// answered (收费吗 where one guide has a 收费 section);
			// otherwise the asker chooses, or is referred.
			alone, err := a.consider(ctx, Request{Question: req.Question, IncludeExpired: req.IncludeExpired})
			if err != nil {
				return nil, err
			}
			if alone.verdict == verdictAnswer {
				return alone, nil
			}
			if c.verdict == verdictAnswer {
				c.verdict = verdictRefuse
				if len(clarifyCandidates(resp.Results, nil)) >= 2 {
					c.verdict = verdictClarify
				}
				c.detail += "; follow-up of a clarified question"
			}
		}
	}
	if c.verdict == verdictRefuse && c.old != nil {
		c.detail = "expired:" + c.old.ID
	}
	return c, nil
}

// cardResponse answers with top's document card and top's passage (its
// opening), as a 文号 does; from, when given, is the search whose terms it
// keeps.
func cardResponse(top search.Result, from *search.Response) *search.Response {
	var r search.Response
	if from != nil {
		r = *from
	}
	r.Results = []search.Result{top}
	r.Lookup, r.DocNumber, r.Confidence = true, kb.NormalizeDocNumber(top.Doc.DocNumber), 1
	return &r
}

// bareMeaningRe is a question for a meaning that names nothing (是啥意思,
// 这个是什么意思): a follow-up, or nothing to answer.
var bareMeaningRe = regexp.MustCompile(`^(请问)?(这|那|这个|那个|这句|这句话|那句话|它)?(到底|究竟)?(是)?(啥|什么)(意思)?(啊|呀|呢)?$`)

// considerChosen answers from entry d, which the asker chose by tapping a
// button of an earlier answer (Request.Entry): its question is the entry's
// own (a FAQ entry's question, a document's title and heading), yet another
// entry may rank first for those words (如何办理职工住房公积金账户转入？ finds
// the entry on 转出 first) or the evidence may not clear the bar for an
// answer, and a tap must never give another entry's answer. The search for
// the button's words still finds the passage of a document it names, and,
// after a FAQ entry's answer, the neighbours offered as buttons.
func (a *Answerer) considerChosen(ctx context.Context, q string, d *kb.Document, includeExpired bool) (*consideration, error) {
	c := &consideration{q: q, standalone: q, verdict: verdictRefuse, reason: ReasonLowConfidence}
	opts := search.Options{Limit: max(a.cfg.Passages, a.cfg.QuotePassages, 8), IncludeExpired: includeExpired || d.Expired(a.cfg.Now())}
	resp, err := a.r.Search(ctx, q, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("answer: search: %w", err)
	}
	var own, rest []search.Result
	for _, r := range resp.Results {
		if r.Doc.ID == d.ID {
			own = append(own, r)
		} else if !slices.ContainsFunc(rest, func(x search.Result) bool { return x.Doc.ID == r.Doc.ID }) {
			rest = append(rest, r)
		}
	}
	if len(own) == 0 {
		chunk, ok := chosenChunk(a.r.ChunksOf(d.ID), q)
		if !ok {
			c.detail = "chosen entry " + d.ID + " has no passage"
			return c, nil
		}
		own = []search.Result{{Doc: d, Chunk: chunk, Score: 1, Status: d.Validity(a.cfg.Now())}}
	}
	r := *resp
	r.Results = own
	if d.Type == kb.TypeFAQ && a.chat == nil {
		// Neighbours become the 您可能还想问 buttons after the quote.
		r.Results = append(own, rest...)
	}
	// The asker's choice is the evidence: the entry is quoted as found.
	r.Confidence = max(r.Confidence, a.cfg.FAQConfidence)
	c.resp, c.verdict, c.reason, c.detail = &r, verdictAnswer, "", "chosen entry "+d.ID
	if asked := aspectOf(a.base.Dict.Aspects, q); asked != nil {
		c.aspect = asked.Name
	}
	return c, nil
}

// chosenChunk is the passage a button names: for a document, the one whose
// heading ends the button's words (标题：二、申请方式), else its first (a FAQ
// entry's one passage is its answer).
func chosenChunk(chunks []kb.Chunk, q string) (kb.Chunk, bool) {
	if len(chunks) == 0 {
		return kb.Chunk{}, false
	}
	for _, ch := range chunks {
		if n := len(ch.Heading); n > 0 && strings.HasSuffix(q, "："+strings.TrimSpace(ch.Heading[n-1])) {
			return ch, true
		}
	}
	return chunks[0], true
}

// supersededMatch returns the document no longer in force that best matches
// the question, when the question matches it better than anything in force
// (the search left it out): 2018年版考核办法的考核内容 when a 2021 version
// replaced it. It returns nil when expired documents were asked for, when
// the question names a 文号, or when the knowledge base has no such document.
func (a *Answerer) supersededMatch(ctx context.Context, q string, resp *search.Response, opts search.Options, included bool) (*kb.Document, error) {
	now := a.cfg.Now()
	if included || resp.DocNumber != "" || !slices.ContainsFunc(a.base.Docs, func(d *kb.Document) bool { return d.Expired(now) }) {
		return nil, nil
	}
	opts.IncludeExpired = true
	all, err := a.r.Search(ctx, q, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("answer: search: %w", err)
	}
	if len(all.Results) == 0 || !all.Results[0].Doc.Expired(now) {
		return nil, nil
	}
	// It must match clearly better than the best document in force (a
	// question on 考核 matches the old and the new 考核办法 about equally).
	for _, r := range all.Results[1:] {
		if !r.Doc.Expired(now) {
			if r.Score >= supersededMargin*all.Results[0].Score {
				return nil, nil
			}
			break
		}
	}
	if ok, _ := a.answerable(all); !ok {
		return nil, nil
	}
	return all.Results[0].Doc, nil
}

// preferDocs moves the results from the documents ids first, keeping their
// order, and reports whether anything moved. A FAQ entry is moved only when
// it is about what the follow-up asks (about): an entry answers one
// question, and a follow-up asking something else (什么情况下就不给发了 after
// the entry on bank cards for 失业 benefits) is another entry's, which the
// carried topic finds on its own; the same words again (要点出台时间, now a
// similar question of the entry just quoted) are still that entry's.
//
// A follow-up that asks only for an aspect (要写啥材料, no words of its own)
// stays with a FAQ entry whose answer speaks of that aspect (写明申请人的
// 姓名…身份证明 for 材料): it asks more of what that answer says.
func preferDocs(results []search.Result, ids []string, own []string, aspect *kb.Aspect) ([]search.Result, bool) {
	if len(ids) == 0 {
		return results, false
	}
	in := func(r search.Result) bool { return slices.Contains(ids, r.Doc.ID) && followsOn(r, own, aspect) }
	out := make([]search.Result, 0, len(results))
	for _, r := range results {
		if in(r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 || len(out) == len(results) {
		return results, false
	}
	for _, r := range results {
		if !in(r) {
			out = append(out, r)
		}
	}
	for i := range out {
		if out[i].Chunk.ID != results[i].Chunk.ID {
			return out, true
		}
	}
	return results, false
}

// supersededMargin: a document no longer in force is taken as what a
// question is about when the best one in force scores below this share of
// its score.
const supersededMargin = 0.9

// supersededNotice opens an answer given from documents in force to a
// question that best matches one that is not.
func (a *Answerer) supersededNotice(d *kb.Document) string {
	return "请注意：" + a.supersededFact(d, true) + "。以下内容依据现行有效的资料。\n\n"
}

// supersededFact says that d, which best matches the question, is no
// longer in force, and (withReplacement) names what replaces it.
func (a *Answerer) supersededFact(d *kb.Document, withReplacement bool) string {
	name := "《" + d.Title + "》"
	if d.Type == kb.TypeFAQ {
		name = "常见问题“" + d.Title + "”的答复" // a question, not a title
	}
	if d.DocNumber != "" {
		name += "（" + d.DocNumber + "）"
	}
	s := "与您的问题最相关的" + name + "已" + strings.TrimPrefix(string(d.Validity(a.cfg.Now())), "已")
	if repl := a.replacements(d); repl != "" && withReplacement {
		s += "，现行文件为" + repl
	}
	return s
}

// replacements names the documents that replace d. Their pages are not
// written into the text: citeReplacements makes them sources.
func (a *Answerer) replacements(d *kb.Document) string {
	var repl []string
	for _, id := range d.ReplacedBy {
		if rd := a.base.Doc(id); rd != nil {
			repl = append(repl, "《"+rd.Title+"》")
		}
	}
	return strings.Join(repl, "、")
}

// citeReplacements cites, as sources of ans, the documents that replace d
// and that ans does not cite already (at their opening), and returns the
// line that names them with their citation numbers, for the end of the
// answer ("" when there is nothing to add).
func (a *Answerer) citeReplacements(ans *Answer, d *kb.Document) string {
	now := a.cfg.Now()
	var names []string
	for _, id := range d.ReplacedBy {
		rd := a.base.Doc(id)
		if rd == nil || slices.ContainsFunc(ans.Sources, func(s kb.Source) bool { return s.ID == rd.ID }) {
			continue
		}
		var opening *kb.Chunk
		if cs := a.r.ChunksOf(rd.ID); len(cs) > 0 {
			opening = &cs[0]
		}
		src := a.base.SourceOf(rd, opening, snippet(rd.Body), now)
		src.N = len(ans.Sources) + 1
		ans.Sources = append(ans.Sources, src)
		names = append(names, fmt.Sprintf("《%s》[%d]", rd.Title, src.N))
	}
	if len(names) == 0 {
		return ""
	}
	return "\n\n现行文件：" + strings.Join(names, "、")
}

// answerable decides whether the retrieved passages can answer the question.
func (a *Answerer) answerable(resp *search.Response) (bool, string) {
	if len(resp.Results) == 0 {
		return false, "no results"
	}
	sup, missing := a.topicSupport(resp)
	score := resp.Confidence + a.cfg.TopicWeight*sup
	detail := fmt.Sprintf("confidence %.2f, topic support %.2f (missing %v)", resp.Confidence, sup, missing)
	if score < a.cfg.MinAnswerability {
		return false, detail
	}
	if sup == 0 && resp.Confidence < a.cfg.SureConfidence {
		return false, detail
	}
	return true, detail
}

// refuse returns the fixed reply for reason, streamed like any answer.
func (a *Answerer) refuse(req Request, reason, detail, standalone string) (*Answer, error) {
	a.cfg.Log.Debug("answer refused", "reason", reason, "detail", safety.Redact(detail), "question", safety.Redact(req.Question))
	ans := &Answer{Text: a.reply(reason, detail), Refused: true, Reason: reason, Mode: ModeRefused, Sources: []kb.Source{}}
	if id, ok := strings.CutPrefix(detail, "expired:"); ok {
		if d := a.base.Doc(id); d != nil {
			// The document in force is cited, not written as a path.
			ans.Text += a.citeReplacements(ans, d)
		}
	}
	if req.Stream != nil {
		if err := req.Stream(ans.Text); err != nil {
			return nil, fmt.Errorf("answer: stream: %w", err)
		}
	}
	if standalone != "" && standalone != textnorm.Tidy(req.Question) {
		ans.Standalone = standalone
	}
	return ans, nil
}

// output collects the answer text and streams it. After the stream fails
// (the asker went away) every write fails with that error.
type output struct {
	b      strings.Builder
	stream func(string) error
	err    error
}

func (o *output) write(s string) error {
	if o.err != nil {
		return o.err
	}
	if s == "" {
		return nil
	}
	o.b.WriteString(s)
	if o.stream != nil {
		if err := o.stream(s); err != nil {
			o.err = fmt.Errorf("answer: stream: %w", err)
			return o.err
		}
	}
	return nil
}

// modelAnswer asks the chat model, checking citations and sensitive words on
// the way to the stream. When the model fails before its first token the
// answer falls back to extractive mode.
func (a *Answerer) modelAnswer(ctx context.Context, req Request, q, standalone string, resp *search.Response, lead string, offer []search.Result) (*Answer, error) {
	now := a.cfg.Now()
	passages := resp.Results[:min(a.cfg.Passages, len(resp.Results))]
	statuses := make([]kb.Status, len(passages))
	for i, r := range passages {
		statuses[i] = r.Doc.Validity(now)
	}
	out := &output{stream: req.Stream}
	leakGuard := a.leak.Guard(out.write)
	guard := a.filter.Guard(leakGuard.Write)
	cit := newCiter(len(passages), guard.Write)
	notice := lead + a.notice(resp, now)
	started := false
	onDelta := func(d string) error {
		if !started {
			started = true
			if err := out.write(notice); err != nil {
				return err
			}
		}
		return cit.Write(d)
	}
	_, err := a.chat.Complete(ctx, a.system, userMessage(passages, statuses, standalone, a.cfg.PassageRunes), onDelta)
	closeChain := func() error {
		if err := cit.Close(); err != nil {
			return err
		}
		if err := guard.Close(); err != nil {
			return err
		}
		return leakGuard.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if out.err != nil {
			return nil, out.err
		}
		if !started {
			a.cfg.Log.Warn("chat model failed; answering extractively", slog.Any("error", err))
			return a.extractiveAnswer(req, standalone, resp, lead, offer)
		}
		a.cfg.Log.Warn("chat model failed mid-answer", slog.Any("error", err))
		if cerr := closeChain(); cerr != nil {
			return nil, cerr
		}
		if err := out.write("\n\n（回答生成中断，以上内容可能不完整，请以原文为准，或拨打" + a.cfg.Hotline + "政务服务便民热线咨询。）"); err != nil {
			return nil, err
		}
	} else if err := closeChain(); err != nil {
		return nil, err
	}
	if m := guard.Masked() + leakGuard.Masked(); m > 0 {
		a.cfg.Log.Warn("masked words in model output", "count", m, "prompt_phrases", leakGuard.Masked())
	}
	if cit.removed > 0 {
		a.cfg.Log.Info("removed citations of passages not provided", "count", cit.removed)
	}
	sources := []kb.Source{}
	for i, n := range cit.cited {
		r := passages[n-1]
		s := a.base.SourceOf(r.Doc, &r.Chunk, snippet(r.Chunk.Text), now)
		s.N = i + 1
		sources = append(sources, s)
	}
	if len(offer) > 0 {
		// A tentative answer offers the other candidates.
		if err := out.write(alsoAsked(offer, true)); err != nil {
			return nil, err
		}
	}
	ans := &Answer{Text: out.b.String(), Mode: ModeModel, Sources: sources, Related: relatedOf(offer), Terms: resp.Terms}
	if standalone != q {
		ans.Standalone = standalone
	}
	return ans, nil
}

// extractiveAnswer quotes the official text: the FAQ answer when a FAQ entry
// ranks first, else the most relevant sentences of the top passages, each
// quote followed by its citation. Only fixed connecting words are added.
// offer are further entries to offer as buttons (a tentative answer's other
// candidates).
func (a *Answerer) extractiveAnswer(req Request, standalone string, resp *search.Response, lead string, offer []search.Result) (*Answer, error) {
	now := a.cfg.Now()
	out := &output{stream: req.Stream}
	top := resp.Results[0]
	if err := out.write(lead + a.notice(resp, now)); err != nil {
		return nil, err
	}
	sources := []kb.Source{}
	related := []kb.Related{}
	if top.Doc.Type == kb.TypeFAQ && resp.Confidence >= a.cfg.FAQConfidence {
		body := strings.TrimSpace(top.Chunk.Text)
		if body == "" {
			body = strings.TrimSpace(top.Doc.Body)
		}
		// Say which question the quoted answer answers: it may not be quite
		// the one asked. Then stream the answer paragraph by paragraph.
		intro := introduce(top, body)
		if len(offer) > 0 {
			intro = introduceTentatively(top)
		}
		if err := out.write(intro); err != nil {
			return nil, err
		}
		paras := strings.SplitAfter(body, "\n")
		for _, p := range paras {
			if err := out.write(p); err != nil {
				return nil, err
			}
		}
		if err := out.write("[1]"); err != nil {
			return nil, err
		}
		s := a.base.SourceOf(top.Doc, &top.Chunk, snippet(body), now)
		s.N = 1
		sources = append(sources, s)
		// Cite the official paragraphs the FAQ answer rests on too.
		line, more := a.backing(top.Doc, body, 2, sources, now)
		if err := out.write(line); err != nil {
			return nil, err
		}
		sources = append(sources, more...)
		also := withOffers(alsoAskedResults(resp.Results), offer, top)
		if err := out.write(alsoAsked(also, len(offer) > 0)); err != nil {
			return nil, err
		}
		related = relatedOf(also)
	} else if resp.Lookup && (resp.DocNumber == "" || namesTopDocument(resp)) {
		// The question asks for a document by its 文号: say what it is and
		// quote its opening.
		ss := openingQuote(top.Doc, top.Chunk, a.cfg.QuoteRunes)
		text := joinQuote(top.Chunk.Text, ss)
		part := documentCard(top.Doc, standalone, now)
		if text != "" {
			part += "\n\n正文开头：\n“" + text + "”[1]"
		}
		if err := out.write(part); err != nil {
			return nil, err
		}
		s := a.base.SourceOf(top.Doc, &top.Chunk, snippet(text), now)
		s.N = 1
		sources = append(sources, s)
	} else {
		results, terms := resp.Results, resp.Terms
		if namesTopDocument(resp) {
			// A question about one document is answered from it alone, by
			// what it asks besides the 文号.
			results, terms = ofNamedDocument(resp), withoutDocNumber(terms, resp.DocNumber)
		}
		fr := *resp
		fr.Terms = terms
		fo := a.focusOf(standalone, &fr)
		if standalone != textnorm.Tidy(req.Question) {
			fo = fo.carried(req.Question)
		}
		results, own := withContinuation(results, max(a.cfg.QuotePassages, 5), a.r.ChunksOf)
		quotes := fo.focusQuotes(results, own, max(a.cfg.QuotePassages, 5), a.cfg.QuoteRunes)
		if len(quotes) == 0 {
			if len(terms) == 0 {
				terms = bigrams(textnorm.Key(standalone))
			}
			quotes = selectSentences(results, terms, a.cfg.QuotePassages, a.cfg.QuoteRunes)
		}
		for i, qt := range quotes {
			r := results[qt.passage]
			text := joinQuote(r.Chunk.Text, qt.sentences)
			if qt.cutBefore {
				text = "……" + text
			}
			if qt.cutAfter {
				text = strings.TrimRight(text, "，,；;：:") + "……"
			}
			intro := introduce(r, text)
			if i > 0 && results[quotes[i-1].passage].Doc.ID == r.Doc.ID {
				intro = introduceAgain(r, text)
			}
			if i > 0 {
				intro = "\n\n" + intro
			}
			// The source first, then the quote: two pieces on the stream.
			if err := out.write(intro); err != nil {
				return nil, err
			}
			if err := out.write("“" + text + "”" + fmt.Sprintf("[%d]", i+1)); err != nil {
				return nil, err
			}
			s := a.base.SourceOf(r.Doc, &r.Chunk, snippet(text), now)
			s.N = i + 1
			sources = append(sources, s)
		}
		var quoted []string
		for _, s := range sources {
			quoted = append(quoted, s.ID)
		}
		also := withOffers(alsoFoundResults(results, quoted, fo.near, alsoAskedShare), offer, top)
		if err := out.write(alsoAsked(also, len(offer) > 0)); err != nil {
			return nil, err
		}
		related = relatedOf(also)
	}
	ans := &Answer{Text: out.b.String(), Mode: ModeExtractive, Sources: sources, Related: related, Terms: resp.Terms}
	if standalone != textnorm.Tidy(req.Question) {
		ans.Standalone = standalone
	}
	return ans, nil
}

// quoteHeading is the nearest heading of a quoted chunk, or the one above
// it when the quote itself starts with it (a run-in heading such as
// 第四条 or （一）深化重大建设项目信息公开), so that nothing is said twice.
func quoteHeading(c kb.Chunk, quote string) string {
	h := c.Heading
	if n := len(h); n > 0 && strings.HasPrefix(textnorm.Key(quote), strings.TrimSuffix(textnorm.Key(h[n-1]), "…")) {
		h = h[:n-1]
	}
	if len(h) == 0 {
		return ""
	}
	// The nearest heading is the context; the source card below the answer
	// has the whole path.
	return h[len(h)-1]
}

// introduce names the source of a quote: 根据《标题》（文号）“章节”部分：
func introduce(r search.Result, quote string) string {
	d := r.Doc
	var b strings.Builder
	switch d.Type {
	case kb.TypeFAQ:
		b.WriteString("根据常见问题“" + d.Title + "”的答复")
	case kb.TypeInterpretation:
		b.WriteString("根据政策解读《" + shortTitle(d.Title) + "》")
	case kb.TypeGuide:
		b.WriteString("根据办事指南《" + shortTitle(d.Title) + "》")
	default:
		b.WriteString("根据《" + shortTitle(d.Title) + "》")
	}
	if d.DocNumber != "" {
		b.WriteString("（" + d.DocNumber + "）")
	}
	if h := quoteHeading(r.Chunk, quote); h != "" && d.Type != kb.TypeFAQ {
		b.WriteString("“" + h + "”部分")
	}
	if d.Sample && !strings.Contains(d.Title, "示例") {
		// Demonstration content says so wherever it is quoted.
		b.WriteString("（示例内容）")
	}
	b.WriteString("：\n")
	return b.String()
}

// introduceTentatively names the FAQ entry a tentative answer quotes as
// what the asker probably means: it may not be, and the other candidates
// follow the answer.
func introduceTentatively(r search.Result) string {
	s := "您问的可能是常见问题“" + r.Doc.Title + "”，其答复"
	if r.Doc.Sample && !strings.Contains(r.Doc.Title, "示例") {
		s += "（示例内容）"
	}
	return s + "：\n"
}

// notice opens an answer: the validity notice of the best source and, when
// the question names a 文号 no document has, that the passages only cite it.
func (a *Answerer) notice(resp *search.Response, now time.Time) string {
	s := a.validityNotice(resp.Results[0], now)
	if resp.DocNumber != "" && !hasDocNumber(resp.Results, resp.DocNumber) {
		s = "知识库中没有文号为“" + resp.DocNumber + "”的文件原文，以下资料提到了该文件：\n\n" + s
	}
	return s
}

// issuingNoticeRe matches the title of a notice that issues a document
// (…关于印发《X》的通知, …关于印发X的通知): the document is X.
var issuingNoticeRe = regexp.MustCompile(`关于印发《?(.+?)》?的通知$`)

// maxTitleRunes bounds a title named in an answer's text; the source card
// below the answer carries it whole.
const maxTitleRunes = 24

// shortTitle is how an answer names a document in its text: the document a
// notice issues rather than the notice (2019年宁波市海曙区政务公开工作要点
// for …办公室关于印发2019年…工作要点的通知), and no longer than
// maxTitleRunes.
func shortTitle(title string) string {
	t := strings.TrimSpace(title)
	if m := issuingNoticeRe.FindStringSubmatch(t); m != nil && utf8.RuneCountInString(m[1]) >= 4 {
		t = m[1]
	}
	if rs := []rune(t); len(rs) > maxTitleRunes {
		t = string(rs[:maxTitleRunes-2]) + "…"
	}
	return t
}

// introduceAgain names the part of the document quoted just before that a
// further quote comes from: 同一文件“章节”部分：
func introduceAgain(r search.Result, quote string) string {
	if h := quoteHeading(r.Chunk, quote); h != "" {
		return "同一文件“" + h + "”部分：\n"
	}
	if len(r.Chunk.Heading) == 0 && r.Chunk.Ord <= 1 {
		return "同一文件开头部分：\n" // the title and preamble
	}
	// A later part of a document without headings (a news item) is no
	// opening.
	return "同一文件另有：\n"
}

// validityNotice warns when the best source is no longer (or not yet) in
// force and names its replacement when known.
func (a *Answerer) validityNotice(r search.Result, now time.Time) string {
	d := r.Doc
	name := "《" + d.Title + "》"
	if d.Type == kb.TypeFAQ {
		name = "常见问题“" + d.Title + "”的答复"
	}
	if d.DocNumber != "" {
		name += "（" + d.DocNumber + "）"
	}
	switch st := d.Validity(now); st {
	case kb.StatusRepealed, kb.StatusRevised:
		s := "请注意：" + name + "已" + strings.TrimPrefix(string(st), "已") + "，以下内容仅供参考，请以现行规定为准。"
		if !d.Expires.IsZero() && st == kb.StatusRepealed && d.Status != kb.StatusRepealed {
			s = "请注意：" + name + "的有效期已于" + d.Expires.Format("2006年1月2日") + "届满，以下内容仅供参考，请以现行规定为准。"
		}
		if repl := a.replacements(d); repl != "" {
			s += "现行文件为" + repl + "。"
		}
		return s + "\n\n"
	case kb.StatusPending:
		s := "请注意：" + name + "尚未施行"
		if !d.Effective.IsZero() {
			s += "，将于" + d.Effective.Format("2006年1月2日") + "起施行"
		}
		return s + "。\n\n"
	}
	return ""
}

// snippet shortens text for a source card.
func snippet(s string) string { return truncate(strings.TrimSpace(s), 200) }

// bigrams are character pairs of a normalised question, used as terms when
// the retriever reports none.
func bigrams(s string) []string {
	rs := []rune(s)
	var out []string
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	if len(out) == 0 && utf8.RuneCountInString(s) == 1 {
		out = []string{s}
	}
	return out
}

// followUpTerms are the follow-up q's own topic terms: neither its cue
// (那…呢) nor the words that ask for an aspect (交钱, 带啥).
func (a *Answerer) followUpTerms(q string, resp *search.Response) []string {
	return slices.DeleteFunc(topicTerms(stripCue(q), resp.Terms), a.asksAspect)
}

// followsOn reports whether result r, from the answer just given, may
// answer a follow-up with its own topic terms own asking for aspect: about
// them, or, when it names none, a FAQ entry whose answer speaks of the
// aspect.
func followsOn(r search.Result, own []string, aspect *kb.Aspect) bool {
	return about(r, own) || len(own) == 0 && speaksOf(r, aspect)
}

// speaksOf reports whether FAQ entry r's answer speaks of aspect a: it
// holds one of the aspect's marks.
func speaksOf(r search.Result, a *kb.Aspect) bool {
	if a == nil || r.Doc.Type != kb.TypeFAQ {
		return false
	}
	text := textnorm.Key(r.Doc.Body + "\n" + r.Chunk.Text)
	return slices.ContainsFunc(a.Mark, func(m string) bool { m = textnorm.Key(m); return m != "" && strings.Contains(text, m) })
}

// about reports whether result r may answer a follow-up with its own topic
// terms own: any passage of a document may (its other sections answer
// other aspects of the topic); a FAQ entry only when its question or one of
// its similar questions names them all.
func about(r search.Result, own []string) bool {
	if r.Doc.Type != kb.TypeFAQ {
		return true
	}
	return len(own) > 0 && coveredInHeadings(r, own) == len(own)
}
