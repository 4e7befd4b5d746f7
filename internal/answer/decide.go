package answer

import (
	"fmt"
	"math"
	"strings"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
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
	"bias", "title", "body", "partial", "conflict", "foreign", "back", "confidence", "second", "rival", "answerable",
}

// features describes the evidence that the first result answers q:
//   - title, body, partial, conflict, foreign: how the first entry accounts
//     for the question's key terms (see evidence);
//   - back: the share of its title's character bigrams in the question;
//   - confidence: the retrieval's own confidence;
//   - second: the second result's score as a share of the first's;
//   - rival: how much better the best of the next three accounts for the
//     key terms than the first (negative when none does);
//   - answerable: 1 when the retrieval-level check passed.
func (a *Answerer) features(q string, resp *search.Response, answerable bool) ([]float64, []evidence) {
	terms := keyTerms(resp)
	n := min(len(resp.Results), 4)
	ev := make([]evidence, n)
	for i := range n {
		ev[i] = a.known.evidenceOf(q, terms, resp.Results[i], a.nameTerms(resp.Results[i]))
	}
	f := make([]float64, len(featureNames))
	f[0] = 1
	if n == 0 {
		return f, ev
	}
	e := ev[0]
	f[1], f[2], f[3], f[4], f[5], f[6] = e.Title, e.Body, e.Partial, e.Conflict, e.Foreign, e.Back
	f[7] = resp.Confidence
	if n > 1 && resp.Results[0].Score > 0 {
		f[8] = resp.Results[1].Score / resp.Results[0].Score
	}
	best := math.Inf(-1)
	for _, o := range ev[1:] {
		best = max(best, o.score())
	}
	if n > 1 {
		f[9] = best - e.score()
	}
	if answerable {
		f[10] = 1
	}
	return f, ev
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
type Calibration struct {
	Right    []float64 `json:"right"`    // P(the first result is the right one)
	InScope  []float64 `json:"in_scope"` // P(the knowledge base answers the question)
	Answer   float64   `json:"answer"`   // answer when P(right) reaches this
	Clarify  float64   `json:"clarify"`  // else clarify when P(in scope) reaches this, else refuse
	Features []string  `json:"features"`
}

// defaultCalibration was fitted on the development splits
// (testdata/questions/*.dev.jsonl, see docs/answers.md).
var defaultCalibration = Calibration{
	Right:   []float64{0.12, 0.67, 0.06, 0.13, -0.15, -0.58, 1.11, 1.14, -1.31, -0.2, 0.51},
	InScope: []float64{0.05, 0.7, 0.1, 0.13, 0.04, -0.76, 0.73, 1.19, -0.45, 0.06, 0.76},
	Answer:  0.6,
	Clarify: 0.5,
}

// Validate checks that the models fit the features.
func (c Calibration) Validate() error {
	if len(c.Right) != len(featureNames) || len(c.InScope) != len(featureNames) {
		return fmt.Errorf("answer: calibration has %d and %d weights for %d features", len(c.Right), len(c.InScope), len(featureNames))
	}
	if c.Answer <= 0 || c.Answer >= 1 || c.Clarify <= 0 || c.Clarify >= 1 {
		return fmt.Errorf("answer: calibration thresholds %.2f and %.2f are not in (0, 1)", c.Answer, c.Clarify)
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

// judgement is a verdict with its evidence, for logs and evaluation.
type judgement struct {
	verdict verdict
	right   float64 // P(first is right)
	inScope float64 // P(answerable at all)
	ev      []evidence
	f       []float64
	faq     bool // the models decided (a FAQ entry came first)
}

func (j judgement) String() string {
	return fmt.Sprintf("%s (P(right) %.2f, P(in scope) %.2f)", j.verdict, j.right, j.inScope)
}

// judge decides between answering, clarifying and refusing. The models
// judge FAQ entries, whose questions the asker can recognise and choose
// between; a passage of a document found first is answered or refused by
// the retrieval-level check alone.
func (a *Answerer) judge(q string, resp *search.Response, answerable bool) judgement {
	f, ev := a.features(q, resp, answerable)
	c := a.cfg.Calibration
	j := judgement{right: model(c.Right).prob(f), inScope: model(c.InScope).prob(f), ev: ev, f: f}
	switch {
	case len(resp.Results) == 0:
		j.verdict = verdictRefuse
	case resp.Results[0].Doc.Type != kb.TypeFAQ:
		// A passage of a document: quoted when the retrieval-level check
		// passed (the quote names its source and section), else refused.
		j.verdict = verdictRefuse
		if answerable {
			j.verdict = verdictAnswer
		}
	case j.right >= c.Answer:
		j.faq = true
		j.verdict = verdictAnswer
	case j.inScope >= c.Clarify && len(clarifyCandidates(resp.Results, ev)) >= 2:
		j.faq = true
		j.verdict = verdictClarify
	default:
		j.faq = true
		j.verdict = verdictRefuse
	}
	return j
}

// clarifyCandidates are the FAQ entries offered in a clarification: among
// the first four results, distinct questions, in rank order.
func clarifyCandidates(results []search.Result, ev []evidence) []search.Result {
	var out []search.Result
	seen := map[string]bool{}
	for i, r := range results[:min(len(results), 4)] {
		if r.Doc.Type != kb.TypeFAQ {
			continue
		}
		t := strings.TrimSpace(r.Doc.Title)
		if seen[t] || seen[r.Doc.ID] {
			continue
		}
		if i > 0 && i < len(ev) && ev[i].score() == 0 && ev[i].Back == 0 {
			continue // shares nothing with the question
		}
		seen[t], seen[r.Doc.ID] = true, true
		out = append(out, r)
	}
	return out
}

// relatedOf turns results into suggestions.
func relatedOf(results []search.Result) []kb.Related {
	out := make([]kb.Related, 0, len(results))
	for _, r := range results {
		out = append(out, kb.Related{ID: r.Doc.ID, Question: strings.TrimSpace(r.Doc.Title), DocURL: kb.DocURL(r.Doc.ID, ""), Sample: r.Doc.Sample})
	}
	return out
}

// clarify asks which of several FAQ entries the asker means: their
// questions, numbered, as text for old clients and as Related for buttons.
// Nothing is quoted, so nothing is cited.
func (a *Answerer) clarify(req Request, standalone string, resp *search.Response, detail string) (*Answer, error) {
	cands := clarifyCandidates(resp.Results, nil)
	if len(cands) > 4 {
		cands = cands[:4]
	}
	var b strings.Builder
	b.WriteString("您是想问以下哪个问题？\n")
	for i, r := range cands {
		fmt.Fprintf(&b, "%d. %s\n", i+1, strings.TrimSpace(r.Doc.Title))
	}
	b.WriteString("\n请点选其中一个问题查看答复。如果都不是，可以换个说法再问，或拨打" + a.cfg.Hotline + "政务服务便民热线咨询，也可以点击“转人工”。")
	text := b.String()
	a.cfg.Log.Debug("answer clarified", "detail", detail, "question", safety.Redact(req.Question))
	if req.Stream != nil {
		if err := req.Stream(text); err != nil {
			return nil, fmt.Errorf("answer: stream: %w", err)
		}
	}
	ans := &Answer{Text: text, Clarify: true, Mode: ModeClarify, Sources: []kb.Source{}, Related: relatedOf(cands), Terms: resp.Terms}
	if standalone != safety.Clean(req.Question) {
		ans.Standalone = standalone
	}
	return ans, nil
}
