// Package events is the vocabulary of govchat's outbound events: what it
// tells systems it does not own — the 12345 platform's ticket (工单) system —
// when something happens there that a person must act on. There are four:
//
//	leave_message.created   a citizen left a 留言 (no operator could help)
//	handoff.unresolved      a 转人工 conversation ended without being resolved
//	feedback.negative       a citizen gave an answer 👎 and said why
//	review.approved         the knowledge office approved a review item
//
// An Event is a JSON envelope (id, type, version, time, source, data) whose
// data is one of the types below; api/events.schema.json is its JSON Schema
// and docs/webhooks.md explains it. Version 1 changes only by adding: new
// event types, new optional fields.
//
// Personal data: New redacts 身份证号 and phone numbers from every free-text
// field of an event's data. The one exception is LeaveMessage.Contact, the
// way back to the citizen that the ticket needs, which is sent as given.
//
// The producers (handoff, review, history) build events here and hand them
// to an Emitter (internal/outbox) in the transaction of the change that
// causes them. This package imports only the standard library and kb.
package events

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// Version is the schema version of the events this govchat sends.
const Version = 1

// Event types.
const (
	TypeLeaveMessage      = "leave_message.created"
	TypeHandoffUnresolved = "handoff.unresolved"
	TypeFeedbackNegative  = "feedback.negative"
	TypeReviewApproved    = "review.approved"
)

// Types lists every event type, in the order the documentation gives them.
var Types = []string{TypeLeaveMessage, TypeHandoffUnresolved, TypeFeedbackNegative, TypeReviewApproved}

// Event is one outbound event. Body is what is sent: the envelope as JSON,
// fixed when the event is made, so that every delivery and every replay of
// it carries the same bytes.
type Event struct {
	ID   string
	Type string
	Time time.Time
	Body []byte
}

// envelope is the JSON form of an event.
type envelope struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Version int       `json:"version"`
	Time    time.Time `json:"time"`
	Source  string    `json:"source,omitempty"`
	Data    Data      `json:"data"`
}

// Data is the type-specific part of an event: LeaveMessage,
// HandoffUnresolved, FeedbackNegative or ReviewApproved.
type Data interface {
	// EventType is the event's type (TypeLeaveMessage …).
	EventType() string
	// redacted returns the data with personal data removed from its free
	// text; it is what keeps events to the contract in the package comment.
	redacted(redact func(string) string) Data
}

// Maker makes events.
type Maker struct {
	// Redact removes 身份证号 and phone numbers from text (safety.Redact).
	// Required.
	Redact func(string) string
	// Source names the govchat that sends (GOVCHAT_PUBLIC_URL); the
	// documents' doc_url paths resolve against it. Optional.
	Source string
}

// New makes an event of d at t with a new unique id.
func (m Maker) New(t time.Time, d Data) (Event, error) {
	if m.Redact == nil {
		return Event{}, errors.New("events: a redaction function is required")
	}
	if d == nil {
		return Event{}, errors.New("events: no data")
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return Event{}, fmt.Errorf("events: id: %w", err)
	}
	e := envelope{ID: "evt_" + hex.EncodeToString(b), Type: d.EventType(), Version: Version, Time: t.Truncate(time.Millisecond), Source: m.Source, Data: d.redacted(m.Redact)}
	body, err := json.Marshal(e)
	if err != nil {
		return Event{}, fmt.Errorf("events: %s: %w", e.Type, err)
	}
	return Event{ID: e.ID, Type: e.Type, Time: e.Time, Body: body}, nil
}

// Execer is what an event is written in: the transaction of the change
// that causes it (*sql.Tx; a store's own transaction type) or a database.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Emitter records events for delivery (outbox.Outbox). Emit writes e in tx,
// the transaction of the change that causes it, so that the change and its
// event are committed together or not at all; a nil tx writes it in a
// transaction of its own, for changes kept in another database. An emitter
// without receivers configured records nothing.
type Emitter interface {
	Emit(ctx context.Context, tx Execer, e Event) error
}

// Source is a document an event refers to (an answer's citation, a pushed
// passage).
type Source struct {
	N      int    `json:"n,omitempty"`
	DocID  string `json:"doc_id"`
	Title  string `json:"title,omitempty"`
	Anchor string `json:"anchor,omitempty"`
	// DocURL is govchat's page for it, at the cited paragraph: a path
	// (/docs/…#…) on the server named by the event's source.
	DocURL string `json:"doc_url"`
}

// NewSource is a source for document id at anchor.
func NewSource(n int, id, title, anchor string) Source {
	return Source{N: n, DocID: id, Title: title, Anchor: anchor, DocURL: kb.DocURL(id, anchor)}
}

// LeaveMessage is leave_message.created: a citizen left a 留言 when no
// operator could take the conversation.
type LeaveMessage struct {
	// MessageID is the 留言's id (m_12), as the citizen's acknowledgement
	// and the workbench's list name it.
	MessageID string    `json:"message_id"`
	SessionID string    `json:"session_id,omitempty"`
	Created   time.Time `json:"created"`
	// Text is what the citizen wrote, personal numbers redacted.
	Text string `json:"text"`
	// Contact is how the citizen asked to be called back, as given (may be
	// empty): the only field of any event that carries a phone number.
	Contact string `json:"contact"`
}

// EventType implements Data.
func (LeaveMessage) EventType() string { return TypeLeaveMessage }

func (d LeaveMessage) redacted(r func(string) string) Data {
	d.Text = r(d.Text)
	return d
}

// Outcomes of an unresolved 转人工 conversation.
const (
	// OutcomeNotTaken: it ended before any operator took it — the citizen
	// ended it while queued, or an operator closed it from the queue.
	OutcomeNotTaken = "not_taken"
	// OutcomeUnresolved: the operator who took it ended it without marking
	// it resolved.
	OutcomeUnresolved = "unresolved"
	// OutcomeCitizenEnded: the citizen ended it while talking to an
	// operator, before the operator marked it resolved.
	OutcomeCitizenEnded = "citizen_ended"
	// OutcomeInterrupted: govchat restarted while it was open (queued or
	// connected), which ends every open conversation.
	OutcomeInterrupted = "interrupted"
)

// HandoffUnresolved is handoff.unresolved: a 转人工 conversation ended and
// no operator marked it resolved (Outcome says how it ended).
type HandoffUnresolved struct {
	Conversation string    `json:"conversation"`
	SessionID    string    `json:"session_id"`
	Reason       string    `json:"reason"`   // requested | refused_twice
	Outcome      string    `json:"outcome"`  // not_taken | unresolved | citizen_ended | interrupted
	EndedBy      string    `json:"ended_by"` // citizen | operator | system
	Created      time.Time `json:"created"`
	Taken        time.Time `json:"taken,omitzero"`
	Closed       time.Time `json:"closed"`
	// StaffNo is the 工号 of the operator who took it, if any.
	StaffNo    string            `json:"staff_no,omitempty"`
	Transcript []TranscriptEntry `json:"transcript"`
}

// TranscriptEntry is one line of a conversation.
type TranscriptEntry struct {
	At      time.Time `json:"at"`
	From    string    `json:"from"` // citizen | bot | operator | system
	Text    string    `json:"text"`
	StaffNo string    `json:"staff_no,omitempty"`
	Refused bool      `json:"refused,omitempty"`
	Sources []Source  `json:"sources,omitempty"`
}

// EventType implements Data.
func (HandoffUnresolved) EventType() string { return TypeHandoffUnresolved }

func (d HandoffUnresolved) redacted(r func(string) string) Data {
	t := make([]TranscriptEntry, len(d.Transcript))
	for i, e := range d.Transcript {
		e.Text = r(e.Text)
		t[i] = e
	}
	d.Transcript = t
	return d
}

// FeedbackNegative is feedback.negative: a citizen rated an answer 👎 and
// gave a reason.
type FeedbackNegative struct {
	AnswerID  string    `json:"answer_id"`
	SessionID string    `json:"session_id"`
	Channel   string    `json:"channel"` // ws | api
	Asked     time.Time `json:"asked"`
	Question  string    `json:"question"`
	Answer    string    `json:"answer"`
	Refused   bool      `json:"refused"`
	// RefusalReason is why the answer was a refusal (low_confidence …).
	RefusalReason string   `json:"refusal_reason,omitempty"`
	Mode          string   `json:"mode,omitempty"` // model | extractive | refused
	Sources       []Source `json:"sources"`
	// Reason is the citizen's reason for the 👎.
	Reason string    `json:"reason"`
	Rated  time.Time `json:"rated"`
}

// EventType implements Data.
func (FeedbackNegative) EventType() string { return TypeFeedbackNegative }

func (d FeedbackNegative) redacted(r func(string) string) Data {
	d.Question, d.Answer, d.Reason = r(d.Question), r(d.Answer), r(d.Reason)
	if d.Sources == nil {
		d.Sources = []Source{}
	}
	return d
}

// ReviewApproved is review.approved: the knowledge office accepted an item
// of its review list — a flag on an outdated or wrong answer or document,
// or a proposed FAQ entry — so the change is due in the knowledge base.
type ReviewApproved struct {
	ItemID  int64     `json:"item_id"`
	Kind    string    `json:"kind"` // flag | proposal
	Created time.Time `json:"created"`
	// StaffNo is the 工号 of the operator who raised it.
	StaffNo    string    `json:"staff_no"`
	Approved   time.Time `json:"approved"`
	ApprovedBy string    `json:"approved_by"` // the admin's user name
	Resolution string    `json:"resolution,omitempty"`

	// A flag.
	DocID        string `json:"doc_id,omitempty"`
	Anchor       string `json:"anchor,omitempty"`
	DocURL       string `json:"doc_url,omitempty"`
	AnswerID     string `json:"answer_id,omitempty"`
	Problem      string `json:"problem,omitempty"`       // outdated | wrong | other
	ProblemLabel string `json:"problem_label,omitempty"` // 内容过时 …
	Note         string `json:"note,omitempty"`

	// A proposed FAQ entry.
	Question     string   `json:"question,omitempty"`
	Similar      []string `json:"similar,omitempty"`
	Answer       string   `json:"answer,omitempty"`
	Department   string   `json:"department,omitempty"`
	Sources      []string `json:"sources,omitempty"`
	Conversation string   `json:"conversation,omitempty"`
}

// EventType implements Data.
func (ReviewApproved) EventType() string { return TypeReviewApproved }

func (d ReviewApproved) redacted(r func(string) string) Data {
	d.Resolution, d.Note, d.Question, d.Answer = r(d.Resolution), r(d.Note), r(d.Question), r(d.Answer)
	if d.Similar != nil {
		s := make([]string, len(d.Similar))
		for i, q := range d.Similar {
			s[i] = r(q)
		}
		d.Similar = s
	}
	return d
}

// Publisher makes events and emits them: the producers' one call.
type Publisher struct {
	Maker Maker
	To    Emitter
}

// Publish makes an event of d at at and emits it in tx (see Emitter).
func (p Publisher) Publish(ctx context.Context, tx Execer, at time.Time, d Data) error {
	e, err := p.Maker.New(at, d)
	if err != nil {
		return err
	}
	return p.To.Emit(ctx, tx, e)
}
