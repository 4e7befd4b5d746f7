package knowledge

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestLoadDocumentsFAQAndDict(t *testing.T) {
	fsys := fstest.MapFS{
		"policies/p1.md": file(`---
id: p1
title: 关于印发政务公开工作要点的通知
issuer: 宁波市海曙区人民政府办公室
published: 2019-06-19
effective: 2019年6月20日
expires: 2029/6/19
replaces: old-1
tags: [政务公开, 工作要点]
sample: false
---

# 正文

一、总体要求
`),
		"policies/old.md":       file("---\nid: old-1\ntitle: 旧文件\nstatus: 已废止\nreplaced_by: [p1]\n---\n旧正文\n"),
		"interpretations/i1.md": file("---\nid: i1\ntitle: 解读\ninterprets: p1\nsample: true\n---\n解读正文\n"),
		"faq/common.yaml": file(`department: 区政府办公室
sample: true
sources: [p1]
entries:
  - id: q1
    question: 政务公开工作要点什么时候印发的？
    similar: [要点哪天发的]
    answer: |
      2019年6月19日印发。
  - id: q2
    question: 第二个问题
    answer: 第二个答案
    department: 区大数据中心
    valid_until: 2020-01-01
`),
		"faq/more.jsonl":     file(`{"id":"q3","question":"问三","answer":"答三","sources":["p1"]}` + "\n"),
		"dict/user.txt":      file("# user words\n最多跑一次 100 n\n一网通办\n一网通办\n政务公开 nz\n"),
		"dict/synonyms.txt":  file("住房公积金=公积金\n医疗保险 医保 基本医疗保险\n"),
		"dict/stopwords.txt": file("的\n了 吗\n"),
		"dict/sensitive.txt": file("制造炸弹\n"),
		"README.md":          file("not a document"),
		".git/config":        file("x"),
	}
	b, probs, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if p.Severity == SeverityError {
			t.Errorf("unexpected error: %s", p)
		}
	}
	if b.Len() != 6 {
		t.Fatalf("Len = %d, want 6", b.Len())
	}
	p1 := b.Doc("p1")
	day := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	if p1.Type != kb.TypePolicy || p1.Issuer != "宁波市海曙区人民政府办公室" || !p1.Published.Equal(day("2019-06-19")) ||
		!p1.Effective.Equal(day("2019-06-20")) || !p1.Expires.Equal(day("2029-06-19")) ||
		len(p1.Replaces) != 1 || p1.Replaces[0] != "old-1" || len(p1.Tags) != 2 || p1.Path != "policies/p1.md" {
		t.Errorf("p1 = %+v", p1)
	}
	if !strings.HasPrefix(p1.Body, "# 正文") {
		t.Errorf("body = %q", p1.Body)
	}
	if got := b.Interpretations("p1"); len(got) != 1 || got[0].ID != "i1" || !got[0].Sample {
		t.Errorf("interpretations = %v", got)
	}
	q1 := b.Doc("q1")
	if q1.Type != kb.TypeFAQ || q1.Title != "政务公开工作要点什么时候印发的？" || q1.Body != "2019年6月19日印发。" ||
		q1.Department != "区政府办公室" || !q1.Sample || len(q1.Sources) != 1 || len(q1.Similar) != 1 || q1.Line != 5 {
		t.Errorf("q1 = %+v", q1)
	}
	q2 := b.Doc("q2")
	if q2.Department != "区大数据中心" || !q2.Expires.Equal(day("2020-01-01")) || q2.Line != 10 {
		t.Errorf("q2 = %+v", q2)
	}
	if q3 := b.Doc("q3"); q3 == nil || q3.Body != "答三" || q3.Line != 1 {
		t.Errorf("q3 = %+v", q3)
	}
	d := b.Dict
	if len(d.Words) != 3 || d.UserWords[0] != (kb.UserWord{Word: "最多跑一次", Freq: 100, POS: "n"}) || d.UserWords[2].POS != "nz" {
		t.Errorf("words = %+v", d.UserWords)
	}
	if len(d.Synonyms) != 2 || d.Synonyms[0][0] != "住房公积金" || d.Synonyms[1][2] != "基本医疗保险" {
		t.Errorf("synonyms = %v", d.Synonyms)
	}
	if len(d.Stopwords) != 3 || len(d.Sensitive) != 1 {
		t.Errorf("stop = %v sensitive = %v", d.Stopwords, d.Sensitive)
	}
	// The duplicate user word is a warning.
	found := false
	for _, p := range probs {
		if p.Path == "dict/user.txt" && p.Line == 4 && p.Severity == SeverityWarning {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning for the duplicate user word: %v", probs)
	}
}

func TestLoadBadFilesAreProblems(t *testing.T) {
	fsys := fstest.MapFS{
		"policies/good.md":    file("---\nid: good\ntitle: 好\n---\n正文\n"),
		"policies/nofm.md":    file("no front matter\n"),
		"policies/open.md":    file("---\nid: x\n"),
		"policies/badyaml.md": file("---\nid: [\n---\n"),
		"policies/list.md":    file("---\n- a\n---\n"),
		"policies/noid.md":    file("---\ntitle: 无编号\n---\n"),
		"policies/unknown.md": file("---\nid: u\ntitle: t\ncolour: red\npublished: 2019-13-40\nsample: maybe\n---\n"),
		"policies/binary.md":  {Data: []byte{0xff, 0xfe, 0x00, 0x01}},
		"faq/bad.yaml":        file("entries: 3\n"),
		"faq/badentry.yaml":   file("entries:\n  - just a string\n  - id: ok\n    question: q\n    answer: a\n"),
		"faq/bad.jsonl":       file("{not json}\n{\"id\":\"j1\",\"question\":\"q\",\"answer\":\"a\"}\n"),
		"dict/synonyms.txt":   file("孤词\n"),
		"dict/something.csv":  file("x"),
		"dict/siblings.txt":   file("# 出行\n公交车/公交 地铁\n独一个\n"),
	}
	b, probs, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"good", "u", "ok", "j1"} {
		if b.Doc(id) == nil {
			t.Errorf("%s not loaded", id)
		}
	}
	want := []string{
		"policies/nofm.md:1: error: no front matter",
		"policies/open.md:1: error: front matter is not closed",
		"policies/badyaml.md:",
		"policies/list.md:2: error: front matter must be a YAML mapping",
		"policies/noid.md:1: error: document has no id",
		"policies/unknown.md:4: warning: unknown key \"colour\"",
		"policies/unknown.md:5: error: published:",
		"policies/unknown.md:6: error: sample:",
		"policies/binary.md:1: error: not valid UTF-8",
		"faq/bad.yaml:1: error: entries must be a list",
		"faq/badentry.yaml:2: error: a FAQ entry must be a mapping",
		"faq/bad.jsonl:1: error: invalid JSON",
		"dict/synonyms.txt:1: error: a synonym line needs",
		"dict/something.csv: warning: unknown dictionary file",
		"dict/siblings.txt:3: error: a sibling line names two or more things",
	}
	if got := b.Dict.Siblings; len(got) != 1 || len(got[0]) != 2 || strings.Join(got[0][0], "/") != "公交车/公交" || got[0][1][0] != "地铁" {
		t.Errorf("siblings = %q", got)
	}
	var all []string
	for _, p := range probs {
		all = append(all, p.String())
	}
	joined := strings.Join(all, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("missing problem %q in\n%s", w, joined)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2019-06-19", "2019-06-19", true},
		{"2019/6/19", "2019-06-19", true},
		{"2019.6.9", "2019-06-09", true},
		{"2019年6月19日", "2019-06-19", true},
		{"２０１９年０６月１９日", "2019-06-19", true},
		{"2019-06-19T08:00:00+08:00", "2019-06-19", true},
		{"2019-02-30", "", false},
		{"2019-13-01", "", false},
		{"yesterday", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || (tt.ok && FormatDate(got) != tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %s ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestSplitFrontMatter(t *testing.T) {
	fm, err := SplitFrontMatter("\ufeff---\r\nid: a\r\ntitle: b\r\n---\r\n\r\nbody\r\n")
	if err != nil || fm.YAML != "id: a\ntitle: b\n" || fm.YAMLLine != 2 || fm.BodyLine != 5 || fm.Body != "\nbody\n" {
		t.Fatalf("fm = %+v, %v", fm, err)
	}
	fm, err = SplitFrontMatter("---\nid: a\n...")
	if err != nil || fm.YAML != "id: a\n" || fm.Body != "" {
		t.Fatalf("fm = %+v, %v", fm, err)
	}
}

func TestShippedAspects(t *testing.T) {
	b, probs, err := LoadDir(filepath.Join("..", "..", "knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if strings.Contains(p.Path, "aspect") {
			t.Errorf("aspects.txt: %v", p)
		}
	}
	want := map[string]bool{"费用": true, "材料": true, "时间": true, "地点": true, "条件": true, "流程": true, "依据": true}
	for _, a := range b.Dict.Aspects {
		delete(want, a.Name)
		if len(a.Ask) == 0 || len(a.Mark) == 0 {
			t.Errorf("aspect %s has no asking or marking words", a.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("aspects missing from knowledge/dict/aspects.txt: %v", want)
	}
}

func TestParseAspect(t *testing.T) {
	for _, c := range []struct {
		line    string
		name    string
		ask     int
		mark    int
		wantErr bool
	}{
		{"费用: 收费 交钱 | 收费 免费 元", "费用", 2, 3, false},
		{"时间：多久 几天", "时间", 2, 2, false}, // full-width colon; asking words mark too
		{"材料: 带啥 带啥 ｜ 原件", "材料", 1, 1, false},
		{"no colon here", "", 0, 0, true},
		{"费用: | 收费", "", 0, 0, true},
		{"两 个: 词", "", 0, 0, true},
	} {
		a, err := parseAspect(c.line)
		if (err != nil) != c.wantErr {
			t.Errorf("parseAspect(%q) error = %v, want error %v", c.line, err, c.wantErr)
			continue
		}
		if err == nil && (a.Name != c.name || len(a.Ask) != c.ask || len(a.Mark) != c.mark) {
			t.Errorf("parseAspect(%q) = %+v", c.line, a)
		}
	}
}

func TestShippedSiblings(t *testing.T) {
	b, probs, err := LoadDir(filepath.Join("..", "..", "knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if strings.Contains(p.Path, "sibling") {
			t.Errorf("siblings.txt: %v", p)
		}
	}
	if len(b.Dict.Siblings) < 5 {
		t.Errorf("siblings: %d sets", len(b.Dict.Siblings))
	}
}
