package zh_test

import (
	"os"
	"slices"
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
	s := shippedSegmenter(t)
	for _, tt := range []struct {
		text, want, ambiguity string
	}{
		{"最后是想把政府打造成个什么样的政府", "最后|是|想|把|政府|打造成|个|什么样|的|政府", "打|造成"},
		{"把政府打造成法治政府", "把|政府|打造成|法治|政府", "打|造成"},
		{"努力打造成为全国一流", "努力|打造|成为|全国|一流", "打造成|为"},
		{"打造成本太高", "打造|成本|太|高", "打造成|本"},
		{"这件事造成了很大损失", "这件|事|造成|了|很大|损失", ""},
		// 到底图个啥 asks why (the aspect 原因), not about a 底图 (a base map).
		{"政府把这些东西公开出来到底图个啥呀", "政府|把|这些|东西|公开|出来|到底|图个啥|呀", "到|底图|个|啥"},
	} {
		if got := strings.Join(s.Cut(tt.text), "|"); got != tt.want {
			t.Errorf("Cut(%q) = %s, want %s (not %s)", tt.text, got, tt.want, tt.ambiguity)
		}
	}
}

// TestShippedEverydayRegister checks the shipped vocabulary's everyday
// register, which holds in any topic: kinship words and common verbs name the
// written words of official text (爸 → 父亲, 接着 → 继续, 老婆 finds 配偶),
// and hearsay frames and colloquial question words are no terms.
func TestShippedEverydayRegister(t *testing.T) {
	s := shippedSegmenter(t)
	for word, canon := range map[string]string{"爸": "父亲", "老妈": "母亲", "爸妈": "父母", "接着": "继续", "丢了": "遗失", "手机号": "手机号码", "企业开办": "企业设立登记", "关公司": "企业注销登记", "老公报": "历史公报", "开始实行": "施行"} {
		if got := s.Canonical(word); got != canon {
			t.Errorf("Canonical(%q) = %q, want %q", word, got, canon)
		}
	}
	for word, want := range map[string]string{"老婆": "配偶", "孩子": "子女", "外地": "外埠", "不用来回跑": "最多跑一次", "草稿": "草案", "落地": "实施", "最核心": "主线", "作数": "有效"} {
		if got := s.Expansions(word); !slices.Contains(got, want) {
			t.Errorf("Expansions(%q) = %q, want %q among them", word, got, want)
		}
	}
	// 最多 is one word (gse's dictionary gives it a frequency of 3, which
	// cut it into 最|多) and, like 很多, says how a question is put.
	if a := s.Analyze("他们说要延期 最多还能拖多久"); slices.Contains(a.Terms, "最") || slices.Contains(a.Terms, "多") || slices.Contains(a.Terms, "最多") {
		t.Errorf("terms %q hold 最多 or its characters", a.Terms)
	}
	a := s.Analyze("听说驾照扣了分 想在网上学法减分 怎么弄")
	for _, w := range []string{"听说", "怎么弄"} {
		if slices.Contains(a.Terms, w) {
			t.Errorf("terms %q hold %q", a.Terms, w)
		}
	}
}

// shippedSegmenter is the segmenter as the product configures it for the
// shipped knowledge base (knowledge/dict/).
func shippedSegmenter(t *testing.T) *zh.Segmenter {
	t.Helper()
	base, _, err := knowledge.Load(os.DirFS("../../knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := zh.New(zh.ConfigFromDict(base.Dict))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
