package outbox

import (
	"context"
	"time"

	"github.com/govchat/govchat/internal/events"
)

// Store is the outbox's storage contract: events, and for each event one
// delivery per receiver (endpoint URL), pending until the receiver has
// acknowledged it. outbox/sqlstore implements it over the database of the
// handoff desk and the review list (workbench.db, or PostgreSQL), so that
// their changes and the events they cause commit together; outboxtest is
// the conformance suite every implementation passes.
//
// Times are kept to the millisecond. An event's body is opaque here (the
// Outbox may have sealed it).
type Store interface {
	// Add writes events, each with a pending delivery to every endpoint,
	// due at due. It writes in tx — the transaction of the change that
	// causes the events, which the caller commits or rolls back — or, when
	// tx is nil, in a transaction of its own. Adding an event id that is
	// already stored is an error.
	Add(ctx context.Context, tx events.Execer, endpoints []string, due time.Time, evs ...events.Event) error

	// Claim leases up to limit pending deliveries to endpoint that are due
	// at now (next attempt at or before now), oldest event first, by moving
	// their next attempt to until: no other Claim returns them before then,
	// in this process or another. It returns them with their events.
	Claim(ctx context.Context, endpoint string, now, until time.Time, limit int) ([]Delivery, error)
	// Delivered records that endpoint acknowledged the event at at: one
	// more attempt, and the delivery is done.
	Delivered(ctx context.Context, eventID, endpoint string, at time.Time) error
	// Failed records a failed attempt at at, with its reason, and the time
	// of the next one.
	Failed(ctx context.Context, eventID, endpoint string, at, next time.Time, reason string) error
	// Release gives a claimed delivery back, unattempted, due at next.
	Release(ctx context.Context, eventID, endpoint string, next time.Time) error

	// NextDue is the earliest next attempt of a pending delivery to any of
	// endpoints; the zero time when none is pending.
	NextDue(ctx context.Context, endpoints []string) (time.Time, error)
	// Backlog counts the pending deliveries to endpoints, with the time
	// the oldest of their events was made.
	Backlog(ctx context.Context, endpoints []string) (Backlog, error)
	// List returns deliveries (with their events' bodies), oldest event
	// first.
	List(ctx context.Context, f Filter) ([]Delivery, error)
	// Requeue makes every event made at or after since pending again for
	// each of endpoints, due at due, with its attempts counted afresh —
	// also for an endpoint that had no delivery of it — and returns how
	// many deliveries it queued.
	Requeue(ctx context.Context, since time.Time, endpoints []string, due time.Time) (int, error)
	// Prune deletes the events made before before that have no pending
	// delivery to any of endpoints, with all their deliveries, and returns
	// how many events it deleted.
	Prune(ctx context.Context, before time.Time, endpoints []string) (int, error)
}

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	EventID   string
	Type      string
	Created   time.Time // when the event was made
	Body      []byte
	Endpoint  string
	Attempts  int       // attempts made (failed ones, and the one that succeeded)
	Next      time.Time // next attempt (pending)
	Delivered time.Time // acknowledged; zero while pending
	// LastAttempt and LastError describe the latest attempt (LastError is
	// empty after a success).
	LastAttempt time.Time
	LastError   string
}

// Pending reports whether the delivery still waits for the endpoint.
func (d Delivery) Pending() bool { return d.Delivered.IsZero() }

// Backlog is the outbox's pending work.
type Backlog struct {
	Pending int       // deliveries not yet acknowledged
	Oldest  time.Time // when the oldest of their events was made (zero: none)
}

// Filter selects deliveries for List.
type Filter struct {
	PendingOnly bool      // only deliveries not yet acknowledged
	Since       time.Time // only events made at or after it (zero: any)
	Endpoint    string    // only to this endpoint ("" any)
	Limit       int       // at most this many (0: 100; at most 10,000)
}
