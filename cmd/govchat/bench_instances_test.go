package main

// Benchmarks of several instances on PostgreSQL (issue 16):
//
//	go test -run '^$' -bench 'BenchmarkInstances' -benchtime 1x -timeout 60m ./cmd/govchat
//
// BenchmarkInstancesAskers   answers/s and latency, 200 askers (govfaq, extractive), history on SQLite
//                            (one instance) and on PostgreSQL (one instance, two instances), in one run
// BenchmarkInstancesHandoff  delay of a 转人工 message from the operator's socket to the citizen's and back:
//                            one instance on SQLite, one on PostgreSQL, citizen and operator on two, in one run
//
// GOVCHAT_BENCH_ONLY=postgres-1 runs one case of the askers (with
// GOVCHAT_BENCH_CPUPROFILE=file, the server's CPU profile).
//
// PostgreSQL is a throwaway cluster with fsync and synchronous commit on, as
// durable as SQLite's synchronous=FULL. Everything (PostgreSQL, the
// instances, the clients) shares the machine's cores.

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/pgtest"
)

// askers runs n askers spread over the instances' sockets, each asking per
// questions one after another, and returns the answers per second and the
// latencies, sorted.
func askers(b *testing.B, urls []string, questions []string, n, per int) (float64, []time.Duration, int) {
	conns := make([]*websocket.Conn, n)
	for j := range conns {
		ws, _, err := websocket.DefaultDialer.Dial(urls[j%len(urls)], nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.Close()
		conns[j] = ws
		if _, err := askOnce(ws, "w", questions[j%len(questions)]); err != nil { // warm up
			b.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs atomic.Int32
		wg   sync.WaitGroup
	)
	start := time.Now()
	for j, ws := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(j)))
			for k := range per {
				t0 := time.Now()
				if _, err := askOnce(ws, fmt.Sprint(k), questions[r.Intn(len(questions))]); err != nil {
					errs.Add(1)
					continue
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(x, y int) bool { return lat[x] < lat[y] })
	return float64(len(lat)) / elapsed.Seconds(), lat, int(errs.Load())
}

func quantile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[int(p*float64(len(lat)-1))]
}

// BenchmarkInstancesAskers: 200 askers on one instance with the history in
// SQLite, on one instance and on two with the history (and sessions) in
// PostgreSQL.
func BenchmarkInstancesAskers(b *testing.B) {
	const n, per = 200, 25
	raiseFileLimit(b, n+512)
	kdir, questions := govfaqKnowledge(b)
	pg := pgtest.Start(b, pgtest.Options{Durable: true})
	for i := 0; i < b.N; i++ {
		for _, c := range []struct {
			name      string
			instances int
			postgres  bool
		}{{"sqlite-1", 1, false}, {"postgres-1", 1, true}, {"postgres-2", 2, true}} {
			if only := os.Getenv("GOVCHAT_BENCH_ONLY"); only != "" && only != c.name {
				continue
			}
			var env []string
			if c.postgres {
				env = append(env, "GOVCHAT_DATABASE_URL="+pg.URL("postgres"), "GOVCHAT_CONTACT_KEY_FILE="+filepath.Join(b.TempDir(), "contact.key"))
			}
			var urls []string
			for range c.instances {
				ch := startChild(b, kdir, b.TempDir(), env...)
				defer ch.stop(b)
				urls = append(urls, ch.wsURL())
			}
			rate, lat, errs := askers(b, urls, questions, n, per)
			if errs > 0 {
				b.Errorf("%s: %d questions failed", c.name, errs)
			}
			b.ReportMetric(rate, c.name+"-answers/s")
			b.ReportMetric(float64(quantile(lat, 0.99).Microseconds())/1000, c.name+"-p99-ms")
			b.Logf("%-10s %d instance(s), %d askers × %d: %.0f answers/s; latency p50 %v, p99 %v",
				c.name, c.instances, n, per, rate, quantile(lat, 0.50).Round(100*time.Microsecond), quantile(lat, 0.99).Round(100*time.Microsecond))
		}
	}
}

// readType reads frames of ws until one of type typ.
func readType(b *testing.B, ws *websocket.Conn, typ string) map[string]any {
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			b.Fatalf("waiting for %s: %v", typ, err)
		}
		if f["type"] == typ {
			return f
		}
	}
}

// BenchmarkInstancesHandoff: the delay of live 转人工 messages, operator →
// citizen (agent_message) and citizen → operator (handoff_message →
// citizen_message), one message in flight at a time, with both sockets on
// one instance and with the citizens on A and the operator on B. Citizens
// come from distinct addresses (X-Forwarded-For from a trusted proxy) so
// that the per-address and per-conversation limits hold; each writes ten
// messages, within the conversation's burst, and the operator's socket
// stays within its frame rate (a message every 110 ms).
func BenchmarkInstancesHandoff(b *testing.B) {
	const citizens, each = 30, 10
	pg := pgtest.Start(b, pgtest.Options{Durable: true})
	url := pg.URL("postgres")
	liteData := b.TempDir()
	addUser := func(databaseURL string) {
		var errOut strings.Builder
		getenv := func(k string) string {
			switch k {
			case "GOVCHAT_DATABASE_URL":
				return databaseURL
			case "GOVCHAT_DATA":
				return liteData
			case "GOVCHAT_LOG_LEVEL":
				return "error"
			}
			return ""
		}
		if code := run(context.Background(), []string{"user", "add", "--username", "wang", "--name", "王五", "--staff-no", "1001", "--password-stdin"},
			strings.NewReader("correct horse battery\n"), io.Discard, &errOut, getenv); code != 0 {
			b.Fatalf("user add: %s", errOut.String())
		}
	}
	addUser(url)
	addUser("")
	kdir := filepath.Join(moduleRoot(b), "knowledge")
	env := []string{"GOVCHAT_DATABASE_URL=" + url, "GOVCHAT_TRUSTED_PROXIES=127.0.0.1/32", "GOVCHAT_CONTACT_KEY_FILE=" + filepath.Join(b.TempDir(), "contact.key")}
	lite := startChild(b, kdir, liteData, "GOVCHAT_TRUSTED_PROXIES=127.0.0.1/32")
	defer lite.stop(b)
	a := startChild(b, kdir, b.TempDir(), env...)
	defer a.stop(b)
	bb := startChild(b, kdir, b.TempDir(), env...)
	defer bb.stop(b)
	signIn := func(c *child) string {
		var login struct {
			Token string `json:"token"`
		}
		if code := httpCall(b, "POST", "http://"+c.addr+"/api/agent/login", "", `{"username":"wang","password":"correct horse battery"}`, &login); code != 200 {
			b.Fatalf("sign-in: %d", code)
		}
		return login.Token
	}
	liteToken, pgToken := signIn(lite), signIn(bb)
	round := 0
	for i := 0; i < b.N; i++ {
		for _, c := range []struct {
			name                    string
			citizenURL, operatorURL string
			token                   string
		}{
			{"sqlite-one-instance", lite.wsURL(), lite.wsURL(), liteToken},
			{"postgres-one-instance", a.wsURL(), a.wsURL(), pgToken},
			{"postgres-two-instances", a.wsURL(), bb.wsURL(), pgToken},
		} {
			op, _, err := websocket.DefaultDialer.Dial(c.operatorURL, nil)
			if err != nil {
				b.Fatal(err)
			}
			op.WriteJSON(map[string]any{"type": "hello", "v": 1, "token": c.token})
			readType(b, op, "session")
			op.WriteJSON(map[string]any{"type": "queue_subscribe"})
			readType(b, op, "queue")
			var down, up []time.Duration
			for j := range citizens {
				round++
				h := map[string][]string{"X-Forwarded-For": {fmt.Sprintf("10.%d.%d.%d", round/65536, round/256%256, round%256)}}
				citizen, _, err := websocket.DefaultDialer.Dial(c.citizenURL, h)
				if err != nil {
					b.Fatal(err)
				}
				citizen.WriteJSON(map[string]any{"type": "hello", "v": 1})
				readType(b, citizen, "session")
				citizen.WriteJSON(map[string]any{"type": "handoff", "id": "h"})
				f := readType(b, citizen, "handoff")
				conv, _ := f["conversation"].(string)
				if conv == "" {
					b.Fatalf("citizen %d: %v", j, f)
				}
				op.WriteJSON(map[string]any{"type": "handoff_take", "id": "t", "conversation": conv})
				readType(b, op, "conversation")
				readType(b, citizen, "handoff")
				for k := range each {
					// Within the operator socket's frame rate (600 a minute).
					time.Sleep(110 * time.Millisecond)
					t0 := time.Now()
					op.WriteJSON(map[string]any{"type": "agent_message", "id": fmt.Sprint("m", k), "conversation": conv, "text": fmt.Sprint("第", k, "条回复")})
					if err := expectType(citizen, "agent_message"); err != nil {
						b.Fatalf("%s, citizen %d, message %d: %v", c.name, j, k, err)
					}
					down = append(down, time.Since(t0))
					if err := expectType(op, "ack"); err != nil {
						b.Fatal(err)
					}
					t0 = time.Now()
					citizen.WriteJSON(map[string]any{"type": "handoff_message", "id": fmt.Sprint("c", k), "text": fmt.Sprint("第", k, "个问题")})
					if err := expectType(op, "citizen_message"); err != nil {
						b.Fatal(err)
					}
					up = append(up, time.Since(t0))
					if err := expectType(citizen, "ack"); err != nil {
						b.Fatal(err)
					}
				}
				citizen.WriteJSON(map[string]any{"type": "handoff_end", "id": "e"})
				readType(b, citizen, "handoff")
				citizen.Close()
			}
			op.Close()
			sort.Slice(down, func(x, y int) bool { return down[x] < down[y] })
			sort.Slice(up, func(x, y int) bool { return up[x] < up[y] })
			b.ReportMetric(float64(quantile(down, 0.99).Microseconds())/1000, c.name+"-to-citizen-p99-ms")
			b.ReportMetric(float64(quantile(up, 0.99).Microseconds())/1000, c.name+"-to-operator-p99-ms")
			b.Logf("%-22s %d messages each way: operator → citizen p50 %v p99 %v; citizen → operator p50 %v p99 %v", c.name, len(down),
				quantile(down, 0.5).Round(10*time.Microsecond), quantile(down, 0.99).Round(10*time.Microsecond),
				quantile(up, 0.5).Round(10*time.Microsecond), quantile(up, 0.99).Round(10*time.Microsecond))
		}
	}
}

// expectType reads frames until one of type typ.
func expectType(ws *websocket.Conn, typ string) error {
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var f map[string]any
		if err := ws.ReadJSON(&f); err != nil {
			return fmt.Errorf("waiting for %s: %w", typ, err)
		}
		if f["type"] == typ {
			return nil
		}
		if f["type"] == "error" {
			return fmt.Errorf("waiting for %s: %v", typ, f)
		}
	}
}
