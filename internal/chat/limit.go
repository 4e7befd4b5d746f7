package chat

import (
	"math"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/ratekey"
)

// Rate is a token-bucket limit: Burst events at once, refilled at PerMinute.
// The zero Rate takes the default of its setting; a negative PerMinute
// disables the limit.
type Rate struct {
	PerMinute float64
	Burst     int
}

func (r Rate) enabled() bool { return r.PerMinute > 0 }

// bucket is one token bucket. The zero value is unusable; use newBucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// take removes one token if available. It returns 0 on success, else the
// time until a token is available.
func (b *bucket) take(r Rate, now time.Time) time.Duration {
	burst := float64(max(r.Burst, 1))
	perSec := r.PerMinute / 60
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / perSec * float64(time.Second))
}

func newBucket(r Rate, now time.Time) *bucket {
	return &bucket{tokens: float64(max(r.Burst, 1)), last: now}
}

// keyedLimiter holds one bucket per client address (an IPv6 address counts
// by its /64, see ratekey). Buckets that have
// refilled completely are forgotten, so the map stays bounded by the number
// of recently active keys; beyond maxKeys, new keys share one overflow
// bucket rather than grow the map.
type keyedLimiter struct {
	rate    Rate
	maxKeys int

	mu       sync.Mutex
	buckets  map[string]*bucket
	overflow *bucket
	swept    time.Time
}

func newKeyedLimiter(r Rate, maxKeys int) *keyedLimiter {
	return &keyedLimiter{rate: r, maxKeys: maxKeys, buckets: map[string]*bucket{}}
}

// allow takes a token for key; it returns 0 or the time to wait.
func (l *keyedLimiter) allow(key string, now time.Time) time.Duration {
	if !l.rate.enabled() {
		return 0
	}
	key = ratekey.Of(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			if l.overflow == nil {
				l.overflow = newBucket(Rate{PerMinute: l.rate.PerMinute * 10, Burst: l.rate.Burst * 10}, now)
			}
			return l.overflow.take(Rate{PerMinute: l.rate.PerMinute * 10, Burst: l.rate.Burst * 10}, now)
		}
		b = newBucket(l.rate, now)
		l.buckets[key] = b
	}
	return b.take(l.rate, now)
}

// sweep forgets buckets that are full again.
func (l *keyedLimiter) sweep(now time.Time) {
	l.swept = now
	full := time.Duration(float64(max(l.rate.Burst, 1)) / (l.rate.PerMinute / 60) * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) > full {
			delete(l.buckets, k)
		}
	}
}

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
	key = ratekey.Of(key)
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
	key = ratekey.Of(key)
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
