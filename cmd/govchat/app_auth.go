package main

import (
	"path/filepath"

	"github.com/govchat/govchat/internal/auth"
)

// authPath is where operator and admin accounts live.
func authPath(env *Env) string { return filepath.Join(env.Config.Data, "auth.db") }

// openAuth opens the account database in the data directory.
func openAuth(env *Env) (*auth.Service, error) {
	return auth.New(auth.Config{Path: authPath(env), Now: env.Now})
}
