package history

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/textnorm"
)

// group is a Group being built, with what merging needs.
type group struct {
	govchat.Group
	bigrams map[string]struct{}
	keys    map[string]struct{}
}

const (
	maxVariants   = 5
	maxReasons    = 5
	maxAnswerIDs  = 10
	defaultLimit  = 50
	defaultScan   = 20000
	defaultSimJac = 0.5
)

// Unanswered lists the knowledge gaps — questions refused because nothing
// answered them (govchat.GapReasons) and answered questions whose latest
// feedback is 👎 — grouped by wording (normalised, then by similarity),
// largest group first. Other refusals (chit-chat, weather, injection …) and
// failed answers are not gaps and are left out; NotGaps counts them.
func (s *Store) Unanswered(ctx context.Context, q govchat.UnansweredQuery) ([]govchat.Group, error) {
	if q.Limit <= 0 {
		q.Limit = defaultLimit
	}
	if q.MaxScan <= 0 {
		q.MaxScan = defaultScan
	}
	if q.Similarity <= 0 {
		q.Similarity = defaultSimJac
	}
	rows, err := s.read.QueryContext(ctx, `
		SELECT a.id, a.asked_at, a.question, a.qkey, a.refused, a.reason,
			(SELECT f.helpful FROM feedback f WHERE f.answer_id = a.id ORDER BY f.id DESC LIMIT 1),
			(SELECT f.reason FROM feedback f WHERE f.answer_id = a.id ORDER BY f.id DESC LIMIT 1)
		FROM answers a
		WHERE a.asked_at >= ? AND a.error = ''
			AND (a.refused AND a.reason IN (`+gapList+`)
				OR NOT a.refused AND EXISTS (SELECT 1 FROM feedback f WHERE f.answer_id = a.id AND NOT f.helpful))
		ORDER BY a.asked_at DESC, a.rowid DESC
		LIMIT ?`, q.Since.UnixMilli(), q.MaxScan)
	if err != nil {
		return nil, fmt.Errorf("history: unanswered: %w", err)
	}
	defer rows.Close()

	byKey := map[string]*group{}
	var groups []*group
	for rows.Next() {
		var (
			id, question, key, reason string
			at                        int64
			refused                   bool
			helpful                   sql.NullBool
			fbReason                  sql.NullString
		)
		if err := rows.Scan(&id, &at, &question, &key, &refused, &reason, &helpful, &fbReason); err != nil {
			return nil, fmt.Errorf("history: unanswered: %w", err)
		}
		unhelpful := helpful.Valid && !helpful.Bool
		if !refused && !unhelpful {
			continue // a later 👍 replaced the 👎
		}
		g := byKey[key]
		if g == nil {
			g = &group{Group: govchat.Group{Question: question, Reasons: map[string]int{}, LastAsked: time.UnixMilli(at)}, keys: map[string]struct{}{key: {}}}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.Count++
		g.FirstAsked = time.UnixMilli(at)
		if refused {
			g.Refused++
			if reason != "" {
				g.Reasons[reason]++
			}
		}
		if unhelpful {
			g.Unhelpful++
			if r := strings.TrimSpace(fbReason.String); r != "" {
				g.FeedbackReasons = appendDistinct(g.FeedbackReasons, r, maxReasons)
			}
		}
		if question != g.Question {
			g.Variants = appendDistinct(g.Variants, question, maxVariants)
		}
		if len(g.AnswerIDs) < maxAnswerIDs {
			g.AnswerIDs = append(g.AnswerIDs, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: unanswered: %w", err)
	}
	groups = mergeSimilar(groups, q.Similarity)
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].Count != groups[j].Count {
			return groups[i].Count > groups[j].Count
		}
		return groups[i].LastAsked.After(groups[j].LastAsked)
	})
	if len(groups) > q.Limit {
		groups = groups[:q.Limit]
	}
	out := make([]govchat.Group, len(groups))
	for i, g := range groups {
		if len(g.Reasons) == 0 {
			g.Reasons = nil
		}
		if g.AnswerIDs == nil {
			g.AnswerIDs = []string{}
		}
		out[i] = g.Group
	}
	return out, nil
}

// gapList is govchat.GapReasons as an SQL list.
var gapList = func() string {
	quoted := make([]string, len(govchat.GapReasons))
	for i, r := range govchat.GapReasons {
		quoted[i] = "'" + strings.ReplaceAll(r, "'", "''") + "'"
	}
	return strings.Join(quoted, ",")
}()

// NotGaps counts, by reason, the refusals since since that are not
// knowledge gaps (chit-chat, out of scope, injection, harmful, sensitive,
// unavailable): the unanswered report leaves them out.
func (s *Store) NotGaps(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT reason, COUNT(*) FROM answers
		WHERE asked_at >= ? AND error = '' AND refused AND reason NOT IN (`+gapList+`)
		GROUP BY reason`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("history: not gaps: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var reason string
		var n int
		if err := rows.Scan(&reason, &n); err != nil {
			return nil, fmt.Errorf("history: not gaps: %w", err)
		}
		out[reason] = n
	}
	return out, rows.Err()
}

// mergeSimilar joins groups whose normalised wordings share enough character
// bigrams, largest group first. Groups are visited in order of size so that
// the big, established wording absorbs its variants.
func mergeSimilar(groups []*group, threshold float64) []*group {
	if threshold >= 1 {
		return groups
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Count > groups[j].Count })
	for _, g := range groups {
		for k := range g.keys {
			g.bigrams = bigrams(k)
		}
	}
	var out []*group
	for _, g := range groups {
		var into *group
		for _, o := range out {
			if jaccard(g.bigrams, o.bigrams) >= threshold {
				into = o
				break
			}
		}
		if into == nil {
			out = append(out, g)
			continue
		}
		into.Count += g.Count
		into.Refused += g.Refused
		into.Unhelpful += g.Unhelpful
		for r, n := range g.Reasons {
			into.Reasons[r] += n
		}
		for _, r := range g.FeedbackReasons {
			into.FeedbackReasons = appendDistinct(into.FeedbackReasons, r, maxReasons)
		}
		if g.LastAsked.After(into.LastAsked) {
			// The newer wording becomes the representative one.
			into.Variants = appendDistinct(into.Variants, into.Question, maxVariants)
			into.Question = g.Question
			into.LastAsked = g.LastAsked
		} else {
			into.Variants = appendDistinct(into.Variants, g.Question, maxVariants)
		}
		for _, v := range g.Variants {
			into.Variants = appendDistinct(into.Variants, v, maxVariants)
		}
		into.Variants = removeString(into.Variants, into.Question)
		if g.FirstAsked.Before(into.FirstAsked) {
			into.FirstAsked = g.FirstAsked
		}
		into.AnswerIDs = append(into.AnswerIDs, g.AnswerIDs...)
		if len(into.AnswerIDs) > maxAnswerIDs {
			into.AnswerIDs = into.AnswerIDs[:maxAnswerIDs]
		}
	}
	return out
}

func appendDistinct(list []string, s string, max int) []string {
	if len(list) >= max {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// normalizeQuestion folds a question for grouping: its textnorm.Key
// (full-width ASCII to half-width, lower case, no spaces, punctuation or
// symbols) without trailing modal particles (吗 呢 啊 呀 吧).
func normalizeQuestion(q string) string {
	s := textnorm.Key(q)
	for {
		t := strings.TrimRight(s, "吗呢啊呀吧")
		if t == s {
			break
		}
		s = t
	}
	return s
}

func bigrams(s string) map[string]struct{} {
	rs := []rune(s)
	set := make(map[string]struct{}, len(rs))
	if len(rs) == 1 {
		set[s] = struct{}{}
	}
	for i := 0; i+1 < len(rs); i++ {
		set[string(rs[i:i+2])] = struct{}{}
	}
	return set
}

func jaccard(a, b map[string]struct{}) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if _, ok := b[k]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
