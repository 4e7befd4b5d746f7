package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/worker"
)

// ErrNoTextLayer is returned for a PDF whose pages carry no text (a scan).
var ErrNoTextLayer = errors.New("the PDF has no text layer (a scanned image?); run OCR on it first or import the original Word file")

// DefaultPDFTimeout bounds the text extraction of one PDF.
const DefaultPDFTimeout = 60 * time.Second

// pdfWorker is the worker that extracts a PDF's text in a child process.
const pdfWorker = "pdf-text"

func init() {
	worker.Register(pdfWorker, func(in io.Reader, out io.Writer) error {
		data, err := io.ReadAll(in)
		if err != nil {
			return err
		}
		lines, err := pdfLines(data)
		if err != nil {
			return err
		}
		return json.NewEncoder(out).Encode(lines)
	})
}

// ParsePDF extracts the text layer of a PDF into a document, within
// DefaultPDFTimeout. Lines are rebuilt from the glyph positions and joined
// into paragraphs where a line runs to the right margin.
//
// The extraction runs in a child process (package worker): a hostile PDF —
// a page tree that contains itself, a parser that never returns — is
// refused at the deadline, and the child killed then leaves nothing
// running. The program must call worker.Main.
func ParsePDF(data []byte) (*kb.Document, error) { return parsePDF(data, DefaultPDFTimeout) }

func parsePDF(data []byte, timeout time.Duration) (*kb.Document, error) {
	if i := bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-")); i < 0 {
		return nil, refuse("not a PDF file (no %%PDF- header)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := worker.Run(ctx, pdfWorker, data, worker.Limits{})
	var de *worker.DeadlineError
	switch {
	case errors.As(err, &de):
		return nil, refuse("PDF text extraction did not finish within %s (a damaged or hostile file?); stopped", timeout)
	case errors.Is(err, worker.ErrUnavailable):
		return nil, fmt.Errorf("pdf: %w", err)
	case err != nil:
		return nil, refuse("%v", err)
	}
	var lines []string
	if err := json.Unmarshal(out, &lines); err != nil {
		return nil, fmt.Errorf("pdf: reading the extracted text: %w", err)
	}
	n := 0
	for _, l := range lines {
		n += utf8.RuneCountInString(squash(l))
	}
	if n == 0 {
		return nil, ErrNoTextLayer
	}
	d := &kb.Document{Type: kb.TypePolicy}
	body := analyse(d, lines)
	d.Body = linesToMarkdown(body)
	return d, nil
}

// Bounds of a PDF's page tree: deeper or larger trees are refused (a tree
// whose /Kids contain the node itself would otherwise be walked forever).
const (
	maxPageTreeDepth = 64
	maxPageTreeNodes = 200_000
	maxPages         = 100_000
)

// pdfLines extracts the text of every page as lines. It runs in the PDF
// worker's child process.
func pdfLines(data []byte) (lines []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			lines, err = nil, fmt.Errorf("pdf: damaged or unsupported file (%v)", p)
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("pdf: damaged or unsupported file (%w)", err)
	}
	pages, err := pdfPages(rd)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		lines = append(lines, reflow(pageLines(pageText(p)))...)
	}
	return lines, nil
}

// pdfPages walks the page tree itself (the library's Page(i) loops forever
// on a tree that contains itself), bounded in depth and size, and checks
// that each page's chain of /Parent links (which inherited resources are
// looked up along) ends.
func pdfPages(rd *pdf.Reader) ([]pdf.Page, error) {
	var pages []pdf.Page
	nodes := 0
	var walk func(v pdf.Value, depth int) error
	walk = func(v pdf.Value, depth int) error {
		nodes++
		switch {
		case depth > maxPageTreeDepth:
			return fmt.Errorf("pdf: the page tree is deeper than %d levels (it contains itself?)", maxPageTreeDepth)
		case nodes > maxPageTreeNodes:
			return fmt.Errorf("pdf: the page tree has more than %d nodes (it contains itself?)", maxPageTreeNodes)
		}
		switch v.Key("Type").Name() {
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), depth+1); err != nil {
					return err
				}
			}
		case "Page":
			if len(pages) >= maxPages {
				return fmt.Errorf("pdf: more than %d pages", maxPages)
			}
			p := v
			for range maxPageTreeDepth + 1 {
				p = p.Key("Parent")
			}
			if !p.IsNull() {
				return errors.New("pdf: a page's /Parent links go round in a circle")
			}
			pages = append(pages, pdf.Page{V: v})
		}
		return nil
	}
	if err := walk(rd.Trailer().Key("Root").Key("Pages"), 0); err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, errors.New("pdf: no pages")
	}
	return pages, nil
}

// pdfLine is one line of a page with its horizontal extent.
type pdfLine struct {
	text       string
	start, end float64
	size       float64
}

// pageLines groups glyphs into lines by their baseline and orders them left
// to right.
func pageLines(texts []pdf.Text) []pdfLine {
	type row struct {
		y     float64
		glyph []pdf.Text
	}
	var rows []*row
	for _, t := range texts {
		if t.S == "" {
			continue
		}
		tol := math.Max(t.FontSize*0.4, 1)
		var r *row
		for j := len(rows) - 1; j >= 0 && j >= len(rows)-8; j-- {
			if math.Abs(rows[j].y-t.Y) <= tol {
				r = rows[j]
				break
			}
		}
		if r == nil {
			r = &row{y: t.Y}
			rows = append(rows, r)
		}
		r.glyph = append(r.glyph, t)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].y > rows[j].y })
	var out []pdfLine
	for _, r := range rows {
		sort.SliceStable(r.glyph, func(i, j int) bool { return r.glyph[i].X < r.glyph[j].X })
		var b strings.Builder
		var end, size float64
		// Fonts without usable widths (CID fonts, the standard 14 fonts
		// without a Widths array) put every glyph of a string at the same
		// X: estimate the advance from the font size instead.
		advance := map[float64]float64{}
		for i, g := range r.glyph {
			w := g.W
			if w <= 0 {
				est := 0.0
				for _, c := range g.S {
					if isWide(c) {
						est += g.FontSize
					} else {
						est += g.FontSize * 0.55
					}
				}
				advance[g.X] += est
				w = advance[g.X]
			}
			// A gap wider than a character is a space.
			if i > 0 && g.X-end > math.Max(g.FontSize, 1)*0.8 {
				b.WriteString(" ")
			}
			b.WriteString(g.S)
			end = math.Max(end, g.X+w)
			size = math.Max(size, g.FontSize)
		}
		l := cleanLine(b.String())
		if l == "" || pageNumberRe.MatchString(l) {
			continue
		}
		out = append(out, pdfLine{text: l, start: r.glyph[0].X, end: end, size: size})
	}
	return out
}

// pageNumberRe matches page numbers printed in headers and footers.
var pageNumberRe = regexp.MustCompile(`^(?:[-—－–]\s*\d{1,4}\s*[-—－–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})$`)

// reflow joins the lines of one page that were wrapped by the page width
// back into paragraphs: a line continues the previous one when the previous
// one reaches the right margin (most body lines end there) and does not end
// a sentence or a title, and the line itself starts at the left margin (new
// paragraphs are indented) and does not start a numbered heading. Pages with
// fewer than four lines are left as they are.
func reflow(lines []pdfLine) []string {
	var out []string
	if len(lines) == 0 {
		return nil
	}
	ends := make([]float64, len(lines))
	for i, l := range lines {
		ends[i] = l.end
	}
	sort.Float64s(ends)
	margin := ends[len(ends)*3/4]
	left := lines[0].start
	for _, l := range lines {
		left = math.Min(left, l.start)
	}
	joinable := len(lines) >= 4
	for i, l := range lines {
		if i > 0 && joinable {
			prev := lines[i-1]
			if prev.end >= margin-math.Max(prev.size, 1)*1.5 && l.start <= left+math.Max(l.size, 1)*0.5 &&
				!endsSentence(prev.text) && !titleEndRe.MatchString(prev.text) && !startsHeading(l.text) && utf8.RuneCountInString(prev.text) >= 15 {
				out[len(out)-1] += l.text
				continue
			}
		}
		out = append(out, l.text)
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
