package handoff

import (
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// Frame types added to the chat protocol for the operator handoff
// (docs/protocol.md, section "转人工").
const (
	// Citizen → server.
	TypeHandoff        = "handoff"         // ask for a human (existing type; answered with a handoff frame)
	TypeHandoffMessage = "handoff_message" // a message to the operator
	TypeHandoffEnd     = "handoff_end"     // the citizen or the operator ends the conversation
	TypeLeaveMessage   = "leave_message"   // 留言 when no operator is online

	// Operator → server (role operator or admin).
	TypeQueueSubscribe = "queue_subscribe" // go online and receive the queue
	TypeHandoffTake    = "handoff_take"    // take a queued conversation
	TypeAgentMessage   = "agent_message"   // a message to the citizen (also server → citizen)
	TypeAgentAnswer    = "agent_answer"    // push a knowledge-base passage with its citation (also server → citizen)

	// Server → operator.
	TypeQueue           = "queue"            // the live queue
	TypeConversation    = "conversation"     // a conversation with its full transcript
	TypeCitizenMessage  = "citizen_message"  // a citizen's message in a taken conversation
	TypeHandoffFinished = "handoff_finished" // a conversation was ended
)

// Handoff statuses (the status field of a handoff frame and of a
// conversation).
const (
	StatusQueued     = "queued"      // waiting for an operator
	StatusActive     = "connected"   // an operator has taken it
	StatusClosed     = "closed"      // ended
	StatusNoOperator = "no_operator" // nobody online: hotline and 留言 offered
)

// Reasons a conversation joined the queue.
const (
	ReasonRequested = "requested"     // the citizen asked for a human
	ReasonRefused   = "refused_twice" // the bot refused twice in a row
)

// HandoffFrame tells the citizen where their handoff stands.
type HandoffFrame struct {
	Type         string `json:"type"`
	ID           string `json:"id,omitempty"`
	Status       string `json:"status"`
	Conversation string `json:"conversation,omitempty"`
	Position     int    `json:"position,omitempty"` // place in the queue, 1 = next
	StaffNo      string `json:"staff_no,omitempty"` // the operator's 工号 (never their name)
	Reason       string `json:"reason,omitempty"`
	Hotline      string `json:"hotline,omitempty"`
	CanLeave     bool   `json:"can_leave_message,omitempty"`
	Message      string `json:"message"`
}

// TextFrame is a client frame carrying text (handoff_message, agent_message,
// leave_message).
type TextFrame struct {
	Type         string `json:"type"`
	ID           string `json:"id,omitempty"`
	Conversation string `json:"conversation,omitempty"` // operators name the conversation
	Text         string `json:"text"`
	Contact      string `json:"contact,omitempty"` // leave_message: how to call back (optional)
}

// TakeFrame takes or ends a conversation (handoff_take, handoff_end).
type TakeFrame struct {
	Type         string `json:"type"`
	ID           string `json:"id,omitempty"`
	Conversation string `json:"conversation,omitempty"`
	// Resolved (handoff_end from the operator who took the conversation)
	// marks the citizen's matter resolved; a conversation ended otherwise
	// is reported to the 工单 system as unresolved.
	Resolved bool `json:"resolved,omitempty"`
}

// AgentAnswerRequest pushes a knowledge-base passage (agent_answer from an
// operator).
type AgentAnswerRequest struct {
	Type         string `json:"type"`
	ID           string `json:"id,omitempty"`
	Conversation string `json:"conversation"`
	DocID        string `json:"doc_id"`
	Anchor       string `json:"anchor,omitempty"`
}

// AgentMessageFrame is an operator's message as the citizen receives it.
type AgentMessageFrame struct {
	Type         string    `json:"type"`
	Conversation string    `json:"conversation"`
	StaffNo      string    `json:"staff_no"`
	Text         string    `json:"text"`
	At           time.Time `json:"at"`
}

// AgentAnswerFrame is a knowledge-base answer an operator pushed, as the
// citizen receives it: the same text and sources as a bot answer frame.
type AgentAnswerFrame struct {
	Type         string      `json:"type"`
	Conversation string      `json:"conversation"`
	StaffNo      string      `json:"staff_no"`
	Text         string      `json:"text"`
	Sources      []kb.Source `json:"sources"`
	At           time.Time   `json:"at"`
}

// CitizenMessageFrame is a citizen's message as the operator receives it.
type CitizenMessageFrame struct {
	Type         string    `json:"type"`
	Conversation string    `json:"conversation"`
	Text         string    `json:"text"`
	At           time.Time `json:"at"`
}

// FinishedFrame tells the operator a conversation ended.
type FinishedFrame struct {
	Type         string `json:"type"`
	Conversation string `json:"conversation"`
	By           string `json:"by"` // citizen, operator
}

// QueueFrame is the live queue as operators see it.
type QueueFrame struct {
	Type            string      `json:"type"`
	Items           []QueueItem `json:"items"`
	OperatorsOnline int         `json:"operators_online"`
	OpenMessages    int         `json:"open_messages"` // 留言 not yet handled
}

// QueueItem is one waiting or active conversation in the queue frame.
type QueueItem struct {
	Conversation string    `json:"conversation"`
	SessionID    string    `json:"session_id"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason"`
	Created      time.Time `json:"created"`
	StaffNo      string    `json:"staff_no,omitempty"` // who took it
	Preview      string    `json:"preview"`            // the last citizen words
	Entries      int       `json:"entries"`
}

// ConversationFrame carries a conversation with its transcript.
type ConversationFrame struct {
	Type         string       `json:"type"`
	ID           string       `json:"id,omitempty"`
	Conversation Conversation `json:"conversation"`
}

// Conversation is a handoff with its full transcript.
type Conversation struct {
	ID         string    `json:"id"`
	SessionID  string    `json:"session_id"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason"`
	Created    time.Time `json:"created"`
	Taken      time.Time `json:"taken,omitzero"`
	Closed     time.Time `json:"closed,omitzero"`
	Operator   string    `json:"operator,omitempty"` // username
	StaffNo    string    `json:"staff_no,omitempty"`
	Transcript []Entry   `json:"transcript"`
}

// Entry is one line of a transcript.
type Entry struct {
	At      time.Time `json:"at"`
	From    string    `json:"from"` // citizen, bot, operator, system
	Text    string    `json:"text"`
	StaffNo string    `json:"staff_no,omitempty"`
	Refused bool      `json:"refused,omitempty"`
	// AnswerID is the bot answer's id in the conversation log (for flags).
	AnswerID string      `json:"answer_id,omitempty"`
	Sources  []kb.Source `json:"sources,omitempty"`
	// Clarify and Related are the buttons the bot offered (a clarification's
	// choices, related questions), stored with the entry.
	Clarify bool         `json:"clarify,omitempty"`
	Related []kb.Related `json:"related,omitempty"`
}

// Speakers in a transcript.
const (
	FromCitizen  = "citizen"
	FromBot      = "bot"
	FromOperator = "operator"
	FromSystem   = "system"
)
