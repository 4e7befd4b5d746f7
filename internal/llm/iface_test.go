package llm

import "github.com/govchat/govchat/internal/search"

// Client is the search engine's embedder.
var _ search.Embedder = (*Client)(nil)
