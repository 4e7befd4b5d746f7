// Package widget holds the citizen chat widget (/widget.js, /widget.css): one
// script tag embeds it in any government site. Plain JavaScript with no build
// step and no dependencies; it renders inside a shadow root so the host
// page's styles cannot break it, and inserts every piece of text as text
// (textContent, createTextNode), never as HTML.
package widget

import "embed"

// FS holds widget.js and widget.css.
//
//go:embed widget.js widget.css
var FS embed.FS
