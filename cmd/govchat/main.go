// Command govchat is the policy Q&A knowledge base and chat service.
//
// Usage: govchat <command> [flags]; run "govchat help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/govchat/govchat/internal/config"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/worker"
)

// command is one subcommand. Each lives in its own file (cmd_*.go) and
// registers itself in commands from an init function.
type command struct {
	name    string
	summary string
	// run parses args (after the command name) and runs. env carries the
	// configuration and the standard streams.
	run func(ctx context.Context, env *Env, args []string) error
}

// Env is what every command receives.
type Env struct {
	Config config.Config
	// Now is the one clock every component is given (Config.Clock).
	Now    func() time.Time
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// exitError carries an exit status without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	// A child started to extract a PDF (package worker) runs that and exits.
	worker.Main()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		usage(stderr) // not a command: the list, and a usage error
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "govchat: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "govchat: configuration: %v\n", err)
		return 2
	}
	env := &Env{Config: cfg, Now: cfg.Clock(), Stdin: stdin, Stdout: stdout, Stderr: stderr, Log: newLogger(stderr, cfg.LogLevel)}
	err = c.run(ctx, env, args[1:])
	var ee exitError
	var fe flagError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &fe):
		return 2
	default:
		fmt.Fprintf(stderr, "govchat %s: %s\n", c.name, errorMessage(err))
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "govchat — 政策问答知识库与智能问答服务\n\nUsage: govchat <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	rows := make([][]string, len(names))
	for i, n := range names {
		rows[i] = []string{n, commands[n].summary}
	}
	writeTable(w, "  ", rows)
	fmt.Fprintln(w, "\nRun \"govchat <command> -h\" for a command's flags.")
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	// Every line is redacted: no 身份证号 or phone number reaches a log.
	return slog.New(safety.LogHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})))
}

// newFlags returns a flag set for a command with the shared --knowledge and
// --data flags bound to env.Config (their env twins are the defaults).
func newFlags(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("govchat "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&env.Config.Knowledge, "knowledge", env.Config.Knowledge, "knowledge base directory (env GOVCHAT_KNOWLEDGE)")
	fs.StringVar(&env.Config.Data, "data", env.Config.Data, "data directory for the index and history (env GOVCHAT_DATA)")
	return fs
}
