package mem

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/govchat/govchat/internal/store"
)

// enc appends binary data.
type enc struct{ b []byte }

func (e *enc) byte(v byte)      { e.b = append(e.b, v) }
func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) u32(v uint32)     { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *enc) u64(v uint64)     { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *enc) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) f32s(v []float32) {
	for _, x := range v {
		e.u32(math.Float32bits(x))
	}
}

// Value tags.
const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagString
	tagInt
	tagFloat
	tagList
	tagMap
	tagStrings
)

func (e *enc) value(v any) {
	switch x := v.(type) {
	case nil:
		e.byte(tagNil)
	case bool:
		if x {
			e.byte(tagTrue)
		} else {
			e.byte(tagFalse)
		}
	case string:
		e.byte(tagString)
		e.str(x)
	case int64:
		e.byte(tagInt)
		e.varint(x)
	case float64:
		e.byte(tagFloat)
		e.u64(math.Float64bits(x))
	case []any:
		e.byte(tagList)
		e.uvarint(uint64(len(x)))
		for _, el := range x {
			e.value(el)
		}
	case []string:
		e.byte(tagStrings)
		e.uvarint(uint64(len(x)))
		for _, el := range x {
			e.str(el)
		}
	case map[string]any:
		e.byte(tagMap)
		e.payload(x)
	default:
		panic(fmt.Sprintf("mem: unnormalised payload value %T", v))
	}
}

func (e *enc) payload(p map[string]any) {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.value(p[k])
	}
}

func (e *enc) dense(v []float32) {
	if v == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(len(v)) + 1)
	e.f32s(v)
}

// errCorruptData is wrapped by decoding errors.
var errCorruptData = errors.New("corrupt data")

// dec reads binary data; the first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errCorruptData
	}
	d.b = nil
}

func (d *dec) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) u32() uint32 {
	if len(d.b) < 4 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *dec) u64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// count reads a length and checks that at least min bytes per element remain,
// so corrupt input cannot make us allocate without bound.
func (d *dec) count(min int) int {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)/max(min, 1)+1) || n > math.MaxInt32 {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *dec) str() string {
	n := d.count(1)
	if d.err != nil || n > len(d.b) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *dec) f32s(n int) []float32 {
	if n*4 > len(d.b) {
		d.fail()
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[i*4:]))
	}
	d.b = d.b[n*4:]
	return out
}

func (d *dec) value(depth int) any {
	if depth > 32 {
		d.fail()
		return nil
	}
	switch d.byte() {
	case tagNil:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagString:
		return d.str()
	case tagInt:
		return d.varint()
	case tagFloat:
		return math.Float64frombits(d.u64())
	case tagList:
		n := d.count(1)
		out := make([]any, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			out = append(out, d.value(depth+1))
		}
		return out
	case tagMap:
		return d.payload(depth + 1)
	case tagStrings:
		n := d.count(1)
		out := make([]string, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			out = append(out, d.str())
		}
		return out
	}
	d.fail()
	return nil
}

func (d *dec) payload(depth int) map[string]any {
	n := d.count(2)
	p := make(map[string]any, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		p[k] = d.value(depth)
	}
	return p
}

func (d *dec) dense() []float32 {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	if n-1 > uint64(len(d.b)/4) {
		d.fail()
		return nil
	}
	return d.f32s(int(n - 1))
}

// Log operations.
const (
	opEnsure byte = 'E'
	opUpsert byte = 'U'
	opDelete byte = 'D'
)

func encodeEnsure(s store.Schema) []byte {
	e := enc{}
	e.byte(opEnsure)
	e.str(s.Name)
	e.uvarint(uint64(s.DenseSize))
	return e.b
}

func encodeUpsert(ps []prepared) []byte {
	e := enc{}
	e.byte(opUpsert)
	e.uvarint(uint64(len(ps)))
	for i := range ps {
		p := &ps[i]
		e.str(p.id)
		e.uvarint(uint64(len(p.sparse.Indices)))
		prev := uint32(0)
		for _, idx := range p.sparse.Indices {
			e.uvarint(uint64(idx - prev))
			prev = idx
		}
		e.f32s(p.sparse.Values)
		e.dense(p.dense)
		e.payload(p.payload)
	}
	return e.b
}

func encodeDelete(ids []string) []byte {
	e := enc{}
	e.byte(opDelete)
	e.uvarint(uint64(len(ids)))
	for _, id := range ids {
		e.str(id)
	}
	return e.b
}

// replay applies one logged operation.
func (s *Store) replay(body []byte) error {
	d := dec{b: body}
	switch d.byte() {
	case opEnsure:
		sc := store.Schema{Name: d.str(), DenseSize: int(d.uvarint())}
		if d.err == nil && s.schema == nil {
			s.schema = &sc
		}
	case opUpsert:
		n := d.count(3)
		ps := make([]prepared, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			var p prepared
			p.id = d.str()
			m := d.count(5)
			p.sparse.Indices = make([]uint32, m)
			prev := uint64(0)
			for j := 0; j < m; j++ {
				prev += d.uvarint()
				if prev > math.MaxUint32 {
					d.fail()
				}
				p.sparse.Indices[j] = uint32(prev)
			}
			p.sparse.Values = d.f32s(m)
			p.dense = d.dense()
			p.payload = d.payload(0)
			ps = append(ps, p)
		}
		if d.err != nil {
			return d.err
		}
		for i := range ps {
			s.apply(&ps[i])
		}
	case opDelete:
		n := d.count(1)
		var ids []string
		for i := 0; i < n && d.err == nil; i++ {
			ids = append(ids, d.str())
		}
		if d.err != nil {
			return d.err
		}
		for _, id := range ids {
			s.remove(id)
		}
	default:
		return errCorruptData
	}
	return d.err
}
