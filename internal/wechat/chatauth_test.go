package wechat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/wechat"
)

type staffAuth struct{}

func (staffAuth) Authenticate(ctx context.Context, token string) (govchat.Principal, error) {
	if token == "op-token" {
		return govchat.Principal{Role: govchat.RoleOperator, ID: "wang", Name: "1001"}, nil
	}
	return govchat.Principal{}, errors.New("bad staff token")
}

func TestChatAuthenticator(t *testing.T) {
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	tok, err := st.Issue(ctx, wechat.Session{OpenID: "o_chat"})
	if err != nil {
		t.Fatal(err)
	}
	a := wechat.ChatAuthenticator{Store: st, Next: staffAuth{}}
	p, err := a.Authenticate(ctx, tok.Value)
	if err != nil || p.Role != govchat.RoleCitizen || p.ID != "wx:o_chat" {
		t.Fatalf("wechat token: %+v %v", p, err)
	}
	// Operators' tokens still reach their authenticator.
	if p, err := a.Authenticate(ctx, "op-token"); err != nil || p.Role != govchat.RoleOperator {
		t.Fatalf("operator token: %+v %v", p, err)
	}
	// A WeChat-shaped token never falls through to the operators' check.
	if _, err := a.Authenticate(ctx, wechat.TokenPrefix+"op-token"); !errors.Is(err, wechat.ErrUnauthorized) {
		t.Fatalf("forged token: %v", err)
	}
	if err := st.Revoke(ctx, tok.Value); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, tok.Value); !errors.Is(err, wechat.ErrUnauthorized) {
		t.Fatalf("revoked token: %v", err)
	}
	// Without a next authenticator other tokens are refused.
	if _, err := (wechat.ChatAuthenticator{Store: st}).Authenticate(ctx, "op-token"); err == nil {
		t.Fatal("operator token accepted without an operator authenticator")
	}
}
