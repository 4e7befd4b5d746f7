package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/config"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/testenv"
)

// The learning loop on the development split of the govfaq paraphrases:
// every other question is fed through it (taps and 👍, operators' answers,
// approval of every proposal); the wordings approved then find their entry
// first. (What it does to the unseen half is measured and reported by
// govchat eval --replay; see README.)
func TestReplayGovFAQDev(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: indexes the 2,313 Beijing FAQ entries twice")
	}
	faq := filepath.Join(testenv.EvalDir(t, "govfaq-beijing.jsonl"), "govfaq-beijing.jsonl")
	root := moduleRoot(t)
	env := testEnv(t, filepath.Join(root, "knowledge"), t.TempDir())
	rep, err := replay(context.Background(), env, filepath.Join(root, "testdata", "questions", "govfaq-paraphrase.dev.jsonl"), []string{faq}, search.Params{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("taught %d: right at once %d, tapped %d, operator %d, none %d; %d proposals, %d approved",
		rep.TaughtBefore.InScope, rep.AnsweredRight, rep.Tapped, rep.Operator, rep.NoEvidence, rep.Proposals, rep.Approved)
	t.Logf("approved R@1 %.3f → %.3f; taught R@1 %.3f → %.3f; unseen R@1 %.3f → %.3f, R@5 %.3f → %.3f",
		rep.ApprovedBefore.R1, rep.ApprovedAfter.R1, rep.TaughtBefore.R1, rep.TaughtAfter.R1, rep.UnseenBefore.R1, rep.UnseenAfter.R1, rep.UnseenBefore.R5, rep.UnseenAfter.R5)
	if rep.Tapped == 0 || rep.Operator == 0 || rep.Approved < rep.Tapped {
		t.Errorf("the loop learned too little: %+v", rep)
	}
	if rep.ApprovedAfter.R1 < 0.98 {
		t.Errorf("approved wordings find their entry first %.3f, want ≥ 0.98", rep.ApprovedAfter.R1)
	}
	if rep.TaughtAfter.R1 <= rep.TaughtBefore.R1 {
		t.Errorf("the taught half did not improve: R@1 %.3f → %.3f", rep.TaughtBefore.R1, rep.TaughtAfter.R1)
	}
}

// testEnv is an Env for a knowledge base and a data directory, logging
// errors only.
func testEnv(t *testing.T, knowledgeDir, data string) *Env {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string {
		switch k {
		case "GOVCHAT_KNOWLEDGE":
			return knowledgeDir
		case "GOVCHAT_DATA":
			return data
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Config: cfg, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}
