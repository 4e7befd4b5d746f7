package answer

import (
	"strings"
	"testing"
)

func runCiter(provided int, pieces []string) (string, *citer) {
	var out strings.Builder
	c := newCiter(provided, func(s string) error { out.WriteString(s); return nil })
	for _, p := range pieces {
		c.Write(p)
	}
	c.Close()
	return out.String(), c
}

func TestCiter(t *testing.T) {
	tests := []struct {
		provided int
		in       []string
		want     string
		cited    []int
	}{
		{3, []string{"甲[1]乙[3]丙[1]"}, "甲[1]乙[2]丙[1]", []int{1, 3}},
		{3, []string{"甲[7]乙"}, "甲乙", nil},
		{3, []string{"甲[", "7", "]乙[2", "]"}, "甲乙[1]", []int{2}},
		{3, []string{"见[1,3]和［2］"}, "见[1][2]和[3]", []int{1, 3, 2}},
		{3, []string{"见【1、7】"}, "见[1]", []int{1}},
		{3, []string{"见[1-3]"}, "见[1][2][3]", []int{1, 2, 3}},
		{3, []string{"见[资料2]"}, "见[1]", []int{2}},
		{3, []string{"见[0]"}, "见", nil},
		{3, []string{"【办理流程】第一步"}, "【办理流程】第一步", nil},
		{3, []string{"数组a[i]和[注]"}, "数组a[i]和[注]", nil},
		{3, []string{"未闭合[12"}, "未闭合[12", nil},
		{3, []string{"[[1]]"}, "[[1]]", []int{1}},
		{3, []string{"长[1234567890123456789]"}, "长[1234567890123456789]", nil},
	}
	for _, tt := range tests {
		got, c := runCiter(tt.provided, tt.in)
		if got != tt.want {
			t.Errorf("%q -> %q, want %q", tt.in, got, tt.want)
		}
		if len(c.cited) != len(tt.cited) {
			t.Errorf("%q cited %v, want %v", tt.in, c.cited, tt.cited)
			continue
		}
		for i := range tt.cited {
			if c.cited[i] != tt.cited[i] {
				t.Errorf("%q cited %v, want %v", tt.in, c.cited, tt.cited)
			}
		}
	}
}

func FuzzCiter(f *testing.F) {
	f.Add("依据[1]和[7]，以及【2,3】。", 3)
	f.Fuzz(func(t *testing.T, s string, split int) {
		rs := []rune(s)
		if split < 0 {
			split = -split
		}
		cut := 0
		if len(rs) > 0 {
			cut = split % (len(rs) + 1)
		}
		whole, _ := runCiter(3, []string{s})
		parts, c := runCiter(3, []string{string(rs[:cut]), string(rs[cut:])})
		if whole != parts {
			t.Fatalf("split changes output: %q vs %q", whole, parts)
		}
		for _, n := range c.cited {
			if n < 1 || n > 3 {
				t.Fatalf("cited %d", n)
			}
		}
	})
}
