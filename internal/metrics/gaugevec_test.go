package metrics

import (
	"strings"
	"testing"
)

func TestGaugeFuncVec(t *testing.T) {
	r := NewRegistry()
	up := map[string]float64{"qdrant": 0, "history": 1}
	r.GaugeFuncVec("app_dependency_up", "Dependencies answering.", []string{"dependency"}, func() []Sample {
		var out []Sample
		for k, v := range up {
			out = append(out, Sample{Labels: []string{k}, Value: v})
		}
		return out
	})
	r.GaugeFuncVec("app_none", "Nothing yet.", []string{"x"}, func() []Sample { return nil })
	var b strings.Builder
	r.WriteTo(&b)
	want := `# HELP app_dependency_up Dependencies answering.
# TYPE app_dependency_up gauge
app_dependency_up{dependency="history"} 1
app_dependency_up{dependency="qdrant"} 0
# HELP app_none Nothing yet.
# TYPE app_none gauge
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
