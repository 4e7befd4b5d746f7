// Package concerns is the knowledge office's 回应关切 dashboard: what
// citizens and callers asked in a period, grouped into topics (the entry or
// document an answer came from; the content words of a question nothing
// answered), with counts, the trend against the period before (rising
// topics first), refusal and 👎 rates, 转人工 after an answer, channels,
// departments and redacted example wordings; the questions of each day as an
// SVG chart; a reply drafted from a topic as a FAQ proposal for the review
// list; and the 谁起草谁解读 coverage of the knowledge base (internal/coverage).
// The admin pages are /agent/concerns, the API /api/admin/concerns and
// /api/admin/coverage; `govchat report concerns` prints the same report.
//
// It reads pre-aggregated daily counts from the conversation log through
// Store (internal/history implements it), so a report over a million
// questions sums a few hundred thousand rows at most.
package concerns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/coverage"
	"github.com/govchat/govchat/internal/dept"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
)

// Store is what the report reads from the conversation log
// (*history.Store). Counts exclude failed answers; days are calendar days
// in the log's time zone.
type Store interface {
	// ConcernCounts returns, per topic, the counts of [From, To) and the
	// questions of [PrevFrom, From) (of one channel when q.Channel is set).
	ConcernCounts(ctx context.Context, q govchat.PeriodQuery) ([]govchat.TopicCount, error)
	// TopicChannels returns the counts of [from, to) of each of topics by
	// channel.
	TopicChannels(ctx context.Context, topics []string, from, to time.Time) ([]govchat.TopicCount, error)
	// DailyCounts returns per day and channel the counts of [from, to) of
	// the whole service (topic "") or of one topic.
	DailyCounts(ctx context.Context, from, to time.Time, topic string) ([]govchat.DayCount, error)
	// TopicExamples returns up to n distinct stored (redacted) wordings of
	// a topic's questions in [from, to), most recent first.
	TopicExamples(ctx context.Context, topic string, from, to time.Time, n int) ([]string, error)
	// CitedSince returns the documents some answer cited on or after a
	// day (with the answers that ever cited each).
	CitedSince(ctx context.Context, since time.Time) (map[string]int, error)
}

// Config wires a Service.
type Config struct {
	Store Store           // required
	Base  func() *kb.Base // required: the knowledge base in use now
	// Coverage sets the coverage checks' thresholds.
	Coverage coverage.Config
	// Location is the time zone of the log's days (time.Local when nil);
	// it must be the history's.
	Location *time.Location
	Now      func() time.Time // time.Now when nil
	Log      *slog.Logger
}

// Service builds reports. Safe for concurrent use.
type Service struct {
	cfg Config

	mu        sync.Mutex
	deptBase  *kb.Base
	suggester *dept.Suggester
	suggested map[string]string // words topic → suggested department
}

// New checks cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Base == nil {
		return nil, errors.New("concerns: a store and a knowledge base are required")
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{cfg: cfg}, nil
}

// Query selects a report.
type Query struct {
	// Days is the period's length ending today (7, 30, 90 …; default 7),
	// unless From is set.
	Days int
	// From and To, when From is set, are the first and the last day of the
	// period (To zero: today).
	From, To time.Time
	// Topic, when set, is charted beside the whole service.
	Topic string
	// Channel and Department, when set, keep only that channel's questions
	// and that department's topics.
	Channel    string
	Department string
	// Limit bounds the topics listed (default 30; negative: all).
	Limit int
	// Examples is the number of example wordings per listed topic (default
	// 3; negative: none).
	Examples int
	// Coverage adds the coverage checks.
	Coverage bool
}

// Period is a range of whole days, [From, To).
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"` // exclusive: midnight after the last day
	Days int       `json:"days"`
}

// Last is the period's last day.
func (p Period) Last() time.Time { return p.To.AddDate(0, 0, -1) }

// Label is the period in Chinese (2025年3月1日—3月7日).
func (p Period) Label() string {
	a, b := p.From, p.Last()
	if a.Equal(b) {
		return a.Format("2006年1月2日")
	}
	if a.Year() == b.Year() {
		return a.Format("2006年1月2日") + "—" + b.Format("1月2日")
	}
	return a.Format("2006年1月2日") + "—" + b.Format("2006年1月2日")
}

// Rates are shares of a set of questions.
type Rates struct {
	// RefusalRate: refused / questions.
	RefusalRate float64 `json:"refusal_rate"`
	// UnhelpfulRate: 👎 / answers that got feedback.
	UnhelpfulRate float64 `json:"unhelpful_rate"`
	// HandoffRate: 转人工 after an answer / answers (questions not refused).
	HandoffRate float64 `json:"handoff_rate"`
}

func ratesOf(c govchat.Counts) Rates {
	var r Rates
	if c.Questions > 0 {
		r.RefusalRate = round3(float64(c.Refused) / float64(c.Questions))
	}
	if n := c.Helpful + c.Unhelpful; n > 0 {
		r.UnhelpfulRate = round3(float64(c.Unhelpful) / float64(n))
	}
	if n := c.Questions - c.Refused; n > 0 {
		r.HandoffRate = round3(float64(c.Handoffs) / float64(n))
	}
	return r
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// Totals are the whole period's counts.
type Totals struct {
	govchat.Counts
	Rates
	Previous int `json:"previous"`
}

// ChannelCount is one channel's questions.
type ChannelCount struct {
	Channel   string `json:"channel"`
	Label     string `json:"label"`
	Questions int    `json:"questions"`
	Previous  int    `json:"previous,omitempty"`
}

// Topic is one topic of the report.
type Topic struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Kind: "entry" (a FAQ entry answered it), "document" (a policy,
	// interpretation or guide), "words" (nothing answered it: its content
	// words), "chitchat", "blocked".
	Kind       string  `json:"kind"`
	DocID      string  `json:"doc_id,omitempty"`
	DocURL     string  `json:"doc_url,omitempty"`
	TypeLabel  string  `json:"type_label,omitempty"`
	Department string  `json:"department,omitempty"`
	Suggested  bool    `json:"department_suggested,omitempty"` // the department is suggested from the words
	Sample     bool    `json:"sample,omitempty"`
	Missing    bool    `json:"missing,omitempty"` // the document is no longer in the knowledge base
	Trend      string  `json:"trend"`             // new, rising, steady, falling
	Change     int     `json:"change"`            // questions − previous
	Growth     float64 `json:"growth,omitempty"`  // change / previous
	govchat.Counts
	Rates
	Previous int            `json:"previous"`
	Channels []ChannelCount `json:"channels"`
	Examples []string       `json:"examples"`
}

// Day is one day of a chart.
type Day struct {
	Day  time.Time `json:"day"`
	Date string    `json:"date"` // YYYY-MM-DD
	govchat.Counts
}

// Report is the dashboard's content.
type Report struct {
	Generated  time.Time `json:"generated"`
	Period     Period    `json:"period"`
	Previous   Period    `json:"previous"`
	Channel    string    `json:"channel,omitempty"`
	Department string    `json:"department,omitempty"`
	Totals     Totals    `json:"totals"`
	// Channels splits the period's questions by channel (all channels,
	// whatever Channel filters).
	Channels []ChannelCount `json:"channels"`
	// Departments are those of the period's topics, for the filter.
	Departments []string `json:"departments"`
	// TopicCount is the number of topics before Limit.
	TopicCount int     `json:"topic_count"`
	Topics     []Topic `json:"topics"`
	// Daily is the whole service's questions per day (of Channel, when set).
	Daily []Day `json:"daily"`
	// Focus is Query.Topic's row and FocusDaily its questions per day.
	Focus      *Topic           `json:"focus,omitempty"`
	FocusDaily []Day            `json:"focus_daily,omitempty"`
	Coverage   *coverage.Report `json:"coverage,omitempty"`
}

// ChannelLabel is the Chinese name of a channel.
func ChannelLabel(c string) string {
	switch c {
	case govchat.ChannelWeb:
		return "网站"
	case govchat.ChannelMiniProgram:
		return "小程序"
	case govchat.ChannelWorkbench:
		return "工作台"
	case govchat.ChannelAPI:
		return "接口"
	case govchat.ChannelHotline:
		return "12345热线查询"
	case "ws":
		return "网站/小程序"
	}
	return c
}

// Channels are the channels a report may filter by.
var Channels = []string{govchat.ChannelWeb, govchat.ChannelMiniProgram, govchat.ChannelHotline, govchat.ChannelWorkbench, govchat.ChannelAPI}

// ErrPeriod: the query's period is not valid (it ends before it starts, or
// is longer than 366 days).
var ErrPeriod = errors.New("concerns: invalid period")

// period resolves the query's period in the log's time zone.
func (s *Service) period(q Query) (Period, error) {
	loc := s.cfg.Location
	midnight := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	today := midnight(s.cfg.Now())
	if !q.From.IsZero() {
		from := midnight(q.From)
		to := today
		if !q.To.IsZero() {
			to = midnight(q.To)
		}
		if to.Before(from) {
			return Period{}, fmt.Errorf("%w: 结束日期（%s）早于开始日期（%s）", ErrPeriod, to.Format("2006-01-02"), from.Format("2006-01-02"))
		}
		end := to.AddDate(0, 0, 1)
		days := daysBetween(from, end)
		if days > 366 {
			return Period{}, fmt.Errorf("%w: 时间段最长 366 天", ErrPeriod)
		}
		return Period{From: from, To: end, Days: days}, nil
	}
	days := q.Days
	if days <= 0 {
		days = 7
	}
	if days > 366 {
		return Period{}, fmt.Errorf("%w: 时间段最长 366 天", ErrPeriod)
	}
	end := today.AddDate(0, 0, 1)
	return Period{From: end.AddDate(0, 0, -days), To: end, Days: days}, nil
}

func daysBetween(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// Build builds the report of q.
func (s *Service) Build(ctx context.Context, q Query) (*Report, error) {
	p, err := s.period(q)
	if err != nil {
		return nil, err
	}
	prev := Period{From: p.From.AddDate(0, 0, -p.Days), To: p.From, Days: p.Days}
	base := s.cfg.Base()
	rep := &Report{Generated: s.cfg.Now(), Period: p, Previous: prev, Channel: q.Channel, Department: q.Department,
		Channels: []ChannelCount{}, Departments: []string{}, Topics: []Topic{}}

	rows, err := s.cfg.Store.ConcernCounts(ctx, govchat.PeriodQuery{PrevFrom: prev.From, From: p.From, To: p.To, Channel: q.Channel})
	if err != nil {
		return nil, err
	}
	byKey := map[string]*Topic{}
	var topics []*Topic
	for _, r := range rows {
		t := byKey[r.Topic]
		if t == nil {
			t = &Topic{Key: r.Topic, Label: r.Label, Channels: []ChannelCount{}, Examples: []string{}}
			byKey[r.Topic] = t
			topics = append(topics, t)
		}
		t.Counts.Add(r.Counts)
		t.Previous += r.Previous
	}
	// The channels of the whole service, this period and the one before.
	service, err := s.cfg.Store.DailyCounts(ctx, prev.From, p.To, "")
	if err != nil {
		return nil, err
	}
	channels := map[string]*ChannelCount{}
	for _, d := range service {
		cc := channels[d.Channel]
		if cc == nil {
			cc = &ChannelCount{Channel: d.Channel, Label: ChannelLabel(d.Channel)}
			channels[d.Channel] = cc
		}
		if d.Day.Before(p.From) {
			cc.Previous += d.Questions
		} else {
			cc.Questions += d.Questions
		}
	}
	for _, c := range channels {
		rep.Channels = append(rep.Channels, *c)
	}
	sort.Slice(rep.Channels, func(i, j int) bool {
		if rep.Channels[i].Questions != rep.Channels[j].Questions {
			return rep.Channels[i].Questions > rep.Channels[j].Questions
		}
		return rep.Channels[i].Channel < rep.Channels[j].Channel
	})

	depts := map[string]bool{}
	kept := topics[:0]
	for _, t := range topics {
		if t.Questions == 0 && t.Previous == 0 {
			continue
		}
		s.describe(t, base, q.Department != "")
		t.Rates = ratesOf(t.Counts)
		t.Change = t.Questions - t.Previous
		if t.Previous > 0 {
			t.Growth = round3(float64(t.Change) / float64(t.Previous))
		}
		t.Trend = trend(t.Questions, t.Previous)
		if t.Department != "" {
			depts[t.Department] = true
		}
		rep.Totals.Counts.Add(t.Counts)
		rep.Totals.Previous += t.Previous
		if q.Department != "" && t.Department != q.Department {
			continue
		}
		kept = append(kept, t)
	}
	topics = kept
	for d := range depts {
		rep.Departments = append(rep.Departments, d)
	}
	sort.Strings(rep.Departments)
	rep.Totals.Rates = ratesOf(rep.Totals.Counts)

	// Rising topics first: the largest increase, then the most asked.
	sort.SliceStable(topics, func(i, j int) bool {
		a, b := topics[i], topics[j]
		if a.Change != b.Change {
			return a.Change > b.Change
		}
		if a.Questions != b.Questions {
			return a.Questions > b.Questions
		}
		return a.Key < b.Key
	})
	rep.TopicCount = len(topics)
	limit := q.Limit
	if limit == 0 {
		limit = 30
	}
	if limit > 0 && len(topics) > limit {
		topics = topics[:limit]
	}
	examples := q.Examples
	if examples == 0 {
		examples = 3
	}
	// The channels of the listed topics (and the charted one).
	keys := make([]string, 0, len(topics)+1)
	for _, t := range topics {
		keys = append(keys, t.Key)
	}
	if q.Topic != "" && byKey[q.Topic] != nil {
		keys = append(keys, q.Topic)
	}
	byChannel, err := s.cfg.Store.TopicChannels(ctx, keys, p.From, p.To)
	if err != nil {
		return nil, err
	}
	for _, c := range byChannel {
		if t := byKey[c.Topic]; t != nil && c.Questions > 0 && (q.Channel == "" || c.Channel == q.Channel) {
			t.Channels = append(t.Channels, ChannelCount{Channel: c.Channel, Label: ChannelLabel(c.Channel), Questions: c.Questions})
		}
	}
	for _, t := range byKey {
		sort.Slice(t.Channels, func(i, j int) bool {
			if t.Channels[i].Questions != t.Channels[j].Questions {
				return t.Channels[i].Questions > t.Channels[j].Questions
			}
			return t.Channels[i].Channel < t.Channels[j].Channel
		})
	}
	for _, t := range topics {
		if t.Kind == "words" && t.Department == "" && q.Department == "" {
			// Suggested for the listed topics only (the filter, when set,
			// had every topic's).
			if d := s.suggest(base, t.Key, t.Label); d != "" {
				t.Department, t.Suggested = d, true
			}
		}
		if examples > 0 {
			if t.Examples, err = s.cfg.Store.TopicExamples(ctx, t.Key, p.From, p.To, examples); err != nil {
				return nil, err
			}
		}
		rep.Topics = append(rep.Topics, *t)
	}

	if rep.Daily, err = s.daily(ctx, p, "", q.Channel); err != nil {
		return nil, err
	}
	if q.Topic != "" {
		if t := byKey[q.Topic]; t != nil {
			f := *t
			if f.Kind == "" {
				s.describe(&f, base, true)
				f.Trend = trend(f.Questions, f.Previous)
			}
			if len(f.Examples) == 0 && examples > 0 {
				if f.Examples, err = s.cfg.Store.TopicExamples(ctx, f.Key, p.From, p.To, max(examples, 5)); err != nil {
					return nil, err
				}
			}
			rep.Focus = &f
		} else {
			f := Topic{Key: q.Topic, Channels: []ChannelCount{}, Examples: []string{}, Trend: "steady"}
			s.describe(&f, base, true)
			rep.Focus = &f
		}
		if rep.FocusDaily, err = s.daily(ctx, p, q.Topic, q.Channel); err != nil {
			return nil, err
		}
	}
	if q.Coverage {
		cov, err := s.Coverage(ctx)
		if err != nil {
			return nil, err
		}
		rep.Coverage = &cov
	}
	return rep, nil
}

// Coverage runs the coverage checks on the knowledge base in use, with the
// citations of the log.
func (s *Service) Coverage(ctx context.Context) (coverage.Report, error) {
	cfg := s.cfg.Coverage
	if cfg.UncitedDays <= 0 {
		cfg.UncitedDays = 90
	}
	now := s.cfg.Now()
	cited, err := s.cfg.Store.CitedSince(ctx, now.AddDate(0, 0, -cfg.UncitedDays))
	if err != nil {
		return coverage.Report{}, err
	}
	return coverage.Check(s.cfg.Base(), now, cfg, cited), nil
}

// trend classes a topic's change: new (not asked before), rising or
// falling (by at least two questions and a fifth), else steady.
func trend(cur, prev int) string {
	switch {
	case prev == 0 && cur > 0:
		return "new"
	case cur-prev >= 2 && float64(cur-prev) >= 0.2*float64(prev):
		return "rising"
	case prev-cur >= 2 && float64(prev-cur) >= 0.2*float64(prev):
		return "falling"
	}
	return "steady"
}

// TrendLabel is the Chinese name of a trend.
func TrendLabel(t string) string {
	switch t {
	case "new":
		return "新出现"
	case "rising":
		return "上升"
	case "falling":
		return "下降"
	}
	return "持平"
}

// describe fills a topic's kind, document and department (for a words
// topic, suggested from its words when suggest).
func (s *Service) describe(t *Topic, base *kb.Base, suggest bool) {
	switch {
	case strings.HasPrefix(t.Key, govchat.TopicDocPrefix):
		id := strings.TrimPrefix(t.Key, govchat.TopicDocPrefix)
		t.DocID, t.DocURL = id, kb.DocURL(id, "")
		t.Kind = "document"
		d := base.Doc(id)
		if d == nil {
			t.Missing = true
			if t.Label == "" {
				t.Label = id
			}
			return
		}
		if d.Type == kb.TypeFAQ {
			t.Kind = "entry"
		}
		t.Label, t.TypeLabel, t.Department, t.Sample = d.Title, d.Type.Label(), d.Department, d.Sample
	case t.Key == TopicChitchat:
		t.Kind = "chitchat"
		t.Label = "问候、闲聊"
	case t.Key == TopicBlocked:
		t.Kind = "blocked"
		t.Label = "不当内容（已拦截）"
	default:
		t.Kind = "words"
		if t.Label == "" {
			t.Label = strings.ReplaceAll(strings.TrimPrefix(t.Key, govchat.TopicWordsPrefix), "+", " ")
		}
		if !suggest {
			return
		}
		if d := s.suggest(base, t.Key, t.Label); d != "" {
			t.Department, t.Suggested = d, true
		}
	}
}

// suggest returns the department the words of a topic suggest (cached per
// knowledge base), "" when none stands out.
func (s *Service) suggest(base *kb.Base, key, words string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deptBase != base {
		s.deptBase, s.suggested = base, map[string]string{}
		sg, err := dept.New(dept.Config{}, base.Docs)
		if err != nil && !errors.Is(err, dept.ErrNoDepartments) {
			s.cfg.Log.Warn("concerns: department suggestions", slog.Any("error", err))
		}
		s.suggester = sg
	}
	if s.suggester == nil {
		return ""
	}
	if d, ok := s.suggested[key]; ok {
		return d
	}
	d := ""
	if sg := s.suggester.Suggest(words, 1); len(sg) > 0 && sg[0].Score >= 0.5 {
		d = sg[0].Department
	}
	if len(s.suggested) < 100000 {
		s.suggested[key] = d
	}
	return d
}

// daily is every day of p with its counts (zero when nothing was asked).
func (s *Service) daily(ctx context.Context, p Period, topic, channel string) ([]Day, error) {
	rows, err := s.cfg.Store.DailyCounts(ctx, p.From, p.To, topic)
	if err != nil {
		return nil, err
	}
	days := make([]Day, p.Days)
	index := map[string]int{}
	for i := range days {
		d := p.From.AddDate(0, 0, i)
		days[i] = Day{Day: d, Date: d.Format("2006-01-02")}
		index[days[i].Date] = i
	}
	for _, r := range rows {
		if channel != "" && r.Channel != channel {
			continue
		}
		if i, ok := index[r.Day.In(s.cfg.Location).Format("2006-01-02")]; ok {
			days[i].Counts.Add(r.Counts)
		}
	}
	return days, nil
}
