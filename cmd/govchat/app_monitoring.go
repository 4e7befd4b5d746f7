package main

import (
	"context"

	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/internal/server"
)

// registerPendingMetrics exports, at 0, the metrics of outbound events
// (webhooks to the 12345 工单 system, issue 17 item 2), which have not
// landed yet, so that the dashboard and alert rules in deploy/ can name them
// now. The webhook outbox registers them itself when it lands; delete this
// then.
func registerPendingMetrics(reg *metrics.Registry) {
	reg.Gauge("govchat_webhook_backlog", "Outbound events (webhooks) in the outbox not yet delivered. Always 0 until outbound events are implemented.")
	reg.Gauge("govchat_webhook_oldest_pending_seconds", "Age of the oldest undelivered outbound event (0 when none). Always 0 until outbound events are implemented.")
}

// probeStore exports the vector store's health as
// govchat_dependency_up{dependency="qdrant"} when the store can be probed
// (the embedded store cannot fail on its own).
func probeStore(srv *server.Server, name string, st any) {
	if p, ok := st.(interface{ Ping(context.Context) error }); ok {
		srv.AddDependency(name, p.Ping)
	}
}
