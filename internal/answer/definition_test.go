package answer

import (
	"context"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

func TestDefined(t *testing.T) {
	for _, tc := range []struct {
		q, ask, title string
	}{
		{"地籍是啥意思", "地籍", ""},
		{"霾到底是个啥 能见度低到多少才算霾", "霾", ""},
		{"最低工资到底是啥意思？", "最低工资", ""},
		{"请问什么是“一网通办”", "一网通办", ""},
		{"什么叫防洪标准？", "防洪标准", "防洪标准"},
		{"这是什么", "", ""},
		{"流程是啥", "", ""},
		{"公积金怎么提取", "", ""},
		{"北京单场游戏SP值是什么意思？", "北京单场游戏sp值", "北京单场游戏sp值"},
		{"低涡是什么？", "低涡", "低涡"},
		{"光彩体育馆有几个门？", "", ""},
		{"地籍调查是干啥的", "地籍调查", ""},
		{"这个是干什么的", "", ""},
	} {
		if got := defined(askDefRe, tc.q); got != tc.ask {
			t.Errorf("asked: defined(%q) = %q, want %q", tc.q, got, tc.ask)
		}
		if got := defined(defTitleRe, tc.q); got != tc.title {
			t.Errorf("title: defined(%q) = %q, want %q", tc.q, got, tc.title)
		}
	}
}

// 地籍是啥意思 is answered by the entry that defines 地籍, not by an entry on
// what something else means nor by one on 地籍调查, even when the search
// ranks them first or does not find it at all.
func TestDefinitionEntryAnswers(t *testing.T) {
	docs := []*kb.Document{
		{ID: "slash", Type: kb.TypeFAQ, Title: "项目名称中的“/”代表什么意思？", Body: "“/”表示或者。"},
		{ID: "survey", Type: kb.TypeFAQ, Title: "什么是变更地籍调查？", Body: "变更地籍调查是指在完成初始地籍调查后，为适应日常地籍管理的需要而进行的调查。"},
		{ID: "diji", Type: kb.TypeFAQ, Title: "什么是地籍？", Body: "地籍是记载土地的位置、界址、数量、质量、权属和用途等基本状况的图簿册。"},
	}
	b := kb.NewBase(docs, kb.Dict{})
	a := newAnswerer(t, b, newBigramRetriever(b, nil), nil)
	ans := ask(t, a, Request{Question: "地籍是啥意思"})
	if ans.Refused || ans.Clarify || len(ans.Sources) == 0 || ans.Sources[0].ID != "diji" {
		t.Fatalf("refused %v clarify %v sources %v: %q", ans.Refused, ans.Clarify, ans.Sources, ans.Text)
	}
	// The search for the question lacks the entry: the one for 什么是地籍
	// finds it.
	res := func(d *kb.Document, score float64) search.Result {
		return search.Result{Doc: d, Chunk: kb.Chunk{DocID: d.ID, Text: d.Body, Anchor: "answer"}, Score: score}
	}
	byQuery := queryScripted{
		"什么是地籍": {Results: []search.Result{res(docs[2], 2), res(docs[1], 1)}, Confidence: 0.8},
		"":      {Results: []search.Result{res(docs[0], 1), res(docs[1], 0.9)}, Confidence: 0.3, Terms: []string{"地籍", "意思"}},
	}
	a = newAnswerer(t, b, byQuery, nil)
	if ans := ask(t, a, Request{Question: "地籍是啥意思"}); ans.Refused || ans.Clarify || len(ans.Sources) == 0 || ans.Sources[0].ID != "diji" {
		t.Fatalf("searched again: refused %v clarify %v sources %v: %q", ans.Refused, ans.Clarify, ans.Sources, ans.Text)
	}
}

// queryScripted returns the response scripted for a query ("" for any
// other).
type queryScripted map[string]*search.Response

func (s queryScripted) Search(_ context.Context, q string, _ search.Options) (*search.Response, error) {
	if r, ok := s[q]; ok {
		return r, nil
	}
	return s[""], nil
}

// A question for a meaning that names nothing (是啥意思) is refused when
// nothing came before it; after an answer it is a follow-up.
func TestBareMeaning(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, q := range []string{"是啥意思", "这是什么意思", "啥意思啊"} {
		if ans := ask(t, a, Request{Question: q}); !ans.Refused {
			t.Errorf("%s: %q", q, ans.Text)
		}
	}
	first := ask(t, a, Request{Question: "怎么申请政府信息公开"})
	turn, _ := first.Turn("怎么申请政府信息公开")
	if c := consider(t, a, "这是什么意思"); c.detail != "asks a meaning and names nothing" {
		t.Errorf("alone: %s", c.detail)
	}
	c, err := a.consider(context.Background(), Request{Question: "这是什么意思", History: []Turn{turn}})
	if err != nil || c.detail == "asks a meaning and names nothing" {
		t.Errorf("after an answer: %v %s", err, c.detail)
	}
}

// A question that asks nothing about what something is (突然发大水 先抢东西还是先撤人)
// is not put to the entry defining one of its words (什么是洪水？) when an entry
// of nearly the same score is not a definition; an entry on what something
// contains (…的主要内容是什么？) is no definition.
func TestNotDefinitionFirst(t *testing.T) {
	flood := &kb.Document{ID: "flood", Type: kb.TypeFAQ, Title: "什么是洪水？"}
	escape := &kb.Document{ID: "escape", Type: kb.TypeFAQ, Title: "当突遇洪水时，如何避险？"}
	content := &kb.Document{ID: "content", Type: kb.TypeFAQ, Title: "矿产资源统计的主要内容是什么？"}
	resp := func(rs ...search.Result) *search.Response { return &search.Response{Results: rs} }
	r := func(d *kb.Document, s float64) search.Result { return search.Result{Doc: d, Score: s} }
	for _, tc := range []struct {
		q    string
		in   *search.Response
		want string
	}{
		{"突然发大水 先抢东西还是先撤人", resp(r(flood, 1), r(escape, 0.95)), "escape"},
		{"突然发大水 先抢东西还是先撤人", resp(r(flood, 1), r(escape, 0.5)), "flood"}, // not nearly as good
		{"洪水到底是啥", resp(r(flood, 1), r(escape, 0.95)), "flood"},         // a definition asked
		{"矿产资源统计到底统计些啥", resp(r(content, 1), r(escape, 0.95)), "content"},
	} {
		if got := notDefinitionFirst(tc.q, tc.in).Results[0].Doc.ID; got != tc.want {
			t.Errorf("%s: first %s, want %s", tc.q, got, tc.want)
		}
	}
}

func TestNotDefinitionFirstKeepsBareWord(t *testing.T) {
	flood := &kb.Document{ID: "flood", Type: kb.TypeFAQ, Title: "什么是洪水？"}
	escape := &kb.Document{ID: "escape", Type: kb.TypeFAQ, Title: "当突遇洪水时，如何避险？"}
	in := &search.Response{Results: []search.Result{{Doc: flood, Score: 1}, {Doc: escape, Score: 0.95}}}
	for _, q := range []string{"洪水", "请问洪水"} {
		if got := notDefinitionFirst(q, in).Results[0].Doc.ID; got != "flood" {
			t.Errorf("%s: first %s, want the definition of the word asked alone", q, got)
		}
	}
}
