package zh

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/textnorm"
)

func newSeg(t testing.TB, cfg Config) *Segmenter {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sentences(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/sentences.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestCutUsesVocabulary(t *testing.T) {
	s := newSeg(t, Config{Words: []string{"好差评制度"}})
	tests := []struct {
		text string
		want []string // words that must appear whole
	}{
		{"怎么提取住房公积金", []string{"提取", "住房公积金"}},
		{"办理营业执照实行一网通办，最多跑一次", []string{"营业执照", "一网通办", "最多跑一次"}},
		{"落实政务服务好差评制度", []string{"好差评制度"}},
		{"12345热线", []string{"12345", "热线"}},
		{"ＡＰＰ下载", []string{"app", "下载"}},
		// A verb and its aspect particle are two words, not a rare one.
		{"驾照扣了分", []string{"驾照", "扣", "分"}},
		{"灯关了", []string{"灯", "关"}},
		{"为了孩子", []string{"为了", "孩子"}},
	}
	for _, tt := range tests {
		got := s.Cut(tt.text)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("Cut(%q) = %q, missing %q", tt.text, got, w)
			}
		}
	}
}

func TestAnalyzeSynonymsAndStopwords(t *testing.T) {
	s := newSeg(t, Config{Synonyms: [][]string{{"一件事一次办", "一件事"}}, Stopwords: []string{"办事"}})
	a := s.Analyze("请问公积金怎么提取？")
	if slices.Contains(a.Terms, "请问") || slices.Contains(a.Terms, "怎么") {
		t.Errorf("stop words kept: %q", a.Terms)
	}
	if !slices.Contains(a.Words, "住房公积金") || slices.Contains(a.Words, "公积金") {
		t.Errorf("synonym not mapped to canonical: %q", a.Words)
	}
	if !slices.Contains(a.Terms, "公积金") {
		t.Errorf("terms should keep the surface form: %q", a.Terms)
	}
	if got := s.Analyze("一件事怎么办事").Words; !slices.Contains(got, "一件事一次办") || slices.Contains(got, "一件事") || slices.Contains(got, "办事") {
		t.Errorf("user synonyms/stop words: %q", got)
	}
	if g := s.Synonyms("医保"); len(g) < 2 || g[0] != "基本医疗保险" {
		t.Errorf("Synonyms(医保) = %q", g)
	}
	// Search mode: a long word also yields the dictionary words inside it.
	a = s.Analyze("住房公积金管理中心")
	for _, w := range []string{"住房公积金管理中心", "住房", "管理", "中心"} {
		if !slices.Contains(a.Words, w) {
			t.Errorf("search mode misses %q: %q", w, a.Words)
		}
	}
	// Bigrams cover runs of Han characters; a lone character yields itself.
	if got := s.Analyze("医保，卡").Bigrams; !slices.Equal(got, []string{"医保", "卡"}) {
		t.Errorf("bigrams = %q", got)
	}
}

// TestIndexQueryAgreement checks the property retrieval relies on: a word of
// an indexed text, asked alone, produces a term that the text was indexed
// under — for dictionary words, built-in vocabulary and user words alike.
func TestIndexQueryAgreement(t *testing.T) {
	user := []string{"好差评制度", "接诉即办", "河长制"}
	s := newSeg(t, Config{Words: user, Synonyms: [][]string{{"接诉即办", "接诉办"}}})
	texts := sentences(t)
	texts = append(texts, "推行好差评制度和接诉即办机制，全面落实河长制。", "接诉办的工作要求")
	for _, text := range texts {
		idx := s.Analyze(text)
		// The same text as a query yields exactly the indexed terms.
		if q := s.Analyze(text); !slices.Equal(q.Words, idx.Words) || !slices.Equal(q.Bigrams, idx.Bigrams) {
			t.Fatalf("same text analysed differently: %q", text)
		}
		for _, w := range idx.Terms {
			q := s.Analyze(w)
			found := false
			for _, x := range q.Words {
				found = found || slices.Contains(idx.Words, x)
			}
			if !found {
				t.Errorf("query %q (%q) shares no word with indexed %q (%q)", w, q.Words, text, idx.Words)
			}
		}
	}
	for _, w := range append(user, builtinWords...) {
		text := "关于" + w + "的说明"
		idx := s.Analyze(text)
		c := s.Canonical(textnorm.Normalize(w))
		if s.IsStop(c) {
			continue
		}
		if !slices.Contains(idx.Words, c) {
			t.Errorf("user word %q not indexed whole in %q: %q", w, text, idx.Words)
		}
		if q := s.Analyze(w); !slices.Contains(q.Words, c) {
			t.Errorf("user word %q as a query: %q", w, q.Words)
		}
	}
	// A synonym in the query finds the canonical form in the text.
	if q, idx := s.Analyze("接诉办"), s.Analyze("接诉即办"); !slices.Contains(idx.Words, q.Words[0]) {
		t.Errorf("synonym query %q vs index %q", q.Words, idx.Words)
	}
}

func TestSkippedAndFingerprint(t *testing.T) {
	a := newSeg(t, Config{Words: []string{"正常词", "", strings.Repeat("长", 40), "+、", "互联网+政务服务"}})
	if got := a.Skipped(); len(got) != 3 {
		t.Errorf("Skipped = %q", got)
	}
	if got := a.Cut("推进互联网+政务服务"); !slices.Contains(got, "政务服务") || !slices.Contains(got, "互联网") {
		t.Errorf("parts of a punctuated word: %q", got)
	}
	b := newSeg(t, Config{Words: []string{"正常词", "互联网+政务服务"}})
	c := newSeg(t, Config{Words: []string{"另一个词", "互联网+政务服务"}})
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("fingerprint depends on skipped words")
	}
	if b.Fingerprint() == c.Fingerprint() {
		t.Error("fingerprint ignores user words")
	}
	if d := newSeg(t, Config{Words: []string{"正常词", "互联网+政务服务"}}); d.Fingerprint() != b.Fingerprint() {
		t.Error("fingerprint not deterministic")
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newSeg(t, Config{})
	texts := sentences(t)
	want := make([][]string, len(texts))
	for i, x := range texts {
		want[i] = s.Analyze(x).Words
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other := newSeg(t, Config{Words: []string{"并发词"}})
			for i, x := range texts {
				if got := s.Analyze(x).Words; !slices.Equal(got, want[i]) {
					t.Errorf("concurrent Analyze differs on %q", x)
				}
				other.Analyze(x)
			}
		}()
	}
	wg.Wait()
}

func FuzzAnalyze(f *testing.F) {
	f.Add("怎么提取住房公积金？ＡＢＣ１２３")
	f.Add("国发〔2019〕5号\x00\xff")
	f.Add("")
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := textnorm.Normalize(text)
		if !utf8.ValidString(n) || textnorm.Normalize(n) != n {
			t.Fatalf("textnorm.Normalize(%q) = %q", text, n)
		}
		a := s.Analyze(text)
		for _, w := range append(a.Words, a.Bigrams...) {
			if w == "" || !strings.Contains(n, w) && s.Canonical(w) == w && !isCanonical(s, w) {
				t.Fatalf("term %q not in %q", w, n)
			}
		}
	})
}

func isCanonical(s *Segmenter, w string) bool { _, ok := s.groups[w]; return ok }

func BenchmarkAnalyze(b *testing.B) {
	s := newSeg(b, Config{})
	text := strings.Repeat("灵活就业人员可以按月缴纳基本养老保险和基本医疗保险，缴费基数在上下限之间自行选择。", 10)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s.Analyze(text)
	}
}

func TestBigramStop(t *testing.T) {
	s := newSeg(t, Config{})
	a := s.Analyze("核防护怎么做？雾和霾有何区别")
	want := map[string]uint8{"核防": 0, "防护": 0, "护怎": 1, "怎么": 2, "么做": 2, "霾有": 1, "有何": 2, "何区": 1, "区别": 0}
	if len(a.BigramStop) != len(a.Bigrams) {
		t.Fatalf("%d flags for %d bigrams", len(a.BigramStop), len(a.Bigrams))
	}
	for i, b := range a.Bigrams {
		if w, ok := want[b]; ok && a.BigramStop[i] != w {
			t.Errorf("%s: stop %d, want %d", b, a.BigramStop[i], w)
		}
	}
	for _, l := range sentences(t) {
		if a := s.Analyze(l); len(a.BigramStop) != len(a.Bigrams) {
			t.Errorf("%q: %d flags for %d bigrams", l, len(a.BigramStop), len(a.Bigrams))
		}
	}
}

// A term that only a synonym group names and that is made of words the
// dictionary knows is a phrase: the text is segmented as without it, and
// the phrase adds its group's canonical term; a compound of single
// characters stays a word of its own.
func TestPhrases(t *testing.T) {
	s := newSeg(t, Config{
		Synonyms:   [][]string{{"医保个人账户", "医保账户余额"}, {"机动车驾驶培训", "学车"}},
		Expansions: [][]string{{"道路停车收费", "停车费"}},
	})
	plain := newSeg(t, Config{})
	for _, tc := range []struct {
		text, canonical string
		phrase          bool
	}{
		{"如何修改医保个人账户的支付密码", "医保个人账户", true},
		{"查询医保账户余额", "医保个人账户", true},
		{"道路停车收费标准", "道路停车收费", true},
		{"学车过程有监督吗", "机动车驾驶培训", false},
	} {
		a, b := s.Analyze(tc.text), plain.Analyze(tc.text)
		if !slices.Contains(a.Words, tc.canonical) {
			t.Errorf("%q: words %q lack the canonical %q", tc.text, a.Words, tc.canonical)
		}
		if !tc.phrase {
			if len(a.Phrases) > 0 || slices.Equal(a.Terms, b.Terms) {
				t.Errorf("%q: a word of single characters was taken as a phrase: terms %q, phrases %q", tc.text, a.Terms, a.Phrases)
			}
			continue
		}
		if !slices.Equal(a.Terms, b.Terms) || !slices.Equal(a.Bigrams, b.Bigrams) {
			t.Errorf("%q: a phrase changed the segmentation: %q, without it %q", tc.text, a.Terms, b.Terms)
		}
		if len(a.Phrases) != 1 || !slices.Contains(a.Whole, a.Phrases[0]) || len(a.Whole) >= len(a.Terms) {
			t.Errorf("%q: phrases %q, whole %q, terms %q", tc.text, a.Phrases, a.Whole, a.Terms)
		}
		if !s.Vocabulary(a.Phrases[0]) || s.Weight(a.Phrases[0]) <= s.Weight("支付") {
			t.Errorf("%q: phrase %q not in the vocabulary or weighed %.1f", tc.text, a.Phrases[0], s.Weight(a.Phrases[0]))
		}
	}
	if s.Fingerprint() == newSeg(t, Config{Synonyms: [][]string{{"机动车驾驶培训", "学车"}}}).Fingerprint() {
		t.Error("phrases do not change the fingerprint")
	}
}

func TestParts(t *testing.T) {
	s := newSeg(t, Config{Words: []string{"网上学法减分", "学法减分"}})
	tests := []struct {
		word string
		want []Part // must be among the parts
		not  []string
	}{
		{"网上学法减分", []Part{{"网上", 0}, {"学法减分", 2}}, []string{"网上学法减分"}},
		{"住房公积金", []Part{{"住房", 0}, {"公积金", 2}}, []string{"住房公积金"}},
		{"公积金", nil, []string{"公积金"}},
	}
	for _, tt := range tests {
		got := s.Parts(tt.word)
		for _, p := range tt.want {
			if !slices.Contains(got, p) {
				t.Errorf("Parts(%q) = %v, missing %v", tt.word, got, p)
			}
		}
		for _, p := range got {
			if slices.Contains(tt.not, p.Word) || s.IsStop(p.Word) || utf8.RuneCountInString(p.Word) < 2 {
				t.Errorf("Parts(%q) has %v", tt.word, p)
			}
		}
	}
}
