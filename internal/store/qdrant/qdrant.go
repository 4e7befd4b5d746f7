// Package qdrant is the Qdrant vector store: store.Store over Qdrant's gRPC
// API. It is the only importer of github.com/qdrant/go-client.
//
// The store reads and writes an alias (Config.Collection) that points at a
// versioned collection, so a full re-index builds a new collection and
// switches the alias atomically (see Rebuild). The collection has a named
// sparse vector "sparse" with Qdrant's IDF modifier and, when the schema asks
// for it, a named dense vector "dense" with cosine distance; the payload
// fields that queries filter on are indexed.
//
// Every call has a timeout. Transport failures (Qdrant down, unreachable,
// overloaded, too slow) come back wrapping store.ErrUnavailable; gRPC
// reconnects by itself, so the same Store works again once Qdrant is back.
package qdrant

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	pb "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/govchat/govchat/internal/store"
)

var _ store.Store = (*Store)(nil)

// ClientVersion is the go-client version this package is built and tested
// with; the server should be 1.17.x (one minor version either side works).
const ClientVersion = "1.17.1"

const (
	scrollPage  = 256
	adminFactor = 6 // collection-level calls get adminFactor × Timeout
)

// Store is a store.Store backed by a Qdrant collection alias. It is safe
// for concurrent use.
type Store struct {
	cfg    Config
	ep     endpoint
	client *pb.Client
	alias  string      // Config.Collection
	build  *buildState // set on the store Rebuild hands to fill
	owner  bool        // Close closes the client
	log    *slog.Logger
}

// buildState is the collection a Rebuild is filling, created by the first
// Ensure with the schema the caller asks for.
type buildState struct {
	mu   sync.Mutex
	coll string
}

// coll is the collection data calls go to: the alias, or inside Rebuild
// the new collection ("" until Ensure creates it).
func (s *Store) coll() string {
	if s.build == nil {
		return s.alias
	}
	s.build.mu.Lock()
	defer s.build.mu.Unlock()
	return s.build.coll
}

// Open connects to Qdrant and waits until it answers, retrying with
// exponential backoff for at most cfg.StartTimeout. A Qdrant that does not
// answer in time gives an error wrapping store.ErrUnavailable; a rejected
// API key gives an error at once.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("qdrant: config: %w", err)
	}
	ep, err := parseURL(cfg.URL, cfg.TLS)
	if err != nil {
		return nil, fmt.Errorf("qdrant: GOVCHAT_QDRANT_URL: %w", err)
	}
	log := cfg.Logger.With("store", "qdrant", "addr", ep.String())
	if ep.port == 6333 {
		log.Warn("port 6333 is Qdrant's REST port; govchat speaks gRPC, normally on 6334")
	}
	if cfg.APIKey != "" && !ep.tls {
		log.Warn("the Qdrant API key is sent without TLS; use https:// or GOVCHAT_QDRANT_TLS=true outside a private network")
	}
	client, err := pb.NewClient(&pb.Config{
		Host:                   ep.host,
		Port:                   ep.port,
		APIKey:                 cfg.APIKey,
		UseTLS:                 ep.tls,
		PoolSize:               1,
		SkipCompatibilityCheck: true, // checked below, with a timeout
		GrpcOptions: []grpc.DialOption{
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff: backoff.Config{
					BaseDelay:  100 * time.Millisecond,
					Multiplier: 1.6,
					Jitter:     0.2,
					MaxDelay:   3 * time.Second,
				},
				MinConnectTimeout: cfg.Timeout,
			}),
			grpc.WithDefaultCallOptions(
				grpc.MaxCallRecvMsgSize(64<<20),
				grpc.MaxCallSendMsgSize(64<<20),
			),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("qdrant: client for %s: %w", ep, err)
	}
	s := &Store{cfg: cfg, ep: ep, client: client, alias: cfg.Collection, owner: true, log: log}
	if err := s.waitReady(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return s, nil
}

// waitReady calls HealthCheck (and one authenticated call) until Qdrant
// answers or StartTimeout passes.
func (s *Store) waitReady(ctx context.Context) error {
	start := time.Now()
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		version, err := s.ping(ctx)
		if err == nil {
			s.checkVersion(version)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("qdrant: connect to %s: %w", s.ep, ctx.Err())
		}
		if !errors.Is(err, store.ErrUnavailable) {
			return err // e.g. a rejected API key: retrying will not help
		}
		elapsed := time.Since(start)
		if elapsed+delay > s.cfg.StartTimeout {
			return fmt.Errorf("qdrant: no answer from %s after %d attempts in %s (is Qdrant running? check GOVCHAT_QDRANT_URL): %w",
				s.ep, attempt, elapsed.Round(time.Millisecond), err)
		}
		s.log.Warn("Qdrant not reachable yet; retrying", "attempt", attempt, "retry_in", delay, "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("qdrant: connect to %s: %w", s.ep, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// ping checks that Qdrant answers and accepts the API key; it returns the
// server version.
func (s *Store) ping(ctx context.Context) (string, error) {
	var version string
	err := s.call(ctx, "health check", s.cfg.Timeout, func(ctx context.Context) error {
		r, err := s.client.GetQdrantClient().HealthCheck(ctx, &pb.HealthCheckRequest{})
		version = r.GetVersion()
		return err
	})
	if err != nil {
		return "", err
	}
	// The health check is open to everyone; listing aliases needs the key.
	err = s.call(ctx, "list aliases", s.cfg.Timeout, func(ctx context.Context) error {
		_, err := s.client.GetCollectionsClient().ListAliases(ctx, &pb.ListAliasesRequest{})
		return err
	})
	if c := status.Code(err); c == codes.Unauthenticated || c == codes.PermissionDenied {
		return "", fmt.Errorf("qdrant: %s rejected the API key (GOVCHAT_QDRANT_API_KEY): %w", s.ep, err)
	}
	return version, err
}

// checkVersion warns when the server is more than one minor version away
// from the client.
func (s *Store) checkVersion(server string) {
	cmaj, cmin, ok1 := majorMinor(ClientVersion)
	smaj, smin, ok2 := majorMinor(server)
	switch {
	case !ok1 || !ok2:
		s.log.Warn("cannot read the Qdrant server version", "server", server)
	case cmaj != smaj || smin < cmin-1 || smin > cmin+1:
		s.log.Warn("Qdrant server version differs from the client's by more than one minor version; use qdrant/qdrant:v1.17.x",
			"server", server, "client", ClientVersion)
	default:
		s.log.Info("connected to Qdrant", "server", server)
	}
}

func majorMinor(v string) (int, int, bool) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	return ma, mi, err1 == nil && err2 == nil
}

// Close closes the connection. Qdrant keeps the data.
func (s *Store) Close() error {
	if !s.owner {
		return nil
	}
	return s.client.Close()
}

// Alias is the alias the store reads and writes.
func (s *Store) Alias() string { return s.alias }

// call runs fn with a timeout and classifies its error: transport failures
// and timeouts wrap store.ErrUnavailable (and make gRPC reconnect at once
// on the next call); a cancelled parent context gives ctx.Err().
func (s *Store) call(ctx context.Context, op string, timeout time.Duration, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := fn(cctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("qdrant: %s: %w", op, ctx.Err())
	}
	if transient(err) {
		s.client.GetConnection().ResetConnectBackoff()
		return fmt.Errorf("qdrant: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("qdrant: %s: %w", op, err)
}

// transient reports whether err means Qdrant cannot serve now (as opposed
// to a bad request).
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var rex *pb.QdrantResourceExhaustedError
	if errors.As(err, &rex) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted, codes.Canceled:
		return true
	}
	return false
}

func (s *Store) adminTimeout() time.Duration { return adminFactor * s.cfg.Timeout }

// ---- store.Store ----

// Ensure makes the alias exist: when neither an alias nor a collection of
// that name exists it creates a versioned collection for schema and points
// the alias at it. An existing collection is checked against schema: a
// different dense size (another embedding model) is an error that asks for
// "govchat index --rebuild". Missing payload indexes are created.
// schema.Name is not used: the name is Config.Collection.
func (s *Store) Ensure(ctx context.Context, schema store.Schema) error {
	if s.build != nil {
		return s.ensureBuild(ctx, schema)
	}
	target, err := s.resolve(ctx, s.alias)
	if err != nil {
		return err
	}
	if target == "" {
		return s.createAliased(ctx, schema)
	}
	return s.ensureExisting(ctx, target, schema)
}

// ensureBuild creates the collection of a Rebuild on the first call and
// checks it on later ones.
func (s *Store) ensureBuild(ctx context.Context, schema store.Schema) error {
	s.build.mu.Lock()
	defer s.build.mu.Unlock()
	if s.build.coll == "" {
		coll, err := s.createVersion(ctx, schema)
		if err != nil {
			return err
		}
		s.build.coll = coll
		return nil
	}
	return s.ensureExisting(ctx, s.build.coll, schema)
}

func (s *Store) ensureExisting(ctx context.Context, target string, schema store.Schema) error {
	info, err := s.info(ctx, target)
	if err != nil {
		return err
	}
	if err := checkSchema(info, schema); err != nil {
		return fmt.Errorf("qdrant: collection %s (alias %s): %w; run \"govchat index --rebuild\" to build a new collection", target, s.alias, err)
	}
	return s.ensureIndexes(ctx, target, info)
}

// resolve returns the collection behind name: the alias target, name itself
// when it is a plain collection, or "" when neither exists.
func (s *Store) resolve(ctx context.Context, name string) (string, error) {
	var aliases []*pb.AliasDescription
	err := s.call(ctx, "list aliases", s.cfg.Timeout, func(ctx context.Context) error {
		r, err := s.client.GetCollectionsClient().ListAliases(ctx, &pb.ListAliasesRequest{})
		aliases = r.GetAliases()
		return err
	})
	if err != nil {
		return "", err
	}
	for _, a := range aliases {
		if a.GetAliasName() == name {
			return a.GetCollectionName(), nil
		}
	}
	exists, err := s.collectionExists(ctx, name)
	if err != nil || !exists {
		return "", err
	}
	return name, nil
}

func (s *Store) info(ctx context.Context, collection string) (*pb.CollectionInfo, error) {
	var info *pb.CollectionInfo
	err := s.call(ctx, "get collection "+collection, s.cfg.Timeout, func(ctx context.Context) error {
		r, err := s.client.GetCollectionsClient().Get(ctx, &pb.GetCollectionInfoRequest{CollectionName: collection})
		info = r.GetResult()
		return err
	})
	return info, err
}

// checkSchema compares a collection with the schema the store needs.
func checkSchema(info *pb.CollectionInfo, schema store.Schema) error {
	params := info.GetConfig().GetParams()
	sp, ok := params.GetSparseVectorsConfig().GetMap()[store.SparseVector]
	if !ok {
		return fmt.Errorf("no sparse vector %q", store.SparseVector)
	}
	if sp.GetModifier() != pb.Modifier_Idf {
		return fmt.Errorf("sparse vector %q has no IDF modifier", store.SparseVector)
	}
	if schema.DenseSize > 0 {
		dp, ok := params.GetVectorsConfig().GetParamsMap().GetMap()[store.DenseVector]
		if !ok {
			return fmt.Errorf("no dense vector %q (the embedder gives %d dimensions)", store.DenseVector, schema.DenseSize)
		}
		if int(dp.GetSize()) != schema.DenseSize {
			return fmt.Errorf("dense vector %q has %d dimensions, the embedder gives %d", store.DenseVector, dp.GetSize(), schema.DenseSize)
		}
		if dp.GetDistance() != pb.Distance_Cosine {
			return fmt.Errorf("dense vector %q uses %s distance, want Cosine", store.DenseVector, dp.GetDistance())
		}
	}
	return nil
}

// createAliased creates a new versioned collection and points the alias at
// it. When another instance wins the race to create the alias, the new
// collection is dropped and the winner's is used.
func (s *Store) createAliased(ctx context.Context, schema store.Schema) error {
	coll, err := s.createVersion(ctx, schema)
	if err != nil {
		return err
	}
	err = s.updateAliases(ctx, pb.NewAliasCreate(s.alias, coll))
	if err == nil {
		s.log.Info("created collection", "collection", coll, "alias", s.alias)
		return nil
	}
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if target, rerr := s.resolve(ctx, s.alias); rerr == nil && target != "" && target != coll {
		s.log.Info("another instance created the alias first; using its collection", "collection", target)
		_ = s.dropCollection(ctx, coll)
		return s.Ensure(ctx, schema)
	}
	_ = s.dropCollection(ctx, coll)
	return err
}

// createVersion creates an empty collection "<alias>_v<UTC time>_<random>"
// with its payload indexes.
func (s *Store) createVersion(ctx context.Context, schema store.Schema) (string, error) {
	if schema.DenseSize < 0 {
		return "", fmt.Errorf("qdrant: dense size %d is negative", schema.DenseSize)
	}
	var rnd [2]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s_v%s_%s", s.alias, time.Now().UTC().Format("20060102T150405"), hex.EncodeToString(rnd[:]))
	req := &pb.CreateCollection{
		CollectionName:    name,
		ShardNumber:       pb.PtrOf(uint32(s.cfg.Shards)),
		ReplicationFactor: pb.PtrOf(uint32(s.cfg.Replicas)),
		SparseVectorsConfig: pb.NewSparseVectorsConfig(map[string]*pb.SparseVectorParams{
			store.SparseVector: {Modifier: pb.Modifier_Idf.Enum()},
		}),
		Timeout: pb.PtrOf(uint64(max(1, s.adminTimeout()/time.Second))),
	}
	if schema.DenseSize > 0 {
		req.VectorsConfig = pb.NewVectorsConfigMap(map[string]*pb.VectorParams{
			store.DenseVector: {Size: uint64(schema.DenseSize), Distance: pb.Distance_Cosine},
		})
	}
	err := s.call(ctx, "create collection "+name, s.adminTimeout(), func(ctx context.Context) error {
		_, err := s.client.GetCollectionsClient().Create(ctx, req)
		return err
	})
	if err != nil {
		return "", err
	}
	if err := s.ensureIndexes(ctx, name, nil); err != nil {
		_ = s.dropCollection(ctx, name)
		return "", err
	}
	return name, nil
}

// payloadIndexes are the filterable fields and their index types.
var payloadIndexes = []struct {
	field string
	typ   pb.FieldType
}{
	{store.FieldDocID, pb.FieldType_FieldTypeKeyword},
	{store.FieldType, pb.FieldType_FieldTypeKeyword},
	{store.FieldStatus, pb.FieldType_FieldTypeKeyword},
	{store.FieldDepartment, pb.FieldType_FieldTypeKeyword},
	{store.FieldRegion, pb.FieldType_FieldTypeKeyword},
	{store.FieldDocNumber, pb.FieldType_FieldTypeKeyword},
	{store.FieldHash, pb.FieldType_FieldTypeKeyword},
	{store.FieldEffective, pb.FieldType_FieldTypeInteger},
	{store.FieldExpires, pb.FieldType_FieldTypeInteger},
}

// ensureIndexes creates the payload indexes that info does not list (all
// of them when info is nil).
func (s *Store) ensureIndexes(ctx context.Context, collection string, info *pb.CollectionInfo) error {
	have := info.GetPayloadSchema()
	for _, ix := range payloadIndexes {
		if _, ok := have[ix.field]; ok {
			continue
		}
		req := &pb.CreateFieldIndexCollection{
			CollectionName: collection,
			Wait:           pb.PtrOf(true),
			FieldName:      ix.field,
			FieldType:      ix.typ.Enum(),
		}
		if ix.typ == pb.FieldType_FieldTypeInteger {
			req.FieldIndexParams = pb.NewPayloadIndexParamsInt(&pb.IntegerIndexParams{Lookup: pb.PtrOf(true), Range: pb.PtrOf(true)})
		}
		err := s.call(ctx, "create payload index "+ix.field, s.adminTimeout(), func(ctx context.Context) error {
			_, err := s.client.GetPointsClient().CreateFieldIndex(ctx, req)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Upsert writes points in batches of Config.BatchSize, waiting for each
// batch to be applied; a batch that fails with a transient error is retried
// with backoff (upserts are idempotent).
func (s *Store) Upsert(ctx context.Context, points []store.Point) error {
	coll := s.coll()
	if coll == "" {
		return errors.New("qdrant: upsert: no collection yet (call Ensure first)")
	}
	structs := make([]*pb.PointStruct, len(points))
	for i, p := range points {
		ps, err := toPointStruct(p)
		if err != nil {
			return fmt.Errorf("qdrant: upsert: %w", err)
		}
		structs[i] = ps
	}
	for start := 0; start < len(structs); start += s.cfg.BatchSize {
		batch := structs[start:min(start+s.cfg.BatchSize, len(structs))]
		req := &pb.UpsertPoints{CollectionName: coll, Wait: pb.PtrOf(true), Points: batch}
		err := s.retry(ctx, func() error {
			return s.call(ctx, "upsert", s.cfg.Timeout, func(ctx context.Context) error {
				_, err := s.client.GetPointsClient().Upsert(ctx, req)
				return err
			})
		})
		if err != nil {
			return fmt.Errorf("%w (%d of %d points written)", err, start, len(structs))
		}
	}
	return nil
}

// retry runs fn up to Config.Retries times while it fails with
// store.ErrUnavailable.
func (s *Store) retry(ctx context.Context, fn func() error) error {
	delay := 200 * time.Millisecond
	var err error
	for attempt := 1; attempt <= s.cfg.Retries; attempt++ {
		if err = fn(); err == nil || !errors.Is(err, store.ErrUnavailable) || attempt == s.cfg.Retries {
			return err
		}
		s.log.Warn("Qdrant write failed; retrying", "attempt", attempt, "retry_in", delay, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay *= 2
	}
	return err
}

// Delete removes the points matching filter (every point for the zero
// filter).
func (s *Store) Delete(ctx context.Context, filter store.Filter) error {
	f, err := toFilter(filter)
	if err != nil {
		return fmt.Errorf("qdrant: delete: %w", err)
	}
	if f == nil {
		f = &pb.Filter{}
	}
	coll := s.coll()
	if coll == "" {
		return nil
	}
	req := &pb.DeletePoints{CollectionName: coll, Wait: pb.PtrOf(true), Points: pb.NewPointsSelectorFilter(f)}
	err = s.retry(ctx, func() error {
		return s.call(ctx, "delete", s.cfg.Timeout, func(ctx context.Context) error {
			_, err := s.client.GetPointsClient().Delete(ctx, req)
			return err
		})
	})
	if missing(err) {
		return nil // no collection yet: nothing to delete
	}
	return err
}

// missing reports whether err says the collection does not exist (before
// the first Ensure). Reads then see an empty collection, as in the
// embedded store.
func missing(err error) bool { return err != nil && status.Code(err) == codes.NotFound }

// Query runs a sparse, dense or hybrid (prefetch both, fuse with RRF, k =
// store.RRFK) query. Limit defaults to 10, PrefetchLimit to 4×Limit.
func (s *Store) Query(ctx context.Context, q store.Query) ([]store.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	prefetch := q.PrefetchLimit
	if prefetch <= 0 {
		prefetch = 4 * limit
	}
	if err := checkSparse(q.Sparse); err != nil {
		return nil, fmt.Errorf("qdrant: query: %w", err)
	}
	filter, err := toFilter(q.Filter)
	if err != nil {
		return nil, fmt.Errorf("qdrant: query: %w", err)
	}
	hasSparse, hasDense := len(q.Sparse.Indices) > 0, len(q.Dense) > 0
	coll := s.coll()
	if coll == "" {
		return nil, nil
	}
	req := &pb.QueryPoints{
		CollectionName: coll,
		Filter:         filter,
		Limit:          pb.PtrOf(uint64(limit)),
		WithPayload:    pb.NewWithPayload(true),
		Timeout:        pb.PtrOf(uint64(max(1, s.cfg.Timeout/time.Second))),
	}
	switch {
	case hasSparse && hasDense:
		req.Prefetch = []*pb.PrefetchQuery{
			{Query: pb.NewQuerySparse(q.Sparse.Indices, q.Sparse.Values), Using: pb.PtrOf(store.SparseVector), Filter: filter, Limit: pb.PtrOf(uint64(prefetch))},
			{Query: pb.NewQueryDense(q.Dense), Using: pb.PtrOf(store.DenseVector), Filter: filter, Limit: pb.PtrOf(uint64(prefetch))},
		}
		req.Query = pb.NewQueryRRF(&pb.Rrf{K: pb.PtrOf(uint32(store.RRFK))})
	case hasSparse:
		req.Query = pb.NewQuerySparse(q.Sparse.Indices, q.Sparse.Values)
		req.Using = pb.PtrOf(store.SparseVector)
	case hasDense:
		req.Query = pb.NewQueryDense(q.Dense)
		req.Using = pb.PtrOf(store.DenseVector)
	default:
		return nil, nil // nothing to rank by
	}
	var points []*pb.ScoredPoint
	err = s.call(ctx, "query", s.cfg.Timeout, func(ctx context.Context) error {
		r, err := s.client.GetPointsClient().Query(ctx, req)
		points = r.GetResult()
		return err
	})
	if missing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	hits := make([]store.Hit, len(points))
	for i, p := range points {
		hits[i] = store.Hit{ID: idString(p.GetId()), Score: float64(p.GetScore()), Payload: fromPayload(p.GetPayload())}
	}
	return hits, nil
}

// Scroll returns the id and payload of every point matching filter, paging
// through the collection in id order. Before the first Ensure (no
// collection yet) Scroll, Count and Query see an empty collection and
// Delete does nothing.
func (s *Store) Scroll(ctx context.Context, filter store.Filter) ([]store.Point, error) {
	f, err := toFilter(filter)
	if err != nil {
		return nil, fmt.Errorf("qdrant: scroll: %w", err)
	}
	coll := s.coll()
	if coll == "" {
		return nil, nil
	}
	var out []store.Point
	var offset *pb.PointId
	for {
		req := &pb.ScrollPoints{
			CollectionName: coll,
			Filter:         f,
			Offset:         offset,
			Limit:          pb.PtrOf(uint32(scrollPage)),
			WithPayload:    pb.NewWithPayload(true),
			WithVectors:    pb.NewWithVectors(false),
		}
		var resp *pb.ScrollResponse
		err := s.call(ctx, "scroll", s.cfg.Timeout, func(ctx context.Context) error {
			r, err := s.client.GetPointsClient().Scroll(ctx, req)
			resp = r
			return err
		})
		if missing(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, p := range resp.GetResult() {
			out = append(out, store.Point{ID: idString(p.GetId()), Payload: fromPayload(p.GetPayload())})
		}
		offset = resp.GetNextPageOffset()
		if offset == nil {
			return out, nil
		}
	}
}

// Count returns the exact number of points.
func (s *Store) Count(ctx context.Context) (int, error) {
	coll := s.coll()
	if coll == "" {
		return 0, nil
	}
	var n uint64
	err := s.call(ctx, "count", s.cfg.Timeout, func(ctx context.Context) error {
		r, err := s.client.GetPointsClient().Count(ctx, &pb.CountPoints{CollectionName: coll, Exact: pb.PtrOf(true)})
		n = r.GetResult().GetCount()
		return err
	})
	if missing(err) {
		return 0, nil
	}
	return int(n), err
}
