// Package answereval measures answers, not rankings: over a JSONL question
// file it asks each question the way the chat service does (one
// conversation per row, earlier turns kept as the service keeps them) and
// sorts every reply into right, offered, wrong, clarified or refused; for
// rows that name a gold answer span it checks that the reply contains it.
//
// The outcomes, for a question the knowledge base answers (relevant ids
// given):
//   - right: answered (not a clarification) and the first source is relevant;
//   - offered: a relevant entry is among the related questions offered (the
//     candidates of a clarification, or 您可能还想问 after an answer);
//   - wrong: answered, and the relevant entry is neither first nor offered;
//   - clarified: the reply asks which of several questions is meant;
//   - refused.
//
// right and offered are disjoint; clarified overlaps offered (a
// clarification that offers the right entry counts under both). A question
// the knowledge base does not answer (empty relevant) should be refused.
package answereval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/answer"
)

// Row is one line of a question file: a single question, or a conversation
// (Turns). `docid` is read as a one-element relevant list (the NCPQA
// question files use it).
type Row struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Relevant []string `json:"relevant"`
	Answer   string   `json:"answer,omitempty"` // a span the reply must contain
	Category string   `json:"category,omitempty"`
	Aspect   string   `json:"aspect,omitempty"`
	Turns    []Turn   `json:"turns,omitempty"`
}

// Turn is one question of a conversation row.
type Turn struct {
	Question string   `json:"question"`
	Relevant []string `json:"relevant"`
	Answer   string   `json:"answer,omitempty"`
	Aspect   string   `json:"aspect,omitempty"`
}

// turns returns the questions of r in order: its Turns, or itself.
func (r Row) turns() []Turn {
	if len(r.Turns) > 0 {
		return r.Turns
	}
	return []Turn{{Question: r.Question, Relevant: r.Relevant, Answer: r.Answer, Aspect: r.Aspect}}
}

// ReadRows reads JSONL rows; blank lines and lines starting with # are
// skipped, and a bad line is an error naming its number.
func ReadRows(r io.Reader) ([]Row, error) {
	var out []Row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" || strings.HasPrefix(b, "#") {
			continue
		}
		var row struct {
			Row
			DocID string `json:"docid"`
		}
		if err := json.Unmarshal([]byte(b), &row); err != nil {
			return nil, fmt.Errorf("answereval: line %d: %w", line, err)
		}
		q := row.Row
		if row.DocID != "" && len(q.Relevant) == 0 {
			q.Relevant = []string{row.DocID}
		}
		if q.ID == "" {
			q.ID = fmt.Sprint(line)
		}
		for i, t := range q.turns() {
			if strings.TrimSpace(t.Question) == "" {
				return nil, fmt.Errorf("answereval: line %d: turn %d has no question", line, i+1)
			}
		}
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("answereval: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("answereval: no questions")
	}
	return out, nil
}

// Split keeps the dev or the test half of rows, by an FNV-1a hash of each
// row's id: a fixed, documented split for question files that come
// unsplit (NCPQA's). Tune on dev; report test.
func Split(rows []Row, half string) ([]Row, error) {
	var want uint32
	switch half {
	case "dev":
		want = 0
	case "test":
		want = 1
	default:
		return nil, fmt.Errorf("answereval: split %q is neither dev nor test", half)
	}
	var out []Row
	for _, r := range rows {
		h := fnv.New32a()
		h.Write([]byte(r.ID))
		if h.Sum32()%2 == want {
			out = append(out, r)
		}
	}
	return out, nil
}

// Asker answers one question of a conversation (the chat service's path).
type Asker interface {
	Answer(ctx context.Context, req answer.Request) (*answer.Answer, error)
}

// Outcome is what became of one question.
type Outcome string

// Outcomes.
const (
	Right     Outcome = "right"
	Offered   Outcome = "offered" // answered wrongly or clarified, the right entry among related
	Wrong     Outcome = "wrong"
	Clarified Outcome = "clarified" // clarified without offering the right entry
	Refused   Outcome = "refused"
	Answered  Outcome = "answered" // an out-of-scope question that was not refused
)

// Result is one asked question and what became of it.
type Result struct {
	Row      string   `json:"row"`
	Turn     int      `json:"turn"` // 1-based
	Question string   `json:"question"`
	Relevant []string `json:"relevant"`
	Outcome  Outcome  `json:"outcome"`
	Clarify  bool     `json:"clarify,omitempty"`
	First    string   `json:"first,omitempty"` // id of the first source
	Related  []string `json:"related,omitempty"`
	Reason   string   `json:"reason,omitempty"` // refusal reason
	// HasGold: the row names an answer span; Contains: the reply holds it.
	HasGold  bool `json:"has_gold,omitempty"`
	Contains bool `json:"contains,omitempty"`
	// Copy: a wrong answer whose first source republishes a relevant
	// document (MarkCopies).
	Copy  bool   `json:"copy,omitempty"`
	Runes int    `json:"runes"`
	Text  string `json:"text,omitempty"`
}

// Report sums the results of a question file.
type Report struct {
	Questions  int `json:"questions"`
	InScope    int `json:"in_scope"`
	OutOfScope int `json:"out_of_scope"`
	Right      int `json:"right"`
	Offered    int `json:"offered"` // relevant among related (after a wrong answer or in a clarification)
	Wrong      int `json:"wrong"`
	// WrongCopies of the Wrong answers quote a document that republishes a
	// relevant one (MarkCopies): the same text under another id.
	WrongCopies int `json:"wrong_copies"`
	Clarified   int `json:"clarified"` // every clarification, whether or not it offered the right entry
	Refused     int `json:"in_scope_refused"`
	OutRefused  int `json:"out_of_scope_refused"`
	// OutClarified: out-of-scope questions answered with a clarification
	// (not refused, but nothing quoted).
	OutClarified int `json:"out_of_scope_clarified"`
	WithGold     int `json:"with_gold"`
	Contains     int `json:"contains_gold"`
	MedianRunes  int `json:"median_answer_runes"` // of answered (not refused, not clarified) in-scope replies
	// MedianShown is the same median without the lines that list the
	// related questions (您可能还想问：· …), which the widget, the
	// mini-program and the workbench show as buttons instead.
	MedianShown int      `json:"median_shown_runes"`
	Results     []Result `json:"results,omitempty"`
}

// Share returns n as a share of the in-scope questions.
func (r Report) Share(n int) float64 {
	if r.InScope == 0 {
		return 0
	}
	return float64(n) / float64(r.InScope)
}

// Run asks every row, each as its own conversation, and scores the replies.
func Run(ctx context.Context, a Asker, rows []Row) (Report, error) {
	var rep Report
	var lengths, shown []int
	for _, row := range rows {
		var history []answer.Turn
		for i, t := range row.turns() {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			ans, err := a.Answer(ctx, answer.Request{Question: t.Question, History: history})
			if err != nil {
				return rep, fmt.Errorf("answereval: %s turn %d: %w", row.ID, i+1, err)
			}
			if turn, ok := ans.Turn(strings.TrimSpace(t.Question)); ok {
				history = append(history, turn)
			}
			res := score(row.ID, i+1, t, ans)
			rep.add(res)
			if res.Outcome == Right || res.Outcome == Wrong || (res.Outcome == Offered && !res.Clarify) {
				lengths = append(lengths, res.Runes)
				shown = append(shown, utf8.RuneCountInString(withoutRelatedList(ans)))
			}
		}
	}
	sort.Ints(lengths)
	sort.Ints(shown)
	if len(lengths) > 0 {
		rep.MedianRunes = lengths[len(lengths)/2]
		rep.MedianShown = shown[len(shown)/2]
	}
	return rep, nil
}

func score(row string, n int, t Turn, ans *answer.Answer) Result {
	res := Result{Row: row, Turn: n, Question: t.Question, Relevant: t.Relevant, Clarify: ans.Clarify,
		Reason: ans.Reason, Runes: utf8.RuneCountInString(ans.Text), Text: ans.Text}
	if len(ans.Sources) > 0 {
		res.First = ans.Sources[0].ID
	}
	for _, r := range ans.Related {
		res.Related = append(res.Related, r.ID)
	}
	if t.Answer != "" {
		res.HasGold = true
		res.Contains = ContainsSpan(ans.Text, t.Answer)
	}
	offered := slices.ContainsFunc(res.Related, func(id string) bool { return slices.Contains(t.Relevant, id) })
	switch {
	case len(t.Relevant) == 0 && ans.Refused:
		res.Outcome = Refused
	case len(t.Relevant) == 0:
		res.Outcome = Answered
	case ans.Refused:
		res.Outcome = Refused
	case !ans.Clarify && slices.Contains(t.Relevant, res.First):
		res.Outcome = Right
	case offered:
		res.Outcome = Offered
	case ans.Clarify:
		res.Outcome = Clarified
	default:
		res.Outcome = Wrong
	}
	return res
}

func (rep *Report) add(r Result) {
	rep.Questions++
	rep.Results = append(rep.Results, r)
	if len(r.Relevant) == 0 {
		rep.OutOfScope++
		if r.Outcome == Refused {
			rep.OutRefused++
		} else if r.Clarify {
			rep.OutClarified++
		}
		return
	}
	rep.InScope++
	if r.Clarify {
		rep.Clarified++
	}
	switch r.Outcome {
	case Right:
		rep.Right++
	case Offered:
		rep.Offered++
	case Wrong:
		rep.Wrong++
	case Refused:
		rep.Refused++
	}
	if r.HasGold {
		rep.WithGold++
		if r.Contains {
			rep.Contains++
		}
	}
}

// copyShare is the share of a relevant document's character bigrams that
// another document must hold to republish it (a 转发 notice that embeds it,
// or the same notice posted twice).
const copyShare = 0.9

// MarkCopies tells, for each wrong answer, whether its first source
// republishes a relevant document, given each document's text by id (""
// when unknown). Public policy sets hold the same notice under several ids
// (posted by two offices, or forwarded inside a 转发 notice) and name one
// of them as relevant; quoting another copy quotes the same words. Such
// answers stay counted as wrong and are reported beside it.
func (rep *Report) MarkCopies(text func(id string) string) {
	rep.WrongCopies = 0
	for i, r := range rep.Results {
		if r.Outcome != Wrong || r.First == "" {
			continue
		}
		first := bigrams(text(r.First))
		for _, id := range r.Relevant {
			rel := bigrams(text(id))
			if len(rel) < 20 {
				continue
			}
			held := 0
			for g := range rel {
				if first[g] {
					held++
				}
			}
			if float64(held) >= copyShare*float64(len(rel)) {
				rep.Results[i].Copy = true
				rep.WrongCopies++
				break
			}
		}
	}
}

// bigrams is the set of character bigrams of s, punctuation and spaces
// left out.
func bigrams(s string) map[string]bool {
	rs := []rune(fold(s))
	out := make(map[string]bool, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])] = true
	}
	return out
}

// ContainsSpan reports whether text contains span, ignoring punctuation,
// symbols, spaces and the difference between full- and half-width forms.
func ContainsSpan(text, span string) bool {
	s := fold(span)
	return s != "" && strings.Contains(fold(text), s)
}

func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\u3000':
			continue
		case r >= '！' && r <= '～':
			r -= 0xFEE0 // full-width ASCII
		}
		if unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Print writes the report as a small table.
func (r Report) Print(w io.Writer) {
	pct := func(n, of int) string {
		if of == 0 {
			return "—"
		}
		return fmt.Sprintf("%d (%.3f)", n, float64(n)/float64(of))
	}
	fmt.Fprintf(w, "questions          %d (in scope %d, out of scope %d)\n", r.Questions, r.InScope, r.OutOfScope)
	if r.InScope > 0 {
		fmt.Fprintf(w, "right              %s\n", pct(r.Right, r.InScope))
		fmt.Fprintf(w, "offered            %s\n", pct(r.Offered, r.InScope))
		fmt.Fprintf(w, "right + offered    %s\n", pct(r.Right+r.Offered, r.InScope))
		fmt.Fprintf(w, "wrong              %s\n", pct(r.Wrong, r.InScope))
		if r.WrongCopies > 0 {
			fmt.Fprintf(w, "  of which copies  %s (the first source republishes a relevant document)\n", pct(r.WrongCopies, r.InScope))
		}
		fmt.Fprintf(w, "clarified          %s\n", pct(r.Clarified, r.InScope))
		fmt.Fprintf(w, "refused            %s\n", pct(r.Refused, r.InScope))
	}
	if r.OutOfScope > 0 {
		fmt.Fprintf(w, "out of scope refused %s (clarified %d)\n", pct(r.OutRefused, r.OutOfScope), r.OutClarified)
	}
	if r.WithGold > 0 {
		fmt.Fprintf(w, "contains the gold  %s\n", pct(r.Contains, r.WithGold))
	}
	if r.MedianRunes > 0 {
		fmt.Fprintf(w, "median answer      %d characters (%d as the clients show it: the 您可能还想问 list as buttons)\n", r.MedianRunes, r.MedianShown)
	}
}

// Sampler considers a question as the answerer does and returns the
// features of its evidence (answer.Answerer satisfies it).
type Sampler interface {
	Sample(ctx context.Context, id, question string, relevant []string) (answer.Sample, error)
}

// Samples considers the single-question rows (conversations are skipped:
// their later turns depend on the earlier answers).
func Samples(ctx context.Context, a Sampler, rows []Row) ([]answer.Sample, error) {
	var out []answer.Sample
	for _, r := range rows {
		if len(r.Turns) > 0 {
			continue
		}
		s, err := a.Sample(ctx, r.ID, r.Question, r.Relevant)
		if err != nil {
			return nil, fmt.Errorf("answereval: %s: %w", r.ID, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// PrintOutcomes writes one line of a threshold sweep.
func PrintOutcomes(w io.Writer, label string, o answer.Outcomes) {
	sh := func(n, of int) float64 {
		if of == 0 {
			return 0
		}
		return float64(n) / float64(of)
	}
	fmt.Fprintf(w, "%-22s right %.3f  offered %.3f  r+o %.3f  wrong %.3f  clarified %.3f  refused %.3f | out: refused %.3f clarified %.3f\n",
		label, sh(o.Right, o.InScope), sh(o.Offered, o.InScope), sh(o.Right+o.Offered, o.InScope), sh(o.Wrong, o.InScope),
		sh(o.Clarified, o.InScope), sh(o.Refused, o.InScope), sh(o.OutRefused, o.OutOfScope), sh(o.OutClarified, o.OutOfScope))
}

// withoutRelatedList is an answer's text without the lines that list its
// related questions and the heading above them (您可能还想问：, 如果不是您要问的，
// 您可能想问：): what the clients show, which turn that list into buttons.
func withoutRelatedList(ans *answer.Answer) string {
	if len(ans.Related) == 0 {
		return ans.Text
	}
	labels := map[string]bool{}
	for _, r := range ans.Related {
		labels[strings.TrimSpace(r.Question)] = true
	}
	var kept []string
	for _, line := range strings.Split(ans.Text, "\n") {
		t := strings.TrimSpace(line)
		if labels[strings.TrimSpace(strings.TrimPrefix(t, "·"))] || t == answer.RelatedHeadings[0] || t == answer.RelatedHeadings[1] {
			continue
		}
		kept = append(kept, line)
	}
	return strings.TrimRight(strings.Join(kept, "\n"), "\n")
}
