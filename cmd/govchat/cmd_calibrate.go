package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/answereval"
)

func init() {
	register(command{
		name:    "calibrate",
		summary: "fit the answer / clarify / refuse models on evidence written by `eval --answers --samples` (development splits only)",
		run:     runCalibrate,
	})
}

// runCalibrate fits the decision models on the union of the sample files,
// prints how the current and the fitted calibration decide them, a sweep of
// thresholds and a cross-validated estimate, then the fitted calibration as
// JSON (to be reviewed and copied into internal/answer/calibration.go).
func runCalibrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "calibrate")
	folds := fs.Int("folds", 5, "cross-validation folds")
	ta := fs.Float64("answer", 0, "threshold on P(right) to answer from a FAQ entry (default: the current one)")
	tc := fs.Float64("clarify", 0, "threshold on P(in scope) to clarify (default: the current one)")
	tq := fs.Float64("quote", 0, "threshold on P(passage) to quote a passage (default: the current one)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("name one or more sample files (govchat eval --answers --samples FILE)")
	}
	var samples []answer.Sample
	var sets [][]answer.Sample
	for _, p := range fs.Args() {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var s []answer.Sample
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		samples = append(samples, s...)
		sets = append(sets, s)
	}
	w := env.Stdout
	base := answer.DefaultCalibration()
	fmt.Fprintf(w, "%d questions\n", len(samples))
	answereval.PrintOutcomes(w, "current", base.Outcomes(samples))
	fit := answer.FitCalibration(samples, base)
	for _, t := range []struct {
		v   float64
		dst *float64
	}{{*ta, &fit.Answer}, {*tc, &fit.Clarify}, {*tq, &fit.Quote}} {
		if t.v > 0 {
			*t.dst = t.v
		}
	}
	answereval.PrintOutcomes(w, "fitted", fit.Outcomes(samples))
	for i, set := range sets {
		answereval.PrintOutcomes(w, "  current "+filepath.Base(fs.Arg(i)), base.Outcomes(set))
		answereval.PrintOutcomes(w, "  fitted  "+filepath.Base(fs.Arg(i)), fit.Outcomes(set))
	}
	for _, ta := range []float64{0.5, 0.6, 0.7, 0.8} {
		for _, tc := range []float64{0.3, 0.5, 0.7} {
			for _, tq := range []float64{0.3, 0.5, 0.7} {
				c := fit
				c.Answer, c.Clarify, c.Quote = ta, tc, tq
				answereval.PrintOutcomes(w, fmt.Sprintf("fit %.1f/%.1f/%.1f", ta, tc, tq), c.Outcomes(samples))
			}
		}
	}
	answereval.PrintOutcomes(w, fmt.Sprintf("%d-fold cv", *folds), answer.CrossValidate(samples, base, *folds))
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(fit)
}
