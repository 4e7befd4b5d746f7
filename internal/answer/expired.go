package answer

import (
	"regexp"
	"slices"
	"strings"
)

// yearRE finds the years a question names (2018版, 2018年的, 那2018年的呢).
var yearRE = regexp.MustCompile(`(?:19|20)\d\d`)

// namedExpired returns the documents no longer in force that the question
// names by a year: a year that their titles hold and the title of no
// document in force does (2018版考核办法 when the 2018 edition was replaced
// by the 2021 one). Such a question asks for the old text, which is then
// searched and quoted under its notice (已废止, the document in force), as if
// expired documents had been asked for. A question whether the old edition
// still holds (还管用吗, 还有效吗) names none: the document in force, which
// says what it replaced, answers it.
func (a *Answerer) namedExpired(q string) []string {
	years := yearRE.FindAllString(q, 4)
	if len(years) == 0 || asksValidityRe.MatchString(q) {
		return nil
	}
	now := a.cfg.Now()
	var out []string
	for _, y := range years {
		var expired []string
		inForce := false
		for _, d := range a.base.Docs {
			if !strings.Contains(d.Title, y) {
				continue
			}
			if !d.Expired(now) {
				inForce = true
				break
			}
			expired = append(expired, d.ID)
		}
		if !inForce {
			out = append(out, expired...)
		}
	}
	return out
}

// oldEditionRe marks a question about the earlier edition of a document:
// 旧的那个, 老版的, 原来那个办法.
var oldEditionRe = regexp.MustCompile(`旧的|旧版|老的|老版|原来的|原来那|原先的|以前的|以前那|之前的|之前那|上一版|前一版|废止的|被替代的`)

// oldEditions returns, for a follow-up that asks about the earlier edition
// of what the previous answer cited (旧的那个是哪天开始实行的 after an answer
// from the 2021 考核办法), the documents no longer in force that the cited
// ones replaced: they are searched and come first, quoted under their
// notice. Whether the old edition still holds (旧的那个还能用吗) is answered
// from the document in force, as without history.
func (a *Answerer) oldEditions(q string, history []Turn) []string {
	if len(history) == 0 || !oldEditionRe.MatchString(q) || asksValidityRe.MatchString(q) {
		return nil
	}
	cited := history[len(history)-1].Docs
	now := a.cfg.Now()
	var out []string
	for _, d := range a.base.Docs {
		if d.Expired(now) && slices.ContainsFunc(d.ReplacedBy, func(id string) bool { return slices.Contains(cited, id) }) {
			out = append(out, d.ID)
		}
	}
	return out
}
