package answer

import (
	"slices"
	"strings"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// leadsOn reports whether s is a sentence whose point is in what follows
// it: a run-in heading, a question the document asks itself, or the
// introduction of a list (…如下：).
func leadsOn(s string) bool {
	t := strings.TrimSpace(s)
	return isRunInHeading(t) || isQuestionSentence(t) || endsIntro(t)
}

// continuationChunks: a passage ending on a heading is continued by at
// most this many chunks.
const continuationChunks = 2

// withContinuation returns results with the first n passages continued by
// the text of their document's next chunk, so that a quote can grow past
// where the passage was cut: what a sentence leading on at its end
// introduces (2.稳定信贷供给。 at the end of a chunk, its text in the next),
// or the rest of an item or paragraph the chunker split. own is by passage
// the length of its own text (0: not continued): the quote starts in it,
// and the passage keeps its anchor. chunksOf gives a document's chunks.
func withContinuation(results []search.Result, n int, chunksOf func(string) []kb.Chunk) (out []search.Result, own []int) {
	for i, r := range results {
		if i >= n || r.Doc == nil || r.Doc.Type == kb.TypeFAQ {
			continue
		}
		chunks := chunksOf(r.Doc.ID)
		j := slices.IndexFunc(chunks, func(c kb.Chunk) bool { return c.ID == r.Chunk.ID })
		if j < 0 {
			continue
		}
		text := r.Chunk.Text
		leads := func(t string) bool {
			ss := splitSentences(t)
			return len(ss) > 0 && leadsOn(ss[len(ss)-1].text)
		}
		// The next chunk may itself end on a heading (a section's title
		// before its first item): at most continuationChunks are added.
		for k := j + 1; k < len(chunks) && k <= j+continuationChunks; k++ {
			mid := midParagraph(r.Doc.Body, chunks[k-1].Text, chunks[k].Text)
			if !leads(chunks[k-1].Text) && (k > j+1 || !mid) {
				break
			}
			if mid {
				text += chunks[k].Text // one paragraph: no line break
			} else {
				text += "\n" + chunks[k].Text
			}
		}
		if text == r.Chunk.Text {
			continue
		}
		if out == nil {
			out, own = slices.Clone(results), make([]int, len(results))
		}
		out[i].Chunk.Text = text
		own[i] = len(r.Chunk.Text)
	}
	if out == nil {
		return results, nil
	}
	return out, own
}

// midParagraph reports whether the chunker cut a paragraph of body between
// chunk texts a and b (a paragraph too long for one chunk, cut after a
// sentence): in body, a's end runs on into b's start with no line break.
func midParagraph(body, a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if i := strings.LastIndexByte(a, '\n'); i >= 0 {
		a = a[i+1:] // a's last paragraph
	}
	if i := strings.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	tail, head := []rune(a), []rune(b)
	tail, head = tail[max(0, len(tail)-24):], head[:min(len(head), 12)]
	if len(tail) == 0 || len(head) == 0 {
		return false
	}
	for _, sep := range []string{"", " ", "　"} {
		if strings.Contains(body, string(tail)+sep+string(head)) {
			return true
		}
	}
	return false
}
