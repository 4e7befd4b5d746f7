package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/server"
)

func init() {
	register(command{
		name:    "report",
		summary: "reports: unanswered (refused and 👎 questions), concerns (回应关切: topics, trends, rates), coverage (解读覆盖)",
		run:     runReport,
	})
}

func runReport(ctx context.Context, env *Env, args []string) error {
	sub, rest := subcommand(args, "since", "limit", "format", "period", "from", "to", "topic", "channel", "department", "now",
		"late-days", "expiring-days", "uncited-days")
	switch sub {
	case "unanswered":
		return reportUnanswered(ctx, env, rest)
	case "concerns":
		return reportConcerns(ctx, env, rest)
	case "coverage":
		return reportCoverage(ctx, env, rest)
	case "":
		fmt.Fprintln(env.Stderr, "usage: govchat report unanswered [--since 30d] [--limit 50] [--format text|json|csv]\n"+
			"       govchat report concerns [--period 7|30|90 | --from DATE [--to DATE]] [--topic KEY] [--channel C] [--department D] [--format text|json|csv]\n"+
			"       govchat report coverage [--late-days 0] [--expiring-days 90] [--uncited-days 90] [--format text|json]")
		if slices.ContainsFunc(args, isHelpFlag) {
			return nil
		}
		return exitError{2}
	}
	fmt.Fprintf(env.Stderr, "govchat report: unknown report %q (want unanswered, concerns or coverage)\n", sub)
	return exitError{2}
}

func reportUnanswered(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "report unanswered")
	since := fs.String("since", "30d", "questions asked since: a duration (720h, 30d) or a date (2025-01-31)")
	limit := fs.Int("limit", 50, "groups to list")
	format := fs.String("format", "text", "output format: text, json or csv")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	from, err := server.ParseSince(*since, env.Now())
	if err != nil {
		return err
	}
	if *limit < 1 {
		return errors.New("--limit must be at least 1")
	}
	dbs, err := openDatabases(ctx, env)
	if err != nil {
		return err
	}
	defer dbs.Close()
	if !dbs.exists("history.db") {
		return fmt.Errorf("no history at %s yet: run govchat serve first (or pass --data)", filepath.Join(env.Config.Data, "history.db"))
	}
	db, err := dbs.file("history.db")
	if err != nil {
		return err
	}
	hist, err := history.Open(history.Config{DB: db, Redact: safety.Redact, Log: env.Log, Now: env.Now})
	if err != nil {
		return err
	}
	defer hist.Close()
	groups, err := hist.Unanswered(ctx, govchat.UnansweredQuery{Since: from, Limit: *limit})
	if err != nil {
		return err
	}
	notGaps, err := hist.NotGaps(ctx, from)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if groups == nil {
			groups = []govchat.Group{}
		}
		return enc.Encode(server.UnansweredResponse{Since: from, Groups: groups, NotGaps: notGaps})
	case "csv":
		return writeUnansweredCSV(env.Stdout, groups)
	case "text":
		writeUnansweredText(env.Stdout, from, groups, notGaps)
		return nil
	}
	return fmt.Errorf("--format %q: want text, json or csv", *format)
}

func reasonList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

func writeUnansweredText(w io.Writer, since time.Time, groups []govchat.Group, notGaps map[string]int) {
	fmt.Fprintf(w, "未解决的问题（%s 起）：%d 组\n", since.Format("2006-01-02 15:04"), len(groups))
	if len(notGaps) > 0 {
		fmt.Fprintf(w, "不属于知识库缺口、未列出的拒答：%s\n", reasonList(notGaps))
	}
	if len(groups) == 0 {
		fmt.Fprintln(w, "没有因资料不足被拒答或评为“没用”的问题。")
		return
	}
	for i, g := range groups {
		fmt.Fprintf(w, "\n%3d. %s\n", i+1, g.Question)
		fmt.Fprintf(w, "     共 %d 次：拒答 %d，没用 %d；最近 %s，最早 %s\n", g.Count, g.Refused, g.Unhelpful,
			g.LastAsked.Local().Format("2006-01-02 15:04"), g.FirstAsked.Local().Format("2006-01-02 15:04"))
		if len(g.Reasons) > 0 {
			fmt.Fprintf(w, "     拒答原因：%s\n", reasonList(g.Reasons))
		}
		if len(g.Variants) > 0 {
			fmt.Fprintf(w, "     其他问法：%s\n", strings.Join(g.Variants, " | "))
		}
		if len(g.FeedbackReasons) > 0 {
			fmt.Fprintf(w, "     市民反馈：%s\n", strings.Join(g.FeedbackReasons, " | "))
		}
	}
}

func writeUnansweredCSV(w io.Writer, groups []govchat.Group) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"question", "count", "refused", "unhelpful", "reasons", "variants", "feedback_reasons", "first_asked", "last_asked", "answer_ids"})
	for _, g := range groups {
		cw.Write([]string{
			g.Question, strconv.Itoa(g.Count), strconv.Itoa(g.Refused), strconv.Itoa(g.Unhelpful), reasonList(g.Reasons),
			strings.Join(g.Variants, " | "), strings.Join(g.FeedbackReasons, " | "),
			g.FirstAsked.Format(time.RFC3339), g.LastAsked.Format(time.RFC3339), strings.Join(g.AnswerIDs, " "),
		})
	}
	cw.Flush()
	return cw.Error()
}
