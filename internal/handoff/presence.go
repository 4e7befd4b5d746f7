package handoff

import (
	"context"
	"log/slog"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
)

// presence is the operators online: every staff socket subscribed to the
// queue, watched until it ends or its account is signed out.
type presence struct {
	d   *Desk
	ops map[*chat.Client]operator
}

type operator struct{ username, staffNo string }

// online counts distinct online operators.
func (pr *presence) online() int {
	d := pr.d
	seen := map[string]bool{}
	for _, o := range d.presence.ops {
		seen[o.username] = true
	}
	return len(seen)
}

// to addresses every online socket of username (d.mu held).
func (pr *presence) to(username string, frame any) []delivery {
	d := pr.d
	var out []delivery
	for c, o := range d.presence.ops {
		if o.username == username {
			out = append(out, delivery{client: c, frame: frame})
		}
	}
	return out
}

func (pr *presence) onSubscribe(ctx context.Context, c *chat.Client, data []byte) error {
	d := pr.d
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	op := operator{username: p.ID, staffNo: p.Name}
	d.mu.Lock()
	_, again := d.presence.ops[c]
	d.presence.ops[c] = op
	var ds []delivery
	for _, conv := range d.queue.convs {
		if conv.Status == StatusActive && conv.Operator == op.username {
			ds = append(ds, delivery{client: c, frame: ConversationFrame{Type: TypeConversation, Conversation: copyConv(conv)}})
		}
	}
	ds = append(d.queueFrames(ctx), ds...)
	d.mu.Unlock()
	if !again {
		d.audit(ctx, op, "operator_online", "", "")
		go func() {
			d.presence.watch(c, op)
			d.mu.Lock()
			delete(d.presence.ops, c)
			ds := d.queueFrames(context.Background())
			d.mu.Unlock()
			d.deliver(ds)
		}()
	}
	d.deliver(ds)
	return nil
}

// watch returns when the operator's socket ends; it closes the socket when
// the account is no longer signed in.
func (pr *presence) watch(c *chat.Client, op operator) {
	d := pr.d
	if d.cfg.StillSignedIn == nil {
		<-c.Context().Done()
		return
	}
	t := time.NewTicker(d.cfg.RecheckEvery)
	defer t.Stop()
	for {
		select {
		case <-c.Context().Done():
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
