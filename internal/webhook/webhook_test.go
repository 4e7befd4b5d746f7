package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

var now = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

func TestSignKnownValue(t *testing.T) {
	// Computed independently: printf '1780308000.{}' | openssl dgst -sha256 -hmac secret
	const want = "sha256=a2eb5ec181e66da4b1451fbd21270690012b71bf23d0b1c98e2ca8245fb29d1b"
	if got := Sign([]byte("secret"), 1780308000, []byte("{}")); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("s3cret-for-tests")
	body := []byte(`{"id":"evt_1"}`)
	ts := now.Unix()
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
	if err := Verify(secret, h, body, now.Add(time.Minute), 0); err != nil {
		t.Fatalf("a good request: %v", err)
	}
	for name, c := range map[string]struct {
		secret []byte
		body   []byte
		at     time.Time
		edit   func(http.Header)
		want   error
	}{
		"other secret":     {secret: []byte("other"), body: body, at: now, want: ErrSignature},
		"changed body":     {secret: secret, body: []byte(`{"id":"evt_2"}`), at: now, want: ErrSignature},
		"old timestamp":    {secret: secret, body: body, at: now.Add(6 * time.Minute), want: ErrTimestamp},
		"future timestamp": {secret: secret, body: body, at: now.Add(-6 * time.Minute), want: ErrTimestamp},
		"no timestamp":     {secret: secret, body: body, at: now, edit: func(h http.Header) { h.Del(HeaderTimestamp) }, want: ErrTimestamp},
		"moved timestamp": {secret: secret, body: body, at: now, want: ErrSignature,
			edit: func(h http.Header) { h.Set(HeaderTimestamp, strconv.FormatInt(ts+1, 10)) }},
		"no signature": {secret: secret, body: body, at: now, edit: func(h http.Header) { h.Del(HeaderSignature) }, want: ErrSignature},
	} {
		hh := h.Clone()
		if c.edit != nil {
			c.edit(hh)
		}
		if err := Verify(c.secret, hh, c.body, c.at, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestSendSignsAndClassifies(t *testing.T) {
	secret := "s3cret-for-tests"
	status := http.StatusNoContent
	var got http.Header
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotBody = r.Header.Clone(), must(io.ReadAll(r.Body))
		if r.Method != http.MethodPost {
			t.Errorf("method %s", r.Method)
		}
		if status == http.StatusFound {
			http.Redirect(w, r, "/elsewhere", status)
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, "not today")
	}))
	defer srv.Close()
	c, err := New(Config{Secret: secret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt_1","type":"leave_message.created"}`)
	if err := c.Send(context.Background(), srv.URL, "evt_1", "leave_message.created", body); err != nil {
		t.Fatal(err)
	}
	if got.Get(HeaderID) != "evt_1" || got.Get(HeaderEvent) != "leave_message.created" || got.Get("Content-Type") != "application/json" ||
		got.Get(HeaderTimestamp) != strconv.FormatInt(now.Unix(), 10) || string(gotBody) != string(body) {
		t.Errorf("request %v %s", got, gotBody)
	}
	if err := Verify([]byte(secret), got, gotBody, now, 0); err != nil {
		t.Errorf("the receiver cannot verify: %v", err)
	}
	for code, permanent := range map[int]bool{400: true, 401: true, 404: true, 409: true, 408: false, 429: false, 500: false, 503: false, 302: false} {
		status = code
		err := c.Send(context.Background(), srv.URL, "evt_1", "t", body)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != code || se.Permanent() != permanent {
			t.Errorf("%d: %v (permanent %v)", code, err, se != nil && se.Permanent())
		}
	}
	srv.Close()
	if err := c.Send(context.Background(), srv.URL, "evt_1", "t", body); err == nil {
		t.Error("sent to a closed server")
	} else if p, ok := err.(interface{ Permanent() bool }); ok && p.Permanent() {
		t.Error("an unreachable receiver is a permanent refusal")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("a client without a secret")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
