// Package safety keeps harmful text out of govchat: a sensitive-word filter
// (Aho-Corasick, leftmost-longest) for questions and for streamed model
// output, prompt-injection heuristics, input limits, and redaction of
// 身份证号 and phone numbers before anything is logged.
package safety

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"

	"github.com/govchat/govchat/internal/textnorm"
)

// Config configures a Filter.
type Config struct {
	// Words are sensitive words in addition to the built-in list, usually
	// kb.Dict.Sensitive from knowledge/dict/.
	Words []string
	// NoBuiltin drops the built-in list (for tests and special deployments).
	NoBuiltin bool
	// MaxQuestionRunes limits a question's length; default 500.
	MaxQuestionRunes int
}

// DefaultMaxQuestionRunes is the default question length limit.
const DefaultMaxQuestionRunes = 500

// builtinWords are a small set of words no government answer should contain:
// abuse and advertisements for plainly illegal services. Words that occur in
// legitimate policy text (drug names in 禁毒 rules, 代开发票 as a tax service,
// 残疾 terms) are deliberately absent.
var builtinWords = []string{
	"傻逼", "傻b", "煞笔", "沙比", "操你妈", "操你大爷", "草泥马", "日你妈", "狗日的", "王八蛋",
	"脑残", "去死吧", "贱人", "婊子", "fuck",
	"办假证", "刻假章", "出售枪支", "买卖枪支", "代购枪支",
}

// Filter finds sensitive words. It is immutable and safe for concurrent use.
type Filter struct {
	ac       *ahocorasick.Automaton // nil when there are no words
	words    []string               // normalised patterns, indexed by pattern id
	longest  int                    // longest word in runes
	maxInput int
}

// New builds a filter from the built-in list and cfg.Words. Words are
// normalised (全角→半角, ASCII lower case, spaces and punctuation removed);
// empty and duplicate words are ignored.
func New(cfg Config) (*Filter, error) {
	f := &Filter{maxInput: cfg.MaxQuestionRunes}
	if f.maxInput <= 0 {
		f.maxInput = DefaultMaxQuestionRunes
	}
	var src []string
	if !cfg.NoBuiltin {
		src = append(src, builtinWords...)
	}
	src = append(src, cfg.Words...)
	seen := map[string]bool{}
	for _, w := range src {
		if !utf8.ValidString(w) {
			return nil, fmt.Errorf("safety: sensitive word %q is not valid UTF-8", w)
		}
		n := textnorm.Key(w)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		f.words = append(f.words, n)
		f.longest = max(f.longest, utf8.RuneCountInString(n))
	}
	if len(f.words) > 0 {
		ac, err := ahocorasick.NewBuilder().AddStrings(f.words).Build()
		if err != nil {
			return nil, fmt.Errorf("safety: build matcher: %w", err)
		}
		f.ac = ac
	}
	return f, nil
}

// Len is the number of distinct sensitive words.
func (f *Filter) Len() int { return len(f.words) }

// Longest is the length in runes of the longest word.
func (f *Filter) Longest() int { return f.longest }

// Match is one occurrence of a sensitive word: s[Start:End] in the searched
// text (byte offsets).
type Match struct {
	Start, End int
	Word       string
}

// Find returns the leftmost-longest, non-overlapping occurrences of sensitive
// words in s, in order. Matching ignores ASCII case; s is not otherwise
// normalised (see FindNormalized).
//
// coregx/ahocorasick v0.3.1 with LeftmostLongest does not return
// leftmost-longest matches (for words ab, abc, bcde in "abcde" its Find
// returns bcde and FindAll returns ab), so Find collects all overlapping
// matches and selects the leftmost-longest ones itself.
func (f *Filter) Find(s string) []Match {
	if f.ac == nil || s == "" {
		return nil
	}
	hay := asciiLower(s)
	all := f.ac.FindAllOverlapping(hay)
	if len(all) == 0 {
		return nil
	}
	slices.SortFunc(all, func(a, b ahocorasick.Match) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	var out []Match
	end := 0
	for _, m := range all {
		if m.Start < end {
			continue
		}
		out = append(out, Match{Start: m.Start, End: m.End, Word: f.words[m.PatternID]})
		end = m.End
	}
	return out
}

// Contains reports whether s contains a sensitive word, after normalising s
// the way words are normalised (so 傻 逼 and ＦＵＣＫ are found).
func (f *Filter) Contains(s string) (word string, ok bool) {
	if f.ac == nil {
		return "", false
	}
	n := textnorm.Key(s)
	if f.ac.IsMatch([]byte(n)) {
		m := f.Find(n)
		if len(m) > 0 {
			return m[0].Word, true
		}
	}
	return "", false
}

// Mask replaces every rune of each sensitive word in s by ＊ and reports how
// many words it masked.
func (f *Filter) Mask(s string) (string, int) {
	ms := f.Find(s)
	if len(ms) == 0 {
		return s, 0
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m.Start])
		b.WriteString(strings.Repeat(MaskRune, utf8.RuneCountInString(s[m.Start:m.End])))
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String(), len(ms)
}

// MaskRune replaces each rune of a masked word.
const MaskRune = "＊"

// Input errors returned by CheckQuestion.
var (
	ErrEmpty       = errors.New("question is empty")
	ErrTooLong     = errors.New("question is too long")
	ErrInvalidUTF8 = errors.New("question is not valid UTF-8")
)

// CheckQuestion validates a question's encoding and length. Tidy it first
// (textnorm.Tidy).
func (f *Filter) CheckQuestion(q string) error {
	if !utf8.ValidString(q) {
		return ErrInvalidUTF8
	}
	if strings.TrimSpace(q) == "" {
		return ErrEmpty
	}
	if n := utf8.RuneCountInString(q); n > f.maxInput {
		return fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, f.maxInput)
	}
	return nil
}

// MaxQuestionRunes is the question length limit.
func (f *Filter) MaxQuestionRunes() int { return f.maxInput }

// asciiLower lower-cases ASCII letters only, so byte offsets are preserved.
func asciiLower(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}
