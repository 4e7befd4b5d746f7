package main

// Two `govchat serve` processes on one PostgreSQL (issue 16): the binary
// is built once, each instance runs in its own process with its own data
// directory (index), and they share only the database.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/pgtest"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// govchatBinary builds cmd/govchat once per test run.
func govchatBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "govchat-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "govchat")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// serveProc is one `govchat serve` process.
type serveProc struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	logs *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe runs `govchat serve` with env added to the shipped
// environment and waits until /readyz answers 200.
func startServeProc(t testing.TB, name string, env map[string]string) *serveProc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(govchatBinary(t), "serve")
	cmd.Env = append(os.Environ(), "GOVCHAT_ADDR="+addr, "GOVCHAT_KNOWLEDGE="+filepath.Join(moduleRoot(t), "knowledge"),
		"GOVCHAT_DATA="+t.TempDir(), "GOVCHAT_LOG_LEVEL=info", "GOVCHAT_STORE=mem", "GOVCHAT_CHAT_MODEL=", "GOVCHAT_EMBED_MODEL=")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &serveProc{name: name, cmd: cmd, base: "http://" + addr, logs: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, p.logs.String())
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before it was ready:\n%s", name, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready in 2 minutes:\n%s", name, p.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill ends the process at once (SIGKILL: an instance that dies).
func (p *serveProc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

func (p *serveProc) ws() string { return "ws" + strings.TrimPrefix(p.base, "http") + "/ws" }

// httpCall makes an HTTP request with a bearer token and decodes the JSON answer.
func httpCall(t testing.TB, method, url, token, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

// askOn asks a question on a citizen socket and returns the answer frame.
func askOn(c *chattest.Conn, id, q string) chattest.Frame {
	c.Send(map[string]any{"type": "ask", "id": id, "text": q})
	return c.Expect("answer", func(f chattest.Frame) bool { return f["id"] == id })
}

// The multi-instance test of issue 16: two `govchat serve` processes on one
// PostgreSQL. An operator signs in on B and sees the queue, a citizen on A
// asks for 转人工, B takes it, messages flow both ways, A is killed, the
// citizen reconnects to B and the transcript is whole; the unanswered
// report on either instance sees both instances' questions.
func TestMultiInstance(t *testing.T) {
	url := pgtest.Shared(t).DB(t)
	const adminToken = "multi-instance-admin-token"
	// One contact key for both instances (each reads the other's 留言).
	// One knowledge directory for both (an FAQ entry approved on one is
	// answered by both), a copy: the test approves one.
	shared := map[string]string{"GOVCHAT_DATABASE_URL": url, "GOVCHAT_ADMIN_TOKEN": adminToken,
		"GOVCHAT_CONTACT_KEY_FILE": filepath.Join(t.TempDir(), "contact.key"),
		"GOVCHAT_KNOWLEDGE":        copyDir(t, filepath.Join(moduleRoot(t), "knowledge")), "GOVCHAT_RATE_SESSION": "-1"}
	for _, u := range [][]string{{"wang", "王五", "1001", "operator"}, {"zhao", "赵六", "9001", "admin"}} {
		if out, errOut, code := runIn(t, shippedEnv(t.TempDir(), shared), "correct horse battery\n", "user", "add",
			"--username", u[0], "--name", u[1], "--staff-no", u[2], "--role", u[3], "--password-stdin"); code != 0 {
			t.Fatalf("user add on PostgreSQL: %d %s %s", code, out, errOut)
		}
	}
	a := startServeProc(t, "A", shared)
	b := startServeProc(t, "B", shared)

	// The operator signs in on B; a socket ticket issued by A opens B's
	// socket (behind a load balancer the two requests may go anywhere).
	var login struct {
		Token string `json:"token"`
	}
	if code := httpCall(t, "POST", b.base+"/api/agent/login", "", `{"username":"wang","password":"correct horse battery"}`, &login); code != 200 || login.Token == "" {
		t.Fatalf("sign-in on B: %d", code)
	}
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	if code := httpCall(t, "POST", a.base+"/api/agent/ws-ticket", login.Token, "", &ticket); code != 200 {
		t.Fatalf("ticket from A with B's sign-in: %d", code)
	}
	op := chattest.Dial(t, b.ws(), nil)
	op.Name, op.Timeout = "operator on B", 10*time.Second
	if sf := op.Hello(ticket.Ticket); sf["role"] != "operator" {
		t.Fatalf("operator hello on B = %v", sf)
	}
	op.Send(map[string]any{"type": "queue_subscribe"})
	if q := op.Expect("queue", nil); q["operators_online"] != float64(1) {
		t.Fatalf("queue on B = %v", q)
	}

	// Questions on both instances, some refused.
	citizen := chattest.Dial(t, a.ws(), nil)
	citizen.Name, citizen.Timeout = "citizen on A", 10*time.Second
	sf := citizen.Hello("")
	if f := askOn(citizen, "q1", "火星移民签证怎么办理"); f["refused"] != true {
		t.Fatalf("expected a refusal on A: %v", f)
	}
	other := chattest.Dial(t, b.ws(), nil)
	other.Name, other.Timeout = "citizen on B", 10*time.Second
	other.Hello("")
	if f := askOn(other, "q2", "养犬登记证丢了怎么补办"); f["refused"] != true {
		t.Fatalf("expected a refusal on B: %v", f)
	}
	for _, p := range []*serveProc{a, b} {
		var rep struct {
			Groups []struct {
				Question string `json:"question"`
			} `json:"groups"`
		}
		if code := httpCall(t, "GET", p.base+"/api/admin/unanswered?since=1d", adminToken, "", &rep); code != 200 {
			t.Fatalf("unanswered on %s: %d", p.name, code)
		}
		var qs []string
		for _, g := range rep.Groups {
			qs = append(qs, g.Question)
		}
		got := strings.Join(qs, "|")
		if !strings.Contains(got, "火星移民签证怎么办理") || !strings.Contains(got, "养犬登记证丢了怎么补办") {
			t.Errorf("unanswered report on %s sees %q, want both instances' questions", p.name, got)
		}
	}

	// 转人工 on A; the operator on B sees it and takes it.
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	h := citizen.Expect("handoff", nil)
	if h["status"] != "queued" {
		t.Fatalf("handoff on A = %v", h)
	}
	conv := h.S("conversation")
	op.Expect("queue", func(f chattest.Frame) bool {
		for _, it := range f["items"].([]any) {
			if it.(map[string]any)["conversation"] == conv {
				return true
			}
		}
		return false
	})
	op.Send(map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
	op.Expect("conversation", nil)
	if f := citizen.Expect("handoff", nil); f["status"] != "connected" || f["staff_no"] != "1001" {
		t.Fatalf("citizen on A after the take = %v", f)
	}
	op.Send(map[string]any{"type": "agent_message", "id": "m1", "conversation": conv, "text": "您好，我是1001号"})
	if f := citizen.Expect("agent_message", nil); f["text"] != "您好，我是1001号" {
		t.Fatalf("agent_message on A = %v", f)
	}
	if ack := op.Expect("ack", nil); ack["delivered"] != true {
		t.Errorf("ack on B = %v", ack)
	}
	citizen.Send(map[string]any{"type": "handoff_message", "id": "c1", "text": "我想问政务公开"})
	citizen.Expect("ack", nil)
	if f := op.Expect("citizen_message", nil); f["text"] != "我想问政务公开" {
		t.Fatalf("citizen_message on B = %v", f)
	}
	op.Send(map[string]any{"type": "agent_answer", "id": "m2", "conversation": conv, "doc_id": "haishu-zwgk-2019"})
	if f := citizen.Expect("agent_answer", nil); len(f["sources"].([]any)) != 1 {
		t.Fatalf("agent_answer on A = %v", f)
	}
	op.Expect("ack", nil)

	// The operator proposes an FAQ entry for the refused question; an
	// admin approves it on A; B answers from it too.
	var proposal struct {
		ID int64 `json:"id"`
	}
	if code := httpCall(t, "POST", b.base+"/api/agent/review/proposals", login.Token, `{"question":"火星移民签证怎么办理？",
		"answer":"本区不受理火星移民签证，请关注国家移民管理局的公告。","department":"区政务服务中心","sources":["haishu-zwgk-2019"]}`, &proposal); code != 201 {
		t.Fatalf("proposal on B: %d", code)
	}
	var adminLogin struct {
		Token string `json:"token"`
	}
	if code := httpCall(t, "POST", a.base+"/api/agent/login", "", `{"username":"zhao","password":"correct horse battery"}`, &adminLogin); code != 200 {
		t.Fatalf("admin sign-in on A: %d", code)
	}
	if code := httpCall(t, "POST", fmt.Sprintf("%s/api/admin/review/%d", a.base, proposal.ID), adminLogin.Token, `{"status":"accepted"}`, nil); code != 200 {
		t.Fatalf("approving on A: %d", code)
	}
	for i := 0; ; i++ {
		f := askOn(other, fmt.Sprintf("faq%d", i), "火星移民签证怎么办理")
		if f["refused"] != true && strings.Contains(fmt.Sprint(f["text"]), "国家移民管理局") {
			break
		}
		if i == 20 {
			t.Fatalf("B still answers the approved question with %v", f)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// A dies. The citizen's widget reconnects — to B — and resumes.
	a.kill()
	citizen.Close()
	back := chattest.Dial(t, b.ws(), nil)
	back.Name, back.Timeout = "citizen back on B", 10*time.Second
	back.Send(map[string]any{"type": "hello", "v": 1, "session": sf.S("session")})
	rs := back.Expect("session", nil)
	if rs["resumed"] != true || rs.S("session_id") != sf.S("session_id") || rs["turns"] != float64(0) && rs["turns"] != float64(1) {
		t.Fatalf("resume on B = %v (first: %v)", rs, sf)
	}
	if f := back.Expect("handoff", nil); f["status"] != "connected" || f.S("conversation") != conv {
		t.Fatalf("after resuming on B the citizen is told %v", f)
	}
	back.Send(map[string]any{"type": "handoff_message", "id": "c2", "text": "刚才断线了"})
	back.Expect("ack", nil)
	if f := op.Expect("citizen_message", nil); f["text"] != "刚才断线了" {
		t.Fatalf("citizen_message after the move = %v", f)
	}
	op.Send(map[string]any{"type": "agent_message", "id": "m3", "conversation": conv, "text": "没关系，我们继续"})
	if f := back.Expect("agent_message", nil); f["text"] != "没关系，我们继续" {
		t.Fatalf("agent_message after the move = %v", f)
	}

	// The transcript is whole.
	var full struct {
		Transcript []struct {
			From string `json:"from"`
			Text string `json:"text"`
		} `json:"transcript"`
	}
	if code := httpCall(t, "GET", b.base+"/api/agent/conversations/"+conv, login.Token, "", &full); code != 200 {
		t.Fatalf("conversation on B: %d", code)
	}
	var lines []string
	for _, e := range full.Transcript {
		if e.From != "system" && e.From != "bot" {
			lines = append(lines, e.From+":"+firstLine(e.Text))
		}
	}
	want := []string{"citizen:火星移民签证怎么办理", "operator:您好，我是1001号", "citizen:我想问政务公开", "operator:", "citizen:刚才断线了", "operator:没关系，我们继续"}
	if len(lines) != len(want) {
		t.Fatalf("transcript:\n%s\nwant %d lines like\n%s", strings.Join(lines, "\n"), len(want), strings.Join(want, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("transcript line %d = %q, want %q", i, lines[i], w)
		}
	}

	// B exports PostgreSQL's health for the monitoring pack.
	resp, err := http.Get(b.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(m), `govchat_dependency_up{dependency="postgres"} 1`) {
		t.Error(`/metrics on B lacks govchat_dependency_up{dependency="postgres"} 1`)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
