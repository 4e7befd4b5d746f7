package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

func init() {
	register(command{
		name:    "refusal",
		summary: "measure refusals on the should-refuse and should-answer sets (targets: >=95% and <=5% refused)",
		run:     runRefusal,
	})
}

func runRefusal(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "refusal")
	evalDir := fs.String("eval", filepath.Join("..", "shared", "eval"), "directory holding govfaq-beijing.jsonl (the second knowledge base; skipped when absent)")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	verbose := fs.Bool("v", false, "list every question on the wrong side of the line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	// The shipped (or --knowledge) knowledge base, indexed in memory so that
	// the data directory is left alone.
	st, err := mem.Open("")
	if err != nil {
		return err
	}
	app, err := openSearch(ctx, env, searchOptions{Store: st})
	if err != nil {
		return err
	}
	defer app.Close()
	var results []answer.EvalResult
	run := func(name string, base *kb.Base, engine *search.Engine) error {
		f, err := safety.New(safety.Config{Words: base.Dict.Sensitive})
		if err != nil {
			return err
		}
		a, err := answer.New(answer.Config{Hotline: env.Config.Hotline, Now: env.Now}, base, engine, nil, f)
		if err != nil {
			return err
		}
		for _, set := range []struct {
			name  string
			items []answer.EvalItem
		}{{"should_refuse", answer.ShouldRefuse()}, {"should_answer", answer.FilterKB(answer.ShouldAnswer(), name)}} {
			r, err := answer.Evaluate(ctx, a, set.name, name, set.items)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		return nil
	}
	if err := run("knowledge", app.Base, app.Engine); err != nil {
		return err
	}
	govfaq := filepath.Join(*evalDir, "govfaq-beijing.jsonl")
	if f, err := os.Open(govfaq); err == nil {
		docs, err := answer.GovFAQDocuments(f)
		f.Close()
		if err != nil {
			return err
		}
		base := kb.NewBase(docs, app.Base.Dict)
		seg, err := zh.New(zh.ConfigFromDict(base.Dict))
		if err != nil {
			return err
		}
		st, err := mem.Open("")
		if err != nil {
			return err
		}
		defer st.Close()
		eng, err := search.New(search.Config{Log: env.Log, Now: env.Now}, base, seg, st, nil)
		if err != nil {
			return err
		}
		if _, err := eng.Sync(ctx); err != nil {
			return err
		}
		if err := run("govfaq-beijing", base, eng); err != nil {
			return err
		}
	} else if !*asJSON {
		fmt.Fprintf(env.Stderr, "govchat refusal: %s not found; only the knowledge base %s is measured\n", govfaq, env.Config.Knowledge)
	}

	pass := true
	for _, r := range results {
		pass = pass && r.Pass
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.Stdout, "拒答评测（问题集：internal/answer/testdata，govchat 自行编写；知识库 knowledge = %s）\n\n", env.Config.Knowledge)
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "set\tknowledge base\tquestions\trefused\trate\ttarget\tresult")
		for _, r := range results {
			res := "PASS"
			if !r.Pass {
				res = "FAIL"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f%%\t%s\t%s\n", r.Set, r.KB, r.Total, r.Refused, 100*r.Rate, r.Target, res)
		}
		tw.Flush()
		fmt.Fprintln(env.Stdout)
		for _, r := range results {
			fmt.Fprintf(env.Stdout, "%s on %s, refused by reason: %s\n", r.Set, r.KB, reasons(r.ByReason))
			if *verbose {
				for _, m := range r.Misses {
					state := "answered"
					if m.Reason != "" {
						state = "refused: " + m.Reason
					}
					cat := ""
					if m.Category != "" {
						cat = " [" + m.Category + "]"
					}
					fmt.Fprintf(env.Stdout, "  %s%s %s (%s)\n", m.ID, cat, m.Question, state)
				}
			}
		}
	}
	if !pass {
		return exitError{code: 1}
	}
	return nil
}

func reasons(m map[string]int) string {
	var parts []string
	for _, k := range []string{answer.ReasonChitchat, answer.ReasonOutOfScope, answer.ReasonHarmful, answer.ReasonInjection,
		answer.ReasonSensitive, answer.ReasonLowConfidence, answer.ReasonUnavailable} {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}
