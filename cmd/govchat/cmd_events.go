package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/govchat/govchat/internal/outbox"
	"github.com/govchat/govchat/internal/server"
)

func init() {
	register(command{name: "events", summary: "outbound events to the 12345 工单 system: events list shows the backlog, events replay re-sends", run: runEvents})
}

const eventsUsage = `usage:
  govchat events list [--all] [--since 24h] [--url URL] [--limit 100] [--json]
  govchat events replay --since 24h [--url URL]

list shows the deliveries not yet acknowledged by their receiver, oldest
first (--all: delivered ones too). replay makes every event made since then
pending again for every receiver in GOVCHAT_WEBHOOK_URL (or the one --url
names), sends them now, and leaves what a receiver does not take to the
retries of govchat serve. Receivers deduplicate by event id. Events live in
<data>/workbench.db; delivered ones are kept for GOVCHAT_WEBHOOK_RETENTION.`

func runEvents(ctx context.Context, env *Env, args []string) error {
	sub, args := subcommand(args, "since", "url", "limit")
	if sub == "help" || sub == "" && slices.ContainsFunc(args, isHelpFlag) {
		fmt.Fprintln(env.Stderr, eventsUsage)
		return nil
	}
	if sub == "" {
		fmt.Fprintln(env.Stderr, eventsUsage)
		return exitError{2}
	}
	fs := newFlags(env, "events "+sub)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, eventsUsage); fs.PrintDefaults() }
	since := fs.String("since", "", "events made since: a duration back from now (24h, 7d) or a date (2026-06-01)")
	url := fs.String("url", "", "only this receiver (one of GOVCHAT_WEBHOOK_URL)")
	var all, asJSON bool
	var limit int
	switch sub {
	case "list":
		fs.BoolVar(&all, "all", false, "delivered events too, not only the backlog")
		fs.IntVar(&limit, "limit", 100, "deliveries to list")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	case "replay":
	default:
		fmt.Fprintf(env.Stderr, "govchat events: unknown subcommand %q\n\n%s\n", sub, eventsUsage)
		return exitError{2}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := env.Config.Validate(); err != nil {
		return err
	}
	var from time.Time
	if *since != "" {
		t, err := server.ParseSince(*since, env.Now())
		if err != nil {
			return err
		}
		from = t
	} else if sub == "replay" {
		return errors.New("replay needs --since (e.g. --since 24h): which events to send again")
	}
	dbs, err := openDatabases(ctx, env)
	if err != nil {
		return err
	}
	defer dbs.Close()
	if !dbs.exists("workbench.db") {
		return fmt.Errorf("no events at %s yet: run govchat serve first (or pass --data)", filepath.Join(env.Config.Data, "workbench.db"))
	}
	db, err := dbs.file("workbench.db")
	if err != nil {
		return err
	}
	seal, err := contactKey(env)
	if err != nil {
		return err
	}
	o, err := openOutbox(env, db, nil, seal, outbox.Config{})
	if err != nil {
		return err
	}
	if sub == "list" {
		if limit < 1 {
			return errors.New("--limit must be at least 1")
		}
		return listEvents(ctx, env, o, outbox.Filter{PendingOnly: !all, Since: from, Endpoint: *url, Limit: limit}, asJSON)
	}
	var to []string
	if *url != "" {
		to = []string{*url}
	}
	n, err := o.Replay(ctx, from, to)
	if err != nil {
		return err
	}
	sent, err := o.DeliverDue(ctx)
	fmt.Fprintf(env.Stdout, "已重新排队 %d 个投递（%s 起的事件），已送达 %d 个。\n", n, from.Format("2006-01-02 15:04"), sent)
	if err != nil {
		fmt.Fprintf(env.Stdout, "其余的由 govchat serve 按重试计划继续投递：%v\n", err)
	}
	return nil
}

// eventRow is one delivery as `events list --json` prints it.
type eventRow struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Made        time.Time `json:"made"`
	Receiver    string    `json:"receiver"`
	Attempts    int       `json:"attempts"`
	Delivered   time.Time `json:"delivered,omitzero"`
	Next        time.Time `json:"next,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

func listEvents(ctx context.Context, env *Env, o *outbox.Outbox, f outbox.Filter, asJSON bool) error {
	ds, err := o.List(ctx, f)
	if err != nil {
		return err
	}
	rows := make([]eventRow, 0, len(ds))
	for _, d := range ds {
		r := eventRow{ID: d.EventID, Type: d.Type, Made: d.Created, Receiver: outbox.DisplayURL(d.Endpoint), Attempts: d.Attempts,
			Delivered: d.Delivered, LastAttempt: d.LastAttempt, LastError: d.LastError}
		if d.Pending() {
			r.Next = d.Next
		}
		rows = append(rows, r)
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	bl, err := o.Backlog(ctx)
	if err != nil {
		return err
	}
	if bl.Pending == 0 {
		fmt.Fprintln(env.Stdout, "待投递：0")
	} else {
		fmt.Fprintf(env.Stdout, "待投递：%d（最早的事件产生于 %s，已等待 %s）\n", bl.Pending, bl.Oldest.Format("2006-01-02 15:04:05"), env.Now().Sub(bl.Oldest).Round(time.Second))
	}
	if len(o.Endpoints()) == 0 {
		fmt.Fprintln(env.Stdout, "未配置接收方（GOVCHAT_WEBHOOK_URL），不会记录或发送事件。")
	}
	if len(rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tTYPE\tMADE\tRECEIVER\tATTEMPTS\tSTATE")
	for _, r := range rows {
		state := "delivered " + r.Delivered.Format("01-02 15:04:05")
		if r.Delivered.IsZero() {
			state = "next " + r.Next.Format("01-02 15:04:05")
			if r.LastError != "" {
				state += "  " + r.LastError
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Type, r.Made.Format("2006-01-02 15:04:05"), r.Receiver, r.Attempts, state)
	}
	return tw.Flush()
}
