package worker

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/worker/workertest"
)

func init() {
	Register("test-echo", func(in io.Reader, out io.Writer) error {
		b, err := io.ReadAll(in)
		if err != nil {
			return err
		}
		_, err = out.Write([]byte(strings.ToUpper(string(b))))
		return err
	})
	Register("test-fail", func(io.Reader, io.Writer) error { return errors.New("the input is damaged") })
	Register("test-spin", func(io.Reader, io.Writer) error {
		for n := 0; ; n++ {
		}
	})
	Register("test-panic", func(io.Reader, io.Writer) error { panic("boom") })
	Register("test-recurse", func(io.Reader, io.Writer) error { return recurse(0) })
	Register("test-flood", func(_ io.Reader, out io.Writer) error {
		buf := make([]byte, 1<<16)
		for {
			if _, err := out.Write(buf); err != nil {
				return err
			}
		}
	})
}

func recurse(n int) error {
	var pad [1024]byte
	if n < 0 {
		return errors.New(string(pad[:]))
	}
	return recurse(n + 1)
}

func TestMain(m *testing.M) {
	Main()
	os.Exit(m.Run())
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	out, err := Run(ctx, "test-echo", []byte("pdf"), Limits{})
	if err != nil || string(out) != "PDF" {
		t.Fatalf("echo = %q, %v", out, err)
	}
	if _, err := Run(ctx, "test-fail", nil, Limits{}); err == nil || err.Error() != "the input is damaged" {
		t.Errorf("failing worker: %v", err)
	}
	for _, name := range []string{"test-panic", "test-recurse", "no-such-worker"} {
		if _, err := Run(ctx, name, nil, Limits{}); err == nil || !strings.Contains(err.Error(), "crashed") {
			t.Errorf("%s: %v", name, err)
		}
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := Run(tctx, "test-flood", nil, Limits{MaxOutput: 1 << 20}); err == nil || !strings.Contains(err.Error(), "output") {
		t.Errorf("flood: %v", err)
	}
}

// A worker that never returns is killed at the deadline: Run returns, and
// neither a goroutine nor a process is left.
func TestRunKillsAtDeadline(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, "test-spin", nil, Limits{})
	var de *DeadlineError
	if !errors.As(err, &de) {
		t.Fatalf("spin: %v", err)
	}
	workertest.NothingLeft(t, before)
}

func TestRunNeedsMain(t *testing.T) {
	mu.Lock()
	enabled = false
	mu.Unlock()
	defer func() { mu.Lock(); enabled = true; mu.Unlock() }()
	if _, err := Run(context.Background(), "test-echo", nil, Limits{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("without Main: %v", err)
	}
}
