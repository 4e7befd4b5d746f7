package metrics

import (
	"strings"
	"sync"
	"testing"
)

func TestExposition(t *testing.T) {
	r := NewRegistry()
	req := r.Counter("app_requests_total", "HTTP requests.", "route", "code")
	plain := r.Counter("app_events_total", "Events.")
	g := r.Gauge("app_open", "Open things.")
	r.GaugeFunc("app_fn", "From a func.", func() float64 { return 2.5 })
	h := r.Histogram("app_latency_seconds", "Latency.", []float64{0.1, 1})

	req.With("/api/ask", "200").Inc()
	req.With("/api/ask", "200").Inc()
	req.With(`we"ird\`, "500").Add(3)
	g.Inc()
	g.Inc()
	g.Dec()
	h.With().Observe(0.05)
	h.With().Observe(0.1) // upper bounds are inclusive
	h.With().Observe(5)

	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP app_requests_total HTTP requests.
# TYPE app_requests_total counter
app_requests_total{route="/api/ask",code="200"} 2
app_requests_total{route="we\"ird\\",code="500"} 3
# HELP app_events_total Events.
# TYPE app_events_total counter
app_events_total 0
# HELP app_open Open things.
# TYPE app_open gauge
app_open 1
# HELP app_fn From a func.
# TYPE app_fn gauge
app_fn 2.5
# HELP app_latency_seconds Latency.
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le="0.1"} 2
app_latency_seconds_bucket{le="1"} 2
app_latency_seconds_bucket{le="+Inf"} 3
app_latency_seconds_sum 5.15
app_latency_seconds_count 3
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	_ = plain
}

func TestConcurrentCounters(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("c_total", "c", "k")
	h := r.Histogram("h", "h", DefaultLatencyBuckets, "k")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				c.With("x").Inc()
				h.With("x").Observe(0.02)
			}
		}()
	}
	wg.Wait()
	if v := c.With("x").Value(); v != 8000 {
		t.Errorf("counter = %v", v)
	}
	if n := h.With("x").Count(); n != 8000 {
		t.Errorf("histogram count = %d", n)
	}
}

func TestDuplicatePanics(t *testing.T) {
	r := NewRegistry()
	r.Counter("x", "x")
	defer func() {
		if recover() == nil {
			t.Error("duplicate registration did not panic")
		}
	}()
	r.Gauge("x", "x")
}
