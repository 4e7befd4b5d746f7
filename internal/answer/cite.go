package answer

import (
	"regexp"
	"strconv"
	"strings"
)

// citer checks citations in streamed model output. Every [n] (also ［n］,
// 【n】, [1,2], [1-3], [资料1]) must name one of the n passages provided;
// others are removed. Valid citations are renumbered in order of first
// appearance, so the answer cites [1], [2] … and Sources lists exactly the
// passages cited. Text after an opening bracket is held back until the
// bracket closes (or is clearly not a citation), so a removed [7] never
// reaches the stream, even when split across chunks.
type citer struct {
	provided int
	newNum   map[int]int // provided passage number -> number in the answer
	cited    []int       // provided passage numbers, in answer order
	removed  int         // citations removed
	holding  bool
	held     []rune
	emit     func(string) error
}

const maxHeldRunes = 16

func newCiter(provided int, emit func(string) error) *citer {
	return &citer{provided: provided, newNum: map[int]int{}, emit: emit}
}

func isOpen(r rune) bool  { return r == '[' || r == '［' || r == '【' }
func isClose(r rune) bool { return r == ']' || r == '］' || r == '】' }

// citeContentRune may appear inside a citation bracket.
func citeContentRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= '０' && r <= '９' || strings.ContainsRune(",，、;； -–~～和及资料来源参考文献第条", r)
}

func (c *citer) Write(s string) error {
	var out strings.Builder
	for _, r := range s {
		c.step(r, &out)
	}
	if out.Len() == 0 {
		return nil
	}
	return c.emit(out.String())
}

func (c *citer) step(r rune, out *strings.Builder) {
	if !c.holding {
		if isOpen(r) {
			c.holding = true
			c.held = append(c.held[:0], r)
			return
		}
		out.WriteRune(r)
		return
	}
	if isClose(r) {
		c.held = append(c.held, r)
		out.WriteString(c.resolve(string(c.held[1:len(c.held)-1]), string(c.held)))
		c.holding = false
		c.held = c.held[:0]
		return
	}
	if isOpen(r) {
		// The held text was not a citation; a new bracket starts.
		out.WriteString(string(c.held))
		c.held = append(c.held[:0], r)
		return
	}
	if !citeContentRune(r) || len(c.held) >= maxHeldRunes {
		out.WriteString(string(c.held))
		out.WriteRune(r)
		c.holding = false
		c.held = c.held[:0]
		return
	}
	c.held = append(c.held, r)
}

// Close releases held text at the end of the stream.
func (c *citer) Close() error {
	if !c.holding {
		return nil
	}
	c.holding = false
	s := string(c.held)
	c.held = c.held[:0]
	return c.emit(s)
}

var citeNumRe = regexp.MustCompile(`\d+`)

var citeShapeRe = regexp.MustCompile(`^(资料|来源|参考|文献)?\s*(第)?\s*\d{1,3}(\s*[,，、;；和及\-–~～]\s*(资料|来源|参考|文献)?\s*\d{1,3})*$`)

// resolve turns the content of one bracket into checked citations; raw is
// returned unchanged when it is not a citation at all.
func (c *citer) resolve(content, raw string) string {
	content = strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, content)
	if !citeShapeRe.MatchString(strings.TrimSpace(content)) {
		return raw
	}
	var nums []int
	locs := citeNumRe.FindAllStringIndex(content, -1)
	for i, l := range locs {
		n, _ := strconv.Atoi(content[l[0]:l[1]])
		nums = append(nums, n)
		// A range 1-3 expands (at most 10 numbers).
		if i+1 < len(locs) {
			sep := strings.TrimSpace(content[l[1]:locs[i+1][0]])
			if sep == "-" || sep == "–" || sep == "~" || sep == "～" {
				m, _ := strconv.Atoi(content[locs[i+1][0]:locs[i+1][1]])
				for k := n + 1; k < m && k-n <= 10; k++ {
					nums = append(nums, k)
				}
			}
		}
	}
	var b strings.Builder
	seen := map[int]bool{}
	for _, n := range nums {
		if n < 1 || n > c.provided {
			c.removed++
			continue
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		num, ok := c.newNum[n]
		if !ok {
			c.cited = append(c.cited, n)
			num = len(c.cited)
			c.newNum[n] = num
		}
		b.WriteString("[" + strconv.Itoa(num) + "]")
	}
	return b.String()
}
