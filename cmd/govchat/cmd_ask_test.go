package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// runWithEnv runs govchat with args against the shipped knowledge base, a
// temporary data directory and extra environment variables.
func runWithEnv(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runIn(t, shippedEnv(t.TempDir(), env), stdin, args...)
}

func TestAskJSONExtractive(t *testing.T) {
	out, errs, code := runWithEnv(t, nil, "", "ask", "--json", "海曙区2019年政务公开重点公开哪几类重大建设项目信息")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Answer  string `json:"answer"`
		Refused bool   `json:"refused"`
		Mode    string `json:"mode"`
		Sources []struct {
			ID              string `json:"id"`
			Title           string `json:"title"`
			DocURL          string `json:"doc_url"`
			Snippet         string `json:"snippet"`
			Status          string `json:"status"`
			Interpretations []any  `json:"interpretations"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Refused || got.Mode != "extractive" || !strings.Contains(got.Answer, "竣工备案信息等8类信息") || !strings.Contains(got.Answer, "[1]") {
		t.Fatalf("answer = %+v", got)
	}
	if len(got.Sources) == 0 || got.Sources[0].DocURL == "" || got.Sources[0].Snippet == "" || got.Sources[0].Interpretations == nil {
		t.Fatalf("sources = %+v", got.Sources)
	}
}

func TestAskRefusesAndPrintsText(t *testing.T) {
	out, _, code := runWithEnv(t, nil, "", "ask", "--json", "你好")
	if code != 0 || !strings.Contains(out, `"refused":true`) || !strings.Contains(out, `"reason":"chitchat"`) {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, _, code = runWithEnv(t, nil, "", "ask", "行政执法信息公开哪些内容")
	if code != 0 || !strings.Contains(out, "来源：") || !strings.Contains(out, "/docs/") {
		t.Fatalf("exit %d: %s", code, out)
	}
	_, _, code = runWithEnv(t, nil, "", "ask")
	if code != 2 {
		t.Errorf("no question: exit %d", code)
	}
}

func TestAskWithChatModel(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "text/event-stream")
		for _, c := range []string{"依据资料，应公开8类信息[1]", "，另见[9]。"} {
			b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": c}}}})
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	env := map[string]string{"OPENAI_BASE_URL": srv.URL, "GOVCHAT_CHAT_MODEL": "test"}
	out, errs, code := runWithEnv(t, env, "", "ask", "--json", "重大建设项目信息公开包括哪几类")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Answer  string `json:"answer"`
		Mode    string `json:"mode"`
		Sources []any  `json:"sources"`
	}
	json.Unmarshal([]byte(out), &got)
	if got.Mode != "model" || got.Answer != "依据资料，应公开8类信息[1]，另见。" || len(got.Sources) != 1 || calls != 1 {
		t.Fatalf("got %+v (calls %d)", got, calls)
	}
}

func TestAskChatCarriesTheTopic(t *testing.T) {
	out, errs, code := runWithEnv(t, nil, "重大建设项目信息公开包括哪几类\n那公共资源配置呢？\n", "ask", "--chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count("\n"+out, "\n问：") != 2 || !strings.Contains(out, "（按“那公共资源配置呢？") {
		t.Fatalf("output:\n%s", out)
	}
}

// The conversation keeps what the chat service keeps: the documents an
// answer cited, so 旧的那个 finds the edition the cited one replaced.
func TestAskChatKeepsCitedDocuments(t *testing.T) {
	out, errs, code := runWithEnv(t, nil, "新的政务公开考核办法有效期到什么时候\n旧的那个是哪天开始实行的\n", "ask", "--chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	_, second, _ := strings.Cut(out, "问：旧的那个")
	if !strings.Contains(second, "请注意：《【示例】政务公开工作考核办法（2018年版）》") || !strings.Contains(second, "本办法自2018年4月1日起施行") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestRefusalCommand(t *testing.T) {
	out, errs, code := runWithEnv(t, nil, "", "refusal", "--eval", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	for _, s := range []string{"should_refuse  knowledge", "should_answer  knowledge", "PASS"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if !strings.Contains(errs, "govfaq-beijing.jsonl not found") {
		t.Errorf("no note about the missing eval data: %s", errs)
	}
}
