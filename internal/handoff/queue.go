package handoff

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/ratelimit"
)

// queue is the desk's open conversations and what citizens and operators
// do in them: ask for a human, write, take, push a passage, end.
type queue struct {
	d            *Desk
	convs        map[string]*Conversation // open (queued or connected) by id
	bySession    map[string]*Conversation // open by citizen session id
	handoffLimit *ratelimit.Keyed         // conversations a client address opens
	chatLimit    *ratelimit.Keyed         // citizen messages per conversation
}

// position is the 1-based place of c among queued conversations (d.mu held).
func (q *queue) position(c *Conversation) int {
	d := q.d
	n := 1
	for _, o := range d.queue.convs {
		if o.Status == StatusQueued && (o.Created.Before(c.Created) || o.Created.Equal(c.Created) && o.ID < c.ID) {
			n++
		}
	}
	return n
}

// statusFrame is the citizen's view of an open conversation (d.mu held).
func (q *queue) statusFrame(c *Conversation, id string) HandoffFrame {
	d := q.d
	f := HandoffFrame{Type: TypeHandoff, ID: id, Status: c.Status, Conversation: c.ID, Reason: c.Reason, Hotline: d.cfg.Hotline}
	switch c.Status {
	case StatusQueued:
		f.Position = d.queue.position(c)
		f.Message = fmt.Sprintf(msgQueued, f.Position)
		if c.Reason == ReasonRefused {
			f.Message = fmt.Sprintf(msgQueuedAuto, f.Position)
		}
	case StatusActive:
		f.StaffNo = c.StaffNo
		f.Message = fmt.Sprintf(msgConnected, c.StaffNo)
	}
	return f
}

func (q *queue) onHandoff(ctx context.Context, c *chat.Client, data []byte) error {
	d := q.d
	var f requestFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	s := c.Session()
	if s == nil {
		return govchat.Errorf(govchat.CodeBadRequest, msgNoSession)
	}
	ds, e := d.queue.request(ctx, s.ID, ReasonRequested, f.ID, c.IP())
	if e != nil {
		return e
	}
	if d.cfg.Handoffs != nil {
		if _, err := d.cfg.Handoffs.RecordHandoff(context.WithoutCancel(ctx), s.ID); err != nil {
			d.log.Warn("handoff: note in the conversation log", slog.Any("error", err))
		}
	}
	d.deliver(ds)
	return nil
}

// request starts (or reports) a handoff for session and returns what to
// send. ip is the requesting client's address, whose new conversations are
// rate limited; "" for an automatic handoff.
func (q *queue) request(ctx context.Context, session, reason, reqID, ip string) ([]delivery, *govchat.Error) {
	d := q.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.queue.bySession[session]; c != nil {
		return []delivery{{session: session, frame: d.queue.statusFrame(c, reqID)}}, nil
	}
	now := d.cfg.Now()
	queued := 0
	for _, c := range d.queue.convs {
		if c.Status == StatusQueued {
			queued++
		}
	}
	if d.presence.online() == 0 || queued >= d.cfg.MaxQueued {
		msg := fmt.Sprintf(msgNoOperator, d.cfg.Hotline)
		outcome := StatusNoOperator
		switch {
		case d.presence.online() > 0:
			msg, outcome = fmt.Sprintf(msgQueueFull, d.cfg.Hotline), "queue_full"
		case reason == ReasonRefused:
			msg = fmt.Sprintf(msgNoOpAuto, d.cfg.Hotline)
		}
		d.m.request(reason, outcome)
		return []delivery{{session: session, frame: HandoffFrame{Type: TypeHandoff, ID: reqID, Status: StatusNoOperator, Reason: reason, Hotline: d.cfg.Hotline, CanLeave: true, Message: msg}}}, nil
	}
	if ip != "" && d.queue.handoffLimit.Take(ratelimit.Key(ip), now) > 0 {
		return nil, &govchat.Error{Code: govchat.CodeRateLimited, Message: msgHandoffLimit, RetryAfter: int(d.cfg.HandoffLimit.Every.Seconds())}
	}
	conv := &Conversation{ID: newID(), SessionID: session, Status: StatusQueued, Reason: reason, Created: now}
	if t := d.auto.trails[session]; t != nil {
		conv.Transcript = append(conv.Transcript, t.entries...)
	}
	note := "市民请求转人工"
	if reason == ReasonRefused {
		note = "智能助手连续两次未能回答，自动转人工"
	}
	conv.Transcript = append(conv.Transcript, Entry{At: now, From: FromSystem, Text: note})
	d.persist(d.store.create(ctx, conv))
	d.queue.convs[conv.ID] = conv
	d.queue.bySession[session] = conv
	d.m.request(reason, StatusQueued)
	return append([]delivery{{session: session, frame: d.queue.statusFrame(conv, reqID)}}, d.queueFrames(ctx)...), nil
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
	d.mu.Lock()
	conv := d.queue.bySession[s.ID]
	if conv == nil {
		d.mu.Unlock()
		return govchat.Errorf(govchat.CodeBadRequest, msgNotInHandoff)
	}
	now := d.cfg.Now()
	if len(conv.Transcript) >= d.cfg.MaxEntries {
		d.mu.Unlock()
		return govchat.Errorf(govchat.CodeTooLarge, fmt.Sprintf(msgConvFull, d.cfg.Hotline))
	}
	if d.queue.chatLimit.Take(conv.ID, now) > 0 {
		d.mu.Unlock()
		return &govchat.Error{Code: govchat.CodeRateLimited, Message: msgChatLimited, RetryAfter: max(1, int(d.cfg.ChatLimit.Every.Seconds()))}
	}
	entry := Entry{At: now, From: FromCitizen, Text: text}
	conv.Transcript = append(conv.Transcript, entry)
	d.persist(d.store.addEntry(ctx, conv.ID, entry))
	ds := []delivery{{client: c, frame: AckFrame{Type: "ack", ID: f.ID, Of: TypeHandoffMessage, Conversation: conv.ID}}}
	if conv.Status == StatusActive {
		ds = append(ds, d.presence.to(conv.Operator, CitizenMessageFrame{Type: TypeCitizenMessage, Conversation: conv.ID, Text: text, At: now})...)
	} else {
		ds = append(ds, d.queueFrames(ctx)...)
	}
	d.mu.Unlock()
	d.deliver(ds)
	return nil
}

func (q *queue) onEnd(ctx context.Context, c *chat.Client, data []byte) error {
	d := q.d
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	d.mu.Lock()
	var conv *Conversation
	by := FromCitizen
	if p.Role == govchat.RoleOperator || p.Role == govchat.RoleAdmin {
		by = FromOperator
		conv = d.queue.convs[f.Conversation]
		if conv == nil {
			d.mu.Unlock()
			return govchat.Errorf(govchat.CodeNotFound, msgNoConv)
		}
		if conv.Status == StatusActive && conv.Operator != p.ID && p.Role != govchat.RoleAdmin {
			d.mu.Unlock()
			return govchat.Errorf(govchat.CodeForbidden, msgNotYours)
		}
	} else {
		if s := c.Session(); s != nil {
			conv = d.queue.bySession[s.ID]
		}
		if conv == nil {
			d.mu.Unlock()
			return govchat.Errorf(govchat.CodeBadRequest, msgNotInHandoff)
		}
	}
	now := d.cfg.Now()
	outcome, isUnresolved := endOutcome(conv, by == FromOperator, f.Resolved)
	text := "市民结束了人工服务"
	if by == FromOperator {
		text = "坐席（工号" + p.Name + "）结束了人工服务"
		if conv.Status == StatusActive {
			text += map[bool]string{true: "（未解决）", false: "（已解决）"}[isUnresolved]
		}
	}
	entry := Entry{At: now, From: FromSystem, Text: text}
	conv.Transcript = append(conv.Transcript, entry)
	conv.Status, conv.Closed = StatusClosed, now
	var publish publisher
	if isUnresolved {
		publish = d.publish(now, unresolved(*conv, outcome, by))
	}
	d.persist(d.store.end(ctx, conv, entry, publish))
	delete(d.queue.convs, conv.ID)
	delete(d.queue.bySession, conv.SessionID)
	if t := d.auto.trails[conv.SessionID]; t != nil {
		t.entries, t.refusals = nil, 0
	}
	ds := []delivery{{session: conv.SessionID, frame: HandoffFrame{Type: TypeHandoff, ID: f.ID, Status: StatusClosed, Conversation: conv.ID, Hotline: d.cfg.Hotline, Message: msgClosed}}}
	if conv.Operator != "" {
		ds = append(ds, d.presence.to(conv.Operator, FinishedFrame{Type: TypeHandoffFinished, Conversation: conv.ID, By: by})...)
	}
	ds = append(ds, d.queueFrames(ctx)...)
	d.mu.Unlock()
	if by == FromOperator {
		d.audit(ctx, operator{p.ID, p.Name}, "handoff_end", conv.ID, "")
		ds = append(ds, delivery{client: c, frame: AckFrame{Type: "ack", ID: f.ID, Of: TypeHandoffEnd, Conversation: conv.ID}})
	}
	d.deliver(ds)
	return nil
}

// own returns the connected conversation id owned by the operator on c
// (d.mu held).
func (q *queue) own(c *chat.Client, id string) (*Conversation, *govchat.Error) {
	d := q.d
	conv := d.queue.convs[id]
	if conv == nil {
		return nil, govchat.Errorf(govchat.CodeNotFound, msgNoConv)
	}
	if conv.Status != StatusActive || conv.Operator != c.Principal().ID {
		return nil, govchat.Errorf(govchat.CodeForbidden, msgNotYours)
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
	d.mu.Lock()
	conv := d.queue.convs[f.Conversation]
	switch {
	case conv == nil:
		d.mu.Unlock()
		return govchat.Errorf(govchat.CodeNotFound, msgNoConv)
	case conv.Status == StatusActive && conv.Operator != p.ID:
		d.mu.Unlock()
		return govchat.Errorf(govchat.CodeForbidden, msgTaken)
	}
	now := d.cfg.Now()
	if conv.Status == StatusQueued {
		conv.Status, conv.Taken, conv.Operator, conv.StaffNo = StatusActive, now, p.ID, p.Name
		d.m.taken(now.Sub(conv.Created))
		entry := Entry{At: now, From: FromSystem, Text: "坐席（工号" + p.Name + "）已接入"}
		conv.Transcript = append(conv.Transcript, entry)
		d.persist(d.store.addEntry(ctx, conv.ID, entry))
		d.persist(d.store.update(ctx, conv))
	}
	ds := []delivery{
		{client: c, frame: ConversationFrame{Type: TypeConversation, ID: f.ID, Conversation: copyConv(conv)}},
		{session: conv.SessionID, frame: d.queue.statusFrame(conv, "")},
	}
	ds = append(ds, d.queueFrames(ctx)...)
	// Everyone still waiting moved up one place.
	for _, o := range d.queue.convs {
		if o.Status == StatusQueued {
			ds = append(ds, delivery{session: o.SessionID, frame: d.queue.statusFrame(o, "")})
		}
	}
	d.mu.Unlock()
	d.audit(ctx, operator{p.ID, p.Name}, "handoff_take", conv.ID, "")
	d.deliver(ds)
	return nil
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
	d.mu.Lock()
	conv, e := d.queue.own(c, f.Conversation)
	if e != nil {
		d.mu.Unlock()
		return e
	}
	now := d.cfg.Now()
	entry := Entry{At: now, From: FromOperator, Text: text, StaffNo: conv.StaffNo}
	conv.Transcript = append(conv.Transcript, entry)
	d.persist(d.store.addEntry(ctx, conv.ID, entry))
	session, staffNo := conv.SessionID, conv.StaffNo
	d.mu.Unlock()
	n := d.sendToSession(session, AgentMessageFrame{Type: TypeAgentMessage, Conversation: conv.ID, StaffNo: staffNo, Text: text, At: now})
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
	d.mu.Lock()
	conv, e := d.queue.own(c, f.Conversation)
	if e != nil {
		d.mu.Unlock()
		return e
	}
	now := d.cfg.Now()
	text := item.Text + "[1]\n" + item.Cite
	asked := lastCitizen(conv.Transcript)
	entry := Entry{At: now, From: FromOperator, Text: text, StaffNo: conv.StaffNo, Sources: []kb.Source{src}}
	conv.Transcript = append(conv.Transcript, entry)
	d.persist(d.store.addEntry(ctx, conv.ID, entry))
	session, staffNo := conv.SessionID, conv.StaffNo
	d.mu.Unlock()
	n := d.sendToSession(session, AgentAnswerFrame{Type: TypeAgentAnswer, Conversation: conv.ID, StaffNo: staffNo, Text: text, Sources: []kb.Source{src}, At: now})
	d.audit(ctx, operator{c.Principal().ID, staffNo}, "handoff_push", conv.ID, f.DocID+"#"+src.Anchor)
	if d.cfg.Evidence != nil && asked != "" {
		// The operator's choice is evidence of what the citizen's words
		// ask for (learning from use; reviewed before it teaches anything).
		if err := d.cfg.Evidence.RecordEvidence(ctx, govchat.Evidence{Wording: asked, EntryID: f.DocID, Kind: govchat.EvidenceOperatorPush,
			Session: session, By: c.Principal().ID, At: now}); err != nil {
			d.log.Warn("handoff: evidence", slog.Any("error", err))
		}
	}
	delivered := n > 0
	return c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeAgentAnswer, Conversation: conv.ID, Delivered: &delivered})
}

// list lists stored conversations (without transcripts), newest
// first; status filters when not empty.
func (q *queue) list(ctx context.Context, status string, limit int) ([]Conversation, error) {
	d := q.d
	return d.store.list(ctx, status, limit)
}

// get returns a conversation with its transcript: the live one
// while it is open, else the stored (redacted) one.
func (q *queue) get(ctx context.Context, id string) (Conversation, error) {
	d := q.d
	d.mu.Lock()
	if c := d.queue.convs[id]; c != nil {
		out := copyConv(c)
		d.mu.Unlock()
		return out, nil
	}
	d.mu.Unlock()
	return d.store.get(ctx, id)
}

type requestFrame struct {
	Type   string `json:"type"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// items lists the open conversations, queued ones first, oldest first
// (d.mu held).
func (q *queue) items() []QueueItem {
	items := []QueueItem{}
	for _, c := range q.convs {
		it := QueueItem{Conversation: c.ID, SessionID: c.SessionID, Status: c.Status, Reason: c.Reason, Created: c.Created, StaffNo: c.StaffNo, Entries: len(c.Transcript)}
		for i := len(c.Transcript) - 1; i >= 0; i-- {
			if c.Transcript[i].From == FromCitizen {
				it.Preview = clip(c.Transcript[i].Text, 60)
				break
			}
		}
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if (a.Status == StatusQueued) != (b.Status == StatusQueued) {
			return a.Status == StatusQueued
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.Conversation < b.Conversation
	})
	return items
}

// lastCitizen is the citizen's latest words in a transcript: what an
// operator's push answers.
func lastCitizen(t []Entry) string {
	for i := len(t) - 1; i >= 0; i-- {
		if t[i].From == FromCitizen {
			return t[i].Text
		}
	}
	return ""
}
