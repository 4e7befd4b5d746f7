package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/wechat"
	"github.com/govchat/govchat/internal/wechat/wechattest"
)

func newClient(t *testing.T, fake *wechattest.Server, mutate func(*wechat.ClientConfig)) *wechat.Client {
	t.Helper()
	cfg := wechat.ClientConfig{AppID: fake.AppID, Secret: fake.Secret, APIBase: fake.URL, Timeout: 2 * time.Second}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := wechat.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCode2SessionErrors(t *testing.T) {
	fake := wechattest.NewServer("wxtestappid", "s3cret")
	defer fake.Close()
	c := newClient(t, fake, nil)
	tests := []struct {
		code    string
		want    error
		errcode int
	}{
		{"err-40029", wechat.ErrInvalidCode, 40029},
		{"nonsense-code", wechat.ErrInvalidCode, 40029},
		{"err-40163", wechat.ErrCodeUsed, 40163},
		{"err-45011", wechat.ErrRateLimited, 45011},
		{"err-40226", wechat.ErrBlocked, 40226},
		{"err--1", wechat.ErrBusy, -1},
		{"err-40013", wechat.ErrMisconfigured, 40013},
		{"err-99999", wechat.ErrUnknown, 99999},
		{"http-500", wechat.ErrUnavailable, 0},
		{"http-404", wechat.ErrUnavailable, 0},
		{"garbage", wechat.ErrUnavailable, 0},
		{"", wechat.ErrBadRequest, 0},
		{"has space", wechat.ErrBadRequest, 0},
		{"中文", wechat.ErrBadRequest, 0},
		{strings.Repeat("a", 300), wechat.ErrBadRequest, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.20s", tt.code), func(t *testing.T) {
			_, err := c.Code2Session(context.Background(), tt.code)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var e *wechat.Error
			if !errors.As(err, &e) || e.Errcode != tt.errcode {
				t.Fatalf("errcode = %+v, want %d", e, tt.errcode)
			}
			if strings.Contains(err.Error(), fake.Secret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
			if msg := wechat.UserMessage(err, "12345"); msg == "" || !containsHan(msg) {
				t.Fatalf("user message %q is not Chinese", msg)
			}
		})
	}
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestCode2SessionSuccessAndSingleUse(t *testing.T) {
	fake := wechattest.NewServer("wxtestappid", "s3cret")
	defer fake.Close()
	c := newClient(t, fake, nil)
	code := fake.Code("o_user_1")
	s, err := c.Code2Session(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenID != "o_user_1" || s.SessionKey == "" {
		t.Fatalf("session = %+v", s)
	}
	// The session key never shows in formatted or logged output.
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("login", "session", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), logs.String()} {
		if strings.Contains(out, s.SessionKey) {
			t.Fatalf("session key leaked in %q", out)
		}
	}
	if _, err := c.Code2Session(context.Background(), code); !errors.Is(err, wechat.ErrCodeUsed) {
		t.Fatalf("second use: err = %v, want code used", err)
	}
}

func TestCode2SessionWrongCredentials(t *testing.T) {
	fake := wechattest.NewServer("wxtestappid", "s3cret")
	defer fake.Close()
	for _, mutate := range []func(*wechat.ClientConfig){
		func(c *wechat.ClientConfig) { c.AppID = "wxother" },
		func(c *wechat.ClientConfig) { c.Secret = "wrong" },
	} {
		c := newClient(t, fake, mutate)
		_, err := c.Code2Session(context.Background(), fake.Code("o1"))
		if !errors.Is(err, wechat.ErrMisconfigured) {
			t.Fatalf("err = %v, want misconfigured", err)
		}
	}
}

func TestCode2SessionTimeout(t *testing.T) {
	fake := wechattest.NewServer("wxtestappid", "s3cret")
	defer fake.Close()
	c := newClient(t, fake, func(c *wechat.ClientConfig) { c.Timeout = 100 * time.Millisecond })
	start := time.Now()
	_, err := c.Code2Session(context.Background(), "slow-3000")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestCode2SessionUnreachable(t *testing.T) {
	fake := wechattest.NewServer("wxtestappid", "s3cret")
	c := newClient(t, fake, nil)
	fake.Close()
	_, err := c.Code2Session(context.Background(), "ok-x")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestNewClientValidates(t *testing.T) {
	for _, cfg := range []wechat.ClientConfig{
		{AppID: "", Secret: "x"},
		{AppID: "x", Secret: ""},
		{AppID: "x", Secret: "y", APIBase: "ftp://example"},
		{AppID: "x", Secret: "y", APIBase: "::"},
	} {
		if _, err := wechat.NewClient(cfg); !errors.Is(err, wechat.ErrMisconfigured) {
			t.Errorf("NewClient(%+v) err = %v, want misconfigured", cfg, err)
		}
	}
}
