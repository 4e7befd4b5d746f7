package importer

import (
	"testing"
)

// FuzzParseHTML must not panic or hang on any page.
func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<html><body><table><tr><td><b>发文字号：</b></td><td>国发〔2019〕5号</td></tr></table><div id="UCAP-CONTENT"><p>正文</p></div></body></html>`))
	f.Add([]byte(`<p>发布机构：某局　成文日期：2024年02月20日</p><h1>标题</h1><a href="/a/b.htm#" onclick="window.print()">打印</a>`))
	f.Add([]byte("<meta charset=gbk>\xd5\xfe\xce\xf1"))
	f.Add([]byte("<div><div><div><table><tr><td><td><td></div>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseHTML(data)
		if err == nil && d == nil {
			t.Fatal("nil document without error")
		}
	})
}

// FuzzParseDOCX must not panic or hang on any file: the fuzzed bytes are
// tried as a whole .docx and as its word/document.xml.
func FuzzParseDOCX(f *testing.F) {
	f.Add([]byte(`<w:document><w:body><w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>一、总则</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>`))
	f.Add([]byte(`<w:document><w:body><w:p><w:r><w:t>x</w:t><w:br/><w:t>y</w:t></w:r></w:p>`))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseDOCX(data, Limits{MaxUnzipped: 8 << 20})
		zipped := buildZip(t, map[string]string{"word/document.xml": string(data), "word/styles.xml": string(data)})
		d, err := ParseDOCX(zipped, Limits{MaxUnzipped: 8 << 20})
		if err == nil && d == nil {
			t.Fatal("nil document without error")
		}
	})
}
