package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/govchat/govchat/internal/bus"
	"github.com/govchat/govchat/internal/sqldb"
)

// BusSchema holds the bodies of messages too large for a notification.
var BusSchema = sqldb.Schema{Component: "bus", Steps: []sqldb.Step{{
	Postgres: `CREATE TABLE IF NOT EXISTS bus_payloads (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at BIGINT NOT NULL,
	payload BYTEA NOT NULL
)`,
}}}

// maxInline is the largest message sent in the notification itself
// (PostgreSQL allows 8000 bytes); larger ones, or ones that are not text,
// go through bus_payloads and the notification names their row.
const maxInline = 7000

// payloadTTL is how long a large message's row is kept for the listeners
// to read.
const payloadTTL = time.Minute

// Bus is the bus between instances: Publish is a NOTIFY on a channel of the
// database, and each Bus LISTENs on one dedicated connection, reconnecting
// with backoff when it is lost (subscribers are then Reset, since
// notifications sent meanwhile are lost).
type Bus struct {
	db      *DB
	channel string
	log     *slog.Logger

	mu   sync.Mutex
	subs map[int]bus.Handler
	next int

	cancel context.CancelFunc
	done   chan struct{}
}

var _ bus.Bus = (*Bus)(nil)

// NewBus starts listening on channel (an identifier, e.g. "govchat_desk")
// and returns once it listens.
func (d *DB) NewBus(ctx context.Context, channel string) (*Bus, error) {
	if err := d.SQL.Migrate(ctx, BusSchema); err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	b := &Bus{db: d, channel: channel, log: d.cfg.Log, subs: map[int]bus.Handler{}, cancel: cancel, done: make(chan struct{})}
	ready := make(chan error, 1)
	go b.listen(lctx, ready)
	select {
	case err := <-ready:
		if err != nil {
			cancel()
			<-b.done
			return nil, err
		}
		return b, nil
	case <-ctx.Done():
		cancel()
		<-b.done
		return nil, ctx.Err()
	}
}

// Publish sends msg to every listener of the channel.
func (b *Bus) Publish(ctx context.Context, msg []byte) error {
	if len(msg) > bus.MaxMessage {
		return bus.ErrTooLarge
	}
	payload := "=" + string(msg)
	if len(msg) > maxInline || !utf8.Valid(msg) || containsNUL(msg) {
		now := time.Now()
		id, err := b.db.SQL.InsertID(ctx, `INSERT INTO bus_payloads(at, payload) VALUES(?, ?)`, now.UnixMilli(), msg)
		if err != nil {
			return fmt.Errorf("bus: %w", err)
		}
		payload = "@" + strconv.FormatInt(id, 10)
		if _, err := b.db.SQL.ExecContext(ctx, `DELETE FROM bus_payloads WHERE at < ?`, now.Add(-payloadTTL).UnixMilli()); err != nil {
			b.log.Warn("bus: cleaning up", slog.Any("error", err))
		}
	}
	if _, err := b.db.SQL.ExecContext(ctx, `SELECT pg_notify(?, ?)`, b.channel, payload); err != nil {
		return fmt.Errorf("bus: notify: %w", err)
	}
	return nil
}

func containsNUL(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return true
		}
	}
	return false
}

// Subscribe registers h.
func (b *Bus) Subscribe(h bus.Handler) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = h
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

func (b *Bus) handlers() []bus.Handler {
	b.mu.Lock()
	defer b.mu.Unlock()
	hs := make([]bus.Handler, 0, len(b.subs))
	for i := 0; i < b.next; i++ {
		if h, ok := b.subs[i]; ok {
			hs = append(hs, h)
		}
	}
	return hs
}

// Close stops listening.
func (b *Bus) Close() error {
	b.cancel()
	<-b.done
	return nil
}

// idleCheck is how long the listener waits for a notification before it
// checks that its connection is still alive.
const idleCheck = 15 * time.Second

// listen keeps a connection LISTENing on the channel and hands each
// notification to the subscribers; ready gets the first LISTEN's outcome.
func (b *Bus) listen(ctx context.Context, ready chan<- error) {
	defer close(b.done)
	first := true
	wait := 100 * time.Millisecond
	down := false
	for ctx.Err() == nil {
		conn, err := b.connect(ctx)
		if err != nil {
			if first {
				ready <- err
				return
			}
			if !down {
				b.log.Error("bus: lost the PostgreSQL listener connection; reconnecting", slog.Any("error", err))
				down = true
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		if first {
			first = false
			ready <- nil
		} else {
			b.log.Info("bus: listening again")
			for _, h := range b.handlers() {
				h.Reset()
			}
		}
		down, wait = false, 100*time.Millisecond
		err = b.pump(ctx, conn)
		conn.Close(context.Background())
		if ctx.Err() == nil {
			b.log.Error("bus: listener connection failed; reconnecting", slog.Any("error", err))
			down = true
		}
	}
}

func (b *Bus) connect(ctx context.Context) (*pgx.Conn, error) {
	cc := b.db.connCfg.Copy()
	cc.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) { b.deliver(ctx, n.Payload) }
	cctx, cancel := context.WithTimeout(ctx, b.db.cfg.Timeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cc)
	if err != nil {
		return nil, fmt.Errorf("bus: connect: %w", err)
	}
	if _, err := conn.Exec(cctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("bus: listen: %w", err)
	}
	return conn, nil
}

// pump reads from conn until it fails; notifications reach deliver through
// the connection's OnNotification, whichever call reads them.
func (b *Bus) pump(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, idleCheck)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !isTimeout(err):
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, b.db.cfg.Timeout)
		_, err = conn.Exec(pctx, "SELECT 1")
		cancel()
		if err != nil {
			return err
		}
	}
}

// deliver hands one notification's message to the subscribers.
func (b *Bus) deliver(ctx context.Context, payload string) {
	if payload == "" {
		return
	}
	var msg []byte
	switch payload[0] {
	case '=':
		msg = []byte(payload[1:])
	case '@':
		id, err := strconv.ParseInt(payload[1:], 10, 64)
		if err != nil {
			return
		}
		rctx, cancel := context.WithTimeout(ctx, b.db.cfg.Timeout)
		err = b.db.SQL.QueryRowContext(rctx, `SELECT payload FROM bus_payloads WHERE id=?`, id).Scan(&msg)
		cancel()
		if err != nil {
			b.log.Error("bus: reading a large message", slog.Int64("id", id), slog.Any("error", err))
			for _, h := range b.handlers() {
				h.Reset()
			}
			return
		}
	default:
		return
	}
	for _, h := range b.handlers() {
		h.Receive(msg)
	}
}
