package search

import "github.com/govchat/govchat/internal/store"

// DiscriminateForTest runs the candidate re-ranking on the first chunks of
// the given documents with the given scores and returns the document ids in
// the new order with their new scores.
func (e *Engine) DiscriminateForTest(query string, docIDs []string, scores []float64) ([]string, []float64) {
	qt := e.enc.analyzeQuery(query)
	hits := make([]store.Hit, len(docIDs))
	for i, id := range docIDs {
		hits[i] = store.Hit{ID: e.firstOf[id].pointID, Score: scores[i]}
	}
	e.discriminate(qt, hits, nil)
	ids := make([]string, len(hits))
	out := make([]float64, len(hits))
	for i, h := range hits {
		ids[i], out[i] = e.byPoint[h.ID].doc.ID, h.Score
	}
	return ids, out
}
