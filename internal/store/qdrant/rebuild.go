package qdrant

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	pb "github.com/qdrant/go-client/qdrant"

	"github.com/govchat/govchat/internal/store"
)

// Rebuild re-indexes without downtime. It calls fill with a Store whose
// first Ensure creates a new, empty versioned collection with the schema it
// is given (so the new collection takes the current embedding size) and
// whose writes go there; then it switches the alias to the new collection in
// one atomic alias operation and drops the collection the alias pointed at
// before. Until the switch every reader (this process and every other
// govchat instance) keeps querying the old collection. When fill fails, the
// new collection is dropped and the alias is left as it was.
//
// The store passed to fill must not be used after fill returns; closing it
// is a no-op. `govchat index --rebuild` can use Rebuild through the optional
// interface
//
//	interface {
//		Rebuild(ctx context.Context, fill func(context.Context, store.Store) error) error
//	}
//
// e.g. fill = build a search engine over the given store and Sync it.
func (s *Store) Rebuild(ctx context.Context, fill func(context.Context, store.Store) error) error {
	old, err := s.resolve(ctx, s.alias)
	if err != nil {
		return err
	}
	dst := &Store{cfg: s.cfg, ep: s.ep, client: s.client, alias: s.alias, build: &buildState{}, log: s.log.With("rebuild", true)}
	ferr := fill(ctx, dst)
	coll := dst.coll()
	if ferr != nil {
		if coll != "" {
			if derr := s.dropCollection(context.WithoutCancel(ctx), coll); derr != nil {
				s.log.Error("cannot drop the unfinished collection", "collection", coll, "error", derr)
			}
		}
		return fmt.Errorf("qdrant: rebuild: %w", ferr)
	}
	if coll == "" {
		return errors.New("qdrant: rebuild: fill never called Ensure, so no collection was built")
	}
	if old == s.alias {
		// A plain collection holds the alias's name (created by hand or by
		// an older version): it must go before the alias can take its
		// name, so readers see an error for the moment in between.
		s.log.Warn("replacing a plain collection by an alias; queries fail until the alias exists", "collection", old)
		if err := s.dropCollection(ctx, old); err != nil {
			return err
		}
		old = ""
	}
	if err := s.SwitchAlias(ctx, coll); err != nil {
		return err
	}
	s.log.Info("rebuilt collection; alias switched", "alias", s.alias, "collection", coll, "previous", old)
	if old != "" && old != coll {
		if err := s.dropCollection(ctx, old); err != nil {
			s.log.Error("cannot drop the previous collection; drop it by hand", "collection", old, "error", err)
		}
	}
	return nil
}

// SwitchAlias points the alias at collection in one atomic operation (used
// by Rebuild, and by an operator to roll back to a version that was kept).
func (s *Store) SwitchAlias(ctx context.Context, collection string) error {
	exists, err := s.collectionExists(ctx, collection)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("qdrant: switch alias %s: collection %s does not exist", s.alias, collection)
	}
	target, err := s.resolve(ctx, s.alias)
	if err != nil {
		return err
	}
	var ops []*pb.AliasOperations
	if target != "" && target != s.alias {
		ops = append(ops, pb.NewAliasDelete(s.alias))
	}
	ops = append(ops, pb.NewAliasCreate(s.alias, collection))
	return s.updateAliases(ctx, ops...)
}

// Versions lists the collections made for this alias ("<alias>_v…"),
// oldest first, and the one the alias points at.
func (s *Store) Versions(ctx context.Context) (all []string, current string, err error) {
	var names []string
	err = s.call(ctx, "list collections", s.cfg.Timeout, func(ctx context.Context) error {
		r, err := s.client.GetCollectionsClient().List(ctx, &pb.ListCollectionsRequest{})
		for _, c := range r.GetCollections() {
			names = append(names, c.GetName())
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	for _, n := range names {
		if strings.HasPrefix(n, s.alias+"_v") {
			all = append(all, n)
		}
	}
	sort.Strings(all)
	current, err = s.resolve(ctx, s.alias)
	return all, current, err
}

// DropVersion deletes a collection made for this alias; it refuses the one
// the alias points at.
func (s *Store) DropVersion(ctx context.Context, collection string) error {
	if !strings.HasPrefix(collection, s.alias+"_v") {
		return fmt.Errorf("qdrant: %s is not a version of %s", collection, s.alias)
	}
	current, err := s.resolve(ctx, s.alias)
	if err != nil {
		return err
	}
	if current == collection {
		return fmt.Errorf("qdrant: %s is in use by alias %s", collection, s.alias)
	}
	return s.dropCollection(ctx, collection)
}

func (s *Store) collectionExists(ctx context.Context, name string) (bool, error) {
	var exists bool
	err := s.call(ctx, "collection exists", s.cfg.Timeout, func(ctx context.Context) error {
		r, err := s.client.GetCollectionsClient().CollectionExists(ctx, &pb.CollectionExistsRequest{CollectionName: name})
		exists = r.GetResult().GetExists()
		return err
	})
	return exists, err
}

func (s *Store) updateAliases(ctx context.Context, ops ...*pb.AliasOperations) error {
	return s.call(ctx, "update aliases", s.adminTimeout(), func(ctx context.Context) error {
		r, err := s.client.GetCollectionsClient().UpdateAliases(ctx, &pb.ChangeAliases{Actions: ops})
		if err == nil && !r.GetResult() {
			err = errors.New("not applied")
		}
		return err
	})
}

func (s *Store) dropCollection(ctx context.Context, name string) error {
	return s.call(ctx, "delete collection "+name, s.adminTimeout(), func(ctx context.Context) error {
		_, err := s.client.GetCollectionsClient().Delete(ctx, &pb.DeleteCollection{CollectionName: name})
		return err
	})
}

// Drop deletes the alias and every collection made for it (all data of
// this store). Used by tests and to remove an installation.
func (s *Store) Drop(ctx context.Context) error {
	all, current, err := s.Versions(ctx)
	if err != nil {
		return err
	}
	if current == s.alias {
		all = append(all, current) // a plain collection under the alias's name
	}
	for _, c := range all {
		if err := s.dropCollection(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
