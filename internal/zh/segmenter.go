// Package zh is govchat's Chinese text analysis: normalisation, word
// segmentation (gse's dictionary with govchat's own vocabulary and the user
// words of knowledge/dict/), synonyms and stop words. It is the only importer
// of github.com/go-ego/gse.
//
// Index and query text go through the same Analyze, so a term indexed from a
// text is always produced again when that text (or a word of it) is the
// query.
package zh

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
)

// version changes whenever segmentation changes in a way that alters the
// terms of an unchanged text; it is part of Fingerprint.
const version = "zh/6" // 6: verb + aspect-particle noise entries (扣了) left out of the lexicon; 5: Roman numerals fold to Chinese ones (textnorm)

// maxWordUnits bounds the length of a user word (in characters or Latin/digit
// runs).
const maxWordUnits = 24

// Config is the vocabulary a Segmenter adds to the general dictionary.
type Config struct {
	// Words are user words kept whole by segmentation (一网通办, 最多跑一次 …).
	Words []string
	// Synonyms are groups of equivalent terms; the first is canonical. Every
	// term of a group is also a user word.
	Synonyms [][]string
	// Expansions are one-directional: the first term finds the others in
	// questions, not the other way round (交钱 → 缴费 收费). Every term is
	// also a user word.
	Expansions [][]string
	// Stopwords extend the built-in stop words.
	Stopwords []string
	// NoBuiltin leaves out the built-in government vocabulary, synonyms and
	// stop words (for comparisons; the product always uses them).
	NoBuiltin bool
}

// ConfigFromDict returns the configuration for a knowledge base's dict/.
func ConfigFromDict(d kb.Dict) Config {
	return Config{Words: d.Words, Synonyms: d.Synonyms, Expansions: d.Expansions, Stopwords: d.Stopwords}
}

// Segmenter segments and analyses Chinese text. It is immutable after New and
// safe for concurrent use; the general dictionary behind it is loaded once
// per process and shared by every Segmenter.
type Segmenter struct {
	lex      *lexicon
	user     *trie             // user words
	canon    map[string]string // term → canonical term of its synonym group
	groups   map[string][]string
	expand   map[string][]string // everyday word → the official terms it finds
	phrase   map[string]float32  // phrases (vocabulary terms matched on runs of words, see isPhrase) → log probability
	phrases  *trie               // the phrases, to walk a text's words along
	stop     map[string]bool
	maxLen   int // longest word in units
	userList []string
	skipped  []string
	finger   string
}

// New builds a Segmenter. The first call in a process loads gse's embedded
// dictionary (about a second); later calls reuse it. A user word written
// with punctuation or spaces (互联网+政务服务) contributes its parts of two or
// more characters; words that yield nothing usable (empty, too long) are
// skipped and listed by Skipped.
func New(cfg Config) (*Segmenter, error) {
	lex, err := baseLexicon()
	if err != nil {
		return nil, err
	}
	s := &Segmenter{
		lex:     lex,
		user:    newTrie(1024),
		canon:   map[string]string{},
		groups:  map[string][]string{},
		expand:  map[string][]string{},
		phrase:  map[string]float32{},
		phrases: newTrie(64),
		stop:    map[string]bool{},
		maxLen:  lex.maxRunes,
	}
	words := slices.Clone(cfg.Words)
	groups := slices.Clone(cfg.Synonyms)
	stops := slices.Clone(cfg.Stopwords)
	if !cfg.NoBuiltin {
		words = append(slices.Clone(builtinWords), words...)
		groups = append(slices.Clone(builtinSynonyms), groups...)
		stops = append(slices.Clone(builtinStopwords), stops...)
	}
	for _, w := range stops {
		if w = textnorm.Normalize(strings.TrimSpace(w)); w != "" {
			s.stop[w] = true
		}
	}
	var userWords []string
	plain := map[string]bool{} // words of the word lists (not only of a group)
	add := func(w string) (string, bool) {
		n, ok := s.validWord(w)
		if !ok {
			s.skipped = append(s.skipped, w)
			return "", false
		}
		userWords = append(userWords, n)
		return n, true
	}
	for _, w := range words {
		if n, ok := s.validWord(w); ok {
			add(w)
			plain[n] = true
			continue
		}
		// A term written with punctuation (互联网+政务服务, 双随机、一公开)
		// cannot be one token: keep its parts of two or more characters.
		kept := false
		runs(textnorm.Normalize(w), func(part string) {
			if n, ok := s.validWord(part); ok && utf8.RuneCountInString(n) >= 2 {
				userWords = append(userWords, n)
				plain[n] = true
				kept = true
			}
		})
		if !kept {
			s.skipped = append(s.skipped, w)
		}
	}
	for _, g := range groups {
		var members []string
		for _, w := range g {
			if _, ok := s.validWord(w); !ok {
				// A member written with punctuation (双随机、一公开,
				// “三公”经费) stands for its letters run together.
				var b strings.Builder
				runs(textnorm.Normalize(w), func(part string) { b.WriteString(part) })
				if _, ok := s.validWord(b.String()); ok {
					w = b.String()
				}
			}
			if n, ok := add(w); ok && !slices.Contains(members, n) {
				members = append(members, n)
			}
		}
		if len(members) < 2 {
			continue
		}
		c := members[0]
		if prev, ok := s.canon[c]; ok {
			c = prev // the canonical term already belongs to an earlier group: merge
		}
		for _, m := range members {
			if _, ok := s.canon[m]; ok && m != members[0] {
				continue // first group wins
			}
			s.canon[m] = c
			if !slices.Contains(s.groups[c], m) {
				s.groups[c] = append(s.groups[c], m)
			}
		}
	}
	for _, e := range cfg.Expansions {
		if len(e) < 2 {
			continue
		}
		broad, ok := add(e[0])
		if !ok {
			continue
		}
		for _, t := range e[1:] {
			if n, ok := add(t); ok && n != broad && !slices.Contains(s.expand[broad], n) {
				s.expand[broad] = append(s.expand[broad], n)
			}
		}
	}
	// User words get a probability just above the best split of the word
	// (by the dictionary and the shorter user words), so they are kept whole
	// without swallowing their neighbours. Shorter words are placed first;
	// a term that only a synonym group or an expansion brings is checked,
	// before it is placed, for being a phrase of shorter words (医保个人账户
	// = 医保 + 个人账户; see parts).
	slices.Sort(userWords)
	userWords = slices.Compact(userWords)
	sort.SliceStable(userWords, func(i, j int) bool {
		return utf8.RuneCountInString(userWords[i]) < utf8.RuneCountInString(userWords[j])
	})
	for _, w := range userWords {
		if !plain[w] && !builtinWord[w] && s.isPhrase(w) {
			s.phrase[w] = s.logp(w)
			s.phrases.insert(w, s.phrase[w])
			continue
		}
		s.place(w)
	}
	s.finger = s.fingerprint()
	return s, nil
}

// builtinWord marks the built-in vocabulary.
var builtinWord = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range builtinWords {
		m[w] = true
	}
	return m
}()

// place inserts a user word with a probability just above its best split.
func (s *Segmenter) place(w string) {
	s.user.insert(w, s.logp(w))
	s.userList = append(s.userList, w)
	s.maxLen = max(s.maxLen, utf8.RuneCountInString(w))
}

// logp is the log probability a user word is given: just above its best
// split, so that it is kept whole without swallowing its neighbours.
func (s *Segmenter) logp(w string) float32 {
	lp := max(s.splitLogp(w)+2, userWordFloor)
	if b, ok, _ := s.lex.words.find(w); ok && b > lp {
		lp = b
	}
	return min(lp, -1)
}

// isPhrase reports whether a term that only the vocabulary's synonym groups
// or expansions name (not a user word) is a phrase: a run of words that the
// general dictionary and the shorter user words already know, two or more
// of them, at least one of two or more characters (医保个人账户 → 医保
// 个人账户; 道路停车收费 → 道路 停车 收费; 养老金涨了 → 养老金 涨 了). A phrase
// is not made a word of its own: segmentation stays as it was, and where the
// words of a text run together into a phrase, its group's canonical term is
// added to them (see Analyze). Making every such everyday phrase a rare word
// of its own changed how the words around it were segmented, paired and
// weighed, and cost recall on every evaluation set. Terms the dictionary
// knows, or that split into single characters only (学车, 交钱, 雾霾), are
// words and are kept whole.
func (s *Segmenter) isPhrase(w string) bool {
	if _, ok, _ := s.lex.words.find(w); ok {
		return false
	}
	units := splitUnits(w, nil)
	best := s.route(w, units, true)
	parts, long := 0, false
	for i := 0; i < len(units); i = best[i].next {
		parts++
		long = long || best[i].next-i >= 2
	}
	return parts >= 2 && long
}

// validWord normalises a user word and checks that segmentation can produce
// it as one token: Han characters and Latin/digit runs only.
func (s *Segmenter) validWord(w string) (string, bool) {
	n := textnorm.Normalize(strings.TrimSpace(w))
	if n == "" {
		return "", false
	}
	units := 0
	prevAlnum := false
	for _, r := range n {
		switch {
		case isHan(r):
			units++
			prevAlnum = false
		case isAlnum(r):
			if !prevAlnum {
				units++
			}
			prevAlnum = true
		default:
			return "", false
		}
	}
	return n, units <= maxWordUnits
}

// userWordFloor is the least log probability of a user word: a term of the
// government vocabulary (大项目, 社保卡) is as likely as a fairly common word,
// so that it is not split across its neighbours (大项|目的).
const userWordFloor = -12

// splitLogp is the log probability of the best segmentation of w by the
// general dictionary and the user words placed so far.
func (s *Segmenter) splitLogp(w string) float32 {
	units := splitUnits(w, nil)
	best := s.route(w, units, true)
	return best[0].logp
}

// Skipped lists the user words that were ignored as invalid.
func (s *Segmenter) Skipped() []string { return slices.Clone(s.skipped) }

// Fingerprint identifies the segmentation: it changes when the vocabulary,
// synonyms, stop words or the algorithm change, so an index built with
// another fingerprint must be rebuilt.
func (s *Segmenter) Fingerprint() string { return s.finger }

func (s *Segmenter) fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\n", version, len(s.lex.words.val))
	writeSorted := func(tag string, m []string) {
		sort.Strings(m)
		fmt.Fprintf(h, "%s:%d\n", tag, len(m))
		for _, w := range m {
			h.Write([]byte(w))
			h.Write([]byte{0})
		}
	}
	var u, c, st []string
	for _, w := range s.userList {
		lp, _, _ := s.user.find(w)
		u = append(u, fmt.Sprintf("%s=%.3f", w, lp))
	}
	for w, cw := range s.canon {
		c = append(c, w+"="+cw)
	}
	for w := range s.stop {
		st = append(st, w)
	}
	var ph []string
	for w, lp := range s.phrase {
		ph = append(ph, fmt.Sprintf("%s=%.3f", w, lp))
	}
	writeSorted("phrase", ph)
	writeSorted("user", u)
	writeSorted("canon", c)
	writeSorted("stop", st)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// IsStop reports whether the (normalised) word is a stop word.
func (s *Segmenter) IsStop(word string) bool { return s.stop[word] }

// Canonical returns the canonical term of word's synonym group, or word.
func (s *Segmenter) Canonical(word string) string {
	if c, ok := s.canon[word]; ok {
		return c
	}
	return word
}

// Synonyms returns the terms of word's synonym group (canonical first), or
// nil when word has none.
func (s *Segmenter) Synonyms(word string) []string {
	c, ok := s.canon[word]
	if !ok {
		return nil
	}
	return slices.Clone(s.groups[c])
}

// Vocabulary reports whether word is in the government vocabulary: a user
// word (built in or from dict/), a synonym or an expansion term.
func (s *Segmenter) Vocabulary(word string) bool {
	_, ok, _ := s.user.find(word)
	return ok || s.isPhraseText(word)
}

func (s *Segmenter) isPhraseText(w string) bool {
	_, ok := s.phrase[w]
	return ok
}

// Expansions returns the official terms an everyday word finds (交钱 →
// 缴费 收费), or nil; the terms are as written, not canonical.
func (s *Segmenter) Expansions(word string) []string {
	return slices.Clone(s.expand[word])
}

// unit is a segmentation unit: one Han character or one run of Latin letters
// and digits, as byte offsets into the normalised text.
type unit struct {
	start, end int
	han        bool
}

// splitUnits appends the units of a run of normalised text that holds only
// Han characters and Latin/digit runs.
func splitUnits(text string, dst []unit) []unit {
	inAlnum := false
	for i, r := range text {
		size := utf8.RuneLen(r)
		if isHan(r) {
			dst = append(dst, unit{i, i + size, true})
			inAlnum = false
			continue
		}
		if inAlnum {
			dst[len(dst)-1].end = i + size
			continue
		}
		dst = append(dst, unit{i, i + size, false})
		inAlnum = true
	}
	return dst
}

type step struct {
	logp float32
	next int // index of the unit after the word starting here
}

// lookup returns the log probability of w as a word and whether w is a word
// or a prefix of one.
func (s *Segmenter) lookup(w string, useUser bool) (lp float32, word, prefix bool) {
	if useUser {
		lp, word, prefix = s.user.find(w)
	}
	if v, ok, p := s.lex.words.find(w); p {
		prefix = true
		if ok && (!word || v > lp) {
			lp, word = v, true
		}
	}
	return lp, word, prefix
}

// route computes the most probable segmentation of text (whose units are
// given) by dynamic programming over the word lattice, as jieba does.
func (s *Segmenter) route(text string, units []unit, useUser bool) []step {
	n := len(units)
	best := make([]step, n+1)
	unknown := s.lex.unknownLogp()
	base, user := s.lex.words, s.user
	for i := n - 1; i >= 0; i-- {
		// The single unit is always a candidate.
		b := step{logp: unknown + best[i+1].logp, next: i + 1}
		nb, nu := uint32(0), uint32(0)
		okB, okU := true, useUser
		for j := i; j < n && j-i < s.maxLen; j++ {
			for _, r := range text[units[j].start:units[j].end] {
				if okB {
					nb, okB = base.step(nb, r)
				}
				if okU {
					nu, okU = user.step(nu, r)
				}
			}
			if !okB && !okU {
				break
			}
			lp, word := float32(0), false
			if okB && base.val[nb] < 0 {
				lp, word = base.val[nb], true
			}
			if okU && user.val[nu] < 0 && (!word || user.val[nu] > lp) {
				lp, word = user.val[nu], true
			}
			if !word {
				continue
			}
			if j == i {
				b.logp = lp + best[i+1].logp
			} else if v := lp + best[j+1].logp; v >= b.logp {
				b = step{logp: v, next: j + 1}
			}
		}
		best[i] = b
	}
	return best
}

// segment calls emit for each word of a normalised run of Han/alnum text in
// accurate mode.
func (s *Segmenter) segment(text string, units []unit, emit func(word string, from, to int)) {
	best := s.route(text, units, true)
	for i := 0; i < len(units); {
		j := best[i].next
		emit(text[units[i].start:units[j-1].end], i, j)
		i = j
	}
}

// runs calls fn for each maximal run of Han characters and Latin letters or
// digits in normalised text.
func runs(text string, fn func(run string)) {
	start := -1
	for i, r := range text {
		if isHan(r) || isAlnum(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			fn(text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		fn(text[start:])
	}
}

// Cut segments text in accurate mode: every word in order, stop words
// included, punctuation and spaces left out. Text is normalised first.
func (s *Segmenter) Cut(text string) []string {
	text = textnorm.Normalize(text)
	var out []string
	var units []unit
	runs(text, func(run string) {
		units = splitUnits(run, units[:0])
		s.segment(run, units, func(w string, _, _ int) { out = append(out, w) })
	})
	return out
}

// Analysis is what indexing and querying use of a text.
type Analysis struct {
	// Terms are the accurate-mode words without stop words, as written
	// (normalised): for highlighting and display.
	Terms []string
	// Words are the index/query words: each term mapped to its synonym
	// group's canonical form, followed by the dictionary words inside it
	// (search mode: 住房公积金 also yields 住房 and 公积金), stop words removed.
	Words []string
	// Bigrams are the overlapping character bigrams of each run of Han
	// characters (bleve's cjk analyzer does the same); a run of one character
	// yields that character.
	Bigrams []string
	// Chars are the Han characters, in order.
	Chars []string
	// Whole are Terms with the words of a phrase run together (医保个人账户
	// for 医保 个人账户): the terms as the vocabulary names them, for whoever
	// weighs what a question is about.
	Whole []string
	// Phrases are the vocabulary's phrases found in the text as runs of
	// words (医保个人账户 = 医保 个人账户; see Segmenter.isPhrase): their
	// words are in Terms, and each phrase's canonical term is among Words;
	// a phrase's expansions are looked up by it.
	Phrases []string
	// BigramStop tells, for each bigram, how many of its two characters
	// belong to a stop word (0, 1 or 2; a lone character counts twice):
	// a question's bigrams inside 怎么办 or 有何 say nothing of its topic.
	BigramStop []uint8
}

// Analyze normalises and analyses text. Index and query text must both go
// through Analyze. The A-not-A question form is read as its stem (公不公开
// as 公开; see collapseANotA).
func (s *Segmenter) Analyze(text string) Analysis {
	text = collapseANotA(textnorm.Normalize(text))
	n := len(text)/3 + 1 // about one Han character per three bytes
	a := Analysis{Terms: make([]string, 0, n/2), Words: make([]string, 0, n), Bigrams: make([]string, 0, n), Chars: make([]string, 0, n), BigramStop: make([]uint8, 0, n)}
	units := make([]unit, 0, n)
	var stop []bool
	var toks []span
	runs(text, func(run string) {
		units = splitUnits(run, units[:0])
		stop = slices.Grow(stop[:0], len(units))[:len(units)]
		toks = toks[:0]
		s.segment(run, units, func(w string, from, to int) {
			toks = append(toks, span{from, to})
			isStop := s.stop[w]
			for i := from; i < to; i++ {
				stop[i] = isStop
			}
			if !isStop {
				a.Terms = append(a.Terms, w)
				a.Words = append(a.Words, s.Canonical(w))
			}
			if to-from < 3 {
				return
			}
			// Search mode: dictionary words inside a long word.
			for i := from; i < to; i++ {
				for j := i + 2; j <= to && j-i <= s.maxLen; j++ {
					if i == from && j == to {
						break
					}
					sub := run[units[i].start:units[j-1].end]
					_, word, prefix := s.lookup(sub, true)
					if !prefix {
						break
					}
					if word && !s.stop[sub] {
						a.Words = append(a.Words, s.Canonical(sub))
					}
				}
			}
		})
		// Phrases: runs of two or more words that spell a phrase of the
		// vocabulary bring its canonical term; in Whole, the longest
		// phrase starting at a word stands for the words it spans.
		text := func(i, j int) string { return run[units[toks[i].from].start:units[toks[j].to-1].end] }
		longest := make([]int, len(toks)) // index of the last word of the longest phrase starting at i, or i
		for i := range toks {
			longest[i] = i
			if len(s.phrase) == 0 {
				continue
			}
			// Walk the phrase trie along the words from the i-th on.
			node, ok := uint32(0), true
			for j := i; ok && j < len(toks); j++ {
				for _, r := range text(j, j) {
					if node, ok = s.phrases.step(node, r); !ok {
						break
					}
				}
				if ok && j > i && s.phrases.val[node] < 0 {
					p := text(i, j)
					a.Words = append(a.Words, s.Canonical(p))
					a.Phrases = append(a.Phrases, p)
					longest[i] = j
				}
			}
		}
		for i := 0; i < len(toks); i++ {
			if w := text(i, longest[i]); longest[i] > i || !s.stop[w] {
				a.Whole = append(a.Whole, w)
			}
			i = longest[i]
		}
		// Bigrams over consecutive Han units.
		for i := 0; i < len(units); i++ {
			if !units[i].han {
				continue
			}
			j := i
			for j+1 < len(units) && units[j+1].han {
				j++
			}
			for k := i; k <= j; k++ {
				a.Chars = append(a.Chars, run[units[k].start:units[k].end])
			}
			if j == i {
				a.Bigrams = append(a.Bigrams, run[units[i].start:units[i].end])
				a.BigramStop = append(a.BigramStop, 2*b2u(stop[i]))
			}
			for k := i; k < j; k++ {
				a.Bigrams = append(a.Bigrams, run[units[k].start:units[k+1].end])
				a.BigramStop = append(a.BigramStop, b2u(stop[k])+b2u(stop[k+1]))
			}
			i = j
		}
	})
	return a
}

// span is a word's units [from, to) in its run.
type span struct{ from, to int }

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// Weight is how informative a (normalised) word is in general Chinese: its
// surprisal −ln p in the general dictionary (a user word's as placed by New),
// so 的 weighs little and 公积金 much. A word the dictionary does not know
// weighs as much as the rarest. Synonyms weigh as their canonical term's
// group's most informative member, so a query's weight does not depend on
// which name it uses.
func (s *Segmenter) Weight(word string) float64 {
	if g, ok := s.canon[word]; ok {
		w := 0.0
		for _, m := range s.groups[g] {
			w = max(w, s.weight(m))
		}
		return w
	}
	return s.weight(word)
}

// singleCharWeight caps the weight of one-character words: gse's
// dictionary gives single characters unreliable (often tiny) frequencies,
// while in text they are the commonest tokens.
const singleCharWeight = 5.0

func (s *Segmenter) weight(word string) float64 {
	if utf8.RuneCountInString(word) == 1 {
		if lp, ok, _ := s.user.find(word); ok {
			return -float64(lp)
		}
		return singleCharWeight
	}
	lp, ok, _ := s.lookup(word, true)
	if !ok {
		if lp, ok := s.phrase[word]; ok {
			return -float64(lp)
		}
		return -float64(s.lex.unknownLogp())
	}
	return -float64(lp)
}

// Part is a dictionary word inside a longer word, at rune offset At.
type Part struct {
	Word string
	At   int // rune offset in the longer word
}

// Parts returns the dictionary words of two or more runes strictly inside
// word (网上 and 学法减分 in 网上学法减分; 公积金, 贷款 and 利率 in
// 公积金贷款利率), stop words left out: what search mode indexes of a long
// word, with where each sits.
func (s *Segmenter) Parts(word string) []Part {
	runes := []rune(word)
	var parts []Part
	for i := range runes {
		for j := i + 2; j <= len(runes) && j-i <= s.maxLen; j++ {
			if i == 0 && j == len(runes) {
				break
			}
			sub := string(runes[i:j])
			_, isWord, prefix := s.lookup(sub, true)
			if !prefix {
				break
			}
			if isWord && !s.stop[sub] {
				parts = append(parts, Part{Word: sub, At: i})
			}
		}
	}
	return parts
}
