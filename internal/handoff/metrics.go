package handoff

import (
	"context"
	"time"

	"github.com/govchat/govchat/internal/metrics"
)

// deskMetrics are the desk's Prometheus metrics (RegisterMetrics); a nil
// *deskMetrics records nothing.
type deskMetrics struct {
	requests *metrics.CounterVec
	wait     *metrics.HistogramVec
	messages *metrics.CounterVec
}

// WaitBuckets are the upper bounds of govchat_handoff_wait_seconds: from a
// few seconds to an hour.
var WaitBuckets = []float64{5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// RegisterMetrics exports the desk's metrics on reg (New does, given
// Config.Metrics). Call it once, before serving. The gauges read the
// shared state — every instance reports the same values (take max() across
// instances, not sum()); the counters and the histogram count what this
// instance did (sum them):
//
//	govchat_handoff_conversations{status}   open conversations: queued (waiting) or connected
//	govchat_handoff_oldest_wait_seconds     how long the longest-waiting queued conversation has waited (0: none)
//	govchat_handoff_wait_seconds            histogram of the wait from queued to taken by an operator
//	govchat_handoff_requests_total{reason,outcome}  转人工 requests: reason requested|refused_twice,
//	                                        outcome queued|no_operator|queue_full
//	govchat_handoff_operators_online        operators subscribed to the queue
//	govchat_leave_messages_total            留言 stored
//	govchat_leave_messages_open             留言 not yet marked handled
func (d *Desk) RegisterMetrics(reg *metrics.Registry) {
	m := &deskMetrics{
		requests: reg.Counter("govchat_handoff_requests_total", "转人工 requests, by reason (requested, refused_twice) and outcome (queued, no_operator, queue_full).", "reason", "outcome"),
		wait:     reg.Histogram("govchat_handoff_wait_seconds", "Time a 转人工 conversation waited in the queue before an operator took it.", WaitBuckets),
		messages: reg.Counter("govchat_leave_messages_total", "留言 stored."),
	}
	counts := func() (queued, connected int, oldest time.Time) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		queued, connected, oldest, err := d.store.counts(ctx)
		if err != nil {
			d.log.Debug("handoff: metrics", "error", err)
		}
		return queued, connected, oldest
	}
	reg.GaugeFuncVec("govchat_handoff_conversations", "Open 转人工 conversations, by status (queued: waiting for an operator; connected: with one), on every instance.",
		[]string{"status"}, func() []metrics.Sample {
			q, c, _ := counts()
			return []metrics.Sample{{Labels: []string{StatusQueued}, Value: float64(q)}, {Labels: []string{StatusActive}, Value: float64(c)}}
		})
	reg.GaugeFunc("govchat_handoff_oldest_wait_seconds", "Seconds the longest-waiting queued 转人工 conversation has waited (0 when none waits).", func() float64 {
		_, _, oldest := counts()
		if oldest.IsZero() {
			return 0
		}
		return max(0, d.cfg.Now().Sub(oldest).Seconds())
	})
	reg.GaugeFunc("govchat_handoff_operators_online", "Operators online (subscribed to the 转人工 queue), on every instance.", func() float64 { return float64(d.Online()) })
	reg.GaugeFunc("govchat_leave_messages_open", "留言 not yet marked handled.", func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, _ := d.store.countOpenMessages(ctx)
		return float64(n)
	})
	d.mu.Lock()
	d.m = m
	d.mu.Unlock()
}

func (d *Desk) metrics() *deskMetrics {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m
}

func (m *deskMetrics) request(reason, outcome string) {
	if m != nil {
		m.requests.With(reason, outcome).Inc()
	}
}

func (m *deskMetrics) taken(waited time.Duration) {
	if m != nil {
		m.wait.With().Observe(waited.Seconds())
	}
}

func (m *deskMetrics) message() {
	if m != nil {
		m.messages.With().Inc()
	}
}
