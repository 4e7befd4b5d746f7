package main

// Serve benchmarks (issue 6, "Measured"). Each runs `govchat serve` in a
// child process (this test binary re-executed) so that its memory and start
// time are measured apart from the clients:
//
//	go test -run '^$' -bench BenchmarkServe -benchtime 1x -timeout 30m ./cmd/govchat
//
// BenchmarkServeIdleSockets   RSS per idle websocket at 10,000 sockets (loopback)
// BenchmarkServeAskers        answers/s and latency with 200 concurrent askers, extractive mode, govfaq
// BenchmarkServeStartup       serve start → ready with the govfaq knowledge base (cold: builds the index; warm)
//
// The govfaq benchmarks import ../shared/eval/govfaq-beijing.jsonl and skip
// when it is absent.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/config"
)

// raiseFileLimit lifts the soft open-files limit to the hard limit.
func raiseFileLimit(tb testing.TB, need uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatal(err)
	}
	if lim.Cur < need {
		tb.Skipf("open-files limit %d < %d needed", lim.Cur, need)
	}
}

// TestServeChildProcess is the server side of the benchmarks; it runs only
// in the child process they start.
func TestServeChildProcess(t *testing.T) {
	if os.Getenv("GOVCHAT_BENCH_CHILD") != "1" {
		t.Skip("helper process of the serve benchmarks")
	}
	raiseFileLimit(t, 1024)
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Config: cfg, Now: cfg.Clock(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// SIGUSR1: return freed memory to the OS and report the runtime's view.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			runtime.GC()
			debug.FreeOSMemory()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Printf("FREED heap_inuse=%d stack_inuse=%d goroutines=%d\n", m.HeapInuse, m.StackInuse, runtime.NumGoroutine())
		}
	}()
	start := time.Now()
	m := NewMain(e)
	defer m.Close()
	if err := m.Listen(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("LISTENING %s %d\n", m.Addr(), time.Since(start).Microseconds())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("READY %s %d\n", m.Addr(), time.Since(start).Microseconds())
	select {
	case <-ctx.Done():
	case err := <-m.Failed():
		t.Fatal(err)
	}
}

// child is a `govchat serve` in another process.
type child struct {
	cmd     *exec.Cmd
	addr    string
	lines   chan string
	spawned time.Time
	ready   time.Duration // serve() start → ready, measured in the child
	wall    time.Duration // process spawn → ready line read here
}

func startChild(tb testing.TB, knowledge, data string, env ...string) *child {
	tb.Helper()
	args := []string{"-test.run=^TestServeChildProcess$", "-test.timeout=0"}
	if p := os.Getenv("GOVCHAT_BENCH_CPUPROFILE"); p != "" {
		args = append(args, "-test.cpuprofile="+p) // the server's CPU profile
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(),
		"GOVCHAT_BENCH_CHILD=1", "GOVCHAT_KNOWLEDGE="+knowledge, "GOVCHAT_DATA="+data, "GOVCHAT_ADDR=127.0.0.1:0",
		"GOVCHAT_RATE_IP=-1", "GOVCHAT_RATE_SESSION=-1", "GOVCHAT_MAX_CONNS_PER_IP=-1", "GOVCHAT_LOG_LEVEL=warn",
		"GOVCHAT_CHAT_MODEL=", "GOVCHAT_EMBED_MODEL=", "GOVCHAT_STORE=mem")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	c := &child{cmd: cmd, lines: make(chan string, 16), spawned: time.Now()}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	for {
		line, ok := c.expect(tb, "READY", 10*time.Minute)
		if !ok {
			tb.Fatal("serve child exited before it was ready")
		}
		f := strings.Fields(line)
		c.addr = f[1]
		us, _ := strconv.ParseInt(f[2], 10, 64)
		c.ready = time.Duration(us) * time.Microsecond
		c.wall = time.Since(c.spawned)
		return c
	}
}

// expect returns the next line starting with prefix.
func (c *child) expect(tb testing.TB, prefix string, timeout time.Duration) (string, bool) {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return "", false
			}
			if strings.HasPrefix(line, prefix) {
				return line, true
			}
		case <-deadline:
			tb.Fatalf("no %s line from the serve child in %v", prefix, timeout)
		}
	}
}

// rss frees what the runtime can give back, then reads VmRSS in bytes.
func (c *child) rss(tb testing.TB) (rss int64, freed string) {
	tb.Helper()
	c.cmd.Process.Signal(syscall.SIGUSR1)
	freed, _ = c.expect(tb, "FREED", time.Minute)
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10, freed
		}
	}
	tb.Fatal("VmRSS not found")
	return 0, ""
}

func (c *child) stop(tb testing.TB) {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			tb.Errorf("serve child: %v", err)
		}
	case <-time.After(2 * time.Minute):
		c.cmd.Process.Kill()
		tb.Error("serve child did not stop")
	}
}

func (c *child) wsURL() string { return "ws://" + c.addr + "/ws" }

// BenchmarkServeIdleSockets measures the server's resident memory per idle
// websocket: 10,000 sockets, each with a session (hello answered), nothing
// asked.
func BenchmarkServeIdleSockets(b *testing.B) {
	const n = 10000
	raiseFileLimit(b, n+512)
	c := startChild(b, filepath.Join(moduleRoot(b), "knowledge"), b.TempDir())
	defer c.stop(b)
	for i := 0; i < b.N; i++ {
		before, freedBefore := c.rss(b)
		conns := make([]*websocket.Conn, n)
		var failed atomic.Int32
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64)
		dialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 512, WriteBufferSize: 512}
		start := time.Now()
		for j := range conns {
			wg.Add(1)
			sem <- struct{}{}
			go func(j int) {
				defer func() { <-sem; wg.Done() }()
				ws, _, err := dialer.Dial(c.wsURL(), nil)
				if err != nil {
					failed.Add(1)
					return
				}
				ws.WriteJSON(map[string]any{"type": "hello", "v": 1})
				ws.SetReadDeadline(time.Now().Add(30 * time.Second))
				var f map[string]any
				if err := ws.ReadJSON(&f); err != nil || f["type"] != "session" {
					failed.Add(1)
					ws.Close()
					return
				}
				ws.SetReadDeadline(time.Time{})
				conns[j] = ws
				// Keep reading so that server pings get their pongs.
				go func() {
					for {
						if _, _, err := ws.ReadMessage(); err != nil {
							return
						}
					}
				}()
			}(j)
		}
		wg.Wait()
		connectTime := time.Since(start)
		if f := failed.Load(); f > 0 {
			b.Fatalf("%d of %d sockets failed", f, n)
		}
		time.Sleep(2 * time.Second) // let the server settle
		after, freedAfter := c.rss(b)
		per := float64(after-before) / n
		b.ReportMetric(per/1024, "KiB/socket")
		b.ReportMetric(float64(after)/(1<<20), "MiB-RSS@10k")
		b.ReportMetric(float64(before)/(1<<20), "MiB-RSS@0")
		b.Logf("idle sockets: %d; RSS %.1f MiB before, %.1f MiB after: %.1f KiB per socket; connected in %v",
			n, float64(before)/(1<<20), float64(after)/(1<<20), per/1024, connectTime.Round(time.Millisecond))
		b.Logf("runtime before: %s", freedBefore)
		b.Logf("runtime after:  %s", freedAfter)
		for _, ws := range conns {
			ws.Close()
		}
	}
}

// govfaqKnowledge imports ../shared/eval/govfaq-beijing.jsonl into a fresh
// knowledge directory, or skips.
func govfaqKnowledge(b *testing.B) (dir string, questions []string) {
	b.Helper()
	src := filepath.Join(moduleRoot(b), "..", "shared", "eval", "govfaq-beijing.jsonl")
	f, err := os.Open(src)
	if err != nil {
		b.Skipf("govfaq evaluation data absent (%v): skipping", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			Question string `json:"question"`
		}
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		// Questions over the 500-character limit get too_large; leave them out.
		if q := strings.TrimSpace(r.Question); q != "" && utf8.RuneCountInString(q) <= 500 {
			questions = append(questions, q)
		}
	}
	dir = b.TempDir()
	var errOut strings.Builder
	if code := run(context.Background(), []string{"import", "--into", dir, src}, strings.NewReader(""), io.Discard, &errOut, func(string) string { return "" }); code != 0 {
		b.Fatalf("import: exit %d: %s", code, errOut.String())
	}
	return dir, questions
}

// BenchmarkServeAskers: 200 websockets ask govfaq questions one after another
// (extractive mode, limits lifted); reports answers per second and latency
// percentiles as seen by the clients on the same machine.
func BenchmarkServeAskers(b *testing.B) {
	const askers, perAsker = 200, 25
	raiseFileLimit(b, askers+512)
	kdir, questions := govfaqKnowledge(b)
	c := startChild(b, kdir, b.TempDir())
	defer c.stop(b)
	for i := 0; i < b.N; i++ {
		conns := make([]*websocket.Conn, askers)
		for j := range conns {
			ws, _, err := websocket.DefaultDialer.Dial(c.wsURL(), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer ws.Close()
			conns[j] = ws
		}
		// Warm up: one question per socket (sessions, caches).
		for j, ws := range conns {
			if _, err := askOnce(ws, "w", questions[j%len(questions)]); err != nil {
				b.Fatal(err)
			}
		}
		var (
			mu        sync.Mutex
			latencies []time.Duration
			refused   int
			errs      atomic.Int32
			wg        sync.WaitGroup
		)
		start := time.Now()
		for j, ws := range conns {
			wg.Add(1)
			go func(j int, ws *websocket.Conn) {
				defer wg.Done()
				r := rand.New(rand.NewSource(int64(j)))
				for k := 0; k < perAsker; k++ {
					q := questions[r.Intn(len(questions))]
					t0 := time.Now()
					f, err := askOnce(ws, fmt.Sprint(k), q)
					d := time.Since(t0)
					if err != nil {
						errs.Add(1)
						continue
					}
					mu.Lock()
					latencies = append(latencies, d)
					if f["refused"] == true {
						refused++
					}
					mu.Unlock()
				}
			}(j, ws)
		}
		wg.Wait()
		elapsed := time.Since(start)
		if e := errs.Load(); e > 0 {
			b.Errorf("%d questions failed", e)
		}
		sort.Slice(latencies, func(x, y int) bool { return latencies[x] < latencies[y] })
		pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
		rate := float64(len(latencies)) / elapsed.Seconds()
		b.ReportMetric(rate, "answers/s")
		b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
		b.Logf("%d askers × %d questions = %d answers (%d refused) in %v: %.0f answers/s; latency p50 %v, p90 %v, p99 %v, max %v",
			askers, perAsker, len(latencies), refused, elapsed.Round(time.Millisecond), rate,
			pct(0.50).Round(time.Microsecond*100), pct(0.90).Round(time.Microsecond*100), pct(0.99).Round(time.Microsecond*100), latencies[len(latencies)-1].Round(time.Millisecond))
	}
}

// askOnce asks and reads until the answer (or an error frame).
func askOnce(ws *websocket.Conn, id, q string) (map[string]any, error) {
	if err := ws.WriteJSON(map[string]string{"type": "ask", "id": id, "text": q}); err != nil {
		return nil, err
	}
	ws.SetReadDeadline(time.Now().Add(2 * time.Minute))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			return nil, err
		}
		switch f["type"] {
		case "answer":
			return f, nil
		case "error":
			return nil, fmt.Errorf("error frame: %v", f)
		}
	}
}

// BenchmarkServeStartup: serve start → ready with the govfaq knowledge base,
// first with an empty data directory (the index is built), then restarted on
// the same data (the index is loaded and found up to date).
func BenchmarkServeStartup(b *testing.B) {
	kdir, _ := govfaqKnowledge(b)
	for i := 0; i < b.N; i++ {
		data := b.TempDir()
		cold := startChild(b, kdir, data)
		cold.stop(b)
		var warm []*child
		for k := 0; k < 3; k++ {
			w := startChild(b, kdir, data)
			w.stop(b)
			warm = append(warm, w)
		}
		sort.Slice(warm, func(x, y int) bool { return warm[x].ready < warm[y].ready })
		med := warm[1]
		b.ReportMetric(cold.ready.Seconds(), "cold-ready-s")
		b.ReportMetric(med.ready.Seconds(), "warm-ready-s")
		b.Logf("govfaq (2,313 FAQ entries): cold start (index built) ready in %v (process spawn → ready %v); warm start ready in %v (median of 3; spawn → ready %v)",
			cold.ready.Round(time.Millisecond), cold.wall.Round(time.Millisecond), med.ready.Round(time.Millisecond), med.wall.Round(time.Millisecond))
	}
}
