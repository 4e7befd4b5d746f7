package answer

import (
	"context"
	"math"
	"slices"
	"sort"

	"github.com/govchat/govchat/internal/search"
)

// Sample is one question of a development set as the answerer sees it: the
// features of its evidence and what a decision would make of it. It is
// what FitCalibration learns from.
type Sample struct {
	ID       string
	Features []float64
	InScope  bool // the knowledge base answers it (relevant ids given)
	Right    bool // the first result is relevant
	// OfferedClarify: a relevant entry is among the candidates a
	// clarification would offer; OfferedAfter: among the related entries
	// offered after an answer.
	OfferedClarify, OfferedAfter bool
	CanClarify                   bool // two or more FAQ entries to offer
	// Near: a relevant entry is among the first three results (what a
	// quote is chosen from).
	Near bool
	// Kind is the model that decides (kindFAQ, kindPassage), or "" when the
	// verdict Fixed does not depend on the calibration (refused early, a
	// 文号 named the document).
	Kind  string
	Fixed verdict
	// Unquotable: the first passage answers only through its document's
	// title, or the first entry lacks the kind of fact asked; it is not
	// quoted whatever the model says (a FAQ entry may still be offered in a
	// clarification).
	Unquotable bool
	// Question and Top (the ids of the first results, best first) let the
	// samples be read beside the knowledge base when studying a decision.
	Question string   `json:",omitempty"`
	Top      []string `json:",omitempty"`
}

// Sample considers question as Answer would and returns its features;
// relevant are the ids that answer it (none for an out-of-scope question).
func (a *Answerer) Sample(ctx context.Context, id, question string, relevant []string) (Sample, error) {
	c, err := a.consider(ctx, Request{Question: question})
	if err != nil {
		return Sample{}, err
	}
	s := Sample{ID: id, InScope: len(relevant) > 0, Fixed: c.verdict, Question: question}
	if c.resp != nil && len(c.resp.Results) > 0 {
		for _, r := range c.resp.Results[:min(4, len(c.resp.Results))] {
			s.Top = append(s.Top, r.Doc.ID)
		}
		rel := func(r search.Result) bool { return slices.Contains(relevant, r.Doc.ID) }
		s.Right = rel(c.resp.Results[0])
		s.Near = slices.ContainsFunc(c.resp.Results[:min(3, len(c.resp.Results))], rel)
		s.OfferedAfter = slices.ContainsFunc(alsoAskedResults(c.resp.Results), rel)
		cands := clarifyCandidates(c.resp.Results, nil)
		s.CanClarify = len(cands) >= 2
		s.OfferedClarify = slices.ContainsFunc(cands, rel)
	}
	if c.judged != nil {
		s.Kind, s.Features, s.Unquotable = c.judged.kind, c.judged.f, c.judged.unquotable != ""
	}
	return s, nil
}

// Outcomes counts what a calibration makes of samples, as answereval does.
type Outcomes struct {
	InScope, OutOfScope                       int
	Right, Offered, Wrong, Clarified, Refused int
	OutRefused, OutClarified                  int
}

// Outcomes applies c's decision to samples.
func (c Calibration) Outcomes(samples []Sample) Outcomes {
	var o Outcomes
	for _, s := range samples {
		v, tentative := s.Fixed, false
		switch s.Kind {
		case kindFAQ:
			// As judge decides.
			p := model(c.Right).prob(s.Features)
			canClarify := s.CanClarify && model(c.InScope).prob(s.Features) >= c.Clarify
			switch {
			case p >= c.Answer && !s.Unquotable:
				v = verdictAnswer
			case c.Tentative > 0 && p >= c.Tentative && !s.Unquotable && canClarify:
				v, tentative = verdictAnswer, true
			case canClarify:
				v = verdictClarify
			default:
				v = verdictRefuse
			}
		case kindPassage:
			v = verdictRefuse
			if model(c.Passage).prob(s.Features) >= c.Quote && !s.Unquotable {
				v = verdictAnswer
			}
		}
		if !s.InScope {
			o.OutOfScope++
			switch v {
			case verdictRefuse:
				o.OutRefused++
			case verdictClarify:
				o.OutClarified++
			}
			continue
		}
		o.InScope++
		switch {
		case v == verdictRefuse:
			o.Refused++
		case v == verdictAnswer && (s.Right || s.Kind == kindPassage && s.Near):
			o.Right++
		case v == verdictAnswer && (s.OfferedAfter || tentative && s.OfferedClarify), v == verdictClarify && s.OfferedClarify:
			o.Offered++
		case v == verdictClarify:
			o.Clarified++
		default:
			o.Wrong++
		}
		if v == verdictClarify && s.OfferedClarify {
			o.Clarified++
		}
	}
	return o
}

// FitCalibration fits the models on the samples they decide (logistic
// regression, L2-regularised, by gradient descent) and keeps the thresholds
// of base.
func FitCalibration(samples []Sample, base Calibration) Calibration {
	var xf, xp [][]float64
	var yRight, yIn, yPassage []float64
	for _, s := range samples {
		switch s.Kind {
		case kindFAQ:
			xf = append(xf, s.Features)
			yRight = append(yRight, b2f(s.Right && s.InScope))
			yIn = append(yIn, b2f(s.InScope))
		case kindPassage:
			xp = append(xp, s.Features)
			yPassage = append(yPassage, b2f(s.InScope && s.Near))
		}
	}
	c := base
	c.Features = slices.Clone(featureNames)
	if len(xf) > 0 {
		c.Right = fitLogistic(xf, yRight, 0.01, 4000)
		c.InScope = fitLogistic(xf, yIn, 0.01, 4000)
	}
	if len(xp) > 0 {
		c.Passage = fitLogistic(xp, yPassage, 0.01, 4000)
	}
	return c
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// fitLogistic minimises the mean log loss plus l2/2·|w|² (the bias
// excluded) by batch gradient descent; the features are small and few.
func fitLogistic(x [][]float64, y []float64, l2 float64, iters int) []float64 {
	n, d := len(x), len(x[0])
	w := make([]float64, d)
	g := make([]float64, d)
	const rate = 0.5
	for range iters {
		clear(g)
		for i, xi := range x {
			p := model(w).prob(xi)
			for j, v := range xi {
				g[j] += (p - y[i]) * v
			}
		}
		for j := range w {
			reg := l2 * w[j]
			if j == 0 {
				reg = 0
			}
			w[j] -= rate * (g[j]/float64(n) + reg)
		}
	}
	for j := range w {
		w[j] = math.Round(w[j]*1000) / 1000
	}
	return w
}

// CrossValidate estimates how a calibration fitted on samples does on
// questions it was not fitted on: k folds, each scored by the models fitted
// on the others, summed.
func CrossValidate(samples []Sample, base Calibration, k int) Outcomes {
	idx := make([]int, len(samples))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return samples[idx[a]].ID < samples[idx[b]].ID })
	var sum Outcomes
	for f := range k {
		var train, test []Sample
		for i, j := range idx {
			if i%k == f {
				test = append(test, samples[j])
			} else {
				train = append(train, samples[j])
			}
		}
		o := FitCalibration(train, base).Outcomes(test)
		sum.InScope += o.InScope
		sum.OutOfScope += o.OutOfScope
		sum.Right += o.Right
		sum.Offered += o.Offered
		sum.Wrong += o.Wrong
		sum.Clarified += o.Clarified
		sum.Refused += o.Refused
		sum.OutRefused += o.OutRefused
		sum.OutClarified += o.OutClarified
	}
	return sum
}

// DefaultCalibration returns the calibration answers use by default.
func DefaultCalibration() Calibration { return defaultCalibration }
