package answer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/testenv"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/zh"
)

// newEngine indexes base in an in-memory store with the real search engine.
func newEngine(t testing.TB, base *kb.Base) *search.Engine {
	t.Helper()
	seg, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		t.Fatal(err)
	}
	st, err := mem.Open("")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := search.New(search.Config{Now: testNow}, base, seg, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return eng
}

func TestRefusalSetsAreLargeEnough(t *testing.T) {
	if n := len(ShouldRefuse()); n < 100 {
		t.Errorf("should-refuse set has %d questions", n)
	}
	if n := len(ShouldAnswer()); n < 100 {
		t.Errorf("should-answer set has %d questions", n)
	}
	if n := len(FilterKB(ShouldAnswer(), "govfaq-beijing")); n < 100 {
		t.Errorf("should-answer set for govfaq-beijing has %d questions", n)
	}
}

func reportEval(t *testing.T, r EvalResult) {
	t.Helper()
	t.Logf("%s on %s: %d/%d refused (%.1f%%), target %s, by reason %v", r.Set, r.KB, r.Refused, r.Total, 100*r.Rate, r.Target, r.ByReason)
	for _, m := range r.Misses {
		t.Logf("  miss %s [%s] %s -> %q", m.ID, m.Category, m.Question, m.Reason)
	}
	if !r.Pass {
		t.Errorf("%s on %s: refusal rate %.1f%% misses the target %s", r.Set, r.KB, 100*r.Rate, r.Target)
	}
}

func newEvalAnswerer(t *testing.T, base *kb.Base) *Answerer {
	t.Helper()
	f, err := safety.New(safety.Config{Words: base.Dict.Sensitive})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Now: testNow}, base, newEngine(t, base), nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRefusalTargetsKnowledge measures the refusal sets on the shipped
// knowledge base: every should-refuse question, and the should-answer
// questions written for knowledge/.
func TestRefusalTargetsKnowledge(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	ctx := context.Background()
	r, err := Evaluate(ctx, a, "should_refuse", "knowledge", ShouldRefuse())
	if err != nil {
		t.Fatal(err)
	}
	reportEval(t, r)
	r, err = Evaluate(ctx, a, "should_answer", "knowledge", FilterKB(ShouldAnswer(), "knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	reportEval(t, r)
}

// TestRefusalTargetsGovFAQ measures the refusal sets on a knowledge base of
// the 2,313 Beijing government FAQ entries read from ../shared/eval.
func TestRefusalTargetsGovFAQ(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 2,313 FAQ entries")
	}
	ev := evalDir(t)
	f, err := os.Open(filepath.Join(ev, "govfaq-beijing.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	docs, err := GovFAQDocuments(f)
	if err != nil {
		t.Fatal(err)
	}
	base := kb.NewBase(docs, loadKnowledge(t).Dict)
	a := newEvalAnswerer(t, base)
	ctx := context.Background()
	r, err := Evaluate(ctx, a, "should_refuse", "govfaq-beijing", ShouldRefuse())
	if err != nil {
		t.Fatal(err)
	}
	reportEval(t, r)
	r, err = Evaluate(ctx, a, "should_answer", "govfaq-beijing", FilterKB(ShouldAnswer(), "govfaq-beijing"))
	if err != nil {
		t.Fatal(err)
	}
	reportEval(t, r)
}

// TestExtractiveSeedWithEngine asks the seed question through the real search
// engine over knowledge/: the answer quotes the official text verbatim and
// cites the paragraph that lists the 8 kinds of information.
func TestExtractiveSeedWithEngine(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	ans := ask(t, a, Request{Question: "海曙区2019年政务公开重点公开哪几类重大建设项目信息"})
	if ans.Refused || ans.Mode != ModeExtractive {
		t.Fatalf("answer = %+v", ans)
	}
	cited := citedAfter(t, ans, eightKinds)
	// Either the policy's 二、(一) paragraph or the FAQ entry that quotes it.
	switch cited.ID {
	case "haishu-zwgk-2019":
		if cited.Anchor != "s2-1" {
			t.Errorf("cited %s#%s, want the 二、(一) paragraph s2-1", cited.ID, cited.Anchor)
		}
		checkVerbatim(t, base, ans)
	case "haishu-zwgk-faq-002":
		if !strings.HasPrefix(ans.Text, "根据常见问题“"+base.Doc(cited.ID).Title+"”的答复（示例内容）：\n"+strings.TrimSpace(base.Doc(cited.ID).Body)) {
			t.Errorf("FAQ answer not quoted verbatim: %s", ans.Text)
		}
	default:
		t.Errorf("cited %+v", cited)
	}
	// Without the FAQ entries, the policy paragraph itself is quoted.
	var docs []*kb.Document
	for _, d := range base.Docs {
		if d.Type != kb.TypeFAQ {
			docs = append(docs, d)
		}
	}
	noFAQ := kb.NewBase(docs, base.Dict)
	ans = ask(t, newEvalAnswerer(t, noFAQ), Request{Question: "海曙区2019年政务公开重点公开哪几类重大建设项目信息"})
	checkVerbatim(t, noFAQ, ans)
	if !strings.Contains(ans.Text, eightKinds) {
		t.Fatalf("the 8 kinds are not quoted:\n%s", ans.Text)
	}
	found := false
	for _, s := range ans.Sources {
		found = found || s.ID == "haishu-zwgk-2019" && s.Anchor == "s2-1" && s.DocURL == "/docs/haishu-zwgk-2019#s2-1"
	}
	if !found {
		t.Errorf("sources do not include the 二、(一) paragraph: %+v", ans.Sources)
	}
}

func evalDir(t testing.TB) string { return testenv.EvalDir(t, "govfaq-beijing.jsonl") }
