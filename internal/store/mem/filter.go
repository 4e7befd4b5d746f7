package mem

import (
	"fmt"
	"strings"

	"github.com/govchat/govchat/internal/store"
)

// matcher is a compiled filter.
type matcher struct {
	must, mustNot []cond
}

type cond struct {
	path  []string // field, split on "." for nested objects
	match any      // canonical value (string, int64, bool) or nil
	any   map[string]bool
	rng   *store.Range
}

func compileFilter(f store.Filter) (*matcher, error) {
	if f.Empty() {
		return nil, nil
	}
	m := &matcher{}
	for _, c := range f.Must {
		cc, err := compileCond(c)
		if err != nil {
			return nil, err
		}
		m.must = append(m.must, cc)
	}
	for _, c := range f.MustNot {
		cc, err := compileCond(c)
		if err != nil {
			return nil, err
		}
		m.mustNot = append(m.mustNot, cc)
	}
	return m, nil
}

func compileCond(c store.Condition) (cond, error) {
	if c.Field == "" {
		return cond{}, fmt.Errorf("filter: condition without a field")
	}
	cc := cond{path: strings.Split(c.Field, ".")}
	set := 0
	if c.Match != nil {
		set++
		v, err := normalizeValue(c.Match)
		if err != nil {
			return cond{}, fmt.Errorf("filter %s: %w", c.Field, err)
		}
		switch v.(type) {
		case string, int64, bool:
		default:
			return cond{}, fmt.Errorf("filter %s: match value must be a string, integer or bool, not %T", c.Field, c.Match)
		}
		cc.match = v
	}
	if c.Any != nil {
		set++
		cc.any = make(map[string]bool, len(c.Any))
		for _, s := range c.Any {
			cc.any[s] = true
		}
	}
	if c.Range != nil {
		set++
		cc.rng = c.Range
	}
	if set != 1 {
		return cond{}, fmt.Errorf("filter %s: exactly one of Match, Any, Range must be set", c.Field)
	}
	return cc, nil
}

// ok reports whether payload p passes the filter.
func (m *matcher) ok(p map[string]any) bool {
	if m == nil {
		return true
	}
	for i := range m.must {
		if !m.must[i].test(p) {
			return false
		}
	}
	for i := range m.mustNot {
		if m.mustNot[i].test(p) {
			return false
		}
	}
	return true
}

// test reports whether the condition holds for p. A missing field never
// matches (so a must_not on it passes), as in Qdrant.
func (c *cond) test(p map[string]any) bool {
	v, ok := lookupPath(p, c.path)
	if !ok || v == nil {
		return false
	}
	if list, isList := v.([]string); isList {
		for _, e := range list {
			if c.testValue(e) {
				return true
			}
		}
		return false
	}
	if list, isList := v.([]any); isList {
		for _, e := range list {
			if c.testValue(e) {
				return true
			}
		}
		return false
	}
	return c.testValue(v)
}

func lookupPath(p map[string]any, path []string) (any, bool) {
	v, ok := p[path[0]]
	for _, k := range path[1:] {
		if !ok {
			return nil, false
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			return nil, false
		}
		v, ok = obj[k]
	}
	return v, ok
}

func (c *cond) testValue(v any) bool {
	switch {
	case c.any != nil:
		s, ok := v.(string)
		return ok && c.any[s]
	case c.rng != nil:
		f, ok := number(v)
		if !ok {
			return false
		}
		r := c.rng
		return (r.GT == nil || f > *r.GT) && (r.GTE == nil || f >= *r.GTE) &&
			(r.LT == nil || f < *r.LT) && (r.LTE == nil || f <= *r.LTE)
	default:
		switch want := c.match.(type) {
		case string:
			s, ok := v.(string)
			return ok && s == want
		case bool:
			b, ok := v.(bool)
			return ok && b == want
		case int64:
			switch x := v.(type) {
			case int64:
				return x == want
			case float64:
				return x == float64(want)
			}
		}
		return false
	}
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
