package safety

import (
	"strings"
	"unicode/utf8"
)

// Guard checks streamed text before it is passed on: sensitive words are
// masked even when a word is split across two chunks. It holds back a tail
// as long as the longest word minus one rune (and any word that could still
// grow into a longer one), so what it emits never changes afterwards.
// A Guard is not safe for concurrent use.
type Guard struct {
	f       *Filter
	emit    func(string) error
	pending string // raw text not yet emitted
	masked  int
	err     error
}

// Guard returns a guard that passes checked text to emit.
func (f *Filter) Guard(emit func(string) error) *Guard {
	return &Guard{f: f, emit: emit}
}

// Write adds a chunk. Text that can no longer be part of a sensitive word is
// masked and emitted; the rest is held back. An error from emit is returned
// and ends the guard.
func (g *Guard) Write(s string) error {
	if g.err != nil {
		return g.err
	}
	g.pending += s
	if g.f.ac == nil {
		return g.flushUpTo(len(g.pending), nil)
	}
	// cut: everything before the last (longest-1) runes is final, except a
	// match that reaches into the held tail, which waits with it.
	cut := len(g.pending)
	for n := 0; n < g.f.longest-1 && cut > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(g.pending[:cut])
		cut -= size
	}
	ms := g.f.Find(g.pending)
	var final []Match
	for _, m := range ms {
		if m.Start >= cut {
			break
		}
		if m.End > cut {
			cut = m.Start
			break
		}
		final = append(final, m)
	}
	return g.flushUpTo(cut, final)
}

// Close emits the held tail (masked) at the end of the stream.
func (g *Guard) Close() error {
	if g.err != nil {
		return g.err
	}
	return g.flushUpTo(len(g.pending), g.f.Find(g.pending))
}

// Masked is the number of words masked so far.
func (g *Guard) Masked() int { return g.masked }

func (g *Guard) flushUpTo(cut int, ms []Match) error {
	if cut <= 0 {
		return nil
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m.End > cut {
			break
		}
		b.WriteString(g.pending[last:m.Start])
		b.WriteString(strings.Repeat(MaskRune, utf8.RuneCountInString(g.pending[m.Start:m.End])))
		last = m.End
		g.masked++
	}
	b.WriteString(g.pending[last:cut])
	g.pending = g.pending[cut:]
	if b.Len() == 0 {
		return nil
	}
	if err := g.emit(b.String()); err != nil {
		g.err = err
		return err
	}
	return nil
}
