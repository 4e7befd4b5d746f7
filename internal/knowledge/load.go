package knowledge

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
)

// MaxFileSize is the largest knowledge file Load reads (a larger one is an
// error Problem and is not loaded). The importer holds its input files and
// what it writes to the same limit, so a file it imports is always loaded.
const MaxFileSize = 64 << 20

// DictDir is the top-level directory holding the vocabulary.
const DictDir = "dict"

// Load reads a knowledge base from fsys:
//
//   - every *.md file outside dict/ is a document (Markdown with YAML front
//     matter); README.md files are skipped;
//   - every *.yaml, *.yml or *.jsonl file outside dict/ is a FAQ file;
//   - dict/*.txt are the user words, synonyms, stop words and sensitive words.
//
// Files and directories whose names start with "." or "_" are skipped. A file
// that cannot be read or parsed becomes a Problem and the rest still loads;
// documents without an id are dropped (with an error Problem). The error
// return is for failures of fsys itself (for example a missing root).
// Load reports syntax problems; Check adds the cross-document checks of lint.
func Load(fsys fs.FS) (*kb.Base, []Problem, error) {
	entries, dict, probs, err := load(fsys)
	if err != nil {
		return nil, probs, err
	}
	entries, refused := refuseUnsafe(entries)
	probs = append(probs, refused...)
	SortProblems(probs)
	return kb.NewBase(docsOf(entries), dict.d), probs, nil
}

func docsOf(entries []*entry) []*kb.Document {
	docs := make([]*kb.Document, 0, len(entries))
	for _, e := range entries {
		docs = append(docs, e.doc)
	}
	return docs
}

// LoadDir loads the knowledge base in dir; paths in problems and documents
// are prefixed with dir.
func LoadDir(dir string) (*kb.Base, []Problem, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, fmt.Errorf("knowledge: %w", err)
	}
	b, probs, err := Load(os.DirFS(dir))
	prefixPaths(dir, b, probs)
	return b, probs, err
}

func prefixPaths(dir string, b *kb.Base, probs []Problem) {
	join := func(p string) string {
		if p == "" || p == "." {
			return dir
		}
		return filepath.Join(dir, filepath.FromSlash(p))
	}
	for i := range probs {
		probs[i].Path = join(probs[i].Path)
	}
	if b != nil {
		for _, d := range b.Docs {
			d.Path = join(d.Path)
		}
	}
}

func load(fsys fs.FS) ([]*entry, *dictBuilder, []Problem, error) {
	var (
		entries []*entry
		probs   []Problem
		dict    dictBuilder
	)
	err := fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			probs = append(probs, Problem{Path: p, Severity: SeverityError, Msg: fmt.Sprintf("cannot read: %v", err)})
			if de != nil && de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := de.Name()
		if p != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if de.IsDir() || !de.Type().IsRegular() && de.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		inDict := strings.HasPrefix(p, DictDir+"/")
		ext := strings.ToLower(path.Ext(name))
		kind := ""
		switch {
		case inDict:
			kind = "dict"
		case ext == ".md" && !strings.EqualFold(name, "README.md"):
			kind = "doc"
		case ext == ".yaml" || ext == ".yml":
			kind = "faq"
		case ext == ".jsonl":
			kind = "faqjsonl"
		default:
			return nil
		}
		pr := &problems{path: p}
		src, ok := readText(fsys, p, pr)
		if ok {
			switch kind {
			case "dict":
				dict.parse(p, src, pr)
			case "doc":
				if e := parseDocument(p, src, pr); e != nil {
					entries = append(entries, e)
				}
			case "faq":
				entries = append(entries, parseFAQYAML(p, src, pr)...)
			case "faqjsonl":
				entries = append(entries, parseFAQJSONL(p, src, pr)...)
			}
		}
		probs = append(probs, pr.list...)
		return nil
	})
	if err != nil {
		return nil, &dict, probs, fmt.Errorf("knowledge: %w", err)
	}
	// Documents without an id cannot be referenced or cited.
	kept := entries[:0]
	for _, e := range entries {
		if e.doc.ID == "" {
			probs = append(probs, Problem{Path: e.doc.Path, Line: e.doc.Line, Severity: SeverityError, Msg: e.what() + " has no id (skipped)"})
			continue
		}
		kept = append(kept, e)
	}
	SortProblems(probs)
	return kept, &dict, probs, nil
}

// refuseUnsafe drops the entries that no page, API or answer may carry: an
// id that is not one (../../x: ids become paths and URLs) or an official
// link that is not an http(s) address (javascript:…). Lint reports them as
// errors too; Load refuses them, so serve never serves them.
func refuseUnsafe(entries []*entry) ([]*entry, []Problem) {
	var probs []Problem
	kept := entries[:0]
	for _, e := range entries {
		refuse := func(field, format string, args ...any) {
			probs = append(probs, Problem{Path: e.doc.Path, Line: e.line(field), Severity: SeverityError, Msg: fmt.Sprintf(format, args...), Refused: true})
		}
		switch {
		case !ValidID(e.doc.ID):
			refuse("id", "id %q is not a valid id; the %s is not loaded", e.doc.ID, e.what())
		case e.doc.URL != "" && kb.SafeURL(e.doc.URL) == "":
			refuse("url", "url %q is not an absolute http(s) address; the %s is not loaded", e.doc.URL, e.what())
		default:
			kept = append(kept, e)
		}
	}
	return kept, probs
}

// what names the kind of entry in messages.
func (e *entry) what() string {
	if e.doc.Type == kb.TypeFAQ {
		return "FAQ entry"
	}
	return "document"
}

// readText reads a UTF-8 text file of bounded size.
func readText(fsys fs.FS, p string, pr *problems) (string, bool) {
	f, err := fsys.Open(p)
	if err != nil {
		pr.errorf(0, "cannot read: %v", err)
		return "", false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		pr.errorf(0, "cannot read: %v", err)
		return "", false
	}
	if len(data) > MaxFileSize {
		pr.errorf(0, "file larger than %d MiB; split it", MaxFileSize>>20)
		return "", false
	}
	if !utf8.Valid(data) {
		line := 1 + strings.Count(string(data[:firstInvalid(data)]), "\n")
		pr.errorf(line, "not valid UTF-8 (convert the file to UTF-8, for example with govchat import)")
		return "", false
	}
	if strings.IndexByte(string(data), 0) >= 0 {
		pr.errorf(0, "binary file (contains NUL bytes)")
		return "", false
	}
	return string(data), true
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func sortStrings(s []string) { sort.Strings(s) }

// ParseDocument parses one Markdown document (front matter and body) as Load
// does; path is used in problems and to infer the type from the top-level
// directory (policies/, interpretations/, guides/). It returns nil when the
// file yields no document.
func ParseDocument(p string, src string) (*kb.Document, []Problem) {
	pr := &problems{path: p}
	e := parseDocument(p, src, pr)
	if e == nil {
		return nil, pr.list
	}
	return e.doc, pr.list
}

// ParseFAQ parses one FAQ file (YAML, or JSONL when path ends in .jsonl) as
// Load does.
func ParseFAQ(p string, src string) ([]*kb.Document, []Problem) {
	pr := &problems{path: p}
	var es []*entry
	if strings.EqualFold(path.Ext(p), ".jsonl") {
		es = parseFAQJSONL(p, src, pr)
	} else {
		es = parseFAQYAML(p, src, pr)
	}
	out := make([]*kb.Document, len(es))
	for i, e := range es {
		out[i] = e.doc
	}
	return out, pr.list
}
