package search

import (
	"context"

	"github.com/govchat/govchat/internal/kb"
)

// Retriever runs ranked searches over the indexed knowledge base and gives
// the chunks it indexed. *Engine implements it; the answerer and the
// operator look-up depend on it.
type Retriever interface {
	Search(ctx context.Context, query string, opts Options) (*Response, error)
	// ChunksOf returns the chunks of the document with the id, in order,
	// exactly as they are indexed and cited (text, heading path, anchor);
	// nil for an unknown id. Documents are chunked once, by the indexer:
	// whoever shows or quotes a passage reads it from here.
	ChunksOf(docID string) []kb.Chunk
}

var _ Retriever = (*Engine)(nil)

// Options narrow a search.
type Options struct {
	Limit          int       // results to return; default 10
	IncludeExpired bool      // include 已废止/已修订/expired documents (labelled by their status)
	Types          []kb.Type // only these entry types; empty: all
	Department     string    // only this 责任部门
	Region         string    // only this region
}

// Result is one ranked chunk with its document.
type Result struct {
	Doc     *kb.Document
	Chunk   kb.Chunk
	Score   float64
	Matched []string // query terms found in the chunk, for highlighting (the first 10 results)
	// Status is the document's validity at search time (现行有效, 已废止 …);
	// expired documents appear only with Options.IncludeExpired or when the
	// query names their 文号.
	Status kb.Status
	// Association ∈ [0,1] is the share of the question's information (its
	// terms as the vocabulary names them, weighed by their surprisal) that
	// the chunk accounts for: a term counts fully when the chunk contains
	// it or a synonym, else by its strongest learned association A(term, w)
	// with a word w of the chunk (docs/search.md, "Learned associations").
	// Set for the first results, with Matched.
	Association float64
}

// Response is the ranked answer to a query.
type Response struct {
	Results []Result
	// Terms are the query's segmented terms (after normalisation and stop-word
	// removal), for highlighting and for carrying a topic across turns.
	Terms []string
	// Synonyms are the other names of the query's terms that have some
	// (社保卡 → 社会保障卡, 医保卡 …), by term, from the synonym dictionary.
	Synonyms map[string][]string
	// Weights tell how informative each of Terms is in general Chinese
	// (its surprisal: 公积金 weighs much, 办理 little), for weighing what a
	// passage or a sentence has of the question.
	Weights map[string]float64
	// Vocabulary marks the terms the government vocabulary knows (user
	// words, synonyms): they name a matter (护照, 公积金), where other words
	// may only describe one (往后, 告诉).
	Vocabulary map[string]bool
	// DocNumber is the canonical 文号 found in the query, if any.
	DocNumber string
	// Lookup: the query asks for the document its 文号 names, nothing in
	// particular in it (国办发〔2018〕108号, …讲的啥, …还有效吗); the first
	// result is then that document's opening.
	Lookup bool
	// Confidence in [0,1] estimates whether the top result answers the
	// query; the answerer refuses below its threshold.
	Confidence float64
}
