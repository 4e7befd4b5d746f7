package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/safety"
)

func init() {
	register(command{
		name:    "review",
		summary: "the knowledge office's review from the command line: review similar lists (and approves) the 相似问 learned from use",
		run:     runReview,
	})
}

const reviewUsage = `usage: govchat review similar [--approve-all-min N] [--json] [--by NAME]

Lists the proposed similar questions (相似问) learned from use — wordings that citizens
tapped their way from, or that operators answered with an entry — grouped per FAQ entry,
strongest first. With --approve-all-min N, every proposal backed by N or more pieces of
evidence is approved: its wording is written into the entry's similar list in
knowledge/faq/, and the index is brought up to date (only the changed entries are
encoded again). While govchat serve runs, approve in /agent/review instead: the running
service reloads at once, and it holds the index.`

func runReview(ctx context.Context, env *Env, args []string) error {
	sub, rest := subcommand(args, "approve-all-min", "by")
	switch sub {
	case "similar":
		return reviewSimilar(ctx, env, rest)
	case "":
		fmt.Fprintln(env.Stderr, reviewUsage)
		if slices.ContainsFunc(args, isHelpFlag) {
			return nil
		}
		return exitError{2}
	}
	fmt.Fprintf(env.Stderr, "govchat review: unknown review %q (want similar)\n", sub)
	return exitError{2}
}

func reviewSimilar(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "review similar")
	fs.Usage = func() { fmt.Fprintln(env.Stderr, reviewUsage); fs.PrintDefaults() }
	minCount := fs.Int("approve-all-min", 0, "approve every proposal with at least this many pieces of evidence (0: list only)")
	asJSON := fs.Bool("json", false, "print the proposals (and what was approved) as JSON")
	by := fs.String("by", "cli", "the reviewer's name, kept with the approved evidence")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *minCount < 0 {
		return errors.New("--approve-all-min must be positive")
	}
	dbs, err := openDatabases(ctx, env)
	if err != nil {
		return err
	}
	defer dbs.Close()
	db, err := dbs.file("workbench.db")
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	st, err := learn.NewSQLStore(db, nil)
	if err != nil {
		return err
	}
	base, _, err := knowledge.LoadDir(env.Config.Knowledge)
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	entries := func(id string) (learn.Entry, bool) { return entryOf(base, id) }
	rv := &learn.Reviewer{Store: st, Entries: entries, Redact: safety.Redact}
	ps, err := rv.Proposals(ctx)
	if err != nil {
		return err
	}
	var approved []learn.Outcome
	if *minCount > 0 {
		for _, p := range ps {
			if p.Count < *minCount {
				continue
			}
			out, err := rv.Decide(ctx, learn.Decision{EntryID: p.EntryID, Evidence: p.Evidence, Status: learn.StatusApproved, Wording: p.Wording}, *by)
			if err != nil {
				fmt.Fprintf(env.Stderr, "%s %q: %v\n", p.EntryID, p.Wording, err)
				continue
			}
			approved = append(approved, out)
		}
	}
	if *asJSON {
		if ps == nil {
			ps = []learn.Proposal{}
		}
		if approved == nil {
			approved = []learn.Outcome{}
		}
		if err := json.NewEncoder(env.Stdout).Encode(map[string]any{"proposals": ps, "approved": approved}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "条目\t常见问题\t建议的相似问\t次数\t原始问法")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.EntryID, clip(p.Question, 30), p.Wording, p.Count, clip(strings.Join(p.Wordings, " | "), 60))
		}
		tw.Flush()
		for _, a := range approved {
			fmt.Fprintf(env.Stdout, "approved: %q → %s\n", a.Wording, a.File)
		}
		fmt.Fprintf(env.Stderr, "review: %d proposals, %d approved\n", len(ps), len(approved))
	}
	if len(approved) == 0 {
		return nil
	}
	// The index learns the new wordings incrementally.
	app, err := openSearch(ctx, env, searchOptions{})
	if err != nil {
		fmt.Fprintf(env.Stderr, "review: the knowledge files were updated; bring the index up to date with govchat index (%v)\n", err)
		return nil
	}
	defer app.Close()
	fmt.Fprintf(env.Stderr, "index: %s\n", app.Synced)
	return nil
}
