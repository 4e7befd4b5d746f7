package importer

// The text-showing part of a PDF page's content stream, interpreted here
// rather than by the pdf library's Page.Content, which decodes a font by its
// /Encoding before its /ToUnicode map: the text of a font that has both
// (Chromium's "Save as PDF" writes its CJK glyphs so, in Type3 fonts with
// made-up glyph names) came out as Latin-1 noise. PDF 32000-1 §9.10.2 puts
// /ToUnicode first. The graphics-state arithmetic follows the library's
// Content (github.com/ledongthuc/pdf, BSD licence, from rsc.io/pdf).

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/unicode/norm"
)

// maxPageGlyphs bounds the glyphs read from one page.
const maxPageGlyphs = 1 << 20

type pdfMatrix [3][3]float64

var identity = pdfMatrix{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

func (x pdfMatrix) mul(y pdfMatrix) pdfMatrix {
	var z pdfMatrix
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				z[i][j] += x[i][k] * y[k][j]
			}
		}
	}
	return z
}

type textState struct {
	Tc, Tw, Th, Tl, Tfs, Trise float64
	Tm, Tlm, CTM               pdfMatrix
	font                       *pdfFont
}

// pageText returns the glyphs a page shows, in content order.
func pageText(p pdf.Page) []pdf.Text {
	contents := p.V.Key("Contents")
	if contents.Kind() != pdf.Stream && contents.Kind() != pdf.Array {
		return nil
	}
	fonts := map[string]*pdfFont{}
	g := textState{Th: 1, CTM: identity, Tm: identity, Tlm: identity, font: &pdfFont{}}
	var stack []textState
	var out []pdf.Text
	show := func(raw string) {
		for _, gl := range g.font.decode(raw) {
			if len(out) >= maxPageGlyphs {
				return
			}
			trm := pdfMatrix{{g.Tfs * g.Th, 0, 0}, {0, g.Tfs, 0}, {0, g.Trise, 1}}.mul(g.Tm).mul(g.CTM)
			adv := g.font.advance(gl.code)
			if gl.text != "" {
				gl.text = foldRadicals(gl.text)
				out = append(out, pdf.Text{Font: g.font.name, FontSize: trm[0][0], X: trm[2][0], Y: trm[2][1], W: adv * trm[0][0], S: gl.text})
			}
			tx := adv*g.Tfs + g.Tc
			if gl.code == ' ' && gl.size == 1 {
				tx += g.Tw
			}
			g.Tm = pdfMatrix{{1, 0, 0}, {0, 1, 0}, {tx * g.Th, 0, 1}}.mul(g.Tm)
		}
	}
	nextLine := func() {
		g.Tlm = pdfMatrix{{1, 0, 0}, {0, 1, 0}, {0, -g.Tl, 1}}.mul(g.Tlm)
		g.Tm = g.Tlm
	}
	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		num := func(i int) float64 { return args[i].Float64() }
		matrix6 := func() pdfMatrix {
			var m pdfMatrix
			for i := 0; i < 6; i++ {
				m[i/2][i%2] = num(i)
			}
			m[2][2] = 1
			return m
		}
		switch {
		case op == "q":
			if len(stack) < 1024 {
				stack = append(stack, g)
			}
		case op == "Q":
			if len(stack) > 0 {
				g = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case op == "cm" && n == 6:
			g.CTM = matrix6().mul(g.CTM)
		case op == "BT":
			g.Tm, g.Tlm = identity, identity
		case op == "Tm" && n == 6:
			g.Tm = matrix6()
			g.Tlm = g.Tm
		case (op == "Td" || op == "TD") && n == 2:
			if op == "TD" {
				g.Tl = -num(1)
			}
			g.Tlm = pdfMatrix{{1, 0, 0}, {0, 1, 0}, {num(0), num(1), 1}}.mul(g.Tlm)
			g.Tm = g.Tlm
		case op == "T*":
			nextLine()
		case op == "TL" && n == 1:
			g.Tl = num(0)
		case op == "Tc" && n == 1:
			g.Tc = num(0)
		case op == "Tw" && n == 1:
			g.Tw = num(0)
		case op == "Tz" && n == 1:
			g.Th = num(0) / 100
		case op == "Ts" && n == 1:
			g.Trise = num(0)
		case op == "Tf" && n == 2:
			name := args[0].Name()
			f := fonts[name]
			if f == nil {
				f = loadFont(p.Resources().Key("Font").Key(name))
				fonts[name] = f
			}
			g.font, g.Tfs = f, num(1)
		case op == "Tj" && n == 1:
			show(args[0].RawString())
		case op == "'" && n == 1:
			nextLine()
			show(args[0].RawString())
		case op == "\"" && n == 3:
			g.Tw, g.Tc = num(0), num(1)
			nextLine()
			show(args[2].RawString())
		case op == "TJ" && n == 1:
			v := args[0]
			for i := 0; i < v.Len(); i++ {
				x := v.Index(i)
				if x.Kind() == pdf.String {
					show(x.RawString())
				} else {
					tx := -x.Float64() / 1000 * g.Tfs * g.Th
					g.Tm = pdfMatrix{{1, 0, 0}, {0, 1, 0}, {tx, 0, 1}}.mul(g.Tm)
				}
			}
		}
	})
	return out
}

// pdfFont decodes a font's character codes and knows their advances.
type pdfFont struct {
	name    string
	cmap    *toUnicode       // nil: no usable /ToUnicode
	enc     pdf.TextEncoding // the library's decoding of single-byte codes, without cmap
	twoByte bool             // a composite (Type0) font without codespace ranges: 2-byte codes
	scale   float64          // glyph space to text space (1/1000, or a Type3 font's matrix)
	first   int
	widths  []float64       // simple fonts, from FirstChar
	cidW    map[int]float64 // composite fonts: /W
	dw      float64         // composite fonts: /DW
}

type glyph struct {
	code, size int
	text       string
}

func loadFont(v pdf.Value) *pdfFont {
	f := &pdfFont{scale: 0.001, dw: 1000}
	if v.Kind() != pdf.Dict {
		return f
	}
	f.name = v.Key("BaseFont").Name()
	if i := strings.IndexByte(f.name, '+'); i >= 0 {
		f.name = f.name[i+1:]
	}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		f.cmap = parseToUnicode(tu.Reader())
	}
	switch v.Key("Subtype").Name() {
	case "Type0":
		f.twoByte = true
		desc := v.Key("DescendantFonts").Index(0)
		if dw := desc.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.dw = dw.Float64()
		}
		f.cidW = cidWidths(desc.Key("W"))
	case "Type3":
		if m := v.Key("FontMatrix"); m.Len() == 6 {
			f.scale = m.Index(0).Float64()
		}
		fallthrough
	default:
		f.first = int(v.Key("FirstChar").Int64())
		w := v.Key("Widths")
		for i := 0; i < w.Len() && i < 65536; i++ {
			f.widths = append(f.widths, w.Index(i).Float64())
		}
	}
	if f.cmap == nil {
		f.enc = (&pdf.Font{V: v}).Encoder()
	}
	return f
}

// cidWidths reads a composite font's /W array: c [w1 w2 …] or cfirst clast w.
func cidWidths(w pdf.Value) map[int]float64 {
	out := map[int]float64{}
	for i := 0; i < w.Len() && len(out) < 65536; {
		c := int(w.Index(i).Int64())
		if i+1 < w.Len() && w.Index(i+1).Kind() == pdf.Array {
			ws := w.Index(i + 1)
			for j := 0; j < ws.Len() && len(out) < 65536; j++ {
				out[c+j] = ws.Index(j).Float64()
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			break
		}
		last, width := int(w.Index(i+1).Int64()), w.Index(i+2).Float64()
		for k := c; k <= last && k-c < 65536 && len(out) < 65536; k++ {
			out[k] = width
		}
		i += 3
	}
	return out
}

// advance is the width of a code in text space (before the font size).
func (f *pdfFont) advance(code int) float64 {
	if f.twoByte {
		if w, ok := f.cidW[code]; ok {
			return w * f.scale
		}
		return f.dw * f.scale
	}
	if i := code - f.first; i >= 0 && i < len(f.widths) {
		return f.widths[i] * f.scale
	}
	return 0
}

// decode splits raw into character codes and their text.
func (f *pdfFont) decode(raw string) []glyph {
	var out []glyph
	for i := 0; i < len(raw); {
		size := 1
		if f.cmap != nil {
			size = f.cmap.codeSize(raw[i:], f.twoByte)
		} else if f.twoByte && i+1 < len(raw) {
			size = 2
		}
		code := 0
		for _, b := range []byte(raw[i : i+size]) {
			code = code<<8 | int(b)
		}
		var text string
		switch {
		case f.cmap != nil:
			text = f.cmap.lookup(raw[i : i+size])
		case f.enc != nil:
			text = f.enc.Decode(raw[i : i+size])
		}
		out = append(out, glyph{code: code, size: size, text: text})
		i += size
	}
	return out
}

// toUnicode is a /ToUnicode CMap: codespace ranges, and code → text.
type toUnicode struct {
	spaces [4][][2]string // by code length: lo, hi
	chars  map[string]string
	ranges []cmapRange
}

type cmapRange struct {
	lo, hi string
	dst    string   // the first code's text (the next codes increment its last character)
	list   []string // or one text per code
}

// codeSize is the length of the code at the start of s.
func (m *toUnicode) codeSize(s string, twoByte bool) int {
	for n := 1; n <= 4 && n <= len(s); n++ {
		for _, r := range m.spaces[n-1] {
			if s[:n] >= r[0] && s[:n] <= r[1] {
				return n
			}
		}
	}
	if twoByte && len(s) >= 2 {
		return 2
	}
	return 1
}

func (m *toUnicode) lookup(code string) string {
	if t, ok := m.chars[code]; ok {
		return t
	}
	for _, r := range m.ranges {
		if len(code) != len(r.lo) || code < r.lo || code > r.hi {
			continue
		}
		off := 0
		for i := 0; i < len(code); i++ {
			off = off<<8 | int(code[i]-r.lo[i])
		}
		if r.list != nil {
			if off < len(r.list) {
				return r.list[off]
			}
			return ""
		}
		rs := []rune(r.dst)
		if len(rs) == 0 {
			return ""
		}
		rs[len(rs)-1] += rune(off)
		return string(rs)
	}
	return ""
}

// parseToUnicode reads a CMap's codespace ranges, bfchar and bfrange
// sections (PDF 32000-1 §9.10.3); nil when it holds no mapping.
func parseToUnicode(r io.Reader) *toUnicode {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil && len(data) == 0 {
		return nil
	}
	m := &toUnicode{chars: map[string]string{}}
	toks := cmapTokens(data)
	for i := 0; i < len(toks); i++ {
		switch toks[i].word {
		case "begincodespacerange":
			for i++; i+1 < len(toks) && toks[i].word != "endcodespacerange"; i += 2 {
				lo, hi := toks[i].hex, toks[i+1].hex
				if n := len(lo); n >= 1 && n <= 4 && len(hi) == n {
					m.spaces[n-1] = append(m.spaces[n-1], [2]string{lo, hi})
				}
			}
		case "beginbfchar":
			for i++; i+1 < len(toks) && toks[i].word != "endbfchar"; i += 2 {
				if len(m.chars) < 1<<17 {
					m.chars[toks[i].hex] = utf16Text(toks[i+1].hex)
				}
			}
		case "beginbfrange":
			for i++; i+2 < len(toks) && toks[i].word != "endbfrange"; i += 3 {
				r := cmapRange{lo: toks[i].hex, hi: toks[i+1].hex}
				if dst := toks[i+2]; dst.list != nil {
					for _, h := range dst.list {
						r.list = append(r.list, utf16Text(h))
					}
				} else {
					r.dst = utf16Text(dst.hex)
				}
				if len(r.lo) == len(r.hi) && len(r.lo) > 0 && len(m.ranges) < 1<<16 {
					m.ranges = append(m.ranges, r)
				}
			}
		}
	}
	if len(m.chars) == 0 && len(m.ranges) == 0 {
		return nil
	}
	return m
}

// cmapToken is a hex string (its bytes), an array of hex strings, or a
// word (operator, name or number).
type cmapToken struct {
	hex  string
	list []string
	word string
}

func cmapTokens(data []byte) []cmapToken {
	var out []cmapToken
	var list []string
	inList := false
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '%':
			for i < len(data) && data[i] != '\n' && data[i] != '\r' {
				i++
			}
		case c == '<' && i+1 < len(data) && data[i+1] == '<', c == '>' && i+1 < len(data) && data[i+1] == '>':
			i += 2
		case c == '<':
			end := bytes.IndexByte(data[i:], '>')
			if end < 0 {
				return out
			}
			h := hexBytes(data[i+1 : i+end])
			i += end + 1
			if inList {
				list = append(list, h)
			} else {
				out = append(out, cmapToken{hex: h})
			}
		case c == '[':
			inList, list = true, nil
			i++
		case c == ']':
			if inList {
				out = append(out, cmapToken{list: append([]string{}, list...)})
			}
			inList = false
			i++
		case c == '(':
			// A literal string: skipped (ToUnicode maps use hex strings).
			depth := 0
			for ; i < len(data); i++ {
				if data[i] == '\\' {
					i++
				} else if data[i] == '(' {
					depth++
				} else if data[i] == ')' {
					if depth--; depth == 0 {
						i++
						break
					}
				}
			}
		case c <= ' ' || c == '>' || c == '{' || c == '}':
			i++
		default:
			j := i + 1
			for j < len(data) && data[j] > ' ' && !strings.ContainsRune("<>[]()/%{}", rune(data[j])) {
				j++
			}
			if !inList {
				out = append(out, cmapToken{word: string(data[i:j])})
			}
			i = j
		}
		if len(out) > 1<<20 {
			return out
		}
	}
	return out
}

// foldRadicals maps Kangxi radicals (⼯ U+2F2F) to the ideographs they
// stand for (工): a font that draws both with one glyph may map the glyph
// back to the radical (Chromium's PDFs with Noto CJK do), and 政务公开⼯作
// would then never match 工作.
func foldRadicals(s string) string {
	if !strings.ContainsFunc(s, isRadical) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if c, ok := radicalSupplement[r]; ok {
			b.WriteRune(c)
		} else if isRadical(r) {
			b.WriteString(norm.NFKC.String(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isRadical(r rune) bool { return r >= 0x2E80 && r <= 0x2FDF }

// radicalSupplement maps the CJK Radicals Supplement forms that are whole
// simplified characters (NFKC leaves them alone) to those characters.
var radicalSupplement = map[rune]rune{
	'⺟': '母', '⺠': '民', '⻄': '西', '⻅': '见', '⻆': '角', '⻉': '贝', '⻋': '车', '⻓': '长', '⻔': '门',
	'⻘': '青', '⻙': '韦', '⻚': '页', '⻛': '风', '⻜': '飞', '⻝': '食', '⻢': '马', '⻥': '鱼', '⻦': '鸟',
	'⻨': '麦', '⻩': '黄', '⻬': '齐', '⻮': '齿', '⻰': '龙', '⻳': '龟',
}

// hexBytes decodes a hex string's digits (white space ignored; an odd
// last digit is followed by 0).
func hexBytes(h []byte) string {
	var b []byte
	var hi byte
	odd := false
	for _, c := range h {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue
		}
		if odd {
			b = append(b, hi<<4|v)
		} else {
			hi = v
		}
		odd = !odd
	}
	if odd {
		b = append(b, hi<<4)
	}
	return string(b)
}

// utf16Text decodes a CMap destination: UTF-16BE.
func utf16Text(s string) string {
	if len(s)%2 == 1 {
		s += "\x00"
	}
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	t := string(utf16.Decode(u))
	if !utf8.ValidString(t) {
		return ""
	}
	return strings.ReplaceAll(t, "\x00", "")
}
