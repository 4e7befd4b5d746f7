package answer

import (
	"strings"
	"testing"
	"unicode"
)

// A question holding personal data is answered like the question without
// it: the numbers and the words that introduce them (身份证号, 电话) neither
// sway the search nor make it refuse — also with an ID and a phone number
// together.
func TestPersonalDataDoesNotChangeTheAnswer(t *testing.T) {
	b := loadKnowledge(t)
	a := newEvalAnswerer(t, b)
	const q = "想问一下政务公开工作要点是什么"
	plain := ask(t, a, Request{Question: q})
	if plain.Refused {
		t.Fatalf("%q refused: %+v", q, plain)
	}
	for _, with := range []string{
		"我的身份证号是330203199001011234，电话13812345678，" + q,
		"身份证 3302 0319 9001 0112 34 手机号 138.1234.5678 " + q,
		"手机号13812345678 " + q,
		q + "，联系电话0574-87654321",
	} {
		got := ask(t, a, Request{Question: with})
		if got.Refused || got.Text != plain.Text {
			t.Errorf("%q: refused=%v reason=%s\n%s\nwant the answer to %q:\n%s", with, got.Refused, got.Reason, got.Text, q, plain.Text)
		}
	}
	// Only a number: refused as a question without a subject, not an error.
	if got := ask(t, a, Request{Question: "我的电话13812345678"}); !got.Refused {
		t.Errorf("a bare phone number was answered: %s", got.Text)
	}
}

// No model ever sees a citizen's 身份证号 or phone number, in the question
// or in the conversation before it.
func TestModelNeverSeesPersonalData(t *testing.T) {
	b := loadKnowledge(t)
	r := newBigramRetriever(b, nil)
	srv := newChatServer(t, func(n int, sys, user string) []string { return []string{"重大建设项目要公开8类信息[1]。"} })
	a := newAnswerer(t, b, r, newModel(t, srv.URL))
	hist := []Turn{{Question: "我的手机是139 5724 6813，政务公开要点是什么", Answer: "……"}}
	ask(t, a, Request{Question: "身份证330203199001011234，重大建设项目公开哪些信息", History: hist})
	n := int(srv.calls.Load())
	if n == 0 {
		t.Fatal("the model was not called")
	}
	for i := range n {
		if u := srv.user(i); strings.ContainsFunc(u, unicode.IsDigit) && (strings.Contains(u, "5724") || strings.Contains(u, "19900101")) {
			t.Errorf("the model saw personal data:\n%s", u)
		}
	}
	if q := r.lastQuery(); strings.Contains(q, "19900101") {
		t.Errorf("the search saw personal data: %q", q)
	}
}
