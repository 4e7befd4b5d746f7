package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/concerns"
	"github.com/govchat/govchat/internal/coverage"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/zh"
)

// conversationLog is what the reports and demo history use of the
// conversation log (*history.Store; another backend provides the same).
type conversationLog interface {
	concerns.Store
	RecordSynthetic(ctx context.Context, recs []history.SyntheticRecord) error
	Origins(ctx context.Context) (real, synthetic bool, err error)
	DeleteSynthetic(ctx context.Context) (int, error)
	Close() error
}

var _ conversationLog = (*history.Store)(nil)

// reportEnv is the knowledge base and the conversation log a report
// reads, the log opened with the topics serve assigns.
type reportEnv struct {
	base   *kb.Base
	seg    *zh.Segmenter
	topics *concerns.Topics
	hist   conversationLog
	dbs    *databases
}

func (r *reportEnv) Close() {
	if r.hist != nil {
		r.hist.Close()
	}
	if r.dbs != nil {
		r.dbs.Close()
	}
}

// openReport loads the knowledge base and its segmenter and opens the
// conversation log under --data (which must exist unless create).
func openReport(env *Env, now func() time.Time, create bool) (*reportEnv, error) {
	base, _, err := knowledge.LoadDir(env.Config.Knowledge)
	if err != nil {
		return nil, fmt.Errorf("knowledge: %w", err)
	}
	seg, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		return nil, err
	}
	r := &reportEnv{base: base, seg: seg, topics: concerns.NewTopics(seg, base.Dict.Aspects)}
	if r.dbs, err = openDatabases(context.Background(), env); err != nil {
		return nil, err
	}
	if !r.dbs.exists("history.db") && !create {
		r.Close()
		return nil, fmt.Errorf("no history at %s yet: run govchat serve first, or govchat demo history (or pass --data)", filepath.Join(env.Config.Data, "history.db"))
	}
	db, err := r.dbs.file("history.db")
	if err != nil {
		r.Close()
		return nil, err
	}
	if r.hist, err = history.Open(history.Config{DB: db, Redact: safety.Redact, Log: env.Log, Topic: r.topics.Topic, Now: now}); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// clockFlag parses --now (YYYY-MM-DD: that day's afternoon, local time);
// without it the process's clock (GOVCHAT_NOW or the real one).
func clockFlag(env *Env, v string) (func() time.Time, error) {
	if v == "" {
		if env.Now != nil {
			return env.Now, nil
		}
		return time.Now, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, time.Local)
	if err != nil {
		return nil, fmt.Errorf("--now %q: want a date such as 2025-03-14", v)
	}
	t = t.Add(15 * time.Hour)
	return func() time.Time { return t }, nil
}

func reportConcerns(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "report concerns")
	period := fs.Int("period", 7, "the last N days (7, 30, 90 …), today included")
	from := fs.String("from", "", "first day of the period (YYYY-MM-DD), instead of --period")
	to := fs.String("to", "", "last day of the period (YYYY-MM-DD; default today)")
	topic := fs.String("topic", "", "also chart this topic (a key from the report, e.g. doc:ID or q:WORDS)")
	channel := fs.String("channel", "", "only this channel: web, miniprogram, hotline, workbench, api")
	dept := fs.String("department", "", "only topics of this department")
	limit := fs.Int("limit", 30, "topics to list (0: all)")
	format := fs.String("format", "text", "output format: text, json or csv")
	at := fs.String("now", "", "report as of this day (YYYY-MM-DD) instead of today")
	lateDays := fs.Int("late-days", env.Config.InterpretLateDays, "with --format json: coverage counts an interpretation late after this many days (env GOVCHAT_INTERPRET_LATE_DAYS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	now, err := clockFlag(env, *at)
	if err != nil {
		return err
	}
	q := concerns.Query{Days: *period, Topic: *topic, Channel: *channel, Department: *dept, Limit: *limit}
	if *limit == 0 {
		q.Limit = -1
	}
	if *from != "" {
		if q.From, err = time.ParseInLocation("2006-01-02", *from, time.Local); err != nil {
			return fmt.Errorf("--from %q: want a date such as 2025-03-01", *from)
		}
		if *to != "" {
			if q.To, err = time.ParseInLocation("2006-01-02", *to, time.Local); err != nil {
				return fmt.Errorf("--to %q: want a date such as 2025-03-07", *to)
			}
		}
	}
	q.Coverage = *format == "json"
	if *format != "text" && *format != "json" && *format != "csv" {
		return fmt.Errorf("--format %q: want text, json or csv", *format)
	}
	r, err := openReport(env, now, false)
	if err != nil {
		return err
	}
	defer r.Close()
	svc, err := concerns.New(concerns.Config{Store: r.hist, Base: func() *kb.Base { return r.base }, Now: now, Log: env.Log,
		Coverage: coverage.Config{LateDays: *lateDays}})
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := svc.Build(ctx, q)
	if err != nil {
		return err
	}
	took := time.Since(start)
	switch *format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return concerns.WriteCSV(env.Stdout, rep)
	}
	writeConcernsText(env.Stdout, rep)
	fmt.Fprintf(env.Stderr, "report built in %v\n", took.Round(time.Millisecond))
	return nil
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// sparkline draws counts with block characters.
func sparkline(days []concerns.Day) string {
	blocks := []rune("▁▂▃▄▅▆▇█")
	peak := 0
	for _, d := range days {
		peak = max(peak, d.Questions)
	}
	var b strings.Builder
	for _, d := range days {
		if peak == 0 || d.Questions == 0 {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(blocks[min(len(blocks)-1, d.Questions*len(blocks)/(peak+1))])
	}
	return b.String()
}

func writeConcernsText(w io.Writer, rep *concerns.Report) {
	fmt.Fprintf(w, "回应关切：%s（对比上期 %s）\n", rep.Period.Label(), rep.Previous.Label())
	t := rep.Totals
	change := ""
	if t.Previous > 0 {
		change = fmt.Sprintf("，%+.0f%%", float64(t.Questions-t.Previous)*100/float64(t.Previous))
	}
	fmt.Fprintf(w, "提问 %d（上期 %d%s）；拒答率 %s；“没用”率 %s（没用 %d，有用 %d）；答后转人工 %s（%d 次）\n",
		t.Questions, t.Previous, change, pct(t.RefusalRate), pct(t.UnhelpfulRate), t.Unhelpful, t.Helpful, pct(t.HandoffRate), t.Handoffs)
	var ch []string
	for _, c := range rep.Channels {
		ch = append(ch, fmt.Sprintf("%s %d", c.Label, c.Questions))
	}
	if len(ch) > 0 {
		fmt.Fprintf(w, "渠道：%s\n", strings.Join(ch, " · "))
	}
	if t.Synthetic > 0 {
		fmt.Fprintf(w, "注意：其中 %d 个问题是演示数据（govchat demo history 生成）。\n", t.Synthetic)
	}
	fmt.Fprintf(w, "每日：%s（%s—%s）\n", sparkline(rep.Daily), rep.Period.From.Format("1/2"), rep.Period.Last().Format("1/2"))
	if f := rep.Focus; f != nil {
		fmt.Fprintf(w, "话题“%s”每日：%s（本期 %d，上期 %d）\n", f.Label, sparkline(rep.FocusDaily), f.Questions, f.Previous)
	}
	fmt.Fprintf(w, "\n话题（上升的在前，共 %d 个）：\n", rep.TopicCount)
	if len(rep.Topics) == 0 {
		fmt.Fprintln(w, "  这段时间没有提问。")
	}
	for i, tp := range rep.Topics {
		kind := ""
		switch tp.Kind {
		case "words":
			kind = "［未能回答］"
		case "entry", "document":
			kind = "［" + tp.TypeLabel + "］"
		}
		fmt.Fprintf(w, "%3d. %s%s  %s %+d  本期 %d（上期 %d）  拒答 %s  没用 %d  转人工 %d\n", i+1, tp.Label, kind,
			concerns.TrendLabel(tp.Trend), tp.Change, tp.Questions, tp.Previous, pct(tp.RefusalRate), tp.Unhelpful, tp.Handoffs)
		var cs []string
		for _, c := range tp.Channels {
			cs = append(cs, fmt.Sprintf("%s %d", c.Label, c.Questions))
		}
		line := "     " + tp.Key
		if len(cs) > 0 {
			line += "  渠道：" + strings.Join(cs, "、")
		}
		if tp.Department != "" {
			line += "  部门：" + tp.Department
			if tp.Suggested {
				line += "（建议）"
			}
		}
		fmt.Fprintln(w, line)
		if len(tp.Examples) > 0 {
			fmt.Fprintf(w, "     问法：%s\n", strings.Join(tp.Examples, " | "))
		}
	}
}

func reportCoverage(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "report coverage")
	lateDays := fs.Int("late-days", env.Config.InterpretLateDays, "an interpretation more than this many days after its policy is late (env GOVCHAT_INTERPRET_LATE_DAYS; 0: the same day)")
	expiring := fs.Int("expiring-days", 90, "list documents expiring within this many days")
	uncited := fs.Int("uncited-days", 90, "list documents no answer cited in this many days (needs the history under --data)")
	format := fs.String("format", "text", "output format: text or json")
	at := fs.String("now", "", "check as of this day (YYYY-MM-DD) instead of today")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *lateDays < 0 {
		return errors.New("--late-days must not be negative")
	}
	now, err := clockFlag(env, *at)
	if err != nil {
		return err
	}
	cfg := coverage.Config{LateDays: *lateDays, ExpiringDays: *expiring, UncitedDays: *uncited}
	var rep coverage.Report
	if _, statErr := os.Stat(filepath.Join(env.Config.Data, "history.db")); statErr == nil {
		r, err := openReport(env, now, false)
		if err != nil {
			return err
		}
		defer r.Close()
		svc, err := concerns.New(concerns.Config{Store: r.hist, Base: func() *kb.Base { return r.base }, Now: now, Coverage: cfg, Log: env.Log})
		if err != nil {
			return err
		}
		if rep, err = svc.Coverage(ctx); err != nil {
			return err
		}
	} else {
		base, _, err := knowledge.LoadDir(env.Config.Knowledge)
		if err != nil {
			return fmt.Errorf("knowledge: %w", err)
		}
		rep = coverage.Check(base, now(), cfg, nil)
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "text":
		writeCoverageText(env.Stdout, rep)
		return nil
	}
	return fmt.Errorf("--format %q: want text or json", *format)
}

func writeCoverageText(w io.Writer, r coverage.Report) {
	fmt.Fprintf(w, "解读覆盖（谁起草谁解读），%s\n", r.Now.Format("2006-01-02"))
	fmt.Fprintf(w, "现行政策 %d 件，无解读 %d 件\n", r.Policies, len(r.Uninterpreted))
	for _, it := range r.Uninterpreted {
		fmt.Fprintf(w, "  - %s（%s）%s\n", it.Title, it.ID, it.DocNumber)
	}
	fmt.Fprintf(w, "解读晚于政策（超过 %d 天）：%d 件\n", r.Config.LateDays, len(r.Late))
	for _, l := range r.Late {
		fmt.Fprintf(w, "  - %s（%s）：晚于《%s》%d 天\n", l.Interpretation.Title, l.Interpretation.ID, l.Policy.Title, l.Days)
	}
	fmt.Fprintf(w, "常见问题依据已废止或失效：%d 条\n", len(r.StaleSources))
	for _, s := range r.StaleSources {
		fmt.Fprintf(w, "  - %s（%s）：依据 %s %s\n", s.FAQ.Title, s.FAQ.ID, s.Source.ID, s.Source.Status)
	}
	fmt.Fprintf(w, "%d 天内到期：%d 件\n", r.Config.ExpiringDays, len(r.Expiring))
	for _, e := range r.Expiring {
		fmt.Fprintf(w, "  - %s（%s）：%s 到期，还有 %d 天\n", e.Title, e.ID, e.Expires, e.DaysLeft)
	}
	if !r.CitedKnown {
		fmt.Fprintln(w, "近期未被引用：没有对话记录，未检查")
		return
	}
	fmt.Fprintf(w, "%s 以来从未被回答引用：%d 件\n", r.UncitedSince.Format("2006-01-02"), len(r.Uncited))
	for i, it := range r.Uncited {
		if i == 50 {
			fmt.Fprintf(w, "  …另有 %d 件（--format json 列出全部）\n", len(r.Uncited)-50)
			break
		}
		fmt.Fprintf(w, "  - %s（%s，%s）\n", it.Title, it.ID, it.TypeLabel)
	}
}
