package concerns

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart geometry, in SVG user units (the chart scales to its container):
// large type and strong colours, readable on a projector.
const (
	chartW      = 960
	chartH      = 340
	chartLeft   = 64
	chartRight  = 20
	chartTop    = 56
	chartBottom = 56
	colAnswered = "#1d4f91"
	colRefused  = "#c8161e"
	colGrid     = "#c9d2df"
	colText     = "#1f2633"
)

// ChartSVG draws questions per day as bars (refused questions in red at
// their foot), with a title, axes and a legend. id prefixes the element
// ids (unique on a page). Every text is escaped.
func ChartSVG(id, title string, days []Day) string {
	var b strings.Builder
	total, refused, peak, peakDay := 0, 0, 0, ""
	for _, d := range days {
		total += d.Questions
		refused += d.Refused
		if d.Questions > peak {
			peak, peakDay = d.Questions, d.Date
		}
	}
	desc := fmt.Sprintf("共%d天，提问%d次，其中拒答%d次", len(days), total, refused)
	if peak > 0 {
		desc += fmt.Sprintf("；最多的一天是%s，%d次", peakDay, peak)
	}
	esc := html.EscapeString
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" font-family="sans-serif">`,
		chartW, chartH, esc(id), esc(id))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, chartW, chartH)
	fmt.Fprintf(&b, `<text x="%d" y="30" font-size="22" font-weight="700" fill="%s">%s</text>`, chartLeft-40, colText, esc(title))
	// Legend, top right.
	lx := chartW - chartRight - 250
	fmt.Fprintf(&b, `<rect x="%d" y="14" width="18" height="18" fill="%s"/><text x="%d" y="29" font-size="17" fill="%s">提问</text>`, lx, colAnswered, lx+24, colText)
	fmt.Fprintf(&b, `<rect x="%d" y="14" width="18" height="18" fill="%s"/><text x="%d" y="29" font-size="17" fill="%s">其中拒答</text>`, lx+90, colRefused, lx+114, colText)

	plotW := float64(chartW - chartLeft - chartRight)
	plotH := float64(chartH - chartTop - chartBottom)
	top := niceMax(peak)
	ticks := 4
	for i := 0; i <= ticks; i++ {
		v := top * i / ticks
		y := float64(chartTop) + plotH - plotH*float64(v)/float64(top)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`, chartLeft, chartW-chartRight, y, y, colGrid)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="16" text-anchor="end" fill="%s">%d</text>`, chartLeft-8, y+5, colText, v)
	}
	if len(days) > 0 {
		slot := plotW / float64(len(days))
		bar := math.Max(1, slot*0.72)
		every := int(math.Ceil(float64(len(days)) / 10))
		for i, d := range days {
			x := float64(chartLeft) + slot*float64(i) + (slot-bar)/2
			h := plotH * float64(d.Questions) / float64(top)
			rh := plotH * float64(d.Refused) / float64(top)
			base := float64(chartTop) + plotH
			label := fmt.Sprintf("%s：提问%d次，拒答%d次", d.Date, d.Questions, d.Refused)
			fmt.Fprintf(&b, `<g><title>%s</title>`, esc(label))
			if d.Questions > 0 {
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, base-h, bar, h, colAnswered)
			}
			if d.Refused > 0 {
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, base-rh, bar, rh, colRefused)
			}
			b.WriteString(`</g>`)
			if i%every == 0 || i == len(days)-1 && len(days) <= 10 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="16" text-anchor="middle" fill="%s">%s</text>`,
					x+bar/2, chartH-chartBottom+24, colText, esc(d.Day.Format("1/2")))
			}
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"/>`, chartLeft, chartW-chartRight, chartH-chartBottom, chartH-chartBottom, colText)
	b.WriteString(`</svg>`)
	return b.String()
}

// niceMax rounds a peak up to a round axis maximum (at least 4, so that
// four ticks are whole numbers).
func niceMax(peak int) int {
	if peak <= 4 {
		return 4
	}
	mag := math.Pow(10, math.Floor(math.Log10(float64(peak))))
	for _, m := range []float64{1, 2, 2.5, 4, 5, 10} {
		if v := int(m * mag); v >= peak && v%4 == 0 {
			return v
		}
	}
	v := int(10 * mag)
	for v%4 != 0 || v < peak {
		v++
	}
	return v
}
