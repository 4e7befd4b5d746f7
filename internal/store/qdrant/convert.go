package qdrant

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"
	pb "github.com/qdrant/go-client/qdrant"

	"github.com/govchat/govchat/internal/store"
)

// pointID maps a store id to a Qdrant point id. Qdrant accepts UUIDs and
// unsigned integers; it returns UUIDs in their canonical lower-case
// hyphenated form, so only that form is accepted (anything else would come
// back different from what was stored).
func pointID(id string) (*pb.PointId, error) {
	if u, err := uuid.Parse(id); err == nil {
		if u.String() != id {
			return nil, fmt.Errorf("point id %q: not a canonical UUID (want %s)", id, u.String())
		}
		return pb.NewIDUUID(id), nil
	}
	if n, err := strconv.ParseUint(id, 10, 64); err == nil && strconv.FormatUint(n, 10) == id {
		return pb.NewIDNum(n), nil
	}
	return nil, fmt.Errorf("point id %q: want a UUID or an unsigned integer", id)
}

// idString maps a Qdrant point id back.
func idString(id *pb.PointId) string {
	switch v := id.GetPointIdOptions().(type) {
	case *pb.PointId_Uuid:
		return v.Uuid
	case *pb.PointId_Num:
		return strconv.FormatUint(v.Num, 10)
	}
	return ""
}

// toValue maps a payload value to Qdrant's JSON-with-integers value. The
// payload types of the contract (string, int64, bool, float64, []string)
// round-trip exactly; other integer and float widths, []any and
// map[string]any are accepted too.
func toValue(v any) (*pb.Value, error) {
	switch x := v.(type) {
	case nil:
		return pb.NewValueNull(), nil
	case string:
		if !utf8.ValidString(x) {
			return nil, errors.New("invalid UTF-8 in string")
		}
		return pb.NewValueString(x), nil
	case bool:
		return pb.NewValueBool(x), nil
	case int:
		return pb.NewValueInt(int64(x)), nil
	case int8:
		return pb.NewValueInt(int64(x)), nil
	case int16:
		return pb.NewValueInt(int64(x)), nil
	case int32:
		return pb.NewValueInt(int64(x)), nil
	case int64:
		return pb.NewValueInt(x), nil
	case uint8:
		return pb.NewValueInt(int64(x)), nil
	case uint16:
		return pb.NewValueInt(int64(x)), nil
	case uint32:
		return pb.NewValueInt(int64(x)), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d overflows int64", x)
		}
		return pb.NewValueInt(int64(x)), nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d overflows int64", x)
		}
		return pb.NewValueInt(int64(x)), nil
	case float32:
		return toValue(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("number %v is not valid JSON", x)
		}
		return pb.NewValueDouble(x), nil
	case []string:
		l := &pb.ListValue{Values: make([]*pb.Value, len(x))}
		for i, s := range x {
			val, err := toValue(s)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l.Values[i] = val
		}
		return pb.NewValueList(l), nil
	case []any:
		l := &pb.ListValue{Values: make([]*pb.Value, len(x))}
		for i, e := range x {
			val, err := toValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l.Values[i] = val
		}
		return pb.NewValueList(l), nil
	case map[string]any:
		m, err := toPayload(x)
		if err != nil {
			return nil, err
		}
		return pb.NewValueFromFields(m), nil
	}
	return nil, fmt.Errorf("unsupported payload type %T", v)
}

func toPayload(m map[string]any) (map[string]*pb.Value, error) {
	out := make(map[string]*pb.Value, len(m))
	for k, v := range m {
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("payload key %q: invalid UTF-8", k)
		}
		val, err := toValue(v)
		if err != nil {
			return nil, fmt.Errorf("payload %q: %w", k, err)
		}
		out[k] = val
	}
	return out, nil
}

// fromValue is the inverse of toValue: integers come back as int64, doubles
// as float64, a list whose elements are all strings (or that is empty) as
// []string, other lists as []any, structs as map[string]any.
func fromValue(v *pb.Value) any {
	switch x := v.GetKind().(type) {
	case *pb.Value_StringValue:
		return x.StringValue
	case *pb.Value_IntegerValue:
		return x.IntegerValue
	case *pb.Value_DoubleValue:
		return x.DoubleValue
	case *pb.Value_BoolValue:
		return x.BoolValue
	case *pb.Value_ListValue:
		vals := x.ListValue.GetValues()
		strs := make([]string, 0, len(vals))
		for _, e := range vals {
			s, ok := e.GetKind().(*pb.Value_StringValue)
			if !ok {
				strs = nil
				break
			}
			strs = append(strs, s.StringValue)
		}
		if strs != nil {
			return strs
		}
		list := make([]any, len(vals))
		for i, e := range vals {
			list[i] = fromValue(e)
		}
		return list
	case *pb.Value_StructValue:
		return fromPayload(x.StructValue.GetFields())
	}
	return nil
}

func fromPayload(m map[string]*pb.Value) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = fromValue(v)
	}
	return out
}

// toFilter maps a store filter to a Qdrant filter; nil for the zero filter.
func toFilter(f store.Filter) (*pb.Filter, error) {
	if f.Empty() {
		return nil, nil
	}
	out := &pb.Filter{}
	for i, c := range f.Must {
		qc, err := toCondition(c)
		if err != nil {
			return nil, fmt.Errorf("filter must[%d]: %w", i, err)
		}
		out.Must = append(out.Must, qc)
	}
	for i, c := range f.MustNot {
		qc, err := toCondition(c)
		if err != nil {
			return nil, fmt.Errorf("filter must_not[%d]: %w", i, err)
		}
		out.MustNot = append(out.MustNot, qc)
	}
	return out, nil
}

func toCondition(c store.Condition) (*pb.Condition, error) {
	if c.Field == "" {
		return nil, errors.New("condition without a field")
	}
	set := 0
	if c.Match != nil {
		set++
	}
	if c.Any != nil {
		set++
	}
	if c.Range != nil {
		set++
	}
	if set != 1 {
		return nil, fmt.Errorf("condition on %q: exactly one of Match, Any, Range must be set", c.Field)
	}
	switch {
	case c.Any != nil:
		return pb.NewMatchKeywords(c.Field, c.Any...), nil
	case c.Range != nil:
		r := c.Range
		return pb.NewRange(c.Field, &pb.Range{Gt: r.GT, Gte: r.GTE, Lt: r.LT, Lte: r.LTE}), nil
	}
	switch v := c.Match.(type) {
	case string:
		return pb.NewMatchKeyword(c.Field, v), nil
	case bool:
		return pb.NewMatchBool(c.Field, v), nil
	case int:
		return pb.NewMatchInt(c.Field, int64(v)), nil
	case int32:
		return pb.NewMatchInt(c.Field, int64(v)), nil
	case int64:
		return pb.NewMatchInt(c.Field, v), nil
	case uint32:
		return pb.NewMatchInt(c.Field, int64(v)), nil
	}
	return nil, fmt.Errorf("condition on %q: cannot match a %T (want string, int64 or bool)", c.Field, c.Match)
}

// checkSparse validates a sparse vector as Qdrant would, with a clearer
// message.
func checkSparse(v store.SparseVec) error {
	if len(v.Indices) != len(v.Values) {
		return fmt.Errorf("sparse vector: %d indices but %d values", len(v.Indices), len(v.Values))
	}
	seen := make(map[uint32]struct{}, len(v.Indices))
	for _, i := range v.Indices {
		if _, dup := seen[i]; dup {
			return fmt.Errorf("sparse vector: index %d repeated", i)
		}
		seen[i] = struct{}{}
	}
	for _, x := range v.Values {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return errors.New("sparse vector: value is not finite")
		}
	}
	return nil
}

func toPointStruct(p store.Point) (*pb.PointStruct, error) {
	id, err := pointID(p.ID)
	if err != nil {
		return nil, err
	}
	if err := checkSparse(p.Sparse); err != nil {
		return nil, fmt.Errorf("point %s: %w", p.ID, err)
	}
	vecs := map[string]*pb.Vector{}
	if len(p.Sparse.Indices) > 0 {
		vecs[store.SparseVector] = pb.NewVectorSparse(p.Sparse.Indices, p.Sparse.Values)
	}
	if p.Dense != nil {
		vecs[store.DenseVector] = pb.NewVectorDense(p.Dense)
	}
	payload, err := toPayload(p.Payload)
	if err != nil {
		return nil, fmt.Errorf("point %s: %w", p.ID, err)
	}
	return &pb.PointStruct{Id: id, Vectors: pb.NewVectorsMap(vecs), Payload: payload}, nil
}
