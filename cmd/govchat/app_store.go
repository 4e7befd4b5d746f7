package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/govchat/govchat/internal/store"
	"github.com/govchat/govchat/internal/store/mem"
	"github.com/govchat/govchat/internal/store/qdrant"
)

// indexDir is where the embedded store keeps the index.
func indexDir(env *Env) string { return filepath.Join(env.Config.Data, "index") }

// openStore opens the vector store chosen by GOVCHAT_STORE.
func openStore(env *Env) (store.Store, error) {
	switch env.Config.Store {
	case "mem", "":
		st, err := mem.Open(indexDir(env), mem.WithLogger(env.Log), mem.Rebuildable())
		if errors.Is(err, mem.ErrLocked) {
			return nil, fmt.Errorf("%w (%s): stop govchat serve, or the other govchat index, first", mem.ErrLocked, indexDir(env))
		}
		return st, err
	case "qdrant":
		// Waits for Qdrant (bounded backoff, 30s) and fails with a clear
		// error naming GOVCHAT_QDRANT_URL when it does not answer.
		return qdrant.Open(context.Background(), qdrant.Config{
			URL:        env.Config.QdrantURL,
			APIKey:     env.Config.QdrantAPIKey,
			TLS:        env.Config.QdrantTLS,
			Collection: env.Config.QdrantCollection,
			Shards:     env.Config.QdrantShards,
			Replicas:   env.Config.QdrantReplicas,
			Timeout:    env.Config.QdrantTimeout,
			Logger:     env.Log,
		})
	default:
		return nil, fmt.Errorf("store: unknown store %q (want mem or qdrant)", env.Config.Store)
	}
}
