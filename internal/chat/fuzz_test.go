package chat

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// FuzzClientFrame sends arbitrary bytes as a text frame over a real socket:
// whatever arrives, the connection stays usable (a ping still gets its pong)
// and every server frame is valid JSON with a type.
func FuzzClientFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"ask","id":"1","text":"居住证怎么办"}`, `{"type":"hello","v":1,"session":"x"}`,
		`{"type":"feedback","answer_id":"a_1","helpful":true}`, `{"type":"handoff"}`, `{"type":"ping","id":7}`,
		`{"type":`, `[]`, `null`, "\xff\xfe", `{"type":"ask","id":"` + strings.Repeat("x", 100) + `","text":"q"}`,
		`{"type":"ask","id":"2","text":"` + strings.Repeat("长", 600) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	h, err := New(Config{IPRate: Rate{PerMinute: -1}, SessionRate: Rate{PerMinute: -1}, MaxConnsPerIP: -1}, &fakeAnswerer{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer h.Shutdown(context.Background())
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.WriteMessage(websocket.TextMessage, data); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteJSON(Frame{Type: TypePing, ID: "after-fuzz"}); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("socket unusable after %q: %v", data, err)
			}
			var fr map[string]any
			if err := json.Unmarshal(b, &fr); err != nil || fr["type"] == nil {
				t.Fatalf("invalid server frame %q", b)
			}
			if fr["type"] == TypePong && fr["id"] == "after-fuzz" {
				return
			}
		}
	})
}
