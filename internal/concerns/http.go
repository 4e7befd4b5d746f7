package concerns

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/review"
)

// Proposer adds a proposed FAQ entry to the review list (*review.Store).
type Proposer interface {
	Add(ctx context.Context, it review.Item) (review.Item, error)
}

// HTTPConfig wires the dashboard's pages and API.
type HTTPConfig struct {
	Service *Service  // required
	Auth    *auth.Web // required: admin sign-in
	// Templates holds concerns.html (web/workbench).
	Templates fs.FS    // required
	Review    Proposer // nil: drafting answers unavailable
	Log       *slog.Logger
}

// Handler serves /agent/concerns and /api/admin/concerns.
type Handler struct {
	cfg  HTTPConfig
	tmpl *template.Template
}

// NewHandler parses the templates.
func NewHandler(cfg HTTPConfig) (*Handler, error) {
	if cfg.Service == nil || cfg.Auth == nil || cfg.Templates == nil {
		return nil, errors.New("concerns: service, auth and templates are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	t, err := template.New("concerns").Funcs(funcs).ParseFS(cfg.Templates, "concerns.html")
	if err != nil {
		return nil, fmt.Errorf("concerns: templates: %w", err)
	}
	return &Handler{cfg: cfg, tmpl: t}, nil
}

var funcs = template.FuncMap{
	"pct": func(f float64) string {
		if f == 0 {
			return "0%"
		}
		return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
	},
	"trend":   TrendLabel,
	"channel": ChannelLabel,
	"signed": func(n int) string {
		if n > 0 {
			return "+" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	},
	"date": func(t time.Time) string { return t.Format("2006-01-02") },
	"join": strings.Join,
	"lines": func(s []string) string {
		return strings.Join(s, "\n")
	},
}

// Mux is where routes are registered (server.Server, *http.ServeMux).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register mounts the pages and the API; every route needs an admin
// (401 without sign-in, 403 for an operator).
func (h *Handler) Register(mux Mux) {
	a := h.cfg.Auth
	// Without a session the workbench's sign-in page (401), which comes
	// back here; for an operator the workbench's page denied (403).
	login, denied := h.file("login.html"), h.file("forbidden.html")
	page := func(f http.HandlerFunc) http.Handler { return a.RequirePage(auth.RoleAdmin, f, login, denied) }
	admin := func(f http.HandlerFunc) http.Handler { return a.Require(auth.RoleAdmin, f) }
	mux.Handle("GET /agent/concerns", page(h.page))
	mux.Handle("GET /agent/concerns/draft", page(h.draftPage))
	mux.Handle("POST /agent/concerns/draft", a.Require(auth.RoleAdmin, http.HandlerFunc(h.draftPost)))
	mux.Handle("GET /api/admin/concerns", admin(h.api))
	mux.Handle("GET /api/admin/concerns/chart.svg", admin(h.chart))
	mux.Handle("GET /api/admin/coverage", admin(h.coverageAPI))
}

// file serves a page of the workbench's assets (Templates), with the
// status the auth wrapper sets; a short page when it is missing.
func (h *Handler) file(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(h.cfg.Templates, name)
		if err != nil {
			b = []byte(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>回应关切</title><p><a href="/agent/">返回工作台</a></p></html>`)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK) // the wrapping writer replaces the status (401, 403)
		w.Write(b)
	})
}

// parseQuery reads a report query from URL parameters: period (7, 30, 90,
// or 30d), from and to (YYYY-MM-DD), topic, channel, department, limit.
func parseQuery(v url.Values, loc *time.Location) (Query, error) {
	var q Query
	if p := strings.TrimSuffix(strings.TrimSpace(v.Get("period")), "d"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 366 {
			return q, errors.New("period 应为 1 到 366 之间的天数（如 7、30、90）")
		}
		q.Days = n
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := strings.TrimSpace(v.Get(f.name)); s != "" {
			t, err := time.ParseInLocation("2006-01-02", s, loc)
			if err != nil {
				return q, fmt.Errorf("%s 应为日期，如 2025-03-01", f.name)
			}
			*f.dst = t
		}
	}
	if !q.To.IsZero() && q.From.IsZero() {
		return q, errors.New("给出 to 时也要给出 from")
	}
	q.Topic = clip(strings.TrimSpace(v.Get("topic")), 300)
	q.Channel = strings.TrimSpace(v.Get("channel"))
	if q.Channel != "" && !slices.Contains(Channels, q.Channel) && q.Channel != "ws" {
		return q, errors.New("channel 应为 web、miniprogram、hotline、workbench 或 api")
	}
	q.Department = clip(strings.TrimSpace(v.Get("department")), 200)
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			return q, errors.New("limit 应为 1 到 10000 之间的整数")
		}
		q.Limit = n
	}
	return q, nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (h *Handler) internal(w http.ResponseWriter, what string, err error) {
	h.cfg.Log.Error("concerns: "+what, slog.Any("error", err))
	auth.WriteError(w, http.StatusInternalServerError, "internal", "系统繁忙，请稍后重试")
}

// pageView is what concerns.html renders.
type pageView struct {
	*Report
	Query          Query
	Params         url.Values
	PeriodValue    string
	OtherDays      int // a period of N days not among the choices
	ChannelOptions []string
	Chart          template.HTML
	FocusChart     template.HTML
	Error          string
	Me             string
	Took           string
}

// link is the dashboard's URL with some parameters changed.
func (v pageView) Link(kv ...string) string {
	p := url.Values{}
	for k, vs := range v.Params {
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
		return "/agent/concerns"
	}
	return "/agent/concerns?" + p.Encode()
}

// Export is the API's address for the same report in a format.
func (v pageView) Export(format string) string {
	p := url.Values{}
	for k, vs := range v.Params {
		if k != "limit" {
			p[k] = slices.Clone(vs)
		}
	}
	p.Set("format", format)
	p.Set("limit", "10000")
	return "/api/admin/concerns?" + p.Encode()
}

// DraftLink is the address of the draft form for a topic.
func (v pageView) DraftLink(topic string) string {
	p := url.Values{"topic": {topic}}
	for _, k := range []string{"period", "from", "to"} {
		if s := v.Params.Get(k); s != "" {
			p.Set(k, s)
		}
	}
	return "/agent/concerns/draft?" + p.Encode()
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, v any) {
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, name, v); err != nil {
		h.cfg.Log.Error("concerns: render", slog.String("template", name), slog.Any("error", err))
		http.Error(w, "页面暂时无法显示，请稍后再试。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func me(r *http.Request) string {
	if s, ok := auth.FromContext(r.Context()); ok {
		return s.User.Name + "（工号 " + s.User.StaffNo + "）"
	}
	return ""
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	params := r.URL.Query()
	v := pageView{Params: url.Values{}, ChannelOptions: Channels, Me: me(r)}
	for _, k := range []string{"period", "from", "to", "topic", "channel", "department"} {
		if s := params.Get(k); s != "" {
			v.Params.Set(k, clip(s, 300))
		}
	}
	q, err := parseQuery(params, h.cfg.Service.cfg.Location)
	if err != nil {
		v.Error = err.Error()
		q = Query{}
	}
	q.Coverage = true
	v.Query = q
	v.PeriodValue = strconv.Itoa(max(q.Days, 7))
	if q.Days > 0 && q.Days != 7 && q.Days != 30 && q.Days != 90 {
		v.OtherDays = q.Days
	}
	if !q.From.IsZero() {
		v.PeriodValue = "custom"
	}
	rep, err := h.cfg.Service.Build(r.Context(), q)
	if errors.Is(err, ErrPeriod) {
		v.Error = periodMessage(err)
		q.From, q.To = time.Time{}, time.Time{}
		v.PeriodValue = "7"
		rep, err = h.cfg.Service.Build(r.Context(), q)
	}
	if err != nil {
		h.cfg.Log.Error("concerns: report", slog.Any("error", err))
		http.Error(w, "报告暂时无法生成，请稍后再试。", http.StatusInternalServerError)
		return
	}
	v.Report = rep
	scope := "全部服务"
	if q.Channel != "" {
		scope = ChannelLabel(q.Channel)
	}
	v.Chart = template.HTML(ChartSVG("chart-all", "每日提问量："+scope+"（"+rep.Period.Label()+"）", rep.Daily))
	if rep.Focus != nil {
		v.FocusChart = template.HTML(ChartSVG("chart-topic", "每日提问量：话题“"+clip(rep.Focus.Label, 40)+"”", rep.FocusDaily))
	}
	v.Took = time.Since(start).Round(time.Millisecond).String()
	h.render(w, http.StatusOK, "page", v)
}

// api answers the report as JSON (format=json, the default) or CSV.
func (h *Handler) api(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query(), h.cfg.Service.cfg.Location)
	if err != nil {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "format 只能是 json 或 csv")
		return
	}
	q.Coverage = r.URL.Query().Get("coverage") == "1"
	rep, err := h.cfg.Service.Build(r.Context(), q)
	if errors.Is(err, ErrPeriod) {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", periodMessage(err))
		return
	}
	if err != nil {
		h.internal(w, "report", err)
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="concerns-%s-%s.csv"`, rep.Period.From.Format("20060102"), rep.Period.Last().Format("20060102")))
		w.Header().Set("Cache-Control", "no-store")
		if err := WriteCSV(w, rep); err != nil {
			h.cfg.Log.Warn("concerns: csv", slog.Any("error", err))
		}
		return
	}
	writeJSON(w, rep)
}

// periodMessage is the Chinese part of a period error.
func periodMessage(err error) string {
	return strings.TrimPrefix(err.Error(), ErrPeriod.Error()+": ")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

// chart answers the questions-per-day chart as an SVG image.
func (h *Handler) chart(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query(), h.cfg.Service.cfg.Location)
	if err != nil {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	q.Limit, q.Examples = 1, -1
	rep, err := h.cfg.Service.Build(r.Context(), q)
	if errors.Is(err, ErrPeriod) {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", periodMessage(err))
		return
	}
	if err != nil {
		h.internal(w, "chart", err)
		return
	}
	title, days := "每日提问量：全部服务（"+rep.Period.Label()+"）", rep.Daily
	if rep.Focus != nil {
		title, days = "每日提问量：话题“"+clip(rep.Focus.Label, 40)+"”（"+rep.Period.Label()+"）", rep.FocusDaily
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, ChartSVG("chart", title, days))
}

func (h *Handler) coverageAPI(w http.ResponseWriter, r *http.Request) {
	rep, err := h.cfg.Service.Coverage(r.Context())
	if err != nil {
		h.internal(w, "coverage", err)
		return
	}
	writeJSON(w, rep)
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet
// (citizens' words are in it).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes the report's topics as CSV (UTF-8 with a BOM, so that
// spreadsheet programs read the Chinese text).
func WriteCSV(w io.Writer, rep *Report) error {
	io.WriteString(w, "\ufeff")
	cw := csv.NewWriter(w)
	cw.Write([]string{"topic", "label", "kind", "department", "department_suggested", "questions", "previous", "change", "trend",
		"refused", "refusal_rate", "clarified", "helpful", "unhelpful", "unhelpful_rate", "handoffs", "handoff_rate", "synthetic", "channels", "examples", "doc_url"})
	for _, t := range rep.Topics {
		var ch []string
		for _, c := range t.Channels {
			ch = append(ch, fmt.Sprintf("%s %d", c.Label, c.Questions))
		}
		row := []string{t.Key, t.Label, t.Kind, t.Department, strconv.FormatBool(t.Suggested), strconv.Itoa(t.Questions), strconv.Itoa(t.Previous),
			strconv.Itoa(t.Change), t.Trend, strconv.Itoa(t.Refused), fmt.Sprint(t.RefusalRate), strconv.Itoa(t.Clarified),
			strconv.Itoa(t.Helpful), strconv.Itoa(t.Unhelpful), fmt.Sprint(t.UnhelpfulRate), strconv.Itoa(t.Handoffs), fmt.Sprint(t.HandoffRate),
			strconv.Itoa(t.Synthetic), strings.Join(ch, "; "), strings.Join(t.Examples, " | "), t.DocURL}
		for _, i := range []int{0, 1, 3, 18, 19} { // the text columns
			row[i] = csvSafe(row[i])
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// ---- drafting a reply ----

// draftView is what the draft form renders.
type draftView struct {
	Topic      *Topic
	Period     Period
	Params     url.Values
	Question   string
	Similar    string
	Answer     string
	Department string
	Sources    string
	FAQID      string // the entry amended ("" for a new one)
	Amend      bool
	Note       string
	Errors     []string
	Me         string
	Available  bool
}

// Back is the dashboard's address with the draft's topic and period.
func (v draftView) Back() string {
	if len(v.Params) == 0 {
		return "/agent/concerns"
	}
	return "/agent/concerns?" + v.Params.Encode()
}

func (h *Handler) draftPage(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	q, err := parseQuery(params, h.cfg.Service.cfg.Location)
	if err != nil || q.Topic == "" {
		h.render(w, http.StatusBadRequest, "draft", draftView{Errors: []string{"请从话题列表选择一个话题。"}, Me: me(r)})
		return
	}
	q.Limit, q.Examples = 1, 8
	rep, err := h.cfg.Service.Build(r.Context(), q)
	if errors.Is(err, ErrPeriod) {
		h.render(w, http.StatusBadRequest, "draft", draftView{Errors: []string{periodMessage(err)}, Me: me(r)})
		return
	}
	if err != nil {
		h.internal(w, "draft", err)
		return
	}
	v := draftView{Topic: rep.Focus, Period: rep.Period, Params: url.Values{}, Me: me(r), Available: h.cfg.Review != nil}
	for _, k := range []string{"period", "from", "to"} {
		if s := params.Get(k); s != "" {
			v.Params.Set(k, s)
		}
	}
	t := rep.Focus
	base := h.cfg.Service.cfg.Base()
	examples := t.Examples
	switch d := base.Doc(t.DocID); {
	case t.Kind == "entry" && d != nil:
		// Amend the entry: its wording, with the citizens' new ones.
		v.Amend, v.FAQID = true, d.ID
		v.Question, v.Answer, v.Department = d.Title, strings.TrimSpace(d.Body), d.Department
		similar := slices.Clone(d.Similar)
		for _, e := range examples {
			if e != d.Title && !slices.Contains(similar, e) {
				similar = append(similar, e)
			}
		}
		v.Similar = strings.Join(similar, "\n")
		v.Sources = strings.Join(d.Sources, ", ")
	default:
		if len(examples) > 0 {
			v.Question = examples[0]
			v.Similar = strings.Join(examples[1:], "\n")
		}
		v.Department = t.Department
		if d != nil {
			v.Sources = d.ID
		}
	}
	v.Note = "回应关切：" + t.Label + "（" + rep.Period.Label() + "提问 " + strconv.Itoa(t.Questions) + " 次）"
	h.render(w, http.StatusOK, "draft", v)
}

// Limits of the draft form, in runes (the review list checks them too).
const (
	maxDraftQuestion = 200
	maxDraftAnswer   = 10000
)

func (h *Handler) draftPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 128<<10)
	if err := r.ParseForm(); err != nil {
		h.render(w, http.StatusRequestEntityTooLarge, "draft", draftView{Errors: []string{"提交的内容过长。"}, Me: me(r)})
		return
	}
	f := r.PostForm
	v := draftView{
		Question: strings.TrimSpace(f.Get("question")), Similar: f.Get("similar"), Answer: strings.TrimSpace(f.Get("answer")),
		Department: strings.TrimSpace(f.Get("department")), Sources: f.Get("sources"), Note: strings.TrimSpace(f.Get("note")),
		FAQID: strings.TrimSpace(f.Get("faq_id")), Me: me(r), Available: h.cfg.Review != nil, Params: url.Values{},
	}
	topic := clip(strings.TrimSpace(f.Get("topic")), 300)
	v.Params.Set("topic", topic)
	v.Amend = f.Get("mode") == "amend" && v.FAQID != ""
	if !v.Amend {
		v.FAQID = ""
	}
	v.Topic = &Topic{Key: topic, Label: clip(f.Get("topic_label"), 200)}
	base := h.cfg.Service.cfg.Base()
	var similar, sources []string
	for _, l := range strings.Split(v.Similar, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != v.Question && !slices.Contains(similar, l) {
			similar = append(similar, l)
		}
	}
	for _, s := range strings.FieldsFunc(v.Sources, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '、' }) {
		if !slices.Contains(sources, s) {
			sources = append(sources, s)
		}
	}
	switch {
	case !utf8.ValidString(v.Question + v.Answer + v.Similar + v.Department + v.Note):
		v.Errors = append(v.Errors, "内容含有无效字符。")
	case v.Question == "":
		v.Errors = append(v.Errors, "请填写标准问题。")
	case utf8.RuneCountInString(v.Question) > maxDraftQuestion:
		v.Errors = append(v.Errors, fmt.Sprintf("标准问题不能超过 %d 字。", maxDraftQuestion))
	}
	if v.Answer == "" {
		v.Errors = append(v.Errors, "请填写答复内容。")
	} else if utf8.RuneCountInString(v.Answer) > maxDraftAnswer {
		v.Errors = append(v.Errors, fmt.Sprintf("答复不能超过 %d 字。", maxDraftAnswer))
	}
	if len(similar) > 20 || len(sources) > 20 {
		v.Errors = append(v.Errors, "相似问法和依据文件各不超过 20 条。")
	}
	for _, s := range sources {
		if base.Doc(s) == nil {
			v.Errors = append(v.Errors, "依据文件“"+clip(s, 60)+"”不在知识库中，请填写文件编号（id）。")
		}
	}
	if v.Amend {
		if d := base.Doc(v.FAQID); d == nil || d.Type != kb.TypeFAQ {
			v.Errors = append(v.Errors, "要修订的常见问题“"+clip(v.FAQID, 60)+"”不在知识库中。")
		}
	}
	if h.cfg.Review == nil {
		v.Errors = append(v.Errors, "审核列表暂不可用。")
	}
	if len(v.Errors) > 0 {
		h.render(w, http.StatusBadRequest, "draft", v)
		return
	}
	s, _ := auth.FromContext(r.Context())
	conv := "concern:" + topic
	it, err := h.cfg.Review.Add(r.Context(), review.Item{Kind: review.KindProposal, By: s.User.Username, StaffNo: s.User.StaffNo,
		Question: v.Question, Similar: similar, Answer: v.Answer, Department: v.Department, Sources: sources,
		Conversation: clip(conv, 200), Note: clip(v.Note, 2000), FAQID: v.FAQID})
	if errors.Is(err, review.ErrInvalid) {
		v.Errors = append(v.Errors, "内容不完整或过长："+strings.TrimPrefix(err.Error(), "review: invalid item: "))
		h.render(w, http.StatusBadRequest, "draft", v)
		return
	}
	if err != nil {
		h.internal(w, "draft", err)
		return
	}
	h.cfg.Auth.Audit(r, auth.Event{Action: "review_proposal", Target: "r_" + strconv.FormatInt(it.ID, 10), Detail: clip(conv, 200)})
	http.Redirect(w, r, "/agent/review?created="+strconv.FormatInt(it.ID, 10), http.StatusSeeOther)
}
