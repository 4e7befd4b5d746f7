package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// docxParagraph is one paragraph of a generated .docx: a style id ("" for
// body text) and its text; "\n" in text becomes a <w:br/>.
type docxParagraph struct{ style, text string }

// buildDOCX writes a minimal but valid .docx with the given paragraphs, an
// optional table, and a title in the document properties.
func buildDOCX(t testing.TB, title string, paras []docxParagraph, table [][]string) []byte {
	t.Helper()
	var body strings.Builder
	for _, p := range paras {
		body.WriteString("<w:p>")
		if p.style != "" {
			fmt.Fprintf(&body, `<w:pPr><w:pStyle w:val="%s"/></w:pPr>`, p.style)
		}
		for i, part := range strings.Split(p.text, "\n") {
			if i > 0 {
				body.WriteString("<w:r><w:br/></w:r>")
			}
			// Split each part over two runs, as Word does.
			r := []rune(part)
			half := len(r) / 2
			fmt.Fprintf(&body, `<w:r><w:t xml:space="preserve">%s</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>%s</w:t></w:r>`, xmlEscape(string(r[:half])), xmlEscape(string(r[half:])))
		}
		body.WriteString("</w:p>")
	}
	if table != nil {
		body.WriteString("<w:tbl>")
		for _, row := range table {
			body.WriteString("<w:tr>")
			for _, c := range row {
				fmt.Fprintf(&body, "<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>", xmlEscape(c))
			}
			body.WriteString("</w:tr>")
		}
		body.WriteString("</w:tbl>")
	}
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `<w:sectPr/></w:body></w:document>`
	styles := `<?xml version="1.0" encoding="UTF-8"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="a"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style>
</w:styles>`
	core := `<?xml version="1.0" encoding="UTF-8"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` + xmlEscape(title) + `</dc:title></cp:coreProperties>`
	return buildZip(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   doc,
		"word/styles.xml":     styles,
		"docProps/core.xml":   core,
	})
}

func buildZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// buildXLSX writes a workbook with one sheet per entry of sheets.
func buildXLSX(t testing.TB, sheets map[string][][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for _, name := range sortedKeys2(sheets) {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys2(m map[string][][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// buildPDF writes a PDF with one page per entry of pages, each line drawn
// with its own text position. With cjk the text is shown through a Type0
// font whose ToUnicode CMap maps two-byte codes to the characters, as PDF
// writers do for Chinese; with no lines at all the page only draws a
// rectangle (like a scan without a text layer). A line starting with "^" is
// centred, one starting with two spaces indented like a new paragraph.
func buildPDF(t testing.TB, pages [][]string, cjk bool) []byte {
	t.Helper()
	// Collect the characters for the CMap.
	codes := map[rune]int{}
	var order []rune
	for _, p := range pages {
		for _, l := range p {
			for _, r := range strings.TrimLeft(l, "^ ") {
				if _, ok := codes[r]; !ok {
					codes[r] = len(order) + 1
					order = append(order, r)
				}
			}
		}
	}
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("") // filled later
	pagesObj := add("")
	var fontObj int
	if cjk {
		var cmap strings.Builder
		cmap.WriteString("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Test def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n")
		fmt.Fprintf(&cmap, "%d beginbfchar\n", len(order))
		for _, r := range order {
			u := utf16.Encode([]rune{r})
			hex := ""
			for _, x := range u {
				hex += fmt.Sprintf("%04X", x)
			}
			fmt.Fprintf(&cmap, "<%04X> <%s>\n", codes[r], hex)
		}
		cmap.WriteString("endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
		toUni := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", cmap.Len(), cmap.String()))
		desc := add("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 >>")
		fontObj = add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", desc, toUni))
	} else {
		fontObj = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	}
	var kids []string
	for _, p := range pages {
		var content strings.Builder
		if len(p) == 0 {
			content.WriteString("0.5 g 72 72 400 600 re f\n")
		}
		for i, l := range p {
			y := 760 - 20*i
			x := 72
			switch {
			case strings.HasPrefix(l, "^"):
				l, x = l[1:], 150
			case strings.HasPrefix(l, "  "):
				l, x = l[2:], 96
			}
			if cjk {
				hex := ""
				for _, r := range l {
					hex += fmt.Sprintf("%04X", codes[r])
				}
				fmt.Fprintf(&content, "BT /F1 12 Tf %d %d Td <%s> Tj ET\n", x, y, hex)
			} else {
				fmt.Fprintf(&content, "BT /F1 12 Tf %d %d Td (%s) Tj ET\n", x, y, l)
			}
		}
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
		pg := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, fontObj, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	return rawPDF(objs...)
}
