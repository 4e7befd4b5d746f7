package learn_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/learn/learntest"
	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

var ctx = context.Background()

func TestMain(m *testing.M) { pgtest.Main(m) }

func sqliteStore(t *testing.T, now func() time.Time) *learn.SQLStore {
	return storeOn(t, sqldbtest.Open(t, sqldb.SQLite), now)
}

func storeOn(t *testing.T, db *sqldb.DB, now func() time.Time) *learn.SQLStore {
	s, err := learn.NewSQLStore(db, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The conformance suite, on both databases.
func TestStore(t *testing.T) {
	for _, d := range sqldbtest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			learntest.Run(t, func(t *testing.T, now func() time.Time) learn.Store { return storeOn(t, sqldbtest.Open(t, d), now) })
		})
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

var phoneRe = regexp.MustCompile(`1[3-9]\d{9}`)

func redact(s string) string { return phoneRe.ReplaceAllString(s, "[手机号]") }

func entries(m map[string]learn.Entry) learn.Entries {
	var mu sync.Mutex
	return func(id string) (learn.Entry, bool) {
		mu.Lock()
		defer mu.Unlock()
		e, ok := m[id]
		return e, ok
	}
}

var faq = map[string]learn.Entry{
	"e-sfz": {ID: "e-sfz", Question: "身份证丢失如何补办？", Similar: []string{"身份证补办"}},
	"e-hz":  {ID: "e-hz", Question: "护照丢失如何补办？"},
}

type fixture struct {
	l     *learn.Learner
	store *learn.SQLStore
	clk   *clock
	n     int
}

func newFixture(t *testing.T) *fixture {
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	st := sqliteStore(t, clk.now)
	l, err := learn.New(learn.Config{Store: st, Entries: entries(faq), Redact: redact, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &fixture{l: l, store: st, clk: clk}
}

// ask observes one exchange of session s and returns its answer id.
func (f *fixture) ask(s, q string, via *govchat.Via, related []string, cites ...string) string {
	f.n++
	id := "a_" + string(rune('a'+f.n))
	r := govchat.Record{AnswerID: id, Session: s, Question: q, At: f.clk.add(time.Second), Via: via}
	for _, id := range related {
		r.Related = append(r.Related, kb.Related{ID: id})
	}
	for i, c := range cites {
		r.Sources = append(r.Sources, govchat.RecordSource{N: i + 1, DocID: c})
	}
	f.l.Observe(ctx, r)
	return id
}

func (f *fixture) evidence(t *testing.T) []string {
	f.l.Flush()
	rs, err := f.store.List(ctx, learn.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Kind+":"+r.EntryID+":"+r.Wording)
	}
	slices.Sort(out)
	return out
}

// A tap on a button offered after the citizen's own words, then 👍, is
// evidence; so is a tap the citizen does not follow with a rewording.
// 👎, a rewording, another button of the same answer, a button the
// answer never offered, a tap that did not give the entry, and a wording
// with a phone number in it are not.
func TestLearnerTaps(t *testing.T) {
	f := newFixture(t)
	// 👍 after a tap.
	a1 := f.ask("s1", "身份证掉了咋整", nil, []string{"e-sfz", "e-hz"})
	a2 := f.ask("s1", "身份证丢失如何补办？", &govchat.Via{AnswerID: a1, ID: "e-sfz"}, nil, "e-sfz")
	f.l.ObserveFeedback(ctx, "s1", govchat.Feedback{AnswerID: a2, Helpful: true})
	// Kept: the next question is about something else.
	b1 := f.ask("s2", "护照不见了怎么弄", nil, []string{"e-hz"})
	f.ask("s2", "护照丢失如何补办？", &govchat.Via{AnswerID: b1, ID: "e-hz"}, nil, "e-hz")
	f.ask("s2", "公积金怎么提取", nil, nil)
	// Kept: nothing more is asked within the grace period.
	c1 := f.ask("s3", "身份证没了怎么补", nil, []string{"e-sfz"})
	f.ask("s3", "身份证丢失如何补办？", &govchat.Via{AnswerID: c1, ID: "e-sfz"}, nil, "e-sfz")
	// 👎.
	d1 := f.ask("s4", "身份证被偷了怎么办", nil, []string{"e-sfz"})
	d2 := f.ask("s4", "身份证丢失如何补办？", &govchat.Via{AnswerID: d1, ID: "e-sfz"}, nil, "e-sfz")
	f.l.ObserveFeedback(ctx, "s4", govchat.Feedback{AnswerID: d2, Helpful: false})
	// The same question again in other words.
	e1 := f.ask("s5", "身份证掉在出租车上了", nil, []string{"e-sfz"})
	f.ask("s5", "身份证丢失如何补办？", &govchat.Via{AnswerID: e1, ID: "e-sfz"}, nil, "e-sfz")
	f.ask("s5", "身份证掉在出租车上了还能找回吗", nil, nil)
	// Another button of the same answer.
	g1 := f.ask("s6", "证件掉了怎么补", nil, []string{"e-sfz", "e-hz"})
	f.ask("s6", "身份证丢失如何补办？", &govchat.Via{AnswerID: g1, ID: "e-sfz"}, nil, "e-sfz")
	f.ask("s6", "护照丢失如何补办？", &govchat.Via{AnswerID: g1, ID: "e-hz"}, nil, "e-hz")
	// A button that answer never offered; one of another session; a tap
	// whose answer cited something else; a phone number in the wording.
	h1 := f.ask("s7", "证件丢了咋弄", nil, []string{"e-hz"})
	f.ask("s7", "身份证丢失如何补办？", &govchat.Via{AnswerID: h1, ID: "e-sfz"}, nil, "e-sfz")
	f.ask("s8", "身份证丢失如何补办？", &govchat.Via{AnswerID: h1, ID: "e-hz"}, nil, "e-hz")
	i1 := f.ask("s9", "护照掉了要紧吗", nil, []string{"e-hz"})
	f.ask("s9", "护照丢失如何补办？", &govchat.Via{AnswerID: i1, ID: "e-hz"}, nil, "other")
	j1 := f.ask("s10", "我13912345678的身份证丢了", nil, []string{"e-sfz"})
	f.ask("s10", "身份证丢失如何补办？", &govchat.Via{AnswerID: j1, ID: "e-sfz"}, nil, "e-sfz")
	// A complaint after the tap: 不对.
	k1 := f.ask("s11", "证件被偷了咋补", nil, []string{"e-sfz"})
	f.ask("s11", "身份证丢失如何补办？", &govchat.Via{AnswerID: k1, ID: "e-sfz"}, nil, "e-sfz")
	f.ask("s11", "不对", nil, nil)

	f.clk.add(11 * time.Minute)
	f.l.Sweep()
	got := f.evidence(t)
	want := []string{
		"tap_helpful:e-sfz:身份证掉了咋整",
		"tap_kept:e-hz:护照不见了怎么弄",
		"tap_kept:e-hz:证件掉了怎么补", // the second button of s6 was kept
		"tap_kept:e-sfz:身份证没了怎么补",
	}
	if !slices.Equal(got, want) {
		t.Errorf("evidence\n got %q\nwant %q", got, want)
	}
}

// Operators' evidence is kept unless it cannot teach anything; malformed
// evidence is an error.
func TestLearnerOperatorEvidence(t *testing.T) {
	f := newFixture(t)
	for _, e := range []govchat.Evidence{
		{Wording: "  大爷的身份证  掉了 ", EntryID: "e-sfz", Kind: govchat.EvidenceOperatorPush, By: "wang"},
		{Wording: "身份证补办", EntryID: "e-sfz", Kind: govchat.EvidenceOperatorCopy},                 // the entry has it
		{Wording: "护照丢了", EntryID: "nope", Kind: govchat.EvidenceOperatorCopy},                   // no such entry
		{Wording: "护", EntryID: "e-hz", Kind: govchat.EvidenceOperatorCopy},                      // too short
		{Wording: strings.Repeat("护照", 31), EntryID: "e-hz", Kind: govchat.EvidenceOperatorCopy}, // too long
	} {
		if err := f.l.RecordEvidence(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.l.RecordEvidence(ctx, govchat.Evidence{Wording: "护照丢了", EntryID: "e-hz", Kind: "guess"}); err == nil {
		t.Error("unknown kind accepted")
	}
	if got := f.evidence(t); !slices.Equal(got, []string{"operator_push:e-sfz:大爷的身份证 掉了"}) {
		t.Errorf("evidence %q", got)
	}
}

func TestGroupAndDecide(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	os.WriteFile(path, []byte("entries:\n  - id: e-sfz\n    question: 身份证丢失如何补办？\n    answer: 到派出所补领。\n  - id: e-hz\n    question: 护照丢失如何补办？\n    answer: 到出入境补领。\n"), 0o644)
	m := map[string]learn.Entry{}
	reloads := 0
	load := func(ctx context.Context) error {
		docs, probs := knowledge.ParseFAQ(path, mustRead(t, path))
		if knowledge.HasErrors(probs) {
			return errors.New("bad file")
		}
		for _, d := range docs {
			m[d.ID] = learn.Entry{ID: d.ID, Question: d.Title, Similar: d.Similar, Path: path}
		}
		reloads++
		return nil
	}
	load(ctx)
	reloads = 0
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	st := sqliteStore(t, clk.now)
	add := func(w, id, kind string) {
		if _, err := st.Add(ctx, govchat.Evidence{Wording: w, EntryID: id, Kind: kind, At: clk.add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	add("身份证掉了咋办", "e-sfz", govchat.EvidenceTapKept)
	add("身份证掉了咋办？", "e-sfz", govchat.EvidenceTapHelpful)
	add("身份证掉了咋整", "e-sfz", govchat.EvidenceOperatorPush)
	add("户口本丢了", "e-sfz", govchat.EvidenceTapKept)
	add("护照丢了还能出国吗", "e-hz", govchat.EvidenceOperatorCopy)
	add("护照丢了", "gone", govchat.EvidenceTapKept)
	write := func(ctx context.Context, e learn.Entry, w string) (bool, error) {
		if err := knowledge.AddSimilar(e.Path, e.ID, w); err != nil {
			return false, err
		}
		return true, load(ctx)
	}
	r := &learn.Reviewer{Store: st, Entries: entries(m), Redact: redact, Write: write}
	ps, err := r.Proposals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("proposals %+v", ps)
	}
	p := ps[0]
	if p.EntryID != "e-sfz" || p.Count != 3 || p.Wording != "身份证掉了咋整" && p.Wording != "身份证掉了咋办？" || len(p.Wordings) != 3 ||
		p.Kinds[govchat.EvidenceTapHelpful] != 1 || p.Score != 2.5 || p.Question != "身份证丢失如何补办？" {
		t.Errorf("first proposal %+v", p)
	}
	// Approve with a correction: written to the file, reloaded, resolved.
	out, err := r.Decide(ctx, learn.Decision{EntryID: "e-sfz", Evidence: p.Evidence, Status: learn.StatusApproved, Wording: "身份证掉了咋办"}, "boss")
	if err != nil || out.Resolved != 3 || !out.Reloaded || out.File != path || reloads != 1 {
		t.Fatalf("approve: %+v, %v (reloads %d)", out, err, reloads)
	}
	if !slices.Contains(m["e-sfz"].Similar, "身份证掉了咋办") {
		t.Errorf("not written: %+v", m["e-sfz"])
	}
	// Approving again finds no open evidence; the approved wording's
	// group is gone from the proposals.
	if _, err := r.Decide(ctx, learn.Decision{EntryID: "e-sfz", Evidence: p.Evidence, Status: learn.StatusApproved, Wording: "身份证掉了咋办"}, "boss"); !errors.Is(err, learn.ErrNoEvidence) {
		t.Errorf("again: %v", err)
	}
	ps, _ = r.Proposals(ctx)
	if len(ps) != 2 {
		t.Fatalf("after approval: %+v", ps)
	}
	// A wording with personal data, or too short, is not written.
	hz := ps[slices.IndexFunc(ps, func(p learn.Proposal) bool { return p.EntryID == "e-hz" })]
	for _, bad := range []string{"护照丢了13912345678", "护照", strings.Repeat("护照丢了", 16)} {
		if _, err := r.Decide(ctx, learn.Decision{EntryID: "e-hz", Evidence: hz.Evidence, Status: learn.StatusApproved, Wording: bad}, "boss"); !errors.Is(err, learn.ErrWording) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// Reject: nothing written.
	before := mustRead(t, path)
	out, err = r.Decide(ctx, learn.Decision{EntryID: "e-hz", Evidence: hz.Evidence, Status: learn.StatusRejected, Note: "问的是出境"}, "boss")
	if err != nil || out.Resolved != 1 || mustRead(t, path) != before || reloads != 1 {
		t.Errorf("reject: %+v, %v", out, err)
	}
}

func mustRead(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
