package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/store/mem"
)

func init() {
	register(command{
		name:    "demo",
		summary: "demo history: fill the conversation log with a clearly marked synthetic history, so that the 回应关切 dashboard has something to show",
		run:     runDemo,
	})
}

const demoUsage = `usage: govchat demo history [--days 60] [--per-day 40] [--seed 1] [--replace] [--allow-real] [--now DATE]
       govchat demo history --remove

Writes a synthetic history of questions into DATA/history.db: wordings of the
knowledge base's own FAQ entries (question and similar questions), questions
made from its documents' headings, and a few common questions the knowledge
base may not answer, asked over the last --days days with some topics rising
and some falling, each answered by govchat's extractive answerer. Every row is
marked synthetic; the dashboard says how many of a period's questions are.
It refuses to write into a history with real questions unless --allow-real.`

func runDemo(ctx context.Context, env *Env, args []string) error {
	sub, rest := subcommand(args, "days", "per-day", "seed", "now")
	if sub != "history" {
		fmt.Fprintln(env.Stderr, demoUsage)
		if sub == "" && slices.ContainsFunc(args, isHelpFlag) {
			return nil
		}
		return exitError{2}
	}
	fs := newFlags(env, "demo history")
	days := fs.Int("days", 60, "days of history, ending today")
	perDay := fs.Int("per-day", 40, "questions on an ordinary weekday")
	seed := fs.Uint64("seed", 1, "random seed (the same seed writes the same history)")
	replace := fs.Bool("replace", false, "remove earlier demo questions first")
	remove := fs.Bool("remove", false, "only remove the demo questions")
	allowReal := fs.Bool("allow-real", false, "write even though the history holds real questions (they stay apart: demo rows are marked)")
	at := fs.String("now", "", "end the history on this day (YYYY-MM-DD) instead of today")
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *days < 1 || *days > 366 || *perDay < 1 || *perDay > 100000 {
		return errors.New("--days must be 1 to 366 and --per-day 1 to 100000")
	}
	now, err := clockFlag(env, *at)
	if err != nil {
		return err
	}
	r, err := openReport(env, now, true)
	if err != nil {
		return err
	}
	defer r.Close()
	path := filepath.Join(env.Config.Data, "history.db")
	if *remove {
		n, err := r.hist.DeleteSynthetic(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "removed %d demo questions from %s\n", n, path)
		return nil
	}
	real, synth, err := r.hist.Origins(ctx)
	if err != nil {
		return err
	}
	if real && !*allowReal {
		return fmt.Errorf("%s holds real questions; demo questions are marked and kept apart, but add them only on purpose: pass --allow-real", path)
	}
	if synth && !*replace {
		return fmt.Errorf("%s already holds demo questions: pass --replace to write new ones (or --remove)", path)
	}
	if *replace {
		if n, err := r.hist.DeleteSynthetic(ctx); err != nil {
			return err
		} else if n > 0 {
			fmt.Fprintf(env.Stderr, "removed %d earlier demo questions\n", n)
		}
	}

	// Answer with the extractive answerer over an index in memory: the demo
	// touches neither data/index nor a language model.
	demoEnv := *env
	demoEnv.Config.ChatModel, demoEnv.Config.EmbedModel = "", ""
	st, err := mem.Open("")
	if err != nil {
		return err
	}
	app, err := openSearch(ctx, &demoEnv, searchOptions{Store: st})
	if err != nil {
		return err
	}
	defer app.Close()
	ans, err := newAnswerer(&demoEnv, app)
	if err != nil {
		return err
	}
	seeds := demoSeeds(app.Base, app.Engine.ChunksOf, now())
	if len(seeds) == 0 {
		return errors.New("the knowledge base has no FAQ entries or headings to draw questions from")
	}
	recs, err := demoHistory(ctx, ans, seeds, demoPlan{Days: *days, PerDay: *perDay, Seed: *seed, Now: now()})
	if err != nil {
		return err
	}
	if err := r.hist.RecordSynthetic(ctx, recs); err != nil {
		return err
	}
	refused := 0
	for _, x := range recs {
		if x.Refused {
			refused++
		}
	}
	fmt.Fprintf(env.Stdout, "wrote %d demo questions (%d refused) over %d days into %s, drawn from %d wordings; every row is marked synthetic\n",
		len(recs), refused, *days, path, countWordings(seeds))
	fmt.Fprintln(env.Stdout, "see them at /agent/concerns (admin) or: govchat report concerns --period 30; remove them with: govchat demo history --remove")
	return nil
}

// demoSeed is one thing citizens ask about, in its wordings.
type demoSeed struct {
	wordings []string
	weight   float64
	trend    float64 // growth per day over the last two weeks (0: steady)
	bad      bool    // answered badly: more 👎 and 转人工
}

func countWordings(seeds []*demoSeed) int {
	n := 0
	for _, s := range seeds {
		n += len(s.wordings)
	}
	return n
}

// outsideQuestions are common questions of a 12345 line that a small
// knowledge base does not answer (refused: they make the unanswered topics).
var outsideQuestions = [][]string{
	{"养犬登记证在哪里办理", "怎么办养犬登记证", "养犬登记证哪里办"},
	{"社保卡丢了怎么补办", "社会保障卡丢了咋办", "社保卡补办要带什么"},
	{"新生儿怎么办理落户", "孩子出生后怎么上户口"},
	{"公积金怎么提取", "住房公积金提取需要什么材料"},
}

var headingNumberRe = regexp.MustCompile(`^(第[一二三四五六七八九十百零〇\d]+[章节条款]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.、．])\s*`)

// demoSeeds draws the questions from the knowledge base: every FAQ entry
// with its similar questions, a question per document heading, and the
// outside questions.
func demoSeeds(base *kb.Base, chunks func(string) []kb.Chunk, now time.Time) []*demoSeed {
	var seeds []*demoSeed
	for _, d := range base.Docs {
		if base.Doc(d.ID) != d {
			continue
		}
		if d.Type == kb.TypeFAQ {
			if d.Expired(now) {
				continue
			}
			w := append([]string{strings.TrimRight(d.Title, "？?")}, d.Similar...)
			seeds = append(seeds, &demoSeed{wordings: w})
			continue
		}
		seen := map[string]bool{}
		for _, c := range chunks(d.ID) {
			if len(c.Heading) == 0 {
				continue
			}
			h := strings.TrimSpace(strings.Trim(c.Heading[len(c.Heading)-1], "#* "))
			h = strings.TrimRight(headingNumberRe.ReplaceAllString(h, ""), "。.；;：:")
			if n := utf8.RuneCountInString(h); n < 4 || n > 24 || seen[h] {
				continue
			}
			seen[h] = true
			seeds = append(seeds, &demoSeed{wordings: []string{h + "有哪些要求", h + "是怎么规定的"}})
		}
	}
	for _, q := range outsideQuestions {
		seeds = append(seeds, &demoSeed{wordings: q})
	}
	return seeds
}

// demoPlan shapes a demo history.
type demoPlan struct {
	Days, PerDay int
	Seed         uint64
	Now          time.Time
}

// demoHistory asks the seeds' wordings over the plan's days: popularity
// falls off with rank (Zipf), weekends are quieter, one outside question
// and one FAQ entry rise over the last two weeks and another entry falls;
// each distinct wording is answered once by a.
func demoHistory(ctx context.Context, a *answer.Answerer, seeds []*demoSeed, p demoPlan) ([]history.SyntheticRecord, error) {
	rng := rand.New(rand.NewPCG(p.Seed, 0x9e3779b97f4a7c15))
	rng.Shuffle(len(seeds), func(i, j int) { seeds[i], seeds[j] = seeds[j], seeds[i] })
	for i, s := range seeds {
		s.weight = 1 / math.Pow(float64(i+1), 0.8)
	}
	// The rising and falling topics: the first outside question and two
	// FAQ-like seeds in the middle of the popularity list.
	var inside []*demoSeed
	for _, s := range seeds {
		if !isOutside(s) {
			inside = append(inside, s)
		}
		if isOutside(s) && s.wordings[0] == outsideQuestions[0][0] {
			s.trend, s.weight = 0.3, max(s.weight, 0.15)
		}
	}
	if len(inside) > 2 {
		inside[len(inside)/3].trend = 0.15
		inside[len(inside)/3].bad = true
		inside[1].trend = -0.05
	}
	type answered struct {
		a   *govchat.Answer
		err error
	}
	cache := map[string]answered{}
	answerOf := func(q string) (*govchat.Answer, error) {
		if c, ok := cache[q]; ok {
			return c.a, c.err
		}
		x, err := a.Answer(ctx, govchat.Request{Question: q})
		cache[q] = answered{x, err}
		return x, err
	}
	loc := p.Now.Location()
	y, m, d := p.Now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var out []history.SyntheticRecord
	n := 0
	for day := p.Days - 1; day >= 0; day-- {
		date := today.AddDate(0, 0, -day)
		volume := float64(p.PerDay)
		if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			volume *= 0.45
		}
		count := max(0, int(math.Round(volume*(0.85+0.3*rng.Float64()))))
		// Weights of the day: the trends act over the last 14 days.
		weights := make([]float64, len(seeds))
		total := 0.0
		for i, s := range seeds {
			w := s.weight
			if s.trend != 0 && day < 14 {
				w *= math.Max(0.05, 1+s.trend*float64(14-day))
			}
			weights[i] = w
			total += w
		}
		for k := 0; k < count; k++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			x := rng.Float64() * total
			i := 0
			for i < len(weights)-1 && x >= weights[i] {
				x -= weights[i]
				i++
			}
			s := seeds[i]
			q := s.wordings[rng.IntN(len(s.wordings))]
			at := date.Add(time.Duration(8*3600+rng.IntN(13*3600)) * time.Second)
			if at.After(p.Now) {
				at = p.Now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
			}
			ans, err := answerOf(q)
			if err != nil {
				return nil, fmt.Errorf("answering %q: %w", q, err)
			}
			n++
			r := govchat.Record{AnswerID: fmt.Sprintf("demo_%08x%04x", p.Seed&0xffffffff, n), Session: fmt.Sprintf("demo-%d", n),
				Channel: demoChannel(rng), At: at, Question: q, Answer: ans.Text, Refused: ans.Refused, Reason: ans.Reason,
				Mode: string(ans.Mode), Latency: time.Duration(5+rng.IntN(40)) * time.Millisecond}
			for j, src := range ans.Sources {
				nn := src.N
				if nn == 0 {
					nn = j + 1
				}
				r.Sources = append(r.Sources, govchat.RecordSource{N: nn, DocID: src.ID, Anchor: src.Anchor, Title: src.Title})
			}
			sr := history.SyntheticRecord{Record: r}
			if !ans.Refused && !ans.Clarify {
				fb, bad, handoff := 0.12, 0.15, 0.03
				if s.bad {
					fb, bad, handoff = 0.3, 0.6, 0.15
				}
				if rng.Float64() < fb {
					h := rng.Float64() >= bad
					sr.Helpful = &h
				}
				sr.Handoff = rng.Float64() < handoff
			}
			out = append(out, sr)
		}
	}
	return out, nil
}

func isOutside(s *demoSeed) bool {
	for _, q := range outsideQuestions {
		if len(s.wordings) > 0 && s.wordings[0] == q[0] {
			return true
		}
	}
	return false
}

// demoChannel: the website most, then the mini-program and the hotline.
func demoChannel(rng *rand.Rand) string {
	switch x := rng.Float64(); {
	case x < 0.55:
		return govchat.ChannelWeb
	case x < 0.80:
		return govchat.ChannelMiniProgram
	case x < 0.95:
		return govchat.ChannelHotline
	}
	return govchat.ChannelAPI
}
