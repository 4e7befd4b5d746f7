package answer

import (
	"fmt"
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
)

func TestExploreNCPQA2(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	_, eng := exploreEngine(t, "../../../shared/eval/ncpqa-docs.jsonl")
	rows := readEx(t, "../../../shared/eval/ncpqa-questions.jsonl")
	wDoc, wSent, wRet, ctxW := envF("WDOC", 1), envF("WSENT", 1), envF("WRET", 0.3), envF("CTXW", 0.3)
	nPass := int(envF("NPASS", 5))
	wBig := envF("WBIG", 0.5)
	var n, docRight, gold, goldWin, retRight int
	var lens []int
	dupDoc := 0
	defer func() { t.Logf("dupDoc %d", dupDoc) }()
	for _, r := range rows {
		if !isDev(r.ID) {
			continue
		}
		n++
		resp, _ := eng.Search(context.Background(), r.Question, search.Options{Limit: nPass})
		if len(resp.Results) == 0 {
			continue
		}
		if resp.Results[0].Doc.ID == r.DocID {
			retRight++
		}
		terms := keyTerms(resp)
		qbig := hanBigrams(safety.Normalize(r.Question))
		var total float64
		for _, k := range terms {
			total += k.w
		}
		type cand struct {
			p, i  int
			score float64
		}
		var cs []cand
		top := resp.Results[0].Score
		for p, res := range resp.Results {
			docText := safety.Normalize(res.Doc.Title + "|" + res.Doc.Body)
			ctx := safety.Normalize(res.Doc.Title + "|" + strings.Join(res.Chunk.Heading, "|"))
			if d0 := splitSentences(res.Doc.Body); len(d0) > 0 {
				ctx += "|" + safety.Normalize(d0[0].text)
			}
			var dc float64
			for _, k := range terms {
				if containsAny(docText, k.forms) {
					dc += k.w
				}
			}
			if total > 0 {
				dc /= total
			}
			ss := splitSentences(res.Chunk.Text)
			for i, s := range ss {
				ns := safety.Normalize(s.text)
				var got, tot float64
				for _, k := range terms {
					w := k.w
					if containsAny(ctx, k.forms) {
						w *= ctxW
					}
					tot += w
					if containsAny(ns, k.forms) {
						got += w
					}
				}
				sc := 0.0
				if tot > 0 {
					sc = got / tot
				}
				// character bigrams of the question found in the sentence,
				// those of the document's context discounted
				var bg, bt float64
				for _, b := range qbig {
					w := 1.0
					if strings.Contains(ctx, b) {
						w = ctxW
					}
					bt += w
					if strings.Contains(ns, b) {
						bg += w
					}
				}
				if bt > 0 {
					sc = (1-wBig)*sc + wBig*bg/bt
				}
				// damp very long sentences a little
				sc /= 1 + float64(utf8.RuneCountInString(s.text))/800
				cs = append(cs, cand{p, i, wDoc*dc + wSent*sc + wRet*res.Score/top})
			}
		}
		if len(cs) == 0 {
			continue
		}
		sort.SliceStable(cs, func(a, b int) bool { return cs[a].score > cs[b].score })
		best := cs[0]
		res := resp.Results[best.p]
		if res.Doc.ID == r.DocID {
			docRight++
		} else if ContainsFold(res.Doc.Body, r.Answer) {
			dupDoc++
		}
		if strings.Contains(os.Getenv("DUMPW"), "1") && res.Doc.ID != r.DocID {
			t.Logf("Q %s\n   gold %s\n   got  %s | %s", r.Question, r.Answer, res.Doc.Title, ss0(res.Chunk.Text, best.i))
		}
		ss := splitSentences(res.Chunk.Text)
		q := ss[best.i].text
		win := q
		for j := best.i + 1; j < len(ss) && utf8.RuneCountInString(win) < int(envF("WIN", 120)); j++ {
			win += ss[j].text
		}
		lens = append(lens, utf8.RuneCountInString(win))
		if ContainsFold(q, r.Answer) {
			gold++
		}
		if ContainsFold(win, r.Answer) {
			goldWin++
		} else if os.Getenv("DUMPS") != "" && res.Doc.ID == r.DocID {
			loc := "elsewhere"
			for j, s2 := range ss {
				if ContainsFold(s2.text, string([]rune(r.Answer)[:min(10, len([]rune(r.Answer)))])) {
					loc = fmt.Sprintf("sentence %d of %d (chosen %d)", j, len(ss), best.i)
					break
				}
			}
			t.Logf("\nQ %s\n  gold[%d] %s\n  at %s\n  chose %s", r.Question, len([]rune(r.Answer)), r.Answer, loc, q)
		}
	}
	sort.Ints(lens)
	t.Logf("n=%d retRight=%.3f docRight=%.3f gold(sentence)=%.3f gold(window)=%.3f medianLen=%d", n, float64(retRight)/float64(n), float64(docRight)/float64(n), float64(gold)/float64(n), float64(goldWin)/float64(n), lens[len(lens)/2])
}

func ss0(text string, i int) string { return splitSentences(text)[i].text }

