// Package workbench holds the operator workbench's static assets (/agent/):
// plain HTML, CSS and JavaScript with no framework and no build step, so the
// pages load fast on an old office PC. Every piece of data is inserted as
// text (textContent, createTextNode), never as HTML.
package workbench

import "embed"

// FS holds the pages and their scripts and styles.
//
//go:embed *.html *.css *.js
var FS embed.FS
