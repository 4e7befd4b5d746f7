// Package metrics is a small Prometheus-compatible metrics registry: counters,
// gauges and histograms with labels, written in the Prometheus text exposition
// format (version 0.0.4). It has no dependencies beyond the standard library.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ContentType is the media type of the exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Registry holds metric families in registration order.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

type family interface {
	write(w *bufio.Writer)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

func (r *Registry) add(name string, f family) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic("metrics: duplicate metric " + name)
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

// WriteTo writes every metric in the text exposition format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	fams := append([]family(nil), r.families...)
	r.mu.Unlock()
	cw := &countWriter{w: w}
	bw := bufio.NewWriter(cw)
	for _, f := range fams {
		f.write(bw)
	}
	err := bw.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// atomicFloat is a float64 updated atomically.
type atomicFloat struct{ bits atomic.Uint64 }

func (f *atomicFloat) Add(v float64) {
	for {
		old := f.bits.Load()
		if f.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}
func (f *atomicFloat) Set(v float64) { f.bits.Store(math.Float64bits(v)) }
func (f *atomicFloat) Load() float64 { return math.Float64frombits(f.bits.Load()) }
func formatFloat(v float64) string   { return strconv.FormatFloat(v, 'g', -1, 64) }
func header(w *bufio.Writer, name, help, typ string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

// vec is a set of children keyed by label values.
type vec[T any] struct {
	labels []string
	mu     sync.RWMutex
	kids   map[string]*T
	keys   map[string][]string
	make   func() *T
}

func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %d label values for %d labels", len(values), len(v.labels)))
	}
	key := strings.Join(values, "\xff")
	v.mu.RLock()
	k := v.kids[key]
	v.mu.RUnlock()
	if k != nil {
		return k
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if k = v.kids[key]; k == nil {
		k = v.make()
		v.kids[key] = k
		v.keys[key] = append([]string(nil), values...)
	}
	return k
}

// each visits the children in sorted label order.
func (v *vec[T]) each(fn func(labels string, k *T)) {
	v.mu.RLock()
	keys := make([]string, 0, len(v.kids))
	for k := range v.kids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type kv struct {
		labels string
		k      *T
	}
	list := make([]kv, len(keys))
	for i, key := range keys {
		list[i] = kv{labelString(v.labels, v.keys[key]), v.kids[key]}
	}
	v.mu.RUnlock()
	for _, e := range list {
		fn(e.labels, e.k)
	}
}

func labelString(names, values []string) string {
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// Counter is a monotonically increasing value.
type Counter struct{ v atomicFloat }

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Add adds v (which must not be negative).
func (c *Counter) Add(v float64) {
	if v > 0 {
		c.v.Add(v)
	}
}

// Value is the current count.
func (c *Counter) Value() float64 { return c.v.Load() }

// CounterVec is a counter family with labels.
type CounterVec struct {
	name, help string
	vec[Counter]
}

// Counter registers a counter family.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{name: name, help: help, vec: vec[Counter]{labels: labels, kids: map[string]*Counter{}, keys: map[string][]string{}, make: func() *Counter { return &Counter{} }}}
	r.add(name, c)
	if len(labels) == 0 {
		c.With() // an unlabelled counter is exported from the start, as 0
	}
	return c
}

// With returns the counter for the label values (in registration order).
func (c *CounterVec) With(values ...string) *Counter { return c.with(values) }

func (c *CounterVec) write(w *bufio.Writer) {
	header(w, c.name, c.help, "counter")
	c.each(func(l string, k *Counter) { fmt.Fprintf(w, "%s%s %s\n", c.name, l, formatFloat(k.Value())) })
}

// Gauge is a value that goes up and down.
type Gauge struct {
	name, help string
	v          atomicFloat
	fn         func() float64
}

// Gauge registers a gauge.
func (r *Registry) Gauge(name, help string) *Gauge {
	g := &Gauge{name: name, help: help}
	r.add(name, g)
	return g
}

// GaugeFunc registers a gauge whose value is read from fn at scrape time.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	r.add(name, &Gauge{name: name, help: help, fn: fn})
}

// Inc adds one.
func (g *Gauge) Inc() { g.v.Add(1) }

// Dec subtracts one.
func (g *Gauge) Dec() { g.v.Add(-1) }

// Set sets the value.
func (g *Gauge) Set(v float64) { g.v.Set(v) }

// Value is the current value.
func (g *Gauge) Value() float64 {
	if g.fn != nil {
		return g.fn()
	}
	return g.v.Load()
}

func (g *Gauge) write(w *bufio.Writer) {
	header(w, g.name, g.help, "gauge")
	fmt.Fprintf(w, "%s %s\n", g.name, formatFloat(g.Value()))
}

// Histogram counts observations in cumulative buckets.
type Histogram struct {
	upper  []float64
	counts []atomic.Uint64 // per bucket (not cumulative); last is +Inf
	sum    atomicFloat
	count  atomic.Uint64
}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.upper, v) // first bucket with upper >= v
	h.counts[i].Add(1)
	h.sum.Add(v)
	h.count.Add(1)
}

// Count is the number of observations.
func (h *Histogram) Count() uint64 { return h.count.Load() }

// HistogramVec is a histogram family with labels.
type HistogramVec struct {
	name, help string
	vec[Histogram]
}

// DefaultLatencyBuckets suit answer latencies in seconds.
var DefaultLatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Histogram registers a histogram family; buckets are upper bounds in
// increasing order.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	if !sort.Float64sAreSorted(buckets) {
		panic("metrics: buckets of " + name + " are not sorted")
	}
	upper := append([]float64(nil), buckets...)
	h := &HistogramVec{name: name, help: help, vec: vec[Histogram]{labels: labels, kids: map[string]*Histogram{}, keys: map[string][]string{},
		make: func() *Histogram { return &Histogram{upper: upper, counts: make([]atomic.Uint64, len(upper)+1)} }}}
	r.add(name, h)
	if len(labels) == 0 {
		h.With()
	}
	return h
}

// With returns the histogram for the label values.
func (h *HistogramVec) With(values ...string) *Histogram { return h.with(values) }

func (h *HistogramVec) write(w *bufio.Writer) {
	header(w, h.name, h.help, "histogram")
	h.each(func(l string, k *Histogram) {
		inner := strings.TrimSuffix(strings.TrimPrefix(l, "{"), "}")
		if inner != "" {
			inner += ","
		}
		var cum uint64
		for i, ub := range k.upper {
			cum += k.counts[i].Load()
			fmt.Fprintf(w, "%s_bucket{%sle=\"%s\"} %d\n", h.name, inner, formatFloat(ub), cum)
		}
		cum += k.counts[len(k.upper)].Load()
		fmt.Fprintf(w, "%s_bucket{%sle=\"+Inf\"} %d\n", h.name, inner, cum)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, l, formatFloat(k.sum.Load()))
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, l, cum)
	})
}
