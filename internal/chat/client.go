package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/ratelimit"
)

var (
	errClientGone = errors.New("chat: client gone")
	errSlow       = errors.New("chat: client too slow")
)

// Client is one websocket connection.
type Client struct {
	id     string
	hub    *Hub
	conn   *websocket.Conn
	ip     string
	ctx    context.Context
	cancel context.CancelFunc

	send      chan []byte
	done      chan struct{} // closed when the connection is finished
	closeReq  chan closeMsg // asks the writer to drain and close
	closeOnce sync.Once
	reqOnce   sync.Once

	// Owned by the reader goroutine.
	frames      ratelimit.Bucket
	lastLimited time.Time

	mu        sync.Mutex
	session   *Session
	principal govchat.Principal
	app       string // the client's name from its hello (widget/1, miniprogram/1 …)
	pending   []AskFrame
	accepted  int // asks accepted and not yet answered (pending + in flight)
	working   bool
}

type closeMsg struct {
	code int
	text string
}

func (h *Hub) newClient(conn *websocket.Conn, ip string) *Client {
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{
		id:  randomHex(8),
		hub: h, conn: conn, ip: ip, ctx: ctx, cancel: cancel,
		send:      make(chan []byte, h.cfg.SendQueue),
		done:      make(chan struct{}),
		closeReq:  make(chan closeMsg, 1),
		frames:    ratelimit.Full(h.cfg.FrameRate.limit(), time.Now()),
		principal: govchat.Principal{Role: govchat.RoleCitizen},
	}
}

// ID names the connection (random, unique in the process).
func (c *Client) ID() string { return c.id }

// IP is the client's address.
func (c *Client) IP() string { return c.ip }

// Context is cancelled when the connection ends.
func (c *Client) Context() context.Context { return c.ctx }

// Principal is who is on the connection.
func (c *Client) Principal() govchat.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.principal
}

// Session is the connection's session (nil before the first hello or ask).
func (c *Client) Session() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Hub is the hub the client belongs to.
func (c *Client) Hub() *Hub { return c.hub }

// Send queues a frame (any JSON-encodable value) for the writer. When the
// queue stays full for SendTimeout the client is dropped as too slow.
func (c *Client) Send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("chat: encode frame: %w", err)
	}
	select {
	case <-c.done:
		return errClientGone
	default:
	}
	select {
	case c.send <- b:
		return nil
	default:
	}
	t := time.NewTimer(c.hub.cfg.SendTimeout)
	defer t.Stop()
	select {
	case c.send <- b:
		return nil
	case <-c.done:
		return errClientGone
	case <-t.C:
		c.hub.m.dropped.With("slow").Inc()
		c.hub.log.Info("chat: dropping slow client", slog.String("ip", c.ip))
		c.closeNow(websocket.ClosePolicyViolation, "too slow")
		return errSlow
	}
}

// SendError sends an error frame for request id.
func (c *Client) SendError(id string, e *govchat.Error) error {
	return c.Send(errorFrame(id, e))
}

// Close closes the connection after the queued frames are written.
func (c *Client) Close() { c.requestClose(websocket.CloseNormalClosure, "") }

// requestClose asks the writer to flush the queue and send a close frame.
func (c *Client) requestClose(code int, text string) {
	c.reqOnce.Do(func() { c.closeReq <- closeMsg{code, text} })
}

// closeNow sends a close frame (best effort) and ends the connection
// without flushing the queue.
func (c *Client) closeNow(code int, text string) {
	c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.finish()
}

// finish ends the connection once: it cancels running answers, leaves the
// hub and the session and closes the socket.
func (c *Client) finish() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.cancel()
		c.conn.Close()
		c.hub.remove(c)
		c.mu.Lock()
		s := c.session
		c.mu.Unlock()
		if s != nil {
			s.detach(c, time.Now())
		}
	})
}

func (c *Client) writeLoop() {
	cfg := &c.hub.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer func() {
		ping.Stop()
		c.finish()
	}()
	write := func(b []byte) error {
		c.conn.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
		return c.conn.WriteMessage(websocket.TextMessage, b)
	}
	for {
		select {
		case b := <-c.send:
			if write(b) != nil {
				return
			}
		case <-ping.C:
			if c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(cfg.WriteTimeout)) != nil {
				return
			}
		case m := <-c.closeReq:
			for {
				select {
				case b := <-c.send:
					if write(b) != nil {
						return
					}
					continue
				default:
				}
				break
			}
			c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(m.code, m.text), time.Now().Add(cfg.WriteTimeout))
			// Give the peer a moment to answer the close so that it sees a
			// clean close rather than a reset.
			select {
			case <-c.done:
			case <-time.After(time.Second):
			}
			return
		case <-c.done:
			return
		}
	}
}

func (c *Client) readLoop() {
	defer c.finish()
	cfg := &c.hub.cfg
	pongWait := cfg.PingInterval * 5 / 2
	c.conn.SetReadLimit(int64(cfg.HardMessageBytes))
	c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		c.conn.SetReadDeadline(time.Now().Add(pongWait))
		return nil
	})
	var buf []byte // reused between frames; dropped when it grew large
	for {
		mt, r, err := c.conn.NextReader()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.hub.m.dropped.With("too_large").Inc()
			}
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(pongWait))
		// Read at most MaxMessageBytes; discard the rest (bounded by the
		// hard read limit, beyond which gorilla closes with 1009).
		data, tooLarge, err := readAtMost(r, buf[:0], cfg.MaxMessageBytes)
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.hub.m.dropped.With("too_large").Inc()
			}
			return
		}
		if !c.allowFrame() {
			continue
		}
		switch {
		case mt != websocket.TextMessage:
			c.SendError("", govchat.Errorf(govchat.CodeBadRequest, msgBinary))
		case tooLarge:
			c.SendError("", govchat.Errorf(govchat.CodeTooLarge, msgTooLarge))
		case !utf8.Valid(data):
			c.SendError("", govchat.Errorf(govchat.CodeBadRequest, msgUTF8))
		default:
			c.dispatch(data)
		}
		buf = data
		if cap(buf) > 4<<10 {
			buf = nil // do not keep a large buffer on an idle socket
		}
	}
}

// readAtMost reads r into buf up to limit bytes; when r holds more, the rest
// is discarded and tooLarge is true.
func readAtMost(r io.Reader, buf []byte, limit int) (data []byte, tooLarge bool, err error) {
	lr := &io.LimitedReader{R: r, N: int64(limit) + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	if len(buf) > limit {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, false, err
		}
		return buf[:0], true, nil
	}
	return buf, false, nil
}

// allowFrame applies the per-connection frame rate; over it, the frame is
// ignored and an error frame sent at most once a second.
func (c *Client) allowFrame() bool {
	if !c.hub.cfg.FrameRate.enabled() {
		return true
	}
	now := time.Now()
	wait := c.frames.Take(c.hub.cfg.FrameRate.limit(), now)
	if wait == 0 {
		return true
	}
	c.hub.m.limited.With("frames").Inc()
	if now.Sub(c.lastLimited) >= time.Second {
		c.lastLimited = now
		c.SendError("", &govchat.Error{Code: govchat.CodeRateLimited, Message: msgFramesLimited, RetryAfter: retrySeconds(wait)})
	}
	return false
}

func (c *Client) dispatch(data []byte) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		c.SendError("", govchat.Errorf(govchat.CodeBadRequest, msgMalformed))
		return
	}
	id := env.id()
	rt, ok := c.hub.handlers[env.Type]
	if !ok {
		c.SendError(id, govchat.Errorf(govchat.CodeBadRequest, msgUnknownType))
		return
	}
	if rt.roles != nil && !rt.roles[c.Principal().Role] {
		c.SendError(id, govchat.Errorf(govchat.CodeForbidden, msgForbidden))
		return
	}
	err := rt.handler(c.ctx, c, data)
	if err == nil {
		return
	}
	var e *govchat.Error
	if !errors.As(err, &e) {
		c.hub.log.Error("chat: handler", slog.String("type", env.Type), slog.Any("error", err))
		e = govchat.Errorf(govchat.CodeInternal, fmt.Sprintf(msgInternal, c.hub.cfg.Hotline))
	}
	c.SendError(id, e)
}

// ensureSession returns the connection's session, starting one (and telling
// the client) when there is none.
func (c *Client) ensureSession() (*Session, *govchat.Error) {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	return c.useSession("")
}

// useSession attaches the connection to the session with token (or a new
// one) and sends the session frame.
func (c *Client) useSession(token string) (*Session, *govchat.Error) {
	h := c.hub
	now := time.Now()
	s := h.sessions.get(token, now)
	if s != nil {
		h.refresh(s)
	} else {
		s = h.load(token, now)
	}
	resumed := s != nil
	if s == nil {
		var e *govchat.Error
		if s, e = h.newSession(c.ip, c.Principal().Role, now); e != nil {
			return nil, e
		}
	}
	c.mu.Lock()
	old := c.session
	c.session = s
	role := c.principal.Role
	c.mu.Unlock()
	if old != nil && old != s {
		old.detach(c, now)
	}
	s.attach(c, now)
	if resumed {
		h.persist.touch(s)
	}
	c.Send(SessionFrame{
		Type: TypeSession, V: ProtocolVersion, Session: s.token, SessionID: s.ID,
		Resumed: resumed, Turns: len(s.Turns()), Role: string(role), Hotline: h.cfg.Hotline,
	})
	return s, nil
}

func decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return govchat.Errorf(govchat.CodeBadRequest, msgMalformed)
	}
	return nil
}

func (h *Hub) handleHello(ctx context.Context, c *Client, data []byte) error {
	var f HelloFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	if f.V > ProtocolVersion {
		return govchat.Errorf(govchat.CodeBadRequest, msgVersion)
	}
	c.mu.Lock()
	c.app = f.Client
	if len(c.app) > 64 {
		c.app = c.app[:64]
	}
	c.mu.Unlock()
	if f.Token != "" {
		if h.cfg.Authenticator == nil {
			return govchat.Errorf(govchat.CodeUnauthorized, msgUnauthorized)
		}
		p, err := h.cfg.Authenticator.Authenticate(ctx, f.Token)
		if err != nil {
			h.log.Info("chat: hello token refused", slog.Any("error", err))
			return govchat.Errorf(govchat.CodeUnauthorized, msgUnauthorized)
		}
		if p.Role == "" {
			p.Role = govchat.RoleCitizen
		}
		c.mu.Lock()
		c.principal = p
		c.mu.Unlock()
	}
	s, e := c.useSession(f.Session)
	if e != nil {
		return e
	}
	resumed := f.Session != "" && f.Session == s.token
	for _, fn := range h.helloObs {
		fn(ctx, c, resumed)
	}
	return nil
}

// channel is what the conversation log records of where this socket's
// questions come from: the workbench for signed-in staff, the mini-program
// when its hello says so, else the website widget.
func (c *Client) channel() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.principal.Role == govchat.RoleOperator || c.principal.Role == govchat.RoleAdmin:
		return govchat.ChannelWorkbench
	case strings.HasPrefix(c.app, "miniprogram"):
		return govchat.ChannelMiniProgram
	}
	return govchat.ChannelWeb
}

func (h *Hub) handlePing(ctx context.Context, c *Client, data []byte) error {
	var f Frame
	decode(data, &f)
	return c.Send(Frame{Type: TypePong, ID: f.ID})
}

func (h *Hub) handleAsk(ctx context.Context, c *Client, data []byte) error {
	var f AskFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	if f.ID == "" || len(f.ID) > maxIDLen {
		return govchat.Errorf(govchat.CodeBadRequest, msgBadID)
	}
	c.mu.Lock()
	if c.accepted >= h.cfg.PendingAsks {
		c.mu.Unlock()
		h.m.limited.With("pending").Inc()
		return &govchat.Error{Code: govchat.CodeRateLimited, Message: msgPending, RetryAfter: 1}
	}
	if !h.begin() {
		c.mu.Unlock()
		return govchat.Errorf(govchat.CodeUnavailable, msgShutdown)
	}
	c.pending = append(c.pending, f)
	c.accepted++
	start := !c.working
	c.working = true
	c.mu.Unlock()
	if start {
		go c.work()
	}
	return nil
}

// work answers the pending questions in order, then exits; the next ask
// starts a new worker.
func (c *Client) work() {
	for {
		c.mu.Lock()
		if len(c.pending) == 0 {
			c.working = false
			c.mu.Unlock()
			return
		}
		f := c.pending[0]
		c.pending = c.pending[1:]
		c.mu.Unlock()
		c.process(f)
		c.mu.Lock()
		c.accepted--
		c.mu.Unlock()
		c.hub.end()
	}
}

func (c *Client) process(f AskFrame) {
	select {
	case <-c.done:
		return
	default:
	}
	if c.hub.isClosing() {
		// Shutting down: answers in flight finish, queued ones do not start.
		c.SendError(f.ID, govchat.Errorf(govchat.CodeUnavailable, msgShutdown))
		return
	}
	s, e := c.ensureSession()
	if e != nil {
		c.SendError(f.ID, e)
		return
	}
	stream := func(delta string) error {
		if delta == "" {
			return nil
		}
		return c.Send(DeltaFrame{Type: TypeDelta, ID: f.ID, Text: delta})
	}
	frame, e := c.hub.answer(c.ctx, s, c.ip, c.channel(), f.ID, f.Text, f.Via, stream)
	if e != nil {
		c.SendError(f.ID, e)
		return
	}
	c.Send(frame)
}

func (h *Hub) handleFeedback(ctx context.Context, c *Client, data []byte) error {
	var f FeedbackFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	// Each feedback is a row in the history: the same per-address budget
	// as the HTTP API's feedback keeps a socket from filling the disk.
	if wait := h.ipLimit.Take(ratelimit.Key(c.ip), time.Now()); wait > 0 {
		h.m.limited.With("ip").Inc()
		return &govchat.Error{Code: govchat.CodeRateLimited, Message: msgRateLimited, RetryAfter: retrySeconds(wait)}
	}
	s, e := c.ensureSession()
	if e != nil {
		return e
	}
	if err := h.feedback(ctx, s.ID, f.AnswerID, f.Helpful, f.Reason); err != nil {
		return err
	}
	return c.Send(AckFrame{Type: TypeAck, ID: f.ID, Of: TypeFeedback, AnswerID: f.AnswerID})
}

// handleHandoff is the built-in 转人工 reply: with no operator queue
// registered (see Handle), the citizen is given the hotline.
func (h *Hub) handleHandoff(ctx context.Context, c *Client, data []byte) error {
	var f HandoffRequestFrame
	if err := decode(data, &f); err != nil {
		return err
	}
	if _, e := c.ensureSession(); e != nil {
		return e
	}
	return c.Send(HandoffFrame{
		Type: TypeHandoff, ID: f.ID, Status: HandoffNoOperator, Hotline: h.cfg.Hotline,
		Message: fmt.Sprintf(msgNoOperator, h.cfg.Hotline),
	})
}
