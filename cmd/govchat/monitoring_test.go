package main

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/store/qdrant/qdranttest"
)

// The monitoring pack (deploy/): the Grafana dashboard and the Prometheus
// rules load, promtool accepts and unit-tests the rules where Debian's
// prometheus package provides it, and every metric they name is exported
// on /metrics by a live `govchat serve` (on Qdrant, so that the Qdrant probe
// is there too).

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// ruleFile is a Prometheus rule file.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readDeploy(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), "deploy", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadMonitoring parses the dashboard and the rules and returns every
// expression in them, by where it is.
func loadMonitoring(t *testing.T) (exprs map[string]string, records map[string]bool) {
	t.Helper()
	exprs, records = map[string]string{}, map[string]bool{}
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(readDeploy(t, "grafana/dashboards/govchat.json")))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 || len(d.Panels) == 0 {
		t.Fatalf("dashboard: uid %q, title %q, schemaVersion %d, %d panels", d.UID, d.Title, d.SchemaVersion, len(d.Panels))
	}
	if len(d.Templating.List) == 0 || d.Templating.List[0].Name != "datasource" || d.Templating.List[0].Type != "datasource" {
		t.Error("dashboard: the first template variable should be the Prometheus datasource, so it imports anywhere")
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("dashboard: panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("dashboard panel %q: datasource should be ${datasource}", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q: no query", p.Title)
		}
		for i, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("dashboard panel %q: empty query", p.Title)
			}
			exprs["dashboard "+p.Title+" #"+string(rune('A'+i))] = tg.Expr
		}
	}

	var rf ruleFile
	if err := yaml.Unmarshal(readDeploy(t, "prometheus/govchat-rules.yml"), &rf); err != nil {
		t.Fatalf("rules: %v", err)
	}
	alerts := 0
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			switch {
			case r.Record != "":
				records[r.Record] = true
				exprs["record "+r.Record] = r.Expr
			case r.Alert != "":
				alerts++
				exprs["alert "+r.Alert] = r.Expr
				if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
					t.Errorf("alert %s: needs a severity label, a summary and a description", r.Alert)
				}
			default:
				t.Errorf("group %s: a rule with neither alert nor record", g.Name)
			}
		}
	}
	wantAlerts := []string{"GovchatDown", "GovchatNotReady", "GovchatRefusalRateSpike", "GovchatHandoffWaitTooLong",
		"GovchatWebhookBacklogGrowing", "GovchatQdrantUnreachable", "GovchatPostgresUnreachable"}
	for _, a := range wantAlerts {
		if _, ok := exprs["alert "+a]; !ok {
			t.Errorf("rules: no alert %s", a)
		}
	}
	if alerts < len(wantAlerts) {
		t.Errorf("rules: %d alerts", alerts)
	}
	return exprs, records
}

var (
	metricName  = regexp.MustCompile(`\bgovchat_[a-z0-9_]+\b`)
	recordName  = regexp.MustCompile(`\bgovchat:[a-z0-9_:]+\b`)
	labelMatchs = regexp.MustCompile(`\b(govchat_[a-z0-9_]+)\{([^}]*)\}`)
	labelName   = regexp.MustCompile(`([a-z_][a-z0-9_]*)\s*(=~|!~|!=|=)`)
)

// exposition is what /metrics says: metric families with their type, and
// the label names of their samples.
type exposition struct {
	types  map[string]string          // family → counter, gauge, histogram
	labels map[string]map[string]bool // family → label names seen on samples
}

func parseExposition(text string) exposition {
	e := exposition{types: map[string]string{}, labels: map[string]map[string]bool{}}
	sample := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? `)
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			e.types[f[2]] = f[3]
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fam := m[1]
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(fam, suf); ok && e.types[base] == "histogram" {
				fam = base
			}
		}
		if e.labels[fam] == nil {
			e.labels[fam] = map[string]bool{}
		}
		for _, l := range labelName.FindAllStringSubmatch(m[2], -1) {
			e.labels[fam][l[1]] = true
		}
	}
	return e
}

// family returns the metric family a name in a query belongs to
// (govchat_x_bucket → govchat_x for a histogram).
func (e exposition) family(name string) (string, bool) {
	if _, ok := e.types[name]; ok {
		return name, true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok && e.types[base] == "histogram" {
			return base, true
		}
	}
	return "", false
}

func TestMonitoringPackUsesExportedMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a server")
	}
	exprs, records := loadMonitoring(t)

	q := qdranttest.Start(t)
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), map[string]string{
		"GOVCHAT_STORE": "qdrant", "GOVCHAT_QDRANT_URL": q.Addr(),
	}, chat.Config{})
	// A little traffic, so that labelled families have samples.
	resp, err := http.Post(rs.base+"/api/ask", "application/json", strings.NewReader(`{"question":"`+seedQuestion+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(rs.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	exp := parseExposition(string(body))
	if !strings.Contains(string(body), `govchat_dependency_up{dependency="qdrant"} 1`) {
		t.Errorf("/metrics lacks the Qdrant probe:\n%s", grepLines(string(body), "govchat_dependency_up"))
	}

	used := map[string]bool{}
	for where, expr := range exprs {
		for _, name := range metricName.FindAllString(expr, -1) {
			fam, ok := exp.family(name)
			if !ok {
				t.Errorf("%s uses %s, which /metrics does not export", where, name)
				continue
			}
			used[fam] = true
		}
		for _, name := range recordName.FindAllString(expr, -1) {
			if !records[name] {
				t.Errorf("%s uses the recording rule %s, which govchat-rules.yml does not define", where, name)
			}
		}
		// Label names in selectors exist on the family's samples (families
		// without samples yet — no 转人工 request made — are not checked).
		for _, m := range labelMatchs.FindAllStringSubmatch(expr, -1) {
			fam, ok := exp.family(m[1])
			if !ok || len(exp.labels[fam]) == 0 {
				continue
			}
			for _, l := range labelName.FindAllStringSubmatch(m[2], -1) {
				if l[1] != "le" && !exp.labels[fam][l[1]] {
					t.Errorf("%s selects %s by label %q, which its samples do not have (%v)", where, fam, l[1], slices.Sorted(maps.Keys(exp.labels[fam])))
				}
			}
		}
	}
	t.Logf("the dashboard and the rules use %d of the %d metric families on /metrics: %s", len(used), len(exp.types),
		strings.Join(slices.Sorted(maps.Keys(used)), " "))
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestMonitoringPromtool checks the rules and the Prometheus configuration
// with promtool and runs the rules' unit tests. Without promtool it skips
// with a message; under CI=true it fails instead when the prometheus package
// is installable (apt), as .ci/run installs it.
func TestMonitoringPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		msg := "promtool not found: install Debian's prometheus package (apt-get install prometheus) to check the alert rules with it"
		if os.Getenv("CI") == "true" && aptHas("prometheus") {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := filepath.Join(moduleRoot(t), "deploy", "prometheus")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
	}
	run("check", "rules", "govchat-rules.yml")
	run("test", "rules", "govchat-rules.test.yml")

	// prometheus.yml names the rules at their path in the container.
	cfg := readDeploy(t, "prometheus/prometheus.yml")
	rules := filepath.Join(dir, "govchat-rules.yml")
	cfg = bytes.ReplaceAll(cfg, []byte("/etc/prometheus/govchat-rules.yml"), []byte(rules))
	tmp := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(tmp, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	run("check", "config", tmp)
}

// aptHas reports whether apt knows an installation candidate for pkg.
func aptHas(pkg string) bool {
	out, err := exec.Command("apt-cache", "policy", pkg).Output()
	if err != nil {
		return false
	}
	m := regexp.MustCompile(`Candidate:\s*(\S+)`).FindSubmatch(out)
	return m != nil && string(m[1]) != "(none)"
}
