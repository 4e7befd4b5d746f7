package widget

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// Size budget of what every page that embeds the widget downloads, gzipped
// (README, 适老化与无障碍). Raise it only on purpose: the widget loads on
// government sites visited from old phones on slow networks.
var budget = map[string]int{
	"widget.js":  14 << 10,
	"widget.css": 6 << 10,
}

func TestSizeBudget(t *testing.T) {
	total := 0
	for name, max := range budget {
		b, err := FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		total += z.Len()
		t.Logf("%s: %d bytes, %d gzipped (budget %d)", name, len(b), z.Len(), max)
		if z.Len() > max {
			t.Errorf("%s is %d bytes gzipped, over its budget of %d", name, z.Len(), max)
		}
	}
	if total > 20<<10 {
		t.Errorf("widget.js and widget.css together are %d bytes gzipped, over 20 KiB", total)
	}
}
