// Package ratelimit is govchat's one rate limiter: token buckets, one per key,
// and the key a client address counts against. The chat hub (questions,
// sessions, frames), sign-in (per address and per account), the handoff desk
// (转人工 requests, 留言, citizen messages) and the WeChat login all use it.
//
// An IPv4 address is its own key. An IPv6 address is keyed by its /64
// prefix: one subscriber line or cloud host is routinely given a whole /64,
// so keying single IPv6 addresses would let one client rotate through 2^64
// addresses and never meet a limit.
package ratelimit

import (
	"sync"
	"time"
)

// Rate is a token bucket's setting: Burst events at once, refilled at one
// every Every. A Rate with Every <= 0 is disabled (every event is allowed).
type Rate struct {
	Burst int
	Every time.Duration
}

// PerMinute is the rate of n events a minute with the given burst; n <= 0
// is the disabled rate.
func PerMinute(n float64, burst int) Rate {
	if n <= 0 {
		return Rate{Burst: burst}
	}
	return Rate{Burst: burst, Every: time.Duration(float64(time.Minute) / n)}
}

// Enabled reports whether the rate limits anything.
func (r Rate) Enabled() bool { return r.Every > 0 }

func (r Rate) burst() float64 { return float64(max(r.Burst, 1)) }

// fillTime is how long an empty bucket takes to fill.
func (r Rate) fillTime() time.Duration { return time.Duration(r.burst() * float64(r.Every)) }

// Bucket is one token bucket. It is not safe for concurrent use; Keyed
// guards its buckets.
type Bucket struct {
	tokens float64
	at     time.Time
}

// Full returns a bucket holding r's burst at now.
func Full(r Rate, now time.Time) Bucket { return Bucket{tokens: r.burst(), at: now} }

// refill brings the bucket up to date at now (a clock that went back adds
// nothing).
func (b *Bucket) refill(r Rate, now time.Time) {
	if el := now.Sub(b.at); el > 0 && r.Every > 0 {
		b.tokens = min(r.burst(), b.tokens+float64(el)/float64(r.Every))
		b.at = now
	}
}

// Take removes one token when there is one and returns 0; else it returns
// how long until there is one. A disabled rate always returns 0.
func (b *Bucket) Take(r Rate, now time.Time) time.Duration {
	if wait := b.Wait(r, now); wait > 0 {
		return wait
	}
	if r.Enabled() {
		b.tokens--
	}
	return 0
}

// Wait is Take without taking: 0 when a token is there, else how long until
// there is one.
func (b *Bucket) Wait(r Rate, now time.Time) time.Duration {
	if !r.Enabled() {
		return 0
	}
	b.refill(r, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(r.Every))
}

// Keyed holds one bucket per key (a client address from Key, an account
// name, a conversation). It is safe for concurrent use, and its memory is
// bounded: buckets that have filled again are forgotten (swept at most once
// a minute), and beyond MaxKeys buckets new keys share one overflow bucket at
// ten times the rate rather than grow the map.
type Keyed struct {
	rate    Rate
	maxKeys int

	mu       sync.Mutex
	buckets  map[string]*Bucket
	overflow *Bucket
	swept    time.Time
}

// NewKeyed returns a limiter of r per key holding at most maxKeys buckets.
func NewKeyed(r Rate, maxKeys int) *Keyed {
	return &Keyed{rate: r, maxKeys: maxKeys, buckets: map[string]*Bucket{}}
}

// Rate is the limiter's rate.
func (k *Keyed) Rate() Rate { return k.rate }

// Take takes a token of key's bucket; it returns 0, or the time to wait.
func (k *Keyed) Take(key string, now time.Time) time.Duration {
	if !k.rate.Enabled() {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	b, r := k.bucket(key, now)
	return b.Take(r, now)
}

// Wait reports, without taking a token, 0 when key has one, else the time
// until it has.
func (k *Keyed) Wait(key string, now time.Time) time.Duration {
	if !k.rate.Enabled() {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	b, r := k.bucket(key, now)
	return b.Wait(r, now)
}

// Give puts back a token taken from key's bucket (up to the burst): the
// event it stood for turned out not to count (a sign-in that succeeded).
func (k *Keyed) Give(key string, now time.Time) {
	if !k.rate.Enabled() {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	b, r := k.bucket(key, now)
	b.refill(r, now)
	b.tokens = min(r.burst(), b.tokens+1)
}

// Len is the number of buckets held.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// bucket returns key's bucket and its rate (k.mu held): the overflow
// bucket, at ten times the rate, when the map is full.
func (k *Keyed) bucket(key string, now time.Time) (*Bucket, Rate) {
	if now.Sub(k.swept) > time.Minute {
		k.sweep(now)
	}
	if b := k.buckets[key]; b != nil {
		return b, k.rate
	}
	if len(k.buckets) >= k.maxKeys {
		k.sweep(now)
	}
	if len(k.buckets) >= k.maxKeys {
		r := Rate{Burst: k.rate.Burst * 10, Every: k.rate.Every / 10}
		if k.overflow == nil {
			b := Full(r, now)
			k.overflow = &b
		}
		return k.overflow, r
	}
	b := Full(k.rate, now)
	k.buckets[key] = &b
	return &b, k.rate
}

// sweep forgets the buckets that have filled again (k.mu held).
func (k *Keyed) sweep(now time.Time) {
	k.swept = now
	full := k.rate.fillTime()
	for key, b := range k.buckets {
		if now.Sub(b.at) > full {
			delete(k.buckets, key)
		}
	}
}
