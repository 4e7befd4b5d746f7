// Package chattest is the one websocket client of govchat's tests: it dials
// the chat socket (docs/protocol.md), sends frames and reads them back as
// maps, failing the test on any error. The hub's own tests, the handoff
// desk's, the server's and the end-to-end tests of cmd/govchat use it.
package chattest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// DefaultTimeout bounds a Read, and an Expect as a whole.
const DefaultTimeout = 5 * time.Second

// Frame is a decoded server frame.
type Frame map[string]any

// S returns the string field k ("" when absent or not a string).
func (f Frame) S(k string) string { v, _ := f[k].(string); return v }

// Conn is one test client's socket.
type Conn struct {
	*websocket.Conn
	t testing.TB
	// Name prefixes failures ("citizen: waiting for answer: …").
	Name string
	// Timeout bounds each Read and each Expect (DefaultTimeout when 0).
	Timeout time.Duration
}

// URL turns a server's base URL (http://127.0.0.1:port) into its chat
// socket's (ws://127.0.0.1:port/ws).
func URL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/ws" }

// Dial opens a socket to url (ws://…) with the request header (may be nil),
// failing the test when the server refuses; the socket is closed when the
// test ends.
func Dial(t testing.TB, url string, header http.Header) *Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { c.Close() })
	return &Conn{Conn: c, t: t}
}

// For returns the connection reporting failures to t (a subtest's).
func (c *Conn) For(t testing.TB) *Conn {
	d := *c
	d.t = t
	return &d
}

func (c *Conn) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Conn) fatalf(format string, args ...any) {
	c.t.Helper()
	if c.Name != "" {
		format = c.Name + ": " + format
	}
	c.t.Fatalf(format, args...)
}

// Send writes v as a JSON text frame.
func (c *Conn) Send(v any) {
	c.t.Helper()
	if err := c.WriteJSON(v); err != nil {
		c.fatalf("write: %v", err)
	}
}

// SendRaw writes one message of type mt (websocket.TextMessage …).
func (c *Conn) SendRaw(mt int, b []byte) {
	c.t.Helper()
	if err := c.WriteMessage(mt, b); err != nil {
		c.fatalf("write: %v", err)
	}
}

// Read reads one frame within Timeout.
func (c *Conn) Read() Frame {
	c.t.Helper()
	c.SetReadDeadline(time.Now().Add(c.timeout()))
	_, b, err := c.ReadMessage()
	if err != nil {
		c.fatalf("read: %v", err)
	}
	var f Frame
	if err := json.Unmarshal(b, &f); err != nil {
		c.fatalf("server sent invalid JSON %q: %v", b, err)
	}
	return f
}

// ReadType reads frames until one of type typ, returning it and the frames
// skipped.
func (c *Conn) ReadType(typ string) (Frame, []Frame) {
	c.t.Helper()
	var skipped []Frame
	for {
		f := c.Read()
		if f.S("type") == typ {
			return f, skipped
		}
		skipped = append(skipped, f)
	}
}

// Expect reads frames until one of type typ ("" for any) for which match
// (when set) returns true, skipping others; it fails after Timeout. Error
// frames skipped on the way are logged.
func (c *Conn) Expect(typ string, match func(Frame) bool) Frame {
	c.t.Helper()
	c.SetReadDeadline(time.Now().Add(c.timeout()))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			c.fatalf("waiting for %s: %v", typ, err)
		}
		var f Frame
		json.Unmarshal(data, &f)
		if (typ == "" || f["type"] == typ) && (match == nil || match(f)) {
			return f
		}
		if f["type"] == "error" && typ != "error" {
			c.t.Logf("%s: error frame while waiting for %s: %s", c.Name, typ, data)
		}
	}
}

// Hello sends a hello frame (protocol version 1, with token when not empty)
// and returns the session frame.
func (c *Conn) Hello(token string) Frame {
	c.t.Helper()
	h := map[string]any{"type": "hello", "v": 1}
	if token != "" {
		h["token"] = token
	}
	c.Send(h)
	return c.Expect("session", nil)
}
