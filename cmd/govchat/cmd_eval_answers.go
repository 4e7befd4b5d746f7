package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

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
	rep.MarkCopies(func(id string) string {
		if d := app.Base.Doc(id); d != nil {
			return d.Title + "\n" + d.Body
		}
		return ""
	})
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
			outcome := string(r.Outcome)
			if r.Copy {
				outcome += " (copy)"
			}
			fmt.Fprintf(env.Stdout, "\n%-9s %s#%d %s\n  relevant %v first %q related %v reason %q\n  %s\n", outcome, r.Row, r.Turn, r.Question,
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

// writeSamples considers every single-question row of file as the answerer
// does and writes the evidence to out, for govchat calibrate.
func writeSamples(ctx context.Context, env *Env, app *searchApp, file, split, out string) error {
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
	b, err := json.Marshal(samples)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%d questions of %s considered; evidence written to %s\n", len(samples), file, out)
	return nil
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
