package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/dept"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/knowledge/importer"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

func init() {
	register(command{name: "lookup", summary: "operator look-up from the command line; bench measures its latency", run: runLookup})
}

const lookupUsage = `usage:
  govchat lookup [--knowledge DIR] TEXT         what the workbench shows for TEXT (JSON)
  govchat lookup bench [--faq FILE] [--tickets FILE] [--n N]
        builds a knowledge base from the shipped knowledge/ plus the FAQ entries
        imported from FILE (default ../shared/eval/govfaq-beijing.jsonl), indexes
        it in the embedded store, then times look-ups: every FAQ question (short
        text) and the first N citizen tickets (long text, default 500) from
        --tickets (default ../shared/eval/citizen-messages.jsonl).`

// newLookup builds the look-up stack over base with an in-memory index.
func newLookup(ctx context.Context, env *Env, base *kb.Base) (*lookup.Lookup, error) {
	seg, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		return nil, err
	}
	store, err := mem.Open("")
	if err != nil {
		return nil, err
	}
	eng, err := search.New(search.Config{Log: env.Log, Now: env.Now}, base, seg, store, nil)
	if err != nil {
		return nil, err
	}
	if _, err := eng.Sync(ctx); err != nil {
		return nil, err
	}
	return lookupOver(env, base, seg, eng)
}

// lookupOver builds the operators' look-up over an indexed knowledge base,
// with department suggestions when its entries name departments (serve
// and the look-up command share it).
func lookupOver(env *Env, base *kb.Base, seg *zh.Segmenter, eng *search.Engine) (*lookup.Lookup, error) {
	suggester, err := dept.New(dept.Config{}, base.Docs)
	if err != nil && !errors.Is(err, dept.ErrNoDepartments) {
		return nil, err
	}
	var s lookup.Suggester
	if suggester != nil {
		s = suggester
	}
	return lookup.New(lookup.Config{Terms: func(s string) []string { return seg.Analyze(s).Terms }, Now: env.Now, Query: answer.HomeStripper(base, eng)}, base, eng, s)
}

func runLookup(ctx context.Context, env *Env, args []string) error {
	if sub, rest := subcommand(args, "faq", "tickets", "n", "cpuprofile"); sub == "bench" {
		return runLookupBench(ctx, env, rest)
	}
	fs := newFlags(env, "lookup")
	fs.Usage = func() { fmt.Fprintln(env.Stderr, lookupUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(text) == "" {
		fmt.Fprintln(env.Stderr, lookupUsage)
		return exitError{2}
	}
	base, _, err := knowledge.LoadDir(env.Config.Knowledge)
	if err != nil {
		return err
	}
	l, err := newLookup(ctx, env, base)
	if err != nil {
		return err
	}
	res, err := l.Lookup(ctx, lookup.Request{Text: text})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

func runLookupBench(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "lookup bench")
	faqFile := fs.String("faq", "../shared/eval/govfaq-beijing.jsonl", "FAQ entries to import (JSONL: question, answer, department)")
	ticketFile := fs.String("tickets", "../shared/eval/citizen-messages.jsonl", "long ticket texts (JSONL with a detail field); empty: none")
	n := fs.Int("n", 500, "tickets to time")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed look-ups to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	raw, err := os.ReadFile(*faqFile)
	if err != nil {
		return fmt.Errorf("read FAQ file: %w", err)
	}
	recs, err := importer.ParseJSONL(string(raw))
	if err != nil {
		return err
	}
	shipped, _, err := knowledge.LoadDir(env.Config.Knowledge)
	if err != nil {
		return err
	}
	docs := append([]*kb.Document{}, shipped.Docs...)
	seen := map[string]bool{}
	for _, d := range docs {
		seen[d.ID] = true
	}
	for _, d := range recs.FAQ {
		if !seen[d.ID] {
			seen[d.ID] = true
			docs = append(docs, d)
		}
	}
	base := kb.NewBase(docs, shipped.Dict)
	start := time.Now()
	l, err := newLookup(ctx, env, base)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "knowledge base: %d entries (%d FAQ imported from %s), indexed in %s\n",
		base.Len(), len(recs.FAQ), filepath.Base(*faqFile), time.Since(start).Round(time.Millisecond))

	var short []string
	for _, d := range recs.FAQ {
		short = append(short, d.Title)
	}
	var long []string
	if *ticketFile != "" {
		f, err := os.Open(*ticketFile)
		if err != nil {
			return fmt.Errorf("read tickets: %w", err)
		}
		long, err = readTickets(f, *n)
		f.Close()
		if err != nil {
			return err
		}
	}
	// Warm up (first-use allocations, page cache).
	for i := 0; i < 50 && i < len(short); i++ {
		l.Lookup(ctx, lookup.Request{Text: short[i]})
	}
	report := func(name string, texts []string) error {
		if len(texts) == 0 {
			return nil
		}
		lat := make([]time.Duration, 0, len(texts))
		runes := 0
		for _, t := range texts {
			runes += len([]rune(t))
			t0 := time.Now()
			if _, err := l.Lookup(ctx, lookup.Request{Text: t}); err != nil && !errors.Is(err, lookup.ErrTooLong) {
				return fmt.Errorf("lookup %.20q: %w", t, err)
			}
			lat = append(lat, time.Since(t0))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		fmt.Fprintf(env.Stdout, "%-22s n=%-5d avg %4d chars  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms\n",
			name, len(lat), runes/len(lat), ms(q(0.50)), ms(q(0.90)), ms(q(0.99)), ms(lat[len(lat)-1]))
		return nil
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := report("questions (short)", short); err != nil {
		return err
	}
	return report("tickets (long text)", long)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// readTickets returns the detail (or topic) text of the first n records.
func readTickets(r io.Reader, n int) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var out []string
	for sc.Scan() && len(out) < n {
		var rec struct{ Topic, Detail string }
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		t := strings.TrimSpace(rec.Detail)
		if t == "" {
			t = strings.TrimSpace(rec.Topic)
		}
		if t != "" {
			out = append(out, t)
		}
	}
	return out, sc.Err()
}
