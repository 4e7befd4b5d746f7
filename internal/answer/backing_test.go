package answer

import (
	"slices"
	"testing"

	"github.com/govchat/govchat/internal/kb"
)

// A FAQ answer drawn from two sections of a document rests on both, in
// document order; one drawn from a single section rests on it alone.
func TestRestsOnChunks(t *testing.T) {
	cs := []kb.Chunk{
		{Anchor: "s1", Text: "公民、法人或者其他组织可以向行政机关申请获取相关政府信息。"},
		{Anchor: "s3", Text: "政府信息公开申请应当包括申请人的姓名或者名称、身份证明、联系方式，申请公开的政府信息的名称、文号。"},
		{Anchor: "s4", Text: "不能当场答复的，应当自收到申请之日起20个工作日内予以答复；延长的期限最长不得超过20个工作日。"},
	}
	both := bigramSet("写明申请人的姓名或者名称、身份证明、联系方式，申请公开的政府信息的名称、文号。不能当场答复的，行政机关应当自收到申请之日起20个工作日内予以答复。")
	if got := restsOnChunks(both, cs); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("an answer from two sections rests on %v, want [1 2]", got)
	}
	one := bigramSet("不能当场答复的，应当自收到申请之日起20个工作日内予以答复。")
	if got := restsOnChunks(one, cs); !slices.Equal(got, []int{2}) {
		t.Errorf("an answer from one section rests on %v, want [2]", got)
	}
}
