// Package coverage checks 谁起草谁解读 and the freshness of the knowledge
// base: policies in force without an interpretation, interpretations
// published later than their policy (同步部署 means the same day), FAQ
// entries that rest on a repealed or expired document, documents expiring
// soon, and, given what answers cited, documents nobody's answer cited
// lately. The concerns dashboard shows it, `govchat report coverage` prints
// it and `govchat lint` warns with it. It imports the standard library and
// internal/kb only.
package coverage

import (
	"sort"
	"strconv"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// Config sets the checks' thresholds. Zero fields take the defaults.
type Config struct {
	// LateDays: an interpretation published more than this many days after
	// its policy is late. 0 (the default) asks for the same day (同步).
	LateDays int `json:"late_days"`
	// ExpiringDays: documents whose expiry falls within this many days are
	// listed (default 90).
	ExpiringDays int `json:"expiring_days"`
	// UncitedDays: documents no answer cited in this many days are listed
	// (default 90).
	UncitedDays int `json:"uncited_days"`
}

func (c *Config) defaults() {
	if c.LateDays < 0 {
		c.LateDays = 0
	}
	if c.ExpiringDays <= 0 {
		c.ExpiringDays = 90
	}
	if c.UncitedDays <= 0 {
		c.UncitedDays = 90
	}
}

// Item is one document of a finding.
type Item struct {
	ID         string    `json:"id"`
	Type       kb.Type   `json:"type"`
	TypeLabel  string    `json:"type_label"`
	Title      string    `json:"title"`
	DocURL     string    `json:"doc_url"`
	DocNumber  string    `json:"doc_number,omitempty"`
	Department string    `json:"department,omitempty"`
	Status     kb.Status `json:"status"`
	Published  string    `json:"published,omitempty"` // YYYY-MM-DD
	Expires    string    `json:"expires,omitempty"`
	Sample     bool      `json:"sample,omitempty"`
	Path       string    `json:"-"` // file, for lint
	Line       int       `json:"-"`
}

// Late is an interpretation published after its policy.
type Late struct {
	Interpretation Item `json:"interpretation"`
	Policy         Item `json:"policy"`
	Days           int  `json:"days"` // days after the policy
}

// StaleSource is a FAQ entry whose source is no longer in force.
type StaleSource struct {
	FAQ    Item `json:"faq"`
	Source Item `json:"source"`
}

// Expiring is a document in force whose expiry is near.
type Expiring struct {
	Item
	DaysLeft int `json:"days_left"`
}

// Report is the result of the checks.
type Report struct {
	Now           time.Time     `json:"now"`
	Config        Config        `json:"config"`
	Policies      int           `json:"policies"` // policies in force (现行有效, 尚未施行)
	Uninterpreted []Item        `json:"uninterpreted"`
	Late          []Late        `json:"late"`
	StaleSources  []StaleSource `json:"stale_sources"`
	Expiring      []Expiring    `json:"expiring"`
	// Uncited lists the documents in force that no answer cited since
	// UncitedSince; CitedKnown is false (and Uncited empty) when no
	// conversation log was given.
	CitedKnown   bool      `json:"cited_known"`
	UncitedSince time.Time `json:"uncited_since"`
	Uncited      []Item    `json:"uncited"`
}

func itemOf(d *kb.Document, now time.Time) Item {
	it := Item{ID: d.ID, Type: d.Type, TypeLabel: d.Type.Label(), Title: d.Title, DocURL: kb.DocURL(d.ID, ""), DocNumber: d.DocNumber,
		Department: d.Department, Status: d.Validity(now), Sample: d.Sample, Path: d.Path, Line: d.Line}
	if !d.Published.IsZero() {
		it.Published = d.Published.Format("2006-01-02")
	}
	if !d.Expires.IsZero() {
		it.Expires = d.Expires.Format("2006-01-02")
	}
	return it
}

// inForce reports whether a document's status at now is 现行有效 or 尚未施行.
func inForce(d *kb.Document, now time.Time) bool {
	s := d.Validity(now)
	return s == kb.StatusActive || s == kb.StatusPending
}

// days between two dates (calendar days of their own time zones).
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// Check runs the checks on base at now. cited gives the number of answers
// that cited each document since now − UncitedDays (nil: not known, the
// uncited check is skipped).
func Check(base *kb.Base, now time.Time, cfg Config, cited map[string]int) Report {
	cfg.defaults()
	r := Report{Now: now, Config: cfg, Uninterpreted: []Item{}, Late: []Late{}, StaleSources: []StaleSource{}, Expiring: []Expiring{}, Uncited: []Item{},
		CitedKnown: cited != nil, UncitedSince: now.AddDate(0, 0, -cfg.UncitedDays)}
	for _, d := range base.Docs {
		if base.Doc(d.ID) != d {
			continue // a duplicate id; lint reports it
		}
		switch d.Type {
		case kb.TypePolicy:
			if inForce(d, now) {
				r.Policies++
				if len(base.Interpretations(d.ID)) == 0 {
					r.Uninterpreted = append(r.Uninterpreted, itemOf(d, now))
				}
			}
		case kb.TypeInterpretation:
			if p := base.Doc(d.Interprets); p != nil && !d.Published.IsZero() && !p.Published.IsZero() {
				if n := daysBetween(p.Published, d.Published); n > cfg.LateDays {
					r.Late = append(r.Late, Late{Interpretation: itemOf(d, now), Policy: itemOf(p, now), Days: n})
				}
			}
		case kb.TypeFAQ:
			if !d.Expired(now) {
				for _, id := range d.Sources {
					if src := base.Doc(id); src != nil && src.Expired(now) {
						r.StaleSources = append(r.StaleSources, StaleSource{FAQ: itemOf(d, now), Source: itemOf(src, now)})
					}
				}
			}
		}
		if inForce(d, now) && !d.Expires.IsZero() {
			if left := daysBetween(now, d.Expires); left >= 0 && left <= cfg.ExpiringDays {
				r.Expiring = append(r.Expiring, Expiring{Item: itemOf(d, now), DaysLeft: left})
			}
		}
		if cited != nil && inForce(d, now) && cited[d.ID] == 0 {
			r.Uncited = append(r.Uncited, itemOf(d, now))
		}
	}
	sort.SliceStable(r.Late, func(i, j int) bool { return r.Late[i].Days > r.Late[j].Days })
	sort.SliceStable(r.Expiring, func(i, j int) bool { return r.Expiring[i].DaysLeft < r.Expiring[j].DaysLeft })
	return r
}

// Finding is one check's result about one document, for lint.
type Finding struct {
	Path, Message string
	Line          int
}

// Findings lists the report as lint warnings, one per document.
func (r Report) Findings() []Finding {
	var out []Finding
	add := func(it Item, msg string) { out = append(out, Finding{Path: it.Path, Line: it.Line, Message: msg}) }
	for _, it := range r.Uninterpreted {
		add(it, "policy in force has no interpretation (谁起草谁解读): add one with interprets: "+it.ID)
	}
	for _, l := range r.Late {
		add(l.Interpretation, "interpretation published "+days(l.Days)+" after its policy "+l.Policy.ID+" (同步: at most "+days(r.Config.LateDays)+")")
	}
	for _, s := range r.StaleSources {
		add(s.FAQ, "FAQ entry rests on "+s.Source.ID+", which is "+string(s.Source.Status))
	}
	for _, e := range r.Expiring {
		add(e.Item, "expires on "+e.Expires+" ("+days(e.DaysLeft)+" left): renew or replace it")
	}
	for _, it := range r.Uncited {
		add(it, "no answer cited it since "+r.UncitedSince.Format("2006-01-02"))
	}
	return out
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}
