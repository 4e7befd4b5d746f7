package bench

import (
	"context"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search/eval"
)

// bleveIndex is the baseline: an in-memory bleve index of the document
// texts with the stock cjk analyzer (width folding, lower case, bigrams).
type bleveIndex struct{ idx bleve.Index }

func buildBleve(docs []*kb.Document) (*bleveIndex, time.Duration, error) {
	start := time.Now()
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = cjk.AnalyzerName
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		return nil, 0, err
	}
	b := idx.NewBatch()
	for _, d := range docs {
		if err := b.Index(d.ID, map[string]any{"text": d.Body}); err != nil {
			return nil, 0, err
		}
		if b.Size() >= 500 {
			if err := idx.Batch(b); err != nil {
				return nil, 0, err
			}
			b = idx.NewBatch()
		}
	}
	if err := idx.Batch(b); err != nil {
		return nil, 0, err
	}
	return &bleveIndex{idx}, time.Since(start), nil
}

func (b *bleveIndex) rank(k int) eval.Ranker {
	return func(ctx context.Context, q string) (eval.Ranking, error) {
		mq := bleve.NewMatchQuery(q)
		mq.SetField("text")
		mq.Analyzer = cjk.AnalyzerName
		res, err := b.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(mq, k, 0, false))
		if err != nil {
			return eval.Ranking{}, err
		}
		var r eval.Ranking
		for _, h := range res.Hits {
			r.IDs = append(r.IDs, h.ID)
		}
		return r, nil
	}
}
