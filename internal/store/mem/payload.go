package mem

import (
	"fmt"
	"math"
	"reflect"
	"slices"
)

// normalizePayload deep-copies a payload into the canonical types the store
// keeps and persists: nil, bool, string, int64, float64, []any and
// map[string]any (so that filters compare values the same way before and
// after a restart). Other types are an error.
func normalizePayload(p map[string]any) (map[string]any, error) {
	if p == nil {
		return map[string]any{}, nil
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		n, err := normalizeValue(v)
		if err != nil {
			return nil, fmt.Errorf("payload field %q: %w", k, err)
		}
		out[k] = n
	}
	return out, nil
}

func normalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool, string, int64:
		return x, nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint:
		return uintValue(uint64(x))
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		return uintValue(x)
	case float32:
		return floatValue(float64(x))
	case float64:
		return floatValue(x)
	case []string:
		return slices.Clone(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalizeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return stringsIfAll(out), nil
	case map[string]any:
		return normalizePayload(x)
	}
	// Other slices of supported element types ([]int64, []float64 …).
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		out := make([]any, rv.Len())
		for i := range out {
			n, err := normalizeValue(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return stringsIfAll(out), nil
	}
	return nil, fmt.Errorf("unsupported type %T", v)
}

// stringsIfAll returns a list of strings (the empty list included) as
// []string, the type Qdrant's keyword lists come back as.
func stringsIfAll(l []any) any {
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			return l
		}
		out[i] = s
	}
	return out
}

func uintValue(u uint64) (any, error) {
	if u > math.MaxInt64 {
		return nil, fmt.Errorf("integer %d out of range", u)
	}
	return int64(u), nil
}

func floatValue(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %v is not finite", f)
	}
	return f, nil
}

// clonePayload copies the top level and the lists of a canonical payload so
// callers cannot modify the store's copy.
func clonePayload(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []string:
		return slices.Clone(x)
	case map[string]any:
		return clonePayload(x)
	}
	return v
}
