package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/wechat"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestStoreIssueVerifyExpire(t *testing.T) {
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "sub", "wechat.db")
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: path, TTL: time.Hour, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, err := st.Issue(ctx, wechat.Session{OpenID: "o_abc", UnionID: "u_1", SessionKey: "KEY-never-stored"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Value, wechat.TokenPrefix) || !tok.ExpiresAt.Equal(clk.now().Add(time.Hour)) {
		t.Fatalf("token = %+v", tok)
	}
	id, err := st.Verify(ctx, tok.Value)
	if err != nil || id.OpenID != "o_abc" || id.UnionID != "u_1" {
		t.Fatalf("verify = %+v, %v", id, err)
	}
	// Tampered, malformed and empty tokens are unauthorized.
	for _, bad := range []string{"", "x", tok.Value[:len(tok.Value)-1] + "A", tok.Value + "A", "Bearer " + tok.Value, "gcwx_\x00\xff"} {
		if bad == tok.Value {
			continue
		}
		if _, err := st.Verify(ctx, bad); !errors.Is(err, wechat.ErrUnauthorized) {
			t.Errorf("verify(%q) err = %v, want unauthorized", bad, err)
		}
	}
	clk.add(time.Hour)
	if _, err := st.Verify(ctx, tok.Value); !errors.Is(err, wechat.ErrUnauthorized) {
		t.Fatalf("expired token: err = %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Neither the token nor the session key is on disk; the openid is.
	var disk []byte
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	if !bytes.Contains(disk, []byte("o_abc")) {
		t.Fatal("openid not found in the database files: test reads the wrong files")
	}
	for _, secret := range []string{tok.Value, strings.TrimPrefix(tok.Value, wechat.TokenPrefix), "KEY-never-stored"} {
		if bytes.Contains(disk, []byte(secret)) {
			t.Fatalf("%q found on disk", secret)
		}
	}
}

func TestStorePersistsAndRevokes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wechat.db")
	ctx := context.Background()
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := st.Issue(ctx, wechat.Session{OpenID: "o_persist"})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = wechat.OpenStore(wechat.StoreConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if id, err := st.Verify(ctx, tok.Value); err != nil || id.OpenID != "o_persist" {
		t.Fatalf("after reopen: %+v, %v", id, err)
	}
	if err := st.Revoke(ctx, tok.Value); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Verify(ctx, tok.Value); !errors.Is(err, wechat.ErrUnauthorized) {
		t.Fatalf("revoked token: err = %v", err)
	}
	if err := st.Revoke(ctx, "garbage"); err != nil {
		t.Fatalf("revoke garbage: %v", err)
	}
}

func TestStoreKeepsNewestTokensPerUser(t *testing.T) {
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: ":memory:", MaxPerUser: 2, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var toks []wechat.Token
	for i := 0; i < 3; i++ {
		tok, err := st.Issue(ctx, wechat.Session{OpenID: "o_many"})
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
		clk.add(time.Second)
	}
	other, err := st.Issue(ctx, wechat.Session{OpenID: "o_other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Verify(ctx, toks[0].Value); !errors.Is(err, wechat.ErrUnauthorized) {
		t.Fatalf("oldest token still valid: %v", err)
	}
	for _, tok := range append(toks[1:], other) {
		if _, err := st.Verify(ctx, tok.Value); err != nil {
			t.Fatalf("newer token rejected: %v", err)
		}
	}
	if _, err := st.Issue(ctx, wechat.Session{}); err == nil {
		t.Fatal("issue without openid succeeded")
	}
}
