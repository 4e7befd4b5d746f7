// Package evalcheck holds TestSameResults: the search engine over the
// embedded store and over Qdrant must return the same top results on the
// evaluation sets (../shared/eval). See docs/qdrant.md.
package evalcheck
