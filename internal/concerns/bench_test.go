package concerns

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/sqlite"
)

// BenchmarkConcerns1M builds the 回应关切 report over a generated history of
// a million questions (GOVCHAT_BENCH_QUESTIONS to change it) asked over 180
// days: 2,313 answered topics (a govfaq-sized knowledge base) and 6,000
// unanswered ones, popularity falling off with rank (Zipf), four channels,
// feedback and 转人工. It reports the dashboard's report for the last 7, 30
// and 90 days (each against the period before, with examples, the daily
// chart and the coverage panel) and, as the baseline measured in the same
// run, the same topic counts taken by scanning the questions themselves.
// The history is generated once per run (GOVCHAT_BENCH_HISTORY=file keeps
// it and reuses it next time).
//
//	go test -run '^$' -bench Concerns1M -benchtime 20x -timeout 60m ./internal/concerns
func BenchmarkConcerns1M(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("GOVCHAT_BENCH_QUESTIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("GOVCHAT_BENCH_QUESTIONS=%q", v)
		}
	}
	now := time.Date(2025, 3, 14, 15, 0, 0, 0, cst)
	path := os.Getenv("GOVCHAT_BENCH_HISTORY")
	if path == "" {
		path = filepath.Join(b.TempDir(), "history.db")
	}
	topicOf := func(r govchat.Record) (string, string) { return r.Reason, r.Reason }
	h, err := history.Open(history.Config{Path: path, Redact: func(s string) string { return s }, Topic: topicOf, Location: cst,
		Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	if _, synth, _ := h.Origins(context.Background()); !synth {
		start := time.Now()
		if err := generate(h, n, now); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d questions in %v", n, time.Since(start).Round(time.Second))
	}
	if st, err := os.Stat(path); err == nil {
		b.Logf("history: %s, %d MB", path, st.Size()>>20)
	}
	base := kb.NewBase(nil, kb.Dict{})
	svc, err := New(Config{Store: h, Base: func() *kb.Base { return base }, Location: cst, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	for _, days := range []int{7, 30, 90} {
		b.Run(fmt.Sprintf("report-%dd", days), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rep, err := svc.Build(context.Background(), Query{Days: days, Topic: "doc:faq-0001", Coverage: true})
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					b.Logf("%d days: %d questions (previous %d), %d topics", days, rep.Totals.Questions, rep.Totals.Previous, rep.TopicCount)
				}
			}
		})
	}
	// The baseline: the same topic counts from the questions themselves
	// (an index on asked_at, no pre-aggregation).
	db, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, days := range []int{7, 90} {
		b.Run(fmt.Sprintf("scan-baseline-%dd", days), func(b *testing.B) {
			to := time.Date(2025, 3, 15, 0, 0, 0, 0, cst)
			from, prev := to.AddDate(0, 0, -days), to.AddDate(0, 0, -2*days)
			for i := 0; i < b.N; i++ {
				rows, err := db.Query(`SELECT topic, channel, SUM(CASE WHEN asked_at >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN asked_at < ? THEN 1 ELSE 0 END), SUM(refused)
					FROM answers WHERE asked_at >= ? AND asked_at < ? AND error = '' GROUP BY topic, channel`, from.UnixMilli(), from.UnixMilli(), prev.UnixMilli(), to.UnixMilli())
				if err != nil {
					b.Fatal(err)
				}
				k := 0
				for rows.Next() {
					k++
				}
				rows.Close()
			}
		})
	}
}

// generate writes n questions over the 180 days before now.
func generate(h *history.Store, n int, now time.Time) error {
	const docTopics, wordTopics, days = 2313, 6000, 180
	rng := rand.New(rand.NewPCG(1, 2))
	// Zipf over all topics (s = 1.05), shuffled so that answered and
	// unanswered topics mix.
	total := docTopics + wordTopics
	order := rng.Perm(total)
	cum := make([]float64, total)
	sum := 0.0
	for i := range total {
		sum += 1 / math.Pow(float64(i+1), 1.05)
		cum[i] = sum
	}
	pick := func() int {
		x := rng.Float64() * sum
		lo, hi := 0, total-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return order[lo]
	}
	channels := []string{"web", "web", "web", "miniprogram", "miniprogram", "hotline", "api"}
	y, m, d := now.Date()
	first := time.Date(y, m, d, 0, 0, 0, 0, cst).AddDate(0, 0, -(days - 1))
	var batch []history.SyntheticRecord
	yes, no := true, false
	for i := range n {
		t := pick()
		day := rng.IntN(days)
		at := first.AddDate(0, 0, day).Add(time.Duration(8*3600+rng.IntN(12*3600)) * time.Second)
		r := govchat.Record{AnswerID: fmt.Sprintf("g%07d", i), Session: fmt.Sprintf("s%07d", i), Channel: channels[rng.IntN(len(channels))], At: at,
			Mode: "extractive", Latency: time.Millisecond}
		sr := history.SyntheticRecord{}
		if t < docTopics {
			id := fmt.Sprintf("faq-%04d", t+1)
			r.Question = fmt.Sprintf("常见问题%d的第%d种问法", t+1, rng.IntN(4))
			r.Answer = "答复。"
			r.Reason = govchat.TopicDocPrefix + id // the benchmark's topic function reads it
			r.Sources = []govchat.RecordSource{{N: 1, DocID: id}, {N: 2, DocID: fmt.Sprintf("policy-%03d", t%300)}}
			switch x := rng.Float64(); {
			case x < 0.06:
				sr.Helpful = &yes
			case x < 0.08:
				sr.Helpful = &no
			}
			sr.Handoff = rng.Float64() < 0.02
		} else {
			r.Question = fmt.Sprintf("没有答案的问题%d之%d", t, rng.IntN(3))
			r.Reason = fmt.Sprintf("%s词%d", govchat.TopicWordsPrefix, t)
			r.Refused, r.Mode = true, "refused"
		}
		sr.Record = r
		batch = append(batch, sr)
		if len(batch) == 20000 || i == n-1 {
			if err := h.RecordSynthetic(context.Background(), batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}
