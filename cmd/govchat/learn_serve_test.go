package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/learn"
)

// postLoop posts v and decodes the answer into out (when not nil); it
// returns the status.
func postLoop(t *testing.T, url, token string, v, out any) int {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s: %v: %s", url, err, body)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s: %d %s", url, resp.StatusCode, body)
	}
	return resp.StatusCode
}

// adminToken adds an admin account to a running server and signs it in.
func adminToken(t *testing.T, rs *runningServer) string {
	t.Helper()
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	const pw = "learning admin password"
	if _, err := svc.AddUser(context.Background(), auth.NewUser{Username: "office", Name: "知识办", StaffNo: "8001", Role: auth.RoleAdmin, Password: pw}); err != nil {
		t.Fatal(err)
	}
	var lr struct {
		Token string `json:"token"`
	}
	if code := postLoop(t, rs.base+"/api/agent/login", "", map[string]string{"username": "office", "password": pw}, &lr); code != 200 {
		t.Fatalf("login: %d", code)
	}
	return lr.Token
}

type loopAnswer struct {
	AnswerID string `json:"answer_id"`
	Session  string `json:"session"`
	Clarify  bool   `json:"clarify"`
	Refused  bool   `json:"refused"`
	Sources  []struct {
		ID string `json:"id"`
	} `json:"sources"`
	Related []struct {
		ID       string `json:"id"`
		Question string `json:"question"`
	} `json:"related"`
}

// The whole loop on a served knowledge base (a copy of the shipped one): a
// citizen's own words get a clarification, the citizen taps the entry and
// gives 👍; the office approves the proposed 相似问; the entry's FAQ file
// gains the wording, the service reloads, and the same words are answered
// by the entry directly.
func TestLearningLoopServe(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a server")
	}
	kdir := copyKnowledge(t)
	rs := startServe(t, kdir, map[string]string{"GOVCHAT_RATE_IP": "-1", "GOVCHAT_RATE_SESSION": "-1"}, chat.Config{})
	admin := adminToken(t, rs)
	const words, entry = "要点出台时间", "haishu-zwgk-faq-001"

	var a1 loopAnswer
	postLoop(t, rs.base+"/api/ask", "", map[string]any{"question": words}, &a1)
	if !a1.Clarify || len(a1.Related) == 0 || a1.Related[0].ID != entry {
		t.Fatalf("%q is not clarified with %s first: %+v", words, entry, a1)
	}
	var a2 loopAnswer
	postLoop(t, rs.base+"/api/ask", "", map[string]any{"question": a1.Related[0].Question, "session": a1.Session,
		"via": map[string]string{"answer_id": a1.AnswerID, "id": entry}}, &a2)
	if len(a2.Sources) == 0 || a2.Sources[0].ID != entry {
		t.Fatalf("the tapped question: %+v", a2)
	}
	if code := postLoop(t, rs.base+"/api/feedback", "", map[string]any{"answer_id": a2.AnswerID, "helpful": true, "session": a1.Session}, nil); code != 200 {
		t.Fatalf("feedback: %d", code)
	}

	var ps []learn.Proposal
	for deadline := time.Now().Add(10 * time.Second); ; {
		req, _ := http.NewRequest("GET", rs.base+"/api/admin/review/similar", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&ps)
		resp.Body.Close()
		if len(ps) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(ps) != 1 || ps[0].EntryID != entry || ps[0].Wording != words || ps[0].Kinds["tap_helpful"] != 1 {
		t.Fatalf("proposals %+v", ps)
	}
	var out learn.Outcome
	if code := postLoop(t, rs.base+"/api/admin/review/similar", admin, learn.Decision{EntryID: entry, Evidence: ps[0].Evidence, Status: learn.StatusApproved, Wording: ps[0].Wording}, &out); code != 200 || !out.Reloaded {
		t.Fatalf("approve: %d %+v", code, out)
	}
	b, _ := os.ReadFile(filepath.Join(kdir, "faq", "haishu-zwgk-2019.yaml"))
	if !strings.Contains(string(b), "      - "+words+"\n") {
		t.Errorf("the FAQ file lacks the approved wording:\n%s", b)
	}
	var a3 loopAnswer
	postLoop(t, rs.base+"/api/ask", "", map[string]any{"question": words}, &a3)
	if a3.Clarify || a3.Refused || len(a3.Sources) == 0 || a3.Sources[0].ID != entry {
		t.Errorf("after approval %q is answered %+v", words, a3)
	}
}
