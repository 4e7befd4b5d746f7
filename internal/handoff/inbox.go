package handoff

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/ratelimit"
)

// inbox is 留言: messages citizens leave when no operator helps, listed and
// marked handled on the workbench.
type inbox struct {
	d     *Desk
	limit *ratelimit.Keyed // 留言 per client address
}

func (in *inbox) onLeaveMessage(ctx context.Context, c *chat.Client, data []byte) error {
	d := in.d
	var f TextFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	text, e := checkText(f.Text, d.cfg.MaxTextRunes)
	if e != nil {
		return e
	}
	contact := strings.TrimSpace(f.Contact)
	if !utf8.ValidString(contact) || utf8.RuneCountInString(contact) > 50 {
		return govchat.Errorf(govchat.CodeBadRequest, "联系方式格式不正确。")
	}
	now := d.cfg.Now()
	if d.inbox.limit.Take(ratelimit.Key(c.IP()), now) > 0 {
		return &govchat.Error{Code: govchat.CodeRateLimited, Message: msgLimited, RetryAfter: int(d.cfg.MessageLimit.Every.Seconds())}
	}
	session := ""
	if s := c.Session(); s != nil {
		session = s.ID
	}
	m := Message{At: now, SessionID: session, Text: text, Contact: contact}
	id, err := d.store.addMessage(ctx, m, d.messageEvent(m))
	if err != nil {
		// Not stored (nor its event): the citizen is told to try again.
		return err
	}
	d.metrics().message()
	c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeLeaveMessage, Conversation: messageID(id), Message: msgStored})
	d.broadcast(ctx, event{Queue: true})
	return nil
}

// list lists 留言, newest first; status is open, done or "" for all.
func (in *inbox) list(ctx context.Context, status string, limit int) ([]Message, error) {
	d := in.d
	return d.store.messages(ctx, status, limit)
}

// handle marks a 留言 as handled by username.
func (in *inbox) handle(ctx context.Context, id int64, username string) error {
	d := in.d
	if err := d.store.handleMessage(ctx, id, username, d.cfg.Now()); err != nil {
		return err
	}
	d.broadcast(ctx, event{Queue: true})
	return nil
}
