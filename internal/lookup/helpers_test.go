package lookup

import (
	"github.com/govchat/govchat/internal/chunk"
	"github.com/govchat/govchat/internal/kb"
)

func chunkAnchors(d *kb.Document) []string {
	var out []string
	for _, c := range chunk.Split(d) {
		out = append(out, c.Anchor)
	}
	return out
}
