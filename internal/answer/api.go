package answer

import (
	"github.com/govchat/govchat/internal/govchat"
)

// The answer vocabulary lives in internal/govchat, so that the chat hub and
// the server speak it without importing the answerer; these names keep the
// answerer's own code short.
type (
	Mode    = govchat.Mode
	Turn    = govchat.Turn
	Choice  = govchat.Choice
	Request = govchat.Request
	Answer  = govchat.Answer
)

// ErrInvalidQuestion wraps the safety input errors (empty, too long, invalid
// UTF-8).
var ErrInvalidQuestion = govchat.ErrInvalidQuestion

// Answer modes.
const (
	ModeModel      = govchat.ModeModel
	ModeExtractive = govchat.ModeExtractive
	ModeRefused    = govchat.ModeRefused
	ModeClarify    = govchat.ModeClarify
)
