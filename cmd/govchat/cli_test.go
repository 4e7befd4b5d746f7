package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/sqlite"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		into       string
		dry        bool
		positional []string
	}{
		{[]string{"--into", "D", "a", "b"}, "D", false, []string{"a", "b"}},
		{[]string{"a", "--into", "D", "b"}, "D", false, []string{"a", "b"}},
		{[]string{"a", "b", "--into=D", "--dry-run"}, "D", true, []string{"a", "b"}},
		{[]string{"--dry-run", "a", "-into", "D"}, "D", true, []string{"a"}},
		{[]string{"a", "--", "--into", "D"}, "", false, []string{"a", "--into", "D"}},
		{[]string{"-", "a"}, "", false, []string{"-", "a"}},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		into := fs.String("into", "", "")
		dry := fs.Bool("dry-run", false, "")
		if err := parseFlags(fs, tc.args); err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if *into != tc.into || *dry != tc.dry || !slices.Equal(fs.Args(), tc.positional) {
			t.Errorf("%q: into %q dry %v args %q", tc.args, *into, *dry, fs.Args())
		}
	}
	// A value-taking flag at the end has no value (it does not take "--").
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("into", "", "")
	var fe flagError
	if err := parseFlags(fs, []string{"a", "--into"}); !errors.As(err, &fe) || !strings.Contains(err.Error(), "needs an argument") {
		t.Errorf("missing value: %v", err)
	}
}

// cliEnv runs govchat with a knowledge base and data directory of its own
// (an import that ignored --into would write into the copy, never into the
// repository's knowledge/).
type cliEnv struct {
	t               *testing.T
	knowledge, data string
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	k := filepath.Join(t.TempDir(), "knowledge")
	if err := os.CopyFS(k, os.DirFS(filepath.Join(moduleRoot(t), "knowledge"))); err != nil {
		t.Fatal(err)
	}
	return &cliEnv{t: t, knowledge: k, data: t.TempDir()}
}

func (e *cliEnv) run(stdin string, args ...string) (string, string, int) {
	e.t.Helper()
	return runIn(e.t, shippedEnv(e.data, map[string]string{"GOVCHAT_KNOWLEDGE": e.knowledge}), stdin, args...)
}

// both runs args with the flags before the arguments and after them and
// checks that they do the same: the same output and exit status.
func (e *cliEnv) both(before, after []string, check func(out, errs string, code int)) {
	e.t.Helper()
	o1, e1, c1 := e.run("", before...)
	o2, e2, c2 := e.run("", after...)
	check(o1, e1, c1)
	check(o2, e2, c2)
	if timings(o1) != timings(o2) || c1 != c2 {
		e.t.Errorf("%q and %q differ:\n%d %s%s\n%d %s%s", before, after, c1, o1, e1, c2, o2, e2)
	}
}

// timings drops the lines that report how long something took.
func timings(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, "took_ms") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// badFlagAfterArgument: a flag with a bad value after an argument is parsed
// as a flag (and refused), not taken for an argument.
func (e *cliEnv) badFlagAfterArgument(args ...string) {
	e.t.Helper()
	_, errs, code := e.run("", args...)
	if code != 2 || !strings.Contains(errs, "invalid value") && !strings.Contains(errs, "flag needs an argument") && !strings.Contains(errs, "not defined") {
		e.t.Errorf("%q: exit %d, %q; want the flag's bad value refused", args, code, errs)
	}
}

// strayArgument: a command without arguments refuses one, and the flag
// after it is parsed (only the argument is named).
func (e *cliEnv) strayArgument(args ...string) {
	e.t.Helper()
	_, errs, code := e.run("", args...)
	if code != 2 || !strings.Contains(errs, `unexpected argument "stray"`) {
		e.t.Errorf("%q: exit %d, %q", args, code, errs)
	}
}

// Every command takes its flags before and after its arguments: one test
// per command (the table must name them all).
func TestEveryCommandTakesFlagsAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds indexes")
	}
	tests := map[string]func(t *testing.T, e *cliEnv){
		"ask": func(t *testing.T, e *cliEnv) {
			e.both([]string{"ask", "--json", seedQuestion}, []string{"ask", seedQuestion, "--json"}, func(out, errs string, code int) {
				if code != 0 || !strings.HasPrefix(out, `{"answer":`) {
					t.Errorf("ask: %d %q %s", code, out, errs)
				}
			})
		},
		"calibrate": func(t *testing.T, e *cliEnv) {
			e.badFlagAfterArgument("calibrate", "samples.json", "--folds", "many")
			e.badFlagAfterArgument("calibrate", "--folds", "many", "samples.json")
		},
		"eval": func(t *testing.T, e *cliEnv) {
			e.strayArgument("eval", "stray", "--queries", "q.jsonl")
			e.badFlagAfterArgument("eval", "stray", "--k", "ten")
		},
		"healthcheck": func(t *testing.T, e *cliEnv) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }))
			defer srv.Close()
			if _, errs, code := e.run("", "healthcheck", "--url", srv.URL+"/healthz"); code != 0 {
				t.Errorf("healthcheck: %d %s", code, errs)
			}
			e.strayArgument("healthcheck", "stray", "--url", srv.URL+"/healthz")
		},
		"import": func(t *testing.T, e *cliEnv) {
			src := filepath.Join(t.TempDir(), "notice.txt")
			os.WriteFile(src, []byte("关于开展政务公开日活动的通知\n\n各街道：定于每月第一个星期五开展政务公开日活动。\n"), 0o644)
			for i, args := range [][]string{{"import", "--into", "", src}, {"import", src, "--into", ""}, {"import", src, "--dry-run", "--into", ""}} {
				into := filepath.Join(t.TempDir(), fmt.Sprint("into", i))
				args[slices.Index(args, "")] = into
				out, errs, code := e.run("", args...)
				if code != 0 || !strings.Contains(out, "ok") {
					t.Errorf("%q: %d %s %s", args, code, out, errs)
				}
				written, _ := filepath.Glob(filepath.Join(into, "policies", "*.md"))
				if dry := slices.Contains(args, "--dry-run"); len(written) != map[bool]int{false: 1, true: 0}[dry] {
					t.Errorf("%q wrote %v", args, written)
				}
			}
			if leaked, _ := filepath.Glob(filepath.Join(e.knowledge, "policies", "doc-*.md")); len(leaked) > 0 {
				t.Errorf("import wrote into the knowledge base instead of --into: %v", leaked)
			}
		},
		"index": func(t *testing.T, e *cliEnv) {
			e.strayArgument("index", "stray", "--json")
			if out, errs, code := e.run("", "index", "--json"); code != 0 || !strings.HasPrefix(out, "{") {
				t.Errorf("index: %d %s %s", code, out, errs)
			}
		},
		"lint": func(t *testing.T, e *cliEnv) {
			e.both([]string{"lint", "--quiet", "--now", "2024-01-01", e.knowledge}, []string{"lint", e.knowledge, "--quiet", "--now", "2024-01-01"}, func(out, errs string, code int) {
				if code != 0 {
					t.Errorf("lint: %d %s %s", code, out, errs)
				}
			})
			e.badFlagAfterArgument("lint", e.knowledge, "--now")
		},
		"lookup": func(t *testing.T, e *cliEnv) {
			e.both([]string{"lookup", "--data", e.data, "重大建设项目"}, []string{"lookup", "重大建设项目", "--data", e.data}, func(out, errs string, code int) {
				if code != 0 || !strings.Contains(out, "haishu") {
					t.Errorf("lookup: %d %s %s", code, out, errs)
				}
			})
			e.both([]string{"lookup", "--faq", "no-such.jsonl", "bench"}, []string{"lookup", "bench", "--faq", "no-such.jsonl"}, func(out, errs string, code int) {
				if code != 1 || !strings.Contains(errs, "no-such.jsonl") {
					t.Errorf("lookup bench: %d %s", code, errs)
				}
			})
		},
		"migrate": func(t *testing.T, e *cliEnv) {
			e.strayArgument("migrate", "stray", "--data", e.data)
			if out, errs, code := e.run("", "migrate", "--data", e.data); code != 0 || !strings.Contains(out, "schemas up to date") {
				t.Errorf("migrate: %d %s %s", code, out, errs)
			}
			e.badFlagAfterArgument("migrate", "stray", "--from-sqlite")
		},
		"refusal": func(t *testing.T, e *cliEnv) {
			e.strayArgument("refusal", "stray", "--json")
		},
		"report": func(t *testing.T, e *cliEnv) {
			e.both([]string{"report", "--format", "json", "unanswered"}, []string{"report", "unanswered", "--format", "json"}, func(out, errs string, code int) {
				if code != 1 || !strings.Contains(errs, "no history at") {
					t.Errorf("report: %d %s", code, errs)
				}
			})
			e.badFlagAfterArgument("report", "unanswered", "--limit", "all")
			e.both([]string{"report", "--period", "30", "concerns"}, []string{"report", "concerns", "--period", "30"}, func(out, errs string, code int) {
				if code != 1 || !strings.Contains(errs, "no history at") {
					t.Errorf("report concerns: %d %s", code, errs)
				}
			})
			e.both([]string{"report", "--late-days", "3", "coverage"}, []string{"report", "coverage", "--late-days", "3"}, func(out, errs string, code int) {
				if code != 0 || !strings.Contains(out, "超过 3 天") {
					t.Errorf("report coverage: %d %s %s", code, out, errs)
				}
			})
			e.badFlagAfterArgument("report", "concerns", "--period", "all")
		},
		"demo": func(t *testing.T, e *cliEnv) {
			e.both([]string{"demo", "--remove", "history"}, []string{"demo", "history", "--remove"}, func(out, errs string, code int) {
				if code != 0 || !strings.Contains(out, "removed 0 demo questions") {
					t.Errorf("demo history --remove: %d %s %s", code, out, errs)
				}
			})
			e.badFlagAfterArgument("demo", "history", "--days", "many")
		},
		"review": func(t *testing.T, e *cliEnv) {
			e.both([]string{"review", "--json", "similar"}, []string{"review", "similar", "--json"}, func(out, errs string, code int) {
				if code != 0 || !strings.Contains(out, `"proposals":[]`) {
					t.Errorf("review similar: %d %s %s", code, out, errs)
				}
			})
			e.badFlagAfterArgument("review", "similar", "--approve-all-min", "all")
			e.strayArgument("review", "similar", "stray", "--json")
		},
		"route": func(t *testing.T, e *cliEnv) {
			e.both([]string{"route", "--k", "5", "suggest", "社保卡丢了"}, []string{"route", "suggest", "社保卡丢了", "--k", "5"}, func(out, errs string, code int) {
				if code != 0 {
					t.Errorf("route suggest: %d %s %s", code, out, errs)
				}
			})
			e.both([]string{"route", "--file", "no-such.jsonl", "eval"}, []string{"route", "eval", "--file", "no-such.jsonl"}, func(out, errs string, code int) {
				if code != 1 || !strings.Contains(errs, "no-such.jsonl") {
					t.Errorf("route eval: %d %s", code, errs)
				}
			})
		},
		"events": func(t *testing.T, e *cliEnv) {
			// An outbox with nothing in it: serve made workbench.db.
			db, err := sqlite.Open(filepath.Join(e.data, "workbench.db"))
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Ping(); err != nil {
				t.Fatal(err)
			}
			db.Close()
			e.both([]string{"events", "--data", e.data, "--since", "24h", "list", "--all"}, []string{"events", "list", "--all", "--since", "24h", "--data", e.data}, func(out, errs string, code int) {
				if code != 0 || !strings.Contains(out, "待投递：0") {
					t.Errorf("events list: %d %s %s", code, out, errs)
				}
			})
			e.strayArgument("events", "list", "stray", "--json")
			e.badFlagAfterArgument("events", "list", "--limit", "all")
			e.both([]string{"events", "--since", "1h", "replay"}, []string{"events", "replay", "--since", "1h"}, func(out, errs string, code int) {
				if code != 1 || !strings.Contains(errs, "GOVCHAT_WEBHOOK_URL") {
					t.Errorf("events replay without receivers: %d %s %s", code, out, errs)
				}
			})
		},
		"serve": func(t *testing.T, e *cliEnv) {
			e.strayArgument("serve", "stray", "--addr", "127.0.0.1:0")
			e.badFlagAfterArgument("serve", "stray", "--data")
		},
		"user": func(t *testing.T, e *cliEnv) {
			add := func(args ...string) {
				if out, errs, code := e.run("a long passphrase\n", args...); code != 0 {
					t.Errorf("%q: %d %s %s", args, code, out, errs)
				}
			}
			add("user", "add", "--username", "wang", "--name", "王五", "--staff-no", "1001", "--password-stdin")
			add("user", "--data", e.data, "add", "--name", "欧阳晓明", "--staff-no", "1002", "--username", "ouyang", "--role", "admin", "--password-stdin")
			add("user", "passwd", "wang", "--password-stdin")
			add("user", "--password-stdin", "passwd", "ouyang")
			add("user", "disable", "wang", "--data", e.data)
			e.both([]string{"user", "--data", e.data, "list"}, []string{"user", "list", "--data", e.data}, func(out, errs string, code int) {
				if code != 0 || !strings.Contains(out, "欧阳晓明") || !strings.Contains(out, "disabled") {
					t.Errorf("user list: %d %s %s", code, out, errs)
				}
			})
		},
	}
	for name := range commands {
		if tests[name] == nil {
			t.Errorf("command %s has no flags-anywhere test", name)
		}
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) { test(t, newCLIEnv(t)) })
	}
}

// govchat alone is a usage error: the list of commands, exit status 2.
func TestNoCommand(t *testing.T) {
	out, errs, code := runIn(t, shippedEnv(t.TempDir(), nil), "")
	if code != 2 || out != "" || !strings.Contains(errs, "Commands:") {
		t.Errorf("govchat: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if out, _, code := runIn(t, shippedEnv(t.TempDir(), nil), "", "help"); code != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("govchat help: exit %d, %q", code, out)
	}
}

// An error names each part once: not "knowledge: knowledge: stat …".
func TestErrorsDoNotRepeatTheirPrefix(t *testing.T) {
	_, errs, code := runIn(t, shippedEnv(t.TempDir(), map[string]string{"GOVCHAT_KNOWLEDGE": "/no/such/dir"}), "", "ask", "问题")
	if code != 1 || strings.Count(errs, "knowledge:") != 1 || !strings.HasPrefix(errs, "govchat ask: ") {
		t.Errorf("ask without a knowledge base: %q", errs)
	}
}

// column returns the display column where field starts in line.
func column(line, field string) int {
	i := strings.Index(line, field)
	if i < 0 {
		return -1
	}
	return displayWidth(line[:i])
}

// Columns line up in display width, Chinese text (two columns a character)
// included: user list, and help's command list.
func TestColumnsAlignWithChineseText(t *testing.T) {
	e := newCLIEnv(t)
	for _, u := range [][]string{{"wang", "王五", "1001"}, {"ouyang", "欧阳晓明", "1002"}, {"li", "Li Lei", "1003"}} {
		if _, errs, code := e.run("a long passphrase\n", "user", "add", "--username", u[0], "--name", u[1], "--staff-no", u[2], "--password-stdin"); code != 0 {
			t.Fatal(errs)
		}
	}
	out, _, _ := e.run("", "user", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := column(lines[0], "STAFF-NO")
	for _, l := range lines[1:] {
		if c := column(l, "100"); c != want {
			t.Errorf("staff number at column %d, header at %d:\n%s", c, want, out)
		}
	}
	help, _, _ := runIn(t, shippedEnv(t.TempDir(), nil), "", "help")
	starts := map[int]bool{}
	for _, l := range strings.Split(help, "\n") {
		if f := strings.Fields(l); strings.HasPrefix(l, "  ") && len(f) > 1 && commands[f[0]].name != "" {
			name := "  " + f[0]
			starts[displayWidth(name)+column(l[len(name):], f[1])] = true
		}
	}
	if len(starts) != 1 {
		t.Errorf("help's summaries start at columns %v:\n%s", starts, help)
	}
}
