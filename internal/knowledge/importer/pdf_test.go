package importer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/worker/workertest"
)

// rawPDF writes objects 1…n (their bodies, in order) with a correct
// cross-reference table; object 1 is the catalog.
func rawPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

const pdfText = "BT /F1 12 Tf 72 720 Td (Notice on open government) Tj ET"

// Hostile page trees: /Kids holding the node itself (the 562-byte
// file), a loop two levels deep, a page whose /Parent is itself, and a
// tree that branches into itself many times.
var hostilePDFs = map[string][]byte{
	"kids hold the pages node": rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 5 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(pdfText), pdfText)),
	"two-level loop": rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 3 >>",
		"<< /Type /Pages /Kids [2 0 R] /Count 3 >>"),
	"page is its own parent": rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(pdfText), pdfText)),
	"branching loop": rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 2 0 R 2 0 R 2 0 R] /Count 4 >>"),
}

// A hostile PDF is refused at once (within 5 s, the deadline given), for
// what it is rather than at the deadline, and leaves no goroutine and no
// process behind.
func TestHostilePDFRefused(t *testing.T) {
	for name, data := range hostilePDFs {
		t.Run(name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			start := time.Now()
			_, err := parsePDF(data, 5*time.Second)
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "pdf:") {
				t.Fatalf("refused with %v, want the page tree named", err)
			}
			t.Logf("refused after %s: %v", time.Since(start).Round(time.Millisecond), err)
			workertest.NothingLeft(t, before)
		})
	}
}

// At the deadline the extraction is stopped: the child is killed and the
// file refused with a message that says so.
func TestPDFDeadline(t *testing.T) {
	before := runtime.NumGoroutine()
	_, err := parsePDF(hostilePDFs["kids hold the pages node"], time.Nanosecond)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "did not finish within") {
		t.Fatalf("err = %v", err)
	}
	workertest.NothingLeft(t, before)
}

// A tiny valid PDF — one word, printed by Chromium — is imported, not
// taken for a scan; Chromium's CJK text (Type3 fonts whose /Encoding names
// made-up glyphs, with a /ToUnicode map) is read through the map.
func TestTinyPDFImported(t *testing.T) {
	data, err := os.ReadFile("testdata/tiny-chromium.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParsePDF(data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Title+d.Body, "通知") {
		t.Errorf("doc = %+v", d)
	}
	// Radicals the fonts map their glyphs back to (⼯, ⺠) are read as the
	// characters (工, 民).
	data, err = os.ReadFile("testdata/notice-chromium.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if d, err = ParsePDF(data); err != nil || d.Title != "关于做好政务公开工作的通知" || d.Body != "各区县人民政府，市政府各部门：为进一步做好政务公开工作，现就有关事项通知如下。" {
		t.Errorf("notice = %q %q, %v", d.Title, d.Body, err)
	}
	d, err = ParsePDF(rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Length 36 >>\nstream\nBT /F1 12 Tf 72 720 Td (Hello) Tj ET\nendstream"))
	if err != nil || !strings.Contains(d.Title+d.Body, "Hello") {
		t.Errorf("one-word PDF = %+v, %v", d, err)
	}
}

// FuzzParsePDF: no PDF makes the import panic, hang or return nothing
// without an error. The extraction runs in its child process as in use, so
// a file the parser would loop on is stopped at the (short) deadline.
func FuzzParsePDF(f *testing.F) {
	for _, data := range hostilePDFs {
		f.Add(data)
	}
	tiny, _ := os.ReadFile("testdata/tiny-chromium.pdf")
	f.Add(tiny)
	f.Add(buildPDF(f, [][]string{{"^关于印发政务公开工作要点的通知", "各单位："}, {"第二页"}}, true))
	f.Add(buildPDF(f, [][]string{{"Notice", "The text layer is read."}}, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parsePDF(data, 5*time.Second)
		if err == nil && d == nil {
			t.Fatal("nil document without error")
		}
	})
}

// An Office file with a DTD (XXE, billion laughs) is refused as what it
// is, not as a document without text.
func TestEntityAttackRefused(t *testing.T) {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<w:document><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>`
	xxe := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><w:document><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>`
	for name, doc := range map[string]string{"billion laughs": laughs, "XXE": xxe} {
		_, err := ParseDOCX(buildZip(t, map[string]string{"word/document.xml": doc}), Limits{})
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "XML entity attack") {
			t.Errorf("%s: %v", name, err)
		}
		_, err = FAQFromXLSX(buildZip(t, map[string]string{"xl/workbook.xml": `<workbook/>`, "xl/sharedStrings.xml": doc, "xl/worksheets/sheet1.xml": doc}), Limits{})
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "XML entity attack") {
			t.Errorf("%s in .xlsx: %v", name, err)
		}
	}
}
