package handoff

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
)

// presence is the operators online: on this instance, every staff socket
// subscribed to the queue, watched until it ends or its account is signed
// out; on the others, the rows they keep fresh in the database.
type presence struct {
	d   *Desk
	mu  sync.Mutex
	ops map[*chat.Client]operator
}

type operator struct{ username, staffNo string }

// online counts the distinct operators online on every instance: those of
// this one from its sockets, the others' from the database.
func (pr *presence) online(ctx context.Context) (int, error) {
	d := pr.d
	seen := map[string]bool{}
	pr.mu.Lock()
	for _, o := range pr.ops {
		seen[o.username] = true
	}
	pr.mu.Unlock()
	others, err := d.store.operatorsElsewhere(ctx, d.instance, d.cfg.Wall().Add(-d.cfg.PresenceTTL))
	if err != nil {
		return len(seen), err
	}
	for _, u := range others {
		seen[u] = true
	}
	return len(seen), nil
}

// clients lists this instance's subscribed sockets.
func (pr *presence) clients() []*chat.Client {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	out := make([]*chat.Client, 0, len(pr.ops))
	for c := range pr.ops {
		out = append(out, c)
	}
	return out
}

// clientsOf lists this instance's subscribed sockets of username.
func (pr *presence) clientsOf(username string) []*chat.Client {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var out []*chat.Client
	for c, o := range pr.ops {
		if o.username == username {
			out = append(out, c)
		}
	}
	return out
}

// connID names a socket in the presence table.
func (pr *presence) connID(c *chat.Client) string {
	return pr.d.instance + "/" + c.ID()
}

func (pr *presence) onSubscribe(ctx context.Context, c *chat.Client, data []byte) error {
	d := pr.d
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	op := operator{username: p.ID, staffNo: p.Name}
	if err := d.store.operatorOnline(ctx, pr.connID(c), d.instance, op.username, op.staffNo, d.cfg.Wall()); err != nil {
		return d.unavailable(err)
	}
	pr.mu.Lock()
	_, again := pr.ops[c]
	pr.ops[c] = op
	pr.mu.Unlock()
	qf, err := d.queueFrame(ctx)
	if err != nil {
		return d.unavailable(err)
	}
	c.Send(qf)
	// The conversations this operator has, wherever they were taken.
	mine, err := d.store.list(ctx, StatusActive, 1000, false)
	if err != nil {
		return d.unavailable(err)
	}
	for _, conv := range mine {
		if conv.Operator != op.username {
			continue
		}
		full, err := d.withTranscript(ctx, conv)
		if err != nil {
			return d.unavailable(err)
		}
		c.Send(ConversationFrame{Type: TypeConversation, Conversation: full})
	}
	if !again {
		d.audit(ctx, op, "operator_online", "", "")
		d.broadcast(ctx, event{Queue: true})
		d.spawn(func() {
			pr.watch(c, op)
			pr.mu.Lock()
			delete(pr.ops, c)
			pr.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := d.store.operatorOffline(ctx, pr.connID(c)); err != nil {
				d.log.Error("handoff: presence", slog.Any("error", err))
			}
			d.broadcast(ctx, event{Queue: true})
		})
	}
	return nil
}

// watch returns when the operator's socket ends; it closes the socket when
// the account is no longer signed in.
func (pr *presence) watch(c *chat.Client, op operator) {
	d := pr.d
	if d.cfg.StillSignedIn == nil {
		select {
		case <-c.Context().Done():
		case <-d.stop:
		}
		return
	}
	t := time.NewTicker(d.cfg.RecheckEvery)
	defer t.Stop()
	for {
		select {
		case <-c.Context().Done():
			return
		case <-d.stop:
			return
		case <-t.C:
			ok, err := d.cfg.StillSignedIn(c.Context(), op.username)
			if err != nil {
				d.log.Error("handoff: session check", slog.Any("error", err))
				continue
			}
			if !ok {
				d.log.Info("handoff: closing the socket of a signed-out operator", slog.String("operator", op.username))
				c.SendError("", govchat.Errorf(govchat.CodeUnauthorized, "登录已过期，请重新登录。"))
				c.Close()
				<-c.Context().Done()
				return
			}
		}
	}
}
