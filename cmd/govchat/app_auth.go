package main

import (
	"context"

	"github.com/govchat/govchat/internal/auth"
)

// authService is the account service of a command, over its database
// (auth.db under --data, or GOVCHAT_DATABASE_URL).
type authService struct {
	*auth.Service
	dbs *databases
}

// openAuth opens operator and admin accounts.
func openAuth(ctx context.Context, env *Env) (*authService, error) {
	dbs, err := openDatabases(ctx, env)
	if err != nil {
		return nil, err
	}
	db, err := dbs.file("auth.db")
	if err != nil {
		dbs.Close()
		return nil, err
	}
	svc, err := auth.New(auth.Config{DB: db, Now: env.Now})
	if err != nil {
		dbs.Close()
		return nil, err
	}
	return &authService{Service: svc, dbs: dbs}, nil
}

// Close closes the accounts and their database.
func (a *authService) Close() error {
	a.Service.Close()
	return a.dbs.Close()
}
