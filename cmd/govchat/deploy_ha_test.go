package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The compose profile "ha" (issue 16): PostgreSQL, the Qdrant cluster, two
// govchat instances on them and Caddy in front, health checks on /readyz.
// `docker compose config` (in .ci/run) validates the file against the
// Compose specification; this test checks that the pieces fit together.
func TestComposeHAProfile(t *testing.T) {
	root := moduleRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	type service struct {
		Image       string            `yaml:"image"`
		Profiles    []string          `yaml:"profiles"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Networks any `yaml:"networks"`
	}
	var cf struct {
		Services map[string]service `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatal(err)
	}
	inHA := func(name string) service {
		s, ok := cf.Services[name]
		if !ok || !slices.Contains(s.Profiles, "ha") {
			t.Fatalf("service %s is not in the ha profile", name)
		}
		return s
	}
	pg := inHA("postgres")
	if !regexp.MustCompile(`^postgres:15\.\d+$`).MatchString(pg.Image) || !slices.Contains(pg.Healthcheck.Test, "pg_isready") {
		t.Errorf("postgres: image %q (want the official postgres:15.x), health check %v", pg.Image, pg.Healthcheck.Test)
	}
	for _, q := range []string{"qdrant-node1", "qdrant-node2", "qdrant-node3"} {
		inHA(q)
	}
	dataVolumes := map[string]bool{}
	for _, name := range []string{"govchat-a", "govchat-b"} {
		g := inHA(name)
		url := g.Environment["GOVCHAT_DATABASE_URL"]
		if !strings.HasPrefix(url, "postgres://") || !strings.Contains(url, "@postgres:5432/") {
			t.Errorf("%s: GOVCHAT_DATABASE_URL %q does not name the postgres service", name, url)
		}
		if g.Environment["GOVCHAT_STORE"] != "qdrant" || !strings.HasPrefix(g.Environment["GOVCHAT_QDRANT_URL"], "qdrant-node") {
			t.Errorf("%s: not on the Qdrant cluster: %v", name, g.Environment)
		}
		if !strings.HasPrefix(g.Environment["GOVCHAT_CONTACT_KEY_FILE"], "/secrets/") || !slices.Contains(g.Volumes, "govchat-secrets:/secrets") {
			t.Errorf("%s: the 留言 contact key must be one file shared by the instances: %q, volumes %v", name, g.Environment["GOVCHAT_CONTACT_KEY_FILE"], g.Volumes)
		}
		if g.Environment["GOVCHAT_TRUSTED_PROXIES"] == "" {
			t.Errorf("%s: GOVCHAT_TRUSTED_PROXIES unset: every client would share the proxy's address and rate limits", name)
		}
		if strings.Join(g.Healthcheck.Test, " ") != "CMD /usr/local/bin/govchat healthcheck --ready" {
			t.Errorf("%s: health check %v, want govchat healthcheck --ready (/readyz)", name, g.Healthcheck.Test)
		}
		for _, dep := range []string{"postgres", "qdrant-node1", "qdrant-node2", "qdrant-node3"} {
			if g.DependsOn[dep].Condition != "service_healthy" {
				t.Errorf("%s does not wait for %s to be healthy", name, dep)
			}
		}
		for _, v := range g.Volumes {
			if strings.HasSuffix(v, ":/data") {
				dataVolumes[v] = true
			}
		}
	}
	if len(dataVolumes) != 2 {
		t.Errorf("the instances' /data volumes %v: each needs its own (the embedded index files are per instance)", dataVolumes)
	}
	proxy := inHA("proxy")
	if !regexp.MustCompile(`^caddy:2\.\d+\.\d+`).MatchString(proxy.Image) {
		t.Errorf("proxy image %q: want the official Caddy image, pinned", proxy.Image)
	}
	if !slices.Contains(proxy.Volumes, "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro") {
		t.Errorf("proxy volumes %v: want deploy/caddy/Caddyfile", proxy.Volumes)
	}
	for _, dep := range []string{"govchat-a", "govchat-b"} {
		if proxy.DependsOn[dep].Condition != "service_healthy" {
			t.Errorf("proxy does not wait for %s", dep)
		}
	}
	caddy, err := os.ReadFile(filepath.Join(root, "deploy", "caddy", "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"reverse_proxy govchat-a:8080 govchat-b:8080", "health_uri /readyz", "lb_try_duration"} {
		if !strings.Contains(string(caddy), want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	if m := inHA("govchat-migrate"); strings.Join(m.Command, " ") != "migrate --from-sqlite /old" {
		t.Errorf("govchat-migrate command %v", m.Command)
	}
}
