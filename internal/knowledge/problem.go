// Package knowledge reads a govchat knowledge base (Markdown documents with
// YAML front matter, FAQ files and the dict/ vocabulary) into kb types, checks
// it (lint) and imports existing material (.docx .html .pdf .txt .md, FAQ
// tables in .xlsx .csv .jsonl) into reviewable knowledge files.
//
// The file format is documented in docs/knowledge-format.md.
package knowledge

import (
	"fmt"
	"sort"
)

// Severity of a Problem.
type Severity string

// Severities: errors make lint fail, warnings do not.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one finding about a knowledge file, located by path and line
// (Line is 0 when the problem concerns the whole file).
type Problem struct {
	Path     string
	Line     int
	Severity Severity
	Msg      string
	// Refused marks an entry that was not loaded for what it holds (an
	// unsafe id or link): serve logs each at start.
	Refused bool
}

// String formats the problem as "file:line: severity: message".
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", p.Path, p.Line, p.Severity, p.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", p.Path, p.Severity, p.Msg)
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// SortProblems orders problems by path, then line, stably.
func SortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Line < ps[j].Line
	})
}

// problems collects findings for one file.
type problems struct {
	path string
	list []Problem
}

func (p *problems) errorf(line int, format string, args ...any) {
	p.list = append(p.list, Problem{Path: p.path, Line: line, Severity: SeverityError, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) warnf(line int, format string, args ...any) {
	p.list = append(p.list, Problem{Path: p.path, Line: line, Severity: SeverityWarning, Msg: fmt.Sprintf(format, args...)})
}
