package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/answereval"
)

// fileList is a repeatable file flag.
type fileList []string

func (l *fileList) String() string { return strings.Join(*l, ",") }

func (l *fileList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// evalAnswers asks every question of file through the answerer the chat
// service uses and prints the answer-level figures.
func evalAnswers(ctx context.Context, env *Env, app *searchApp, file, split string, asJSON, verbose bool) error {
	rows, err := readAnswerRows(file, split)
	if err != nil {
		return err
	}
	ans, err := newAnswerer(env, app)
	if err != nil {
		return err
	}
	rep, err := answereval.Run(ctx, ans, rows)
	if err != nil {
		return err
	}
	if asJSON {
		if !verbose {
			rep.Results = nil
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(env.Stdout, "knowledge          %s: %d documents, %d chunks; answers %s\n", env.Config.Knowledge, app.Base.Len(), app.Engine.Chunks(), ans.Mode())
	fmt.Fprintf(env.Stdout, "questions file     %s %s\n", file, split)
	rep.Print(env.Stdout)
	if verbose {
		for _, r := range rep.Results {
			if r.Outcome == answereval.Right || (len(r.Relevant) == 0 && r.Outcome == answereval.Refused) {
				continue
			}
			fmt.Fprintf(env.Stdout, "\n%-9s %s#%d %s\n  relevant %v first %q related %v reason %q\n  %s\n", r.Outcome, r.Row, r.Turn, r.Question,
				r.Relevant, r.First, r.Related, r.Reason, clip(strings.ReplaceAll(r.Text, "\n", " "), 160))
		}
	}
	return nil
}

func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

// calibrateAnswers fits the decision models on file (a development split)
// and prints them, a sweep of thresholds and a cross-validated estimate.
func calibrateAnswers(ctx context.Context, env *Env, app *searchApp, file, split, dump string) error {
	rows, err := readAnswerRows(file, split)
	if err != nil {
		return err
	}
	ans, err := newAnswerer(env, app)
	if err != nil {
		return err
	}
	samples, err := answereval.Samples(ctx, ans, rows)
	if err != nil {
		return err
	}
	base := answer.DefaultCalibration()
	w := env.Stdout
	if dump != "" {
		b, err := json.Marshal(samples)
		if err != nil {
			return err
		}
		if err := os.WriteFile(dump, b, 0o644); err != nil {
			return err
		}
	}
	answereval.PrintOutcomes(w, "current", base.Outcomes(samples))
	fit := answer.FitCalibration(samples, base)
	for _, ta := range []float64{0.4, 0.5, 0.6, 0.7, 0.8} {
		for _, tc := range []float64{0.3, 0.4, 0.5, 0.6, 0.7} {
			c := fit
			c.Answer, c.Clarify = ta, tc
			answereval.PrintOutcomes(w, fmt.Sprintf("fit %.1f/%.1f", ta, tc), c.Outcomes(samples))
		}
	}
	answereval.PrintOutcomes(w, "5-fold cv (base thr.)", answer.CrossValidate(samples, base, 5))
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(fit)
}

func readAnswerRows(file, split string) ([]answereval.Row, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	rows, err := answereval.ReadRows(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	if split != "" {
		return answereval.Split(rows, split)
	}
	return rows, nil
}
