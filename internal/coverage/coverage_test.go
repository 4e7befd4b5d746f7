package coverage

import (
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func testBase() *kb.Base {
	return kb.NewBase([]*kb.Document{
		{ID: "p-ok", Type: kb.TypePolicy, Title: "按时解读的政策", Published: date("2025-01-10"), Path: "policies/p-ok.md", Line: 1},
		{ID: "i-ok", Type: kb.TypeInterpretation, Interprets: "p-ok", Title: "同日解读", Published: date("2025-01-10")},
		{ID: "p-late", Type: kb.TypePolicy, Title: "解读晚了的政策", Published: date("2025-01-10")},
		{ID: "i-late", Type: kb.TypeInterpretation, Interprets: "p-late", Title: "晚五天的解读", Published: date("2025-01-15"), Path: "interpretations/i-late.md", Line: 1},
		{ID: "p-none", Type: kb.TypePolicy, Title: "没有解读的政策", Published: date("2025-02-01"), Expires: date("2025-06-30"), Path: "policies/p-none.md", Line: 1},
		{ID: "p-old", Type: kb.TypePolicy, Title: "已废止的政策", Status: kb.StatusRepealed, Published: date("2020-01-01")},
		{ID: "p-future", Type: kb.TypePolicy, Title: "尚未施行", Effective: date("2026-01-01")},
		{ID: "i-future", Type: kb.TypeInterpretation, Interprets: "p-future", Title: "解读"},
		{ID: "faq-stale", Type: kb.TypeFAQ, Title: "旧问题", Sources: []string{"p-old", "p-ok"}, Path: "faq/a.yaml", Line: 3},
		{ID: "faq-ok", Type: kb.TypeFAQ, Title: "好问题", Sources: []string{"p-ok"}},
		{ID: "faq-expired", Type: kb.TypeFAQ, Title: "过期问题", Sources: []string{"p-old"}, Expires: date("2024-01-01")},
	}, kb.Dict{})
}

func ids(items []Item) string {
	var s []string
	for _, it := range items {
		s = append(s, it.ID)
	}
	return strings.Join(s, ",")
}

func TestCheck(t *testing.T) {
	now := date("2025-05-01").Add(12 * time.Hour)
	tests := []struct {
		name          string
		cfg           Config
		cited         map[string]int
		uninterpreted string
		late          string
		expiring      string
		uncited       string
	}{
		{name: "defaults (同步: same day)", uninterpreted: "p-none", late: "i-late", expiring: "p-none"},
		{name: "five days allowed", cfg: Config{LateDays: 5}, uninterpreted: "p-none", late: "", expiring: "p-none"},
		{name: "a month ahead", cfg: Config{ExpiringDays: 30}, uninterpreted: "p-none", late: "i-late", expiring: ""},
		{name: "with citations", cited: map[string]int{"p-ok": 3, "faq-ok": 1, "i-ok": 1}, uninterpreted: "p-none", late: "i-late", expiring: "p-none",
			uncited: "p-late,i-late,p-none,p-future,i-future,faq-stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(testBase(), now, tt.cfg, tt.cited)
			if got := ids(r.Uninterpreted); got != tt.uninterpreted {
				t.Errorf("uninterpreted = %s, want %s", got, tt.uninterpreted)
			}
			var late []Item
			for _, l := range r.Late {
				late = append(late, l.Interpretation)
			}
			if got := ids(late); got != tt.late {
				t.Errorf("late = %s, want %s", got, tt.late)
			}
			var exp []Item
			for _, e := range r.Expiring {
				exp = append(exp, e.Item)
			}
			if got := ids(exp); got != tt.expiring {
				t.Errorf("expiring = %s, want %s", got, tt.expiring)
			}
			if got := ids(r.Uncited); got != tt.uncited || r.CitedKnown != (tt.cited != nil) {
				t.Errorf("uncited = %s (known %v), want %s", got, r.CitedKnown, tt.uncited)
			}
			if len(r.StaleSources) != 1 || r.StaleSources[0].FAQ.ID != "faq-stale" || r.StaleSources[0].Source.Status != kb.StatusRepealed {
				t.Errorf("stale sources = %+v", r.StaleSources)
			}
			if r.Policies != 4 {
				t.Errorf("policies in force = %d, want 4", r.Policies)
			}
		})
	}
}

func TestFindings(t *testing.T) {
	r := Check(testBase(), date("2025-05-01"), Config{}, nil)
	var lines []string
	for _, f := range r.Findings() {
		lines = append(lines, f.Path+": "+f.Message)
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"policies/p-none.md: policy in force has no interpretation",
		"interpretations/i-late.md: interpretation published 5 days after its policy p-late (同步: at most 0 days)",
		"faq/a.yaml: FAQ entry rests on p-old, which is 已废止",
		"policies/p-none.md: expires on 2025-06-30 (60 days left)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("findings lack %q:\n%s", want, got)
		}
	}
}
