package knowledge

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
)

// dictKind is what a dict/ file holds, decided by its base name.
type dictKind int

const (
	dictUnknown dictKind = iota
	dictWords
	dictSynonyms
	dictStopwords
	dictSensitive
	dictAspects
	dictSiblings
)

// dictKindOf maps a dict/ file name to its kind: user*.txt or words*.txt are
// user words, synonym*.txt synonyms, stop*.txt stop words, sensitive*.txt
// sensitive words, aspect*.txt the aspects questions ask for and sibling*.txt
// sets of things of one kind.
func dictKindOf(name string) dictKind {
	base := strings.ToLower(path.Base(name))
	if path.Ext(base) != ".txt" {
		return dictUnknown
	}
	switch {
	case strings.HasPrefix(base, "user"), strings.HasPrefix(base, "words"):
		return dictWords
	case strings.HasPrefix(base, "synonym"):
		return dictSynonyms
	case strings.HasPrefix(base, "stop"):
		return dictStopwords
	case strings.HasPrefix(base, "sensitive"):
		return dictSensitive
	case strings.HasPrefix(base, "aspect"):
		return dictAspects
	case strings.HasPrefix(base, "sibling"):
		return dictSiblings
	}
	return dictUnknown
}

// dictBuilder accumulates dict files, dropping duplicates.
type dictBuilder struct {
	d    kb.Dict
	seen map[dictKind]map[string]bool
	// Where each synonym group and expansion line was read, for lint.
	synAt, expAt []dictPos
}

// dictPos is a line of a dict file.
type dictPos struct {
	path string
	line int
}

func (b *dictBuilder) add(kind dictKind, w string) bool {
	if b.seen == nil {
		b.seen = map[dictKind]map[string]bool{}
	}
	if b.seen[kind] == nil {
		b.seen[kind] = map[string]bool{}
	}
	if b.seen[kind][w] {
		return false
	}
	b.seen[kind][w] = true
	return true
}

// dictLines yields the meaningful lines of a dict file with their numbers:
// blank lines and lines starting with # are skipped, a trailing " #comment"
// is removed.
func dictLines(src string, fn func(line int, text string)) {
	src = strings.TrimPrefix(src, "\ufeff")
	for i, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(strings.TrimSuffix(l, "\r"))
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if j := strings.Index(l, " #"); j >= 0 {
			l = strings.TrimSpace(l[:j])
		}
		fn(i+1, l)
	}
}

// parseDict reads one dict/ file into b.
func (b *dictBuilder) parse(name, src string, pr *problems) {
	kind := dictKindOf(name)
	switch kind {
	case dictUnknown:
		pr.warnf(0, "unknown dictionary file (expected user*.txt, words*.txt, synonym*.txt, stop*.txt, sensitive*.txt, aspect*.txt or sibling*.txt); ignored")
	case dictWords:
		dictLines(src, func(line int, l string) {
			f := strings.Fields(l)
			w := kb.UserWord{Word: f[0]}
			if len(f) > 3 {
				pr.errorf(line, "a user word line is: word [frequency] [part of speech]; got %d fields", len(f))
				return
			}
			if len(f) >= 2 {
				fr, err := strconv.ParseFloat(f[1], 64)
				if err != nil || fr < 0 {
					// "word pos" without frequency.
					if len(f) == 2 && isPOS(f[1]) {
						w.POS = f[1]
					} else {
						pr.errorf(line, "frequency %q is not a non-negative number", f[1])
						return
					}
				} else {
					w.Freq = fr
				}
			}
			if len(f) == 3 {
				w.POS = f[2]
			}
			if b.add(kind, w.Word) {
				b.d.Words = append(b.d.Words, w.Word)
				b.d.UserWords = append(b.d.UserWords, w)
			} else {
				pr.warnf(line, "duplicate user word %q", w.Word)
			}
		})
	case dictSynonyms:
		dictLines(src, func(line int, l string) {
			if left, right, ok := cutExpansion(l); ok {
				broad := splitSynonyms(left)
				targets := splitSynonyms(right)
				if len(broad) != 1 || len(targets) == 0 {
					pr.errorf(line, "an expansion line is: everyday word > official term official term …")
					return
				}
				if slices.Contains(targets, broad[0]) {
					pr.errorf(line, "%q expands to itself", broad[0])
					return
				}
				b.d.Expansions = append(b.d.Expansions, append(broad, targets...))
				b.expAt = append(b.expAt, dictPos{name, line})
				return
			}
			group := splitSynonyms(l)
			if len(group) < 2 {
				pr.errorf(line, "a synonym line needs at least two terms (canonical=alias alias …)")
				return
			}
			b.d.Synonyms = append(b.d.Synonyms, group)
			b.synAt = append(b.synAt, dictPos{name, line})
		})
	case dictAspects:
		dictLines(src, func(line int, l string) {
			a, err := parseAspect(l)
			if err != nil {
				pr.errorf(line, "%v", err)
				return
			}
			for i := range b.d.Aspects {
				if b.d.Aspects[i].Name == a.Name {
					pr.warnf(line, "aspect %q is defined again; its words are added", a.Name)
					b.d.Aspects[i].Ask = appendNew(b.d.Aspects[i].Ask, a.Ask...)
					b.d.Aspects[i].Mark = appendNew(b.d.Aspects[i].Mark, a.Mark...)
					return
				}
			}
			b.d.Aspects = append(b.d.Aspects, a)
		})
	case dictSiblings:
		dictLines(src, func(line int, l string) {
			var set [][]string
			for _, m := range strings.Fields(l) {
				var names []string
				for _, n := range strings.Split(m, "/") {
					if n = textnorm.Key(n); n != "" {
						names = append(names, n)
					}
				}
				if len(names) > 0 {
					set = append(set, names)
				}
			}
			if len(set) < 2 {
				pr.errorf(line, "a sibling line names two or more things of one kind, separated by spaces (a thing's other names after /)")
				return
			}
			b.d.Siblings = append(b.d.Siblings, set)
		})
	case dictStopwords, dictSensitive:
		dictLines(src, func(line int, l string) {
			for _, w := range strings.Fields(l) {
				if !b.add(kind, w) {
					continue
				}
				if kind == dictStopwords {
					b.d.Stopwords = append(b.d.Stopwords, w)
				} else {
					b.d.Sensitive = append(b.d.Sensitive, w)
				}
			}
		})
	}
}

// cutExpansion splits a one-directional line "交钱 > 缴费 收费" at its
// arrow (>, ＞ or →).
func cutExpansion(l string) (left, right string, ok bool) {
	for _, arrow := range []string{">", "＞", "→"} {
		if left, right, ok = strings.Cut(l, arrow); ok {
			return left, right, true
		}
	}
	return "", "", false
}

// splitSynonyms parses "住房公积金=公积金 公积金贷款" or "住房公积金 公积金"
// or "住房公积金,公积金": the first term is canonical; terms are separated by
// '=', ',', '，', '/', '|' or white space (not 、, which occurs inside terms). Duplicate terms are dropped.
func splitSynonyms(l string) []string {
	parts := strings.FieldsFunc(l, func(r rune) bool {
		switch r {
		case '=', ',', '，', '/', '|', '＝':
			return true
		}
		return r == ' ' || r == '\t' || r == '　'
	})
	var out []string
	seen := map[string]bool{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// isPOS reports whether s looks like a part-of-speech tag (n, nz, v, vn …).
func isPOS(s string) bool {
	if len(s) == 0 || len(s) > 4 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// parseAspect reads "费用: 收费 交钱 多少钱 | 收费 费用 免费": the aspect's
// name, the words that ask for it, and after "|" the words that mark a
// passage about it (the asking words when there is no "|").
func parseAspect(l string) (kb.Aspect, error) {
	name, rest, ok := strings.Cut(strings.Replace(l, "：", ":", 1), ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t|") {
		return kb.Aspect{}, fmt.Errorf("an aspect line is: name: asking words … | marking words …")
	}
	ask, mark, _ := strings.Cut(strings.ReplaceAll(rest, "｜", "|"), "|")
	a := kb.Aspect{Name: name, Ask: appendNew(nil, strings.Fields(ask)...), Mark: appendNew(nil, strings.Fields(mark)...)}
	if len(a.Ask) == 0 {
		return kb.Aspect{}, fmt.Errorf("aspect %q has no asking words", name)
	}
	if len(a.Mark) == 0 {
		a.Mark = a.Ask
	}
	return a, nil
}

// appendNew appends the words of ws not already in s.
func appendNew(s []string, ws ...string) []string {
	for _, w := range ws {
		if !slices.Contains(s, w) {
			s = append(s, w)
		}
	}
	return s
}
