package wechat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
	"github.com/govchat/govchat/internal/wechat"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The token store on SQLite and PostgreSQL: issue, verify on another
// instance over the same database, expiry, revocation and the bound per
// openid.
func TestStoreConformance(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
		open := func() *wechat.Store {
			st, err := wechat.OpenStore(wechat.StoreConfig{DB: db, TTL: time.Hour, MaxPerUser: 2, Now: clk.now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
		a, b := open(), open()
		tok, err := a.Issue(ctx, wechat.Session{OpenID: "o_abc", UnionID: "u_1"})
		if err != nil {
			t.Fatal(err)
		}
		if id, err := b.Verify(ctx, tok.Value); err != nil || id.OpenID != "o_abc" || id.UnionID != "u_1" || !id.ExpiresAt.Equal(clk.now().Add(time.Hour)) {
			t.Fatalf("verify on the other instance = %+v, %v", id, err)
		}
		var toks []wechat.Token
		for range 3 {
			clk.add(time.Second)
			tk, err := b.Issue(ctx, wechat.Session{OpenID: "o_many"})
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, tk)
		}
		if _, err := a.Verify(ctx, toks[0].Value); !errors.Is(err, wechat.ErrUnauthorized) {
			t.Errorf("oldest of three tokens (bound 2) still valid: %v", err)
		}
		if _, err := a.Verify(ctx, toks[2].Value); err != nil {
			t.Errorf("newest token: %v", err)
		}
		if err := a.Revoke(ctx, toks[2].Value); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Verify(ctx, toks[2].Value); !errors.Is(err, wechat.ErrUnauthorized) {
			t.Errorf("revoked token: %v", err)
		}
		clk.add(time.Hour)
		if _, err := b.Verify(ctx, tok.Value); !errors.Is(err, wechat.ErrUnauthorized) {
			t.Errorf("expired token: %v", err)
		}
	})
}
