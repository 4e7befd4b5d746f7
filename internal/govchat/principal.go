package govchat

import "context"

// Role is what a connection is allowed to do.
type Role string

// Roles. Citizens are anonymous; operators and admins authenticate with a
// token in their hello frame (see Authenticator).
const (
	RoleCitizen  Role = "citizen"
	RoleOperator Role = "operator"
	RoleAdmin    Role = "admin"
)

// Principal is who is on a connection.
type Principal struct {
	Role Role
	ID   string // account or WeChat user id; empty for anonymous citizens
	Name string // display name, e.g. an operator's 工号
}

// Authenticator turns the token of a hello frame into a principal. It returns
// an error for an unknown or expired token.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}
