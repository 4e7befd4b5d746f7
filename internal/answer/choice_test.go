package answer

import (
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// A reply to a clarification that names a candidate by its number or by
// words only that candidate holds chooses it; anything else, or a reply to
// something other than a clarification, is a question of its own.
func TestChosenByReply(t *testing.T) {
	clar := Turn{Question: "公积金怎么转", Unsure: true, Choices: []Choice{
		{ID: "out", Question: "如何办理职工住房公积金账户转出？"},
		{ID: "move", Question: "缴存人工作发生变动，如何确认是在国管分中心还是在北京市建立的住房公积金？"},
		{ID: "in", Question: "如何办理职工住房公积金账户转入？"},
		{ID: "guide", Question: "住房公积金转移办事指南：二、办理材料"},
	}}
	answered := Turn{Question: "公积金怎么转出", Docs: []string{"out"}, Offered: []string{"in"}}
	withRelated := Turn{Question: "公积金怎么转出", Docs: []string{"out"}, Offered: []string{"in", "guide"},
		Choices: []Choice{{ID: "in", Question: "如何办理职工住房公积金账户转入？"}, {ID: "guide", Question: "住房公积金转移办事指南：二、办理材料"}}}
	elsewhere := Turn{Question: "医保怎么报销", Docs: []string{"yb"}}
	for _, tc := range []struct {
		reply   string
		history []Turn
		want    string // "" for no choice
	}{
		{"3", []Turn{clar}, "in"},
		{"３", []Turn{clar}, "in"},
		{"③", []Turn{clar}, "in"},
		{"第三个", []Turn{clar}, "in"},
		{"就是第3个吧", []Turn{clar}, "in"},
		{"我要问第二个问题", []Turn{clar}, "move"},
		{"选1", []Turn{clar}, "out"},
		{"二", []Turn{clar}, "move"},
		{"最后一个", []Turn{clar}, "guide"},
		{"转入那个", []Turn{clar}, "in"},
		{"那转入呢", []Turn{clar}, "in"},
		{"办理材料", []Turn{clar}, "guide"},
		{"5", []Turn{clar}, ""},              // there is no fifth
		{"12345", []Turn{clar}, ""},          // a number, not a place in the list
		{"住房公积金", []Turn{clar}, ""},          // every candidate holds it
		{"怎么办理", []Turn{clar}, ""},           // asking words, not a candidate's
		{"公积金转入要带什么材料", []Turn{clar}, ""},    // a question of its own
		{"3", []Turn{answered}, ""},          // the last turn was an answer
		{"1", []Turn{clar, answered}, "out"}, // going through the list: 转出 (chosen or typed), then 1
		{"那第二个呢", []Turn{clar, answered}, "move"},
		{"3", []Turn{clar, answered, elsewhere}, ""}, // an answer not from the list came after it
		{"3", nil, ""},
		// After an answer, its 您可能还想问 list: 第二个, or words of one.
		{"第二个", []Turn{withRelated}, "guide"},
		{"1", []Turn{withRelated}, "in"},
		{"转入那个", []Turn{withRelated}, "in"},
		{"3", []Turn{withRelated}, ""},
		// Going through a clarification, its numbers win over the list of
		// the answer just given (which shows no numbers).
		{"4", []Turn{clar, withRelated}, "guide"},
	} {
		ch, ok := chosenByReply(tc.reply, tc.history)
		if got := ch.ID; got != tc.want || ok != (tc.want != "") {
			t.Errorf("chosenByReply(%q) = %q, %v; want %q", tc.reply, got, ok, tc.want)
		}
	}
}

// Typed in reply to a clarification, a candidate's number gets that
// candidate's answer, as a tap would, and says which one was chosen; the
// clarification keeps its candidates in its turn, in the order it numbered
// them, and tells the asker a number will do.
func TestTypedChoiceIsAnswered(t *testing.T) {
	out := &kb.Document{ID: "out", Type: kb.TypeFAQ, Title: "如何办理职工住房公积金账户转出？", Body: "到外省市工作的，向当地公积金中心申请转入即可，无需在本市申请转出。"}
	in := &kb.Document{ID: "in", Type: kb.TypeFAQ, Title: "如何办理职工住房公积金账户转入？", Body: "由新单位经办人在网上业务系统办理转入，原账户余额一并转入。"}
	b := kb.NewBase([]*kb.Document{out, in}, kb.Dict{})
	res := func(d *kb.Document, score float64) search.Result {
		return search.Result{Doc: d, Chunk: kb.Chunk{DocID: d.ID, Text: d.Body, Anchor: "answer"}, Score: score}
	}
	// Whatever is typed finds 转出 first, barely: a clarification.
	resp := &search.Response{Results: []search.Result{res(out, 1), res(in, 0.98)}, Confidence: 0.3, Terms: []string{"公积金", "转"}}
	a := newAnswerer(t, b, scripted{resp}, nil)
	clar := ask(t, a, Request{Question: "公积金怎么转"})
	if !clar.Clarify || !strings.Contains(clar.Text, "回复序号") {
		t.Fatalf("want a clarification that accepts a number: %q", clar.Text)
	}
	turn, ok := clar.Turn("公积金怎么转")
	if !ok || len(turn.Choices) != 2 || turn.Choices[1].ID != "in" || turn.Choices[1].Question != in.Title {
		t.Fatalf("turn choices %v", turn.Choices)
	}
	ans := ask(t, a, Request{Question: "2", History: []Turn{turn}})
	if ans.Refused || ans.Clarify || len(ans.Sources) == 0 || ans.Sources[0].ID != "in" || !strings.Contains(ans.Text, "由新单位经办人") {
		t.Fatalf("typed 2: refused %v clarify %v sources %v: %q", ans.Refused, ans.Clarify, ans.Sources, ans.Text)
	}
	if ans.Chosen != "in" || ans.Standalone != in.Title {
		t.Errorf("chosen %q standalone %q", ans.Chosen, ans.Standalone)
	}
	// The conversation keeps the words the choice asked, not 2.
	after, _ := ans.Turn("2")
	if after.Question != in.Title {
		t.Errorf("turn question %q, want %q", after.Question, in.Title)
	}
	// Going through the list: 1 after the answer of choice 2.
	if next := ask(t, a, Request{Question: "1", History: []Turn{turn, after}}); next.Chosen != "out" || len(next.Sources) == 0 || next.Sources[0].ID != "out" {
		t.Errorf("1 after the answer of choice 2: chosen %q sources %v", next.Chosen, next.Sources)
	}
	// A tap (Request.Entry) is not overridden by the words of its button.
	if tap := ask(t, a, Request{Question: "1", History: []Turn{turn}, Entry: "in"}); tap.Chosen != "" || len(tap.Sources) == 0 || tap.Sources[0].ID != "in" {
		t.Errorf("tap: chosen %q sources %v", tap.Chosen, tap.Sources)
	}
}

// A button names a document section by the document a notice issues, not by
// the notice's wrapper around it; a FAQ entry by its question.
func TestRelatedQuestionNamesIssuedDocument(t *testing.T) {
	notice := &kb.Document{ID: "p", Type: kb.TypePolicy, Title: "宁波市海曙区人民政府办公室关于印发2019年宁波市海曙区政务公开工作要点的通知"}
	faq := &kb.Document{ID: "f", Type: kb.TypeFAQ, Title: "关于印发工作要点的通知在哪看？"}
	for _, tc := range []struct {
		r    search.Result
		want string
	}{
		{search.Result{Doc: notice, Chunk: kb.Chunk{Heading: []string{"一、深入推进", "（三）深化重要政策解读"}}}, "2019年宁波市海曙区政务公开工作要点：（三）深化重要政策解读"},
		{search.Result{Doc: notice}, "2019年宁波市海曙区政务公开工作要点"},
		{search.Result{Doc: faq}, "关于印发工作要点的通知在哪看？"},
	} {
		if got := relatedQuestion(tc.r); got != tc.want {
			t.Errorf("relatedQuestion = %q, want %q", got, tc.want)
		}
	}
}

// A clarification lists the candidates that share something with the
// question before those that share nothing, each group in rank order.
func TestSharingFirst(t *testing.T) {
	r := func(id string) search.Result { return search.Result{Doc: &kb.Document{ID: id}} }
	shares := func(x search.Result) bool { return strings.HasPrefix(x.Doc.ID, "quota") }
	got := sharingFirst([]search.Result{r("referee"), r("quota1"), r("inspection"), r("quota2")}, shares)
	var ids []string
	for _, x := range got {
		ids = append(ids, x.Doc.ID)
	}
	if strings.Join(ids, " ") != "quota1 quota2 referee inspection" {
		t.Errorf("order %v, want the sharing candidates first, then the others, each in rank order", ids)
	}
}
