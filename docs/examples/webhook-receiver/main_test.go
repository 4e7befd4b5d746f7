package main

// The sample receivers in docs/webhooks.md, tested against what govchat
// really sends: events made by internal/events, signed and posted by
// internal/webhook. The documentation shows these files verbatim.

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/webhook"
)

const secret = "sample-secret-0123456789"

func sampleEvent(t *testing.T) events.Event {
	t.Helper()
	e, err := events.Maker{Redact: safety.Redact}.New(time.Now(), events.LeaveMessage{MessageID: "m_1", Created: time.Now(), Text: "社保卡丢了", Contact: "13800001111"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func status(err error) int {
	var se *webhook.StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return -1
	}
	return 204
}

func TestGoReceiver(t *testing.T) {
	var tickets []string
	fail := false
	rc := &Receiver{Secret: []byte(secret), Now: time.Now, seen: map[string]bool{}, Handle: func(typ string, body []byte) error {
		if fail {
			return errors.New("ticket system down")
		}
		tickets = append(tickets, typ)
		return nil
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ctx := context.Background()
	govchat, _ := webhook.New(webhook.Config{Secret: secret})
	e := sampleEvent(t)

	fail = true
	if err := govchat.Send(ctx, srv.URL, e.ID, e.Type, e.Body); status(err) != 503 {
		t.Errorf("the ticket system down: %v", err)
	}
	fail = false
	if err := govchat.Send(ctx, srv.URL, e.ID, e.Type, e.Body); err != nil {
		t.Fatalf("a good event: %v", err)
	}
	if err := govchat.Send(ctx, srv.URL, e.ID, e.Type, e.Body); err != nil {
		t.Errorf("a repeated event is acknowledged: %v", err)
	}
	if len(tickets) != 1 || tickets[0] != events.TypeLeaveMessage {
		t.Errorf("tickets = %v, want one", tickets)
	}
	other, _ := webhook.New(webhook.Config{Secret: "another-secret-0123456789"})
	e2 := sampleEvent(t)
	if err := other.Send(ctx, srv.URL, e2.ID, e2.Type, e2.Body); status(err) != 401 {
		t.Errorf("another secret: %v", err)
	}
	late, _ := webhook.New(webhook.Config{Secret: secret, Now: func() time.Time { return time.Now().Add(-10 * time.Minute) }})
	if err := late.Send(ctx, srv.URL, e2.ID, e2.Type, e2.Body); status(err) != 401 {
		t.Errorf("a ten-minute-old request: %v", err)
	}
	if len(tickets) != 1 {
		t.Errorf("tickets = %v", tickets)
	}
}

// A body changed in transit does not verify.
func TestGoReceiverRefusesChangedBody(t *testing.T) {
	rc := &Receiver{Secret: []byte(secret), Now: time.Now, seen: map[string]bool{}, Handle: func(string, []byte) error { return nil }}
	e := sampleEvent(t)
	ts := time.Now().Unix()
	req := httptest.NewRequest("POST", "/", strings.NewReader(strings.Replace(string(e.Body), "13800001111", "13900000000", 1)))
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign([]byte(secret), ts, e.Body))
	w := httptest.NewRecorder()
	rc.ServeHTTP(w, req)
	if w.Code != 401 {
		t.Errorf("changed body: %d", w.Code)
	}
}

func TestPythonReceiver(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is missing (.ci/run installs it)")
		}
		t.Skip("python3 not found: the Python sample receiver is not tested")
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "receiver.py", port)
	cmd.Env = append(os.Environ(), "GOVCHAT_WEBHOOK_SECRET="+secret)
	out, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr // the request log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Log(stderr.String())
		}
	}()
	lines := make(chan string, 10)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	url := "http://127.0.0.1:" + port + "/hooks/govchat"
	govchat, _ := webhook.New(webhook.Config{Secret: secret})
	e := sampleEvent(t)
	var sendErr error
	for range 100 { // until Python listens
		if sendErr = govchat.Send(ctx, url, e.ID, e.Type, e.Body); sendErr == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sendErr != nil {
		t.Fatalf("python receiver: %v", sendErr)
	}
	if err := govchat.Send(ctx, url, e.ID, e.Type, e.Body); err != nil {
		t.Errorf("repeat: %v", err)
	}
	other, _ := webhook.New(webhook.Config{Secret: "another-secret-0123456789"})
	if err := other.Send(ctx, url, e.ID, e.Type, e.Body); status(err) != 401 {
		t.Errorf("another secret: %v", err)
	}
	late, _ := webhook.New(webhook.Config{Secret: secret, Now: func() time.Time { return time.Now().Add(-10 * time.Minute) }})
	if err := late.Send(ctx, url, e.ID, e.Type, e.Body); status(err) != 401 {
		t.Errorf("old timestamp: %v", err)
	}
	e2 := sampleEvent(t)
	govchat.Send(ctx, url, e2.ID, e2.Type, e2.Body)
	cancel()
	var got []string
	for l := range lines {
		got = append(got, l)
	}
	want := []string{e.Type + " " + e.ID, e2.Type + " " + e2.ID}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tickets created = %q, want %q", got, want)
	}
}

// docs/webhooks.md shows both samples as they are here.
func TestDocsShowTheseSamples(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	doc, err := os.ReadFile(filepath.Join(dir, "..", "..", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"main.go", "receiver.py"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), string(b)) {
			t.Errorf("docs/webhooks.md does not show %s as it is", name)
		}
	}
}
