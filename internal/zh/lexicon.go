package zh

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/go-ego/gse"
)

// lexicon is the general-language dictionary (gse's embedded simplified
// Chinese dictionary): word → log probability, plus every proper prefix of a
// word so that a trie walk can stop early. It is built once per process and
// is read-only afterwards, so every Segmenter shares it.
type lexicon struct {
	logp     map[string]float32 // words: log probability (< 0); prefixes only: prefixMark
	logTotal float64
	maxRunes int
}

// prefixMark marks an entry that is only a prefix of longer words.
const prefixMark = float32(1)

// shared caches the embedded dictionary: parsing it takes about a second and
// its tables are large, so it is loaded once per process (by the first New)
// and never modified afterwards.
var shared struct {
	once sync.Once
	lex  *lexicon
	err  error
}

func baseLexicon() (*lexicon, error) {
	shared.once.Do(func() { shared.lex, shared.err = loadLexicon() })
	return shared.lex, shared.err
}

// loadLexicon reads gse's embedded dictionary. LoadDictEmbed is used rather
// than LoadDict: the latter reads files from the module cache at run time and
// fails in a -trimpath build.
func loadLexicon() (*lexicon, error) {
	var seg gse.Segmenter
	seg.SkipLog = true
	seg.NotLoadHMM = true
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, fmt.Errorf("zh: load embedded dictionary: %w", err)
	}
	d := seg.Dictionary()
	if d == nil || d.NumTokens() == 0 || d.TotalFreq() <= 0 {
		return nil, fmt.Errorf("zh: embedded dictionary is empty")
	}
	lex := &lexicon{logp: make(map[string]float32, d.NumTokens()*3/2), logTotal: math.Log(d.TotalFreq())}
	for i := range d.Tokens {
		t := &d.Tokens[i]
		if t.Freq() <= 0 {
			continue
		}
		w := Normalize(t.Text())
		if w == "" || strings.ContainsRune(w, ' ') {
			continue
		}
		lp := float32(math.Log(t.Freq()) - lex.logTotal)
		if old, ok := lex.logp[w]; !ok || old == prefixMark || lp > old {
			lex.logp[w] = lp
		}
		n := 0
		for j := range w {
			if j > 0 {
				if _, ok := lex.logp[w[:j]]; !ok {
					lex.logp[w[:j]] = prefixMark
				}
			}
			n++
		}
		if n > lex.maxRunes {
			lex.maxRunes = n
		}
	}
	return lex, nil
}

// unknownLogp is the log probability of a character the dictionary does not
// know as a word.
func (l *lexicon) unknownLogp() float32 { return float32(-l.logTotal) }
