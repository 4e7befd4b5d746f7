package chunk

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

var htmlID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

func seed(t *testing.T) *kb.Document {
	t.Helper()
	b, probs, err := knowledge.LoadDir(filepath.Join("..", "..", "knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	if knowledge.HasErrors(probs) {
		t.Fatalf("knowledge has errors: %v", probs)
	}
	d := b.Doc("haishu-zwgk-2019")
	if d == nil {
		t.Fatal("seed document haishu-zwgk-2019 not found")
	}
	return d
}

func checkChunks(t *testing.T, d *kb.Document, cs []kb.Chunk, max int) {
	t.Helper()
	seen := map[string]bool{}
	for i, c := range cs {
		if !htmlID.MatchString(c.Anchor) {
			t.Errorf("chunk %d: anchor %q is not a valid HTML id", i, c.Anchor)
		}
		if seen[c.Anchor] {
			t.Errorf("chunk %d: duplicate anchor %q", i, c.Anchor)
		}
		seen[c.Anchor] = true
		if c.ID != d.ID+"#"+c.Anchor || c.DocID != d.ID || c.Ord != i {
			t.Errorf("chunk %d: id %q doc %q ord %d", i, c.ID, c.DocID, c.Ord)
		}
		if n := utf8.RuneCountInString(c.Text); n == 0 || n > max {
			t.Errorf("chunk %d (%s): %d runes, want 1..%d", i, c.Anchor, n, max)
		}
	}
}

func TestSplitSeed(t *testing.T) {
	d := seed(t)
	cs := Split(d)
	checkChunks(t, d, cs, DefaultConfig.Max)
	var target *kb.Chunk
	for i := range cs {
		if strings.HasPrefix(cs[i].Text, "(一)深化重大建设项目信息公开") {
			target = &cs[i]
		}
	}
	if target == nil {
		t.Fatalf("no chunk starts with (一)深化重大建设项目信息公开: %+v", cs)
	}
	if !strings.HasSuffix(target.Text, "8类信息。") || strings.Contains(target.Text, "(二)") {
		t.Errorf("chunk is not exactly the paragraph: %q", target.Text)
	}
	want := []string{"二、扎实推进重点领域信息公开", "（一）深化重大建设项目信息公开"}
	if !reflect.DeepEqual(target.Heading, want) || target.Anchor != "s2-1" {
		t.Errorf("heading %q anchor %q, want %q s2-1", target.Heading, target.Anchor, want)
	}
	// The first chunk is the title and preamble.
	if cs[0].Anchor != AnchorPreamble || !strings.HasPrefix(cs[0].Text, d.Title) || len(cs[0].Heading) != 0 {
		t.Errorf("first chunk = %+v", cs[0])
	}
	// Re-chunking gives the same anchors; every paragraph of the body is in
	// some chunk.
	if again := Split(d); !reflect.DeepEqual(again, cs) {
		t.Error("re-chunking differs")
	}
	all := ""
	for _, c := range cs {
		all += c.Text + "\n"
	}
	for _, p := range strings.Split(d.Body, "\n\n") {
		p = strings.TrimSpace(strings.TrimLeft(p, "#*"))
		p = strings.Trim(p, "* ")
		if p != "" && !strings.Contains(all, p) && !headingOnly(cs, p) {
			t.Errorf("paragraph lost: %q", p)
		}
	}
}

func headingOnly(cs []kb.Chunk, p string) bool {
	for _, c := range cs {
		for _, h := range c.Heading {
			if h == p {
				return true
			}
		}
	}
	return false
}

func TestSplitFAQ(t *testing.T) {
	d := &kb.Document{ID: "q1", Type: kb.TypeFAQ, Title: "问题？", Body: strings.Repeat("很长的答案。", 300)}
	cs := Split(d)
	if len(cs) != 1 || cs[0].Text != d.Body || cs[0].ID != "q1#answer" {
		t.Fatalf("FAQ chunks = %d %+v", len(cs), cs[0].ID)
	}
}

func TestSplitLaw(t *testing.T) {
	body := `第一章 总则

第一条 为了规范政府信息公开，制定本条例。

第二条 本条例所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的，以一定形式记录、保存的信息。

第二章 主体和范围

第三条 各级人民政府应当加强对政府信息公开工作的组织领导。
下一行仍属第三条。`
	d := &kb.Document{ID: "law", Type: kb.TypePolicy, Title: "政府信息公开条例", Body: body}
	cs := Split(d)
	checkChunks(t, d, cs, DefaultConfig.Max)
	got := map[string][]string{}
	for _, c := range cs {
		got[c.Anchor] = c.Heading
	}
	want := map[string][]string{
		"s0": nil,
		"a1": {"第一章 总则", "第一条"},
		"a2": {"第一章 总则", "第二条"},
		"a3": {"第二章 主体和范围", "第三条"},
	}
	for a, h := range want {
		if g, ok := got[a]; !ok || len(g) != len(h) || (len(h) > 0 && !reflect.DeepEqual(g, h)) {
			t.Errorf("anchor %s: heading %q, want %q (all %v)", a, g, h, got)
		}
	}
	if last := cs[len(cs)-1]; !strings.HasPrefix(last.Text, "第三条 各级") || !strings.HasSuffix(last.Text, "下一行仍属第三条。") {
		t.Errorf("article 3 text = %q", last.Text)
	}
}

// Pages imported from government sites often lose the full-width space
// after 第X条 and 第X章 (第二条本条例所称…). Such a line is an article or a
// chapter when it continues the numbering; a line that cites an article
// (第三条规定的…) or jumps in the numbering is text. The (一)(二) items of an
// article are its conditions: short ones stay with the article.
func TestSplitLawWithoutSpaces(t *testing.T) {
	body := `第一章总则

第一条为了规范专利代理行为，制定本条例。

第二条本条例所称专利代理，是指专利代理机构接受委托办理专利事务的行为。

第二章专利代理机构

第三条专利代理机构从事专利代理业务应当具备下列条件：

（一）有符合规定的机构名称；

（二）有独立的经营场所。

第三条规定的条件由国务院专利行政部门审查。

第九条见附件。

第四条专利代理师执业应当取得资格证。`
	d := &kb.Document{ID: "law", Type: kb.TypePolicy, Title: "专利代理条例", Body: body}
	cs := Split(d)
	checkChunks(t, d, cs, DefaultConfig.Max)
	got := map[string]kb.Chunk{}
	var anchors []string
	for _, c := range cs {
		got[c.Anchor] = c
		anchors = append(anchors, c.Anchor)
	}
	want := map[string][]string{
		"a1": {"第一章 总则", "第一条"},
		"a2": {"第一章 总则", "第二条"},
		"a3": {"第二章 专利代理机构", "第三条"},
		"a4": {"第二章 专利代理机构", "第四条"},
	}
	for a, h := range want {
		if c, ok := got[a]; !ok || !reflect.DeepEqual(c.Heading, h) {
			t.Errorf("anchor %s: heading %q, want %q (anchors %v)", a, c.Heading, h, anchors)
		}
	}
	if len(cs) != 5 {
		t.Errorf("%d chunks %v, want s0 a1 a2 a3 a4", len(cs), anchors)
	}
	a3 := got["a3"].Text
	for _, s := range []string{"应当具备下列条件：", "（一）有符合规定的机构名称；", "（二）有独立的经营场所。", "第三条规定的条件由", "第九条见附件。"} {
		if !strings.Contains(a3, s) {
			t.Errorf("article 3 lacks %q: %q", s, a3)
		}
	}
}

func TestSplitLongAndShort(t *testing.T) {
	long := strings.Repeat("这是一个用于测试切分的句子，长度适中。", 60) // ~1140 runes
	body := "## 一、总体要求\n\n" + long + "\n\n## 二、材料\n\n（一）申请材料\n\n1.身份证原件；\n2.户口簿；\n3.申请表。\n\n### 附注\n\n无。"
	d := &kb.Document{ID: "g", Type: kb.TypeGuide, Title: "指南", Body: body}
	cfg := Config{Max: 300, Min: 60}
	cs := SplitWith(cfg, d)
	checkChunks(t, d, cs, cfg.Max)
	var pieces, items int
	for _, c := range cs {
		if strings.HasPrefix(c.Anchor, "s1") {
			pieces++
			if !strings.HasSuffix(c.Text, "。") {
				t.Errorf("piece not cut at a sentence end: %q", c.Text)
			}
		}
		if strings.Contains(c.Text, "1.身份证原件；") {
			items++
			if !strings.Contains(c.Text, "3.申请表。") || c.Anchor != "s2-1-1" ||
				!reflect.DeepEqual(c.Heading, []string{"二、材料", "（一）申请材料"}) {
				t.Errorf("list items not merged under their parent: %+v", c)
			}
		}
	}
	if pieces < 4 {
		t.Errorf("long section gave %d pieces, want >= 4", pieces)
	}
	if items != 1 {
		t.Errorf("items in %d chunks, want 1", items)
	}
	// A heading with no text and no subsections keeps its words; an
	// unnumbered Markdown heading gets an ordinal anchor.
	last := cs[len(cs)-1]
	if last.Text != "无。" || last.Anchor != "s2-h1" {
		t.Errorf("last = %+v", last)
	}
}

func TestCNNumber(t *testing.T) {
	for s, want := range map[string]int{"一": 1, "十": 10, "十二": 12, "二十": 20, "二十一": 21, "一百零五": 105, "两千": 2000, "12": 12} {
		if n, ok := cnNumber(s); !ok || n != want {
			t.Errorf("cnNumber(%q) = %d %v, want %d", s, n, ok, want)
		}
	}
	for _, s := range []string{"一二", "", "甲"} {
		if _, ok := cnNumber(s); ok {
			t.Errorf("cnNumber(%q) ok", s)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

func BenchmarkSplitSeed(b *testing.B) {
	bl, _, err := knowledge.LoadDir(filepath.Join("..", "..", "knowledge"))
	if err != nil {
		b.Fatal(err)
	}
	d := bl.Doc("haishu-zwgk-2019")
	b.SetBytes(int64(len(d.Body)))
	b.ReportAllocs()
	for b.Loop() {
		Split(d)
	}
}

// The zero Config is the default one: the search engine, whose Chunking is
// usually unset, must cite the anchors the document pages (Split) show.
func TestSplitWithZeroConfigIsDefault(t *testing.T) {
	body := "## 二、材料\n\n（一）申请材料\n\n1.身份证原件；\n2.户口簿；\n3.申请表。"
	d := &kb.Document{ID: "g", Type: kb.TypeGuide, Title: "指南", Body: body}
	if got, want := SplitWith(Config{}, d), Split(d); !reflect.DeepEqual(got, want) {
		t.Errorf("SplitWith(Config{}) = %+v\nSplit = %+v", got, want)
	}
}
