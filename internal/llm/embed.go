package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// Embed returns one vector per text, in order, from the configured embedding
// model (POST /embeddings). Texts are cut to EmbedMaxRunes runes and sent in
// batches of at most EmbedBatchSize texts and EmbedBatchRunes runes; each batch
// is retried with backoff on rate limits, server errors and broken
// connections. Every vector has the same dimension, or Embed fails. The model
// must be the same at index and at query time.
//
// Embed satisfies search.Embedder.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if c.cfg.EmbedModel == "" {
		return nil, errors.New("llm: embed: no embedding model configured (GOVCHAT_EMBED_MODEL)")
	}
	if len(texts) == 0 {
		return nil, nil
	}
	inputs := make([]string, len(texts))
	for i, t := range texts {
		if !utf8.ValidString(t) {
			t = strings.ToValidUTF8(t, "\uFFFD")
		}
		t = strings.TrimSpace(t)
		if t == "" {
			return nil, fmt.Errorf("llm: embed: text %d is empty", i)
		}
		inputs[i] = truncateRunes(t, c.cfg.EmbedMaxRunes)
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(inputs); {
		end, runes := start, 0
		for end < len(inputs) && end-start < c.cfg.EmbedBatchSize {
			n := utf8.RuneCountInString(inputs[end])
			if end > start && runes+n > c.cfg.EmbedBatchRunes {
				break
			}
			runes += n
			end++
		}
		vecs, err := c.embedBatch(ctx, inputs[start:end])
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
		start = end
	}
	dim := len(out[0])
	for i, v := range out {
		if len(v) != dim {
			return nil, fmt.Errorf("llm: embed: vector %d has dimension %d, vector 0 has %d", i, len(v), dim)
		}
	}
	return out, nil
}

func (c *Client) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Timeout, errTimeout)
	defer cancel()
	req := openai.EmbeddingRequest{
		Input:          batch,
		Model:          openai.EmbeddingModel(c.cfg.EmbedModel),
		EncodingFormat: openai.EmbeddingEncodingFormatFloat,
		Dimensions:     c.cfg.EmbedDimensions,
	}
	for attempt := 0; ; attempt++ {
		hint := &retryHint{}
		resp, err := c.api.CreateEmbeddings(context.WithValue(ctx, hintKey{}, hint), req)
		if err == nil {
			vecs, err := orderEmbeddings(resp.Data, len(batch))
			if err != nil {
				return nil, &Error{Op: "embed", Attempts: attempt + 1, Err: err}
			}
			return vecs, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("llm: embed: %w", context.Cause(ctx))
		}
		status := statusOf(err)
		if attempt >= c.cfg.MaxRetries || !retryable(err, status) {
			return nil, &Error{Op: "embed", StatusCode: status, Attempts: attempt + 1, Err: err}
		}
		if err := sleep(ctx, c.backoff(attempt, hint.wait)); err != nil {
			return nil, fmt.Errorf("llm: embed: %w", err)
		}
	}
}

// orderEmbeddings places each returned embedding at its index and checks that
// every input got exactly one non-empty vector.
func orderEmbeddings(data []openai.Embedding, n int) ([][]float32, error) {
	if len(data) != n {
		return nil, fmt.Errorf("server returned %d embeddings for %d inputs", len(data), n)
	}
	out := make([][]float32, n)
	for _, e := range data {
		if e.Index < 0 || e.Index >= n || out[e.Index] != nil {
			return nil, fmt.Errorf("server returned a bad or duplicate embedding index %d", e.Index)
		}
		if len(e.Embedding) == 0 {
			return nil, fmt.Errorf("server returned an empty embedding for input %d", e.Index)
		}
		out[e.Index] = e.Embedding
	}
	return out, nil
}

func truncateRunes(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}
