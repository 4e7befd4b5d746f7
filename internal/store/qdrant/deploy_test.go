package qdrant_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/testenv"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/store/qdrant"
)

// The deployment files live at the module root; these tests check their
// structure (no Docker engine is needed). `docker compose config` validates
// the compose file against the Compose specification where Docker is
// installed; see docs/qdrant.md.

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Profiles    []string          `yaml:"profiles"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test     []string `yaml:"test"`
		Interval string   `yaml:"interval"`
		Timeout  string   `yaml:"timeout"`
	} `yaml:"healthcheck"`
}

func TestDockerCompose(t *testing.T) {
	root := moduleRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(false) // x- extension fields and keys this test does not model
	if err := dec.Decode(&cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}

	// Qdrant pinned to the client's minor version.
	maj, min, _ := strings.Cut(qdrant.ClientVersion, ".")
	min, _, _ = strings.Cut(min, ".")
	pinned := regexp.MustCompile(`^qdrant/qdrant:v` + maj + `\.` + min + `\.\d+$`)
	var qdrants, cluster []string
	for name, s := range cf.Services {
		if strings.HasPrefix(s.Image, "qdrant/") {
			qdrants = append(qdrants, name)
			if !pinned.MatchString(s.Image) {
				t.Errorf("%s: image %q, want qdrant/qdrant:v%s.%s.x", name, s.Image, maj, min)
			}
			if slices.Contains(s.Profiles, "cluster") {
				cluster = append(cluster, name)
			}
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" {
			t.Errorf("%s: no exec-form health check", name)
		}
		for dep, d := range s.DependsOn {
			ds, ok := cf.Services[dep]
			if !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
				continue
			}
			if d.Condition == "service_healthy" && ds.Healthcheck == nil {
				t.Errorf("%s waits for %s to be healthy, which has no health check", name, dep)
			}
			// Whenever the dependent runs, so must what it depends on.
			for _, p := range s.Profiles {
				if len(ds.Profiles) > 0 && !slices.Contains(ds.Profiles, p) {
					t.Errorf("%s (profiles %v) depends on %s (profiles %v)", name, s.Profiles, dep, ds.Profiles)
				}
			}
			if len(s.Profiles) == 0 && len(ds.Profiles) > 0 {
				t.Errorf("%s (no profile) depends on %s (profiles %v)", name, dep, ds.Profiles)
			}
		}
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				if _, ok := cf.Volumes[src]; !ok {
					t.Errorf("%s uses undeclared volume %s", name, src)
				}
			}
		}
	}
	if len(qdrants) == 0 {
		t.Fatal("no Qdrant service")
	}

	// govchat on Qdrant, knowledge mounted, data volume, health check.
	for _, name := range []string{"govchat", "govchat-cluster"} {
		g, ok := cf.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if g.Environment["GOVCHAT_STORE"] != "qdrant" {
			t.Errorf("%s: GOVCHAT_STORE = %q", name, g.Environment["GOVCHAT_STORE"])
		}
		host, port, _ := strings.Cut(g.Environment["GOVCHAT_QDRANT_URL"], ":")
		if port != "6334" {
			t.Errorf("%s: GOVCHAT_QDRANT_URL %q is not Qdrant's gRPC port", name, g.Environment["GOVCHAT_QDRANT_URL"])
		}
		if _, ok := cf.Services[host]; !ok {
			t.Errorf("%s: GOVCHAT_QDRANT_URL names no service (%q)", name, host)
		}
		if d, ok := g.DependsOn[host]; !ok || d.Condition != "service_healthy" {
			t.Errorf("%s does not wait for %s to be healthy", name, host)
		}
		if !slices.ContainsFunc(g.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/knowledge:ro") }) ||
			!slices.ContainsFunc(g.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/data") }) {
			t.Errorf("%s volumes %v: want the knowledge base read-only on /knowledge and a /data volume", name, g.Volumes)
		}
		if g.Healthcheck == nil || !slices.Contains(g.Healthcheck.Test, "healthcheck") {
			t.Errorf("%s: health check does not run govchat healthcheck", name)
		}
	}

	// The cluster profile: three peers, the first bootstraps the others.
	slices.Sort(cluster)
	if len(cluster) != 3 {
		t.Fatalf("cluster profile has Qdrant services %v, want 3", cluster)
	}
	first := ""
	for _, name := range cluster {
		s := cf.Services[name]
		if s.Environment["QDRANT__CLUSTER__ENABLED"] != "true" {
			t.Errorf("%s: QDRANT__CLUSTER__ENABLED not true", name)
		}
		cmd := strings.Join(s.Command, " ")
		if !strings.Contains(cmd, "--uri http://"+name+":6335") {
			t.Errorf("%s: command %q lacks --uri http://%s:6335", name, cmd, name)
		}
		if !strings.Contains(cmd, "--bootstrap") {
			if first != "" {
				t.Errorf("%s and %s both start a new cluster", first, name)
			}
			first = name
		} else if !strings.Contains(cmd, "--bootstrap http://"+cluster[0]+":6335") {
			t.Errorf("%s: command %q does not bootstrap from %s", name, cmd, cluster[0])
		}
	}
	if first != cluster[0] {
		t.Errorf("bootstrap peer is %q, want %s", first, cluster[0])
	}
	gc := cf.Services["govchat-cluster"]
	if gc.Environment["GOVCHAT_QDRANT_SHARDS"] == "" || gc.Environment["GOVCHAT_QDRANT_REPLICATION"] == "" {
		t.Error("govchat-cluster sets no shard number or replication factor")
	}

	// The optional model server is behind a profile.
	if o, ok := cf.Services["ollama"]; ok && len(o.Profiles) == 0 {
		t.Error("ollama starts by default; it should be optional (a profile)")
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n < 2 {
		t.Errorf("%d stages, want a multi-stage build", n)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/govchat", "HEALTHCHECK", "VOLUME", "/knowledge", "EXPOSE 8080"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindStringSubmatch(df)
	if user == nil || user[1] == "root" || strings.HasPrefix(user[1], "0") {
		t.Errorf("Dockerfile USER %v: want a non-root user", user)
	}
}

func moduleRoot(t *testing.T) string { return testenv.ModuleRoot(t) }
