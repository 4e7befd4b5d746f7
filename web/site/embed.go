// Package site holds govchat's own pages: the demo page (/), the source
// document page template (/docs/{id}) and their stylesheet. Templates are
// rendered with html/template, which escapes every value.
package site

import "embed"

// Static holds the files served as they are (index.html, site.css).
//
//go:embed static
var Static embed.FS

// Templates holds the html/template sources.
//
//go:embed templates/*.html
var Templates embed.FS
