// Package pgtest starts throwaway PostgreSQL clusters for tests: initdb in a
// temporary directory, postgres on a free port of 127.0.0.1, stopped and
// removed at the end. It uses Debian's postgresql package (initdb and
// postgres on PATH or under /usr/lib/postgresql/*/bin; GOVCHAT_PG_BIN
// overrides the directory). Without it, tests skip with a message — and
// fail under CI=true, where .ci/run has installed it.
//
// A package's tests share one cluster (Shared), each test in a database of
// its own (DB); the package's TestMain calls Main so that the cluster stops
// when the tests end. Tests that stop or restart the server start their
// own with Start.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options tune a cluster.
type Options struct {
	// Durable keeps fsync and synchronous commits on (benchmarks compare
	// with SQLite's synchronous=FULL); tests run without them, faster.
	Durable bool
}

// Cluster is a running PostgreSQL server.
type Cluster struct {
	dir    string // the temporary directory (data in dir/data)
	bin    string
	port   int
	opts   Options
	cred   *syscall.Credential
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	dbs    atomic.Int64
}

var (
	sharedMu  sync.Mutex
	shared    *Cluster
	sharedErr error
)

// Shared returns the package's cluster, starting it on first use. Without
// PostgreSQL it skips tb (fails under CI=true).
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = start(Options{})
	}
	if sharedErr != nil {
		unavailable(tb, sharedErr)
	}
	return shared
}

// Main runs the package's tests and then stops the shared cluster: call it
// from TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain that has more to do: it runs the tests, stops
// the shared cluster and returns the exit code.
func Run(m *testing.M) int {
	code := m.Run()
	sharedMu.Lock()
	if shared != nil {
		shared.Stop()
		shared, sharedErr = nil, nil
	}
	sharedMu.Unlock()
	return code
}

// Start starts a cluster of tb's own, stopped at its end.
func Start(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	c, err := start(opts)
	if err != nil {
		unavailable(tb, err)
	}
	tb.Cleanup(c.Stop)
	return c
}

// errMissing says PostgreSQL is not installed.
var errMissing = errors.New("PostgreSQL not found (install the Debian package postgresql, or set GOVCHAT_PG_BIN to the directory of initdb and postgres)")

func unavailable(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, errMissing) && os.Getenv("CI") != "true" {
		tb.Skipf("pgtest: %v; skipping", err)
	}
	tb.Fatalf("pgtest: %v", err)
}

// Available reports whether PostgreSQL is installed (tests that only want
// to say so in a message).
func Available() bool { _, err := binDir(); return err == nil }

func binDir() (string, error) {
	if d := os.Getenv("GOVCHAT_PG_BIN"); d != "" {
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errMissing
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func start(opts Options) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "govchat-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, opts: opts}
	// PostgreSQL refuses to run as root: run it as the postgres account
	// that Debian's package creates.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs the postgres account to run PostgreSQL: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	out, err := c.command("initdb", "-D", c.data(), "-U", "govchat", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for try := 0; ; try++ {
		if c.port, err = freePort(); err == nil {
			if err = c.Start(); err == nil {
				return c, nil
			}
		}
		if try == 4 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGKILL}
	return cmd
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts the server (again, after Stop) on the same port and data.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return nil
	}
	args := []string{"-D", c.data(), "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "shared_buffers=64MB"}
	if !c.opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := c.command("postgres", args...)
	logf, err := os.Create(filepath.Join(c.dir, "postgres.log"))
	if err != nil {
		return err
	}
	if c.cred != nil {
		os.Chown(logf.Name(), int(c.cred.Uid), int(c.cred.Gid))
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			return fmt.Errorf("postgres exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("postgres did not accept connections within 30 s: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.cmd, c.exited = cmd, exited
	return nil
}

// Stop stops the server (fast shutdown: sessions are ended) and removes
// its directory.
func (c *Cluster) Stop() {
	c.stop()
	os.RemoveAll(c.dir)
}

// Pause stops the server but keeps its data, so that Start brings it back
// on the same port (tests of a database that goes away).
func (c *Cluster) Pause() { c.stop() }

func (c *Cluster) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
	c.cmd = nil
}

// Port is the server's TCP port.
func (c *Cluster) Port() int { return c.port }

func (c *Cluster) url(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("govchat"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), Path: "/" + db}
	u.RawQuery = "sslmode=disable"
	return u.String()
}

// URL is the connection URL of database db.
func (c *Cluster) URL(db string) string { return c.url(db) }

// DB creates an empty database for tb and returns its URL.
func (c *Cluster) DB(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%s", c.dbs.Add(1), sanitize(tb.Name()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	return c.url(name)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}
