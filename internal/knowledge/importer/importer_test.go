package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newImporter(t *testing.T) (*Importer, string) {
	t.Helper()
	dir := t.TempDir()
	im, err := New(Config{Into: dir})
	if err != nil {
		t.Fatal(err)
	}
	return im, dir
}

// loadClean loads dir and fails on any lint error.
func loadClean(t *testing.T, dir string) *kb.Base {
	t.Helper()
	probs, err := knowledge.LintDir(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if p.Severity == knowledge.SeverityError {
			t.Errorf("lint: %s", p)
		}
	}
	b, _, err := knowledge.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) time.Time { t, _ := knowledge.ParseDate(s); return t }

func TestImportDOCX(t *testing.T) {
	data := buildDOCX(t, "", []docxParagraph{
		{"a3", "宁波市海曙区人民政府办公室关于印发政务公开工作要点的通知"},
		{"", "甬海政办发〔2019〕21号"},
		{"", "各镇(乡)人民政府、街道办事处："},
		{"1", "一、总体要求"},
		{"", "坚持以提升政务公开工作质量为主线。\n强化决策执行公开。"},
		{"2", "（一）深化重要决策公开"},
		{"", "持续推进重大决策预公开。"},
		{"", "宁波市海曙区人民政府办公室"},
		{"", "2019年6月19日"},
	}, [][]string{{"任务", "责任单位"}, {"政务公开目录梳理", "区政府办公室"}})
	im, dir := newImporter(t)
	res, err := im.Import("要点.docx", data, Result{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || len(res.Files) != 1 || res.Files[0] != "policies/甬海政办发-2019-21.md" {
		t.Fatalf("result = %+v", res)
	}
	b := loadClean(t, dir)
	d := b.Doc("甬海政办发-2019-21")
	if d == nil {
		t.Fatalf("docs = %v", b.Docs)
	}
	if d.Title != "宁波市海曙区人民政府办公室关于印发政务公开工作要点的通知" || d.DocNumber != "甬海政办发〔2019〕21号" ||
		d.Issuer != "宁波市海曙区人民政府办公室" || !d.Published.Equal(day("2019-06-19")) {
		t.Errorf("metadata = %+v", d)
	}
	for _, want := range []string{"# 一、总体要求", "## （一）深化重要决策公开", "坚持以提升政务公开工作质量为主线。\n\n强化决策执行公开。", "任务 | 责任单位", "政务公开目录梳理 | 区政府办公室"} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, d.Body)
		}
	}
	if strings.Contains(d.Body, "关于印发政务公开工作要点的通知") {
		t.Errorf("title repeated in the body:\n%s", d.Body)
	}
	// Title from the document properties when no Title paragraph exists.
	data = buildDOCX(t, "属性中的标题", []docxParagraph{{"", "正文第一段。"}}, nil)
	d, err = ParseDOCX(data, Limits{})
	if err != nil || d.Title != "属性中的标题" || d.Body != "正文第一段。" {
		t.Errorf("core title: %+v %v", d, err)
	}
}

func TestImportDOCXRefusals(t *testing.T) {
	// A zip bomb: a member that compresses far beyond any real document.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	w.Write(bytes.Repeat([]byte("<w:p/>"), 3<<20/6*2))
	zw.Close()
	_, err := ParseDOCX(buf.Bytes(), Limits{MaxUnzipped: 4 << 20, MaxRatio: 100})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "zip bomb") {
		t.Errorf("bomb: %v", err)
	}
	_, err = ParseDOCX(buf.Bytes(), Limits{MaxUnzipped: 1 << 20, MaxRatio: 100000})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("total size: %v", err)
	}
	if _, err := ParseDOCX([]byte("just text"), Limits{}); !errors.Is(err, ErrRefused) {
		t.Errorf("not a zip: %v", err)
	}
	if _, err := ParseDOCX(buildZip(t, map[string]string{"a.txt": "x"}), Limits{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "word/document.xml") {
		t.Errorf("no document.xml: %v", err)
	}
	if _, err := ParseDOCX(buildZip(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p"}), Limits{}); err == nil {
		t.Error("damaged XML accepted")
	}
}

func TestImportHTMLGeneric(t *testing.T) {
	page := `<html><head><meta charset="gbk"><title>关于做好2024年社会保险工作的通知_某市人民政府</title>
<meta name="PubDate" content="2024-03-01 10:00">
<script>var x = "<p>脚本里的字</p>";</script></head>
<body><div class="nav">首页 &gt; 政务公开</div>
<div class="xxgk"><p>发布机构：某市人力资源和社会保障局　　成文日期：2024年02月20日</p>
<p>文　　号：某人社发〔2024〕3号</p><p>索引号：11330000/2024-00012</p></div>
<div id="zoom"><h1>关于做好2024年社会保险工作的通知</h1>
<p>各县（市、区）人力社保局：</p><p>现就做好社会保险工作通知如下。</p>
<h2>一、扩大参保覆盖面</h2><p>推动灵活就业人员参加职工养老保险。</p>
<table><tr><td>险种</td><td>缴费比例</td></tr><tr><td>养老</td><td>16%</td></tr></table>
</div><div class="footer">版权所有</div></body></html>`
	data := gbk(t, page)
	im, dir := newImporter(t)
	res, err := im.Import("notice.html", data, Result{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Encoding != "GB18030" {
		t.Errorf("encoding = %q", res.Encoding)
	}
	b := loadClean(t, dir)
	d := b.Doc("某人社发-2024-3")
	if d == nil {
		t.Fatalf("not imported under the 文号 id: %v", res)
	}
	if d.Title != "关于做好2024年社会保险工作的通知" || d.Issuer != "某市人力资源和社会保障局" || d.DocNumber != "某人社发〔2024〕3号" ||
		d.IndexNo != "11330000/2024-00012" || !d.Published.Equal(day("2024-02-20")) {
		t.Errorf("metadata = %+v", d)
	}
	for _, want := range []string{"各县（市、区）人力社保局：", "## 一、扩大参保覆盖面", "险种 | 缴费比例", "养老 | 16%"} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, d.Body)
		}
	}
	for _, junk := range []string{"脚本里的字", "版权所有", "首页"} {
		if strings.Contains(d.Body, junk) {
			t.Errorf("body has page chrome %q", junk)
		}
	}
}

// A law on a government page separates article numbers from the text with
// a full-width space, often inside markup (<span>第一条</span>　为了…). The
// space is kept so that the articles stay articles; spaces inside a chapter
// name (总　　则) go, as do those between Chinese characters elsewhere.
func TestImportHTMLArticlesKeepTheirSpace(t *testing.T) {
	page := `<html><head><meta charset="utf-8"><title>专利代理条例</title></head><body><div id="zoom">
<p>专利代理条例</p>
<p><span style="font-weight: bold;">第一章　总　　则</span></p>
<p><span style="font-weight: bold;">第一条</span>　为了规范专利代理行为，制定本条例。</p>
<p>第二条　本条例所称专利代理，是指专利代理机构接受委托的行为。</p>
<p>本条例自2019年3月1日起施行，由国务院专利行政部门负责解释。</p>
</div></body></html>`
	im, dir := newImporter(t)
	if _, err := im.Import("zldl.html", []byte(page), Result{}); err != nil {
		t.Fatal(err)
	}
	b := loadClean(t, dir)
	if len(b.Docs) != 1 {
		t.Fatalf("imported %d documents", len(b.Docs))
	}
	body := b.Docs[0].Body
	for _, want := range []string{"第一章 总则", "第一条 为了规范专利代理行为，制定本条例。", "第二条 本条例所称专利代理", "本条例自2019年3月1日起施行，由国务院"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func TestImportPDF(t *testing.T) {
	lines := []string{
		"^关于印发政务公开工作要点的通知", "各单位：",
		"  现将《政务公开工作要点》印发给你们，请结合工作实际认真遵照",
		"执行，并于每季度末报送工作进展情况。",
		"  附件：政务公开工作要点",
		"^宁波市海曙区人民政府办公室", "^2019年6月19日", "- 1 -",
	}
	im, dir := newImporter(t)
	res, err := im.Import("notice.pdf", buildPDF(t, [][]string{lines}, true), Result{})
	if err != nil {
		t.Fatal(err)
	}
	b := loadClean(t, dir)
	d := b.Docs[0]
	if res.Created != 1 || d.Title != "关于印发政务公开工作要点的通知" || d.Issuer != "宁波市海曙区人民政府办公室" || !d.Published.Equal(day("2019-06-19")) ||
		!strings.Contains(d.Body, "各单位：\n\n现将《政务公开工作要点》印发给你们，请结合工作实际认真遵照执行，并于每季度末报送工作进展情况。\n\n附件：") ||
		strings.Contains(d.Body, "- 1 -") {
		t.Errorf("pdf doc = %+v", d)
	}
	// An ASCII text layer in a standard font.
	d, err = ParsePDF(buildPDF(t, [][]string{{"Notice on open government", "The text layer is read."}}, false))
	if err != nil || d.Title != "Notice on open government" || d.Body != "The text layer is read." {
		t.Errorf("ascii pdf = %+v, %v", d, err)
	}
	// A scan: pages without text.
	_, err = ParsePDF(buildPDF(t, [][]string{{}, {}}, false))
	if !errors.Is(err, ErrNoTextLayer) {
		t.Errorf("scan: %v", err)
	}
	if _, err := ParsePDF([]byte("%PDF-1.4\ngarbage")); err == nil {
		t.Error("damaged PDF accepted")
	}
	if _, err := ParsePDF([]byte("hello")); !errors.Is(err, ErrRefused) {
		t.Errorf("not a PDF: %v", err)
	}
}

func TestImportTextGBKAndMarkdown(t *testing.T) {
	txt := "海曙区人民政府办公室关于开展\n政务公开日活动的通知\n\n各街道：\n  定于每月第一个星期五开展政务公开日活动。\n\n海曙区人民政府办公室\n2020年5月8日\n"
	im, dir := newImporter(t)
	res, err := im.Import("open-day.txt", gbk(t, txt), Result{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Encoding != "GB18030" {
		t.Errorf("encoding = %q", res.Encoding)
	}
	md := "---\nid: my-guide\ntype: guide\ntitle: 指南\n---\n\n## 一、材料\n\n身份证。\n"
	if _, err := im.Import("guide.md", []byte(md), Result{}); err != nil {
		t.Fatal(err)
	}
	b := loadClean(t, dir)
	var open *kb.Document
	for _, d := range b.Docs {
		if d.Type == kb.TypePolicy {
			open = d
		}
	}
	if open == nil || open.Title != "海曙区人民政府办公室关于开展政务公开日活动的通知" || open.Issuer != "海曙区人民政府办公室" ||
		!open.Published.Equal(day("2020-05-08")) || !strings.HasPrefix(open.ID, "doc-") {
		t.Errorf("txt doc = %+v", open)
	}
	if g := b.Doc("my-guide"); g == nil || g.Type != kb.TypeGuide || !strings.Contains(g.Body, "## 一、材料") {
		t.Errorf("md doc = %+v (files %v)", g, b.Docs)
	}
	if _, err := os.Stat(filepath.Join(dir, "guides", "my-guide.md")); err != nil {
		t.Error(err)
	}
}

func TestRefuseJunk(t *testing.T) {
	im, _ := newImporter(t)
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i*7919%251 + 1)
	}
	for _, name := range []string{"x.txt", "x.html", "x.csv", "x.jsonl", "x.md"} {
		if _, err := im.Import(name, junk, Result{}); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: binary junk not refused: %v", name, err)
		}
	}
	for _, name := range []string{"x.docx", "x.xlsx", "x.pdf"} {
		if _, err := im.Import(name, junk, Result{}); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: junk not refused: %v", name, err)
		}
	}
	if _, err := im.Import("x.exe", []byte("MZ"), Result{}); !errors.Is(err, ErrRefused) {
		t.Errorf("unsupported type: %v", err)
	}
	// Oversize files are refused before they are read.
	small, err := New(Config{Into: t.TempDir(), Limits: Limits{MaxFileSize: 1024}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "big.txt")
	os.WriteFile(p, bytes.Repeat([]byte("政务公开。"), 1000), 0o644)
	if _, err := small.ImportFile(p); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversize: %v", err)
	}
}

func TestImportFAQTables(t *testing.T) {
	xlsx := buildXLSX(t, map[string][][]string{
		"常见问题": {
			{"海曙区常见问题（2024年）"},
			{"编号", "标准问", "相似问", "答复内容", "处理单位", "链接"},
			{"HS-001", "公积金怎么提取？", "怎么取公积金\n提取公积金要什么材料", "携带身份证到公积金中心办理。", "公积金中心", "https://example.org/gjj"},
			{"HS-002", "社保卡丢了怎么办？", "", "拨打12333挂失后补办。", "人力社保局", ""},
			{"", "没有答案的问题", "", "", "", ""},
		},
		"说明": {{"这一页不是问答表"}},
	})
	csvText := "question,answer,department,id\n医保怎么转移？,在医保经办机构办理转移接续。,医保局,Q7\n\"带,逗号的问题\",\"答案\"\"引号\"\"\",医保局,\n"
	im, dir := newImporter(t)
	res, err := im.Import("hotline.xlsx", xlsx, Result{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Skipped != 0 || len(res.Warnings) != 1 || res.Files[0] != "faq/hotline.yaml" {
		t.Errorf("xlsx result = %+v", res)
	}
	res, err = im.Import("医保.csv", gbk(t, csvText), Result{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Encoding != "GB18030" {
		t.Errorf("csv result = %+v", res)
	}
	b := loadClean(t, dir)
	q := b.Doc("HS-001")
	if q == nil || q.Title != "公积金怎么提取？" || q.Department != "公积金中心" || q.URL != "https://example.org/gjj" ||
		!reflect.DeepEqual(q.Similar, []string{"怎么取公积金", "提取公积金要什么材料"}) || q.Body != "携带身份证到公积金中心办理。" {
		t.Errorf("HS-001 = %+v", q)
	}
	if q := b.Doc("Q7"); q == nil || q.Department != "医保局" {
		t.Errorf("Q7 = %+v", q)
	}
	var comma *kb.Document
	for _, d := range b.Docs {
		if d.Title == "带,逗号的问题" {
			comma = d
		}
	}
	if comma == nil || comma.Body != `答案"引号"` || !strings.HasPrefix(comma.ID, "faq-") {
		t.Errorf("quoted csv row = %+v", comma)
	}
	if _, err := FAQFromCSV("a,b\n1,2\n"); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("headerless csv: %v", err)
	}
}

func TestImportJSONLDocuments(t *testing.T) {
	jsonl := `{"id":"p-1","title":"关于某事的通知","text":"各单位：\n现将有关事项通知如下。","doc_number":"某发〔2020〕1号","issuer":"某市人民政府","published":"2020-01-02","url":"https://example.org/p1"}
{"id":"i-1","title":"《关于某事的通知》解读","html":"<p>一、背景</p><p>解读正文。</p>","type":"interpretation","interprets":"p-1"}
not json
`
	im, dir := newImporter(t)
	res, err := im.Import("docs.jsonl", []byte(jsonl), Result{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || len(res.Warnings) != 1 {
		t.Errorf("result = %+v", res)
	}
	b := loadClean(t, dir)
	p, i := b.Doc("p-1"), b.Doc("i-1")
	if p == nil || i == nil || p.DocNumber != "某发〔2020〕1号" || p.Issuer != "某市人民政府" || !p.Published.Equal(day("2020-01-02")) ||
		i.Type != kb.TypeInterpretation || i.Interprets != "p-1" || len(b.Interpretations("p-1")) != 1 || !strings.Contains(i.Body, "解读正文。") {
		t.Errorf("p = %+v\ni = %+v", p, i)
	}
}

func TestReimportIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(t.TempDir(), "faq.csv")
	os.WriteFile(src, []byte("编号,问题,答案\nA1,问一,答一\nA2,问二,答二\n"), 0o644)
	doc := filepath.Join(t.TempDir(), "notice.txt")
	os.WriteFile(doc, []byte("关于测试的通知\n\n某发〔2021〕9号\n\n正文。\n"), 0o644)
	run := func() (Result, Result) {
		im, err := New(Config{Into: dir})
		if err != nil {
			t.Fatal(err)
		}
		a, err := im.ImportFile(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := im.ImportFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
	a, b := run()
	if a.Created != 2 || b.Created != 1 {
		t.Fatalf("first import: %+v %+v", a, b)
	}
	// A reviewer adds a field the source does not have.
	p := filepath.Join(dir, "policies", "某发-2021-9.md")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, bytes.Replace(raw, []byte("title:"), []byte("department: 区政府办公室\ntitle:"), 1), 0o644)
	a, b = run()
	if a.Unchanged != 2 || a.Created+a.Updated != 0 || b.Updated != 1 {
		t.Fatalf("second import: %+v %+v", a, b)
	}
	// The source changes: one answer edited, one row added.
	os.WriteFile(src, []byte("编号,问题,答案\nA1,问一,新答一\nA2,问二,答二\nA3,问三,答三\n"), 0o644)
	a, _ = run()
	if a.Created != 1 || a.Updated != 1 || a.Unchanged != 1 {
		t.Fatalf("third import: %+v", a)
	}
	base := loadClean(t, dir)
	if base.Len() != 4 || len(base.Docs) != 4 {
		t.Errorf("ids %d docs %d, want 4 (no duplicates)", base.Len(), len(base.Docs))
	}
	if d := base.Doc("某发-2021-9"); d == nil || d.Department != "区政府办公室" {
		t.Errorf("reviewed field lost: %+v", d)
	}
	if d := base.Doc("A1"); d.Body != "新答一" {
		t.Errorf("A1 not updated: %+v", d)
	}
}

func TestDecodeText(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want string
		enc  string
	}{
		{[]byte("\xef\xbb\xbf政务公开"), "政务公开", "UTF-8"},
		{[]byte("\xff\xfe\x3f\x65\xa1\x52"), "政务", "UTF-16"},
		{gbk(t, "最多跑一次改革"), "最多跑一次改革", "GB18030"},
	} {
		got, enc, err := DecodeText(tt.in)
		if err != nil || got != tt.want || enc != tt.enc {
			t.Errorf("DecodeText(%x) = %q %q %v", tt.in, got, enc, err)
		}
	}
	if _, _, err := DecodeText([]byte("a\x00b")); !errors.Is(err, ErrRefused) {
		t.Errorf("NUL: %v", err)
	}
}

func TestIDs(t *testing.T) {
	for in, want := range map[string]string{"国发〔2019〕5号": "国发-2019-5", "国令第707号": "国令第707", "国办发明电〔2018〕15号": "国办发明电-2018-15"} {
		if got := IDFromDocNumber(in); got != want || !knowledge.ValidID(got) {
			t.Errorf("IDFromDocNumber(%q) = %q", in, got)
		}
	}
	long := strings.Repeat("最高人民法院关于审理案件的解释", 5)
	a, b := SanitizeID(long+"第一条"), SanitizeID(long+"第二条")
	if a == b || !knowledge.ValidID(a) || !knowledge.ValidID(b) {
		t.Errorf("long ids collide or are invalid: %q %q", a, b)
	}
	if got := SanitizeID(" 12.0 "); got != "12" {
		t.Errorf("SanitizeID(12.0) = %q", got)
	}
}

// The importer and the loader share one size limit: an input file may be as
// large as a knowledge file, and what the import writes is held to it, so
// an import that reports ok is always loaded and indexed.
func TestOneSizeLimit(t *testing.T) {
	if DefaultLimits.MaxFileSize != knowledge.MaxFileSize {
		t.Errorf("importer reads up to %d bytes, the loader %d", DefaultLimits.MaxFileSize, knowledge.MaxFileSize)
	}
	if err := fitsKnowledgeFile("faq/x.yaml", make([]byte, knowledge.MaxFileSize)); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
	if err := fitsKnowledgeFile("faq/x.yaml", make([]byte, knowledge.MaxFileSize+1)); !errors.Is(err, ErrRefused) {
		t.Errorf("a file over the limit: %v", err)
	}
}
