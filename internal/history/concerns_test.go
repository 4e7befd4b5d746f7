package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
	"github.com/govchat/govchat/internal/sqlite"
)

var shanghai = time.FixedZone("CST", 8*3600)

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(Config{Path: path, Redact: fakeRedact, Location: shanghai, Topic: defaultTopic})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openOn opens the log on db (the tests that run on both databases are the
// concerns report's conformance suite).
func openOn(t *testing.T, db *sqldb.DB) *Store {
	t.Helper()
	s, err := Open(Config{DB: db, Redact: fakeRedact, Location: shanghai, Topic: defaultTopic})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func day(d int, hour int) time.Time { return time.Date(2025, 3, d, hour, 0, 0, 0, shanghai) }

func answered(id, session, channel string, at time.Time, q, doc string) govchat.Record {
	return govchat.Record{AnswerID: id, Session: session, Channel: channel, At: at, Question: q, Answer: "答", Mode: "extractive",
		Sources: []govchat.RecordSource{{N: 1, DocID: doc, Title: doc + "标题"}, {N: 2, DocID: "policy"}}}
}

func refusedRec(id, session, channel string, at time.Time, q string) govchat.Record {
	return govchat.Record{AnswerID: id, Session: session, Channel: channel, At: at, Question: q, Answer: "无法回答", Refused: true, Reason: "low_confidence", Mode: "refused"}
}

// byTopic sums the counts of each topic over channels.
func byTopic(cs []govchat.TopicCount) map[string]govchat.TopicCount {
	out := map[string]govchat.TopicCount{}
	for _, c := range cs {
		t := out[c.Topic]
		t.Topic, t.Label = c.Topic, c.Label
		t.Counts.Add(c.Counts)
		t.Previous += c.Previous
		out[c.Topic] = t
	}
	return out
}

func TestConcernCounts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openOn(t, db)
		defer s.Close()
		recs := []govchat.Record{
			// Previous period (1–7 March): faq-1 twice.
			answered("p1", "s0", "web", day(2, 10), "居住证怎么办", "faq-1"),
			answered("p2", "s0", "web", day(6, 23), "居住证怎么办理", "faq-1"),
			// Current period (8–14 March): faq-1 four times, one refused wording thrice.
			answered("c1", "s1", "web", day(8, 0), "居住证怎么办", "faq-1"),
			answered("c2", "s2", "miniprogram", day(9, 12), "居住证在哪办", "faq-1"),
			answered("c3", "s3", "hotline", day(10, 12), "居住证要什么材料", "faq-1"),
			answered("c4", "s4", "web", day(14, 23), "居住证怎么办", "faq-1"),
			refusedRec("r1", "s5", "web", day(11, 9), "养犬登记证在哪里办理"),
			refusedRec("r2", "s6", "web", day(12, 9), "养犬登记证在哪里办理？"),
			refusedRec("r3", "s7", "api", day(13, 9), "养犬登记证在哪里办理吗"),
			// A clarification, and a failed answer (not counted).
			{AnswerID: "k1", Session: "s8", Channel: "web", At: day(13, 10), Question: "怎么办证", Answer: "您是想问", Mode: "clarify"},
			{AnswerID: "e1", Session: "s9", Channel: "web", At: day(13, 11), Question: "居住证怎么办", Error: "internal"},
			// The next period: not counted.
			answered("n1", "s1", "web", day(15, 0), "居住证怎么办", "faq-1"),
		}
		for _, r := range recs {
			if err := s.Record(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// Feedback: c1 👎 then 👍 (counts as 👍), c2 👎, p1 👎 (previous period).
		for _, f := range []govchat.Feedback{{AnswerID: "c1", Helpful: false}, {AnswerID: "c1", Helpful: true}, {AnswerID: "c2", Helpful: false}, {AnswerID: "p1", Helpful: false}} {
			if err := s.Feedback(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		// 转人工: after c4's answer (counted), after r1's refusal (not), twice after c4 (once).
		for _, sess := range []string{"s4", "s5", "s4", "no-such-session"} {
			if _, err := s.RecordHandoff(ctx, sess); err != nil {
				t.Fatal(err)
			}
		}

		q := govchat.PeriodQuery{PrevFrom: day(1, 0), From: day(8, 0), To: day(15, 0)}
		counts, err := s.ConcernCounts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got := byTopic(counts)
		faq := got["doc:faq-1"]
		want := govchat.Counts{Questions: 4, Helpful: 1, Unhelpful: 1, Handoffs: 1}
		if faq.Counts != want || faq.Previous != 2 || faq.Label != "faq-1标题" {
			t.Errorf("doc:faq-1 = %+v, want %+v and previous 2", faq, want)
		}
		dog := got["q:养犬登记证在哪里办理"]
		if dog.Questions != 3 || dog.Refused != 3 || dog.Previous != 0 {
			t.Errorf("refused topic = %+v (all topics: %v)", dog, got)
		}
		if k := got["q:怎么办证"]; k.Clarified != 1 || k.Questions != 1 {
			t.Errorf("clarified topic = %+v", k)
		}
		total := 0
		for _, c := range got {
			total += c.Questions
		}
		if total != 8 {
			t.Errorf("%d questions counted in the period, want 8 (the failed one and the next period's left out)", total)
		}
		byChannel, err := s.TopicChannels(ctx, []string{"doc:faq-1", "q:养犬登记证在哪里办理"}, day(8, 0), day(15, 0))
		if err != nil {
			t.Fatal(err)
		}
		channels := map[string]int{}
		for _, c := range byChannel {
			channels[c.Topic+" "+c.Channel] += c.Questions
		}
		if channels["doc:faq-1 web"] != 2 || channels["doc:faq-1 miniprogram"] != 1 || channels["doc:faq-1 hotline"] != 1 ||
			channels["q:养犬登记证在哪里办理 web"] != 2 || channels["q:养犬登记证在哪里办理 api"] != 1 || len(channels) != 5 {
			t.Errorf("by channel = %v", channels)
		}
		web, _ := s.ConcernCounts(ctx, govchat.PeriodQuery{PrevFrom: day(1, 0), From: day(8, 0), To: day(15, 0), Channel: "web"})
		if got := byTopic(web)["doc:faq-1"]; got.Questions != 2 || got.Previous != 2 {
			t.Errorf("faq-1 on the web = %+v", got)
		}

		// Daily counts of the service and of a topic, on Shanghai days.
		daily, err := s.DailyCounts(ctx, day(8, 0), day(15, 0), "")
		if err != nil {
			t.Fatal(err)
		}
		perDay := map[int]int{}
		for _, d := range daily {
			if d.Day.Location() != shanghai || d.Day.Hour() != 0 {
				t.Errorf("day %v is not a Shanghai midnight", d.Day)
			}
			perDay[d.Day.Day()] += d.Questions
		}
		if perDay[8] != 1 || perDay[13] != 2 || perDay[14] != 1 || perDay[15] != 0 {
			t.Errorf("service per day = %v", perDay)
		}
		topicDaily, err := s.DailyCounts(ctx, day(1, 0), day(15, 0), "doc:faq-1")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range topicDaily {
			n += d.Questions
		}
		if n != 6 {
			t.Errorf("faq-1 has %d questions over two weeks, want 6", n)
		}

		ex, err := s.TopicExamples(ctx, "doc:faq-1", day(8, 0), day(15, 0), 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ex, []string{"居住证怎么办", "居住证要什么材料", "居住证在哪办"}) {
			t.Errorf("examples = %q (distinct wordings, most recent first)", ex)
		}

		cited, err := s.CitedSince(ctx, day(9, 0))
		if err != nil {
			t.Fatal(err)
		}
		if cited["faq-1"] != 7 || cited["policy"] != 7 || len(cited) != 2 {
			t.Errorf("cited since 9 March = %v", cited)
		}
		if cited, _ := s.CitedSince(ctx, day(16, 0)); len(cited) != 0 {
			t.Errorf("cited since 16 March (after the last answer) = %v", cited)
		}
	})
}

func TestConcernCountsRedactedAndSynthetic(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openOn(t, db)
		defer s.Close()
		if real, synth, err := s.Origins(ctx); err != nil || real || synth {
			t.Fatalf("empty log: real %v, synthetic %v, %v", real, synth, err)
		}
		yes := true
		var gen []SyntheticRecord
		for i := range 5 {
			gen = append(gen, SyntheticRecord{Record: answered(fmt.Sprintf("d%d", i), "demo", "web", day(10, i), "公积金怎么提取", "faq-2"), Helpful: &yes, Handoff: i == 0})
		}
		if err := s.RecordSynthetic(ctx, gen); err != nil {
			t.Fatal(err)
		}
		if real, synth, _ := s.Origins(ctx); real || !synth {
			t.Errorf("after generating: real %v, synthetic %v", real, synth)
		}
		if err := s.Record(ctx, refusedRec("x", "s", "web", day(10, 9), "我的电话13812345678，养犬登记证在哪里办理")); err != nil {
			t.Fatal(err)
		}
		counts, _ := s.ConcernCounts(ctx, govchat.PeriodQuery{From: day(10, 0), To: day(11, 0)})
		got := byTopic(counts)
		if c := got["doc:faq-2"]; c.Questions != 5 || c.Synthetic != 5 || c.Helpful != 5 || c.Handoffs != 1 {
			t.Errorf("synthetic topic = %+v", c)
		}
		for k := range got {
			if slices.Contains([]string{"13812345678"}, k) || len(k) > 0 && containsDigits(k) {
				t.Errorf("topic key %q carries personal data", k)
			}
		}
		ex, _ := s.TopicExamples(ctx, "q:"+normalizeQuestion(fakeRedact("我的电话13812345678，养犬登记证在哪里办理")), day(10, 0), day(11, 0), 3)
		if len(ex) != 1 || containsDigits(ex[0]) {
			t.Errorf("examples = %q", ex)
		}
		n, err := s.DeleteSynthetic(ctx)
		if err != nil || n != 5 {
			t.Fatalf("deleted %d, %v", n, err)
		}
		counts, _ = s.ConcernCounts(ctx, govchat.PeriodQuery{From: day(10, 0), To: day(11, 0)})
		if got := byTopic(counts); len(got) != 1 || got["doc:faq-2"].Questions != 0 {
			t.Errorf("after deleting the generated questions: %v", got)
		}
		if real, synth, _ := s.Origins(ctx); !real || synth {
			t.Errorf("after deleting: real %v, synthetic %v", real, synth)
		}
	})
}

func containsDigits(s string) bool {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n >= 6
}

// TestBackfillOldLog opens a log written before the concerns report: its
// rows get topics and join the counts, with their feedback and 转人工.
func TestBackfillOldLog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// The log's first schema, as a govchat before the report left it.
	if _, err := db.Exec(Schema.Steps[0].SQLite + `; PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	ms := day(10, 9).UnixMilli()
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO answers VALUES ('a1','s1','ws',%d,'居住证怎么办','居住证怎么办','答',0,'','extractive',1,'')`, ms),
		fmt.Sprintf(`INSERT INTO answers VALUES ('a2','s2','api',%d,'养狗','养狗','无法回答',1,'low_confidence','refused',1,'')`, ms),
		fmt.Sprintf(`INSERT INTO answers VALUES ('a3','s3','ws',%d,'x','x','',0,'','',1,'internal')`, ms),
		`INSERT INTO answer_sources VALUES ('a1',1,'faq-1','','居住证')`,
		fmt.Sprintf(`INSERT INTO feedback (answer_id, at, helpful, reason) VALUES ('a1',%d,1,''),('a1',%d,0,'没用')`, ms, ms+1),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := openAt(t, path)
	counts, err := s.ConcernCounts(ctx, govchat.PeriodQuery{From: day(10, 0), To: day(11, 0)})
	if err != nil {
		t.Fatal(err)
	}
	got := byTopic(counts)
	if c := got["doc:faq-1"]; c.Questions != 1 || c.Unhelpful != 1 || c.Helpful != 0 {
		t.Errorf("backfilled answer = %+v", c)
	}
	if c := got["q:养狗"]; c.Questions != 1 || c.Refused != 1 {
		t.Errorf("backfilled refusal = %+v", c)
	}
	if len(got) != 2 {
		t.Errorf("topics = %v (the failed answer is not counted)", got)
	}
	// New feedback moves the backfilled count.
	if err := s.Feedback(ctx, govchat.Feedback{AnswerID: "a1", Helpful: true}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening does not count anything twice.
	s = openAt(t, path)
	defer s.Close()
	counts, _ = s.ConcernCounts(ctx, govchat.PeriodQuery{From: day(10, 0), To: day(11, 0)})
	if c := byTopic(counts)["doc:faq-1"]; c.Questions != 1 || c.Helpful != 1 || c.Unhelpful != 0 {
		t.Errorf("after reopening: %+v", c)
	}
}

// TestConcernCountsWeeksAndDays: a long period is read from the weekly
// counts between its ends; whatever the period's alignment, the counts are
// those of the questions themselves.
func TestConcernCountsWeeksAndDays(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openOn(t, db)
		defer s.Close()
		rng := rand.New(rand.NewPCG(7, 7))
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, shanghai)
		type q struct {
			day     int
			topic   string
			refused bool
			helpful int // 0 none, 1 👍, 2 👎
		}
		var qs []q
		var recs []SyntheticRecord
		for i := range 3000 {
			d := rng.IntN(120)
			x := q{day: d, topic: fmt.Sprintf("t%d", rng.IntN(20)), refused: rng.IntN(4) == 0, helpful: rng.IntN(3)}
			qs = append(qs, x)
			r := govchat.Record{AnswerID: fmt.Sprintf("a%d", i), Session: "s", Channel: []string{"web", "hotline"}[rng.IntN(2)],
				At: start.AddDate(0, 0, d).Add(time.Duration(rng.IntN(86400)) * time.Second), Question: x.topic, Refused: x.refused, Mode: "refused"}
			sr := SyntheticRecord{Record: r}
			if x.helpful > 0 {
				h := x.helpful == 1
				sr.Helpful = &h
			}
			recs = append(recs, sr)
		}
		if err := s.RecordSynthetic(ctx, recs); err != nil {
			t.Fatal(err)
		}
		for k := range 40 {
			from := 1 + rng.IntN(100)
			days := 1 + rng.IntN(from)
			if k == 0 {
				from, days = 56, 28 // whole weeks (2025-02-26 is a Wednesday: not aligned)
			}
			to := min(from+days, 120)
			prev := from - days
			want := map[string][2]int{}
			wantRefused, wantUp, wantDown := map[string]int{}, map[string]int{}, map[string]int{}
			for _, x := range qs {
				key := "q:" + x.topic
				w := want[key]
				switch {
				case x.day >= from && x.day < to:
					w[0]++
					if x.refused {
						wantRefused[key]++
					}
					switch x.helpful {
					case 1:
						wantUp[key]++
					case 2:
						wantDown[key]++
					}
				case x.day >= prev && x.day < from:
					w[1]++
				}
				want[key] = w
			}
			got, err := s.ConcernCounts(ctx, govchat.PeriodQuery{PrevFrom: start.AddDate(0, 0, prev), From: start.AddDate(0, 0, from), To: start.AddDate(0, 0, to)})
			if err != nil {
				t.Fatal(err)
			}
			for key, c := range byTopic(got) {
				if w := want[key]; c.Questions != w[0] || c.Previous != w[1] || c.Refused != wantRefused[key] || c.Helpful != wantUp[key] || c.Unhelpful != wantDown[key] {
					t.Errorf("days [%d, %d) after [%d, %d): %s = %d (previous %d, refused %d), want %d (%d, %d)", from, to, prev, from, key,
						c.Questions, c.Previous, c.Refused, w[0], w[1], wantRefused[key])
				}
				delete(want, key)
			}
			for key, w := range want {
				if w != [2]int{} {
					t.Errorf("days [%d, %d): %s missing (want %v)", from, to, key, w)
				}
			}
		}
	})
}
