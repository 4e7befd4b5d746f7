package qdrant

import "context"

// Ping checks that Qdrant answers (its health check, and the API key by
// listing aliases), within the configured timeout. serve exports it as
// govchat_dependency_up{dependency="qdrant"}.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.ping(ctx)
	return err
}
