package main

import (
	"context"
	"fmt"
	"time"

	"github.com/govchat/govchat/internal/coverage"
	"github.com/govchat/govchat/internal/knowledge"
)

func init() {
	register(command{
		name:    "lint",
		summary: "check the knowledge base (fields, ids, references, dates, 解读 coverage); exits non-zero on errors",
		run:     runLint,
	})
}

func runLint(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "lint")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	quiet := fs.Bool("quiet", false, "print errors only, not warnings")
	at := fs.String("now", "", "check expiry as of this date (YYYY-MM-DD) instead of today")
	cov := fs.Bool("coverage", true, "also warn of 解读 coverage: policies in force without an interpretation, late interpretations, FAQ entries resting on repealed documents, documents expiring within --expiring-days")
	lateDays := fs.Int("late-days", env.Config.InterpretLateDays, "with --coverage: an interpretation more than this many days after its policy is late (env GOVCHAT_INTERPRET_LATE_DAYS)")
	expiring := fs.Int("expiring-days", 90, "with --coverage: warn of documents expiring within this many days")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		dirs = []string{env.Config.Knowledge}
	}
	now := env.Now()
	if *at != "" {
		t, err := knowledge.ParseDate(*at)
		if err != nil {
			return fmt.Errorf("--now: %w", err)
		}
		now = t.Add(12 * time.Hour)
	}
	var errs, warns int
	for _, dir := range dirs {
		probs, err := knowledge.LintDir(dir, now)
		if err != nil {
			return err
		}
		if *cov && !knowledge.HasErrors(probs) {
			base, _, err := knowledge.LoadDir(dir)
			if err != nil {
				return err
			}
			for _, f := range coverage.Check(base, now, coverage.Config{LateDays: *lateDays, ExpiringDays: *expiring}, nil).Findings() {
				probs = append(probs, knowledge.Problem{Path: f.Path, Line: f.Line, Severity: knowledge.SeverityWarning, Msg: f.Message})
			}
			knowledge.SortProblems(probs)
		}
		for _, p := range probs {
			if p.Severity == knowledge.SeverityError {
				errs++
			} else {
				warns++
				if *quiet && !*strict {
					continue
				}
			}
			fmt.Fprintln(env.Stdout, p.String())
		}
	}
	fmt.Fprintf(env.Stderr, "lint: %d errors, %d warnings\n", errs, warns)
	if errs > 0 || (*strict && warns > 0) {
		return exitError{code: 1}
	}
	return nil
}
