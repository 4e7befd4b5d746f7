package answer

import (
	"math"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// A FAQ entry that is likely, not clearly, the one meant (P(right) between
// Calibration.Tentative and Answer) is quoted under 您问的可能是, and the
// other candidates a clarification would offer follow as buttons; below the
// band, or without it, the asker chooses.
func TestTentativeAnswer(t *testing.T) {
	docs := []*kb.Document{
		{ID: "jh", Type: kb.TypeFAQ, Title: "结婚登记需要什么材料？", Body: "双方的户口簿、身份证和本人无配偶的签字声明。"},
		{ID: "lh", Type: kb.TypeFAQ, Title: "离婚登记需要什么材料？", Body: "双方的户口簿、身份证、结婚证和离婚协议书。"},
		{ID: "bl", Type: kb.TypeFAQ, Title: "补领结婚证需要什么材料？", Body: "本人的户口簿、身份证和近期半身免冠照片。"},
	}
	b := kb.NewBase(docs, kb.Dict{})
	var results []search.Result
	for i, d := range docs {
		results = append(results, search.Result{Doc: d, Chunk: kb.Chunk{DocID: d.ID, Text: d.Body, Anchor: "answer"}, Score: 1 - 0.1*float64(i)})
	}
	resp := &search.Response{Results: results, Confidence: 0.9, Terms: []string{"结婚", "登记", "材料"}}
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	constant := func(p float64) []float64 {
		w := make([]float64, len(featureNames))
		w[0] = logit(p)
		return w
	}
	for _, tc := range []struct {
		name             string
		right, tentative float64
		wantTentative    bool
	}{
		{"in the band", 0.55, 0.5, true},
		{"below the band", 0.45, 0.5, false},
		{"no band", 0.55, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cal := Calibration{Right: constant(tc.right), InScope: constant(0.9), Passage: constant(0.9), Answer: 0.6, Tentative: tc.tentative, Clarify: 0.5, Quote: 0.4}
			a, err := New(Config{Now: testNow, Calibration: cal}, b, withChunks(b, scripted{resp}), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			ans := ask(t, a, Request{Question: "结婚要带啥"})
			if !tc.wantTentative {
				if !ans.Clarify || len(ans.Sources) != 0 || len(ans.Related) != 3 {
					t.Fatalf("want a clarification offering three entries, got clarify %v, %d sources, related %v: %q", ans.Clarify, len(ans.Sources), ans.Related, ans.Text)
				}
				return
			}
			if ans.Clarify || ans.Refused || len(ans.Sources) == 0 || ans.Sources[0].ID != "jh" {
				t.Fatalf("want the first entry quoted, got clarify %v refused %v sources %v: %q", ans.Clarify, ans.Refused, ans.Sources, ans.Text)
			}
			var offered []string
			for _, r := range ans.Related {
				offered = append(offered, r.ID)
			}
			if strings.Join(offered, " ") != "lh bl" {
				t.Errorf("related %v, want the other candidates lh bl", offered)
			}
			for _, want := range []string{"您问的可能是常见问题“结婚登记需要什么材料？”", "双方的户口簿、身份证和本人无配偶的签字声明。", "如果不是您要问的，您可能想问：\n· 离婚登记需要什么材料？\n· 补领结婚证需要什么材料？"} {
				if !strings.Contains(ans.Text, want) {
					t.Errorf("text lacks %q: %q", want, ans.Text)
				}
			}
		})
	}
	// With a chat model, the model writes from the passages and the other
	// candidates follow as buttons all the same.
	srv := newChatServer(t, func(int, string, string) []string { return []string{"需要双方的户口簿、身份证[1]。"} })
	cal := Calibration{Right: constant(0.55), InScope: constant(0.9), Passage: constant(0.9), Answer: 0.6, Tentative: 0.5, Clarify: 0.5, Quote: 0.4}
	a, err := New(Config{Now: testNow, Calibration: cal}, b, withChunks(b, scripted{resp}), newModel(t, srv.URL+"/v1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ans := ask(t, a, Request{Question: "结婚要带啥"})
	if ans.Mode != ModeModel || len(ans.Related) != 2 || !strings.Contains(ans.Text, "如果不是您要问的，您可能想问：\n· 离婚登记需要什么材料？") {
		t.Errorf("model answer, tentative: mode %s, related %v: %q", ans.Mode, ans.Related, ans.Text)
	}
	bad := Calibration{Right: constant(0.5), InScope: constant(0.5), Passage: constant(0.5), Answer: 0.6, Tentative: 0.7, Clarify: 0.5, Quote: 0.4}
	if err := bad.Validate(); err == nil {
		t.Error("a tentative threshold above the answer threshold is accepted")
	}
}
