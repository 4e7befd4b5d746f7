package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/ratelimit"
)

// queue is what citizens and operators do in conversations: ask for a
// human, write, take, push a passage, end. The database holds the
// conversations; each change is a conditional update there (two operators
// on two instances cannot both take one), then an event tells every
// instance.
type queue struct {
	d            *Desk
	handoffLimit *ratelimit.Keyed // conversations a client address opens (per instance)
	chatLimit    *ratelimit.Keyed // citizen messages per conversation (per instance)
}

// statusFrame is the citizen's view of an open conversation.
func (d *Desk) statusFrame(ctx context.Context, c Conversation, id string) (HandoffFrame, error) {
	f := HandoffFrame{Type: TypeHandoff, ID: id, Status: c.Status, Conversation: c.ID, Reason: c.Reason, Hotline: d.cfg.Hotline}
	switch c.Status {
	case StatusQueued:
		pos, err := d.store.position(ctx, c)
		if err != nil {
			return HandoffFrame{}, err
		}
		f.Position = pos
		f.Message = fmt.Sprintf(msgQueued, f.Position)
		if c.Reason == ReasonRefused {
			f.Message = fmt.Sprintf(msgQueuedAuto, f.Position)
		}
	case StatusActive:
		f.StaffNo = c.StaffNo
		f.Message = fmt.Sprintf(msgConnected, c.StaffNo)
	case StatusClosed:
		f.Message = msgClosed
	}
	return f, nil
}

func (q *queue) onHandoff(ctx context.Context, c *chat.Client, data []byte) error {
	var f requestFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	s := c.Session()
	if s == nil {
		return govchat.Errorf(govchat.CodeBadRequest, msgNoSession)
	}
	if e := q.request(ctx, s.ID, ReasonRequested, f.ID, c.IP()); e != nil {
		return e
	}
	if d := q.d; d.cfg.Handoffs != nil {
		if _, err := d.cfg.Handoffs.RecordHandoff(context.WithoutCancel(ctx), s.ID); err != nil {
			d.log.Warn("handoff: note in the conversation log", slog.Any("error", err))
		}
	}
	return nil
}

// request starts (or reports) a handoff for session and tells the
// session's sockets. ip is the requesting client's address, whose new
// conversations are rate limited; "" for an automatic handoff.
func (q *queue) request(ctx context.Context, session, reason, reqID, ip string) *govchat.Error {
	d := q.d
	for range 3 {
		cur, err := d.store.openOf(ctx, session)
		switch {
		case err == nil:
			f, err := d.statusFrame(ctx, cur, reqID)
			if err != nil {
				return d.unavailable(err)
			}
			d.broadcast(ctx, event{Send: []send{{Session: session, Frame: frame(f)}}})
			return nil
		case !errors.Is(err, ErrNotFound):
			return d.unavailable(err)
		}
		now := d.cfg.Now()
		online, err := d.presence.online(ctx)
		if err != nil {
			return d.unavailable(err)
		}
		queued, _, _, err := d.store.counts(ctx)
		if err != nil {
			return d.unavailable(err)
		}
		if online == 0 || queued >= d.cfg.MaxQueued {
			msg := fmt.Sprintf(msgNoOperator, d.cfg.Hotline)
			outcome := StatusNoOperator
			switch {
			case online > 0:
				msg, outcome = fmt.Sprintf(msgQueueFull, d.cfg.Hotline), "queue_full"
			case reason == ReasonRefused:
				msg = fmt.Sprintf(msgNoOpAuto, d.cfg.Hotline)
			}
			d.metrics().request(reason, outcome)
			f := HandoffFrame{Type: TypeHandoff, ID: reqID, Status: StatusNoOperator, Reason: reason, Hotline: d.cfg.Hotline, CanLeave: true, Message: msg}
			d.broadcast(ctx, event{Send: []send{{Session: session, Frame: frame(f)}}})
			return nil
		}
		if ip != "" && q.handoffLimit.Take(ratelimit.Key(ip), now) > 0 {
			return &govchat.Error{Code: govchat.CodeRateLimited, Message: msgHandoffLimit, RetryAfter: int(d.cfg.HandoffLimit.Every.Seconds())}
		}
		conv := Conversation{ID: newID(), SessionID: session, Status: StatusQueued, Reason: reason, Created: now}
		conv.Transcript = append(conv.Transcript, d.auto.trailOf(session)...)
		note := "市民请求转人工"
		if reason == ReasonRefused {
			note = "智能助手连续两次未能回答，自动转人工"
		}
		conv.Transcript = append(conv.Transcript, Entry{At: now, From: FromSystem, Text: note})
		ids, err := d.store.create(ctx, &conv)
		if errors.Is(err, errOpen) {
			continue // created meanwhile (another socket, another instance): report it
		}
		if err != nil {
			return d.unavailable(err)
		}
		r := ref(conv)
		d.live.apply(r)
		texts := d.liveTexts(conv.ID, conv.Transcript, ids)
		d.metrics().request(reason, StatusQueued)
		f, err := d.statusFrame(ctx, conv, reqID)
		if err != nil {
			return d.unavailable(err)
		}
		d.broadcast(ctx, event{Conv: &r, TextsOf: conv.ID, Texts: texts, Send: []send{{Session: session, Frame: frame(f)}}})
		return nil
	}
	return d.unavailable(errors.New("handoff: conversation keeps changing"))
}

func (q *queue) onCitizenMessage(ctx context.Context, c *chat.Client, data []byte) error {
	d := q.d
	var f TextFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	text, e := checkText(f.Text, d.cfg.MaxTextRunes)
	if e != nil {
		return e
	}
	s := c.Session()
	if s == nil {
		return govchat.Errorf(govchat.CodeBadRequest, msgNoSession)
	}
	conv, err := d.store.openOf(ctx, s.ID)
	if errors.Is(err, ErrNotFound) {
		return govchat.Errorf(govchat.CodeBadRequest, msgNotInHandoff)
	}
	if err != nil {
		return d.unavailable(err)
	}
	n, err := d.store.entries(ctx, conv.ID)
	if err != nil {
		return d.unavailable(err)
	}
	if n >= d.cfg.MaxEntries {
		return govchat.Errorf(govchat.CodeTooLarge, fmt.Sprintf(msgConvFull, d.cfg.Hotline))
	}
	now := d.cfg.Now()
	if q.chatLimit.Take(conv.ID, now) > 0 {
		return &govchat.Error{Code: govchat.CodeRateLimited, Message: msgChatLimited, RetryAfter: max(1, int(d.cfg.ChatLimit.Every.Seconds()))}
	}
	entry := Entry{At: now, From: FromCitizen, Text: text}
	id, err := d.store.addEntry(ctx, conv.ID, entry)
	if err != nil {
		return d.unavailable(err)
	}
	ev := event{TextsOf: conv.ID, Texts: d.liveTexts(conv.ID, []Entry{entry}, []int64{id})}
	if conv.Status == StatusActive {
		ev.Send = []send{{User: conv.Operator, Frame: frame(CitizenMessageFrame{Type: TypeCitizenMessage, Conversation: conv.ID, Text: text, At: now})}}
	} else {
		ev.Queue = true // the preview changed
	}
	c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeHandoffMessage, Conversation: conv.ID})
	d.broadcast(ctx, ev)
	return nil
}

func (q *queue) onEnd(ctx context.Context, c *chat.Client, data []byte) error {
	d := q.d
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	var conv Conversation
	var err error
	by := FromCitizen
	if p.Role == govchat.RoleOperator || p.Role == govchat.RoleAdmin {
		by = FromOperator
		conv, err = d.store.conv(ctx, f.Conversation)
		switch {
		case errors.Is(err, ErrNotFound) || err == nil && conv.Status == StatusClosed:
			return govchat.Errorf(govchat.CodeNotFound, msgNoConv)
		case err != nil:
			return d.unavailable(err)
		case conv.Status == StatusActive && conv.Operator != p.ID && p.Role != govchat.RoleAdmin:
			return govchat.Errorf(govchat.CodeForbidden, msgNotYours)
		}
	} else {
		s := c.Session()
		if s == nil {
			return govchat.Errorf(govchat.CodeBadRequest, msgNotInHandoff)
		}
		conv, err = d.store.openOf(ctx, s.ID)
		if errors.Is(err, ErrNotFound) {
			return govchat.Errorf(govchat.CodeBadRequest, msgNotInHandoff)
		}
		if err != nil {
			return d.unavailable(err)
		}
	}
	now := d.cfg.Now()
	outcome, isUnresolved := endOutcome(&conv, by == FromOperator, f.Resolved)
	text := "市民结束了人工服务"
	if by == FromOperator {
		text = "坐席（工号" + p.Name + "）结束了人工服务"
		if conv.Status == StatusActive {
			text += map[bool]string{true: "（未解决）", false: "（已解决）"}[isUnresolved]
		}
	}
	var publish func(Conversation) publisher
	if isUnresolved && d.cfg.Events != nil {
		publish = func(c Conversation) publisher { return d.publish(now, unresolved(c, outcome, by)) }
	}
	ok, err := d.store.close(ctx, conv.ID, Entry{At: now, From: FromSystem, Text: text}, publish)
	if err != nil {
		return d.unavailable(err)
	}
	if !ok {
		return govchat.Errorf(govchat.CodeNotFound, msgNoConv)
	}
	d.auto.reset(conv.SessionID)
	d.closed(ctx, conv, f.ID, by)
	if by == FromOperator {
		d.audit(ctx, operator{p.ID, p.Name}, "handoff_end", conv.ID, "")
		c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeHandoffEnd, Conversation: conv.ID})
	}
	return nil
}

// closed tells every instance that conv has ended: its citizen, its
// operator and the queue.
func (d *Desk) closed(ctx context.Context, conv Conversation, reqID, by string) {
	conv.Status = StatusClosed
	r := ref(conv)
	d.live.apply(r)
	ev := event{Conv: &r, Queue: true, Send: []send{{Session: conv.SessionID,
		Frame: frame(HandoffFrame{Type: TypeHandoff, ID: reqID, Status: StatusClosed, Conversation: conv.ID, Hotline: d.cfg.Hotline, Message: msgClosed})}}}
	if conv.Operator != "" {
		ev.Send = append(ev.Send, send{User: conv.Operator, Frame: frame(FinishedFrame{Type: TypeHandoffFinished, Conversation: conv.ID, By: by})})
	}
	d.broadcast(ctx, ev)
}

// closeIdle ends the open conversations nobody has written in for
// IdleClose: their citizen is gone (the chat session could no longer be
// resumed either).
func (d *Desk) closeIdle(ctx context.Context, now time.Time) {
	idle, err := d.store.idle(ctx, now.Add(-d.cfg.IdleClose))
	if err != nil {
		d.log.Error("handoff: idle conversations", slog.Any("error", err))
		return
	}
	for _, c := range idle {
		var publish func(Conversation) publisher
		if d.cfg.Events != nil {
			// Nobody marked it resolved: queued, not taken; with an
			// operator, interrupted (the citizen went away).
			outcome := events.OutcomeInterrupted
			if c.Status == StatusQueued {
				outcome = events.OutcomeNotTaken
			}
			publish = func(c Conversation) publisher { return d.publish(now, unresolved(c, outcome, FromSystem)) }
		}
		ok, err := d.store.close(ctx, c.ID, Entry{At: now, From: FromSystem, Text: msgIdleClosed}, publish)
		if err != nil {
			d.log.Error("handoff: closing an idle conversation", slog.Any("error", err))
			return
		}
		if ok {
			d.closed(ctx, c, "", FromSystem)
		}
	}
}

// own returns the connected conversation id if the operator on c has it.
func (q *queue) own(ctx context.Context, c *chat.Client, id string) (Conversation, *govchat.Error) {
	d := q.d
	conv, err := d.store.conv(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return Conversation{}, govchat.Errorf(govchat.CodeNotFound, msgNoConv)
	case err != nil:
		return Conversation{}, d.unavailable(err)
	case conv.Status == StatusClosed:
		return Conversation{}, govchat.Errorf(govchat.CodeNotFound, msgNoConv)
	case conv.Status != StatusActive || conv.Operator != c.Principal().ID:
		return Conversation{}, govchat.Errorf(govchat.CodeForbidden, msgNotYours)
	}
	return conv, nil
}

func (q *queue) onTake(ctx context.Context, c *chat.Client, data []byte) error {
	d := q.d
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	now := d.cfg.Now()
	conv, err := d.store.conv(ctx, f.Conversation)
	if err == nil && conv.Status == StatusQueued {
		var took bool
		if took, err = d.store.take(ctx, conv.ID, p.ID, p.Name, now); err == nil && !took {
			conv, err = d.store.conv(ctx, f.Conversation) // taken or ended meanwhile
		} else if took {
			conv.Status, conv.Taken, conv.Operator, conv.StaffNo = StatusActive, now, p.ID, p.Name
			d.metrics().taken(now.Sub(conv.Created))
			if _, err = d.store.addEntry(ctx, conv.ID, Entry{At: now, From: FromSystem, Text: "坐席（工号" + p.Name + "）已接入"}); err == nil {
				r := ref(conv)
				d.live.apply(r)
				var sf HandoffFrame
				if sf, err = d.statusFrame(ctx, conv, ""); err == nil {
					defer d.broadcast(ctx, event{Conv: &r, Positions: true, Send: []send{{Session: conv.SessionID, Frame: frame(sf)}}})
					defer d.audit(ctx, operator{p.ID, p.Name}, "handoff_take", conv.ID, "")
				}
			}
		}
	}
	switch {
	case errors.Is(err, ErrNotFound) || err == nil && conv.Status == StatusClosed:
		return govchat.Errorf(govchat.CodeNotFound, msgNoConv)
	case err != nil:
		return d.unavailable(err)
	case conv.Operator != p.ID:
		return govchat.Errorf(govchat.CodeForbidden, msgTaken)
	}
	full, err := d.withTranscript(ctx, conv)
	if err != nil {
		return d.unavailable(err)
	}
	return c.Send(ConversationFrame{Type: TypeConversation, ID: f.ID, Conversation: full})
}

func (q *queue) onAgentMessage(ctx context.Context, c *chat.Client, data []byte) error {
	d := q.d
	var f TextFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	text, e := checkText(f.Text, d.cfg.MaxTextRunes)
	if e != nil {
		return e
	}
	conv, e := q.own(ctx, c, f.Conversation)
	if e != nil {
		return e
	}
	now := d.cfg.Now()
	entry := Entry{At: now, From: FromOperator, Text: text, StaffNo: conv.StaffNo}
	id, err := d.store.addEntry(ctx, conv.ID, entry)
	if err != nil {
		return d.unavailable(err)
	}
	ev := event{TextsOf: conv.ID, Texts: d.liveTexts(conv.ID, []Entry{entry}, []int64{id})}
	n := d.toSession(ctx, conv.SessionID, AgentMessageFrame{Type: TypeAgentMessage, Conversation: conv.ID, StaffNo: conv.StaffNo, Text: text, At: now}, ev)
	delivered := n > 0
	return c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeAgentMessage, Conversation: conv.ID, Delivered: &delivered})
}

func (q *queue) onAgentAnswer(ctx context.Context, c *chat.Client, data []byte) error {
	d := q.d
	var f AgentAnswerRequest
	if err := decode(data, &f); err != nil {
		return err
	}
	if d.cfg.Passages == nil {
		return govchat.Errorf(govchat.CodeUnavailable, msgNoPassages)
	}
	if len(f.DocID) > 200 || len(f.Anchor) > 200 {
		return govchat.Errorf(govchat.CodeBadRequest, msgNoPassage)
	}
	item, src, err := d.cfg.Passages.Passage(f.DocID, f.Anchor)
	if err != nil {
		return govchat.Errorf(govchat.CodeNotFound, msgNoPassage)
	}
	conv, e := q.own(ctx, c, f.Conversation)
	if e != nil {
		return e
	}
	now := d.cfg.Now()
	text := item.Text + "[1]\n" + item.Cite
	asked := d.lastCitizen(ctx, conv.ID)
	entry := Entry{At: now, From: FromOperator, Text: text, StaffNo: conv.StaffNo, Sources: []kb.Source{src}}
	id, err := d.store.addEntry(ctx, conv.ID, entry)
	if err != nil {
		return d.unavailable(err)
	}
	ev := event{TextsOf: conv.ID, Texts: d.liveTexts(conv.ID, []Entry{entry}, []int64{id})}
	n := d.toSession(ctx, conv.SessionID, AgentAnswerFrame{Type: TypeAgentAnswer, Conversation: conv.ID, StaffNo: conv.StaffNo, Text: text, Sources: []kb.Source{src}, At: now}, ev)
	d.audit(ctx, operator{c.Principal().ID, conv.StaffNo}, "handoff_push", conv.ID, f.DocID+"#"+src.Anchor)
	if d.cfg.Evidence != nil && asked != "" {
		// The operator's choice is evidence of what the citizen's words
		// ask for (learning from use; reviewed before it teaches anything).
		if err := d.cfg.Evidence.RecordEvidence(ctx, govchat.Evidence{Wording: asked, EntryID: f.DocID, Kind: govchat.EvidenceOperatorPush,
			Session: conv.SessionID, By: c.Principal().ID, At: now}); err != nil {
			d.log.Warn("handoff: evidence", slog.Any("error", err))
		}
	}
	delivered := n > 0
	return c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeAgentAnswer, Conversation: conv.ID, Delivered: &delivered})
}

// onHello tells a citizen who comes back — after a reconnect, perhaps to
// another instance — where their conversation with an operator stands.
func (q *queue) onHello(ctx context.Context, c *chat.Client, resumed bool) {
	d := q.d
	s := c.Session()
	if !resumed || s == nil || c.Principal().Role != govchat.RoleCitizen {
		return
	}
	if _, ok := d.live.openOf(s.ID); !ok {
		return
	}
	conv, err := d.store.openOf(ctx, s.ID)
	if err != nil {
		return
	}
	f, err := d.statusFrame(ctx, conv, "")
	if err == nil {
		c.Send(f)
	}
}

// list lists stored conversations (without transcripts), newest first;
// status filters when not empty.
func (q *queue) list(ctx context.Context, status string, limit int) ([]Conversation, error) {
	return q.d.store.list(ctx, status, limit, false)
}

// get returns a conversation with its transcript: stored (redacted), with
// the live text of what this instance has seen while it is open.
func (q *queue) get(ctx context.Context, id string) (Conversation, error) {
	c, err := q.d.store.conv(ctx, id)
	if err != nil {
		return Conversation{}, err
	}
	return q.d.withTranscript(ctx, c)
}

type requestFrame struct {
	Type   string `json:"type"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// lastCitizen is the citizen's latest words in a conversation: what an
// operator's push answers. The live text when this instance has it (the
// learner redacts it as it does every wording), else the stored one.
func (d *Desk) lastCitizen(ctx context.Context, conv string) string {
	id, text, err := d.store.lastCitizen(ctx, conv)
	if err != nil {
		d.log.Warn("handoff: evidence", slog.Any("error", err))
		return ""
	}
	if t, ok := d.live.text(conv, id); ok {
		return t
	}
	return text
}
