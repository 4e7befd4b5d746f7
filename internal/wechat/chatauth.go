package wechat

import (
	"context"
	"errors"
	"strings"

	"github.com/govchat/govchat/internal/govchat"
)

// PrincipalPrefix starts the chat principal id of a WeChat user: "wx:<openid>".
const PrincipalPrefix = "wx:"

// IsToken reports whether token looks like a govchat WeChat session token
// (it may still be unknown or expired).
func IsToken(token string) bool { return strings.HasPrefix(token, TokenPrefix) }

// ChatAuthenticator lets the chat socket accept WeChat session tokens in its
// hello frame: a token with TokenPrefix is verified against the store and
// becomes a citizen principal with ID "wx:<openid>"; any other token goes to
// Next (the operators' authenticator), or is refused when Next is nil.
type ChatAuthenticator struct {
	Store *Store
	Next  govchat.Authenticator
}

var _ govchat.Authenticator = ChatAuthenticator{}

// Authenticate implements govchat.Authenticator.
func (a ChatAuthenticator) Authenticate(ctx context.Context, token string) (govchat.Principal, error) {
	if IsToken(token) {
		if a.Store == nil {
			return govchat.Principal{}, &Error{Code: CodeUnauthorized, Err: errors.New("wechat login is not enabled")}
		}
		id, err := a.Store.Verify(ctx, token)
		if err != nil {
			return govchat.Principal{}, err
		}
		return govchat.Principal{Role: govchat.RoleCitizen, ID: PrincipalPrefix + id.OpenID}, nil
	}
	if a.Next == nil {
		return govchat.Principal{}, &Error{Code: CodeUnauthorized, Err: errors.New("unknown kind of token")}
	}
	return a.Next.Authenticate(ctx, token)
}
