// Package webhook sends govchat's outbound events over HTTP and says how a
// receiver checks them. Every request is a POST of one event (JSON) with
//
//	Content-Type: application/json
//	X-Govchat-Event: leave_message.created
//	X-Govchat-Id: evt_…                 (the event's id: the same on every retry and replay)
//	X-Govchat-Timestamp: 1780279200      (unix seconds when this request was signed)
//	X-Govchat-Signature: sha256=<hex>    (HMAC-SHA256 with the shared secret over timestamp + "." + body)
//
// A receiver recomputes the signature, refuses a timestamp outside its
// tolerance (a captured request cannot be replayed later) and deduplicates
// by id (a retried event is not a new one). Verify does all but the last.
// docs/webhooks.md has a sample receiver in Go and in Python.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	HeaderEvent     = "X-Govchat-Event"
	HeaderID        = "X-Govchat-Id"
	HeaderTimestamp = "X-Govchat-Timestamp"
	HeaderSignature = "X-Govchat-Signature"
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock (Verify's default).
const DefaultTolerance = 5 * time.Minute

// Sign is the X-Govchat-Signature value of body signed at unix time ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrSignature = errors.New("webhook: signature does not match")
	ErrTimestamp = errors.New("webhook: timestamp missing or outside the tolerance")
)

// Verify checks a request's signature and timestamp against the shared
// secret at time now; tolerance 0 is DefaultTolerance. It does not
// deduplicate: the receiver keeps the ids it has processed.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(HeaderSignature))) {
		return ErrSignature
	}
	return nil
}

// Client posts events to receivers.
type Client struct {
	secret []byte
	http   *http.Client
	now    func() time.Time
}

// Config configures a Client.
type Config struct {
	Secret  string           // the shared secret (GOVCHAT_WEBHOOK_SECRET); required
	Timeout time.Duration    // per request (10s)
	Now     func() time.Time // the clock that timestamps requests
	// HTTP is the client requests go through (a new one with Timeout when
	// nil). Redirects are not followed: a receiver answers where it was
	// configured.
	HTTP *http.Client
}

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Secret == "" {
		return nil, errors.New("webhook: a shared secret is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{secret: []byte(cfg.Secret), http: &c, now: cfg.Now}, nil
}

// StatusError is a receiver's answer other than 2xx.
type StatusError struct {
	Code int
	Body string // the start of the response body
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("webhook: receiver answered %d", e.Code)
	}
	return fmt.Sprintf("webhook: receiver answered %d: %s", e.Code, e.Body)
}

// Permanent reports whether the receiver refused this event itself (a 4xx
// other than 408, 425 and 429), rather than being unable to take any
// event now: the outbox then goes on with the next event and retries this
// one later, instead of waiting for the receiver.
func (e *StatusError) Permanent() bool {
	return e.Code >= 400 && e.Code < 500 && e.Code != http.StatusRequestTimeout && e.Code != http.StatusTooEarly && e.Code != http.StatusTooManyRequests
}

// Send posts one event (its id, type and JSON body) to url, signed now. It
// returns nil when the receiver answered 2xx.
func (c *Client) Send(ctx context.Context, url, id, typ string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	ts := c.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "govchat-webhook/1")
	req.Header.Set(HeaderEvent, typ)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(c.secret, ts, body))
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &StatusError{Code: resp.StatusCode, Body: strings.ToValidUTF8(strings.TrimSpace(string(head)), "")}
}
