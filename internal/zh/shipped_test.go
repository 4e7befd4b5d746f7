package zh_test

import (
	"os"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/zh"
)

// TestShippedVocabularySegmentation checks segmentations that the shipped
// vocabulary (knowledge/dict/) decides, with the segmenter configured as the
// product configures it for that knowledge base: the user word 打造成 turns
// 把政府打造成… from 打|造成 into 打造成 without taking the 成 of 成为 or
// 成本 (the expansion 打造成 > 打造 makes 打造 a vocabulary word too).
func TestShippedVocabularySegmentation(t *testing.T) {
	base, _, err := knowledge.Load(os.DirFS("../../knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text, want, ambiguity string
	}{
		{"最后是想把政府打造成个什么样的政府", "最后|是|想|把|政府|打造成|个|什么样|的|政府", "打|造成"},
		{"把政府打造成法治政府", "把|政府|打造成|法治|政府", "打|造成"},
		{"努力打造成为全国一流", "努力|打造|成为|全国|一流", "打造成|为"},
		{"打造成本太高", "打造|成本|太|高", "打造成|本"},
		{"这件事造成了很大损失", "这件|事|造成|了|很大|损失", ""},
	} {
		if got := strings.Join(s.Cut(tt.text), "|"); got != tt.want {
			t.Errorf("Cut(%q) = %s, want %s (not %s)", tt.text, got, tt.want, tt.ambiguity)
		}
	}
}
