package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/width"
)

// parseFlags parses a command's flags wherever they stand among its
// arguments — govchat import FILE --into DIR is govchat import --into DIR
// FILE — leaving the arguments, in order, in fs.Args(). "--" ends the flags:
// what follows is arguments, even when it starts with "-".
func parseFlags(fs *flag.FlagSet, args []string) error {
	var flags, rest []string
	missing := false // the last flag's value is missing
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		if takesValue(fs, a) {
			if i+1 == len(args) {
				missing = true
				break
			}
			flags = append(flags, args[i+1])
			i++
		}
	}
	if !missing { // else the flag package says the value is missing
		flags = append(append(flags, "--"), rest...)
	}
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagError{err} // already printed, with the usage
	}
	return nil
}

// flagError is a command line the flag package refused (and explained):
// exit status 2, nothing more printed.
type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }

// takesValue reports whether the flag arg (-name or --name, without =value)
// reads the next argument as its value.
func takesValue(fs *flag.FlagSet, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false // flag.Parse reports it
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

// subcommand splits args into a subcommand — the first argument that is not
// a flag or a flag's value — and the rest: govchat user --data D list is
// govchat user list --data D. valueFlags are the flags before it that take
// a value (the shared --knowledge and --data).
func subcommand(args []string, valueFlags ...string) (string, []string) {
	values := map[string]bool{"knowledge": true, "data": true}
	for _, f := range valueFlags {
		values[f] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			return a, append(append([]string{}, args[:i]...), args[i+1:]...)
		}
		if name := strings.TrimLeft(a, "-"); values[name] {
			i++
		}
	}
	return "", args
}

// displayWidth is how many terminal columns s takes: East Asian wide and
// full-width characters (汉字, ＡＢＣ) take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// writeTable writes rows as columns padded to their widest cell (in display
// columns, so that Chinese text lines up), two spaces apart; the last column
// is not padded.
func writeTable(w io.Writer, indent string, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		b.WriteString(indent)
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// errorMessage is err's text with repeated prefixes folded: wrapping an
// error that already names its part ("knowledge: knowledge: stat …") says
// it once.
func errorMessage(err error) string {
	parts := strings.Split(err.Error(), ": ")
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		if i > 0 && p == parts[i-1] {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

// usageError is an error in how a command was called: printed, with exit
// status 2.
func usageError(w io.Writer, format string, args ...any) error {
	fmt.Fprintf(w, format+"\n", args...)
	return exitError{2}
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// noArgs refuses arguments a command does not take (a flag after them was
// parsed; what is left is a mistake, not something to ignore).
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError(fs.Output(), "%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
