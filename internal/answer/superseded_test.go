package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/search"
)

// A question whether a document no longer in force (which the search
// leaves out unless asked) still holds is answered from the one in force,
// saying so; a question that matches old and new alike gets no such notice;
// a question naming the old edition by its year gets the old text under its
// own validity notice, with the one in force cited.
func TestSupersededDocumentIsNamed(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	const notice = "请注意：与您的问题最相关的《【示例】政务公开工作考核办法（2018年版）》（示例办发〔2018〕1号）已废止，现行文件为《【示例】政务公开工作考核办法（2021年版）》。以下内容依据现行有效的资料。\n\n"
	for _, q := range []string{"2018年的考核办法还能用吗", "2018版的考核办法是不是已经废止了"} {
		ans := ask(t, a, Request{Question: q})
		// Whether the old version is still in force is answered by the
		// notice, or by the new version's own clause repealing it.
		repealed := strings.Contains(ans.Text, "《政务公开工作考核办法（2018年版）》同时废止")
		if ans.Refused || !strings.HasPrefix(ans.Text, notice) && !(strings.HasSuffix(q, "还能用吗") && repealed) {
			t.Errorf("%q: no notice:\n%s", q, ans.Text)
		}
		cited := false
		for _, s := range ans.Sources {
			if s.ID == "sample-zwgk-kaohe-2018" {
				t.Errorf("%q: cites the repealed document", q)
			}
			cited = cited || s.ID == "sample-zwgk-kaohe-2021"
		}
		// The replacement is a source, never a raw path in the text.
		if !cited || strings.Contains(ans.Text, "/docs/") {
			t.Errorf("%q: the document in force is not cited as a source: %+v\n%s", q, ans.Sources, ans.Text)
		}
	}
	for _, q := range []string{"政务公开考核多久一次", "政务公开考核内容有哪些"} {
		if ans := ask(t, a, Request{Question: q}); strings.Contains(ans.Text, "与您的问题最相关的") {
			t.Errorf("%q: notice on a question that fits the document in force:\n%s", q, ans.Text)
		}
	}
	// Asked for expired documents, or naming the old edition by its year,
	// the old one is quoted under its own validity notice instead, and the
	// one in force is cited beside it.
	for _, req := range []Request{
		{Question: "政务公开考核内容有哪些", IncludeExpired: true},
		{Question: "政务公开考核办法2018年版的考核内容"},
	} {
		ans := ask(t, a, req)
		if strings.Contains(ans.Text, "与您的问题最相关的") || !strings.HasPrefix(ans.Text, "请注意：《【示例】政务公开工作考核办法（2018年版）》（示例办发〔2018〕1号）已废止") {
			t.Errorf("%+v:\n%s", req, ans.Text)
		}
		if !req.IncludeExpired && !strings.Contains(ans.Text, "第三条 考核内容包括主动公开") {
			t.Errorf("%q: the old edition's clause is not quoted:\n%s", req.Question, ans.Text)
		}
		cited := false
		for _, s := range ans.Sources {
			cited = cited || s.ID == "sample-zwgk-kaohe-2021"
		}
		if !cited {
			t.Errorf("%+v: the document in force is not cited: %+v", req, ans.Sources)
		}
	}
}

// byExpiry answers differently with and without expired documents.
type byExpiry struct{ current, all *search.Response }

func (r byExpiry) Search(_ context.Context, _ string, o search.Options) (*search.Response, error) {
	if o.IncludeExpired {
		return r.all, nil
	}
	return r.current, nil
}

// When only a repealed document answers, the refusal says so and names the
// document in force.
func TestOnlySupersededDocumentAnswers(t *testing.T) {
	base := loadKnowledge(t)
	old := base.Doc("sample-zwgk-kaohe-2018")
	r := byExpiry{
		current: &search.Response{Results: []search.Result{}, Terms: []string{"考核"}},
		all:     &search.Response{Results: []search.Result{{Doc: old, Score: 1}}, Terms: []string{"考核"}, Confidence: 0.9},
	}
	a := newAnswerer(t, base, r, nil)
	ans := ask(t, a, Request{Question: "老的考核办法怎么考核"})
	want := "抱歉，现行有效的政策资料中没有找到能准确回答这个问题的内容。与您的问题最相关的《【示例】政务公开工作考核办法（2018年版）》（示例办发〔2018〕1号）已废止，请以现行规定为准。"
	if !ans.Refused || ans.Reason != ReasonLowConfidence || !strings.HasPrefix(ans.Text, want) ||
		!strings.HasSuffix(ans.Text, "现行文件：《【示例】政务公开工作考核办法（2021年版）》[1]") {
		t.Errorf("answer = %+v", ans)
	}
	if len(ans.Sources) != 1 || ans.Sources[0].ID != "sample-zwgk-kaohe-2021" || ans.Sources[0].N != 1 || strings.Contains(ans.Text, "/docs/") {
		t.Errorf("the document in force is not the refusal's source: %+v", ans.Sources)
	}
}

// A FAQ entry no longer in force is named as the entry it is (常见问题“…”的答复),
// not as a document title in 《》.
func TestSupersededFAQNamedAsAnEntry(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	ans := ask(t, a, Request{Question: "公开目录指南什么时候更新"})
	if !strings.Contains(ans.Text, "与您的问题最相关的常见问题“政务公开相关制度和公开目录指南的修改什么时候完成？”的答复已废止") || strings.Contains(ans.Text, "《政务公开相关制度") {
		t.Errorf("expired FAQ entry not named as one:\n%s", ans.Text)
	}
}
