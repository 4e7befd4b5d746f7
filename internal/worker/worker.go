// Package worker runs a function of this program in a child process — the
// same executable, started again — so that work on hostile input (a PDF
// whose page tree loops, a parser that never returns) can really be
// stopped: at the deadline the child is killed, and nothing of it (no
// goroutine, no CPU) is left behind, which a goroutine cannot promise.
//
// A worker is registered by name (usually from an init function) and the
// program calls Main first thing in main — and in TestMain, for the tests of
// packages that use workers: when the process was started as a worker, Main
// runs it and exits.
package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// envName names the worker a child process runs.
const envName = "GOVCHAT_WORKER"

// Func is a worker: it reads its input from in and writes its result to out.
// An error is reported to the parent as the run's error.
type Func func(in io.Reader, out io.Writer) error

var (
	mu      sync.Mutex
	funcs   = map[string]Func{}
	enabled bool
)

// Register adds a worker. It panics on a duplicate name.
func Register(name string, fn Func) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := funcs[name]; dup {
		panic("worker: " + name + " registered twice")
	}
	funcs[name] = fn
}

// Main runs the worker this process was started as, and exits; in any other
// process it only records that workers can be started (Run refuses before).
// Call it first thing in main and in the TestMain of packages whose code
// runs workers.
func Main() {
	name := os.Getenv(envName)
	if name == "" {
		mu.Lock()
		enabled = true
		mu.Unlock()
		return
	}
	os.Exit(runChild(name))
}

// Limits bound a child. Zero fields take DefaultLimits.
type Limits struct {
	// MaxOutput is the most a worker may write (bytes).
	MaxOutput int
	// MaxMemory is the child's soft memory limit (GOMEMLIMIT); the child's
	// stack is also bounded, so that runaway recursion ends it.
	MaxMemory int64
}

// DefaultLimits are 256 MiB of output and a 1 GiB memory limit.
var DefaultLimits = Limits{MaxOutput: 256 << 20, MaxMemory: 1 << 30}

// ErrUnavailable is returned by Run in a program that did not call Main.
var ErrUnavailable = errors.New("worker: child processes are not enabled (worker.Main was not called)")

// DeadlineError is returned when the child was killed at ctx's deadline.
type DeadlineError struct{ After time.Duration }

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("stopped after %s", e.After.Round(time.Millisecond))
}

// Run starts this executable as worker name, gives it input and returns
// what it wrote. When ctx ends first, the child is killed (and reaped)
// before Run returns a *DeadlineError (or ctx's error when it was
// cancelled). A worker that fails returns its error message.
func Run(ctx context.Context, name string, input []byte, lim Limits) ([]byte, error) {
	mu.Lock()
	ok := enabled
	mu.Unlock()
	if !ok {
		return nil, ErrUnavailable
	}
	if lim.MaxOutput <= 0 {
		lim.MaxOutput = DefaultLimits.MaxOutput
	}
	if lim.MaxMemory <= 0 {
		lim.MaxMemory = DefaultLimits.MaxMemory
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(runCtx, exe)
	cmd.Env = append(os.Environ(), envName+"="+name, "GOMAXPROCS=1", fmt.Sprintf("GOMEMLIMIT=%d", lim.MaxMemory))
	cmd.Stdin = bytes.NewReader(input)
	out := &limitedBuffer{max: lim.MaxOutput, over: stop}
	stderr := &limitedBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.WaitDelay = time.Second // pipes closed even if a grandchild held them
	setProcAttr(cmd)
	// Pdeathsig follows the thread that started the child: keep it for
	// the child's life.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	err = cmd.Run() // kills the child when ctx ends, and waits for it
	switch {
	case out.full:
		return nil, fmt.Errorf("worker %s: more than %d MiB of output", name, lim.MaxOutput>>20)
	case ctx.Err() != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &DeadlineError{After: time.Since(start)}
		}
		return nil, ctx.Err()
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == exitFailed {
			return nil, errors.New(strings.TrimSpace(stderr.buf.String()))
		}
		if msg := strings.TrimSpace(stderr.buf.String()); msg != "" {
			return nil, fmt.Errorf("worker %s crashed: %v: %s", name, err, firstLine(msg))
		}
		return nil, fmt.Errorf("worker %s crashed: %w", name, err)
	}
	return out.buf.Bytes(), nil
}

// Exit statuses of a child.
const (
	exitFailed  = 3 // the worker returned an error (on stderr)
	exitUnknown = 4 // no such worker
)

func runChild(name string) int {
	mu.Lock()
	fn := funcs[name]
	mu.Unlock()
	if fn == nil {
		fmt.Fprintf(os.Stderr, "worker: no worker %q in this program\n", name)
		return exitUnknown
	}
	// Runaway recursion ends the child rather than eat its memory.
	debug.SetMaxStack(64 << 20)
	if err := fn(os.Stdin, os.Stdout); err != nil {
		fmt.Fprint(os.Stderr, err.Error())
		return exitFailed
	}
	return 0
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// limitedBuffer keeps at most max bytes; past them it calls over (which
// stops the child) and discards the rest. (It has no ReadFrom, which
// io.Copy would call instead of Write.)
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int
	full bool
	over func()
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.full || b.buf.Len()+len(p) > b.max {
		if !b.full && b.over != nil {
			b.over()
		}
		b.full = true
		return len(p), nil
	}
	return b.buf.Write(p)
}
