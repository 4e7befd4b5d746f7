package answer

import (
	"fmt"
	"context"
	"hash/fnv"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
)

func isDev(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%2 == 0
}

func envF(k string, d float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
		return v
	}
	return d
}

// proto sentence scorer
func protoScore(resp *search.Response, sText, ctx string) (float64, float64) {
	var got, gotCtx, total float64
	ns := safety.Normalize(sText)
	nc := safety.Normalize(ctx)
	for _, t := range resp.Terms {
		w := resp.Weights[t]
		if utf8.RuneCountInString(t) < 2 {
			w *= 0.3
		}
		total += w
		forms := append([]string{t}, resp.Synonyms[t]...)
		in, inc := false, false
		for _, f := range forms {
			f = safety.Normalize(f)
			in = in || strings.Contains(ns, f)
			inc = inc || strings.Contains(nc, f)
		}
		if in {
			got += w
		} else if inc {
			gotCtx += w
		}
	}
	if total == 0 {
		return 0, 0
	}
	return got / total, gotCtx / total
}

func TestExploreNCPQASentences(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	_, eng := exploreEngine(t, "../../../shared/eval/ncpqa-docs.jsonl")
	rows := readEx(t, "../../../shared/eval/ncpqa-questions.jsonl")
	wCtx := envF("WCTX", 0.5)
	wRet := envF("WRET", 0.3)
	wBig := envF("WBIG", 0.3)
	nPass := int(envF("NPASS", 5))
	wFocus := envF("WFOCUS", 1)
	var n, docRight, gold, goldWin int
	var lens []int
	offs := map[string]int{}
	defer func() { t.Log(offs) }()
	dump, _ := os.Create("/work/qwork/explore/ncpqa-fail.txt")
	defer dump.Close()
	for _, r := range rows {
		if !isDev(r.ID) {
			continue
		}
		n++
		resp, _ := eng.Search(context.Background(), r.Question, search.Options{Limit: nPass})
		if len(resp.Results) == 0 {
			continue
		}
		qb := bigrams(safety.Normalize(r.Question))
		type cand struct {
			p, i  int
			score float64
			text  string
		}
		var cs []cand
		top := resp.Results[0].Score
		for p, res := range resp.Results {
			ss := splitSentences(res.Chunk.Text)
			ctx := res.Doc.Title + " " + strings.Join(res.Chunk.Heading, " ")
			if d0 := splitSentences(res.Doc.Body); len(d0) > 0 {
				ctx += " " + d0[0].text
			}
			for i, s := range ss {
				c, cc := protoScore2(resp, s.text, ctx, wFocus)
				if os.Getenv("TITLEPEN") != "" && strings.Contains(safety.Normalize(s.text), safety.Normalize(res.Doc.Title)) {
					c *= envF("TITLEPEN", 1)
				}
				nb := 0
				ns := safety.Normalize(s.text)
				for _, b := range qb {
					if strings.Contains(ns, b) {
						nb++
					}
				}
				bs := 0.0
				if len(qb) > 0 {
					bs = float64(nb) / float64(len(qb))
				}
				sc := c + wCtx*cc + wBig*bs + wRet*res.Score/top
				cs = append(cs, cand{p, i, sc, s.text})
			}
		}
		sort.SliceStable(cs, func(a, b int) bool { return cs[a].score > cs[b].score })
		best := cs[0]
		res := resp.Results[best.p]
		if res.Doc.ID == r.DocID {
			docRight++
		}
		ss := splitSentences(res.Chunk.Text)
		if res.Doc.ID == r.DocID {
			g := []rune(strings.TrimSpace(r.Answer))
			head := string(g[:min(8, len(g))])
			gi := -1
			for i, s := range ss {
				if ContainsFold(s.text, head) {
					gi = i
					break
				}
			}
			switch {
			case gi < 0:
				offs["notInChunk"]++
			case gi == best.i:
				offs["same"]++
			case gi == best.i+1:
				offs["next"]++
			case gi == best.i-1:
				offs["prev"]++
			default:
				offs["other"]++
			}
		}
		q := ss[best.i].text
		win := q
		if best.i+1 < len(ss) && (utf8.RuneCountInString(q) < 60 || strings.HasSuffix(q, "：")) {
			win += ss[best.i+1].text
		}
		lens = append(lens, utf8.RuneCountInString(win))
		if ContainsFold(q, r.Answer) {
			gold++
		}
		if ContainsFold(win, r.Answer) {
			goldWin++
		} else if dump != nil && res.Doc.ID == r.DocID {
			fmt.Fprintf(dump, "Q %s\n  GOLD %s\n  GOT  %s\n", r.Question, r.Answer, win)
			for _, c := range cs[1:4] {
				fmt.Fprintf(dump, "   alt %.2f %s\n", c.score, c.text)
			}
		}
	}
	sort.Ints(lens)
	t.Logf("n=%d docRight=%.3f gold(sentence)=%.3f gold(window)=%.3f medianLen=%d", n, float64(docRight)/float64(n), float64(gold)/float64(n), float64(goldWin)/float64(n), lens[len(lens)/2])
}

func ContainsFold(text, span string) bool {
	f := func(s string) string {
		var b strings.Builder
		for _, r := range safety.Normalize(s) {
			if strings.ContainsRune("，。、；：！？“”‘’（）《》,.;:!?\"'() 　", r) {
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	return strings.Contains(f(text), f(span))
}

// protoScore2: coverage of the question's terms by the sentence, terms found
// in the document's context (title, headings, opening) weighted by ctxW.
func protoScore2(resp *search.Response, sText, ctx string, ctxW float64) (float64, float64) {
	var got, total, inCtx, totalAll float64
	ns := safety.Normalize(sText)
	nc := safety.Normalize(ctx)
	for _, t := range resp.Terms {
		w := resp.Weights[t]
		if utf8.RuneCountInString(t) < 2 {
			w *= 0.3
		}
		forms := append([]string{t}, resp.Synonyms[t]...)
		in, inc := false, false
		for _, f := range forms {
			f = safety.Normalize(f)
			in = in || strings.Contains(ns, f)
			inc = inc || strings.Contains(nc, f)
		}
		totalAll += w
		if inc {
			inCtx += w
			w *= ctxW
		}
		total += w
		if in {
			got += w
		}
	}
	if total == 0 || totalAll == 0 {
		return 0, 0
	}
	return got / total, inCtx / totalAll
}
