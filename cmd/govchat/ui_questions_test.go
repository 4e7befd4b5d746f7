package main

// Questions the citizen-facing tests ask of the shipped knowledge base: one
// that is answered with a clarification (several entries plausible), one
// whose answer offers related questions, and the greetings' example
// questions. The first two are chosen at run time from short candidate
// lists, so that a change of ranking that moves one question from one
// outcome to another does not break the tests that need the outcome; the
// tests fail when no candidate gives it any more.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/chat"
)

// Candidates, in order of preference, found by asking the shipped
// knowledge base (docs/answers.md describes when govchat clarifies).
var (
	clarifyCandidates = []string{"要公开啥", "公开的东西", "信息公开怎么弄", "政策文件出台时解读材料要同步吗", "解读要同步吗", "解读材料", "监管信息公开"}
	relatedCandidates = []string{"信息公开", "公开什么信息", "要公开哪些", "哪些要公开", "政务公开要点"}
)

// apiAnswer is the part of a POST /api/ask response the tests read.
type apiAnswer struct {
	AnswerID string `json:"answer_id"`
	Text     string `json:"text"`
	Refused  bool   `json:"refused"`
	Clarify  bool   `json:"clarify"`
	Mode     string `json:"mode"`
	Sources  []struct {
		ID       string `json:"id"`
		Anchor   string `json:"anchor"`
		DocURL   string `json:"doc_url"`
		Status   string `json:"status"`
		Sample   bool   `json:"sample"`
		PlanYear int    `json:"plan_year"`
	} `json:"sources"`
	Related []struct {
		ID       string `json:"id"`
		Question string `json:"question"`
		DocURL   string `json:"doc_url"`
		Sample   bool   `json:"sample"`
	} `json:"related"`
}

// askAPI asks question in a new conversation through POST /api/ask.
func askAPI(t *testing.T, base, question string) apiAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"question": question})
	c := &http.Client{Timeout: 2 * time.Minute}
	resp, err := c.Post(base+"/api/ask", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/ask %q: %s", question, resp.Status)
	}
	var a apiAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("POST /api/ask %q: %v", question, err)
	}
	return a
}

// answersEntry reports whether a is an answer (not a clarification or a
// refusal) that quotes the related entry id first, at the section its
// doc_url names.
func answersEntry(a apiAnswer, id, docURL string) bool {
	if a.Clarify || a.Refused || len(a.Sources) == 0 || a.Sources[0].ID != id {
		return false
	}
	_, anchor, ok := strings.Cut(docURL, "#")
	return !ok || a.Sources[0].Anchor == anchor
}

// tapsAnswer reports whether asking the question of each of a's related
// entries (what a tap on its button asks) answers with that entry.
func tapsAnswer(t *testing.T, base string, a apiAnswer, all bool) bool {
	t.Helper()
	for i, r := range a.Related {
		if !all && i > 0 {
			break
		}
		if !answersEntry(askAPI(t, base, r.Question), r.ID, r.DocURL) {
			return false
		}
	}
	return true
}

// clarifyingQuestion returns a question that the server at base answers
// with a clarification of at least two choices, each of which, asked,
// is answered with its entry.
func clarifyingQuestion(t *testing.T, base string) (string, apiAnswer) {
	t.Helper()
	var tried []string
	for _, q := range clarifyCandidates {
		a := askAPI(t, base, q)
		if a.Clarify && a.Mode == "clarify" && len(a.Related) >= 2 && len(a.Sources) == 0 && tapsAnswer(t, base, a, true) {
			return q, a
		}
		tried = append(tried, q+" → "+a.Mode)
	}
	t.Fatalf("no candidate question is clarified with choices that are each answered any more (%s): add one to clarifyCandidates", strings.Join(tried, "; "))
	return "", apiAnswer{}
}

// relatedQuestion returns a question that the server at base answers
// offering related questions, the first of which, asked, is answered with
// its entry.
func relatedQuestion(t *testing.T, base string) (string, apiAnswer) {
	t.Helper()
	var tried []string
	for _, q := range relatedCandidates {
		a := askAPI(t, base, q)
		if !a.Clarify && !a.Refused && len(a.Sources) > 0 && len(a.Related) > 0 && tapsAnswer(t, base, a, false) {
			return q, a
		}
		tried = append(tried, q+" → "+a.Mode)
	}
	t.Fatalf("no candidate question is answered with related questions any more (%s): add one to relatedCandidates", strings.Join(tried, "; "))
	return "", apiAnswer{}
}

// greetingQuestions are the example questions citizens are offered before
// they ask anything: the demo page's (its 试试这些问题 buttons and the
// widget's data-suggestions) and the mini-program's greeting (config.js).
func greetingQuestions(t *testing.T) map[string][]string {
	t.Helper()
	root := moduleRoot(t)
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	out := map[string][]string{}
	page := read("web/site/static/index.html")
	for _, m := range regexp.MustCompile(`data-govchat-ask="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		out["demo page 试试这些问题"] = append(out["demo page 试试这些问题"], m[1])
	}
	for _, m := range regexp.MustCompile(`data-suggestions="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		out["demo page widget data-suggestions"] = append(out["demo page widget data-suggestions"], strings.Split(m[1], "|")...)
	}
	cfg := read("web/miniprogram/config.js")
	if m := regexp.MustCompile(`(?s)suggestions:\s*\[(.*?)\]`).FindStringSubmatch(cfg); m != nil {
		for _, q := range regexp.MustCompile(`'([^']+)'`).FindAllStringSubmatch(m[1], -1) {
			out["mini-program greeting"] = append(out["mini-program greeting"], q[1])
		}
	}
	for _, where := range []string{"demo page 试试这些问题", "demo page widget data-suggestions", "mini-program greeting"} {
		if len(out[where]) == 0 {
			t.Errorf("no example questions found in the %s", where)
		}
	}
	return out
}

// TestGreetingQuestionsAnswered asks every example question offered before
// a citizen asks anything (demo page, widget, mini-program) through the real
// service on the shipped knowledge base: each must be answered with a
// source — neither refused nor clarified.
func TestGreetingQuestionsAnswered(t *testing.T) {
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), map[string]string{"GOVCHAT_RATE_IP": "-1", "GOVCHAT_RATE_SESSION": "-1"}, chat.Config{})
	for where, qs := range greetingQuestions(t) {
		for _, q := range qs {
			a := askAPI(t, rs.base, q)
			switch {
			case a.Refused:
				t.Errorf("%s: %q is refused: %s", where, q, a.Text)
			case a.Clarify:
				t.Errorf("%s: %q is clarified, not answered: %s", where, q, a.Text)
			case len(a.Sources) == 0:
				t.Errorf("%s: %q is answered without a source: %s", where, q, a.Text)
			default:
				t.Logf("%s: %q → %s", where, q, a.Sources[0].DocURL)
			}
		}
	}
}
