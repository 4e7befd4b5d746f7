package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge/importer"
)

func init() {
	register(command{
		name:    "import",
		summary: "import .docx .html .pdf .txt .md files and FAQ tables (.xlsx .csv .jsonl) into a knowledge directory",
		run:     runImport,
	})
}

func runImport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "import")
	into := fs.String("into", "", "knowledge directory to write to (default: the --knowledge directory)")
	typ := fs.String("type", "", "type of imported documents: policy, interpretation or guide (default: from the source, else policy)")
	sample := fs.Bool("sample", false, "mark everything imported as sample (demonstration) content")
	dept := fs.String("department", "", "责任部门 for entries whose source names none")
	region := fs.String("region", "", "region for entries whose source names none")
	dry := fs.Bool("dry-run", false, "parse and report, write nothing")
	maxMiB := fs.Int("max-size", int(importer.DefaultLimits.MaxFileSize>>20), "largest input file, in MiB")
	verbose := fs.Bool("v", false, "print every per-record warning (default: the first 3 per file)")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: govchat import [flags] --into DIR FILE|DIR...\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *into == "" {
		*into = env.Config.Knowledge
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitError{code: 2}
	}
	if *maxMiB <= 0 {
		return errors.New("--max-size must be positive")
	}
	im, err := importer.New(importer.Config{
		Into: *into, Type: kb.Type(*typ), Sample: *sample, Department: *dept, Region: *region, DryRun: *dry,
		Limits: importer.Limits{MaxFileSize: int64(*maxMiB) << 20},
	})
	if err != nil {
		return err
	}
	files := expandInputs(fs.Args())
	bar := newProgress(env.Stderr, len(files))
	var failed int
	var totals importer.Result
	for i, f := range files {
		if ctx.Err() != nil {
			bar.clear()
			fmt.Fprintf(env.Stdout, "interrupted after %d of %d files\n", i, len(files))
			return exitError{code: 130}
		}
		bar.show(i, f.path)
		var res importer.Result
		err := f.err
		if err == nil {
			res, err = im.ImportFile(f.path)
		}
		bar.clear()
		if err != nil {
			failed++
			fmt.Fprintf(env.Stdout, "ERROR %s: %v\n", f.path, err)
			continue
		}
		fmt.Fprintf(env.Stdout, "ok    %s\n", res)
		for j, w := range res.Warnings {
			if j == 3 && !*verbose {
				fmt.Fprintf(env.Stdout, "      … %d more warnings (-v shows all)\n", len(res.Warnings)-3)
				break
			}
			fmt.Fprintf(env.Stdout, "      warning: %s\n", w)
		}
		totals.Created += res.Created
		totals.Updated += res.Updated
		totals.Unchanged += res.Unchanged
		totals.Skipped += res.Skipped
	}
	bar.done()
	verb := "wrote"
	if *dry {
		verb = "would write"
	}
	fmt.Fprintf(env.Stderr, "import: %d files, %d failed; %s %d new, %d updated, %d unchanged into %s\n",
		len(files), failed, verb, totals.Created, totals.Updated, totals.Unchanged, *into)
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}

// input is one file to import, or a path that could not be read.
type input struct {
	path string
	err  error
}

// expandInputs lists the files to import in the order given: files as they
// are, directories walked for supported files; a missing path is kept with
// its error so that it gets its own result line.
func expandInputs(args []string) []input {
	var files []input
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			files = append(files, input{path: a, err: err})
			continue
		}
		if !st.IsDir() {
			files = append(files, input{path: a})
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				files = append(files, input{path: p, err: err})
				return nil
			}
			if d.IsDir() && p != a && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && importer.Supported(p) && !strings.HasPrefix(d.Name(), ".") {
				found = append(found, p)
			}
			return nil
		})
		sort.Strings(found)
		for _, p := range found {
			files = append(files, input{path: p})
		}
	}
	return files
}

// progress draws a one-line progress bar on a terminal; elsewhere it does
// nothing.
type progress struct {
	w     io.Writer
	total int
	on    bool
	start time.Time
}

func newProgress(w io.Writer, total int) *progress {
	on := false
	if f, ok := w.(*os.File); ok && total > 1 {
		on = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, total: total, on: on, start: time.Now()}
}

func (p *progress) show(i int, name string) {
	if !p.on {
		return
	}
	const width = 30
	filled := width * i / p.total
	name = filepath.Base(name)
	if utf8.RuneCountInString(name) > 40 {
		name = string([]rune(name)[:39]) + "…"
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), i, p.total, name)
}

func (p *progress) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func (p *progress) done() { p.clear() }
