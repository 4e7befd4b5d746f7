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
