package knowledge

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// Lint loads the knowledge base in fsys and checks it: the problems of Load
// plus those of Check, sorted by file and line. now decides which documents
// have expired.
func Lint(fsys fs.FS, now time.Time) ([]Problem, error) {
	entries, dict, probs, err := load(fsys)
	if err != nil {
		return probs, err
	}
	probs = append(probs, check(entries, now)...)
	probs = append(probs, checkVocabulary(dict, docsOf(entries))...)
	SortProblems(probs)
	return probs, nil
}

// LintDir is Lint on a directory; paths are prefixed with dir.
func LintDir(dir string, now time.Time) ([]Problem, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("knowledge: %w", err)
	}
	probs, err := Lint(os.DirFS(dir), now)
	prefixPaths(dir, nil, probs)
	return probs, err
}

// Check runs the cross-document checks of lint on a loaded base: required
// fields, id syntax, duplicate ids, references (interprets, sources, replaces,
// replaced_by) to missing documents, inconsistent dates, unknown types and
// statuses, and documents past their expiry still marked 现行有效. Lines
// point at the start of each document or FAQ entry; Lint, which reads the
// files itself, points at the offending field.
func Check(b *kb.Base, now time.Time) []Problem {
	entries := make([]*entry, 0, len(b.Docs))
	for _, d := range b.Docs {
		entries = append(entries, &entry{doc: d, lines: map[string]int{}})
	}
	probs := check(entries, now)
	SortProblems(probs)
	return probs
}

func check(entries []*entry, now time.Time) []Problem {
	var out []Problem
	add := func(e *entry, field string, sev Severity, format string, args ...any) {
		out = append(out, Problem{Path: e.doc.Path, Line: e.line(field), Severity: sev, Msg: fmt.Sprintf(format, args...)})
	}
	byID := map[string]*entry{}
	for _, e := range entries {
		if first, dup := byID[e.doc.ID]; dup {
			add(e, "id", SeverityError, "duplicate id %q (first used at %s:%d)", e.doc.ID, first.doc.Path, first.line("id"))
			continue
		}
		byID[e.doc.ID] = e
	}
	ref := func(e *entry, field, id string, want ...kb.Type) {
		t, ok := byID[id]
		switch {
		case !ok:
			add(e, field, SeverityError, "%s: no document or FAQ entry has id %q", field, id)
		case id == e.doc.ID:
			add(e, field, SeverityError, "%s: refers to itself", field)
		case len(want) > 0 && !typeIn(t.doc.Type, want):
			add(e, field, SeverityWarning, "%s: %q is a %s, expected %s", field, id, t.doc.Type, typeNames(want))
		case t.doc.Sample && !e.doc.Sample:
			add(e, field, SeverityWarning, "%s: %q is sample content but this entry is not marked sample", field, id)
		}
	}
	for _, e := range entries {
		d := e.doc
		isFAQ := d.Type == kb.TypeFAQ
		if !ValidID(d.ID) {
			add(e, "id", SeverityError, "id %q may only contain letters, digits, '-', '_' and '.', and must start with a letter or digit (at most 128 bytes)", d.ID)
		}
		switch {
		case d.Type == "":
			add(e, "type", SeverityError, "missing type (policy, interpretation or guide)")
		case !d.Type.Valid():
			add(e, "type", SeverityError, "unknown type %q (policy, interpretation, guide or faq)", d.Type)
		}
		if d.Title == "" {
			if isFAQ {
				add(e, "question", SeverityError, "missing question")
			} else {
				add(e, "title", SeverityError, "missing title")
			}
		}
		if d.Body == "" {
			if isFAQ {
				add(e, "answer", SeverityError, "missing answer")
			} else {
				add(e, "body", SeverityWarning, "empty document body")
			}
		}
		if d.Status != "" && !d.Status.Valid() {
			add(e, "status", SeverityError, "unknown status %q (现行有效, 已修订, 已废止 or 尚未施行; leave it out to derive it from the dates)", d.Status)
		}
		expField := "expires"
		if isFAQ {
			expField = "valid_until"
		}
		if !d.Expires.IsZero() && now.After(kb.EndOfDay(d.Expires)) {
			if d.Status == kb.StatusActive {
				add(e, "status", SeverityError, "marked %s but %s %s has passed", kb.StatusActive, expField, FormatDate(d.Expires))
			} else if isFAQ && d.Status == "" {
				add(e, expField, SeverityWarning, "valid_until %s has passed: the entry is no longer used in answers; review or remove it", FormatDate(d.Expires))
			}
		}
		if !d.Effective.IsZero() && !d.Expires.IsZero() && d.Expires.Before(d.Effective) {
			add(e, expField, SeverityError, "%s %s is before effective %s", expField, FormatDate(d.Expires), FormatDate(d.Effective))
		}
		if !d.Published.IsZero() && !d.Expires.IsZero() && d.Expires.Before(d.Published) {
			add(e, expField, SeverityError, "%s %s is before published %s", expField, FormatDate(d.Expires), FormatDate(d.Published))
		}
		if !d.Published.IsZero() && d.Published.After(now.AddDate(0, 0, 1)) {
			add(e, "published", SeverityWarning, "published date %s is in the future", FormatDate(d.Published))
		}
		if d.URL != "" && kb.SafeURL(d.URL) == "" {
			add(e, "url", SeverityError, "url %q is not an absolute http(s) address", d.URL)
		}
		switch {
		case d.Type == kb.TypeInterpretation && d.Interprets == "":
			add(e, "type", SeverityWarning, "interpretation without interprets: (the id of the policy it explains)")
		case d.Interprets != "":
			if d.Type != kb.TypeInterpretation {
				add(e, "interprets", SeverityWarning, "interprets is meant for type interpretation, not %s", d.Type)
			}
			ref(e, "interprets", d.Interprets, kb.TypePolicy, kb.TypeGuide)
		}
		for _, id := range d.Sources {
			ref(e, "sources", id, kb.TypePolicy, kb.TypeInterpretation, kb.TypeGuide)
		}
		if !isFAQ && len(d.Sources) > 0 {
			add(e, "sources", SeverityWarning, "sources is a FAQ field; documents use interprets, replaces or replaced_by")
		}
		for _, id := range d.Replaces {
			ref(e, "replaces", id)
			if t := byID[id]; t != nil && !contains(t.doc.ReplacedBy, d.ID) && t.doc.Status == kb.StatusActive {
				add(e, "replaces", SeverityWarning, "replaces %q, which is still marked %s", id, kb.StatusActive)
			}
		}
		for _, id := range d.ReplacedBy {
			ref(e, "replaced_by", id)
		}
		if len(d.ReplacedBy) > 0 && d.Status == kb.StatusActive {
			add(e, "status", SeverityError, "marked %s but replaced_by %s", kb.StatusActive, strings.Join(d.ReplacedBy, ", "))
		}
	}
	return out
}

func typeIn(t kb.Type, list []kb.Type) bool {
	for _, x := range list {
		if t == x {
			return true
		}
	}
	return false
}

func typeNames(list []kb.Type) string {
	s := make([]string, len(list))
	for i, t := range list {
		s[i] = string(t)
	}
	return strings.Join(s, " or ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
