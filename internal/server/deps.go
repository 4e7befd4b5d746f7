package server

import (
	"context"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/metrics"
)

// probeTimeout bounds each dependency probe of a /metrics scrape.
const probeTimeout = 2 * time.Second

// AddDependency adds a probe of an external dependency (Qdrant, PostgreSQL …)
// that is exported as govchat_dependency_up{dependency=name} without gating
// readiness: an unreachable vector store makes answers fail with a clear
// message, which is better than taking every instance out of the load
// balancer. Readiness checks (AddCheck) are exported the same way.
func (s *Server) AddDependency(name string, fn func(context.Context) error) {
	s.checksMu.Lock()
	defer s.checksMu.Unlock()
	s.deps = append(s.deps, check{name, fn})
}

// dependencyMetrics registers govchat_dependency_up: each readiness check
// and dependency probe is run at scrape time (concurrently, 2 s each).
func (s *Server) dependencyMetrics(reg *metrics.Registry) {
	reg.GaugeFuncVec("govchat_dependency_up", "1 when a dependency answers its probe (history database, Qdrant, PostgreSQL …), 0 when not.",
		[]string{"dependency"}, func() []metrics.Sample {
			s.checksMu.Lock()
			list := append(append([]check(nil), s.checks...), s.deps...)
			s.checksMu.Unlock()
			out := make([]metrics.Sample, len(list))
			var wg sync.WaitGroup
			for i, c := range list {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
					defer cancel()
					v := 1.0
					if err := c.fn(ctx); err != nil {
						v = 0
						s.log.Debug("dependency probe failed", "dependency", c.name, "error", err)
					}
					out[i] = metrics.Sample{Labels: []string{c.name}, Value: v}
				}()
			}
			wg.Wait()
			return out
		})
}
