package govchat

import (
	"errors"
	"time"

	"github.com/govchat/govchat/internal/kb"
)

// ErrAnswerNotFound: feedback names an answer that does not exist (or that
// belongs to another session).
var ErrAnswerNotFound = errors.New("answer not found")

// RecordSource is one cited source of an answer, as the log keeps it.
type RecordSource struct {
	N      int    `json:"n"`
	DocID  string `json:"doc_id"`
	Anchor string `json:"anchor,omitempty"`
	Title  string `json:"title,omitempty"`
}

// Record is one question and what happened to it.
type Record struct {
	AnswerID string         `json:"answer_id"`
	Session  string         `json:"session"` // the session's public id (never its resume token)
	Channel  string         `json:"channel"` // ws, api, …
	At       time.Time      `json:"at"`
	Question string         `json:"question"`
	Answer   string         `json:"answer"`
	Refused  bool           `json:"refused"`
	Reason   string         `json:"reason,omitempty"` // refusal reason
	Mode     string         `json:"mode,omitempty"`   // model, extractive, refused
	Latency  time.Duration  `json:"latency"`
	Error    string         `json:"error,omitempty"` // error code when no answer could be produced
	Sources  []RecordSource `json:"sources"`
	// Clarify and Related are what the asker was offered as buttons: a
	// clarification's choices, or related questions after an answer. The
	// operators' transcript shows them and learning from use checks taps
	// against them; the log does not keep them.
	Clarify bool         `json:"-"`
	Related []kb.Related `json:"-"`
	// Via: the question was a tapped button of an earlier answer.
	Via *Via `json:"via,omitempty"`
}

// Feedback is a citizen's 👍/👎 on an answer.
type Feedback struct {
	AnswerID string    `json:"answer_id"`
	Session  string    `json:"session,omitempty"` // when set, the answer must belong to it
	Helpful  bool      `json:"helpful"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// Via says how a question was asked: by tapping a button (a clarify
// candidate or a related question) that an earlier answer offered. The
// client's ask frame and POST /api/ask carry it.
type Via struct {
	AnswerID string `json:"answer_id"` // the answer whose button was tapped
	ID       string `json:"id"`        // the entry the button named
}
