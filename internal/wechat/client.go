// Package wechat signs WeChat mini-program users in to govchat: it exchanges
// a wx.login code for the user's openid through WeChat's jscode2session API,
// issues an opaque govchat session token bound to that openid (only the
// token's SHA-256 hash is stored), and verifies the token when the
// mini-program opens the chat socket.
//
// The WeChat session_key is never stored, returned or logged: govchat does not
// decrypt user data, so it has no use for it.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIBase is WeChat's API host.
const DefaultAPIBase = "https://api.weixin.qq.com"

// ClientConfig configures a Client.
type ClientConfig struct {
	AppID   string // the mini-program's appid (GOVCHAT_WECHAT_APPID)
	Secret  string // its AppSecret (GOVCHAT_WECHAT_SECRET)
	APIBase string // default DefaultAPIBase; tests point it at a fake server
	// Timeout bounds one jscode2session call, default 5s.
	Timeout time.Duration
	// HTTPClient, when set, is used instead of a new client with Timeout.
	HTTPClient *http.Client
}

// Client calls jscode2session.
type Client struct {
	appID, secret string
	endpoint      string
	timeout       time.Duration
	http          *http.Client
}

// Session is the result of a successful jscode2session call. Its String and
// LogValue methods leave out the session key.
type Session struct {
	OpenID     string
	UnionID    string
	SessionKey string
}

// String omits the session key so that it cannot reach a log by accident.
func (s Session) String() string {
	return fmt.Sprintf("wechat.Session{OpenID:%q UnionID:%q SessionKey:<redacted>}", s.OpenID, s.UnionID)
}

// GoString is String, for %#v.
func (s Session) GoString() string { return s.String() }

// LogValue keeps the session key out of structured logs.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("openid", s.OpenID), slog.Bool("unionid", s.UnionID != ""))
}

// NewClient validates cfg and returns a client. An empty AppID or Secret is an
// error wrapping ErrMisconfigured.
func NewClient(cfg ClientConfig) (*Client, error) {
	if strings.TrimSpace(cfg.AppID) == "" || strings.TrimSpace(cfg.Secret) == "" {
		return nil, &Error{Code: CodeMisconfigured, Err: errors.New("GOVCHAT_WECHAT_APPID and GOVCHAT_WECHAT_SECRET must be set")}
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.APIBase), "/")
	if base == "" {
		base = DefaultAPIBase
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Code: CodeMisconfigured, Err: fmt.Errorf("GOVCHAT_WECHAT_API_BASE %q is not an http(s) URL", cfg.APIBase)}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{
		appID:    strings.TrimSpace(cfg.AppID),
		secret:   strings.TrimSpace(cfg.Secret),
		endpoint: base + "/sns/jscode2session",
		timeout:  cfg.Timeout,
		http:     hc,
	}, nil
}

// maxResponse bounds how much of WeChat's answer is read.
const maxResponse = 64 << 10

// Code2Session exchanges a wx.login code for the user's openid. Every failure
// is an *Error: WeChat's errcodes map to CodeInvalidCode (40029),
// CodeCodeUsed (40163), CodeRateLimited (45011), CodeBlocked (40226),
// CodeBusy (-1) and CodeMisconfigured (bad appid/secret); network failures,
// timeouts and unreadable answers to CodeUnavailable.
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	if err := checkCode(code); err != nil {
		return Session{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	q := url.Values{
		"appid":      {c.appID},
		"secret":     {c.secret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return Session{}, &Error{Code: CodeMisconfigured, Err: fmt.Errorf("jscode2session: %w", err)}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL carries the secret: report only the cause, never *url.Error's URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Session{}, &Error{Code: CodeUnavailable, Err: fmt.Errorf("jscode2session: %w", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return Session{}, &Error{Code: CodeUnavailable, Err: fmt.Errorf("jscode2session: read: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return Session{}, &Error{Code: CodeUnavailable, Err: fmt.Errorf("jscode2session: HTTP %d", resp.StatusCode)}
	}
	if len(body) > maxResponse {
		return Session{}, &Error{Code: CodeUnavailable, Err: errors.New("jscode2session: answer too large")}
	}
	// WeChat answers JSON, sometimes labelled text/plain: parse the body
	// whatever its Content-Type says.
	var r struct {
		OpenID     string `json:"openid"`
		SessionKey string `json:"session_key"`
		UnionID    string `json:"unionid"`
		Errcode    int    `json:"errcode"`
		Errmsg     string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return Session{}, &Error{Code: CodeUnavailable, Err: fmt.Errorf("jscode2session: answer is not JSON: %w", err)}
	}
	if r.Errcode != 0 {
		return Session{}, errorFromErrcode(r.Errcode, truncate(r.Errmsg, 200))
	}
	if r.OpenID == "" || len(r.OpenID) > 128 {
		return Session{}, &Error{Code: CodeUnavailable, Err: errors.New("jscode2session: answer has no valid openid")}
	}
	return Session{OpenID: r.OpenID, UnionID: r.UnionID, SessionKey: r.SessionKey}, nil
}

// checkCode rejects codes that cannot be a wx.login code before WeChat sees them.
func checkCode(code string) error {
	if code == "" {
		return &Error{Code: CodeBadRequest, Err: errors.New("empty code")}
	}
	if len(code) > 256 {
		return &Error{Code: CodeBadRequest, Err: errors.New("code too long")}
	}
	for i := 0; i < len(code); i++ {
		if b := code[i]; b <= ' ' || b >= 0x7f {
			return &Error{Code: CodeBadRequest, Err: errors.New("code has characters outside printable ASCII")}
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
