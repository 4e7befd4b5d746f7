package server

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/library"
)

// Catalog is the 政策文件库 (*library.Catalog, or one that follows the
// knowledge base when it is reloaded).
type Catalog interface {
	Search(ctx context.Context, q library.Query) (*library.Result, error)
}

// maxLibraryQuery bounds the text of a library search, in runes.
const maxLibraryQuery = 200

// libraryQuery reads a library query from URL parameters: q, type, status,
// year, issuer, dept, num (文号), sort, page. It returns the problems found
// (in Chinese); the query leaves out what was invalid.
func libraryQuery(v url.Values) (library.Query, []string) {
	var q library.Query
	var bad []string
	q.Q = strings.TrimSpace(v.Get("q"))
	if !utf8.ValidString(q.Q) {
		q.Q, bad = "", append(bad, "搜索内容含有无效字符。")
	}
	if utf8.RuneCountInString(q.Q) > maxLibraryQuery {
		q.Q = string([]rune(q.Q)[:maxLibraryQuery])
		bad = append(bad, "搜索内容过长，只按前 200 字搜索。")
	}
	if t := kb.Type(v.Get("type")); t != "" {
		if slices.Contains(library.Types, t) {
			q.Type = t
		} else {
			bad = append(bad, "没有这种文件类型。")
		}
	}
	if s := kb.Status(v.Get("status")); s != "" {
		if slices.Contains(library.Statuses, s) {
			q.Status = s
		} else {
			bad = append(bad, "没有这种效力状态。")
		}
	}
	if y := v.Get("year"); y != "" {
		if n, err := strconv.Atoi(y); err == nil && n >= 1949 && n <= 2199 {
			q.Year = n
		} else {
			bad = append(bad, "年份不正确。")
		}
	}
	q.Issuer = clipRunes(strings.TrimSpace(v.Get("issuer")), 100)
	q.Department = clipRunes(strings.TrimSpace(v.Get("dept")), 100)
	q.DocNumber = clipRunes(strings.TrimSpace(v.Get("num")), 60)
	switch s := v.Get("sort"); s {
	case "", "relevance", "date", "date_asc":
		q.Sort = s
	default:
		bad = append(bad, "排序方式不正确。")
	}
	if p := v.Get("page"); p != "" {
		if n, err := strconv.Atoi(p); err == nil && n >= 1 && n <= 100000 {
			q.Page = n
		} else {
			bad = append(bad, "页码不正确。")
		}
	}
	return q, bad
}

func clipRunes(s string, n int) string {
	if !utf8.ValidString(s) {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// libraryView is what the library page renders.
type libraryView struct {
	*library.Result
	Problems []string
	Hotline  string
	params   url.Values
}

// Link is the library's address with the page's parameters, some changed.
func (v libraryView) Link(kv ...string) string {
	p := url.Values{}
	for k, vs := range v.params {
		p[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			p.Del(kv[i])
		} else {
			p.Set(kv[i], kv[i+1])
		}
	}
	if len(p) == 0 {
		return "/docs/"
	}
	return "/docs/?" + p.Encode()
}

// PageLink is Link to another page.
func (v libraryView) PageLink(n int) string {
	if n <= 1 {
		return v.Link("page", "")
	}
	return v.Link("page", strconv.Itoa(n))
}

// activeFilter is a filter in use, with the link that drops it.
type activeFilter struct{ Label, Remove string }

// Active lists the filters in use (text aside), for chips that remove them.
func (v libraryView) Active() []activeFilter {
	q := v.Query
	var out []activeFilter
	add := func(param, label string) {
		out = append(out, activeFilter{Label: label, Remove: v.Link(param, "", "page", "")})
	}
	if q.Type != "" {
		add("type", q.Type.Label())
	}
	if q.Status != "" {
		add("status", string(q.Status))
	}
	if q.Year != 0 {
		add("year", strconv.Itoa(q.Year)+"年")
	}
	if q.Issuer != "" {
		add("issuer", q.Issuer)
	}
	if q.Department != "" {
		add("dept", q.Department)
	}
	if q.DocNumber != "" {
		add("num", "文号 "+q.DocNumber)
	}
	if q.Sort == "date_asc" {
		add("sort", "按日期（旧→新）")
	}
	return out
}

// PageNumbers are the pages linked from the page bar: the first, the last
// and two around the current one (0 stands for a gap).
func (v libraryView) PageNumbers() []int {
	var out []int
	for p := 1; p <= v.Pages; p++ {
		if p == 1 || p == v.Pages || p >= v.Page-2 && p <= v.Page+2 {
			out = append(out, p)
		} else if len(out) > 0 && out[len(out)-1] != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func (s *Server) libraryPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Catalog == nil {
		s.errorPage(w, http.StatusServiceUnavailable, "文件库暂不可用", "政策文件库正在准备，请稍后再试。")
		return
	}
	q, problems := libraryQuery(r.URL.Query())
	res, err := s.cfg.Catalog.Search(r.Context(), q)
	if err != nil {
		s.log.Error("server: library", "error", err)
		s.errorPage(w, http.StatusInternalServerError, "页面出错", "文件库暂时无法查询，请稍后再试。")
		return
	}
	params := url.Values{}
	for _, k := range []string{"q", "type", "status", "year", "issuer", "dept", "num", "sort"} {
		if v := r.URL.Query().Get(k); v != "" && utf8.ValidString(v) {
			params.Set(k, clipRunes(v, 200))
		}
	}
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "library", libraryView{Result: res, Problems: problems, Hotline: s.cfg.Hotline, params: params}); err != nil {
		s.log.Error("server: render library", "error", err)
		s.errorPage(w, http.StatusInternalServerError, "页面出错", "页面暂时无法显示，请稍后再试。")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

func (s *Server) libraryJSON(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Catalog == nil {
		writeError(w, govchat.Errorf(govchat.CodeUnavailable, "政策文件库正在准备，请稍后再试。"))
		return
	}
	q, problems := libraryQuery(r.URL.Query())
	if len(problems) > 0 {
		writeError(w, govchat.Errorf(govchat.CodeBadRequest, strings.Join(problems, "")))
		return
	}
	if pp := r.URL.Query().Get("per_page"); pp != "" {
		n, err := strconv.Atoi(pp)
		if err != nil || n < 1 || n > 100 {
			writeError(w, govchat.Errorf(govchat.CodeBadRequest, "per_page 应为 1 到 100 之间的整数。"))
			return
		}
		q.PerPage = n
	}
	res, err := s.cfg.Catalog.Search(r.Context(), q)
	if err != nil {
		s.log.Error("server: library", "error", err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
