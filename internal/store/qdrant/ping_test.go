package qdrant_test

import (
	"context"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/store/qdrant"
	"github.com/govchat/govchat/internal/store/qdrant/qdranttest"
)

func TestPing(t *testing.T) {
	ctx := context.Background()
	srv := qdranttest.Start(t)
	st := open(t, qdrant.Config{URL: srv.Addr(), Collection: "kb", Timeout: time.Second})
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping with Qdrant up: %v", err)
	}
	srv.Stop()
	start := time.Now()
	if err := st.Ping(ctx); err == nil {
		t.Fatal("Ping with Qdrant stopped succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Ping took %s with Qdrant stopped", took)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for st.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Ping still failing 10 s after Qdrant restarted")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
