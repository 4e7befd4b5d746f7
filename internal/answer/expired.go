package answer

import (
	"regexp"
	"strings"
)

// yearRE finds the years a question names (2018版, 2018年的, 那2018年的呢).
var yearRE = regexp.MustCompile(`(?:19|20)\d\d`)

// namesExpired reports whether the question names, by its year, a document
// no longer in force: a year that the title of such a document holds and
// the title of no document in force does (2018版考核办法 when the 2018 edition
// was replaced by the 2021 one). Such a question asks for the old text, which
// is then searched and quoted under its notice (已废止, the document in
// force), as if expired documents had been asked for. A question whether
// the old edition still holds (还管用吗, 还有效吗) is not: the document in force,
// which says what it replaced, answers it.
func (a *Answerer) namesExpired(q string) bool {
	years := yearRE.FindAllString(q, 4)
	if len(years) == 0 || asksValidityRe.MatchString(q) {
		return false
	}
	now := a.cfg.Now()
	for _, y := range years {
		expired, inForce := false, false
		for _, d := range a.base.Docs {
			if !strings.Contains(d.Title, y) {
				continue
			}
			if d.Expired(now) {
				expired = true
			} else {
				inForce = true
				break
			}
		}
		if expired && !inForce {
			return true
		}
	}
	return false
}
