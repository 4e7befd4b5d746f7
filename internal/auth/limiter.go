package auth

import (
	"sync"
	"time"
)

// Limit is a token bucket: Burst attempts at once, refilled at one per Every.
type Limit struct {
	Burst int
	Every time.Duration
}

// limiter keeps one token bucket per key (an IP address or an account name).
// It holds at most maxKeys buckets; when full, buckets that have refilled
// completely are dropped, and if none has, the oldest are.
type limiter struct {
	mu      sync.Mutex
	limit   Limit
	buckets map[string]*bucket
	maxKeys int
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(l Limit, maxKeys int) *limiter {
	return &limiter{limit: l, buckets: map[string]*bucket{}, maxKeys: maxKeys}
}

// refill brings b up to date at now and returns it.
func (l *limiter) get(key string, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.prune(now)
		}
		b = &bucket{tokens: float64(l.limit.Burst), at: now}
		l.buckets[key] = b
		return b
	}
	if el := now.Sub(b.at); el > 0 && l.limit.Every > 0 {
		b.tokens += float64(el) / float64(l.limit.Every)
		if b.tokens > float64(l.limit.Burst) {
			b.tokens = float64(l.limit.Burst)
		}
		b.at = now
	}
	return b
}

func (l *limiter) prune(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, b := range l.buckets {
		full := b.tokens+float64(now.Sub(b.at))/float64(l.limit.Every) >= float64(l.limit.Burst)
		if full {
			delete(l.buckets, k)
			continue
		}
		if oldestKey == "" || b.at.Before(oldest) {
			oldestKey, oldest = k, b.at
		}
	}
	if len(l.buckets) >= l.maxKeys && oldestKey != "" {
		delete(l.buckets, oldestKey)
	}
}

// allow reports whether key has a token left (without taking it) and, if
// not, how long until it has.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if b.tokens >= 1 {
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(l.limit.Every))
}

// take consumes one token of key and reports whether there was one.
func (l *limiter) take(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(l.limit.Every))
}
