package answer

import (
	"context"
	"strings"
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

// A question made only of words that cannot name a thing (能提前在网上约吗:
// 提前 a verb, 网上 a place word) takes its subject from the conversation,
// even when the knowledge base knows those words from another matter's
// entry (能提前在网上选号吗, on cars).
func TestFollowUpWithoutANoun(t *testing.T) {
	docs := []*kb.Document{
		{ID: "cl", Type: kb.TypeFAQ, Title: "结婚登记需要携带哪些材料？", Body: "双方的户口簿、身份证和近期半身免冠合影照片。"},
		{ID: "yy", Type: kb.TypeFAQ, Title: "如何办理结婚登记预约？", Body: "可以提前七天在网上预约结婚登记，也可以当天到婚姻登记处现场办理。"},
		{ID: "car", Type: kb.TypeFAQ, Title: "尚未购买机动车，能提前在网上选号吗？", Body: "不能。网上选号需要录入车辆识别代号。"},
		{ID: "car2", Type: kb.TypeFAQ, Title: "机动车号牌可以提前选吗？", Body: "购车后在网上选号。"},
	}
	a := newEvalAnswerer(t, kb.NewBase(docs, kb.Dict{}))
	first := ask(t, a, Request{Question: "结婚登记要带什么材料"})
	turn, ok := first.Turn("结婚登记要带什么材料")
	if !ok || len(first.Sources) == 0 || first.Sources[0].ID != "cl" {
		t.Fatalf("first turn: %v %q", first.Sources, first.Text)
	}
	ans := ask(t, a, Request{Question: "能提前在网上约吗", History: []Turn{turn}})
	if len(ans.Sources) > 0 && strings.HasPrefix(ans.Sources[0].ID, "car") {
		t.Errorf("answered from the entry on cars: %q", ans.Text)
	}
	if ans.Standalone == "" {
		t.Errorf("not taken as a follow-up: %q", ans.Text)
	}
}
