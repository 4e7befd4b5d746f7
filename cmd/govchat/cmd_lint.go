package main

import (
	"context"
	"fmt"
	"time"

	"github.com/govchat/govchat/internal/knowledge"
)

func init() {
	register(command{
		name:    "lint",
		summary: "check the knowledge base (fields, ids, references, dates); exits non-zero on errors",
		run:     runLint,
	})
}

func runLint(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "lint")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	quiet := fs.Bool("quiet", false, "print errors only, not warnings")
	at := fs.String("now", "", "check expiry as of this date (YYYY-MM-DD) instead of today")
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
