package govchat

import (
	"errors"

	"github.com/govchat/govchat/internal/kb"
)

// ErrInvalidQuestion is returned (wrapped) by an answerer for a question it
// cannot take as it is: empty, too long or not valid UTF-8.
var ErrInvalidQuestion = errors.New("invalid question")

// Mode says how an answer was produced.
type Mode string

// Answer modes.
const (
	ModeModel      Mode = "model"      // written by the configured chat model
	ModeExtractive Mode = "extractive" // quoted from the official text
	ModeRefused    Mode = "refused"    // a fixed reply; nothing was generated
)

// Turn is one earlier exchange in a conversation.
type Turn struct {
	Question string
	Answer   string
	Terms    []string // topic terms of the question, for follow-ups without a model
}

// Request is one question in a conversation.
type Request struct {
	Question string
	History  []Turn // oldest first
	// Stream, when set, receives the answer text as it is produced (already
	// checked by the safety filter). Returning an error stops the answer.
	Stream func(delta string) error
	// IncludeExpired also answers from 已废止 documents (labelled).
	IncludeExpired bool
}

// Answer is a complete answer.
type Answer struct {
	Text       string      `json:"text"`
	Refused    bool        `json:"refused"`
	Reason     string      `json:"reason,omitempty"` // why it was refused: low_confidence, out_of_scope, chitchat, harmful, injection, sensitive, unavailable
	Mode       Mode        `json:"mode"`
	Sources    []kb.Source `json:"sources"`
	Standalone string      `json:"standalone,omitempty"` // the question as rewritten for retrieval
	Terms      []string    `json:"-"`                    // topic terms, stored in the conversation's Turn
}
