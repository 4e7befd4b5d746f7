package answer

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/safety"
)

// followUpStartRe and followUpRefRe mark a question that depends on the
// conversation: 那外地户口呢？, 还有别的材料吗, 这个要多久.
var (
	followUpStartRe = regexp.MustCompile(`^(那|那么|那如果|那要是|那假如|还有|另外|此外|如果|要是|假如|若是|对于|至于|同样|也|然后|所以|那我|那他|那她|那我们|那孩子|那老人|可是|但是|不过)`)
	followUpRefRe   = regexp.MustCompile(`呢$|这个|那个|这种|那种|这样|那样|这项|那项|这些|那些|上述|上面|刚才|前面说|你说的|它|该政策|该文件|该规定|此项|同上|一样吗|还需要|还要|还可以|还能`)
)

// isFollowUp reports whether q likely continues the previous turn.
func isFollowUp(q string) bool {
	norm := safety.Normalize(q)
	if norm == "" {
		return false
	}
	if utf8.RuneCountInString(norm) <= 6 {
		return true
	}
	return followUpStartRe.MatchString(norm) || followUpRefRe.MatchString(norm)
}

// standalone returns the question to retrieve with: q itself, or for a
// follow-up a rewrite by the model (rewritten=true), or q with the topic
// terms of the previous answered turn appended.
func (a *Answerer) standalone(ctx context.Context, q string, history []Turn) (string, bool) {
	if len(history) == 0 || !isFollowUp(q) {
		return q, false
	}
	if a.chat != nil {
		if s, ok := a.rewrite(ctx, q, history); ok {
			return s, s != q
		}
	}
	return carryTerms(q, history), false
}

// carryTerms appends the topic terms of the most recent turn that has some
// and that q does not already contain.
func carryTerms(q string, history []Turn) string {
	for i := len(history) - 1; i >= 0; i-- {
		if len(history[i].Terms) == 0 {
			continue
		}
		var extra []string
		seen := map[string]bool{}
		for _, t := range history[i].Terms {
			t = strings.TrimSpace(t)
			if t == "" || seen[t] || strings.Contains(q, t) {
				continue
			}
			seen[t] = true
			extra = append(extra, t)
			if len(extra) == 8 {
				break
			}
		}
		if len(extra) == 0 {
			return q
		}
		return q + " " + strings.Join(extra, " ")
	}
	return q
}

// rewrite asks the model for a standalone question. The result must be one
// short line; anything else is discarded.
func (a *Answerer) rewrite(ctx context.Context, q string, history []Turn) (string, bool) {
	var b strings.Builder
	b.WriteString("对话记录：\n")
	from := max(0, len(history)-3)
	for _, t := range history[from:] {
		b.WriteString("用户：" + sanitizeData(truncate(t.Question, 200)) + "\n")
		if t.Answer != "" {
			b.WriteString("助手：" + sanitizeData(truncate(t.Answer, 300)) + "\n")
		}
	}
	b.WriteString("\n追问：" + sanitizeData(q) + "\n\n改写后的问题：")
	out, err := a.chat.Complete(ctx, rewritePrompt, b.String(), nil)
	if err != nil {
		if ctx.Err() == nil {
			a.cfg.Log.Warn("follow-up rewrite failed; carrying terms", slog.Any("error", err))
		}
		return "", false
	}
	s := strings.TrimSpace(out)
	for _, p := range []string{"改写后的问题：", "改写后的问题:", "问题：", "问题:"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.Trim(strings.TrimSpace(s), "“”\"'「」")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 200 || a.filter.CheckQuestion(s) != nil {
		return "", false
	}
	return s, true
}
