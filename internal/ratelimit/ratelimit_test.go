package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	r := Rate{Burst: 2, Every: time.Second}
	now := time.Unix(1000, 0)
	b := Full(r, now)
	if b.Take(r, now) != 0 || b.Take(r, now) != 0 {
		t.Fatal("a full bucket refused its burst")
	}
	if w := b.Take(r, now); w != time.Second {
		t.Fatalf("empty bucket: wait %v, want 1s", w)
	}
	if w := b.Wait(r, now.Add(500*time.Millisecond)); w != 500*time.Millisecond {
		t.Fatalf("half refilled: wait %v, want 500ms", w)
	}
	if w := b.Take(r, now.Add(time.Second)); w != 0 {
		t.Fatalf("refilled: wait %v", w)
	}
	if w := b.Take(r, now); w == 0 {
		t.Fatal("a clock that went back refilled the bucket")
	}
	if w := b.Take(r, now.Add(time.Hour)); w != 0 || b.tokens != 1 {
		t.Fatalf("after an hour: wait %v, %v tokens, want the burst less one", w, b.tokens)
	}
}

func TestDisabled(t *testing.T) {
	for _, r := range []Rate{{}, {Burst: 3}, PerMinute(-1, 5), PerMinute(0, 1)} {
		k := NewKeyed(r, 1)
		for range 100 {
			if k.Take("a", time.Now()) != 0 {
				t.Fatalf("%+v limited", r)
			}
		}
	}
	if r := PerMinute(30, 15); r.Every != 2*time.Second || r.Burst != 15 {
		t.Errorf("PerMinute(30, 15) = %+v", r)
	}
}

func TestWaitDoesNotTake(t *testing.T) {
	k := NewKeyed(Rate{Burst: 1, Every: time.Hour}, 10)
	now := time.Now()
	for range 3 {
		if k.Wait("a", now) != 0 {
			t.Fatal("Wait took the token")
		}
	}
	if k.Take("a", now) != 0 || k.Wait("a", now) == 0 {
		t.Fatal("Take did not take the token")
	}
}

func TestKeyedBounded(t *testing.T) {
	k := NewKeyed(Rate{Burst: 1, Every: time.Hour}, 100)
	now := time.Now()
	for i := range 1000 {
		k.Take(strings.Repeat("k", i%50)+string(rune(i)), now)
	}
	if n := k.Len(); n > 100 {
		t.Fatalf("limiter holds %d keys, want <= 100", n)
	}
	// Beyond the bound new keys share the overflow bucket (ten times the
	// rate): it runs dry too.
	limited := false
	for i := range 100 {
		if k.Take(string(rune(5000+i)), now) > 0 {
			limited = true
		}
	}
	if !limited {
		t.Error("the overflow bucket never limits")
	}
	// Buckets that have filled again are forgotten.
	if k.Take("new", now.Add(2*time.Hour)); k.Len() != 1 {
		t.Errorf("after two hours the limiter holds %d keys, want 1", k.Len())
	}
}

func TestKeyedGive(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := NewKeyed(Rate{Burst: 2, Every: time.Hour}, 10)
	k.Take("a", now)
	k.Take("a", now)
	if k.Take("a", now) == 0 {
		t.Fatal("a third event within the burst of two")
	}
	k.Give("a", now)
	if k.Take("a", now) != 0 {
		t.Error("a token given back cannot be taken")
	}
	k.Give("b", now) // a full bucket stays at its burst
	k.Take("b", now)
	k.Take("b", now)
	if k.Take("b", now) == 0 {
		t.Error("giving to a full bucket raised it over its burst")
	}
}
