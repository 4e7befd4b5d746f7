package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
)

// httpStatus maps an error code to an HTTP status.
func httpStatus(code string) int {
	switch code {
	case govchat.CodeBadRequest:
		return http.StatusBadRequest
	case govchat.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case govchat.CodeRateLimited:
		return http.StatusTooManyRequests
	case govchat.CodeUnavailable:
		return http.StatusServiceUnavailable
	case govchat.CodeNotFound:
		return http.StatusNotFound
	case govchat.CodeUnauthorized:
		return http.StatusUnauthorized
	case govchat.CodeForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// writeError writes err as a JSON error response
// ({"type":"error","code":…,"message":…}): a *govchat.Error keeps its code,
// anything else is internal.
func writeError(w http.ResponseWriter, err error) {
	var e *govchat.Error
	if !errors.As(err, &e) {
		e = govchat.Errorf(govchat.CodeInternal, "系统繁忙，请稍后重试。")
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(httpStatus(e.Code))
	json.NewEncoder(w).Encode(chat.ErrorFrame{Type: chat.TypeError, Code: e.Code, Message: e.Message, RetryAfter: e.RetryAfter})
}
