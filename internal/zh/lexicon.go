package zh

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"github.com/govchat/govchat/internal/textnorm"
)

// lexicon is the general-language dictionary (gse's embedded simplified
// Chinese dictionary) as a rune trie of log probabilities. It is built once
// per process and is read-only afterwards, so every Segmenter shares it.
type lexicon struct {
	words    *trie
	logTotal float64
	maxRunes int
}

// trie maps words to log probabilities. Walking it rune by rune from a
// position finds every dictionary word that starts there in one pass.
type trie struct {
	next map[uint64]uint32 // node<<32 | rune → child
	val  []float32         // node → log probability (< 0) of the word ending here; 0: none
}

func newTrie(n int) *trie {
	return &trie{next: make(map[uint64]uint32, n), val: make([]float32, 1, n)}
}

// step follows rune r from node.
func (t *trie) step(node uint32, r rune) (uint32, bool) {
	c, ok := t.next[uint64(node)<<32|uint64(uint32(r))]
	return c, ok
}

// insert adds w with log probability lp, keeping the larger of two.
func (t *trie) insert(w string, lp float32) {
	node := uint32(0)
	for _, r := range w {
		k := uint64(node)<<32 | uint64(uint32(r))
		c, ok := t.next[k]
		if !ok {
			c = uint32(len(t.val))
			t.val = append(t.val, 0)
			t.next[k] = c
		}
		node = c
	}
	if old := t.val[node]; old == 0 || lp > old {
		t.val[node] = lp
	}
}

// find returns w's log probability, whether it is a word, and whether it is
// a word or a prefix of one.
func (t *trie) find(w string) (lp float32, word, prefix bool) {
	node := uint32(0)
	for _, r := range w {
		c, ok := t.step(node, r)
		if !ok {
			return 0, false, false
		}
		node = c
	}
	v := t.val[node]
	return v, v < 0, true
}

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
	lex := &lexicon{words: newTrie(d.NumTokens() * 2), logTotal: math.Log(d.TotalFreq())}
	for i := range d.Tokens {
		t := &d.Tokens[i]
		if t.Freq() <= 0 {
			continue
		}
		w := textnorm.Normalize(t.Text())
		if w == "" || strings.ContainsRune(w, ' ') || aspectParticleNoise(w, t.Freq()) {
			continue
		}
		lp := float32(math.Log(t.Freq()) - lex.logTotal)
		if lp >= 0 {
			lp = -1e-6
		}
		lex.words.insert(w, lp)
		lex.maxRunes = max(lex.maxRunes, utf8.RuneCountInString(w))
	}
	// The dictionary gives single characters no usable frequency (each
	// weighs as an unknown character), so any two-character word, however
	// rare, beat a common one-character word: 在手|机上 for 在|手机|上,
	// 大项|目的 for 大项目|的. The commonest one-character words get the
	// probability of a common word.
	for lp, chars := range commonChars {
		for _, r := range chars {
			lex.words.insert(string(r), lp)
		}
	}
	return lex, nil
}

// aspectParticleNoise reports a dictionary entry that is a one-character verb
// with an aspect particle (扣了, 关了, 借过, 憋着) at the dictionary's lowest
// frequencies: such entries are noise of its corpus, not words, and as words
// they weigh as the rarest (扣了 in 驾照扣了分 weighed more than 驾照) and
// never match the verb a text uses (扣分). Without them the verb and the
// particle are cut apart. Common ones (为了, 除了, 不过, 随着) stay words.
func aspectParticleNoise(w string, freq float64) bool {
	if freq > 3 || utf8.RuneCountInString(w) != 2 {
		return false
	}
	_, size := utf8.DecodeLastRuneInString(w)
	switch w[len(w)-size:] {
	case "了", "着", "过":
		return true
	}
	return false
}

// commonChars are one-character words by log probability: function words,
// pronouns, common verbs, measure words and localisers, which in running
// text are the commonest tokens of all.
var commonChars = map[float32]string{
	-5: "的了在是和就不也都很到要会着把被给让从对向跟与及为以而或但如若所其该此这那哪谁啥咋么个们我你他她它吗呢吧啊",
	-7: "上下里内外前后中间时再还又才只已最更太多少大小好新旧能可得地说去来看做办找交领补用买卖住开关拿带填写问查打转换改退取存借还付收缴报签给过没有一二三四五六七八九十百千万年月日天号次件份张本户人家",
}

// unknownLogp is the log probability of a character the dictionary does not
// know as a word.
func (l *lexicon) unknownLogp() float32 { return float32(-l.logTotal) }
