package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge/importer"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/search/eval"
	"github.com/govchat/govchat/internal/sqlite"
)

// ReplayReport is what `govchat eval --replay` measured: retrieval on the
// half of the questions fed through the learning loop (taught) and on the
// other half (unseen), before and after the approved wordings were learned,
// and on the approved wordings alone.
type ReplayReport struct {
	Questions int `json:"questions"`
	// How each taught question gave evidence: answered right at once
	// (nothing to learn), a tapped button then 👍, an operator's answer
	// (the entry was not offered), or none.
	AnsweredRight int `json:"answered_right"`
	Tapped        int `json:"tapped"`
	Operator      int `json:"operator"`
	NoEvidence    int `json:"no_evidence"`
	Proposals     int `json:"proposals"`
	Approved      int `json:"approved"`

	TaughtBefore   eval.Report `json:"taught_before"`
	TaughtAfter    eval.Report `json:"taught_after"`
	UnseenBefore   eval.Report `json:"unseen_before"`
	UnseenAfter    eval.Report `json:"unseen_after"`
	ApprovedBefore eval.Report `json:"approved_before"`
	ApprovedAfter  eval.Report `json:"approved_after"`

	// Moved lists the unseen questions whose first result changed with
	// what was learned: what a reviewer should look at when the unseen
	// half moves.
	Moved []ReplayMove `json:"moved,omitempty"`
}

// ReplayMove is an unseen question whose first result changed.
type ReplayMove struct {
	Question string `json:"question"`
	Want     string `json:"want"`   // the entry that answers it
	Before   string `json:"before"` // the first result before
	After    string `json:"after"`  // … and after the approvals
}

// replay feeds every other question of the file (the taught half: rows 0,
// 2, 4 …) through the learning loop as citizens and operators would — the
// question is asked; when its entry is offered as a button it is tapped and
// the answer given 👍; when it is not offered an operator answers with the
// entry — then approves every proposal, as an office using `review similar
// --approve-all-min 1` would, reloads, and measures both halves again. It
// works on a copy of the knowledge base (with the --with files imported
// into it) in a temporary directory: nothing of the real one is touched.
func replay(ctx context.Context, env *Env, queriesPath string, with []string, params search.Params) (ReplayReport, error) {
	var rep ReplayReport
	qs, err := readQueryFile(queriesPath)
	if err != nil {
		return rep, err
	}
	var taught, unseen []eval.Query
	for _, q := range qs {
		if len(q.Relevant) == 0 {
			continue
		}
		if (len(taught)+len(unseen))%2 == 0 {
			taught = append(taught, q)
		} else {
			unseen = append(unseen, q)
		}
	}
	rep.Questions = len(taught) + len(unseen)

	tmp, err := os.MkdirTemp("", "govchat-replay-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(tmp)
	kdir, data := filepath.Join(tmp, "knowledge"), filepath.Join(tmp, "data")
	if err := os.CopyFS(kdir, os.DirFS(env.Config.Knowledge)); err != nil {
		return rep, fmt.Errorf("replay: copy the knowledge base: %w", err)
	}
	im, err := importer.New(importer.Config{Into: kdir})
	if err != nil {
		return rep, err
	}
	for _, w := range with {
		if _, err := im.ImportFile(w); err != nil {
			return rep, fmt.Errorf("--with %s: %w", w, err)
		}
	}
	e2 := *env
	e2.Config.Knowledge, e2.Config.Data, e2.Config.Store = kdir, data, "mem"
	live, err := openLive(ctx, &e2, params)
	if err != nil {
		return rep, err
	}
	defer live.Close()

	// measure ranks the questions with the current generation; rankings
	// (when not nil) keeps each question's ranking.
	measure := func(qs []eval.Query, rankings map[string]eval.Ranking) (eval.Report, error) {
		rank := ranker(live.Engine(), 10)
		return eval.Run(ctx, qs, 10, func(ctx context.Context, q string) (eval.Ranking, error) {
			r, err := rank(ctx, q)
			if rankings != nil {
				rankings[q] = r
			}
			return r, err
		})
	}
	before := map[string]eval.Ranking{}
	if rep.TaughtBefore, err = measure(taught, before); err != nil {
		return rep, err
	}
	unseenBefore := map[string]eval.Ranking{}
	if rep.UnseenBefore, err = measure(unseen, unseenBefore); err != nil {
		return rep, err
	}

	// The loop, as serve wires it: the hub answers from the live knowledge
	// base and tells the learner; evidence goes to the workbench database.
	hist, err := history.Open(history.Config{Path: filepath.Join(data, "history.db"), Redact: safety.Redact, Log: env.Log})
	if err != nil {
		return rep, err
	}
	defer hist.Close()
	db, err := sqlite.OpenDB(filepath.Join(data, "workbench.db")) // a scratch copy: always SQLite
	if err != nil {
		return rep, err
	}
	defer db.Close()
	st, err := learn.NewSQLStore(db, nil)
	if err != nil {
		return rep, err
	}
	learner, err := learn.New(learn.Config{Store: st, Entries: live.Entry, Redact: safety.Redact, Log: env.Log})
	if err != nil {
		return rep, err
	}
	defer learner.Close()
	off := chat.Rate{PerMinute: -1}
	hub, err := chat.New(chat.Config{IPRate: off, SessionRate: off, NewSessionRate: off, Log: env.Log}, live, hist)
	if err != nil {
		return rep, err
	}
	defer hub.Shutdown(ctx)
	hub.Observe(learner.Observe)
	hub.ObserveFeedback(learner.ObserveFeedback)

	for _, q := range taught {
		a, err := hub.Ask(ctx, chat.AskRequest{Question: q.Question, IP: "127.0.0.1"})
		if err != nil {
			return rep, err
		}
		if !a.Clarify && !a.Refused && len(a.Sources) > 0 && slices.Contains(q.Relevant, a.Sources[0].ID) {
			rep.AnsweredRight++
			continue
		}
		i := slices.IndexFunc(a.Related, func(r kb.Related) bool { return slices.Contains(q.Relevant, r.ID) })
		if i < 0 {
			// Not offered: the citizen asks for a human, who answers with the entry.
			if err := learner.RecordEvidence(ctx, govchat.Evidence{Wording: q.Question, EntryID: q.Relevant[0], Kind: govchat.EvidenceOperatorPush, Session: "replay"}); err != nil {
				return rep, err
			}
			rep.Operator++
			continue
		}
		r := a.Related[i]
		b, err := hub.Ask(ctx, chat.AskRequest{Question: r.Question, Session: a.Session, IP: "127.0.0.1", Via: &govchat.Via{AnswerID: a.AnswerID, ID: r.ID}})
		if err != nil {
			return rep, err
		}
		yes := true
		if err := hub.Feedback(ctx, chat.FeedbackRequest{AnswerID: b.AnswerID, Helpful: &yes, Session: a.Session, IP: "127.0.0.1"}); err != nil {
			return rep, err
		}
		if slices.ContainsFunc(b.Sources, func(s kb.Source) bool { return s.ID == r.ID }) {
			rep.Tapped++
		} else {
			rep.NoEvidence++
		}
	}
	learner.Flush()

	// The office approves everything proposed, then the service reloads.
	reviewer := &learn.Reviewer{Store: st, Entries: live.Entry, Redact: safety.Redact}
	ps, err := reviewer.Proposals(ctx)
	if err != nil {
		return rep, err
	}
	rep.Proposals = len(ps)
	wordingOf := map[string]eval.Query{}
	for _, q := range taught {
		wordingOf[q.Question] = q
	}
	var approved []eval.Query
	for _, p := range ps {
		out, err := reviewer.Decide(ctx, learn.Decision{EntryID: p.EntryID, Evidence: p.Evidence, Status: learn.StatusApproved, Wording: p.Wording}, "replay")
		if err != nil {
			env.Log.Warn("replay: not approved", "entry", p.EntryID, "wording", p.Wording, "error", err)
			continue
		}
		rep.Approved++
		q, ok := wordingOf[out.Wording]
		if !ok {
			q = eval.Query{ID: p.ID, Relevant: []string{p.EntryID}}
		}
		q.Question = out.Wording
		approved = append(approved, q)
	}
	if _, err := live.Reload(ctx); err != nil {
		return rep, err
	}
	// The approved wordings before: their rankings as taught questions.
	if rep.ApprovedBefore, err = eval.Run(ctx, approved, 10, func(_ context.Context, q string) (eval.Ranking, error) { return before[q], nil }); err != nil {
		return rep, err
	}
	if rep.TaughtAfter, err = measure(taught, nil); err != nil {
		return rep, err
	}
	unseenAfter := map[string]eval.Ranking{}
	if rep.UnseenAfter, err = measure(unseen, unseenAfter); err != nil {
		return rep, err
	}
	first := func(r eval.Ranking) string {
		if len(r.IDs) == 0 {
			return ""
		}
		return r.IDs[0]
	}
	for _, q := range unseen {
		b, a := first(unseenBefore[q.Question]), first(unseenAfter[q.Question])
		if b != a {
			rep.Moved = append(rep.Moved, ReplayMove{Question: q.Question, Want: q.Relevant[0], Before: b, After: a})
		}
	}
	rep.ApprovedAfter, err = measure(approved, nil)
	return rep, err
}

func printReplay(w io.Writer, rep ReplayReport) {
	fmt.Fprintf(w, "replay: %d questions; taught half %d (answered right at once %d, tapped and 👍 %d, operator %d, no evidence %d); %d proposals, %d approved\n",
		rep.Questions, rep.TaughtBefore.InScope, rep.AnsweredRight, rep.Tapped, rep.Operator, rep.NoEvidence, rep.Proposals, rep.Approved)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "questions\tn\tR@1 before\tR@1 after\tR@5 before\tR@5 after\tMRR@10 before\tMRR@10 after")
	row := func(name string, b, a eval.Report) {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", name, a.InScope, b.R1, a.R1, b.R5, a.R5, b.MRR10, a.MRR10)
	}
	row("taught half", rep.TaughtBefore, rep.TaughtAfter)
	row("approved wordings", rep.ApprovedBefore, rep.ApprovedAfter)
	row("unseen half", rep.UnseenBefore, rep.UnseenAfter)
	tw.Flush()
	if len(rep.Moved) > 0 {
		fmt.Fprintf(w, "unseen questions whose first result changed (%d):\n", len(rep.Moved))
		for _, m := range rep.Moved {
			fmt.Fprintf(w, "  %s  want %s: %s → %s\n", m.Question, m.Want, m.Before, m.After)
		}
	}
}

func encodeReplay(w io.Writer, rep ReplayReport) error { return json.NewEncoder(w).Encode(rep) }
