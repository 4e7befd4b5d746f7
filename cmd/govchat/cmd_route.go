package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/dept"
	"github.com/govchat/govchat/internal/knowledge"
)

func init() {
	register(command{name: "route", summary: "suggest the responsible department (承办部门); measure its accuracy", run: runRoute})
}

const routeUsage = `usage:
  govchat route suggest [--knowledge DIR] TEXT     departments for a question or ticket text
  govchat route eval [--file FILE] [--json]        leave-one-out accuracy on a labelled JSONL file
                                                   (id, question, answer, department; default
                                                   ../shared/eval/govfaq-beijing.jsonl)`

func runRoute(ctx context.Context, env *Env, args []string) error {
	sub, args := subcommand(args, "file", "k")
	if sub == "" {
		fmt.Fprintln(env.Stderr, routeUsage)
		if slices.ContainsFunc(args, isHelpFlag) {
			return nil
		}
		return exitError{2}
	}
	fs := newFlags(env, "route "+sub)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, routeUsage); fs.PrintDefaults() }
	file := fs.String("file", "../shared/eval/govfaq-beijing.jsonl", "labelled examples (eval)")
	asJSON := fs.Bool("json", false, "print the report as JSON (eval)")
	k := fs.Int("k", 0, "neighbours that vote (default 15)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg := dept.Config{K: *k}
	switch sub {
	case "eval":
		if err := noArgs(fs); err != nil {
			return err
		}
		f, err := os.Open(*file)
		if err != nil {
			return fmt.Errorf("open examples: %w", err)
		}
		defer f.Close()
		ex, err := dept.ReadExamples(f)
		if err != nil {
			return err
		}
		start := time.Now()
		rep, err := dept.Evaluate(cfg, ex)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		fmt.Fprintf(env.Stdout, "department suggestion, leave-one-out on %s (%s)\n", *file, time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(env.Stdout, "entries %d, scored %d, no suggestion %d\n", rep.Entries, rep.Scored, rep.NoAnswer)
		fmt.Fprintf(env.Stdout, "top-1 accuracy %.3f   top-3 accuracy %.3f   (majority baseline %.3f)\n\n", rep.Top1, rep.Top3, rep.Majority)
		rows := [][]string{{"DEPARTMENT", "N", "TOP-1 RECALL"}}
		for _, d := range rep.PerDept {
			rows = append(rows, []string{d.Department, fmt.Sprint(d.N), fmt.Sprintf("%.3f", d.Recall)})
		}
		return writeTable(env.Stdout, "", rows)
	case "suggest":
		text := strings.TrimSpace(strings.Join(fs.Args(), " "))
		if text == "" {
			return errors.New("give the question or ticket text")
		}
		base, _, err := knowledge.LoadDir(env.Config.Knowledge)
		if err != nil {
			return err
		}
		r, err := dept.New(cfg, base.Docs)
		if err != nil {
			return err
		}
		for _, s := range r.Suggest(text, 3) {
			fmt.Fprintf(env.Stdout, "%.2f  %s  (%s)\n", s.Score, s.Department, strings.Join(s.Support, ", "))
		}
		return nil
	default:
		fmt.Fprintf(env.Stderr, "govchat route: unknown subcommand %q\n\n%s\n", sub, routeUsage)
		return exitError{2}
	}
}
