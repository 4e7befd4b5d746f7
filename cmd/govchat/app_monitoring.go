package main

import (
	"context"

	"github.com/govchat/govchat/internal/server"
)

// probeStore exports the vector store's health as
// govchat_dependency_up{dependency="qdrant"} when the store can be probed
// (the embedded store cannot fail on its own).
func probeStore(srv *server.Server, name string, st any) {
	if p, ok := st.(interface{ Ping(context.Context) error }); ok {
		srv.AddDependency(name, p.Ping)
	}
}
