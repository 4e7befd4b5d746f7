package govchat

// Error codes carried by error frames and HTTP API errors.
const (
	CodeBadRequest   = "bad_request"
	CodeTooLarge     = "too_large"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"
	CodeNotFound     = "not_found"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeConflict     = "conflict" // the request cannot be carried out as it is (HTTP 409)
)

// Error is a client-facing error: a code from the list above and a message in
// Simplified Chinese. Internals are logged, never sent.
type Error struct {
	Code    string
	Message string
	// RetryAfter is the number of seconds to wait, for rate_limited.
	RetryAfter int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds a client-facing error.
func Errorf(code, message string) *Error { return &Error{Code: code, Message: message} }
