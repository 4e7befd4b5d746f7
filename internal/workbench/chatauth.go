package workbench

import (
	"context"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/govchat"
)

// Authenticator lets signed-in operators and admins open the chat websocket:
// the token of their hello frame is a one-time ticket from
// POST /api/agent/ws-ticket (or a session token). The principal's Name is
// the 工号 — the only identity citizens are shown. Tokens that are not staff
// tokens go to next (WeChat logins) when it is set.
func Authenticator(svc *auth.Service, next govchat.Authenticator) govchat.Authenticator {
	return staffAuth{svc: svc, next: next}
}

type staffAuth struct {
	svc  *auth.Service
	next govchat.Authenticator
}

func (a staffAuth) Authenticate(ctx context.Context, token string) (govchat.Principal, error) {
	s, err := a.svc.Redeem(ctx, token)
	if err == nil {
		role := govchat.RoleOperator
		if s.User.Role == auth.RoleAdmin {
			role = govchat.RoleAdmin
		}
		return govchat.Principal{Role: role, ID: s.User.Username, Name: s.User.StaffNo}, nil
	}
	if a.next != nil {
		return a.next.Authenticate(ctx, token)
	}
	return govchat.Principal{}, err
}
