package search_test

import (
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/zh"
)

// synonymDocs are entries on drowning, written in the official word
// (溺水), on heavy rain, whose answer happens to say 水里, and on a car
// falling into water.
func synonymDocs() []*kb.Document {
	return []*kb.Document{
		{ID: "faq-drown", Type: kb.TypeFAQ, Title: "溺水者的救助方法是什么",
			Body: "首先清除口鼻中的泥沙杂草，保持呼吸道通畅；呼吸心跳停止的，立即进行人工呼吸和胸外按压，并呼叫急救人员。"},
		{ID: "faq-rain", Type: kb.TypeFAQ, Title: "暴雨天气如何减少对环境的影响",
			Body: "暴雨时雨水里混有大量污染物，不要在积水里行走，刚下过雨的路面容易打滑，不要随意丢弃垃圾。"},
		{ID: "faq-car", Type: kb.TypeFAQ, Title: "车辆落水后应该怎么办",
			Body: "车辆落水后应立即解开安全带，打开车窗逃生；车窗无法打开时，用安全锤敲击车窗四角。"},
	}
}

// A question in everyday words (掉水里) that the vocabulary maps to the
// official term (溺水) finds the entry written in the official term first.
// Without SynonymWord the canonical word is the only feature that entry
// matches, and the entry whose answer says 水里 literally — word, bigrams
// and characters — comes first.
func TestSynonymWord(t *testing.T) {
	seg, err := zh.New(zh.Config{Synonyms: [][]string{{"溺水", "掉水里"}}})
	if err != nil {
		t.Fatal(err)
	}
	const q = "有人掉水里刚救上来 第一步该干嘛"
	for _, tc := range []struct {
		name string
		p    search.Params
		want string
	}{
		{"default", search.Params{}, "faq-drown"},
		{"off", search.Params{SynonymWord: -1}, "faq-rain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng, err := search.New(search.Config{Params: tc.p, Now: func() time.Time { return now }},
				kb.NewBase(synonymDocs(), kb.Dict{}), seg, memStore(t, ""), nil)
			if err != nil {
				t.Fatal(err)
			}
			sync1(t, eng)
			got := ids(search1(t, eng, q, search.Options{}))
			if len(got) == 0 || got[0] != tc.want {
				t.Errorf("%s: %v, want %s first", q, got, tc.want)
			}
		})
	}
}
