package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/library"
	"github.com/govchat/govchat/internal/search"
)

// spaceAnalyzer splits a query at spaces (the library package tests the
// real segmentation); a 文号 is recognised in its bracketed forms.
type spaceAnalyzer struct{}

func (spaceAnalyzer) Analyze(text string) *search.Response {
	r := &search.Response{Terms: strings.Fields(text), DocNumber: kb.NormalizeDocNumber(text)}
	if r.DocNumber != "" {
		r.Terms = nil
	}
	return r
}

func libraryFixture(t *testing.T) *fixture {
	t.Helper()
	base := testBase()
	cat := library.New(library.Config{Base: base, Chunks: lib{base}.ChunksOf, Analyzer: spaceAnalyzer{},
		Now: func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }})
	return newFixture(t, Config{Hotline: "12345", Catalog: cat}, true)
}

func TestLibraryPage(t *testing.T) {
	f := libraryFixture(t)
	resp, body := f.get(t, "/docs/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"<h1 class=\"lib-title\">政策文件库</h1>", `role="search"`, "共 6 件", `<a href="/docs/policy-1">某市居住证办理规定</a>`,
		`<span class="lib-rel-k">政策解读</span><a href="/docs/interp-1">`, `<span class="lib-rel-k">现行文件</span><a href="/docs/policy-1">`, "2019年（3）"} {
		if !strings.Contains(body, want) {
			t.Errorf("library page lacks %q", want)
		}
	}
	// 文号 in another written form, filters, highlighting.
	_, body = f.get(t, "/docs/?q="+url.QueryEscape("甬政发[2019]12号"))
	if !strings.Contains(body, "文号 甬政发〔2019〕12号：共 1 件") {
		t.Errorf("文号 search:\n%s", body)
	}
	_, body = f.get(t, "/docs/?q=%E5%B1%85%E4%BD%8F%E8%AF%81&type=policy&status="+url.QueryEscape("现行有效"))
	if !strings.Contains(body, "<mark>居住证</mark>") || !strings.Contains(body, "共 1 件") || !strings.Contains(body, `<option value="policy" selected>`) {
		t.Errorf("filtered search:\n%s", body)
	}
	// Everything a user typed or a document holds is escaped.
	_, body = f.get(t, "/docs/?q="+url.QueryEscape(`<script>alert("q")</script>`))
	if strings.Contains(body, `<script>alert("q")`) || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("query not escaped")
	}
	_, body = f.get(t, "/docs/?q=%E9%80%9A%E7%9F%A5")
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<b onmouseover") {
		t.Error("document text not escaped")
	}
	// Invalid filters are reported, not fatal.
	resp, body = f.get(t, "/docs/?type=memo&year=abc&page=0")
	if resp.StatusCode != 200 || !strings.Contains(body, "没有这种文件类型。") || !strings.Contains(body, "年份不正确。") {
		t.Errorf("invalid filters: %d", resp.StatusCode)
	}
	// The document pages are still at /docs/{id}.
	if resp, _ := f.get(t, "/docs/policy-1"); resp.StatusCode != 200 {
		t.Errorf("/docs/policy-1: %d", resp.StatusCode)
	}
}

func TestLibraryJSON(t *testing.T) {
	f := libraryFixture(t)
	resp, body := f.get(t, "/api/docs?type=policy&sort=date_asc&per_page=2")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var r library.Result
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.Total != 4 || r.Pages != 2 || len(r.Items) != 2 || r.Items[1].ID != "policy-1" || r.Items[1].Interpretations[0].ID != "interp-1" || r.Items[0].PlanYear != 2019 {
		t.Errorf("result = %+v", r)
	}
	for _, bad := range []string{"type=memo", "status=good", "year=12", "sort=random", "page=-1", "per_page=1000"} {
		if resp, body := f.get(t, "/api/docs?"+bad); resp.StatusCode != 400 || !strings.Contains(body, `"code":"bad_request"`) {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
	g := newFixture(t, Config{}, true)
	if resp, _ := g.get(t, "/api/docs"); resp.StatusCode != 503 {
		t.Errorf("without a catalog: %d", resp.StatusCode)
	}
	if resp, _ := g.get(t, "/docs/"); resp.StatusCode != 503 {
		t.Errorf("page without a catalog: %d", resp.StatusCode)
	}
}

func TestDocumentPageBesideAndBadges(t *testing.T) {
	f := libraryFixture(t)
	_, body := f.get(t, "/docs/policy-1")
	for _, want := range []string{`class="doc-layout with-aside"`, `<aside class="related doc-aside" id="related"`, `<a href="#related">查看政策解读（1）</a>`, `<a href="/docs/">政策文件库</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("policy page lacks %q", want)
		}
	}
	_, body = f.get(t, "/docs/old-1")
	if !strings.Contains(body, "替代本文件的现行文件") {
		t.Error("the repealed page does not name its replacement beside the text")
	}
}
