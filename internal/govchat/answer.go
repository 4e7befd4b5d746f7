package govchat

import (
	"errors"
	"slices"

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
	ModeClarify    Mode = "clarify"    // a choice of questions the knowledge base answers; nothing quoted
)

// Turn is one earlier exchange in a conversation.
type Turn struct {
	Question string
	Answer   string
	Terms    []string // topic terms of the question, for follow-ups without a model
	Docs     []string // ids of the documents the answer cites
	// Unsure: the answer was a clarification, so its topic is what the
	// asker was choosing among, not established: a follow-up that carries
	// it (一年交多少钱 after 在北京养狗要去哪登记 was clarified) is at most
	// clarified in turn, never answered on its strength.
	Unsure bool `json:",omitempty"`
	// Offered are the ids of the entries the answer offered as buttons
	// (Answer.Related): a later question may be a tap on one of them.
	Offered []string `json:",omitempty"`
	// Choices are the questions the answer offered (a clarification's
	// numbered candidates, an answer's 您可能还想问), in order: the next
	// question may choose one by its place (2, 第二个) or by words only one of
	// them holds, as a tap would.
	Choices []Choice `json:",omitempty"`
	// ID is the answer's id (AnswerFrame.ID), when the chat service gave
	// it one: a choice typed in reply to a clarification is recorded as a
	// tap on that answer's button.
	ID string `json:",omitempty"`
}

// Choice is one numbered candidate of a clarification: the entry and the
// question its button asks.
type Choice struct {
	ID       string
	Question string
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
	// Entry, when set, is the id of the entry the asker chose: Question is
	// a button (a clarify candidate, a related entry) that an earlier turn
	// offered (Turn.Offered) and the asker tapped. The answer is that
	// entry's, whatever else the words of the button would find first.
	Entry string
}

// Answer is a complete answer. Exactly one of three things: an answer that
// quotes (or a model's text citing) the knowledge base; a clarification
// (Clarify, no sources) offering the Related questions; or a refusal
// (Refused, a fixed reply pointing to the hotline).
type Answer struct {
	Text    string       `json:"text"`
	Refused bool         `json:"refused"`
	Reason  string       `json:"reason,omitempty"` // why it was refused: low_confidence, out_of_scope, chitchat, harmful, injection, sensitive, unavailable
	Clarify bool         `json:"clarify,omitempty"`
	Mode    Mode         `json:"mode"`
	Sources []kb.Source  `json:"sources"`
	Related []kb.Related `json:"related"`
	// Aspect is the aspect of its topic the question asks for (费用, 材料 …),
	// when it names one.
	Aspect     string `json:"aspect,omitempty"`
	Standalone string `json:"standalone,omitempty"` // the question as rewritten for retrieval
	// Chosen is the id of the clarification candidate the question chose
	// by its number or its words (Turn.Choices), when it did.
	Chosen string   `json:"chosen,omitempty"`
	Terms  []string `json:"-"` // topic terms, stored in the conversation's Turn
}

// Turn is what a conversation keeps of this answer to q for the next
// question's follow-up handling, and whether it keeps anything: answers are
// kept, clarifications are kept as Unsure (nothing cited; the topic is what
// the asker is choosing among), and so are refusals for want of an answer
// that carry the question's topic terms (办一次管几天 after 进京证一年能办
// 几次 was refused still asks about 进京证); other refusals (out of scope,
// unsafe, chitchat) are not kept.
func (a *Answer) Turn(q string) (Turn, bool) {
	if a == nil || a.Refused && len(a.Terms) == 0 {
		return Turn{}, false
	}
	if a.Chosen != "" && a.Standalone != "" {
		q = a.Standalone // 2 chose a clarification's choice: its words were asked
	}
	t := Turn{Question: q, Answer: a.Text, Terms: a.Terms, Unsure: a.Clarify || a.Refused}
	for _, s := range a.Sources {
		if !slices.Contains(t.Docs, s.ID) {
			t.Docs = append(t.Docs, s.ID)
		}
	}
	for _, r := range a.Related {
		if !slices.Contains(t.Offered, r.ID) {
			t.Offered = append(t.Offered, r.ID)
		}
		t.Choices = append(t.Choices, Choice{ID: r.ID, Question: r.Question})
	}
	return t, true
}
