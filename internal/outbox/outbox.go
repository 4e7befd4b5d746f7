// Package outbox delivers govchat's outbound events to the receivers
// configured in GOVCHAT_WEBHOOK_URL — the 12345 platform's ticket (工单)
// system — at least once, from a durable outbox in the database.
//
// Producers Emit an event in the transaction of the change that causes it
// (Store.Add): the event exists exactly when the change does. A dispatcher
// per receiver claims due deliveries (a lease, so that a second process — a
// `govchat events replay`, another instance — never sends the same one at
// the same time), sends them in the order they were made, and records the
// outcome. A failed attempt is retried with exponential backoff
// (Backoff); a receiver that cannot be reached, or answers 5xx, 408 or
// 429, holds back the deliveries behind it until the retry, so that a
// receiver that is down gets one request per retry, not one per event. A
// receiver's refusal of one event (another 4xx) does not hold back the
// others. Nothing is dropped: a delivery stays pending until its receiver
// acknowledges it, across restarts; delivered events are pruned after the
// retention period. Receivers deduplicate by event id.
//
// Every time — when an event was made, when a delivery is due, how long the
// oldest has waited — comes from the injected clock (Config.Now), and the
// retry schedule is configurable, so tests run on a short schedule.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/metrics"
)

// Sender sends one event to one endpoint (webhook.Client). An error whose
// Permanent method reports true is the receiver refusing this event; any
// other error means the receiver cannot take events now.
type Sender interface {
	Send(ctx context.Context, endpoint, id, typ string, body []byte) error
}

// Sealer encrypts event bodies at rest (sealbox.Box): an event may hold a
// citizen's contact. context binds a sealed body to its event id.
type Sealer interface {
	Seal(plain []byte, context string) ([]byte, error)
	Open(sealed []byte, context string) ([]byte, error)
}

// Backoff is the retry schedule: after the n-th failed attempt the next
// one is First·2^(n-1) later, and never more than Max.
type Backoff struct {
	First time.Duration // 5s
	Max   time.Duration // 5m
}

// Delay is the wait after the n-th failed attempt (n ≥ 1).
func (b Backoff) Delay(n int) time.Duration {
	d := b.First
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Config configures an Outbox.
type Config struct {
	Store Store // required
	// Endpoints are the receivers (GOVCHAT_WEBHOOK_URL). None: Emit records
	// nothing and nothing is sent.
	Endpoints []string
	// Sender sends (webhook.Client); required to deliver (Start,
	// DeliverDue), not to list or requeue.
	Sender  Sender
	Now     func() time.Time // the clock (time.Now)
	Backoff Backoff          // the retry schedule (5s doubling to 5m)
	// Poll is how often a dispatcher looks for work it was not told of —
	// a replay queued by another process, another instance's events (2s).
	Poll time.Duration
	// Lease is how long a claimed delivery is reserved for its sender; it
	// must exceed the sender's timeout (1m).
	Lease time.Duration
	// Batch is how many deliveries a dispatcher claims at once (20).
	Batch int
	// Retention is how long delivered events are kept, for replay (7 days).
	Retention time.Duration
	// Seal, when set, encrypts event bodies at rest.
	Seal Sealer
	Log  *slog.Logger
	// Metrics receives govchat_webhook_backlog,
	// govchat_webhook_oldest_pending_seconds, govchat_webhook_events_total
	// and govchat_webhook_deliveries_total; nil: none.
	Metrics *metrics.Registry
}

// Outbox records events and delivers them. Safe for concurrent use.
type Outbox struct {
	cfg   Config
	log   *slog.Logger
	kicks []chan struct{} // one per endpoint

	mu      sync.Mutex
	started bool
	stop    context.CancelFunc
	wg      sync.WaitGroup

	emitted   *metrics.CounterVec
	attempted *metrics.CounterVec
}

// New returns an outbox over cfg.Store; Start its dispatchers to deliver.
func New(cfg Config) (*Outbox, error) {
	if cfg.Store == nil {
		return nil, errors.New("outbox: a store is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Backoff.First <= 0 {
		cfg.Backoff.First = 5 * time.Second
	}
	if cfg.Backoff.Max < cfg.Backoff.First {
		cfg.Backoff.Max = max(cfg.Backoff.First, 5*time.Minute)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 7 * 24 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Endpoints = slices.Compact(slices.Clone(cfg.Endpoints))
	o := &Outbox{cfg: cfg, log: cfg.Log}
	for range cfg.Endpoints {
		o.kicks = append(o.kicks, make(chan struct{}, 1))
	}
	if cfg.Metrics != nil {
		o.register(cfg.Metrics)
	}
	return o, nil
}

// register exports the outbox's metrics.
func (o *Outbox) register(reg *metrics.Registry) {
	o.emitted = reg.Counter("govchat_webhook_events_total", "Outbound events recorded in the outbox, by type.", "type")
	o.attempted = reg.Counter("govchat_webhook_deliveries_total", "Attempts to deliver an outbound event to a receiver, by result (delivered, failed).", "result")
	reg.GaugeFunc("govchat_webhook_backlog", "Deliveries of outbound events (webhooks to the 12345 工单 system) not yet acknowledged by their receiver; an event for two receivers counts twice. 0 without GOVCHAT_WEBHOOK_URL.", func() float64 {
		b, err := o.backlog()
		if err != nil {
			return 0
		}
		return float64(b.Pending)
	})
	reg.GaugeFunc("govchat_webhook_oldest_pending_seconds", "Age of the oldest outbound event not yet acknowledged by every receiver (0 when none).", func() float64 {
		b, err := o.backlog()
		if err != nil || b.Oldest.IsZero() {
			return 0
		}
		return max(0, o.cfg.Now().Sub(b.Oldest).Seconds())
	})
}

func (o *Outbox) backlog() (Backlog, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := o.Backlog(ctx)
	if err != nil {
		o.log.Warn("outbox: backlog", slog.Any("error", err))
	}
	return b, err
}

// Endpoints are the receivers.
func (o *Outbox) Endpoints() []string { return slices.Clone(o.cfg.Endpoints) }

// Emit records e for every receiver in tx, the transaction of the change
// that causes it (nil: a transaction of its own), and wakes the
// dispatchers. Without receivers it records nothing.
func (o *Outbox) Emit(ctx context.Context, tx events.Execer, e events.Event) error {
	if len(o.cfg.Endpoints) == 0 {
		return nil
	}
	if e.ID == "" || e.Type == "" || len(e.Body) == 0 {
		return fmt.Errorf("outbox: incomplete event %q of type %q", e.ID, e.Type)
	}
	if o.cfg.Seal != nil {
		sealed, err := o.cfg.Seal.Seal(e.Body, e.ID)
		if err != nil {
			return fmt.Errorf("outbox: seal %s: %w", e.ID, err)
		}
		e.Body = sealed
	}
	if err := o.cfg.Store.Add(ctx, tx, o.cfg.Endpoints, e.Time, e); err != nil {
		return fmt.Errorf("outbox: %s %s: %w", e.Type, e.ID, err)
	}
	if o.emitted != nil {
		o.emitted.With(e.Type).Inc()
	}
	o.kick()
	return nil
}

// kick wakes every dispatcher. One woken while the change that emitted is
// still uncommitted finds the event once it is (SQLite's one connection
// waits for the commit), or at its next poll.
func (o *Outbox) kick() {
	for _, k := range o.kicks {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}

// Backlog is the pending work for the configured receivers.
func (o *Outbox) Backlog(ctx context.Context) (Backlog, error) {
	if len(o.cfg.Endpoints) == 0 {
		return Backlog{}, nil
	}
	return o.cfg.Store.Backlog(ctx, o.cfg.Endpoints)
}

// List lists deliveries, oldest event first, with their bodies opened.
func (o *Outbox) List(ctx context.Context, f Filter) ([]Delivery, error) {
	ds, err := o.cfg.Store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].Body, err = o.open(ds[i]); err != nil {
			ds[i].Body = nil
		}
	}
	return ds, nil
}

// Replay makes every event made at or after since pending again for the
// given receivers (all configured ones when none is given; each must be
// configured), due now, and wakes the dispatchers. It returns how many
// deliveries it queued.
func (o *Outbox) Replay(ctx context.Context, since time.Time, endpoints []string) (int, error) {
	if len(endpoints) == 0 {
		endpoints = o.cfg.Endpoints
	}
	if len(endpoints) == 0 {
		return 0, errors.New("outbox: no receivers configured (GOVCHAT_WEBHOOK_URL)")
	}
	for _, ep := range endpoints {
		if !slices.Contains(o.cfg.Endpoints, ep) {
			return 0, fmt.Errorf("outbox: %s is not a configured receiver (GOVCHAT_WEBHOOK_URL)", ep)
		}
	}
	n, err := o.cfg.Store.Requeue(ctx, since, endpoints, o.cfg.Now())
	if err != nil {
		return 0, fmt.Errorf("outbox: replay: %w", err)
	}
	o.kick()
	return n, nil
}

// Start runs a dispatcher per receiver, and the pruning of delivered
// events past the retention, until Close.
func (o *Outbox) Start() error {
	if o.cfg.Sender == nil {
		return errors.New("outbox: a sender is required to deliver")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.started {
		return errors.New("outbox: started twice")
	}
	o.started = true
	ctx, cancel := context.WithCancel(context.Background())
	o.stop = cancel
	for i, ep := range o.cfg.Endpoints {
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			o.dispatch(ctx, ep, o.kicks[i])
		}()
	}
	if len(o.cfg.Endpoints) > 0 {
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			o.pruneLoop(ctx)
		}()
	}
	return nil
}

// Close stops the dispatchers: a send in flight is abandoned and its
// delivery is due again at once (the receiver may have it; it deduplicates
// by id). It does not close the store.
func (o *Outbox) Close() error {
	o.mu.Lock()
	stop := o.stop
	o.stop = nil
	o.mu.Unlock()
	if stop != nil {
		stop()
	}
	o.wg.Wait()
	return nil
}

// dispatch delivers to one endpoint until ctx ends.
func (o *Outbox) dispatch(ctx context.Context, ep string, kick <-chan struct{}) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
		if _, err := o.deliver(ctx, ep); err != nil && ctx.Err() == nil && !errors.Is(err, errHeld) {
			o.log.Error("outbox: deliver", slog.String("endpoint", redactURL(ep)), slog.Any("error", err))
		}
		wait := o.cfg.Poll
		if next, err := o.cfg.Store.NextDue(context.WithoutCancel(ctx), []string{ep}); err == nil && !next.IsZero() {
			wait = min(wait, max(0, next.Sub(o.cfg.Now())))
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}

// DeliverDue sends every delivery due now to every receiver, once: it
// returns after each receiver has taken all of them or failed one (that
// one and those behind it stay pending for their retry). It returns how
// many were delivered. `govchat events replay` uses it; serve's
// dispatchers do the same continuously.
func (o *Outbox) DeliverDue(ctx context.Context) (int, error) {
	if o.cfg.Sender == nil {
		return 0, errors.New("outbox: a sender is required to deliver")
	}
	total := 0
	var errs []error
	for _, ep := range o.cfg.Endpoints {
		n, err := o.deliver(ctx, ep)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", redactURL(ep), err))
		}
	}
	return total, errors.Join(errs...)
}

// errHeld reports that an endpoint could not take events now.
var errHeld = errors.New("receiver unavailable")

// deliver claims and sends due deliveries to ep until none is due or the
// receiver fails; it returns how many it delivered.
func (o *Outbox) deliver(ctx context.Context, ep string) (int, error) {
	db := context.WithoutCancel(ctx) // outcomes are recorded even when stopping
	delivered := 0
	for ctx.Err() == nil {
		now := o.cfg.Now()
		ds, err := o.cfg.Store.Claim(db, ep, now, now.Add(o.cfg.Lease), o.cfg.Batch)
		if err != nil {
			return delivered, err
		}
		if len(ds) == 0 {
			return delivered, nil
		}
		for i, d := range ds {
			err := o.send(ctx, d)
			at := o.cfg.Now()
			switch {
			case err == nil:
				delivered++
				o.count("delivered")
				if err := o.cfg.Store.Delivered(db, d.EventID, ep, at); err != nil {
					return delivered, err
				}
				continue
			case ctx.Err() != nil:
				// Stopping: give this one and the rest back, due now.
				o.release(db, ds[i:], at)
				return delivered, nil
			}
			o.count("failed")
			next := at.Add(o.cfg.Backoff.Delay(d.Attempts + 1))
			o.log.Warn("outbox: delivery failed", slog.String("endpoint", redactURL(ep)), slog.String("event", d.EventID),
				slog.String("type", d.Type), slog.Int("attempt", d.Attempts+1), slog.Time("retry", next), slog.Any("error", err))
			if err := o.cfg.Store.Failed(db, d.EventID, ep, at, next, clip(err.Error(), 500)); err != nil {
				return delivered, err
			}
			if !permanent(err) {
				// The receiver is down: the rest wait with this one.
				o.release(db, ds[i+1:], next)
				return delivered, fmt.Errorf("%w: %w", errHeld, err)
			}
		}
	}
	return delivered, nil
}

func (o *Outbox) send(ctx context.Context, d Delivery) error {
	body, err := o.open(d)
	if err != nil {
		return permanentError{err}
	}
	return o.cfg.Sender.Send(ctx, d.Endpoint, d.EventID, d.Type, body)
}

func (o *Outbox) open(d Delivery) ([]byte, error) {
	if o.cfg.Seal == nil {
		return d.Body, nil
	}
	b, err := o.cfg.Seal.Open(d.Body, d.EventID)
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", d.EventID, err)
	}
	return b, nil
}

func (o *Outbox) release(ctx context.Context, ds []Delivery, next time.Time) {
	for _, d := range ds {
		if err := o.cfg.Store.Release(ctx, d.EventID, d.Endpoint, next); err != nil {
			o.log.Error("outbox: release", slog.String("event", d.EventID), slog.Any("error", err))
		}
	}
}

func (o *Outbox) count(result string) {
	if o.attempted != nil {
		o.attempted.With(result).Inc()
	}
}

// pruneLoop deletes delivered events past the retention, now and hourly.
func (o *Outbox) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := o.cfg.Store.Prune(ctx, o.cfg.Now().Add(-o.cfg.Retention), o.cfg.Endpoints)
		switch {
		case err != nil && ctx.Err() == nil:
			o.log.Error("outbox: prune", slog.Any("error", err))
		case n > 0:
			o.log.Info("outbox: pruned delivered events", slog.Int("events", n), slog.Duration("older_than", o.cfg.Retention))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// permanent reports whether err is a receiver's refusal of one event.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

type permanentError struct{ error }

func (permanentError) Permanent() bool { return true }
func (e permanentError) Unwrap() error { return e.error }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
