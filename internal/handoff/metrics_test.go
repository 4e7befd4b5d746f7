package handoff

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/chat/chattest"
	"github.com/govchat/govchat/internal/metrics"
)

// clock is a settable clock for the desk.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func scrape(t *testing.T, reg *metrics.Registry) string {
	t.Helper()
	var b strings.Builder
	reg.WriteTo(&b)
	return b.String()
}

func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, "\n"+l+"\n") {
			t.Errorf("metrics lack %q:\n%s", l, text)
		}
	}
}

func TestDeskMetrics(t *testing.T) {
	clk := &clock{t: time.Date(2025, 6, 1, 9, 0, 0, 0, time.Local)}
	e := setupWith(t, func(c *Config) { c.Now = clk.now })
	reg := metrics.NewRegistry()
	e.desk.RegisterMetrics(reg)
	wantLines(t, scrape(t, reg),
		`govchat_handoff_conversations{status="connected"} 0`,
		`govchat_handoff_conversations{status="queued"} 0`,
		`govchat_handoff_oldest_wait_seconds 0`,
		`govchat_handoff_operators_online 0`,
		`govchat_leave_messages_total 0`,
		`govchat_leave_messages_open 0`,
		`govchat_handoff_wait_seconds_count 0`)

	// Nobody online: the hotline, and a 留言.
	citizen := dial(t, e, "citizen", "")
	citizen.Send(map[string]any{"type": "handoff", "id": "h0"})
	citizen.Expect("handoff", nil)
	citizen.Send(map[string]any{"type": "leave_message", "id": "l1", "text": "请回电"})
	citizen.Expect("ack", nil)

	wang := dial(t, e, "wang", "tok-wang")
	wang.Send(map[string]any{"type": "queue_subscribe", "id": "s1"})
	wang.Expect("queue", nil)
	citizen.Send(map[string]any{"type": "handoff", "id": "h1"})
	conv := citizen.Expect("handoff", func(f chattest.Frame) bool { return f["status"] == StatusQueued })["conversation"].(string)
	clk.add(90 * time.Second)
	wantLines(t, scrape(t, reg),
		`govchat_handoff_conversations{status="queued"} 1`,
		`govchat_handoff_oldest_wait_seconds 90`,
		`govchat_handoff_operators_online 1`,
		`govchat_handoff_requests_total{reason="requested",outcome="no_operator"} 1`,
		`govchat_handoff_requests_total{reason="requested",outcome="queued"} 1`,
		`govchat_leave_messages_total 1`,
		`govchat_leave_messages_open 1`)

	wang.Send(map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
	wang.Expect("conversation", nil)
	wantLines(t, scrape(t, reg),
		`govchat_handoff_conversations{status="connected"} 1`,
		`govchat_handoff_conversations{status="queued"} 0`,
		`govchat_handoff_oldest_wait_seconds 0`,
		`govchat_handoff_wait_seconds_bucket{le="60"} 0`,
		`govchat_handoff_wait_seconds_bucket{le="120"} 1`,
		`govchat_handoff_wait_seconds_sum 90`)
}
