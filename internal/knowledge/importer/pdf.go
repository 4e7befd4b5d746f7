package importer

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"github.com/govchat/govchat/internal/kb"
)

// ErrNoTextLayer is returned for a PDF whose pages carry no text (a scan).
var ErrNoTextLayer = errors.New("the PDF has no text layer (a scanned image?); run OCR on it first or import the original Word file")

// pdfTimeout bounds the text extraction of one PDF.
const pdfTimeout = 60 * time.Second

// ParsePDF extracts the text layer of a PDF into a document. Lines are
// rebuilt from the glyph positions and joined into paragraphs where a line
// runs to the right margin.
func ParsePDF(data []byte) (*kb.Document, error) {
	if i := bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-")); i < 0 {
		return nil, refuse("not a PDF file (no %%PDF- header)")
	}
	type result struct {
		lines []string
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		lines, err := pdfLines(data)
		ch <- result{lines, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-time.After(pdfTimeout):
		return nil, fmt.Errorf("pdf: text extraction took longer than %s (damaged file?)", pdfTimeout)
	}
	if r.err != nil {
		return nil, r.err
	}
	n := 0
	for _, l := range r.lines {
		n += utf8.RuneCountInString(squash(l))
	}
	if n < 10 {
		return nil, ErrNoTextLayer
	}
	d := &kb.Document{Type: kb.TypePolicy}
	body := analyse(d, r.lines)
	d.Body = linesToMarkdown(body)
	return d, nil
}

func pdfLines(data []byte) (lines []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			lines, err = nil, fmt.Errorf("pdf: damaged or unsupported file (%v)", p)
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	pages := rd.NumPage()
	if pages <= 0 || pages > 100_000 {
		return nil, fmt.Errorf("pdf: no pages")
	}
	for i := 1; i <= pages; i++ {
		p := rd.Page(i)
		if p.V.IsNull() {
			continue
		}
		lines = append(lines, pageLines(p.Content().Text)...)
	}
	return reflow(lines), nil
}

// pageLines groups glyphs into lines by their baseline and orders them left
// to right.
func pageLines(texts []pdf.Text) []string {
	if len(texts) == 0 {
		return nil
	}
	type row struct {
		y     float64
		size  float64
		glyph []pdf.Text
	}
	var rows []*row
	for _, t := range texts {
		if t.S == "" {
			continue
		}
		tol := math.Max(t.FontSize*0.4, 1)
		var r *row
		for _, c := range rows {
			if math.Abs(c.y-t.Y) <= tol {
				r = c
				break
			}
		}
		if r == nil {
			r = &row{y: t.Y, size: t.FontSize}
			rows = append(rows, r)
		}
		r.glyph = append(r.glyph, t)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].y > rows[j].y })
	var out []string
	for _, r := range rows {
		sort.SliceStable(r.glyph, func(i, j int) bool { return r.glyph[i].X < r.glyph[j].X })
		var b strings.Builder
		var end float64
		for i, g := range r.glyph {
			// A gap wider than a character is a space.
			if i > 0 && g.X-end > math.Max(g.FontSize, 1)*0.8 {
				b.WriteString(" ")
			}
			b.WriteString(g.S)
			end = g.X + g.W
		}
		if l := cleanLine(b.String()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// reflow joins lines that were wrapped by the page width back into
// paragraphs: a line continues the previous one when the previous one is
// about as long as the longest lines and does not end a sentence, and the
// line itself does not start a numbered heading.
func reflow(lines []string) []string {
	if len(lines) == 0 {
		return nil
	}
	lens := make([]int, len(lines))
	for i, l := range lines {
		lens[i] = utf8.RuneCountInString(l)
	}
	sorted := append([]int(nil), lens...)
	sort.Ints(sorted)
	full := sorted[len(sorted)*9/10]
	var out []string
	for i, l := range lines {
		if i > 0 && len(out) > 0 {
			prev := out[len(out)-1]
			if lens[i-1] >= full*85/100 && full >= 15 && !endsSentence(prev) && !startsHeading(l) {
				out[len(out)-1] = prev + l
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

func endsSentence(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("。！？；：!?;:", r)
}

func startsHeading(s string) bool {
	for _, p := range []string{"第", "一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、", "十", "（", "("} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	rest := strings.TrimLeft(s, "0123456789")
	return strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "、") || strings.HasPrefix(rest, "．")
}
