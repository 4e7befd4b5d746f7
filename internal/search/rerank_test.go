package search_test

import (
	"math"
	"slices"
	"testing"

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
