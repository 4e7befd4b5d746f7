package concerns

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/sqlite"
	workbenchweb "github.com/govchat/govchat/web/workbench"
)

var cst = time.FixedZone("CST", 8*3600)

// now is the tests' clock: 14 March 2025, afternoon, Beijing time.
var now = time.Date(2025, 3, 14, 15, 0, 0, 0, cst)

func at(daysAgo, hour int) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d-daysAgo, hour, 0, 0, 0, cst)
}

func testKB() *kb.Base {
	return kb.NewBase([]*kb.Document{
		{ID: "faq-juzhu", Type: kb.TypeFAQ, Title: "居住证怎么办理？", Body: "到居住地派出所办理。", Department: "区公安分局", Similar: []string{"居住证在哪办"}, Sources: []string{"policy-juzhu"}},
		{ID: "policy-juzhu", Type: kb.TypePolicy, Title: "居住证管理办法", Department: "区公安分局", Published: time.Date(2024, 1, 1, 0, 0, 0, 0, cst)},
		{ID: "faq-gjj", Type: kb.TypeFAQ, Title: "公积金怎么提取？", Body: "携带身份证到公积金中心提取。", Department: "公积金中心"},
	}, kb.Dict{})
}

// seeded is a log with a rising unanswered topic (养犬登记证: 1 question last
// week, 6 this week), a steady answered one (居住证: 3 and 3) and a falling
// one (公积金: 5 and 1).
func seeded(t *testing.T) (*history.Store, *Topics) {
	t.Helper()
	tp := NewTopics(segmenter(t), testAspects)
	h, err := history.Open(history.Config{Path: filepath.Join(t.TempDir(), "history.db"), Redact: safety.Redact,
		Topic: tp.Topic, Location: cst, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	var recs []history.SyntheticRecord
	n := 0
	add := func(daysAgo int, channel string, r govchat.Record) {
		n++
		r.AnswerID, r.Session, r.Channel, r.At = fmt.Sprintf("a%d", n), fmt.Sprintf("s%d", n), channel, at(daysAgo, 10)
		recs = append(recs, history.SyntheticRecord{Record: r})
	}
	dog := func(q string) govchat.Record {
		return govchat.Record{Question: q, Answer: "无法回答", Refused: true, Reason: "low_confidence", Mode: "refused"}
	}
	juzhu := govchat.Record{Question: "居住证怎么办", Answer: "到居住地派出所办理。", Mode: "extractive",
		Sources: []govchat.RecordSource{{N: 1, DocID: "faq-juzhu", Title: "居住证怎么办理？"}, {N: 2, DocID: "policy-juzhu"}}}
	gjj := govchat.Record{Question: "公积金怎么提取", Answer: "携带身份证。", Mode: "extractive", Sources: []govchat.RecordSource{{N: 1, DocID: "faq-gjj"}}}
	add(10, "web", dog("养犬登记证在哪里办理"))
	for i, q := range []string{"=HYPERLINK(1) 养犬登记证哪里办理", "<script>alert(1)</script>养犬登记证", "养犬登记证在哪里办理", "怎么办养犬登记证", "养犬登记证哪里办", "我电话13812345678 养犬登记证在哪办"} {
		add(i%6, []string{"web", "miniprogram", "hotline"}[i%3], dog(q))
	}
	for i := range 3 {
		add(8+i, "web", juzhu)
		add(i, "web", juzhu)
	}
	for i := range 5 {
		add(7+i, "miniprogram", gjj)
	}
	add(1, "miniprogram", gjj)
	if err := h.RecordSynthetic(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	return h, tp
}

func newService(t *testing.T, h *history.Store) *Service {
	t.Helper()
	base := testKB()
	s, err := New(Config{Store: h, Base: func() *kb.Base { return base }, Location: cst, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuildReport(t *testing.T) {
	h, _ := seeded(t)
	s := newService(t, h)
	rep, err := s.Build(context.Background(), Query{Days: 7, Topic: "q:养犬+登记证", Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Period.Days != 7 || !rep.Period.From.Equal(at(6, 0)) || !rep.Period.To.Equal(at(-1, 0)) {
		t.Errorf("period = %+v", rep.Period)
	}
	var order []string
	for _, tp := range rep.Topics {
		order = append(order, fmt.Sprintf("%s %s %d(%d)", tp.Key, tp.Trend, tp.Questions, tp.Previous))
	}
	want := []string{"q:养犬+登记证 rising 6(1)", "doc:faq-juzhu steady 3(3)", "doc:faq-gjj falling 1(5)"}
	if strings.Join(order, "; ") != strings.Join(want, "; ") {
		t.Errorf("topics = %q\nwant %q", order, want)
	}
	dog := rep.Topics[0]
	if dog.Kind != "words" || dog.RefusalRate != 1 || dog.Label != "养犬 登记证" || len(dog.Channels) != 3 {
		t.Errorf("rising topic = %+v", dog)
	}
	if len(dog.Examples) != 3 || strings.Contains(strings.Join(dog.Examples, ""), "13812345678") {
		t.Errorf("examples = %q", dog.Examples)
	}
	if jz := rep.Topics[1]; jz.Kind != "entry" || jz.Department != "区公安分局" || jz.Label != "居住证怎么办理？" || jz.TypeLabel != "常见问题" {
		t.Errorf("answered topic = %+v", jz)
	}
	if rep.Totals.Questions != 10 || rep.Totals.Previous != 9 || rep.Totals.Refused != 6 || rep.Totals.Synthetic != 10 {
		t.Errorf("totals = %+v", rep.Totals)
	}
	if len(rep.Daily) != 7 || rep.Daily[6].Date != "2025-03-14" {
		t.Errorf("daily = %+v", rep.Daily)
	}
	sum := 0
	for _, d := range rep.FocusDaily {
		sum += d.Questions
	}
	if rep.Focus == nil || rep.Focus.Questions != 6 || sum != 6 {
		t.Errorf("focus = %+v, daily sum %d", rep.Focus, sum)
	}
	if rep.Coverage == nil || !rep.Coverage.CitedKnown || len(rep.Coverage.Uninterpreted) != 1 {
		t.Errorf("coverage = %+v", rep.Coverage)
	}

	// Filters: a channel, a department.
	rep, _ = s.Build(context.Background(), Query{Days: 7, Channel: "miniprogram"})
	if rep.Totals.Questions != 3 || len(rep.Channels) != 3 {
		t.Errorf("mini-program: totals %+v, channels %+v", rep.Totals, rep.Channels)
	}
	rep, _ = s.Build(context.Background(), Query{Days: 7, Department: "公积金中心"})
	if len(rep.Topics) != 1 || rep.Topics[0].Key != "doc:faq-gjj" {
		t.Errorf("department filter: %+v", rep.Topics)
	}
	// An explicit range: 3 March to 7 March.
	rep, err = s.Build(context.Background(), Query{From: at(11, 0), To: at(7, 0)})
	if err != nil || rep.Period.Days != 5 || rep.Previous.Days != 5 {
		t.Fatalf("range: %+v %v", rep, err)
	}
	if _, err := s.Build(context.Background(), Query{From: at(1, 0), To: at(3, 0)}); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
}

func TestChartSVG(t *testing.T) {
	days := []Day{{Day: at(1, 0), Date: "2025-03-13", Counts: govchat.Counts{Questions: 7, Refused: 2}}, {Day: at(0, 0), Date: "2025-03-14"}}
	svg := ChartSVG("c1", `话题“<b>&"x"</b>”`, days)
	for _, want := range []string{`role="img"`, `aria-labelledby="c1-t c1-d"`, `&lt;b&gt;&amp;&#34;x&#34;&lt;/b&gt;`, "2025-03-13：提问7次，拒答2次", "最多的一天是2025-03-13，7次"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "<b>") {
		t.Error("title not escaped")
	}
	if n := strings.Count(svg, "<rect"); n != 5 { // background, 2 legend, 2 bars of the one day
		t.Errorf("%d rects", n)
	}
}

// server is the dashboard's routes behind real sign-in.
type server struct {
	*httptest.Server
	admin, operator string // session tokens
	review          *review.Store
}

func newServer(t *testing.T) server {
	t.Helper()
	h, _ := seeded(t)
	svc := newService(t, h)
	accounts, err := auth.New(auth.Config{Path: filepath.Join(t.TempDir(), "auth.db"), Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accounts.Close() })
	ctx := context.Background()
	tokens := map[string]string{}
	for _, u := range []auth.NewUser{{Username: "admin", Name: "管理员", StaffNo: "9001", Role: auth.RoleAdmin, Password: "admin password"},
		{Username: "op", Name: "接线员", StaffNo: "1001", Role: auth.RoleOperator, Password: "operator password"}} {
		if _, err := accounts.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		tok, _, err := accounts.Login(ctx, u.Username, u.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.Username] = tok
	}
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "workbench.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rv, err := review.New(db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	hd, err := NewHandler(HTTPConfig{Service: svc, Auth: auth.NewWeb(accounts, auth.WebConfig{}, nil), Templates: workbenchweb.FS, Review: rv})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	hd.Register(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return server{Server: ts, admin: tokens["admin"], operator: tokens["op"], review: rv}
}

func (s server) get(t *testing.T, path, token string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "govchat_agent", Value: token})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestRoutesNeedAnAdmin(t *testing.T) {
	s := newServer(t)
	for _, p := range []string{"/agent/concerns", "/agent/concerns/draft?topic=q:x", "/api/admin/concerns", "/api/admin/concerns/chart.svg", "/api/admin/coverage"} {
		if code, _, _ := s.get(t, p, ""); code != http.StatusUnauthorized {
			t.Errorf("%s without sign-in: %d", p, code)
		}
		if code, _, _ := s.get(t, p, s.operator); code != http.StatusForbidden {
			t.Errorf("%s as an operator: %d", p, code)
		}
		if code, _, body := s.get(t, p, s.admin); code != http.StatusOK {
			t.Errorf("%s as an admin: %d %s", p, code, body)
		}
	}
	// POST needs an admin too.
	for tok, want := range map[string]int{"": 401, s.operator: 403} {
		req, _ := http.NewRequest("POST", s.URL+"/agent/concerns/draft", strings.NewReader("topic=q:x&question=a&answer=b"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tok != "" {
			req.AddCookie(&http.Cookie{Name: "govchat_agent", Value: tok})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("POST draft with %q: %d, want %d", tok, resp.StatusCode, want)
		}
	}
}

func TestDashboardPage(t *testing.T) {
	s := newServer(t)
	code, _, body := s.get(t, "/agent/concerns?period=7&topic="+url.QueryEscape("q:养犬+登记证"), s.admin)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	for _, want := range []string{"养犬 登记证", "上升", "<svg", "每日提问量", "就此话题起草答复", "本期有 10 个问题是演示数据", "&lt;script&gt;alert(1)&lt;/script&gt;养犬登记证", "无解读 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "13812345678") {
		t.Error("unescaped or unredacted citizen text on the page")
	}
	// The rising topic comes first.
	if i, j := strings.Index(body, `data-topic="q:养犬&#43;登记证"`), strings.Index(body, `data-topic="doc:faq-juzhu"`); i < 0 || j < 0 || i > j {
		t.Errorf("rising topic at %d, steady at %d", i, j)
	}
	// A bad period is reported, not an error page.
	code, _, body = s.get(t, "/agent/concerns?from=2025-03-10&to=2025-03-01", s.admin)
	if code != 200 || !strings.Contains(body, "早于开始日期") {
		t.Errorf("bad period: %d", code)
	}
}

func TestExports(t *testing.T) {
	s := newServer(t)
	code, h, body := s.get(t, "/api/admin/concerns?period=7&format=csv", s.admin)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %v", code, h)
	}
	if !strings.Contains(body, "q:养犬+登记证,养犬 登记证,words") || !strings.Contains(body, "'=HYPERLINK(1)") {
		t.Errorf("csv:\n%s", body)
	}
	code, h, body = s.get(t, "/api/admin/concerns?period=30", s.admin)
	if code != 200 || !strings.Contains(h.Get("Content-Type"), "json") || !strings.Contains(body, `"topics":[{"key":"q:养犬+登记证"`) {
		t.Errorf("json: %d %s", code, body[:min(len(body), 300)])
	}
	code, h, body = s.get(t, "/api/admin/concerns/chart.svg?topic=doc:faq-juzhu", s.admin)
	if code != 200 || h.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "居住证怎么办理？") {
		t.Errorf("svg: %d %s", code, body[:min(len(body), 300)])
	}
	for _, bad := range []string{"period=abc", "format=xml", "channel=fax", "from=2025-03-10&to=2025-03-01", "to=2025-03-01"} {
		if code, _, _ := s.get(t, "/api/admin/concerns?"+bad, s.admin); code != 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	code, _, body = s.get(t, "/api/admin/coverage", s.admin)
	if code != 200 || !strings.Contains(body, `"uninterpreted":[{"id":"policy-juzhu"`) {
		t.Errorf("coverage: %d %s", code, body)
	}
}

func TestDraftFromTopic(t *testing.T) {
	s := newServer(t)
	// A FAQ topic: the form amends the entry, with the citizens' wordings.
	code, _, body := s.get(t, "/agent/concerns/draft?topic=doc:faq-juzhu", s.admin)
	if code != 200 || !strings.Contains(body, `value="amend" checked`) || !strings.Contains(body, "到居住地派出所办理。") {
		t.Fatalf("draft form for an entry: %d\n%s", code, body)
	}
	// An unanswered topic: a new entry from the most recent wording.
	code, _, body = s.get(t, "/agent/concerns/draft?period=7&topic="+url.QueryEscape("q:养犬+登记证"), s.admin)
	if code != 200 || strings.Contains(body, `name="mode"`) || !strings.Contains(body, "养犬登记证") {
		t.Fatalf("draft form for words: %d\n%s", code, body)
	}
	post := func(form url.Values) (*http.Response, string) {
		req, _ := http.NewRequest("POST", s.URL+"/agent/concerns/draft", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "govchat_agent", Value: s.admin})
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := post(url.Values{"topic": {"q:养犬+登记证"}, "question": {""}, "answer": {""}, "sources": {"no-such-doc"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "请填写标准问题") || !strings.Contains(body, "no-such-doc") {
		t.Errorf("invalid draft: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(url.Values{"topic": {"q:养犬+登记证"}, "question": {"养犬登记证在哪里办理？"}, "similar": {"怎么办养犬登记证\n养犬登记证哪里办\n"},
		"answer": {"到区农业农村局窗口办理。"}, "department": {"区农业农村局"}, "sources": {"policy-juzhu"}, "note": {"回应关切"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/agent/review?created=") {
		t.Fatalf("draft: %d %v", resp.StatusCode, resp.Header)
	}
	items, _ := s.review.List(context.Background(), review.StatusOpen, 10)
	if len(items) != 1 || items[0].Question != "养犬登记证在哪里办理？" || len(items[0].Similar) != 2 || items[0].By != "admin" || items[0].FAQID != "" || items[0].Conversation != "concern:q:养犬+登记证" {
		t.Errorf("review item = %+v", items)
	}
	resp, _ = post(url.Values{"topic": {"doc:faq-juzhu"}, "mode": {"amend"}, "faq_id": {"faq-juzhu"}, "question": {"居住证怎么办理？"}, "answer": {"新的答复。"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("amendment: %d", resp.StatusCode)
	}
	items, _ = s.review.List(context.Background(), review.StatusOpen, 10)
	if len(items) != 2 || items[0].FAQID != "faq-juzhu" || items[0].EntryID() != "faq-juzhu" || items[1].EntryID() != fmt.Sprintf("proposal-%d", items[1].ID) {
		t.Errorf("amendment item = %+v", items[0])
	}
}
