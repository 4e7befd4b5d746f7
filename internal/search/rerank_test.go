package search_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store/mem"
)

func TestDiscriminate(t *testing.T) {
	docs := []*kb.Document{
		{ID: "a", Type: kb.TypeFAQ, Body: "异地就医备案后，可以在备案地的定点医院直接结算。异地就医备案有效期为一年。"},
		{ID: "c", Type: kb.TypeFAQ, Body: "异地就医备案需要提交参保人员的身份信息。"},
		{ID: "b", Type: kb.TypeFAQ, Body: "异地就医备案可以通过国家医保服务平台取消。"},
	}
	st, err := mem.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := search.New(search.Config{}, kb.NewBase(docs, kb.Dict{}), segmenter(t), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// 异地就医备案 is in every candidate and separates nothing; 取消, found
	// in one, lifts it over the two that only share the topic, whose order
	// and (normalised) scores are kept.
	order, scores := e.DiscriminateForTest("如何取消异地就医备案", []string{"a", "c", "b"}, []float64{10, 9.8, 9.6})
	if !slices.Equal(order, []string{"b", "a", "c"}) {
		t.Errorf("order %v, want b a c", order)
	}
	if scores[1] != 1 || math.Abs(scores[2]-0.98) > 1e-9 {
		t.Errorf("scores of hits without the discriminating word: %v %v", order, scores)
	}
	// A question of one word has nothing to discriminate with.
	order, _ = e.DiscriminateForTest("异地就医备案", []string{"a", "c", "b"}, []float64{10, 9.8, 9.6})
	if !slices.Equal(order, []string{"a", "c", "b"}) {
		t.Errorf("one-word question reordered: %v", order)
	}
}

// Two FAQ questions are compared both ways: the entry whose short question
// is what was asked (如何办理进京证？) beats a long one that holds the
// question's words by the way (外地车去首都机场接送人…), which the retrieval
// score alone ranks first.
func TestQuestionCover(t *testing.T) {
	ds := []*kb.Document{
		{ID: "faq-airport", Type: kb.TypeFAQ, Title: "外地车去首都机场接送人是否需要办理进京证？",
			Body: "需要。外地车进入六环路以内道路须办理进京证，首都机场位于六环路以内。"},
		{ID: "faq-how", Type: kb.TypeFAQ, Title: "如何办理进京证？",
			Body: "外地车可通过北京交警APP在线办理，也可到进京检查站现场办理。"},
		{ID: "faq-other", Type: kb.TypeFAQ, Title: "进京证有效期是多久？", Body: "每次最长7天。"},
		{ID: "faq-x1", Type: kb.TypeFAQ, Title: "外地车限行时间是什么？", Body: "工作日早晚高峰外地车禁止在五环路以内行驶。"},
		{ID: "faq-x2", Type: kb.TypeFAQ, Title: "外地车能进二环吗？", Body: "外地车办理进京证后可以进入二环路。"},
		{ID: "faq-x3", Type: kb.TypeFAQ, Title: "外地车违章怎么处理？", Body: "外地车违章可在北京交警APP处理。"},
	}
	const q = "外地车进京证怎么办理"
	first := func(p search.Params) string {
		eng, err := search.New(search.Config{Params: p, Now: func() time.Time { return now }}, kb.NewBase(ds, kb.Dict{}), segmenter(t), memStore(t, ""), nil)
		if err != nil {
			t.Fatal(err)
		}
		sync1(t, eng)
		r := search1(t, eng, q, search.Options{})
		if len(r.Results) == 0 {
			t.Fatal("no results")
		}
		return r.Results[0].Doc.ID
	}
	if got := first(search.Params{QuestionCover: -1}); got != "faq-airport" {
		t.Fatalf("without QuestionCover %s is first: the case does not test it", got)
	}
	if got := first(search.Params{}); got != "faq-how" {
		t.Errorf("%s: %s first, want faq-how", q, got)
	}
}
