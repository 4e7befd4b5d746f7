package lookup

import (
	"errors"

	"github.com/govchat/govchat/internal/kb"
)

// ErrNoPassage is returned by Passage for an unknown document or anchor.
var ErrNoPassage = errors.New("lookup: no such document or passage")

// Passage returns the hit for the passage of docID at anchor (the first
// passage when anchor is empty; a FAQ entry's answer) together with the
// source a chat client shows for it, so an operator can push it into a
// conversation with its citation.
func (l *Lookup) Passage(docID, anchor string) (Item, kb.Source, error) {
	d := l.base.Doc(docID)
	if d == nil {
		return Item{}, kb.Source{}, ErrNoPassage
	}
	chunks := l.search.ChunksOf(d.ID)
	if len(chunks) == 0 {
		return Item{}, kb.Source{}, ErrNoPassage
	}
	c := &chunks[0]
	if anchor != "" {
		c = nil
		for i := range chunks {
			if chunks[i].Anchor == anchor {
				c = &chunks[i]
				break
			}
		}
		if c == nil {
			return Item{}, kb.Source{}, ErrNoPassage
		}
	}
	now := l.cfg.Now()
	it := l.item(searchResult(d, *c), now)
	src := l.base.SourceOf(d, c, clipRunes(it.Text, 120), now)
	src.N = 1
	return it, src, nil
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
