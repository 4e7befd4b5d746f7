package answer

import (
	"strings"
	"testing"
)

// A question that names a repealed edition by its year asks for the old
// text: it is quoted under the notice that the edition is repealed. Asked
// whether that edition still holds, the document in force answers, and a
// question naming no year is answered from the document in force.
func TestNamesExpiredEdition(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	notice := "请注意：《【示例】政务公开工作考核办法（2018年版）》（示例办发〔2018〕1号）已废止"

	ans := ask(t, a, Request{Question: "2018版考核办法是从哪天开始施行的"})
	if ans.Refused || len(ans.Sources) == 0 || ans.Sources[0].ID != "sample-zwgk-kaohe-2018" {
		t.Fatalf("old edition not quoted: %s %+v", ans.Text, ans.Sources)
	}
	if !strings.HasPrefix(ans.Text, notice) || !strings.Contains(ans.Text, "本办法自2018年4月1日起施行") {
		t.Errorf("old edition without its notice or clause:\n%s", ans.Text)
	}
	checkVerbatim(t, base, ans)

	ans = ask(t, a, Request{Question: "2018年那版政务公开考核办法还管用吗"})
	if ans.Refused || len(ans.Sources) == 0 || ans.Sources[0].ID != "sample-zwgk-kaohe-2021" {
		t.Errorf("validity of the old edition not answered from the one in force: %s %+v", ans.Text, ans.Sources)
	}

	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"2018版考核办法是从哪天开始施行的", true},
		{"2018年那版考核办法考哪几项", true},
		{"2021版考核办法是从哪天开始施行的", false}, // in force
		{"2018年那版考核办法还有效吗", false},    // validity: the one in force answers
		{"考核办法从哪天开始施行", false},        // no year
		{"1999年的考核办法", false},         // no document of that year
	} {
		if got := len(a.namedExpired(tc.q)) > 0; got != tc.want {
			t.Errorf("namedExpired(%q) names one: %v, want %v", tc.q, got, tc.want)
		}
	}
}

// The greeting's example is a question the knowledge base answers.
func TestGreetingExampleIsAnswered(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	ans := ask(t, a, Request{Question: "你好"})
	if ans.Reason != ReasonChitchat {
		t.Fatalf("你好: %+v", ans)
	}
	_, rest, ok := strings.Cut(ans.Text, "例如“")
	ex, _, ok2 := strings.Cut(rest, "”")
	if !ok || !ok2 || ex == "" {
		t.Fatalf("no example in the greeting: %s", ans.Text)
	}
	if got := ask(t, a, Request{Question: ex}); got.Refused || got.Clarify || len(got.Sources) == 0 {
		t.Errorf("the greeting's example %q is not answered: %+v", ex, got)
	}
}

// A follow-up about the earlier edition of what the previous answer cited
// (旧的那个…) or naming it by its year (那2018年的呢) is answered from that
// edition under its notice; asked whether it still holds, from the one in
// force.
func TestFollowUpAboutTheOldEdition(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	first := ask(t, a, Request{Question: "新的政务公开考核办法有效期到什么时候"})
	hist, ok := first.Turn("新的政务公开考核办法有效期到什么时候")
	if !ok || len(hist.Docs) == 0 || hist.Docs[0] != "sample-zwgk-kaohe-2021" {
		t.Fatalf("first answer: %+v", first)
	}
	for _, tc := range []struct {
		q, want string
	}{
		{"旧的那个是哪天开始实行的", "sample-zwgk-kaohe-2018"},
		{"那2018年的呢", "sample-zwgk-kaohe-2018"},
		{"旧的那个还能用吗", "sample-zwgk-kaohe-2021"},
	} {
		ans := ask(t, a, Request{Question: tc.q, History: []Turn{hist}})
		if ans.Refused || len(ans.Sources) == 0 || ans.Sources[0].ID != tc.want {
			t.Errorf("%q: want %s first: %+v\n%s", tc.q, tc.want, ans.Sources, ans.Text)
			continue
		}
		if tc.want == "sample-zwgk-kaohe-2018" && !strings.HasPrefix(ans.Text, "请注意：《【示例】政务公开工作考核办法（2018年版）》") {
			t.Errorf("%q: the old edition without its notice:\n%s", tc.q, ans.Text)
		}
	}
	if got := a.oldEditions("旧的那个是哪天开始实行的", nil); got != nil {
		t.Errorf("without history: %v", got)
	}
}

// A question about the earlier edition (老版考核办法当初哪天开始实行的),
// asked without a history, is not answered from the edition in force, whose
// own start date is not the old one's; whether the old edition still holds
// is answered from the one in force.
func TestOldEditionNotAnsweredFromTheNew(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	if ans := ask(t, a, Request{Question: "老版考核办法当初哪天开始实行的"}); !ans.Refused && (len(ans.Sources) == 0 || ans.Sources[0].ID == "sample-zwgk-kaohe-2021") {
		t.Errorf("old edition asked, answered from the new one: %s", ans.Text)
	}
	if ans := ask(t, a, Request{Question: "现行的考核办法从哪天开始执行"}); ans.Refused || !strings.Contains(ans.Text, "2021年3月1日") {
		t.Errorf("the edition in force asked: %s", ans.Text)
	}
	if ans := ask(t, a, Request{Question: "旧版考核办法现在还有效吗"}); ans.Refused || len(ans.Sources) == 0 {
		t.Errorf("whether the old edition holds: %s", ans.Text)
	}
}
