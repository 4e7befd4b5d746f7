package govchat

import (
	"context"
	"time"
)

// Evidence is one observation that a wording asks for an entry: the
// question as someone typed it and the entry that answered it, with how
// that became known. Learning from use (internal/learn) records it; the
// knowledge office reviews it as proposed 相似问 (similar questions).
type Evidence struct {
	Wording string `json:"wording"`  // the question as typed (redacted before it is stored)
	EntryID string `json:"entry_id"` // the FAQ entry that answered it
	Kind    string `json:"kind"`     // one of the Evidence* kinds
	Session string `json:"session,omitempty"`
	// AnswerID is the answer (or the operator's push) that gave the entry.
	AnswerID string    `json:"answer_id,omitempty"`
	By       string    `json:"by,omitempty"` // the operator, for operator evidence
	At       time.Time `json:"at"`
}

// Kinds of evidence, strongest first.
const (
	// EvidenceTapHelpful: a citizen tapped a button offering the entry after
	// asking in their own words, and marked the answer 👍.
	EvidenceTapHelpful = "tap_helpful"
	// EvidenceOperatorPush: an operator pushed the entry in reply to a
	// citizen's question.
	EvidenceOperatorPush = "operator_push"
	// EvidenceOperatorCopy: an operator copied the entry's answer after
	// typing a caller's words into the look-up.
	EvidenceOperatorCopy = "operator_copy"
	// EvidenceTapKept: a citizen tapped the entry's button and did not ask
	// again (no 👎, no rewording of the question).
	EvidenceTapKept = "tap_kept"
)

// EvidenceRecorder takes evidence (internal/learn implements it). It must
// not block for long: callers are answering someone.
type EvidenceRecorder interface {
	RecordEvidence(ctx context.Context, e Evidence) error
}
