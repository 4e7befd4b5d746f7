package chat

import (
	"math"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/ratelimit"
)

// Rate is a token-bucket limit: Burst events at once, refilled at PerMinute.
// The zero Rate takes the default of its setting; a negative PerMinute
// disables the limit.
type Rate struct {
	PerMinute float64
	Burst     int
}

func (r Rate) enabled() bool { return r.PerMinute > 0 }

// limit is the rate as a token bucket's setting.
func (r Rate) limit() ratelimit.Rate { return ratelimit.PerMinute(r.PerMinute, r.Burst) }

// connCounter counts open connections per client address (IPv6 by /64)
// with an upper bound per address.
type connCounter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func (c *connCounter) acquire(key string) bool {
	if c.max <= 0 {
		return true
	}
	key = ratelimit.Key(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.max {
		return false
	}
	c.n[key]++
	return true
}

func (c *connCounter) release(key string) {
	if c.max <= 0 {
		return
	}
	key = ratelimit.Key(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key]--; c.n[key] <= 0 {
		delete(c.n, key)
	}
}

// retrySeconds rounds a wait up to whole seconds for retry_after.
func retrySeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	return max(s, 1)
}
