// Package handoff is the 转人工 desk: it queues conversations for a human
// operator when a citizen asks for one or the bot has refused twice in a
// row, lets signed-in operators see the queue live with each transcript,
// take a conversation and chat with the citizen over the same websocket
// protocol (new frame types registered on the chat hub), push
// knowledge-base passages with their citations, and, when no operator is
// online, gives the citizen the hotline and takes a 留言. Conversations,
// transcripts, 留言 and the operators online are kept in the database
// (SQLite, or PostgreSQL shared by several instances), and what changes is
// told to every instance on a bus (live.go), so that a citizen on one
// instance and an operator on another talk as if on one.
//
// Citizens see an operator's 工号 only; the operator's name never leaves the
// server.
package handoff

import (
	"context"
	"crypto/rand"
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
	"github.com/govchat/govchat/internal/bus"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/metrics"
	"github.com/govchat/govchat/internal/ratelimit"
	"github.com/govchat/govchat/internal/sqldb"
)

// Hub is what the desk needs of the chat hub.
type Hub interface {
	Handle(frameType string, roles []govchat.Role, h chat.Handler)
	Observe(fn chat.Observer)
	OnHello(fn chat.HelloObserver)
	SendToSession(sessionID string, v any) int
	HasSession(sessionID string) bool
}

// Passages resolves a knowledge-base passage an operator pushes
// (lookup.Lookup).
type Passages interface {
	Passage(docID, anchor string) (lookup.Item, kb.Source, error)
}

// HandoffLog notes in the conversation log that a citizen asked for a
// human (*history.Store): the concerns report counts 转人工 after an
// answer.
type HandoffLog interface {
	RecordHandoff(ctx context.Context, session string) (bool, error)
}

// Auditor records operator actions (auth.Service).
type Auditor interface {
	Record(ctx context.Context, e auth.Event) error
}

// Sealer encrypts values kept at rest (sealbox.Box); context binds a sealed
// value to its row.
type Sealer interface {
	Seal(plain []byte, context string) ([]byte, error)
	Open(sealed []byte, context string) ([]byte, error)
}

// Config configures a Desk.
type Config struct {
	DB     *sqldb.DB           // required: conversations, transcripts, 留言, who is online
	Redact func(string) string // required: applied to stored text
	// Contacts seals the contact a citizen leaves with a 留言 (how to call
	// back): the database keeps it redacted, and sealed by Contacts while
	// the 留言 is open, for the operators who call back; it is erased when
	// the 留言 is handled. Nil: only the redacted contact is kept. Several
	// instances must seal with one key.
	Contacts Sealer
	Hotline  string   // "12345"
	Passages Passages // nil: agent_answer is unavailable
	Audit    Auditor  // nil: no audit trail
	// Evidence receives what an operator's push says about the citizen's
	// words (learning from use); nil: nothing is learned.
	Evidence govchat.EvidenceRecorder
	// Handoffs, when set, notes each citizen's request for a human in the
	// conversation log.
	Handoffs HandoffLog
	// Events receives leave_message.created (with the contact as given)
	// and handoff.unresolved, in the transaction that stores the 留言 or
	// the conversation's end; nil: none.
	Events Events
	Now    func() time.Time
	Log    *slog.Logger

	RefusalsBeforeHandoff int            // 2 refusals in a row start a handoff
	MaxTrail              int            // 40 entries remembered per session before a handoff
	MaxTracked            int            // 20000 sessions remembered
	MaxTextRunes          int            // 1000 runes per message
	NotifyDelay           time.Duration  // 150ms: an automatic handoff notice follows the refused answer
	MessageLimit          ratelimit.Rate // 留言 per client address: 5 at once, one more every 10 minutes
	HandoffLimit          ratelimit.Rate // conversations a client address opens: 3 at once, one more a minute
	ChatLimit             ratelimit.Rate // citizen messages per conversation: 10 at once, one more every 3 s
	MaxQueued             int            // 100 conversations waiting; beyond, citizens get the hotline and 留言
	MaxEntries            int            // 500 transcript entries held per open conversation

	// StillSignedIn, when set, is asked every RecheckEvery about each online
	// operator; a socket whose account is disabled or signed out is closed.
	StillSignedIn func(ctx context.Context, username string) (bool, error)
	RecheckEvery  time.Duration // 30s

	// Metrics receives the desk's metrics (see RegisterMetrics); nil: none.
	Metrics *metrics.Registry

	// Bus carries the desk's events between instances (PostgreSQL's
	// LISTEN/NOTIFY); nil: an in-process bus, for one instance.
	Bus bus.Bus
	// KeepOpen: conversations outlive this process (chat sessions are
	// shared, so a citizen resumes on another instance): open ones are not
	// closed at start; those idle for IdleClose are closed instead.
	KeepOpen  bool
	IdleClose time.Duration // 30m, the chat session's idle timeout
	// Wall is the clock of liveness between instances — heartbeats and the
	// operators online — the machines' own (time.Now), whatever Now says
	// (GOVCHAT_NOW previews the knowledge base as of a date; instances
	// started at different moments would disagree on it).
	Wall func() time.Time
	// HeartbeatEvery refreshes this instance's presence (5s);
	// PresenceTTL is how long operators of a silent instance still count
	// as online (15s).
	HeartbeatEvery time.Duration
	PresenceTTL    time.Duration
	// ReceiptWait is how long an operator's message waits to learn whether
	// the citizen's socket took it (1s; only an absent citizen waits it out).
	ReceiptWait time.Duration
}

// Desk is the handoff service. Safe for concurrent use. It is made of four
// parts, each in its own file: the queue of conversations and what citizens
// and operators do in them (queue.go), the operators online (presence.go),
// the automatic handoff after refusals (auto.go) and 留言 (inbox.go). The
// desk itself wires them to the hub, delivers frames and keeps the audit
// trail.
type Desk struct {
	cfg      Config
	hub      Hub
	store    *store
	log      *slog.Logger
	bus      bus.Bus
	ownBus   *bus.Local // the in-process bus made by New, closed by Close
	unsub    func()
	instance string

	queue    queue
	presence presence
	auto     autoHandoff
	inbox    inbox
	live     live

	mu sync.Mutex   // guards m
	m  *deskMetrics // nil without Config.Metrics (or RegisterMetrics)

	events   chan []byte
	refresh  chan struct{}
	stop     chan struct{}
	closing  sync.Once
	wg       sync.WaitGroup
	spawnMu  sync.Mutex
	stopping bool
}

// New builds the desk; Attach it to the hub.
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
		cfg.MessageLimit = ratelimit.Rate{Burst: 5, Every: 10 * time.Minute}
	}
	if cfg.HandoffLimit.Burst <= 0 || cfg.HandoffLimit.Every <= 0 {
		cfg.HandoffLimit = ratelimit.Rate{Burst: 3, Every: time.Minute}
	}
	if cfg.ChatLimit.Burst <= 0 || cfg.ChatLimit.Every <= 0 {
		cfg.ChatLimit = ratelimit.Rate{Burst: 10, Every: 3 * time.Second}
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 100
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 500
	}
	if cfg.Wall == nil {
		cfg.Wall = time.Now
	}
	if cfg.IdleClose <= 0 {
		cfg.IdleClose = 30 * time.Minute
	}
	if cfg.HeartbeatEvery <= 0 {
		cfg.HeartbeatEvery = 5 * time.Second
	}
	if cfg.PresenceTTL <= 0 {
		cfg.PresenceTTL = 3 * cfg.HeartbeatEvery
	}
	if cfg.ReceiptWait <= 0 {
		cfg.ReceiptWait = time.Second
	}
	st, err := newStore(cfg.DB, cfg.Redact, cfg.Contacts, cfg.Log)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if !cfg.KeepOpen {
		var stale func(Conversation) publisher
		if cfg.Events != nil {
			// Every conversation left open ends unresolved: nobody could mark it.
			stale = func(c Conversation) publisher {
				return publishTo(cfg.Events, c.Closed, unresolved(c, events.OutcomeInterrupted, FromSystem))
			}
		}
		if n, err := st.closeStale(ctx, cfg.Now(), stale); err != nil {
			return nil, err
		} else if n > 0 {
			cfg.Log.Info("handoff: closed conversations left open by the previous run", slog.Int("count", n))
		}
	}
	d := &Desk{cfg: cfg, store: st, log: cfg.Log, bus: cfg.Bus, instance: "i_" + newID()[2:],
		events: make(chan []byte, 4096), refresh: make(chan struct{}, 1), stop: make(chan struct{})}
	if d.bus == nil {
		d.ownBus = bus.NewLocal()
		d.bus = d.ownBus
	}
	d.queue = queue{d: d, handoffLimit: ratelimit.NewKeyed(cfg.HandoffLimit, 10000), chatLimit: ratelimit.NewKeyed(cfg.ChatLimit, 10000)}
	d.presence = presence{d: d, ops: map[*chat.Client]operator{}}
	d.auto = autoHandoff{d: d, trails: map[string]*trail{}}
	d.inbox = inbox{d: d, limit: ratelimit.NewKeyed(cfg.MessageLimit, 10000)}
	d.live.init()
	st.live = d.live.text
	if err := d.store.heartbeat(ctx, d.instance, cfg.Wall()); err != nil {
		d.closeBus()
		return nil, err
	}
	if err := d.loadOpen(ctx); err != nil {
		d.closeBus()
		return nil, err
	}
	d.unsub = d.bus.Subscribe(busHandler{d})
	d.wg.Add(3)
	go d.loop()
	go d.refresher()
	go d.heartbeat()
	if cfg.Metrics != nil {
		d.RegisterMetrics(cfg.Metrics)
	}
	return d, nil
}

// spawn runs fn on a goroutine that Close waits for (unless closing).
func (d *Desk) spawn(fn func()) {
	d.spawnMu.Lock()
	defer d.spawnMu.Unlock()
	if d.stopping {
		return
	}
	d.wg.Add(1)
	go func() { defer d.wg.Done(); fn() }()
}

func (d *Desk) closeBus() {
	if d.ownBus != nil {
		d.ownBus.Close()
	}
}

// Close stops the desk's goroutines and takes this instance and its
// operators off the presence list. Open conversations stay as they are.
func (d *Desk) Close() error {
	var err error
	d.closing.Do(func() {
		if d.unsub != nil {
			d.unsub()
		}
		d.spawnMu.Lock()
		d.stopping = true
		close(d.stop)
		d.spawnMu.Unlock()
		d.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = d.store.leave(ctx, d.instance)
		if err == nil {
			d.broadcast(ctx, event{Queue: true})
		}
		d.closeBus()
	})
	return err
}

// Attach registers the desk's frame handlers on hub (replacing the hub's
// built-in handoff reply) and observes the hub's exchanges. Call it once,
// before serving.
func (d *Desk) Attach(hub Hub) {
	d.hub = hub
	staff := []govchat.Role{govchat.RoleOperator, govchat.RoleAdmin}
	hub.Handle(TypeHandoff, nil, d.queue.onHandoff)
	hub.Handle(TypeHandoffMessage, nil, d.queue.onCitizenMessage)
	hub.Handle(TypeLeaveMessage, nil, d.inbox.onLeaveMessage)
	hub.Handle(TypeHandoffEnd, nil, d.signedIn(d.queue.onEnd))
	hub.Handle(TypeQueueSubscribe, staff, d.signedIn(d.presence.onSubscribe))
	hub.Handle(TypeHandoffTake, staff, d.signedIn(d.queue.onTake))
	hub.Handle(TypeAgentMessage, staff, d.signedIn(d.queue.onAgentMessage))
	hub.Handle(TypeAgentAnswer, staff, d.signedIn(d.queue.onAgentAnswer))
	hub.Observe(d.auto.observe)
	hub.OnHello(d.queue.onHello)
}

// signedIn runs h for a staff socket only while its account is still
// signed in and enabled (StillSignedIn): the periodic check in watch covers
// sockets that subscribed to the queue, this one every operator action,
// subscribed or not. A socket that fails it is closed.
func (d *Desk) signedIn(h chat.Handler) chat.Handler {
	return func(ctx context.Context, c *chat.Client, data []byte) error {
		p := c.Principal()
		if d.cfg.StillSignedIn == nil || (p.Role != govchat.RoleOperator && p.Role != govchat.RoleAdmin) {
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
			c.SendError(f.ID, govchat.Errorf(govchat.CodeUnauthorized, msgSignedOut))
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
	msgStoreDown    = "人工服务暂时不可用，请稍后再试，或拨打%s政务服务便民热线。"
	msgIdleClosed   = "长时间没有新消息，人工服务已结束"
)

func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "h_" + hex.EncodeToString(b)
}

func checkText(text string, max int) (string, *govchat.Error) {
	text = strings.TrimSpace(text)
	switch {
	case !utf8.ValidString(text):
		return "", govchat.Errorf(govchat.CodeBadRequest, msgBadUTF8)
	case text == "":
		return "", govchat.Errorf(govchat.CodeBadRequest, msgEmptyText)
	case utf8.RuneCountInString(text) > max:
		return "", govchat.Errorf(govchat.CodeTooLarge, fmt.Sprintf(msgTextLong, max))
	}
	return text, nil
}

func decode(data []byte, v any) error {
	if err := jsonUnmarshal(data, v); err != nil {
		return govchat.Errorf(govchat.CodeBadRequest, "消息格式不正确，请发送 JSON 文本消息。")
	}
	return nil
}

// sendToSession delivers a frame to the sockets of a session on this
// instance.
func (d *Desk) sendToSession(session string, frame any) int {
	if d.hub == nil {
		return 0
	}
	return d.hub.SendToSession(session, frame)
}

// queueFrame is the live queue, as every operator sees it: the open
// conversations of every instance, queued ones first, oldest first.
func (d *Desk) queueFrame(ctx context.Context) (QueueFrame, error) {
	open, err := d.store.queue(ctx)
	if err != nil {
		return QueueFrame{}, err
	}
	online, err := d.presence.online(ctx)
	if err != nil {
		return QueueFrame{}, err
	}
	msgs, err := d.store.countOpenMessages(ctx)
	if err != nil {
		return QueueFrame{}, err
	}
	items := make([]QueueItem, 0, len(open))
	for _, o := range open {
		it := o.QueueItem
		if t, ok := d.live.text(it.Conversation, o.previewID); ok {
			it.Preview = t
		}
		it.Preview = clip(it.Preview, 60)
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if (a.Status == StatusQueued) != (b.Status == StatusQueued) {
			return a.Status == StatusQueued
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.Conversation < b.Conversation
	})
	return QueueFrame{Type: TypeQueue, Items: items, OperatorsOnline: online, OpenMessages: msgs}, nil
}

// Online is the number of distinct operators online, on every instance.
func (d *Desk) Online() int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := d.presence.online(ctx)
	if err != nil {
		d.log.Error("handoff: presence", slog.Any("error", err))
	}
	return n
}

// Queue is the live queue.
func (d *Desk) Queue(ctx context.Context) QueueFrame {
	f, err := d.queueFrame(ctx)
	if err != nil {
		d.log.Error("handoff: queue", slog.Any("error", err))
		return QueueFrame{Type: TypeQueue, Items: []QueueItem{}}
	}
	return f
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

// AckFrame confirms a handoff frame.
type AckFrame struct {
	Type         string `json:"type"`
	ID           string `json:"id,omitempty"`
	Of           string `json:"of"`
	Conversation string `json:"conversation,omitempty"`
	Delivered    *bool  `json:"delivered,omitempty"` // agent_message: whether the citizen is connected
	Message      string `json:"message,omitempty"`
}

// unavailable is the error a citizen or operator gets when the database
// fails (it is logged).
func (d *Desk) unavailable(err error) *govchat.Error {
	d.log.Error("handoff: store", slog.Any("error", err))
	return govchat.Errorf(govchat.CodeUnavailable, fmt.Sprintf(msgStoreDown, d.cfg.Hotline))
}

// liveTexts returns the texts of entries whose stored form was redacted
// (the live view keeps them) keyed by the entries' ids, and keeps them.
func (d *Desk) liveTexts(conv string, entries []Entry, ids []int64) map[int64]string {
	var out map[int64]string
	for i, e := range entries {
		if i < len(ids) && d.store.redact(e.Text) != e.Text {
			if out == nil {
				out = map[int64]string{}
			}
			out[ids[i]] = e.Text
		}
	}
	d.live.addTexts(conv, out)
	return out
}

// withTranscript returns c with its transcript: the stored entries, with
// the live text where this instance has it (an open conversation).
func (d *Desk) withTranscript(ctx context.Context, c Conversation) (Conversation, error) {
	es, err := d.store.transcript(ctx, c.ID)
	if err != nil {
		return Conversation{}, err
	}
	c.Transcript = make([]Entry, len(es))
	for i, e := range es {
		if t, ok := d.live.text(c.ID, e.id); ok {
			e.Text = t
		}
		c.Transcript[i] = e.Entry
	}
	return c, nil
}

// Conversations lists stored conversations (without transcripts), newest
// first; status filters when not empty.
func (d *Desk) Conversations(ctx context.Context, status string, limit int) ([]Conversation, error) {
	return d.queue.list(ctx, status, limit)
}

// Conversation returns a conversation with its transcript: the live one
// while it is open, else the stored (redacted) one.
func (d *Desk) Conversation(ctx context.Context, id string) (Conversation, error) {
	return d.queue.get(ctx, id)
}

// Messages lists 留言, newest first; status is open, done or "" for all.
func (d *Desk) Messages(ctx context.Context, status string, limit int) ([]Message, error) {
	return d.inbox.list(ctx, status, limit)
}

// HandleMessage marks a 留言 as handled by username.
func (d *Desk) HandleMessage(ctx context.Context, id int64, username string) error {
	return d.inbox.handle(ctx, id, username)
}
