// Package qdranttest is an in-process Qdrant gRPC server for tests. It
// answers the calls the govchat Qdrant store makes faithfully — it stores
// points, ranks by sparse dot product with Qdrant's IDF modifier, by cosine
// or dot similarity, fuses prefetches with RRF, evaluates payload filters,
// pages scrolls and keeps aliases — and records every request so that tests
// can assert what a client sent. It can be stopped and restarted on the same
// address (keeping its data, as a restarted Qdrant would) and slowed down to
// test timeouts. Requests it does not model fail with codes.Unimplemented.
package qdranttest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Version is the server version the fake reports.
const Version = "1.17.1"

// Request is one recorded call.
type Request struct {
	Method string // short name, e.g. "Query", "Create", "UpdateAliases"
	Msg    proto.Message
}

// Server is the fake Qdrant.
type Server struct {
	mu          sync.Mutex
	addr        string
	gs          *grpc.Server
	running     bool
	apiKey      string
	delay       time.Duration
	collections map[string]*collection
	aliases     map[string]string
	requests    []Request
}

type collection struct {
	name     string
	shards   uint32
	replicas uint32
	dense    map[string]*pb.VectorParams
	sparse   map[string]*pb.SparseVectorParams
	indexes  map[string]pb.FieldType
	points   map[string]*point
}

type point struct {
	id      *pb.PointId
	sparse  map[string]*pb.SparseVector
	dense   map[string][]float32
	payload map[string]*pb.Value
}

// Start starts a server on 127.0.0.1:0 and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{collections: map[string]*collection{}, aliases: map[string]string{}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("qdranttest: listen: %v", err)
	}
	s.addr = lis.Addr().String()
	s.serve(lis)
	t.Cleanup(s.Stop)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) serve(lis net.Listener) {
	gs := grpc.NewServer(grpc.UnaryInterceptor(s.intercept))
	pb.RegisterQdrantServer(gs, qdrantService{s: s})
	pb.RegisterCollectionsServer(gs, collectionsService{s: s})
	pb.RegisterPointsServer(gs, pointsService{s: s})
	s.mu.Lock()
	s.gs, s.running = gs, true
	s.mu.Unlock()
	go func() { _ = gs.Serve(lis) }()
}

// Stop closes the listener and every connection, as a crashed or stopped
// Qdrant would. The data is kept for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	gs, running := s.gs, s.running
	s.running = false
	s.mu.Unlock()
	if running {
		gs.Stop()
	}
}

// Restart serves again on the same address.
func (s *Server) Restart() error {
	s.Stop()
	var lis net.Listener
	var err error
	for range 50 { // the port can take a moment to be released
		if lis, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("qdranttest: relisten on %s: %w", s.addr, err)
	}
	s.serve(lis)
	return nil
}

// SetDelay makes every call wait d before it is served (or until its
// deadline), to simulate an overloaded or hung Qdrant.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetAPIKey makes the server require the api-key header ("" turns it off).
// The health check stays open, as in Qdrant.
func (s *Server) SetAPIKey(key string) {
	s.mu.Lock()
	s.apiKey = key
	s.mu.Unlock()
}

// Requests returns the recorded requests with the given method name (all
// of them for "").
func (s *Server) Requests(method string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if method == "" || r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

// Aliases returns a copy of the alias table.
func (s *Server) Aliases() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.aliases))
	for k, v := range s.aliases {
		out[k] = v
	}
	return out
}

// Collections returns the collection names, sorted.
func (s *Server) Collections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.collections {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
	s.mu.Lock()
	if m, ok := req.(proto.Message); ok {
		s.requests = append(s.requests, Request{Method: method, Msg: proto.Clone(m)})
	}
	delay, key := s.delay, s.apiKey
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if key != "" && method != "HealthCheck" {
		md, _ := metadata.FromIncomingContext(ctx)
		if got := md.Get("api-key"); len(got) == 0 || got[0] != key {
			return nil, status.Error(codes.Unauthenticated, "Must provide an API key or an Authorization bearer token")
		}
	}
	return handler(ctx, req)
}

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, "Wrong input: "+format, args...)
}

// lookup resolves an alias or collection name; the caller holds s.mu.
func (s *Server) lookup(name string) (*collection, error) {
	if target, ok := s.aliases[name]; ok {
		name = target
	}
	c, ok := s.collections[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

// ---- Qdrant service ----

type qdrantService struct {
	pb.UnimplementedQdrantServer
	s *Server
}

func (q qdrantService) HealthCheck(context.Context, *pb.HealthCheckRequest) (*pb.HealthCheckReply, error) {
	return &pb.HealthCheckReply{Title: "qdrant - vector search engine", Version: Version}, nil
}

// ---- Collections service ----

type collectionsService struct {
	pb.UnimplementedCollectionsServer
	s *Server
}

func (c collectionsService) Create(_ context.Context, r *pb.CreateCollection) (*pb.CollectionOperationResponse, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.GetCollectionName()
	if name == "" || strings.ContainsAny(name, "/\\") {
		return nil, invalid("invalid collection name %q", name)
	}
	if _, ok := s.collections[name]; ok {
		return nil, invalid("Collection `%s` already exists!", name)
	}
	if _, ok := s.aliases[name]; ok {
		return nil, invalid("Alias `%s` already exists!", name)
	}
	col := &collection{
		name: name, shards: 1, replicas: 1,
		dense:   map[string]*pb.VectorParams{},
		sparse:  map[string]*pb.SparseVectorParams{},
		indexes: map[string]pb.FieldType{},
		points:  map[string]*point{},
	}
	if r.ShardNumber != nil {
		col.shards = r.GetShardNumber()
	}
	if r.ReplicationFactor != nil {
		col.replicas = r.GetReplicationFactor()
	}
	switch vc := r.GetVectorsConfig().GetConfig().(type) {
	case *pb.VectorsConfig_Params:
		col.dense[""] = proto.Clone(vc.Params).(*pb.VectorParams)
	case *pb.VectorsConfig_ParamsMap:
		for n, p := range vc.ParamsMap.GetMap() {
			col.dense[n] = proto.Clone(p).(*pb.VectorParams)
		}
	}
	for n, p := range col.dense {
		if p.GetSize() == 0 {
			return nil, invalid("vector %q: size must be positive", n)
		}
		if d := p.GetDistance(); d != pb.Distance_Cosine && d != pb.Distance_Dot {
			return nil, status.Errorf(codes.Unimplemented, "qdranttest: distance %s", d)
		}
	}
	for n, p := range r.GetSparseVectorsConfig().GetMap() {
		if _, dup := col.dense[n]; dup {
			return nil, invalid("vector name %q used by dense and sparse vectors", n)
		}
		col.sparse[n] = proto.Clone(p).(*pb.SparseVectorParams)
	}
	s.collections[name] = col
	return &pb.CollectionOperationResponse{Result: true}, nil
}

func (c collectionsService) Get(_ context.Context, r *pb.GetCollectionInfoRequest) (*pb.GetCollectionInfoResponse, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.lookup(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	params := &pb.CollectionParams{
		ShardNumber:         col.shards,
		ReplicationFactor:   pb.PtrOf(col.replicas),
		SparseVectorsConfig: &pb.SparseVectorConfig{Map: map[string]*pb.SparseVectorParams{}},
	}
	if p, ok := col.dense[""]; ok {
		params.VectorsConfig = pb.NewVectorsConfig(proto.Clone(p).(*pb.VectorParams))
	} else {
		m := map[string]*pb.VectorParams{}
		for n, p := range col.dense {
			m[n] = proto.Clone(p).(*pb.VectorParams)
		}
		params.VectorsConfig = pb.NewVectorsConfigMap(m)
	}
	for n, p := range col.sparse {
		params.SparseVectorsConfig.Map[n] = proto.Clone(p).(*pb.SparseVectorParams)
	}
	schema := map[string]*pb.PayloadSchemaInfo{}
	for f, t := range col.indexes {
		schema[f] = &pb.PayloadSchemaInfo{DataType: schemaType(t)}
	}
	n := uint64(len(col.points))
	return &pb.GetCollectionInfoResponse{Result: &pb.CollectionInfo{
		Status:        pb.CollectionStatus_Green,
		Config:        &pb.CollectionConfig{Params: params},
		PayloadSchema: schema,
		PointsCount:   &n,
	}}, nil
}

func schemaType(t pb.FieldType) pb.PayloadSchemaType {
	switch t {
	case pb.FieldType_FieldTypeKeyword:
		return pb.PayloadSchemaType_Keyword
	case pb.FieldType_FieldTypeInteger:
		return pb.PayloadSchemaType_Integer
	case pb.FieldType_FieldTypeFloat:
		return pb.PayloadSchemaType_Float
	case pb.FieldType_FieldTypeBool:
		return pb.PayloadSchemaType_Bool
	case pb.FieldType_FieldTypeText:
		return pb.PayloadSchemaType_Text
	}
	return pb.PayloadSchemaType_UnknownType
}

func (c collectionsService) List(context.Context, *pb.ListCollectionsRequest) (*pb.ListCollectionsResponse, error) {
	var out []*pb.CollectionDescription
	for _, n := range c.s.Collections() {
		out = append(out, &pb.CollectionDescription{Name: n})
	}
	return &pb.ListCollectionsResponse{Collections: out}, nil
}

func (c collectionsService) CollectionExists(_ context.Context, r *pb.CollectionExistsRequest) (*pb.CollectionExistsResponse, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.collections[r.GetCollectionName()]
	return &pb.CollectionExistsResponse{Result: &pb.CollectionExists{Exists: ok}}, nil
}

func (c collectionsService) Delete(_ context.Context, r *pb.DeleteCollection) (*pb.CollectionOperationResponse, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.GetCollectionName()
	if _, ok := s.collections[name]; !ok {
		return &pb.CollectionOperationResponse{Result: false}, nil
	}
	delete(s.collections, name)
	for a, t := range s.aliases {
		if t == name {
			delete(s.aliases, a)
		}
	}
	return &pb.CollectionOperationResponse{Result: true}, nil
}

// UpdateAliases applies all actions or none.
func (c collectionsService) UpdateAliases(_ context.Context, r *pb.ChangeAliases) (*pb.CollectionOperationResponse, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]string, len(s.aliases))
	for k, v := range s.aliases {
		next[k] = v
	}
	for _, op := range r.GetActions() {
		switch a := op.GetAction().(type) {
		case *pb.AliasOperations_CreateAlias:
			alias, target := a.CreateAlias.GetAliasName(), a.CreateAlias.GetCollectionName()
			if _, ok := s.collections[target]; !ok {
				return nil, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", target)
			}
			if _, ok := s.collections[alias]; ok {
				return nil, invalid("Collection `%s` already exists!", alias)
			}
			if _, ok := next[alias]; ok {
				return nil, invalid("Alias `%s` already exists!", alias)
			}
			next[alias] = target
		case *pb.AliasOperations_DeleteAlias:
			alias := a.DeleteAlias.GetAliasName()
			if _, ok := next[alias]; !ok {
				return nil, status.Errorf(codes.NotFound, "Not found: Alias `%s` doesn't exist!", alias)
			}
			delete(next, alias)
		case *pb.AliasOperations_RenameAlias:
			from, to := a.RenameAlias.GetOldAliasName(), a.RenameAlias.GetNewAliasName()
			target, ok := next[from]
			if !ok {
				return nil, status.Errorf(codes.NotFound, "Not found: Alias `%s` doesn't exist!", from)
			}
			delete(next, from)
			next[to] = target
		default:
			return nil, status.Error(codes.Unimplemented, "qdranttest: alias action")
		}
	}
	s.aliases = next
	return &pb.CollectionOperationResponse{Result: true}, nil
}

func (c collectionsService) ListAliases(context.Context, *pb.ListAliasesRequest) (*pb.ListAliasesResponse, error) {
	var out []*pb.AliasDescription
	for a, t := range c.s.Aliases() {
		out = append(out, &pb.AliasDescription{AliasName: a, CollectionName: t})
	}
	slices.SortFunc(out, func(x, y *pb.AliasDescription) int { return cmp.Compare(x.AliasName, y.AliasName) })
	return &pb.ListAliasesResponse{Aliases: out}, nil
}

func (c collectionsService) ListCollectionAliases(_ context.Context, r *pb.ListCollectionAliasesRequest) (*pb.ListAliasesResponse, error) {
	var out []*pb.AliasDescription
	for a, t := range c.s.Aliases() {
		if t == r.GetCollectionName() {
			out = append(out, &pb.AliasDescription{AliasName: a, CollectionName: t})
		}
	}
	return &pb.ListAliasesResponse{Aliases: out}, nil
}

// ---- Points service ----

type pointsService struct {
	pb.UnimplementedPointsServer
	s *Server
}

func idKey(id *pb.PointId) (string, error) {
	switch v := id.GetPointIdOptions().(type) {
	case *pb.PointId_Num:
		return "n:" + fmt.Sprintf("%020d", v.Num), nil
	case *pb.PointId_Uuid:
		u := strings.ToLower(v.Uuid)
		if len(u) != 36 || strings.Count(u, "-") != 4 {
			return "", invalid("Unable to parse UUID: %s", v.Uuid)
		}
		return "u:" + u, nil
	}
	return "", invalid("point without id")
}

// canonicalID returns the id as Qdrant returns it (UUIDs lower-cased).
func canonicalID(id *pb.PointId) *pb.PointId {
	if u, ok := id.GetPointIdOptions().(*pb.PointId_Uuid); ok {
		return pb.NewIDUUID(strings.ToLower(u.Uuid))
	}
	return proto.Clone(id).(*pb.PointId)
}

func (p pointsService) Upsert(_ context.Context, r *pb.UpsertPoints) (*pb.PointsOperationResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.lookup(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	staged := map[string]*point{}
	for _, ps := range r.GetPoints() {
		key, err := idKey(ps.GetId())
		if err != nil {
			return nil, err
		}
		pt := &point{id: canonicalID(ps.GetId()), sparse: map[string]*pb.SparseVector{}, dense: map[string][]float32{}, payload: map[string]*pb.Value{}}
		var named map[string]*pb.Vector
		switch v := ps.GetVectors().GetVectorsOptions().(type) {
		case *pb.Vectors_Vector:
			named = map[string]*pb.Vector{"": v.Vector}
		case *pb.Vectors_Vectors:
			named = v.Vectors.GetVectors()
		}
		for name, vec := range named {
			if err := col.setVector(pt, name, vec); err != nil {
				return nil, err
			}
		}
		for k, v := range ps.GetPayload() {
			pt.payload[k] = proto.Clone(v).(*pb.Value)
		}
		staged[key] = pt
	}
	for k, pt := range staged {
		col.points[k] = pt // upsert replaces the whole point
	}
	return &pb.PointsOperationResponse{Result: &pb.UpdateResult{Status: pb.UpdateStatus_Completed}}, nil
}

func (c *collection) setVector(pt *point, name string, vec *pb.Vector) error {
	var dense []float32
	var sparse *pb.SparseVector
	switch v := vec.GetVector().(type) {
	case *pb.Vector_Dense:
		dense = v.Dense.GetData()
	case *pb.Vector_Sparse:
		sparse = v.Sparse
	case nil:
		// Deprecated encoding: data (+ indices for sparse).
		if vec.GetIndices() != nil {
			sparse = &pb.SparseVector{Indices: vec.GetIndices().GetData(), Values: vec.GetData()}
		} else {
			dense = vec.GetData()
		}
	default:
		return status.Errorf(codes.Unimplemented, "qdranttest: vector kind %T", v)
	}
	if sparse != nil {
		if _, ok := c.sparse[name]; !ok {
			return invalid("Not existing vector name error: %s", name)
		}
		if len(sparse.Indices) != len(sparse.Values) {
			return invalid("Sparse indices and values must have the same length")
		}
		seen := map[uint32]bool{}
		for _, i := range sparse.Indices {
			if seen[i] {
				return invalid("Validation error in body: sparse vector indices must be unique")
			}
			seen[i] = true
		}
		pt.sparse[name] = proto.Clone(sparse).(*pb.SparseVector)
		return nil
	}
	params, ok := c.dense[name]
	if !ok {
		return invalid("Not existing vector name error: %s", name)
	}
	if uint64(len(dense)) != params.GetSize() {
		return invalid("Vector dimension error: expected dim: %d, got %d", params.GetSize(), len(dense))
	}
	pt.dense[name] = slices.Clone(dense)
	return nil
}

func (p pointsService) Delete(_ context.Context, r *pb.DeletePoints) (*pb.PointsOperationResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.lookup(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	switch sel := r.GetPoints().GetPointsSelectorOneOf().(type) {
	case *pb.PointsSelector_Points:
		for _, id := range sel.Points.GetIds() {
			key, err := idKey(id)
			if err != nil {
				return nil, err
			}
			delete(col.points, key)
		}
	case *pb.PointsSelector_Filter:
		for k, pt := range col.points {
			ok, err := matchFilter(sel.Filter, pt)
			if err != nil {
				return nil, err
			}
			if ok {
				delete(col.points, k)
			}
		}
	default:
		return nil, invalid("no points selector")
	}
	return &pb.PointsOperationResponse{Result: &pb.UpdateResult{Status: pb.UpdateStatus_Completed}}, nil
}

func (p pointsService) CreateFieldIndex(_ context.Context, r *pb.CreateFieldIndexCollection) (*pb.PointsOperationResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.lookup(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if r.FieldType == nil {
		return nil, invalid("field_type is required")
	}
	col.indexes[r.GetFieldName()] = r.GetFieldType()
	return &pb.PointsOperationResponse{Result: &pb.UpdateResult{Status: pb.UpdateStatus_Completed}}, nil
}

func (p pointsService) Count(_ context.Context, r *pb.CountPoints) (*pb.CountResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.lookup(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	n := 0
	for _, pt := range col.points {
		ok, err := matchFilter(r.GetFilter(), pt)
		if err != nil {
			return nil, err
		}
		if ok {
			n++
		}
	}
	return &pb.CountResponse{Result: &pb.CountResult{Count: uint64(n)}}, nil
}

func (p pointsService) Scroll(_ context.Context, r *pb.ScrollPoints) (*pb.ScrollResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.lookup(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if r.OrderBy != nil {
		return nil, status.Error(codes.Unimplemented, "qdranttest: scroll order_by")
	}
	limit := 10
	if r.Limit != nil {
		limit = int(r.GetLimit())
	}
	start := ""
	if r.Offset != nil {
		if start, err = idKey(r.GetOffset()); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(col.points))
	for k := range col.points {
		if k >= start {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // numbers before UUIDs, each in order, as in Qdrant
	resp := &pb.ScrollResponse{}
	for _, k := range keys {
		pt := col.points[k]
		ok, err := matchFilter(r.GetFilter(), pt)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if len(resp.Result) == limit {
			resp.NextPageOffset = proto.Clone(pt.id).(*pb.PointId)
			break
		}
		resp.Result = append(resp.Result, &pb.RetrievedPoint{
			Id:      proto.Clone(pt.id).(*pb.PointId),
			Payload: selectPayload(r.GetWithPayload(), pt, true),
			Vectors: selectVectors(r.GetWithVectors(), pt),
		})
	}
	return resp, nil
}

func selectPayload(sel *pb.WithPayloadSelector, pt *point, def bool) map[string]*pb.Value {
	enable := def
	switch v := sel.GetSelectorOptions().(type) {
	case *pb.WithPayloadSelector_Enable:
		enable = v.Enable
	case nil:
	default:
		enable = true // include/exclude lists: not modelled, return everything
	}
	if !enable {
		return nil
	}
	out := make(map[string]*pb.Value, len(pt.payload))
	for k, v := range pt.payload {
		out[k] = proto.Clone(v).(*pb.Value)
	}
	return out
}

func selectVectors(sel *pb.WithVectorsSelector, pt *point) *pb.VectorsOutput {
	if !sel.GetEnable() {
		return nil
	}
	m := map[string]*pb.VectorOutput{}
	for n, d := range pt.dense {
		m[n] = &pb.VectorOutput{Vector: &pb.VectorOutput_Dense{Dense: &pb.DenseVector{Data: slices.Clone(d)}}}
	}
	for n, sp := range pt.sparse {
		m[n] = &pb.VectorOutput{Vector: &pb.VectorOutput_Sparse{Sparse: proto.Clone(sp).(*pb.SparseVector)}}
	}
	return &pb.VectorsOutput{VectorsOptions: &pb.VectorsOutput_Vectors{Vectors: &pb.NamedVectorsOutput{Vectors: m}}}
}

type scored struct {
	key   string
	pt    *point
	score float64
}

func (p pointsService) Query(_ context.Context, r *pb.QueryPoints) (*pb.QueryResponse, error) {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	col, err := s.lookup(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if r.LookupFrom != nil || r.Params != nil || r.ShardKeySelector != nil {
		return nil, status.Error(codes.Unimplemented, "qdranttest: lookup_from, params, shard keys")
	}
	limit := 10
	if r.Limit != nil {
		limit = int(r.GetLimit())
	}
	var list []scored
	if len(r.GetPrefetch()) > 0 {
		var lists [][]scored
		for _, pf := range r.GetPrefetch() {
			if len(pf.GetPrefetch()) > 0 || pf.LookupFrom != nil || pf.Params != nil {
				return nil, status.Error(codes.Unimplemented, "qdranttest: nested prefetch")
			}
			pfLimit := 10
			if pf.Limit != nil {
				pfLimit = int(pf.GetLimit())
			}
			l, err := col.nearest(pf.GetQuery(), pf.GetUsing(), andFilters(r.GetFilter(), pf.GetFilter()), pfLimit, pf.ScoreThreshold)
			if err != nil {
				return nil, err
			}
			lists = append(lists, l)
		}
		switch v := r.GetQuery().GetVariant().(type) {
		case *pb.Query_Fusion:
			if v.Fusion != pb.Fusion_RRF {
				return nil, status.Errorf(codes.Unimplemented, "qdranttest: fusion %s", v.Fusion)
			}
			list = rrf(lists, 2, nil)
		case *pb.Query_Rrf:
			k := 2
			if v.Rrf.K != nil {
				k = int(v.Rrf.GetK())
			}
			if w := v.Rrf.GetWeights(); len(w) > 0 && len(w) != len(lists) {
				return nil, invalid("Number of weights in RRF should match number of pre-fetches: got %d, expected %d", len(w), len(lists))
			}
			list = rrf(lists, k, v.Rrf.GetWeights())
		default:
			return nil, status.Errorf(codes.Unimplemented, "qdranttest: query %T over prefetches", v)
		}
	} else {
		list, err = col.nearest(r.GetQuery(), r.GetUsing(), r.GetFilter(), math.MaxInt, r.ScoreThreshold)
		if err != nil {
			return nil, err
		}
	}
	offset := int(r.GetOffset())
	if offset > len(list) {
		offset = len(list)
	}
	list = list[offset:]
	if len(list) > limit {
		list = list[:limit]
	}
	resp := &pb.QueryResponse{}
	for _, sc := range list {
		resp.Result = append(resp.Result, &pb.ScoredPoint{
			Id:      proto.Clone(sc.pt.id).(*pb.PointId),
			Score:   float32(sc.score),
			Payload: selectPayload(r.GetWithPayload(), sc.pt, false),
			Vectors: selectVectors(r.GetWithVectors(), sc.pt),
		})
	}
	return resp, nil
}

func andFilters(a, b *pb.Filter) *pb.Filter {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return &pb.Filter{Must: []*pb.Condition{pb.NewFilterAsCondition(a), pb.NewFilterAsCondition(b)}}
}

// nearest ranks the points matching filter by a nearest-neighbour query on
// the named vector: sparse by dot product (query weights × IDF when the
// vector has the IDF modifier) over points sharing an index with the query,
// dense by cosine or dot similarity over points that have the vector.
func (c *collection) nearest(q *pb.Query, using string, filter *pb.Filter, limit int, threshold *float32) ([]scored, error) {
	nq, ok := q.GetVariant().(*pb.Query_Nearest)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "qdranttest: query %T", q.GetVariant())
	}
	var (
		sparse *pb.SparseVector
		dense  []float32
	)
	switch v := nq.Nearest.GetVariant().(type) {
	case *pb.VectorInput_Sparse:
		sparse = v.Sparse
	case *pb.VectorInput_Dense:
		dense = v.Dense.GetData()
	default:
		return nil, status.Errorf(codes.Unimplemented, "qdranttest: vector input %T", v)
	}
	var out []scored
	if sparse != nil {
		params, ok := c.sparse[using]
		if !ok {
			return nil, invalid("Not existing vector name error: %s", using)
		}
		if len(sparse.Indices) != len(sparse.Values) {
			return nil, invalid("Sparse indices and values must have the same length")
		}
		weights := map[uint32]float64{}
		for i, idx := range sparse.Indices {
			weights[idx] = float64(sparse.Values[i])
		}
		if params.GetModifier() == pb.Modifier_Idf {
			n, df := 0, map[uint32]int{}
			for _, pt := range c.points {
				sv, ok := pt.sparse[using]
				if !ok {
					continue
				}
				n++
				for _, idx := range sv.Indices {
					if _, ok := weights[idx]; ok {
						df[idx]++
					}
				}
			}
			for idx, w := range weights {
				d := float64(df[idx])
				weights[idx] = w * math.Log(1+(float64(n)-d+0.5)/(d+0.5))
			}
		}
		for key, pt := range c.points {
			sv, ok := pt.sparse[using]
			if !ok {
				continue
			}
			score, overlap := 0.0, false
			for i, idx := range sv.Indices {
				if w, ok := weights[idx]; ok {
					overlap = true
					score += w * float64(sv.Values[i])
				}
			}
			if !overlap {
				continue
			}
			if ok, err := matchFilter(filter, pt); err != nil {
				return nil, err
			} else if ok {
				out = append(out, scored{key, pt, float64(float32(score))})
			}
		}
	} else {
		params, ok := c.dense[using]
		if !ok {
			return nil, invalid("Not existing vector name error: %s", using)
		}
		if uint64(len(dense)) != params.GetSize() {
			return nil, invalid("Vector dimension error: expected dim: %d, got %d", params.GetSize(), len(dense))
		}
		for key, pt := range c.points {
			dv, ok := pt.dense[using]
			if !ok {
				continue
			}
			if ok, err := matchFilter(filter, pt); err != nil {
				return nil, err
			} else if !ok {
				continue
			}
			var score float64
			if params.GetDistance() == pb.Distance_Cosine {
				score = dot(normalize(dense), normalize(dv))
			} else {
				score = dot(dense, dv)
			}
			out = append(out, scored{key, pt, float64(float32(score))})
		}
	}
	if threshold != nil {
		out = slices.DeleteFunc(out, func(s scored) bool { return s.score < float64(*threshold) })
	}
	sortScored(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// sortScored orders by score, best first; ties by id, which real Qdrant
// does not promise.
func sortScored(l []scored) {
	slices.SortFunc(l, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
}

func normalize(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	n = math.Sqrt(n)
	if n < 1e-12 {
		return v
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// rrf fuses ranked lists as Qdrant does: a point gets
// Σ 1/((rank+1)/weight + k - 1) over the lists holding it, rank counted
// from 0; with weight 1 that is Σ 1/(k + rank).
func rrf(lists [][]scored, k int, weights []float32) []scored {
	acc := map[string]*scored{}
	for li, l := range lists {
		w := float64(1)
		if weights != nil {
			w = float64(weights[li])
		}
		for rank, sc := range l {
			var contrib float64
			if w > 0 {
				contrib = 1 / (float64(rank+1)/w + float64(k) - 1)
			}
			if a, ok := acc[sc.key]; ok {
				a.score += contrib
			} else {
				acc[sc.key] = &scored{sc.key, sc.pt, contrib}
			}
		}
	}
	out := make([]scored, 0, len(acc))
	for _, a := range acc {
		out = append(out, scored{a.key, a.pt, float64(float32(a.score))})
	}
	sortScored(out)
	return out
}

// ---- filters ----

func matchFilter(f *pb.Filter, pt *point) (bool, error) {
	if f == nil {
		return true, nil
	}
	if f.MinShould != nil {
		return false, status.Error(codes.Unimplemented, "qdranttest: min_should")
	}
	for _, c := range f.GetMust() {
		ok, err := matchCondition(c, pt)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, c := range f.GetMustNot() {
		ok, err := matchCondition(c, pt)
		if err != nil || ok {
			return false, err
		}
	}
	if len(f.GetShould()) > 0 {
		for _, c := range f.GetShould() {
			ok, err := matchCondition(c, pt)
			if err != nil {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
		return false, nil
	}
	return true, nil
}

func matchCondition(c *pb.Condition, pt *point) (bool, error) {
	switch v := c.GetConditionOneOf().(type) {
	case *pb.Condition_Filter:
		return matchFilter(v.Filter, pt)
	case *pb.Condition_HasId:
		key, _ := idKey(pt.id)
		for _, id := range v.HasId.GetHasId() {
			if k, err := idKey(id); err == nil && k == key {
				return true, nil
			}
		}
		return false, nil
	case *pb.Condition_Field:
		return matchField(v.Field, pt)
	}
	return false, status.Errorf(codes.Unimplemented, "qdranttest: condition %T", c.GetConditionOneOf())
}

// values returns the payload values at a (dotted) key, with arrays
// flattened, as Qdrant evaluates conditions.
func values(payload map[string]*pb.Value, key string) []*pb.Value {
	parts := strings.Split(key, ".")
	cur := []*pb.Value{{Kind: &pb.Value_StructValue{StructValue: &pb.Struct{Fields: payload}}}}
	for _, part := range parts {
		var next []*pb.Value
		for _, v := range cur {
			if st, ok := v.GetKind().(*pb.Value_StructValue); ok {
				if x, ok := st.StructValue.GetFields()[part]; ok {
					next = append(next, x)
				}
			}
		}
		cur = next
	}
	var flat []*pb.Value
	for _, v := range cur {
		if l, ok := v.GetKind().(*pb.Value_ListValue); ok {
			flat = append(flat, l.ListValue.GetValues()...)
		} else {
			flat = append(flat, v)
		}
	}
	return flat
}

func matchField(fc *pb.FieldCondition, pt *point) (bool, error) {
	if fc.GeoBoundingBox != nil || fc.GeoRadius != nil || fc.GeoPolygon != nil || fc.ValuesCount != nil ||
		fc.DatetimeRange != nil || fc.IsEmpty != nil || fc.IsNull != nil {
		return false, status.Error(codes.Unimplemented, "qdranttest: field condition kind")
	}
	if (fc.Match == nil) == (fc.Range == nil) {
		return false, invalid("field condition on %q needs exactly one of match and range", fc.GetKey())
	}
	vals := values(pt.payload, fc.GetKey())
	if r := fc.Range; r != nil {
		for _, v := range vals {
			var x float64
			switch n := v.GetKind().(type) {
			case *pb.Value_IntegerValue:
				x = float64(n.IntegerValue)
			case *pb.Value_DoubleValue:
				x = n.DoubleValue
			default:
				continue
			}
			if (r.Gt == nil || x > r.GetGt()) && (r.Gte == nil || x >= r.GetGte()) &&
				(r.Lt == nil || x < r.GetLt()) && (r.Lte == nil || x <= r.GetLte()) {
				return true, nil
			}
		}
		return false, nil
	}
	for _, v := range vals {
		switch m := fc.Match.GetMatchValue().(type) {
		case *pb.Match_Keyword:
			if s, ok := v.GetKind().(*pb.Value_StringValue); ok && s.StringValue == m.Keyword {
				return true, nil
			}
		case *pb.Match_Integer:
			if n, ok := v.GetKind().(*pb.Value_IntegerValue); ok && n.IntegerValue == m.Integer {
				return true, nil
			}
		case *pb.Match_Boolean:
			if b, ok := v.GetKind().(*pb.Value_BoolValue); ok && b.BoolValue == m.Boolean {
				return true, nil
			}
		case *pb.Match_Keywords:
			if s, ok := v.GetKind().(*pb.Value_StringValue); ok && slices.Contains(m.Keywords.GetStrings(), s.StringValue) {
				return true, nil
			}
		case *pb.Match_Integers:
			if n, ok := v.GetKind().(*pb.Value_IntegerValue); ok && slices.Contains(m.Integers.GetIntegers(), n.IntegerValue) {
				return true, nil
			}
		default:
			return false, status.Errorf(codes.Unimplemented, "qdranttest: match %T", m)
		}
	}
	return false, nil
}
