package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthcheck probes a running govchat's /healthz (--ready: /readyz).
// Container images have no shell or curl, so Docker's HEALTHCHECK and
// docker-compose call the binary.
func init() {
	register(command{
		name:    "healthcheck",
		summary: "check that a running govchat answers on /healthz, or with --ready that it is ready (/readyz; container health checks)",
		run:     runHealthcheck,
	})
}

func runHealthcheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "healthcheck")
	url := fs.String("url", "", "URL to probe (default: http://127.0.0.1<GOVCHAT_ADDR>/healthz)")
	ready := fs.Bool("ready", false, "probe /readyz: ready to serve (knowledge base loaded, database reachable), not only alive")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *url == "" {
		*url = healthURL(env.Config.Addr)
		if *ready {
			*url = strings.TrimSuffix(*url, "/healthz") + "/readyz"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(env.Stdout, "ok")
	return nil
}

// healthURL turns a listen address (":8080", "0.0.0.0:8080", "[::]:8080",
// "host:8080") into the URL of /healthz on the local machine.
func healthURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "", strings.TrimPrefix(addr, ":")
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}
