package handoff

import (
	"context"
	"fmt"
	"time"

	"github.com/govchat/govchat/internal/events"
)

// Events receives the desk's outbound events (events.Publisher over the
// outbox), written in the transaction that stores the change causing them:
//
//	leave_message.created   a 留言 was left (with its contact, as given)
//	handoff.unresolved      a conversation ended and no operator marked it resolved
type Events interface {
	Publish(ctx context.Context, tx events.Execer, at time.Time, d events.Data) error
}

// publish writes data in the change's transaction; nil without
// Config.Events.
func (d *Desk) publish(at time.Time, data events.Data) publisher {
	return publishTo(d.cfg.Events, at, data)
}

func publishTo(to Events, at time.Time, data events.Data) publisher {
	if to == nil {
		return nil
	}
	return func(ctx context.Context, tx execer) error {
		if err := to.Publish(ctx, tx, at, data); err != nil {
			return fmt.Errorf("handoff: event: %w", err)
		}
		return nil
	}
}

// messageEvent is the leave_message.created event of a 留言 stored as id.
func (d *Desk) messageEvent(m Message) func(id int64) publisher {
	if d.cfg.Events == nil {
		return nil
	}
	return func(id int64) publisher {
		return d.publish(m.At, events.LeaveMessage{MessageID: messageID(id), SessionID: m.SessionID, Created: m.At, Text: m.Text, Contact: m.Contact})
	}
}

func messageID(id int64) string { return fmt.Sprintf("m_%d", id) }

// unresolved is the handoff.unresolved event of a conversation that ended
// with outcome, ended by endedBy (citizen, operator or system).
func unresolved(c Conversation, outcome, endedBy string) events.HandoffUnresolved {
	e := events.HandoffUnresolved{Conversation: c.ID, SessionID: c.SessionID, Reason: c.Reason, Outcome: outcome, EndedBy: endedBy,
		Created: c.Created, Taken: c.Taken, Closed: c.Closed, StaffNo: c.StaffNo, Transcript: make([]events.TranscriptEntry, 0, len(c.Transcript))}
	for _, t := range c.Transcript {
		te := events.TranscriptEntry{At: t.At, From: t.From, Text: t.Text, StaffNo: t.StaffNo, Refused: t.Refused}
		for _, s := range t.Sources {
			te.Sources = append(te.Sources, events.Source{N: s.N, DocID: s.ID, Title: s.Title, Anchor: s.Anchor, DocURL: s.DocURL})
		}
		e.Transcript = append(e.Transcript, te)
	}
	return e
}

// endOutcome says whether a conversation ending now is unresolved, and how:
// only an operator who took it can mark it resolved.
func endOutcome(c *Conversation, byOperator, resolved bool) (outcome string, unresolvedEnd bool) {
	switch {
	case c.Status == StatusQueued:
		return events.OutcomeNotTaken, true
	case !byOperator:
		return events.OutcomeCitizenEnded, true
	case !resolved:
		return events.OutcomeUnresolved, true
	}
	return "", false
}
