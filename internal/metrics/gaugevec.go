package metrics

import (
	"bufio"
	"fmt"
	"sort"
)

// Sample is one labelled value of a GaugeFuncVec.
type Sample struct {
	Labels []string // label values, in the order the family's labels were registered
	Value  float64
}

// gaugeFuncVec is a gauge family read from a function at scrape time.
type gaugeFuncVec struct {
	name, help string
	labels     []string
	fn         func() []Sample
}

// GaugeFuncVec registers a gauge family with labels whose samples are read
// from fn at every scrape (the state of each dependency, conversations by
// status …). fn must be safe for concurrent use and return quickly; samples
// are written sorted by label values.
func (r *Registry) GaugeFuncVec(name, help string, labels []string, fn func() []Sample) {
	r.add(name, &gaugeFuncVec{name: name, help: help, labels: append([]string(nil), labels...), fn: fn})
}

func (g *gaugeFuncVec) write(w *bufio.Writer) {
	header(w, g.name, g.help, "gauge")
	samples := g.fn()
	sort.SliceStable(samples, func(i, j int) bool {
		a, b := samples[i].Labels, samples[j].Labels
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	for _, s := range samples {
		if len(s.Labels) != len(g.labels) {
			panic(fmt.Sprintf("metrics: %s: %d label values for %d labels", g.name, len(s.Labels), len(g.labels)))
		}
		fmt.Fprintf(w, "%s%s %s\n", g.name, labelString(g.labels, s.Labels), formatFloat(s.Value))
	}
}
