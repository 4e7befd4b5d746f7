package kb

import (
	"testing"
	"time"
)

func TestNormalizeDocNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"国发〔2019〕5号", "国发〔2019〕5号"},
		{"国发[2019]5号", "国发〔2019〕5号"},
		{"国发(2019)5号", "国发〔2019〕5号"},
		{"国发（2019）5号", "国发〔2019〕5号"},
		{"国发【2019】第5号", "国发〔2019〕5号"},
		{"国发 〔2019〕 05号", "国发〔2019〕5号"},
		{"请问国办发〔２０１７〕９７号说了什么", "国办发〔2017〕97号"},
		{"没有文号", ""},
	}
	for _, tt := range tests {
		if got := NormalizeDocNumber(tt.in); got != tt.want {
			t.Errorf("NormalizeDocNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := FindDocNumbers("依据国办发〔２０１７〕９７号和国发[2019]5号"); len(got) != 2 || got[0] != "国办发〔2017〕97号" || got[1] != "国发〔2019〕5号" {
		t.Errorf("FindDocNumbers = %q", got)
	}
}

func TestValidity(t *testing.T) {
	day := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	now := day("2026-11-30")
	tests := []struct {
		name string
		d    Document
		want Status
	}{
		{"no dates", Document{}, StatusActive},
		{"explicit repealed", Document{Status: StatusRepealed}, StatusRepealed},
		{"expired", Document{Expires: day("2025-01-01")}, StatusRepealed},
		{"expires today still valid", Document{Expires: now}, StatusActive},
		{"not yet effective", Document{Effective: day("2027-01-01")}, StatusPending},
		{"replaced", Document{ReplacedBy: []string{"x"}}, StatusRevised},
		{"active but past expiry", Document{Status: StatusActive, Expires: day("2020-01-01")}, StatusRepealed},
	}
	for _, tt := range tests {
		if got := tt.d.Validity(now); got != tt.want {
			t.Errorf("%s: Validity = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestBaseLinks(t *testing.T) {
	p := &Document{ID: "p1", Type: TypePolicy, Title: "政策"}
	i := &Document{ID: "i1", Type: TypeInterpretation, Title: "解读", Interprets: "p1"}
	b := NewBase([]*Document{p, i}, Dict{})
	s := b.SourceOf(p, &Chunk{Anchor: "s2"}, "x", time.Now())
	if s.DocURL != "/docs/p1#s2" || len(s.Interpretations) != 1 || s.Interpretations[0].ID != "i1" {
		t.Fatalf("policy source = %+v", s)
	}
	s = b.SourceOf(i, nil, "x", time.Now())
	if s.Interprets == nil || s.Interprets.ID != "p1" {
		t.Fatalf("interpretation source = %+v", s)
	}
}

func TestPlanYear(t *testing.T) {
	for _, c := range []struct {
		typ   Type
		title string
		want  int
	}{
		{TypePolicy, "宁波市海曙区人民政府办公室关于印发2019年宁波市海曙区政务公开工作要点的通知", 2019},
		{TypeInterpretation, "《2019年海曙区政务公开工作要点》解读", 2019},
		{TypePolicy, "2021年度政务公开工作方案", 2021},
		{TypePolicy, "海曙区政务公开工作考核办法（2021年修订）", 0}, // not an annual plan
		{TypeFAQ, "2019年工作要点是哪天印发的", 0},           // FAQ entries are not dated plans
		{TypePolicy, "关于12019年工作要点", 0},           // no year there
	} {
		d := &Document{Type: c.typ, Title: c.title}
		if got := d.PlanYear(); got != c.want {
			t.Errorf("PlanYear(%q) = %d, want %d", c.title, got, c.want)
		}
	}
}

func TestSafeURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://www.gov.cn/zhengce/content/2019-01/01/c_1.htm": true,
		"http://www.example.gov.cn/a?b=c#d":                     true,
		"javascript:alert(1)":                                   false,
		"JavaScript:alert(1)":                                   false,
		"data:text/html,<script>x</script>":                     false,
		"//evil.example/x":                                      false,
		"/docs/x":                                               false,
		"www.example.com":                                       false,
		"https://":                                              false,
		"https://a.example/\"onmouseover=x":                     false,
	} {
		if got := SafeURL(u) != ""; got != ok {
			t.Errorf("SafeURL(%q) ok = %v", u, got)
		}
	}
	b := NewBase([]*Document{{ID: "x", Type: TypePolicy, Title: "x", URL: "javascript:alert(1)"}}, Dict{})
	d := b.Doc("x")
	if RefOf(d).URL != "" || b.SourceOf(d, nil, "", time.Now()).URL != "" {
		t.Error("an unsafe URL reached a reference or a source")
	}
}
