// Package importer turns existing material — Word .docx, government web
// pages (.html), .pdf, .txt and .md files, FAQ tables in .xlsx, .csv and
// .jsonl, and JSONL documents — into reviewable knowledge files (Markdown
// documents with YAML front matter and FAQ YAML files) that
// knowledge.Load reads.
//
// Imports are idempotent: a document keeps its id (given, or derived from
// its 文号 or title) and is written to the same file again; FAQ entries are
// merged by id into the FAQ file named after the source.
package importer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
)

// Config configures an Importer.
type Config struct {
	// Into is the knowledge directory files are written to (created when
	// missing).
	Into string
	// Limits bound the inputs; zero fields take DefaultLimits.
	Limits Limits
	// Type overrides the type of imported documents (policy when neither
	// this nor the source says).
	Type kb.Type
	// Sample marks everything imported as demonstration content.
	Sample bool
	// Department and Region fill those fields where the source has none.
	Department, Region string
	// DryRun parses and reports without writing.
	DryRun bool
}

// Importer writes imported material into a knowledge directory.
type Importer struct {
	cfg Config
	// where each id already lives (path relative to Into), so re-imports
	// update the same file, and the existing entries for merging.
	paths    map[string]string
	existing map[string]*kb.Document
}

// New validates cfg and reads the ids already present in cfg.Into.
func New(cfg Config) (*Importer, error) {
	if strings.TrimSpace(cfg.Into) == "" {
		return nil, errors.New("importer: no target directory (--into)")
	}
	if cfg.Type != "" && (!cfg.Type.Valid() || cfg.Type == kb.TypeFAQ) {
		return nil, fmt.Errorf("importer: type %q is not policy, interpretation or guide", cfg.Type)
	}
	cfg.Limits = cfg.Limits.withDefaults()
	im := &Importer{cfg: cfg, paths: map[string]string{}, existing: map[string]*kb.Document{}}
	if st, err := os.Stat(cfg.Into); err == nil {
		if !st.IsDir() {
			return nil, fmt.Errorf("importer: %s is not a directory", cfg.Into)
		}
		base, _, err := knowledge.Load(os.DirFS(cfg.Into))
		if err != nil {
			return nil, fmt.Errorf("importer: reading %s: %w", cfg.Into, err)
		}
		for _, d := range base.Docs {
			if _, dup := im.paths[d.ID]; !dup {
				im.paths[d.ID] = d.Path
				im.existing[d.ID] = d
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("importer: %w", err)
	}
	return im, nil
}

// Result describes the import of one file.
type Result struct {
	Input     string
	Kind      string   // "documents" or "FAQ entries"
	Files     []string // written (or, in a dry run, to be written), relative to Into
	Created   int
	Updated   int
	Unchanged int
	Skipped   int
	Encoding  string   // detected text encoding when not UTF-8
	Warnings  []string // per-record problems (the rest was imported)
}

// Count is the number of records imported.
func (r Result) Count() int { return r.Created + r.Updated + r.Unchanged }

// String is the one-line summary printed per file.
func (r Result) String() string {
	var b strings.Builder
	kind := r.Kind
	if r.Count() == 1 {
		kind = strings.NewReplacer("documents", "document", "entries", "entry").Replace(kind)
	}
	fmt.Fprintf(&b, "%s: %d %s", r.Input, r.Count(), kind)
	fmt.Fprintf(&b, " (%d new, %d updated, %d unchanged", r.Created, r.Updated, r.Unchanged)
	if r.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", r.Skipped)
	}
	b.WriteString(")")
	if len(r.Files) == 1 {
		fmt.Fprintf(&b, " → %s", r.Files[0])
	} else if len(r.Files) > 1 {
		fmt.Fprintf(&b, " → %s …", r.Files[0])
	}
	if r.Encoding != "" && r.Encoding != "UTF-8" {
		fmt.Fprintf(&b, " [converted from %s]", r.Encoding)
	}
	return b.String()
}

// Supported reports whether the file name has an extension import handles.
func Supported(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".docx", ".html", ".htm", ".shtml", ".pdf", ".txt", ".md", ".xlsx", ".csv", ".tsv", ".jsonl":
		return true
	}
	return false
}

// ImportFile imports one file. On error nothing was written for it.
func (im *Importer) ImportFile(p string) (Result, error) {
	res := Result{Input: p}
	st, err := os.Stat(p)
	if err != nil {
		return res, err
	}
	if st.IsDir() {
		return res, refuse("is a directory")
	}
	if st.Size() > im.cfg.Limits.MaxFileSize {
		return res, refuse("file is %d MiB, larger than the %d MiB limit", st.Size()>>20, im.cfg.Limits.MaxFileSize>>20)
	}
	f, err := os.Open(p)
	if err != nil {
		return res, err
	}
	data, err := io.ReadAll(io.LimitReader(f, im.cfg.Limits.MaxFileSize+1))
	f.Close()
	if err != nil {
		return res, err
	}
	if int64(len(data)) > im.cfg.Limits.MaxFileSize {
		return res, refuse("file larger than the %d MiB limit", im.cfg.Limits.MaxFileSize>>20)
	}
	if len(data) == 0 {
		return res, refuse("empty file")
	}
	return im.Import(filepath.Base(p), data, res)
}

// Import imports data read from a file named name (the extension decides the
// format).
func (im *Importer) Import(name string, data []byte, res Result) (Result, error) {
	if res.Input == "" {
		res.Input = name
	}
	ext := strings.ToLower(filepath.Ext(name))
	text := func() (string, error) {
		s, enc, err := DecodeText(data)
		res.Encoding = enc
		return s, err
	}
	var doc *kb.Document
	switch ext {
	case ".docx":
		d, err := ParseDOCX(data, im.cfg.Limits)
		if err != nil {
			return res, err
		}
		doc = d
	case ".pdf":
		d, err := ParsePDF(data)
		if err != nil {
			return res, err
		}
		doc = d
	case ".html", ".htm", ".shtml":
		s, err := text()
		if err != nil {
			return res, err
		}
		d, err := parseHTMLString(s)
		if err != nil {
			return res, err
		}
		doc = d
	case ".txt":
		s, err := text()
		if err != nil {
			return res, err
		}
		doc = ParseText(s)
	case ".md":
		s, err := text()
		if err != nil {
			return res, err
		}
		d, err := ParseMarkdown(name, s)
		if err != nil {
			return res, err
		}
		doc = d
	case ".xlsx":
		t, err := FAQFromXLSX(data, im.cfg.Limits)
		if err != nil {
			return res, err
		}
		res.Warnings = t.Warnings
		return im.writeFAQ(name, t.Entries, res)
	case ".csv", ".tsv":
		s, err := text()
		if err != nil {
			return res, err
		}
		t, err := FAQFromCSV(s)
		if err != nil {
			return res, err
		}
		res.Warnings = t.Warnings
		return im.writeFAQ(name, t.Entries, res)
	case ".jsonl":
		s, err := text()
		if err != nil {
			return res, err
		}
		recs, err := ParseJSONL(s)
		if err != nil {
			return res, err
		}
		res.Warnings = recs.Warnings
		switch {
		case len(recs.FAQ) > 0 && len(recs.Docs) > 0:
			return res, fmt.Errorf("the file mixes FAQ entries (%d) and documents (%d); split it", len(recs.FAQ), len(recs.Docs))
		case len(recs.FAQ) > 0:
			return im.writeFAQ(name, recs.FAQ, res)
		case len(recs.Docs) > 0:
			return im.writeDocs(recs.Docs, res)
		}
		return res, fmt.Errorf("no FAQ entries or documents found (%d lines skipped)", len(recs.Warnings))
	default:
		return res, refuse("unsupported file type %q (supported: .docx .html .pdf .txt .md .xlsx .csv .jsonl)", ext)
	}
	if strings.TrimSpace(doc.Body) == "" {
		return res, errors.New("no text found in the document")
	}
	return im.writeDocs([]*kb.Document{doc}, res)
}

// ParseText reads a plain-text document: the title from the first lines,
// metadata from labelled lines, 文号 under the title and the signature.
func ParseText(s string) *kb.Document {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, cleanLine(l))
	}
	d := &kb.Document{Type: kb.TypePolicy}
	d.Body = linesToMarkdown(analyse(d, lines))
	return d
}

// ParseMarkdown reads a Markdown file: with front matter it is taken as it
// is (the importer only fills the gaps); without, like a text file whose
// lines keep their Markdown.
func ParseMarkdown(name, s string) (*kb.Document, error) {
	if _, err := knowledge.SplitFrontMatter(s); err == nil {
		d, probs := knowledge.ParseDocument(name, s)
		for _, p := range probs {
			if p.Severity == knowledge.SeverityError {
				return nil, fmt.Errorf("front matter: line %d: %s", p.Line, p.Msg)
			}
		}
		if d == nil {
			return nil, errors.New("front matter: no document")
		}
		if d.Type == "" {
			d.Type = kb.TypePolicy
		}
		return d, nil
	}
	s = strings.ReplaceAll(strings.TrimPrefix(s, "\ufeff"), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	d := &kb.Document{Type: kb.TypePolicy}
	if len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		d.Title = cleanLine(strings.TrimPrefix(lines[0], "# "))
		lines = lines[1:]
	}
	d.Body = linesToMarkdown(analyse(d, lines))
	return d, nil
}

var typeDirs = map[kb.Type]string{kb.TypePolicy: "policies", kb.TypeInterpretation: "interpretations", kb.TypeGuide: "guides"}

// writeDocs writes each document to its own file.
func (im *Importer) writeDocs(docs []*kb.Document, res Result) (Result, error) {
	res.Kind = "documents"
	type out struct {
		rel  string
		data []byte
		doc  *kb.Document
	}
	var outs []out
	seen := map[string]bool{}
	for _, d := range docs {
		if im.cfg.Type != "" {
			d.Type = im.cfg.Type
		}
		if d.Type == "" {
			d.Type = kb.TypePolicy
		}
		if !d.Type.Valid() || d.Type == kb.TypeFAQ {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%q: unknown type %q; skipped", d.Title, d.Type))
			res.Skipped++
			continue
		}
		d.ID = DocumentID(d)
		if seen[d.ID] {
			res.Warnings = append(res.Warnings, fmt.Sprintf("id %s appears twice in the input; the later one is skipped", d.ID))
			res.Skipped++
			continue
		}
		seen[d.ID] = true
		if d.Department == "" {
			d.Department = im.cfg.Department
		}
		if d.Region == "" {
			d.Region = im.cfg.Region
		}
		d.Sample = d.Sample || im.cfg.Sample
		if d.Status != "" && !d.Status.Valid() {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: unknown status %q dropped", d.ID, d.Status))
			d.Status = ""
		}
		res.Warnings = append(res.Warnings, dropUnsafeURL(d)...)
		rel, ok := im.paths[d.ID]
		if ok && path.Ext(rel) != ".md" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("id %s is already used by a FAQ entry in %s; skipped", d.ID, rel))
			res.Skipped++
			continue
		}
		if !ok {
			rel = path.Join(typeDirs[d.Type], fileName(d.ID)+".md")
		}
		if old := im.existing[d.ID]; old != nil {
			keepReviewed(d, old)
		}
		data, err := RenderDocument(d)
		if err != nil {
			return res, fmt.Errorf("%s: %w", d.ID, err)
		}
		if err := fitsKnowledgeFile(rel, data); err != nil {
			return res, err
		}
		// What is written must load back.
		if back, probs := knowledge.ParseDocument(rel, string(data)); back == nil || knowledge.HasErrors(probs) {
			return res, fmt.Errorf("%s: internal error: the written file does not load: %v", d.ID, probs)
		}
		outs = append(outs, out{rel, data, d})
	}
	if len(outs) == 0 {
		return res, errors.New("nothing to import")
	}
	for _, o := range outs {
		state, err := im.write(o.rel, o.data)
		if err != nil {
			return res, err
		}
		res.count(state)
		res.Files = append(res.Files, o.rel)
		im.paths[o.doc.ID] = o.rel
		im.existing[o.doc.ID] = o.doc
	}
	return res, nil
}

// keepReviewed keeps fields a reviewer added to an earlier import when the
// source does not state them.
func keepReviewed(d, old *kb.Document) {
	keep := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	keep(&d.DocNumber, old.DocNumber)
	keep(&d.Issuer, old.Issuer)
	keep(&d.IndexNo, old.IndexNo)
	keep(&d.Interprets, old.Interprets)
	keep(&d.URL, old.URL)
	keep(&d.Department, old.Department)
	keep(&d.Region, old.Region)
	if d.Status == "" {
		d.Status = old.Status
	}
	if d.Published.IsZero() {
		d.Published = old.Published
	}
	if d.Effective.IsZero() {
		d.Effective = old.Effective
	}
	if d.Expires.IsZero() {
		d.Expires = old.Expires
	}
	if len(d.Replaces) == 0 {
		d.Replaces = old.Replaces
	}
	if len(d.ReplacedBy) == 0 {
		d.ReplacedBy = old.ReplacedBy
	}
	if len(d.Tags) == 0 {
		d.Tags = old.Tags
	}
	if len(d.Similar) == 0 {
		d.Similar = old.Similar
	}
	if len(d.Sources) == 0 {
		d.Sources = old.Sources
	}
	d.Sample = d.Sample || old.Sample
}

func (r *Result) count(state string) {
	switch state {
	case "created":
		r.Created++
	case "updated":
		r.Updated++
	default:
		r.Unchanged++
	}
}

var fileJunkRe = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// fileName is a safe file name for an id or source name.
func fileName(s string) string {
	s = strings.Trim(fileJunkRe.ReplaceAllString(s, "-"), "-.")
	if s == "" {
		s = "import"
	}
	return s
}

// writeFAQ merges entries into faq/<source name>.yaml by id.
func (im *Importer) writeFAQ(name string, entries []*kb.Document, res Result) (Result, error) {
	res.Kind = "FAQ entries"
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	rel := path.Join("faq", fileName(base)+".yaml")
	// The entries already in the target file, in order.
	var merged []*kb.Document
	index := map[string]int{}
	if raw, err := os.ReadFile(filepath.Join(im.cfg.Into, filepath.FromSlash(rel))); err == nil {
		old, probs := knowledge.ParseFAQ(rel, string(raw))
		if knowledge.HasErrors(probs) {
			return res, fmt.Errorf("the existing %s has errors; fix or remove it first (govchat lint)", rel)
		}
		for _, e := range old {
			index[e.ID] = len(merged)
			merged = append(merged, e)
		}
	}
	changed := map[string]string{}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.ID] {
			res.Warnings = append(res.Warnings, fmt.Sprintf("id %s appears twice in the input; the later row is skipped", e.ID))
			res.Skipped++
			continue
		}
		seen[e.ID] = true
		if p, ok := im.paths[e.ID]; ok && p != rel {
			res.Warnings = append(res.Warnings, fmt.Sprintf("id %s is already used in %s; skipped", e.ID, p))
			res.Skipped++
			continue
		}
		if e.Department == "" {
			e.Department = im.cfg.Department
		}
		if e.Region == "" {
			e.Region = im.cfg.Region
		}
		e.Sample = e.Sample || im.cfg.Sample
		res.Warnings = append(res.Warnings, dropUnsafeURL(e)...)
		if i, ok := index[e.ID]; ok {
			old := merged[i]
			keepReviewed(e, old)
			if sameFAQ(old, e) {
				changed[e.ID] = "unchanged"
			} else {
				changed[e.ID] = "updated"
			}
			merged[i] = e
			continue
		}
		index[e.ID] = len(merged)
		merged = append(merged, e)
		changed[e.ID] = "created"
	}
	if len(changed) == 0 {
		return res, errors.New("no FAQ entries to import")
	}
	data, err := RenderFAQ(FAQHeader{Title: base, Source: filepath.Base(name), Sample: im.cfg.Sample}, merged)
	if err != nil {
		return res, err
	}
	if err := fitsKnowledgeFile(rel, data); err != nil {
		return res, err
	}
	back, probs := knowledge.ParseFAQ(rel, string(data))
	if knowledge.HasErrors(probs) || len(back) != len(merged) {
		return res, fmt.Errorf("internal error: the written FAQ file does not load: %v", probs)
	}
	if _, err := im.write(rel, data); err != nil {
		return res, err
	}
	for id, state := range changed {
		res.count(state)
		im.paths[id] = rel
	}
	res.Files = []string{rel}
	return res, nil
}

func sameFAQ(a, b *kb.Document) bool {
	x, _ := RenderFAQ(FAQHeader{}, []*kb.Document{a})
	y, _ := RenderFAQ(FAQHeader{}, []*kb.Document{b})
	return string(x) == string(y)
}

// dropUnsafeURL drops a link that is not an absolute http(s) address (a
// relative path, javascript:…): the loader would refuse the whole entry.
func dropUnsafeURL(d *kb.Document) []string {
	if d.URL == "" || kb.SafeURL(d.URL) != "" {
		return nil
	}
	w := fmt.Sprintf("%s: url %q is not an absolute http(s) address; dropped", d.ID, d.URL)
	d.URL = ""
	return []string{w}
}

// fitsKnowledgeFile refuses a file the loader would not read: an import
// that reports ok is always indexed.
func fitsKnowledgeFile(rel string, data []byte) error {
	if len(data) > knowledge.MaxFileSize {
		return refuse("%s would be %d MiB, more than the %d MiB a knowledge file may hold; split the source", rel, len(data)>>20, knowledge.MaxFileSize>>20)
	}
	return nil
}

// write stores data at rel under Into atomically and says whether the file
// was created, updated or unchanged.
func (im *Importer) write(rel string, data []byte) (string, error) {
	full := filepath.Join(im.cfg.Into, filepath.FromSlash(rel))
	old, err := os.ReadFile(full)
	state := "created"
	if err == nil {
		if string(old) == string(data) {
			return "unchanged", nil
		}
		state = "updated"
	}
	if im.cfg.DryRun {
		return state, nil
	}
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".import-*")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return state, nil
}
