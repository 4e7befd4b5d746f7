package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/govchat/govchat/internal/knowledge"
)

// ErrRefused marks input that is refused on purpose (oversize, binary, zip
// bomb, wrong format); the message says why.
var ErrRefused = errors.New("refused")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Limits bound what an import reads.
type Limits struct {
	// MaxFileSize is the largest input file, in bytes.
	MaxFileSize int64
	// MaxUnzipped is the largest total uncompressed size of a .docx/.xlsx.
	MaxUnzipped int64
	// MaxRatio is the largest compression ratio of a zip member larger than
	// 1 MiB (zip bombs compress far better than real documents).
	MaxRatio int64
}

// DefaultLimits are used when a Limits field is zero. An input file may be
// as large as a knowledge file (knowledge.MaxFileSize), the one limit the
// importer and the loader share; what the import writes is held to it too.
var DefaultLimits = Limits{MaxFileSize: knowledge.MaxFileSize, MaxUnzipped: 256 << 20, MaxRatio: 200}

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultLimits.MaxUnzipped
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultLimits.MaxRatio
	}
	return l
}

var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_-]+)`)

// DecodeText turns the bytes of a text file (.txt .md .html .csv .jsonl) into
// UTF-8. It accepts UTF-8 (with or without BOM), UTF-16 with BOM, and
// GBK/GB18030 (common in government systems) or Big5 when the bytes are not
// valid UTF-8 or an HTML meta tag declares them. It refuses binary data.
// The returned name is the detected encoding.
func DecodeText(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", "", refuse("not valid UTF-16: %v", err)
		}
		s := string(out)
		return s, "UTF-16", checkBinary(s)
	}
	declared := ""
	if m := metaCharsetRe.FindSubmatch(data[:min(len(data), 4096)]); m != nil {
		declared = strings.ToLower(string(m[1]))
	}
	if utf8.Valid(data) {
		s := string(data)
		return s, "UTF-8", checkBinary(s)
	}
	var enc encoding.Encoding = simplifiedchinese.GB18030
	name := "GB18030"
	if strings.Contains(declared, "big5") {
		enc, name = traditionalchinese.Big5, "Big5"
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), data)
	if err != nil {
		return "", "", refuse("neither UTF-8 nor %s text: %v", name, err)
	}
	s := string(out)
	if bad := strings.Count(s, "\uFFFD"); bad > 0 && bad*100 > utf8.RuneCountInString(s) {
		return "", "", refuse("neither UTF-8 nor %s text", name)
	}
	if name == "GB18030" && !looksChinese(s) {
		return "", "", refuse("not valid UTF-8, and not GBK/GB18030 Chinese text either (binary data?)")
	}
	return s, name, checkBinary(s)
}

// looksChinese reports whether decoded GB18030 text is mostly common
// characters: random bytes decode to rare CJK and symbols.
func looksChinese(s string) bool {
	var common, other int
	for _, r := range s {
		switch {
		case r < 0x80:
			continue
		case r >= 0x4E00 && r <= 0x9FA5, r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF, r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—' || r == '·':
			common++
		default:
			other++
		}
	}
	return common > 0 && other*5 <= common
}

// checkBinary refuses text that holds NUL bytes or many control characters.
func checkBinary(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return refuse("binary data (NUL bytes), not a text file")
	}
	ctrl, n := 0, 0
	for _, r := range s {
		n++
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			ctrl++
		}
	}
	if ctrl > 0 && ctrl*100 > n {
		return refuse("binary data (%d control characters), not a text file", ctrl)
	}
	return nil
}

// openZip opens a .docx/.xlsx container after checking it is not a zip bomb:
// the declared total and per-member compression ratios must stay within
// limits. Reading a member must still go through readMember, which enforces
// the size while reading.
func openZip(data []byte, l Limits) (*zip.Reader, error) {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, refuse("old binary Office format (.doc/.xls); open it in Word/Excel or WPS and save it as .docx/.xlsx")
	}
	if !bytes.HasPrefix(data, []byte("PK")) {
		return nil, refuse("not a zip container (a .docx/.xlsx file starts with PK); is it an old .doc/.xls? save it as .docx/.xlsx")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refuse("damaged zip container: %v", err)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(l.MaxUnzipped) {
			return nil, refuse("uncompressed content larger than %d MiB (zip bomb?)", l.MaxUnzipped>>20)
		}
		if f.UncompressedSize64 > 1<<20 && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > uint64(l.MaxRatio) {
			return nil, refuse("member %s compresses %d:1 (zip bomb?)", f.Name, f.UncompressedSize64/f.CompressedSize64)
		}
		if f.UncompressedSize64 > 1<<20 && f.CompressedSize64 == 0 {
			return nil, refuse("member %s has an impossible size (zip bomb?)", f.Name)
		}
	}
	return zr, nil
}

// readMember reads one zip member, never more than max bytes whatever its
// header claims.
func readMember(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name, err)
	}
	if int64(len(data)) > max {
		return nil, refuse("member %s is larger than %d MiB uncompressed (zip bomb?)", f.Name, max>>20)
	}
	// Office files never declare a DTD (OOXML forbids it); one that does
	// carries entity definitions — an XXE or billion-laughs attack.
	if bytes.Contains(data, []byte("<!DOCTYPE")) || bytes.Contains(data, []byte("<!ENTITY")) {
		return nil, refuse("%s declares a DTD or XML entities (<!DOCTYPE>/<!ENTITY>), which Office files never contain: an XML entity attack (XXE, billion laughs)?", f.Name)
	}
	return data, nil
}

func findMember(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}
