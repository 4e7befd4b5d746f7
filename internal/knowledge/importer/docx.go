package importer

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/govchat/govchat/internal/kb"
)

// ParseDOCX extracts a document from a Word .docx file with the standard
// library only: paragraphs, headings (from the paragraph styles), tables as
// "cell | cell" rows, and the title from the document properties or the
// first lines. Limits guard against zip bombs.
func ParseDOCX(data []byte, l Limits) (*kb.Document, error) {
	l = l.withDefaults()
	zr, err := openZip(data, l)
	if err != nil {
		return nil, err
	}
	main := findMember(zr, "word/document.xml")
	if main == nil {
		return nil, refuse("not a Word document (no word/document.xml)")
	}
	levels := map[string]int{} // style id -> heading level (0: title)
	if f := findMember(zr, "word/styles.xml"); f != nil {
		if raw, err := readMember(f, l.MaxUnzipped); err == nil {
			levels = styleLevels(raw)
		} else if errors.Is(err, ErrRefused) {
			return nil, err
		}
	}
	raw, err := readMember(main, l.MaxUnzipped)
	if err != nil {
		return nil, err
	}
	lines, title, err := docxLines(raw, levels)
	if err != nil {
		return nil, fmt.Errorf("docx: %w", err)
	}
	d := &kb.Document{Type: kb.TypePolicy, Title: title}
	if d.Title == "" {
		if f := findMember(zr, "docProps/core.xml"); f != nil {
			if raw, err := readMember(f, 1<<20); err == nil {
				d.Title = coreTitle(raw)
			}
		}
	}
	lines = dropTitleLines(lines, d.Title)
	body := analyse(d, lines)
	d.Body = linesToMarkdown(body)
	if d.Body == "" && d.Title == "" {
		return nil, errors.New("docx: the document has no text")
	}
	return d, nil
}

func newXMLDecoder(raw []byte) *xml.Decoder {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil }
	return dec
}

func attrVal(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// styleLevels maps paragraph style ids to heading levels from styles.xml:
// "heading N"/"标题 N" names or an outline level; 0 marks the Title style.
func styleLevels(raw []byte) map[string]int {
	out := map[string]int{}
	dec := newXMLDecoder(raw)
	var id string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "style":
			id = ""
			if attrVal(se, "type") == "paragraph" {
				id = attrVal(se, "styleId")
			}
		case "name":
			if id == "" {
				continue
			}
			name := strings.ToLower(strings.TrimSpace(attrVal(se, "val")))
			if name == "title" || name == "标题" {
				out[id] = 0
				continue
			}
			for _, p := range []string{"heading ", "标题 ", "heading", "标题"} {
				if n, err := strconv.Atoi(strings.TrimPrefix(name, p)); strings.HasPrefix(name, p) && err == nil && n >= 1 && n <= 9 {
					out[id] = min(n, 6)
				}
			}
		case "outlineLvl":
			if id == "" {
				continue
			}
			if _, set := out[id]; !set {
				if n, err := strconv.Atoi(attrVal(se, "val")); err == nil && n >= 0 && n < 9 {
					out[id] = min(n+1, 6)
				}
			}
		}
	}
}

// builtinLevel recognises the default style ids of Word and WPS when
// styles.xml does not name them (Heading1, Title, 1 …).
func builtinLevel(id string) (int, bool) {
	l := strings.ToLower(id)
	if l == "title" {
		return 0, true
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(l, "heading")); strings.HasPrefix(l, "heading") && err == nil && n >= 1 && n <= 9 {
		return min(n, 6), true
	}
	return 0, false
}

// docxLines renders document.xml as lines: headings as Markdown headings,
// table rows as "cell | cell". It returns the text of a Title paragraph too.
func docxLines(raw []byte, levels map[string]int) ([]string, string, error) {
	dec := newXMLDecoder(raw)
	var (
		lines     []string
		title     string
		para      strings.Builder
		style     string
		outline   = -1
		inPara    bool
		tblDepth  int
		row       []string
		cell      []string
		inText    bool
		sawBody   bool
		tokens    int
		paraLines []string
	)
	endPara := func() {
		paraLines = append(paraLines, para.String())
		para.Reset()
		text := cleanLine(strings.Join(paraLines, " "))
		paraLines = paraLines[:0]
		if tblDepth > 0 {
			if text != "" {
				cell = append(cell, text)
			}
			return
		}
		level, isHeading := levels[style]
		if _, known := levels[style]; !known {
			level, isHeading = builtinLevel(style)
		}
		if !isHeading && outline >= 0 {
			level, isHeading = min(outline+1, 6), true
		}
		switch {
		case text == "":
		case isHeading && level == 0:
			if title == "" {
				title = text
			} else {
				lines = append(lines, "# "+text)
			}
		case isHeading:
			lines = append(lines, strings.Repeat("#", level)+" "+text)
		default:
			// A line break inside a paragraph starts a new line.
			lines = append(lines, text)
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !sawBody {
				return nil, "", fmt.Errorf("document.xml: %w", err)
			}
			break // keep what was read before the damage
		}
		if tokens++; tokens > 20_000_000 {
			return nil, "", refuse("document.xml has too many elements")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "body":
				sawBody = true
			case "p":
				inPara, style, outline = true, "", -1
				para.Reset()
				paraLines = paraLines[:0]
			case "pStyle":
				if inPara {
					style = attrVal(t, "val")
				}
			case "outlineLvl":
				if inPara {
					if n, err := strconv.Atoi(attrVal(t, "val")); err == nil && n >= 0 && n < 9 {
						outline = n
					}
				}
			case "t":
				inText = true
			case "tab":
				if inPara {
					para.WriteString(" ")
				}
			case "br", "cr":
				if inPara && tblDepth == 0 {
					paraLines = append(paraLines, para.String())
					para.Reset()
					// Render the break as a line of its own.
					text := cleanLine(strings.Join(paraLines, " "))
					paraLines = paraLines[:0]
					if text != "" {
						lines = append(lines, text)
					}
				} else if inPara {
					para.WriteString(" ")
				}
			case "tbl":
				tblDepth++
			case "tr":
				if tblDepth == 1 {
					row = row[:0]
				}
			case "tc":
				if tblDepth == 1 {
					cell = cell[:0]
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if inPara {
					endPara()
				}
				inPara = false
			case "tc":
				if tblDepth == 1 {
					row = append(row, strings.Join(cell, " "))
				}
			case "tr":
				if tblDepth == 1 {
					if r := strings.TrimSpace(strings.Join(row, " | ")); strings.Trim(r, " |") != "" {
						lines = append(lines, r)
					}
				}
			case "tbl":
				if tblDepth > 0 {
					tblDepth--
				}
			}
		case xml.CharData:
			if inText && inPara {
				para.Write(t)
			}
		}
	}
	return lines, title, nil
}

// coreTitle reads dc:title from docProps/core.xml.
func coreTitle(raw []byte) string {
	dec := newXMLDecoder(raw)
	in := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			in = t.Name.Local == "title"
		case xml.CharData:
			if in {
				return cleanLine(string(t))
			}
		case xml.EndElement:
			in = false
		}
	}
}
