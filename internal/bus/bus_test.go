package bus_test

import (
	"testing"

	"github.com/govchat/govchat/internal/bus"
	"github.com/govchat/govchat/internal/bus/bustest"
)

func TestLocalConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T) (bus.Bus, bus.Bus) {
		l := bus.NewLocal()
		t.Cleanup(func() { l.Close() })
		return l, l
	})
}
