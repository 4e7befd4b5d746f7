package safety_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/safety"
)

type stringer string

func (s stringer) String() string { return string(s) }

func TestLogHandlerRedactsEverything(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(safety.LogHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log = log.With("session", "手机139-5724-6813").WithGroup("g")
	log.Debug("问题 139.5724.6813", "q", "身份证330203199001015555", "err", errors.New("bad 0574-87654321"),
		"s", stringer("138 1234 5678"), "list", []string{"13957246813"}, "any", map[string]string{"k": "13957246813"},
		slog.Group("inner", "x", "13957246813"), "n", 13957246813)
	out := buf.String()
	for _, leak := range []string{"5724", "19900101", "87654321", "1234 5678"} {
		if strings.Contains(out, leak) {
			t.Errorf("log line holds %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "[手机号]") || !strings.Contains(out, "[身份证号]") {
		t.Errorf("log line = %s", out)
	}
}
