package knowledge

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
)

// broadShare is the share of a knowledge base's documents above which a
// vocabulary line is too broad to help: whatever it finds, it finds half of
// everything.
const broadShare = 0.5

// broadMinDocs is the size below which a knowledge base is too small to
// tell a broad term from a common topic.
const broadMinDocs = 20

// checkVocabulary lints the synonym groups and one-directional lines of
// dict/ (docs/knowledge-format.md, "Vocabulary"):
//
//   - a group or line written twice, in one file or across files (warning);
//   - a term in two synonym groups (error: the segmenter keeps it in the
//     first and silently drops it from the second);
//   - an everyday word on the left of two one-directional lines (warning:
//     their terms are merged) or one that points at a term of its own group
//     (warning: the line does nothing);
//   - one-directional lines that lead back to where they started, 交钱 >
//     缴费 … 缴费 > 交钱 (error: a vocabulary is a hierarchy, and a cycle
//     means one of the lines has its direction wrong);
//   - a group or line whose terms occur in more than half of the documents
//     (warning, for knowledge bases of 20 or more documents): it finds
//     everything and tells nothing apart.
//
// Terms are compared by their matching key (textnorm.Key), as the
// segmenter compares them (ETC = etc, 双随机、一公开 = 双随机一公开).
func checkVocabulary(b *dictBuilder, docs []*kb.Document) []Problem {
	var out []Problem
	at := func(p dictPos, sev Severity, format string, args ...any) {
		out = append(out, Problem{Path: p.path, Line: p.line, Severity: sev, Msg: fmt.Sprintf(format, args...)})
	}
	where := func(p dictPos) string { return fmt.Sprintf("%s:%d", p.path, p.line) }
	keys := func(terms []string) []string {
		var ks []string
		for _, t := range terms {
			if k := textnorm.Key(t); k != "" && !slices.Contains(ks, k) {
				ks = append(ks, k)
			}
		}
		return ks
	}

	// Synonym groups.
	group := map[string]int{} // term key → first group holding it
	lineOf := map[string]dictPos{}
	for i, g := range b.d.Synonyms {
		ks := keys(g)
		sig := strings.Join(sorted(ks), "|")
		if first, dup := lineOf["="+sig]; dup {
			at(b.synAt[i], SeverityWarning, "synonym group written twice (also at %s)", where(first))
			continue
		}
		lineOf["="+sig] = b.synAt[i]
		for _, k := range ks {
			if j, ok := group[k]; ok && j != i {
				at(b.synAt[i], SeverityError, "%q is in two synonym groups (also at %s): the segmenter keeps it in the first only; merge the groups or drop it from one", k, where(b.synAt[j]))
				continue
			}
			group[k] = i
		}
	}

	// One-directional lines.
	left := map[string]int{}
	next := map[string][]string{}
	for i, e := range b.d.Expansions {
		ks := keys(e)
		if len(ks) < 2 {
			continue
		}
		sig := strings.Join(append([]string{ks[0]}, sorted(ks[1:])...), "|")
		if first, dup := lineOf[">"+sig]; dup {
			at(b.expAt[i], SeverityWarning, "one-directional line written twice (also at %s)", where(first))
			continue
		}
		lineOf[">"+sig] = b.expAt[i]
		broad := ks[0]
		if j, ok := left[broad]; ok {
			at(b.expAt[i], SeverityWarning, "%q is on the left of two one-directional lines (also at %s): their terms are merged; write one line", broad, where(b.expAt[j]))
		} else {
			left[broad] = i
		}
		for _, t := range ks[1:] {
			if g, ok := group[broad]; ok {
				if h, ok := group[t]; ok && h == g {
					at(b.expAt[i], SeverityWarning, "%q > %q: both are in one synonym group (%s), which already finds either", broad, t, where(b.synAt[g]))
				}
			}
			next[broad] = append(next[broad], t)
		}
	}
	for _, cyc := range cycles(next) {
		at(b.expAt[left[cyc[0]]], SeverityError, "one-directional lines form a cycle: %s; an everyday word points at more official ones, never back", strings.Join(cyc, " > "))
	}

	// Terms that find half the knowledge base.
	if len(docs) >= broadMinDocs {
		var all []string
		for _, g := range b.d.Synonyms {
			all = append(all, keys(g)...)
		}
		for _, e := range b.d.Expansions {
			if ks := keys(e); len(ks) > 1 {
				all = append(all, ks[1:]...)
			}
		}
		found := occurrences(all, docs)
		df := func(terms []string) int {
			seen := map[int32]bool{}
			for _, k := range terms {
				for _, d := range found[k] {
					seen[d] = true
				}
			}
			return len(seen)
		}
		limit := int(broadShare * float64(len(docs)))
		for i, g := range b.d.Synonyms {
			if n := df(keys(g)); n > limit {
				at(b.synAt[i], SeverityWarning, "synonym group %q finds %d of %d documents (more than half): too broad to tell them apart", g[0], n, len(docs))
			}
		}
		for i, e := range b.d.Expansions {
			if ks := keys(e); len(ks) > 1 {
				if n := df(ks[1:]); n > limit {
					at(b.expAt[i], SeverityWarning, "%q expands to terms found in %d of %d documents (more than half): too broad to help", e[0], n, len(docs))
				}
			}
		}
	}
	return out
}

// occurrences returns, for each term (a matching key), the documents whose
// title, questions or text contain it, in one pass over each document.
func occurrences(terms []string, docs []*kb.Document) map[string][]int32 {
	want := map[string]bool{}
	longest := 0
	for _, t := range terms {
		want[t] = true
		longest = max(longest, utf8.RuneCountInString(t))
	}
	out := map[string][]int32{}
	var at []int
	for i, d := range docs {
		text := textnorm.Key(d.Title + "\n" + strings.Join(d.Similar, "\n") + "\n" + d.Body)
		at = at[:0]
		for j := range text {
			at = append(at, j)
		}
		at = append(at, len(text))
		for s := 0; s+1 < len(at); s++ {
			for e := s + 1; e < len(at) && e-s <= longest; e++ {
				if k := text[at[s]:at[e]]; want[k] {
					if list := out[k]; len(list) == 0 || list[len(list)-1] != int32(i) {
						out[k] = append(list, int32(i))
					}
				}
			}
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// cycles returns the cycles of the directed graph next (each once, starting
// at its smallest term, in a stable order).
func cycles(next map[string][]string) [][]string {
	var out [][]string
	seen := map[string]bool{}
	starts := make([]string, 0, len(next))
	for k := range next {
		starts = append(starts, k)
	}
	slices.Sort(starts)
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var path []string
	var visit func(u string)
	visit = func(u string) {
		color[u] = grey
		path = append(path, u)
		for _, v := range next[u] {
			switch color[v] {
			case grey:
				i := slices.Index(path, v)
				cyc := slices.Clone(path[i:])
				// Start at the smallest term, so a cycle is reported once.
				m := slices.Index(cyc, slices.Min(cyc))
				cyc = append(cyc[m:], cyc[:m]...)
				if key := strings.Join(cyc, ">"); !seen[key] {
					seen[key] = true
					out = append(out, append(cyc, cyc[0]))
				}
			case white:
				visit(v)
			}
		}
		path = path[:len(path)-1]
		color[u] = black
	}
	for _, s := range starts {
		if color[s] == white {
			visit(s)
		}
	}
	return out
}
