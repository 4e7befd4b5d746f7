// Package chat is govchat's conversation service: the websocket protocol
// (docs/protocol.md, version 1), sessions with multi-turn context that survive
// a reconnect, rate limits, and the hub that tracks every connection. The same
// Ask path serves the websocket and the HTTP API.
//
// Each connection has one reader (the HTTP handler's goroutine), one writer
// goroutine that owns every write and applies write deadlines, and, while
// questions are pending, one worker goroutine that answers them in order. The
// send queue is bounded: a client that does not read is dropped, never
// buffered without bound.
//
// The hub is meant to grow: Handle registers new client frame types (with the
// roles allowed to send them), Authenticator turns a hello token into a
// Principal, and SendToSession pushes frames to every socket of a
// conversation — the building blocks of the operator handoff (转人工).
package chat

import (
	"encoding/json"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
)

// ProtocolVersion is the version of the frame protocol in docs/protocol.md.
const ProtocolVersion = 1

// Subprotocol is the websocket subprotocol name a client may request.
const Subprotocol = "govchat.v1"

// Client → server frame types.
const (
	TypeHello    = "hello"
	TypeAsk      = "ask"
	TypeFeedback = "feedback"
	TypePing     = "ping"
	TypeHandoff  = "handoff"
)

// Server → client frame types.
const (
	TypeSession = "session"
	TypeDelta   = "delta"
	TypeAnswer  = "answer"
	TypeError   = "error"
	TypePong    = "pong"
	TypeAck     = "ack"
	// TypeHandoff is also the server's reply to a handoff request.
)

// Frame is the common envelope of a client frame: its type, and the client's
// request id when it has one.
type Frame struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
}

// HelloFrame opens or resumes a session.
type HelloFrame struct {
	Type    string `json:"type"`
	V       int    `json:"v,omitempty"`       // protocol version spoken by the client
	Session string `json:"session,omitempty"` // resume token from an earlier session frame
	Token   string `json:"token,omitempty"`   // authentication token (operators, WeChat logins)
	Client  string `json:"client,omitempty"`  // free-form client name, e.g. "widget/1"
}

// AskFrame is a question.
type AskFrame struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Text string `json:"text"`
	// Via is set when the question is a button an earlier answer offered
	// (a clarify candidate or a related question) that the citizen tapped:
	// that answer's answer_id and the entry's id.
	Via *govchat.Via `json:"via,omitempty"`
}

// FeedbackFrame is 👍/👎 on an answer.
type FeedbackFrame struct {
	Type     string `json:"type"`
	ID       string `json:"id,omitempty"`
	AnswerID string `json:"answer_id"`
	Helpful  *bool  `json:"helpful"`
	Reason   string `json:"reason,omitempty"`
}

// HandoffRequestFrame asks for a human (转人工).
type HandoffRequestFrame struct {
	Type   string `json:"type"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// SessionFrame tells the client its session: the resume token to keep (and
// send back in a hello after reconnecting) and whether an earlier
// conversation was resumed.
type SessionFrame struct {
	Type      string `json:"type"`
	V         int    `json:"v"`
	Session   string `json:"session"`    // secret resume token
	SessionID string `json:"session_id"` // public id (shown to operators, stored in history)
	Resumed   bool   `json:"resumed"`
	Turns     int    `json:"turns"`
	Role      string `json:"role"`
	Hotline   string `json:"hotline,omitempty"`
}

// DeltaFrame is a piece of an answer being written.
type DeltaFrame struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Text string `json:"text"`
}

// AnswerFrame is a complete answer. POST /api/ask returns the same object
// (with Session set).
type AnswerFrame struct {
	Type     string      `json:"type"`
	ID       string      `json:"id"`
	AnswerID string      `json:"answer_id"`
	Text     string      `json:"text"`
	Refused  bool        `json:"refused"`
	Reason   string      `json:"reason,omitempty"`
	Mode     string      `json:"mode"`
	Sources  []kb.Source `json:"sources"`
	// Clarify: several entries are plausible and none clearly wins; Text
	// asks which one is meant and Related lists them (no sources).
	Clarify bool `json:"clarify,omitempty"`
	// Related are questions the knowledge base answers, for buttons: the
	// candidates of a clarification, or entries that ranked almost as high
	// as the one answered. Asking one's question answers it.
	Related []kb.Related `json:"related"`
	Session string       `json:"session,omitempty"`
}

// ErrorFrame reports a failure; ID is the request it belongs to, if any.
type ErrorFrame struct {
	Type       string `json:"type"`
	ID         string `json:"id,omitempty"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	RetryAfter int    `json:"retry_after,omitempty"`
}

// AckFrame confirms a frame that has no other reply (feedback).
type AckFrame struct {
	Type     string `json:"type"`
	ID       string `json:"id,omitempty"`
	Of       string `json:"of"`
	AnswerID string `json:"answer_id,omitempty"`
}

// HandoffFrame answers a handoff request.
type HandoffFrame struct {
	Type    string `json:"type"`
	ID      string `json:"id,omitempty"`
	Status  string `json:"status"` // queued, no_operator
	Hotline string `json:"hotline,omitempty"`
	Message string `json:"message"`
}

// Handoff statuses.
const (
	HandoffQueued     = "queued"
	HandoffNoOperator = "no_operator"
)

func errorFrame(id string, e *govchat.Error) ErrorFrame {
	return ErrorFrame{Type: TypeError, ID: id, Code: e.Code, Message: e.Message, RetryAfter: e.RetryAfter}
}

// envelope decodes the type and id of a frame; it tolerates an id that is
// not a string so that the error frame can still be sent.
type envelope struct {
	Type string          `json:"type"`
	ID   json.RawMessage `json:"id"`
}

func (e envelope) id() string {
	var s string
	if json.Unmarshal(e.ID, &s) == nil && len(s) <= maxIDLen {
		return s
	}
	return ""
}

// Limits on client-supplied identifiers and text.
const (
	maxIDLen     = 64
	maxReasonLen = 500 // runes of a feedback or handoff reason
	maxEntryID   = 200 // bytes of an entry id in via
)

// MsgInvalidUTF8 is the error message for text that is not valid UTF-8,
// on the websocket and over HTTP alike.
const MsgInvalidUTF8 = "消息不是有效的 UTF-8 文本。"

// Messages shown to citizens.
const (
	msgMalformed       = "消息格式不正确，请发送 JSON 文本消息。"
	msgBinary          = "不支持二进制消息，请发送 JSON 文本消息。"
	msgUTF8            = MsgInvalidUTF8
	msgUnknownType     = "不支持的消息类型。"
	msgTooLarge        = "消息过长，请精简后重试。"
	msgQuestionLong    = "问题过长，请控制在%d字以内。"
	msgEmptyQuestion   = "请输入您要咨询的问题。"
	msgBadID           = "缺少有效的 id（不超过64个字符的字符串）。"
	msgRateLimited     = "提问过于频繁，请稍后再试。"
	msgFramesLimited   = "消息发送过于频繁，请稍后再试。"
	msgSessionsLimited = "来自您网络的新会话过多，请稍后再试。"
	msgPending         = "上一个问题还在回答中，请稍候再问。"
	msgShutdown        = "服务正在维护重启，请稍后重新连接。"
	msgTimeout         = "回答超时，请稍后重试，或拨打%s热线咨询。"
	msgInternal        = "系统繁忙，请稍后重试，或拨打%s热线咨询。"
	msgNoAnswer        = "未找到该回答，无法提交评价。"
	msgFeedbackBad     = "评价需要 answer_id 和 helpful（true 或 false）。"
	msgReasonLong      = "原因过长，请控制在500字以内。"
	msgUnauthorized    = "登录凭证无效或已过期，请重新登录。"
	msgForbidden       = "没有权限执行该操作。"
	msgNoOperator      = "当前暂无人工客服在线。如需人工服务，请拨打%s政务服务便民热线。"
	msgVersion         = "不支持的协议版本，请升级客户端。"
	msgBadVia          = "via 需要 answer_id（不超过64个字符）和 id（不超过200个字符）。"
)
