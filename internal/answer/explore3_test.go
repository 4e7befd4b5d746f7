package answer

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
)

type candFeat struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Rel     bool    `json:"rel"`
	Ratio   float64 `json:"ratio"`
	Score   float64 `json:"score"`
	QcovT   float64 `json:"qcov_t"`
	QcovA   float64 `json:"qcov_a"`
	TBig    float64 `json:"tbig"` // share of title bigrams in question
	MissMax float64 `json:"miss_max"`
	MissT   float64 `json:"miss_t"` // max weight of a question term absent from the title
}

type qFeat struct {
	ID    string     `json:"id"`
	Q     string     `json:"q"`
	OOS   bool       `json:"oos"`
	Conf  float64    `json:"conf"`
	Terms []string   `json:"terms"`
	W     []float64  `json:"w"`
	Cands []candFeat `json:"cands"`
	Ans   bool       `json:"answerable"`
	Ev    []evidence `json:"ev"`
	Rel   []bool     `json:"rel"`
	Ratio []float64  `json:"ratios"`
}

func xcovered(resp *search.Response, text string) (float64, float64, []bool) {
	nt := safety.Normalize(text)
	var got, total, miss float64
	var in []bool
	for _, t := range resp.Terms {
		w := resp.Weights[t]
		if utf8.RuneCountInString(t) < 2 || genericTerms[t] {
			in = append(in, true)
			continue
		}
		total += w
		ok := false
		for _, f := range append([]string{t}, resp.Synonyms[t]...) {
			if strings.Contains(nt, safety.Normalize(f)) {
				ok = true
				break
			}
		}
		in = append(in, ok)
		if ok {
			got += w
		} else {
			miss = max(miss, w)
		}
	}
	if total == 0 {
		return 0, 0, in
	}
	return got / total, miss, in
}

func TestExploreGovFAQFeatures(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	base, eng := exploreEngine(t, "../../../shared/eval/govfaq-beijing.jsonl")
	a := newAnswerer(t, base, eng, nil)
	split := os.Getenv("SPLIT")
	if split == "" {
		split = "dev"
	}
	rows := append(readEx(t, "../../testdata/questions/govfaq-paraphrase."+split+".jsonl"), readEx(t, "../../testdata/questions/govfaq-outofscope."+split+".jsonl")...)
	out, _ := os.Create("/work/qwork/explore/govfaq-feat-" + split + ".jsonl")
	defer out.Close()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		resp, _ := eng.Search(context.Background(), r.Question, search.Options{Limit: 8})
		ok, _ := a.answerable(resp)
		qf := qFeat{ID: r.ID, Q: r.Question, OOS: len(r.Relevant) == 0, Conf: resp.Confidence, Terms: resp.Terms, Ans: ok}
		for _, tt := range resp.Terms {
			qf.W = append(qf.W, resp.Weights[tt])
		}
		qn := safety.Normalize(r.Question)
		kt := keyTerms(resp)
		for i, res := range resp.Results[:min(4, len(resp.Results))] {
			qf.Ev = append(qf.Ev, a.known.evidenceOf(r.Question, kt, res, nil))
			qf.Rel = append(qf.Rel, slices.Contains(r.Relevant, res.Doc.ID))
			qf.Ratio = append(qf.Ratio, res.Score/resp.Results[0].Score)
			_ = i
		}
		for _, res := range resp.Results {
			title := res.Doc.Title + " " + strings.Join(res.Doc.Similar, " ")
			ct, missT, _ := xcovered(resp, title)
			ca, missA, _ := xcovered(resp, title+" "+res.Doc.Body)
			tb := bigrams(safety.Normalize(res.Doc.Title))
			n := 0
			for _, b := range tb {
				if strings.Contains(qn, b) {
					n++
				}
			}
			cf := candFeat{ID: res.Doc.ID, Title: res.Doc.Title, Rel: slices.Contains(r.Relevant, res.Doc.ID),
				Score: res.Score, Ratio: res.Score / resp.Results[0].Score, QcovT: ct, QcovA: ca, MissMax: missA, MissT: missT}
			if len(tb) > 0 {
				cf.TBig = float64(n) / float64(len(tb))
			}
			qf.Cands = append(qf.Cands, cf)
		}
		enc.Encode(qf)
	}
}
