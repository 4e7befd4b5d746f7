package mem

import (
	"testing"

	"github.com/govchat/govchat/internal/store"
)

// FuzzDecode feeds arbitrary bytes to the snapshot and log decoders: a
// damaged file must give an error, never a panic or a huge allocation.
func FuzzDecode(f *testing.F) {
	s, _ := Open("")
	s.Ensure(ctx, store.Schema{Name: "x", DenseSize: 2})
	s.Upsert(ctx, []store.Point{{ID: "a", Sparse: sv(1, 1, 5, 2), Dense: []float32{1, 2}, Payload: map[string]any{"k": "v", "n": 3, "l": []string{"x"}}}})
	f.Add(s.encodeSnapshot()[len(snapMagic) : len(s.encodeSnapshot())-4])
	f.Add(encodeUpsert([]prepared{{id: "b", sparse: sv(2, 1), payload: map[string]any{"m": map[string]any{"z": 1.5}}}}))
	f.Add(encodeDelete([]string{"a"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := &Store{byID: map[string]int32{}, post: map[uint32]int32{}}
		a.decodeSnapshot(data)
		b := &Store{byID: map[string]int32{}, post: map[uint32]int32{}}
		b.replay(data)
	})
}
