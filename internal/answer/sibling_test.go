package answer

import (
	"context"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// An entry about a sibling of what is asked — the same head with another
// qualifier the knowledge base knows as a topic (结婚登记 for 离婚登记) — is
// not quoted, however well its answer matches (it mentions 离婚登记 in
// passing); what it is about, a qualifier that names no topic (具体地址), or
// a sibling that is no word of the entry's name (机一公开 in 双随机、一公开)
// does not count.
func TestSibling(t *testing.T) {
	docs := []*kb.Document{
		{ID: "jh", Type: kb.TypeFAQ, Title: "结婚登记需要携带哪些材料？", Body: "内地居民携带户口簿、身份证。婚姻状况为离婚的，携带离婚证或加盖查档专用章的离婚登记档案复印件。"},
		{ID: "lh", Type: kb.TypeFAQ, Title: "离婚后公积金怎么分割？", Body: "双方协商，持离婚证和离婚协议办理。"},
		{ID: "dj", Type: kb.TypeFAQ, Title: "兑奖大厅地址在哪里？", Body: "兑奖大厅位于西城区。"},
		{ID: "sj", Type: kb.TypeFAQ, Title: "“双随机、一公开”监管结果在哪里公开？", Body: "通过国家企业信用信息公示系统公开。"},
		{ID: "kh", Type: kb.TypeFAQ, Title: "政务公开考核怎么打分？", Body: "按考核办法打分。"},
	}
	b := kb.NewBase(docs, kb.Dict{Synonyms: [][]string{{"离婚登记"}, {"结婚登记"}}})
	a := newEvalAnswerer(t, b)
	for _, tc := range []struct {
		q, entry, want string
	}{
		{"离婚登记要带啥材料", "jh", "结婚登记"},
		{"结婚登记要带啥材料", "jh", ""},
		{"兑奖具体地址在哪", "dj", ""},
		{"政务公开结果在哪里公开", "sj", ""},
	} {
		resp, err := a.r.Search(context.Background(), tc.q, search.Options{Limit: 8})
		if err != nil {
			t.Fatal(err)
		}
		var r *search.Result
		for i := range resp.Results {
			if resp.Results[i].Doc.ID == tc.entry {
				r = &resp.Results[i]
			}
		}
		if r == nil {
			t.Fatalf("%s: entry %s not found", tc.q, tc.entry)
		}
		if _, got := a.sibling(tc.q, resp, *r); got != tc.want {
			t.Errorf("sibling(%s, %s) = %q, want %q", tc.q, tc.entry, got, tc.want)
		}
	}
	ans := ask(t, a, Request{Question: "离婚登记要带啥材料"})
	if !ans.Refused && !ans.Clarify {
		t.Errorf("离婚登记要带啥材料 is answered from %v: %s", ans.Sources, ans.Text)
	}
}
