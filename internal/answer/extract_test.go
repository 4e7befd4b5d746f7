package answer

import (
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

func TestSplitSentences(t *testing.T) {
	got := splitSentences("第一句。第二句！“引号里。”第三句\n第四句；")
	var texts []string
	for _, s := range got {
		texts = append(texts, s.text)
	}
	want := []string{"第一句。", "第二句！", "“引号里。”", "第三句", "第四句；"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", texts)
	}
}

func TestSelectSentences(t *testing.T) {
	doc := &kb.Document{ID: "d", Title: "某某办法"}
	res := func(score float64, text string) search.Result {
		return search.Result{Doc: doc, Chunk: kb.Chunk{Text: text}, Score: score}
	}
	long := strings.Repeat("无关的长句子内容。", 30)
	tests := []struct {
		name    string
		results []search.Result
		want    []string // quoted texts per passage
	}{
		{"best passage whole", []search.Result{res(10, "考核每年一次。结果公开。")}, []string{"考核每年一次。结果公开。"}},
		{"long passage: relevant sentences only", []search.Result{res(10, long+"考核每年一次。"+long)}, []string{"考核每年一次。"}},
		{"irrelevant preamble skipped", []search.Result{res(10, "某某办法\n本文为示例。"), res(9, "考核每年一次。")}, []string{"考核每年一次。"}},
		{"weak second passage left out", []search.Result{res(10, "考核每年一次。"), res(2, "考核另有规定。")}, []string{"考核每年一次。"}},
		{"close second passage added", []search.Result{res(10, "考核每年一次。"), res(9, "考核结果公开。无关。")}, []string{"考核每年一次。", "考核结果公开。"}},
		{"nothing relevant: start of best", []search.Result{res(10, "甲。乙。")}, []string{"甲。乙。"}},
	}
	for _, tt := range tests {
		qs := selectSentences(tt.results, []string{"考核"}, 3, 360)
		var got []string
		for _, q := range qs {
			got = append(got, joinQuote(tt.results[q.passage].Chunk.Text, q.sentences))
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
