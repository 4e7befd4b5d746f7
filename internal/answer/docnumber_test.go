package answer

import (
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// A question that names a document by its 文号 — in any bracket style, or
// as people say it without brackets — and asks for nothing in particular
// gets what the document is (from its metadata) and its opening, cited.
func TestDocNumberLookup(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	for _, q := range []string{"示例办发〔2021〕3号", "示例办发[2021]3号讲的啥", "示例办发（2021）3号", "示例办发2021年3号文件"} {
		ans := ask(t, a, Request{Question: q})
		if ans.Refused || len(ans.Sources) != 1 {
			t.Errorf("%q: %+v", q, ans)
			continue
		}
		want := "《【示例】政务公开工作考核办法（2021年版）》（示例办发〔2021〕3号）由示例区人民政府办公室于2021年2月1日印发，自2021年3月1日起施行。"
		if !strings.HasPrefix(ans.Text, want) {
			t.Errorf("%q: answer does not start with the document card:\n%s", q, ans.Text)
		}
		s := ans.Sources[0]
		if s.ID != "sample-zwgk-kaohe-2021" || s.Anchor != "s0" {
			t.Errorf("%q: cited %s#%s, want the opening s0", q, s.ID, s.Anchor)
		}
		if !strings.Contains(ans.Text, "正文开头：\n“本文为演示") || !strings.HasSuffix(ans.Text, "”[1]") {
			t.Errorf("%q: opening not quoted:\n%s", q, ans.Text)
		}
		checkVerbatim(t, base, ans)
	}
	// Asked whether it is still in force: its expiry date is known.
	ans := ask(t, a, Request{Question: "示例办发〔2021〕3号还有效吗"})
	if !strings.Contains(ans.Text, "该文件的有效期至2030年12月31日。") {
		t.Errorf("validity not stated:\n%s", ans.Text)
	}
	// A repealed one is announced as such and names its replacement.
	ans = ask(t, a, Request{Question: "示例办发〔2018〕1号还能用吗"})
	if !strings.HasPrefix(ans.Text, "请注意：《【示例】政务公开工作考核办法（2018年版）》（示例办发〔2018〕1号）已废止") ||
		!strings.Contains(ans.Text, "现行文件为《【示例】政务公开工作考核办法（2021年版）》") {
		t.Errorf("repealed document:\n%s", ans.Text)
	}
	// A question about something in the document is answered from it.
	ans = ask(t, a, Request{Question: "示例办发〔2021〕3号多久考核一次"})
	if ans.Refused || len(ans.Sources) == 0 || ans.Sources[0].Anchor != "a4" || strings.Contains(ans.Text, "正文开头") {
		t.Errorf("question within the document: %s %+v", ans.Text, ans.Sources)
	}
}

// The card states validity only when the knowledge base knows it.
func TestDocumentCardValidity(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &kb.Document{Title: "某办法", DocNumber: "某发〔2020〕1号", Issuer: "某机关", Published: time.Date(2020, 5, 6, 0, 0, 0, 0, time.UTC)}
	if got, want := documentCard(d, "某发〔2020〕1号", now), "《某办法》（某发〔2020〕1号）由某机关于2020年5月6日印发。"; got != want {
		t.Errorf("card = %q, want %q", got, want)
	}
	if got := documentCard(d, "某发〔2020〕1号还有效吗", now); !strings.HasSuffix(got, "知识库未标注该文件的效力状态，请以发文机关公布的信息为准。") {
		t.Errorf("unknown validity: %q", got)
	}
	d.Status = kb.StatusActive
	if got := documentCard(d, "某发〔2020〕1号还有效吗", now); !strings.HasSuffix(got, "该文件现行有效。") {
		t.Errorf("active: %q", got)
	}
}

// A 文号 no document has is not answered with passages that merely share
// words with it; a passage that cites it is quoted, saying so.
func TestDocNumberNotInKnowledgeBase(t *testing.T) {
	base := loadKnowledge(t)
	a := newEvalAnswerer(t, base)
	ans := ask(t, a, Request{Question: "国办发〔2018〕108号"})
	if !ans.Refused || ans.Reason != ReasonLowConfidence || !strings.Contains(ans.Text, "没有找到文号为“国办发〔2018〕108号”的文件") {
		t.Errorf("unknown 文号: %+v", ans)
	}
	ans = ask(t, a, Request{Question: "国办发[2017]97号讲的是什么"})
	if ans.Refused || !strings.HasPrefix(ans.Text, "知识库中没有文号为“国办发〔2017〕97号”的文件原文，以下资料提到了该文件：") ||
		len(ans.Sources) == 0 || ans.Sources[0].ID != "haishu-zwgk-2019" || !strings.Contains(ans.Text, "(国办发〔2017〕97号)") {
		t.Errorf("cited 文号: %s %+v", ans.Text, ans.Sources)
	}
}
