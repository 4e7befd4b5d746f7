package knowledge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateRe accepts 2019-06-19, 2019/6/19, 2019.6.19 and 2019年6月19日, with
// full-width digits already converted.
var dateRe = regexp.MustCompile(`^\s*((?:19|20|21)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*$`)

// ParseDate parses a calendar date written as YYYY-MM-DD, YYYY/M/D, YYYY.M.D
// or YYYY年M月D日 (full-width digits allowed), optionally followed by a time
// (RFC 3339) which is ignored. The result is midnight UTC of that day.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(toHalfWidthDigits(s))
	if s == "" {
		return time.Time{}, fmt.Errorf("empty date")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	if i := strings.IndexAny(s, "T "); i == 10 {
		s = s[:10]
	}
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if mo < 1 || mo > 12 || d < 1 || t.Day() != d {
		return time.Time{}, fmt.Errorf("%q is not a valid calendar date", s)
	}
	return t, nil
}

// FormatDate writes t as YYYY-MM-DD ("" for the zero time).
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func toHalfWidthDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= '０' && r <= '９' }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}
