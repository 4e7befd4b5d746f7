package qdrant

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultPort is Qdrant's gRPC port.
const DefaultPort = 6334

// Config configures a Store. The zero values of optional fields take the
// defaults listed beside them.
type Config struct {
	// URL is Qdrant's gRPC address: "host:port", "host" (port 6334),
	// "http://host:port" or "https://host:port" (https turns TLS on).
	URL    string
	APIKey string // sent as the api-key header
	TLS    bool   // use TLS even when URL has no https:// scheme
	// Collection is the alias the store reads and writes (default "govchat").
	// It points at a versioned collection "<alias>_v<time>" so that a full
	// re-index can build a new collection and switch the alias atomically.
	Collection string
	Shards     int           // shard number of new collections (default 1)
	Replicas   int           // replication factor of new collections (default 1)
	Timeout    time.Duration // per call (default 5s); collection changes get 6x
	// StartTimeout bounds how long Open waits for Qdrant to answer, retrying
	// with exponential backoff (default 30s).
	StartTimeout time.Duration
	BatchSize    int // points per upsert request (default 128)
	Retries      int // attempts per upsert batch on transient errors (default 3)
	Logger       *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Collection == "" {
		c.Collection = "govchat"
	}
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 30 * time.Second
	}
	if c.BatchSize == 0 {
		c.BatchSize = 128
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Shards < 1 || c.Replicas < 1 {
		errs = append(errs, errors.New("shards and replication factor must be at least 1"))
	}
	if c.Timeout < 0 || c.StartTimeout < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	if c.BatchSize < 1 || c.Retries < 1 {
		errs = append(errs, errors.New("batch size and retries must be at least 1"))
	}
	if strings.ContainsAny(c.Collection, "/\\ :*?\"<>|") {
		errs = append(errs, fmt.Errorf("collection %q: invalid characters", c.Collection))
	}
	return errors.Join(errs...)
}

// endpoint is a parsed URL.
type endpoint struct {
	host string
	port int
	tls  bool
}

func (e endpoint) String() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// parseURL accepts "host", "host:port", "[::1]:port", "http://host:port" and
// "https://host:port".
func parseURL(raw string, forceTLS bool) (endpoint, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return endpoint{}, errors.New("empty URL (want host:port, e.g. localhost:6334)")
	}
	ep := endpoint{tls: forceTLS, port: DefaultPort}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return endpoint{}, fmt.Errorf("%q: %w", raw, err)
		}
		switch u.Scheme {
		case "http", "grpc":
		case "https", "grpcs":
			ep.tls = true
		default:
			return endpoint{}, fmt.Errorf("%q: unsupported scheme %q (want http or https)", raw, u.Scheme)
		}
		if u.Path != "" && u.Path != "/" {
			return endpoint{}, fmt.Errorf("%q: a gRPC address has no path", raw)
		}
		s = u.Host
	}
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		// No port: the whole string is the host.
		host, portStr = strings.Trim(s, "[]"), ""
	}
	if host == "" {
		return endpoint{}, fmt.Errorf("%q: missing host", raw)
	}
	ep.host = host
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 1 || p > 65535 {
			return endpoint{}, fmt.Errorf("%q: invalid port %q", raw, portStr)
		}
		ep.port = p
	}
	return ep, nil
}
