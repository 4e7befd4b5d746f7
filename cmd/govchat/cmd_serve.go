package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

func init() {
	register(command{
		name:    "serve",
		summary: "run the chat service: citizen widget, websocket, HTTP API, source-document pages",
		run:     runServe,
	})
}

// runServe listens at once, loads and serves (Main) until ctx ends; then it
// stops taking requests, finishes the answers in flight and closes the
// history last.
func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve")
	fs.StringVar(&env.Config.Addr, "addr", env.Config.Addr, "listen address, IPv4 and IPv6 (env GOVCHAT_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	m := NewMain(env)
	err := m.Run(ctx)
	if err == nil {
		select {
		case <-ctx.Done():
			env.Log.Info("shutting down: finishing answers in flight")
		case serr := <-m.Failed():
			err = fmt.Errorf("serve: %w", serr)
		}
	}
	if cerr := m.Close(); cerr != nil && err == nil {
		env.Log.Warn("shutdown", slog.Any("error", cerr))
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil // stopped while loading
		}
		return err
	}
	env.Log.Info("stopped")
	return nil
}
