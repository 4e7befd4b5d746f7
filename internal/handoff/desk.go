// Package handoff is the 转人工 desk: it queues conversations for a human
// operator when a citizen asks for one or the bot has refused twice in a
// row, lets signed-in operators see the queue live with each transcript,
// take a conversation and chat with the citizen over the same websocket
// protocol (new frame types registered on the chat hub), push
// knowledge-base passages with their citations, and, when no operator is
// online, gives the citizen the hotline and takes a 留言. Conversations,
// transcripts and 留言 are stored in SQLite.
//
// Citizens see an operator's 工号 only; the operator's name never leaves the
// server.
package handoff

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/ratekey"
)

// Hub is what the desk needs of the chat hub.
type Hub interface {
	Handle(frameType string, roles []chat.Role, h chat.Handler)
	SendToSession(sessionID string, v any) int
}

// Passages resolves a knowledge-base passage an operator pushes
// (lookup.Lookup).
type Passages interface {
	Passage(docID, anchor string) (lookup.Item, kb.Source, error)
}

// Auditor records operator actions (auth.Service).
type Auditor interface {
	Record(ctx context.Context, e auth.Event) error
}

// Config configures a Desk.
type Config struct {
	DB       *sql.DB             // required: conversations, transcripts and 留言
	Redact   func(string) string // required: applied to stored text
	Hotline  string              // "12345"
	Passages Passages            // nil: agent_answer is unavailable
	Audit    Auditor             // nil: no audit trail
	Now      func() time.Time
	Log      *slog.Logger

	RefusalsBeforeHandoff int           // 2 refusals in a row start a handoff
	MaxTrail              int           // 40 entries remembered per session before a handoff
	MaxTracked            int           // 20000 sessions remembered
	MaxTextRunes          int           // 1000 runes per message
	NotifyDelay           time.Duration // 150ms: an automatic handoff notice follows the refused answer
	MessageLimit          Limit         // 留言 per client address: 5 at once, one more every 10 minutes
	HandoffLimit          Limit         // conversations a client address opens: 3 at once, one more a minute
	ChatLimit             Limit         // citizen messages per conversation: 10 at once, one more every 3 s
	MaxQueued             int           // 100 conversations waiting; beyond, citizens get the hotline and 留言
	MaxEntries            int           // 500 transcript entries held per open conversation

	// StillSignedIn, when set, is asked every RecheckEvery about each online
	// operator; a socket whose account is disabled or signed out is closed.
	StillSignedIn func(ctx context.Context, username string) (bool, error)
	RecheckEvery  time.Duration // 30s
}

// Limit is a token bucket.
type Limit struct {
	Burst int
	Every time.Duration
}

// Desk is the handoff service. Safe for concurrent use.
type Desk struct {
	cfg   Config
	hub   Hub
	store *store
	log   *slog.Logger

	mu        sync.Mutex
	convs     map[string]*Conversation // open (queued or connected) by id
	bySession map[string]*Conversation // open by citizen session id
	trails    map[string]*trail        // recent exchanges per session
	ops       map[*chat.Client]operator
	msgLimit  map[string]*bucket
	m         *deskMetrics // nil until RegisterMetrics
}

type trail struct {
	entries  []Entry
	refusals int
	auto     bool
	seen     time.Time
}

type operator struct{ username, staffNo string }

type bucket struct {
	tokens float64
	at     time.Time
}

// New builds the desk. Wrap the hub's conversation log with Recorder, then
// Attach the hub.
func New(cfg Config) (*Desk, error) {
	if cfg.DB == nil || cfg.Redact == nil {
		return nil, errors.New("handoff: a database and a redaction function are required")
	}
	if cfg.Hotline == "" {
		cfg.Hotline = "12345"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.RefusalsBeforeHandoff <= 0 {
		cfg.RefusalsBeforeHandoff = 2
	}
	if cfg.MaxTrail <= 0 {
		cfg.MaxTrail = 40
	}
	if cfg.MaxTracked <= 0 {
		cfg.MaxTracked = 20000
	}
	if cfg.MaxTextRunes <= 0 {
		cfg.MaxTextRunes = 1000
	}
	if cfg.NotifyDelay == 0 {
		cfg.NotifyDelay = 150 * time.Millisecond
	}
	if cfg.RecheckEvery <= 0 {
		cfg.RecheckEvery = 30 * time.Second
	}
	if cfg.MessageLimit.Burst <= 0 || cfg.MessageLimit.Every <= 0 {
		cfg.MessageLimit = Limit{Burst: 5, Every: 10 * time.Minute}
	}
	if cfg.HandoffLimit.Burst <= 0 || cfg.HandoffLimit.Every <= 0 {
		cfg.HandoffLimit = Limit{Burst: 3, Every: time.Minute}
	}
	if cfg.ChatLimit.Burst <= 0 || cfg.ChatLimit.Every <= 0 {
		cfg.ChatLimit = Limit{Burst: 10, Every: 3 * time.Second}
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 100
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 500
	}
	st, err := newStore(cfg.DB, cfg.Redact)
	if err != nil {
		return nil, err
	}
	if n, err := st.closeStale(context.Background(), cfg.Now()); err != nil {
		return nil, err
	} else if n > 0 {
		cfg.Log.Info("handoff: closed conversations left open by the previous run", slog.Int("count", n))
	}
	return &Desk{
		cfg: cfg, store: st, log: cfg.Log,
		convs: map[string]*Conversation{}, bySession: map[string]*Conversation{},
		trails: map[string]*trail{}, ops: map[*chat.Client]operator{}, msgLimit: map[string]*bucket{},
	}, nil
}

// Attach registers the desk's frame handlers on hub (replacing the hub's
// built-in handoff reply). Call it once, before serving.
func (d *Desk) Attach(hub Hub) {
	d.mu.Lock()
	d.hub = hub
	d.mu.Unlock()
	staff := []chat.Role{chat.RoleOperator, chat.RoleAdmin}
	hub.Handle(TypeHandoff, nil, d.onHandoff)
	hub.Handle(TypeHandoffMessage, nil, d.onCitizenMessage)
	hub.Handle(TypeLeaveMessage, nil, d.onLeaveMessage)
	hub.Handle(TypeHandoffEnd, nil, d.signedIn(d.onEnd))
	hub.Handle(TypeQueueSubscribe, staff, d.signedIn(d.onSubscribe))
	hub.Handle(TypeHandoffTake, staff, d.signedIn(d.onTake))
	hub.Handle(TypeAgentMessage, staff, d.signedIn(d.onAgentMessage))
	hub.Handle(TypeAgentAnswer, staff, d.signedIn(d.onAgentAnswer))
}

// signedIn runs h for a staff socket only while its account is still
// signed in and enabled (StillSignedIn): the periodic check in watch covers
// sockets that subscribed to the queue, this one every operator action,
// subscribed or not. A socket that fails it is closed.
func (d *Desk) signedIn(h chat.Handler) chat.Handler {
	return func(ctx context.Context, c *chat.Client, data []byte) error {
		p := c.Principal()
		if d.cfg.StillSignedIn == nil || (p.Role != chat.RoleOperator && p.Role != chat.RoleAdmin) {
			return h(ctx, c, data)
		}
		ok, err := d.cfg.StillSignedIn(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("handoff: session check: %w", err)
		}
		if !ok {
			var f TakeFrame
			jsonUnmarshal(data, &f)
			d.log.Info("handoff: refusing a signed-out operator", slog.String("operator", p.ID))
			c.SendError(f.ID, chat.Errorf(chat.CodeUnauthorized, msgSignedOut))
			c.Close()
			return nil
		}
		return h(ctx, c, data)
	}
}

// Messages shown to citizens.
const (
	msgQueued       = "已为您转接人工客服，当前排在第%d位，请稍候。您可以继续输入问题，客服接入后会看到。"
	msgQueuedAuto   = "抱歉，智能助手暂时无法回答您的问题，已为您转接人工客服，当前排在第%d位，请稍候。"
	msgConnected    = "工号%s为您服务。"
	msgClosed       = "人工服务已结束，感谢您的咨询。"
	msgNoOperator   = "当前暂无人工客服在线。您可以拨打%s政务服务便民热线，或留言，工作人员上班后会尽快处理。"
	msgNoOpAuto     = "抱歉，智能助手暂时无法回答您的问题。当前暂无人工客服在线，您可以拨打%s政务服务便民热线，或留言。"
	msgNotInHandoff = "当前未在人工服务中，请先点击“转人工”。"
	msgEmptyText    = "请输入内容。"
	msgTextLong     = "内容过长，请控制在%d字以内。"
	msgBadUTF8      = "消息不是有效的 UTF-8 文本。"
	msgNoSession    = "会话尚未建立，请刷新页面后重试。"
	msgTaken        = "该会话已由其他坐席接入。"
	msgNoConv       = "未找到该会话，可能已经结束。"
	msgNotYours     = "该会话不由您接待。"
	msgNoPassage    = "未找到该条目，无法推送。"
	msgNoPassages   = "暂不支持推送知识库答案。"
	msgLimited      = "留言过于频繁，请稍后再试。"
	msgStored       = "留言已收到，工作人员会尽快处理。"
	msgQueueFull    = "当前排队人数较多，请稍后再试。您也可以拨打%s政务服务便民热线，或留言，工作人员会尽快处理。"
	msgHandoffLimit = "转人工请求过于频繁，请稍后再试。"
	msgChatLimited  = "发送过于频繁，请稍后再试。"
	msgConvFull     = "本次会话消息过多，请拨打%s政务服务便民热线继续咨询。"
	msgSignedOut    = "登录已过期，请重新登录。"
)

func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "h_" + hex.EncodeToString(b)
}

func checkText(text string, max int) (string, *chat.Error) {
	text = strings.TrimSpace(text)
	switch {
	case !utf8.ValidString(text):
		return "", chat.Errorf(chat.CodeBadRequest, msgBadUTF8)
	case text == "":
		return "", chat.Errorf(chat.CodeBadRequest, msgEmptyText)
	case utf8.RuneCountInString(text) > max:
		return "", chat.Errorf(chat.CodeTooLarge, fmt.Sprintf(msgTextLong, max))
	}
	return text, nil
}

func decode(data []byte, v any) error {
	if err := jsonUnmarshal(data, v); err != nil {
		return chat.Errorf(chat.CodeBadRequest, "消息格式不正确，请发送 JSON 文本消息。")
	}
	return nil
}

// send delivers frames outside the lock.
type delivery struct {
	client  *chat.Client
	session string
	frame   any
}

func (d *Desk) deliver(ds []delivery) {
	d.mu.Lock()
	hub := d.hub
	d.mu.Unlock()
	for _, x := range ds {
		if x.client != nil {
			x.client.Send(x.frame)
		} else if x.session != "" && hub != nil {
			hub.SendToSession(x.session, x.frame)
		}
	}
}

// position is the 1-based place of c among queued conversations (d.mu held).
func (d *Desk) position(c *Conversation) int {
	n := 1
	for _, o := range d.convs {
		if o.Status == StatusQueued && (o.Created.Before(c.Created) || o.Created.Equal(c.Created) && o.ID < c.ID) {
			n++
		}
	}
	return n
}

// statusFrame is the citizen's view of an open conversation (d.mu held).
func (d *Desk) statusFrame(c *Conversation, id string) HandoffFrame {
	f := HandoffFrame{Type: TypeHandoff, ID: id, Status: c.Status, Conversation: c.ID, Reason: c.Reason, Hotline: d.cfg.Hotline}
	switch c.Status {
	case StatusQueued:
		f.Position = d.position(c)
		f.Message = fmt.Sprintf(msgQueued, f.Position)
		if c.Reason == ReasonRefused {
			f.Message = fmt.Sprintf(msgQueuedAuto, f.Position)
		}
	case StatusActive:
		f.StaffNo = c.StaffNo
		f.Message = fmt.Sprintf(msgConnected, c.StaffNo)
	}
	return f
}

// queueFrames returns a queue frame for every online operator (d.mu held).
func (d *Desk) queueFrames(ctx context.Context) []delivery {
	f := d.queueLocked(ctx)
	out := make([]delivery, 0, len(d.ops))
	for c := range d.ops {
		out = append(out, delivery{client: c, frame: f})
	}
	return out
}

func (d *Desk) queueLocked(ctx context.Context) QueueFrame {
	f := QueueFrame{Type: TypeQueue, Items: []QueueItem{}, OperatorsOnline: d.onlineLocked(), OpenMessages: d.store.countOpenMessages(ctx)}
	for _, c := range d.convs {
		it := QueueItem{Conversation: c.ID, SessionID: c.SessionID, Status: c.Status, Reason: c.Reason, Created: c.Created, StaffNo: c.StaffNo, Entries: len(c.Transcript)}
		for i := len(c.Transcript) - 1; i >= 0; i-- {
			if c.Transcript[i].From == FromCitizen {
				it.Preview = clip(c.Transcript[i].Text, 60)
				break
			}
		}
		f.Items = append(f.Items, it)
	}
	sort.Slice(f.Items, func(i, j int) bool {
		a, b := f.Items[i], f.Items[j]
		if (a.Status == StatusQueued) != (b.Status == StatusQueued) {
			return a.Status == StatusQueued
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.Conversation < b.Conversation
	})
	return f
}

// onlineLocked counts distinct online operators.
func (d *Desk) onlineLocked() int {
	seen := map[string]bool{}
	for _, o := range d.ops {
		seen[o.username] = true
	}
	return len(seen)
}

// Online is the number of distinct operators online.
func (d *Desk) Online() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.onlineLocked()
}

// Queue is the live queue.
func (d *Desk) Queue(ctx context.Context) QueueFrame {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queueLocked(ctx)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func (d *Desk) audit(ctx context.Context, op operator, action, target, detail string) {
	if d.cfg.Audit == nil {
		return
	}
	if err := d.cfg.Audit.Record(context.WithoutCancel(ctx), auth.Event{Actor: op.username, StaffNo: op.staffNo, Action: action, Target: target, Detail: detail}); err != nil {
		d.log.Error("handoff: audit", slog.Any("error", err))
	}
}

func (d *Desk) persist(err error) {
	if err != nil {
		d.log.Error("handoff: store", slog.Any("error", err))
	}
}

// --- citizen side ---

type requestFrame struct {
	Type   string `json:"type"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (d *Desk) onHandoff(ctx context.Context, c *chat.Client, data []byte) error {
	var f requestFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	s := c.Session()
	if s == nil {
		return chat.Errorf(chat.CodeBadRequest, msgNoSession)
	}
	ds, e := d.request(ctx, s.ID, ReasonRequested, f.ID, c.IP())
	if e != nil {
		return e
	}
	d.deliver(ds)
	return nil
}

// request starts (or reports) a handoff for session and returns what to
// send. ip is the requesting client's address, whose new conversations are
// rate limited; "" for an automatic handoff.
func (d *Desk) request(ctx context.Context, session, reason, reqID, ip string) ([]delivery, *chat.Error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.bySession[session]; c != nil {
		return []delivery{{session: session, frame: d.statusFrame(c, reqID)}}, nil
	}
	now := d.cfg.Now()
	queued := 0
	for _, c := range d.convs {
		if c.Status == StatusQueued {
			queued++
		}
	}
	if d.onlineLocked() == 0 || queued >= d.cfg.MaxQueued {
		msg := fmt.Sprintf(msgNoOperator, d.cfg.Hotline)
		outcome := StatusNoOperator
		switch {
		case d.onlineLocked() > 0:
			msg, outcome = fmt.Sprintf(msgQueueFull, d.cfg.Hotline), "queue_full"
		case reason == ReasonRefused:
			msg = fmt.Sprintf(msgNoOpAuto, d.cfg.Hotline)
		}
		d.m.request(reason, outcome)
		return []delivery{{session: session, frame: HandoffFrame{Type: TypeHandoff, ID: reqID, Status: StatusNoOperator, Reason: reason, Hotline: d.cfg.Hotline, CanLeave: true, Message: msg}}}, nil
	}
	if ip != "" && !d.allowLocked("h:"+ratekey.Of(ip), d.cfg.HandoffLimit, now) {
		return nil, &chat.Error{Code: chat.CodeRateLimited, Message: msgHandoffLimit, RetryAfter: int(d.cfg.HandoffLimit.Every.Seconds())}
	}
	conv := &Conversation{ID: newID(), SessionID: session, Status: StatusQueued, Reason: reason, Created: now}
	if t := d.trails[session]; t != nil {
		conv.Transcript = append(conv.Transcript, t.entries...)
	}
	note := "市民请求转人工"
	if reason == ReasonRefused {
		note = "智能助手连续两次未能回答，自动转人工"
	}
	conv.Transcript = append(conv.Transcript, Entry{At: now, From: FromSystem, Text: note})
	d.persist(d.store.create(ctx, conv))
	d.convs[conv.ID] = conv
	d.bySession[session] = conv
	d.m.request(reason, StatusQueued)
	return append([]delivery{{session: session, frame: d.statusFrame(conv, reqID)}}, d.queueFrames(ctx)...), nil
}

func (d *Desk) onCitizenMessage(ctx context.Context, c *chat.Client, data []byte) error {
	var f TextFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	text, e := checkText(f.Text, d.cfg.MaxTextRunes)
	if e != nil {
		return e
	}
	s := c.Session()
	if s == nil {
		return chat.Errorf(chat.CodeBadRequest, msgNoSession)
	}
	d.mu.Lock()
	conv := d.bySession[s.ID]
	if conv == nil {
		d.mu.Unlock()
		return chat.Errorf(chat.CodeBadRequest, msgNotInHandoff)
	}
	now := d.cfg.Now()
	if len(conv.Transcript) >= d.cfg.MaxEntries {
		d.mu.Unlock()
		return chat.Errorf(chat.CodeTooLarge, fmt.Sprintf(msgConvFull, d.cfg.Hotline))
	}
	if !d.allowLocked("c:"+conv.ID, d.cfg.ChatLimit, now) {
		d.mu.Unlock()
		return &chat.Error{Code: chat.CodeRateLimited, Message: msgChatLimited, RetryAfter: max(1, int(d.cfg.ChatLimit.Every.Seconds()))}
	}
	entry := Entry{At: now, From: FromCitizen, Text: text}
	conv.Transcript = append(conv.Transcript, entry)
	d.persist(d.store.addEntry(ctx, conv.ID, entry))
	ds := []delivery{{client: c, frame: AckFrame{Type: "ack", ID: f.ID, Of: TypeHandoffMessage, Conversation: conv.ID}}}
	if conv.Status == StatusActive {
		ds = append(ds, d.toOperator(conv.Operator, CitizenMessageFrame{Type: TypeCitizenMessage, Conversation: conv.ID, Text: text, At: now})...)
	} else {
		ds = append(ds, d.queueFrames(ctx)...)
	}
	d.mu.Unlock()
	d.deliver(ds)
	return nil
}

// toOperator addresses every online socket of username (d.mu held).
func (d *Desk) toOperator(username string, frame any) []delivery {
	var out []delivery
	for c, o := range d.ops {
		if o.username == username {
			out = append(out, delivery{client: c, frame: frame})
		}
	}
	return out
}

// AckFrame confirms a handoff frame.
type AckFrame struct {
	Type         string `json:"type"`
	ID           string `json:"id,omitempty"`
	Of           string `json:"of"`
	Conversation string `json:"conversation,omitempty"`
	Delivered    *bool  `json:"delivered,omitempty"` // agent_message: whether the citizen is connected
	Message      string `json:"message,omitempty"`
}

func (d *Desk) allowMessage(key string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.allowLocked(key, d.cfg.MessageLimit, now)
}

// allowLocked takes a token of key's bucket under limit l (d.mu held).
func (d *Desk) allowLocked(key string, l Limit, now time.Time) bool {
	b := d.msgLimit[key]
	if b == nil {
		if len(d.msgLimit) > 10000 {
			clear(d.msgLimit)
		}
		b = &bucket{tokens: float64(l.Burst), at: now}
		d.msgLimit[key] = b
	}
	b.tokens = min(float64(l.Burst), b.tokens+float64(now.Sub(b.at))/float64(l.Every))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (d *Desk) onLeaveMessage(ctx context.Context, c *chat.Client, data []byte) error {
	var f TextFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	text, e := checkText(f.Text, d.cfg.MaxTextRunes)
	if e != nil {
		return e
	}
	contact := strings.TrimSpace(f.Contact)
	if !utf8.ValidString(contact) || utf8.RuneCountInString(contact) > 50 {
		return chat.Errorf(chat.CodeBadRequest, "联系方式格式不正确。")
	}
	now := d.cfg.Now()
	if !d.allowMessage("m:"+ratekey.Of(c.IP()), now) {
		return &chat.Error{Code: chat.CodeRateLimited, Message: msgLimited, RetryAfter: int(d.cfg.MessageLimit.Every.Seconds())}
	}
	session := ""
	if s := c.Session(); s != nil {
		session = s.ID
	}
	id, err := d.store.addMessage(ctx, Message{At: now, SessionID: session, Text: text, Contact: contact})
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.m.message()
	ds := append([]delivery{{client: c, frame: AckFrame{Type: "ack", ID: f.ID, Of: TypeLeaveMessage, Conversation: fmt.Sprintf("m_%d", id), Message: msgStored}}}, d.queueFrames(ctx)...)
	d.mu.Unlock()
	d.deliver(ds)
	return nil
}

func (d *Desk) onEnd(ctx context.Context, c *chat.Client, data []byte) error {
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	d.mu.Lock()
	var conv *Conversation
	by := FromCitizen
	if p.Role == chat.RoleOperator || p.Role == chat.RoleAdmin {
		by = FromOperator
		conv = d.convs[f.Conversation]
		if conv == nil {
			d.mu.Unlock()
			return chat.Errorf(chat.CodeNotFound, msgNoConv)
		}
		if conv.Status == StatusActive && conv.Operator != p.ID && p.Role != chat.RoleAdmin {
			d.mu.Unlock()
			return chat.Errorf(chat.CodeForbidden, msgNotYours)
		}
	} else {
		if s := c.Session(); s != nil {
			conv = d.bySession[s.ID]
		}
		if conv == nil {
			d.mu.Unlock()
			return chat.Errorf(chat.CodeBadRequest, msgNotInHandoff)
		}
	}
	now := d.cfg.Now()
	text := "市民结束了人工服务"
	if by == FromOperator {
		text = "坐席（工号" + p.Name + "）结束了人工服务"
	}
	entry := Entry{At: now, From: FromSystem, Text: text}
	conv.Transcript = append(conv.Transcript, entry)
	conv.Status, conv.Closed = StatusClosed, now
	d.persist(d.store.addEntry(ctx, conv.ID, entry))
	d.persist(d.store.update(ctx, conv))
	delete(d.convs, conv.ID)
	delete(d.bySession, conv.SessionID)
	if t := d.trails[conv.SessionID]; t != nil {
		t.entries, t.refusals = nil, 0
	}
	ds := []delivery{{session: conv.SessionID, frame: HandoffFrame{Type: TypeHandoff, ID: f.ID, Status: StatusClosed, Conversation: conv.ID, Hotline: d.cfg.Hotline, Message: msgClosed}}}
	if conv.Operator != "" {
		ds = append(ds, d.toOperator(conv.Operator, FinishedFrame{Type: TypeHandoffFinished, Conversation: conv.ID, By: by})...)
	}
	ds = append(ds, d.queueFrames(ctx)...)
	d.mu.Unlock()
	if by == FromOperator {
		d.audit(ctx, operator{p.ID, p.Name}, "handoff_end", conv.ID, "")
		ds = append(ds, delivery{client: c, frame: AckFrame{Type: "ack", ID: f.ID, Of: TypeHandoffEnd, Conversation: conv.ID}})
	}
	d.deliver(ds)
	return nil
}

// --- operator side ---

func (d *Desk) onSubscribe(ctx context.Context, c *chat.Client, data []byte) error {
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	op := operator{username: p.ID, staffNo: p.Name}
	d.mu.Lock()
	_, again := d.ops[c]
	d.ops[c] = op
	var ds []delivery
	for _, conv := range d.convs {
		if conv.Status == StatusActive && conv.Operator == op.username {
			ds = append(ds, delivery{client: c, frame: ConversationFrame{Type: TypeConversation, Conversation: copyConv(conv)}})
		}
	}
	ds = append(d.queueFrames(ctx), ds...)
	d.mu.Unlock()
	if !again {
		d.audit(ctx, op, "operator_online", "", "")
		go func() {
			d.watch(c, op)
			d.mu.Lock()
			delete(d.ops, c)
			ds := d.queueFrames(context.Background())
			d.mu.Unlock()
			d.deliver(ds)
		}()
	}
	d.deliver(ds)
	return nil
}

// watch returns when the operator's socket ends; it closes the socket when
// the account is no longer signed in.
func (d *Desk) watch(c *chat.Client, op operator) {
	if d.cfg.StillSignedIn == nil {
		<-c.Context().Done()
		return
	}
	t := time.NewTicker(d.cfg.RecheckEvery)
	defer t.Stop()
	for {
		select {
		case <-c.Context().Done():
			return
		case <-t.C:
			ok, err := d.cfg.StillSignedIn(c.Context(), op.username)
			if err != nil {
				d.log.Error("handoff: session check", slog.Any("error", err))
				continue
			}
			if !ok {
				d.log.Info("handoff: closing the socket of a signed-out operator", slog.String("operator", op.username))
				c.SendError("", chat.Errorf(chat.CodeUnauthorized, "登录已过期，请重新登录。"))
				c.Close()
				<-c.Context().Done()
				return
			}
		}
	}
}

func copyConv(c *Conversation) Conversation {
	out := *c
	out.Transcript = append([]Entry{}, c.Transcript...)
	return out
}

// ownConv returns the connected conversation id owned by the operator on c
// (d.mu held).
func (d *Desk) ownConv(c *chat.Client, id string) (*Conversation, *chat.Error) {
	conv := d.convs[id]
	if conv == nil {
		return nil, chat.Errorf(chat.CodeNotFound, msgNoConv)
	}
	if conv.Status != StatusActive || conv.Operator != c.Principal().ID {
		return nil, chat.Errorf(chat.CodeForbidden, msgNotYours)
	}
	return conv, nil
}

func (d *Desk) onTake(ctx context.Context, c *chat.Client, data []byte) error {
	var f TakeFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	p := c.Principal()
	d.mu.Lock()
	conv := d.convs[f.Conversation]
	switch {
	case conv == nil:
		d.mu.Unlock()
		return chat.Errorf(chat.CodeNotFound, msgNoConv)
	case conv.Status == StatusActive && conv.Operator != p.ID:
		d.mu.Unlock()
		return chat.Errorf(chat.CodeForbidden, msgTaken)
	}
	now := d.cfg.Now()
	if conv.Status == StatusQueued {
		conv.Status, conv.Taken, conv.Operator, conv.StaffNo = StatusActive, now, p.ID, p.Name
		d.m.taken(now.Sub(conv.Created))
		entry := Entry{At: now, From: FromSystem, Text: "坐席（工号" + p.Name + "）已接入"}
		conv.Transcript = append(conv.Transcript, entry)
		d.persist(d.store.addEntry(ctx, conv.ID, entry))
		d.persist(d.store.update(ctx, conv))
	}
	ds := []delivery{
		{client: c, frame: ConversationFrame{Type: TypeConversation, ID: f.ID, Conversation: copyConv(conv)}},
		{session: conv.SessionID, frame: d.statusFrame(conv, "")},
	}
	ds = append(ds, d.queueFrames(ctx)...)
	// Everyone still waiting moved up one place.
	for _, o := range d.convs {
		if o.Status == StatusQueued {
			ds = append(ds, delivery{session: o.SessionID, frame: d.statusFrame(o, "")})
		}
	}
	d.mu.Unlock()
	d.audit(ctx, operator{p.ID, p.Name}, "handoff_take", conv.ID, "")
	d.deliver(ds)
	return nil
}

func (d *Desk) onAgentMessage(ctx context.Context, c *chat.Client, data []byte) error {
	var f TextFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	text, e := checkText(f.Text, d.cfg.MaxTextRunes)
	if e != nil {
		return e
	}
	d.mu.Lock()
	conv, e := d.ownConv(c, f.Conversation)
	if e != nil {
		d.mu.Unlock()
		return e
	}
	now := d.cfg.Now()
	entry := Entry{At: now, From: FromOperator, Text: text, StaffNo: conv.StaffNo}
	conv.Transcript = append(conv.Transcript, entry)
	d.persist(d.store.addEntry(ctx, conv.ID, entry))
	session, staffNo := conv.SessionID, conv.StaffNo
	d.mu.Unlock()
	n := d.sendToSession(session, AgentMessageFrame{Type: TypeAgentMessage, Conversation: conv.ID, StaffNo: staffNo, Text: text, At: now})
	delivered := n > 0
	return c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeAgentMessage, Conversation: conv.ID, Delivered: &delivered})
}

func (d *Desk) onAgentAnswer(ctx context.Context, c *chat.Client, data []byte) error {
	var f AgentAnswerRequest
	if err := decode(data, &f); err != nil {
		return err
	}
	if d.cfg.Passages == nil {
		return chat.Errorf(chat.CodeUnavailable, msgNoPassages)
	}
	if len(f.DocID) > 200 || len(f.Anchor) > 200 {
		return chat.Errorf(chat.CodeBadRequest, msgNoPassage)
	}
	item, src, err := d.cfg.Passages.Passage(f.DocID, f.Anchor)
	if err != nil {
		return chat.Errorf(chat.CodeNotFound, msgNoPassage)
	}
	d.mu.Lock()
	conv, e := d.ownConv(c, f.Conversation)
	if e != nil {
		d.mu.Unlock()
		return e
	}
	now := d.cfg.Now()
	text := item.Text + "[1]\n" + item.Cite
	entry := Entry{At: now, From: FromOperator, Text: text, StaffNo: conv.StaffNo, Sources: []kb.Source{src}}
	conv.Transcript = append(conv.Transcript, entry)
	d.persist(d.store.addEntry(ctx, conv.ID, entry))
	session, staffNo := conv.SessionID, conv.StaffNo
	d.mu.Unlock()
	n := d.sendToSession(session, AgentAnswerFrame{Type: TypeAgentAnswer, Conversation: conv.ID, StaffNo: staffNo, Text: text, Sources: []kb.Source{src}, At: now})
	d.audit(ctx, operator{c.Principal().ID, staffNo}, "handoff_push", conv.ID, f.DocID+"#"+src.Anchor)
	delivered := n > 0
	return c.Send(AckFrame{Type: "ack", ID: f.ID, Of: TypeAgentAnswer, Conversation: conv.ID, Delivered: &delivered})
}

func (d *Desk) sendToSession(session string, frame any) int {
	d.mu.Lock()
	hub := d.hub
	d.mu.Unlock()
	if hub == nil {
		return 0
	}
	return hub.SendToSession(session, frame)
}

// --- observing the bot ---

// Recorder wraps the conversation log: every recorded question and answer
// also goes into the session's transcript, and the desk starts a handoff
// after RefusalsBeforeHandoff refusals in a row.
func (d *Desk) Recorder(inner chat.Recorder) chat.Recorder { return &recorder{d: d, inner: inner} }

type recorder struct {
	d     *Desk
	inner chat.Recorder
}

func (r *recorder) Record(ctx context.Context, rec history.Record) error {
	var err error
	if r.inner != nil {
		err = r.inner.Record(ctx, rec)
	}
	r.d.observe(ctx, rec)
	return err
}

func (r *recorder) Feedback(ctx context.Context, f history.Feedback) error {
	if r.inner == nil {
		return errors.New("handoff: no conversation log")
	}
	return r.inner.Feedback(ctx, f)
}

func (d *Desk) observe(ctx context.Context, rec history.Record) {
	if rec.Session == "" {
		return
	}
	at := rec.At
	if at.IsZero() {
		at = d.cfg.Now()
	}
	q := Entry{At: at, From: FromCitizen, Text: rec.Question}
	a := Entry{At: at.Add(rec.Latency), From: FromBot, Text: rec.Answer, Refused: rec.Refused, AnswerID: rec.AnswerID}
	if rec.Error != "" {
		a.Text = "（未能回答：" + rec.Error + "）"
	}
	for _, s := range rec.Sources {
		a.Sources = append(a.Sources, kb.Source{N: s.N, ID: s.DocID, Title: s.Title, Anchor: s.Anchor, DocURL: kb.DocURL(s.DocID, s.Anchor)})
	}
	d.mu.Lock()
	if conv := d.bySession[rec.Session]; conv != nil {
		if len(conv.Transcript) < d.cfg.MaxEntries {
			conv.Transcript = append(conv.Transcript, q, a)
		}
		d.persist(d.store.addEntry(ctx, conv.ID, q))
		d.persist(d.store.addEntry(ctx, conv.ID, a))
		var ds []delivery
		if conv.Status == StatusActive {
			ds = d.toOperator(conv.Operator, CitizenMessageFrame{Type: TypeCitizenMessage, Conversation: conv.ID, Text: "（问智能助手）" + rec.Question, At: at})
		}
		d.mu.Unlock()
		d.deliver(ds)
		return
	}
	t := d.trails[rec.Session]
	if t == nil {
		if len(d.trails) >= d.cfg.MaxTracked {
			d.sweepLocked()
		}
		t = &trail{}
		d.trails[rec.Session] = t
	}
	t.seen = d.cfg.Now()
	t.entries = append(t.entries, q, a)
	if over := len(t.entries) - d.cfg.MaxTrail; over > 0 {
		t.entries = append([]Entry(nil), t.entries[over:]...)
	}
	switch {
	case rec.Refused:
		t.refusals++
	case rec.Error == "":
		t.refusals = 0
	}
	// Answers over the HTTP API reach no socket: a handoff there would
	// queue a conversation nobody can join.
	start := t.refusals >= d.cfg.RefusalsBeforeHandoff && !t.auto && rec.Channel != "api"
	if start {
		t.auto = true
	}
	d.mu.Unlock()
	if start {
		session := rec.Session
		time.AfterFunc(d.cfg.NotifyDelay, func() {
			ds, _ := d.request(context.Background(), session, ReasonRefused, "", "")
			d.deliver(ds)
		})
	}
}

// sweepLocked drops the least recently seen half of the trails.
func (d *Desk) sweepLocked() {
	type kv struct {
		k string
		t time.Time
	}
	all := make([]kv, 0, len(d.trails))
	for k, t := range d.trails {
		all = append(all, kv{k, t.seen})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	for _, x := range all[:len(all)/2+1] {
		delete(d.trails, x.k)
	}
}

// --- queries for the HTTP API ---

// Conversations lists stored conversations (without transcripts), newest
// first; status filters when not empty.
func (d *Desk) Conversations(ctx context.Context, status string, limit int) ([]Conversation, error) {
	return d.store.list(ctx, status, limit)
}

// Conversation returns a conversation with its transcript: the live one
// while it is open, else the stored (redacted) one.
func (d *Desk) Conversation(ctx context.Context, id string) (Conversation, error) {
	d.mu.Lock()
	if c := d.convs[id]; c != nil {
		out := copyConv(c)
		d.mu.Unlock()
		return out, nil
	}
	d.mu.Unlock()
	return d.store.get(ctx, id)
}

// Messages lists 留言, newest first; status is open, done or "" for all.
func (d *Desk) Messages(ctx context.Context, status string, limit int) ([]Message, error) {
	return d.store.messages(ctx, status, limit)
}

// HandleMessage marks a 留言 as handled by username.
func (d *Desk) HandleMessage(ctx context.Context, id int64, username string) error {
	if err := d.store.handleMessage(ctx, id, username, d.cfg.Now()); err != nil {
		return err
	}
	d.mu.Lock()
	ds := d.queueFrames(ctx)
	d.mu.Unlock()
	d.deliver(ds)
	return nil
}
