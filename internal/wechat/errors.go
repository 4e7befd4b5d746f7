package wechat

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies a login failure. It is what API clients see in the "code"
// field of an error response; the Chinese text comes from UserMessage.
type Code string

// Login failure codes.
const (
	CodeBadRequest    Code = "bad_request"    // the request itself is malformed (no code, oversized body)
	CodeInvalidCode   Code = "invalid_code"   // WeChat 40029: the js_code is invalid or expired
	CodeCodeUsed      Code = "code_used"      // WeChat 40163: the js_code was already exchanged
	CodeRateLimited   Code = "rate_limited"   // WeChat 45011, or govchat's own per-client limit
	CodeBlocked       Code = "blocked"        // WeChat 40226: high-risk user, login intercepted
	CodeBusy          Code = "busy"           // WeChat -1: system busy, retry later
	CodeUnavailable   Code = "unavailable"    // WeChat unreachable, timed out or answered garbage
	CodeMisconfigured Code = "misconfigured"  // wrong appid/secret (40013, 40125, 41002, 41004) or none set
	CodeUnauthorized  Code = "unauthorized"   // a govchat session token is missing, unknown or expired
	CodeInternal      Code = "internal"       // storage failure and the like
	CodeUnknown       Code = "wechat_unknown" // an errcode govchat does not know
)

// WeChat errcode values of jscode2session.
const (
	errcodeBusy          = -1
	errcodeInvalidAppID  = 40013
	errcodeInvalidCode   = 40029
	errcodeInvalidSecret = 40125
	errcodeCodeUsed      = 40163
	errcodeBlocked       = 40226
	errcodeMissingAppID  = 41002
	errcodeMissingSecret = 41004
	errcodeRateLimited   = 45011
)

// Error is a login failure. Errcode and Errmsg are WeChat's when the failure
// came from jscode2session; Err is the underlying cause for transport errors.
// Compare with errors.Is against the Err* values, which match on Code.
type Error struct {
	Code    Code
	Errcode int    // WeChat's errcode, 0 when the failure is not WeChat's answer
	Errmsg  string // WeChat's errmsg (English, for logs only)
	Err     error
}

// Sentinel errors for errors.Is; they match any *Error with the same Code.
var (
	ErrBadRequest    = &Error{Code: CodeBadRequest}
	ErrInvalidCode   = &Error{Code: CodeInvalidCode}
	ErrCodeUsed      = &Error{Code: CodeCodeUsed}
	ErrRateLimited   = &Error{Code: CodeRateLimited}
	ErrBlocked       = &Error{Code: CodeBlocked}
	ErrBusy          = &Error{Code: CodeBusy}
	ErrUnavailable   = &Error{Code: CodeUnavailable}
	ErrMisconfigured = &Error{Code: CodeMisconfigured}
	ErrUnauthorized  = &Error{Code: CodeUnauthorized}
	ErrInternal      = &Error{Code: CodeInternal}
	ErrUnknown       = &Error{Code: CodeUnknown}
)

func (e *Error) Error() string {
	s := "wechat: " + string(e.Code)
	if e.Errcode != 0 {
		s += fmt.Sprintf(": errcode %d", e.Errcode)
		if e.Errmsg != "" {
			s += " (" + e.Errmsg + ")"
		}
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Temporary reports whether trying again later may succeed.
func (e *Error) Temporary() bool {
	switch e.Code {
	case CodeRateLimited, CodeBusy, CodeUnavailable:
		return true
	}
	return false
}

// errorFromErrcode maps a non-zero jscode2session errcode to an *Error.
func errorFromErrcode(errcode int, errmsg string) *Error {
	e := &Error{Errcode: errcode, Errmsg: errmsg}
	switch errcode {
	case errcodeInvalidCode:
		e.Code = CodeInvalidCode
	case errcodeCodeUsed:
		e.Code = CodeCodeUsed
	case errcodeRateLimited:
		e.Code = CodeRateLimited
	case errcodeBlocked:
		e.Code = CodeBlocked
	case errcodeBusy:
		e.Code = CodeBusy
	case errcodeInvalidAppID, errcodeInvalidSecret, errcodeMissingAppID, errcodeMissingSecret:
		e.Code = CodeMisconfigured
	default:
		e.Code = CodeUnknown
	}
	return e
}

// HTTPStatus is the status the login API answers with for err.
func HTTPStatus(err error) int {
	var e *Error
	if !errors.As(err, &e) {
		return http.StatusInternalServerError
	}
	switch e.Code {
	case CodeBadRequest:
		return http.StatusBadRequest
	case CodeInvalidCode, CodeCodeUsed, CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeBlocked:
		return http.StatusForbidden
	case CodeBusy, CodeUnavailable, CodeUnknown, CodeMisconfigured:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// UserMessage is the Simplified Chinese explanation of err shown to citizens.
// hotline (e.g. "12345") is offered where only a person can help.
func UserMessage(err error, hotline string) string {
	if hotline == "" {
		hotline = "12345"
	}
	var e *Error
	if !errors.As(err, &e) {
		return "登录失败，请稍后再试。"
	}
	switch e.Code {
	case CodeBadRequest:
		return "登录请求无效，请重新打开小程序后再试。"
	case CodeInvalidCode:
		return "登录凭证无效或已过期，请重新进入小程序后再试。"
	case CodeCodeUsed:
		return "登录凭证已被使用，请重新登录。"
	case CodeRateLimited:
		return "登录过于频繁，请一分钟后再试。"
	case CodeBlocked:
		return "当前微信账号暂时无法登录本服务。如需咨询，请拨打政务服务便民热线 " + hotline + "。"
	case CodeBusy:
		return "微信服务繁忙，请稍后再试。"
	case CodeUnavailable, CodeUnknown:
		return "暂时无法连接微信登录服务，请稍后再试。"
	case CodeMisconfigured:
		return "小程序登录服务暂未配置好，请稍后再试或拨打热线 " + hotline + "。"
	case CodeUnauthorized:
		return "登录已失效，请重新登录。"
	}
	return "登录失败，请稍后再试。"
}
