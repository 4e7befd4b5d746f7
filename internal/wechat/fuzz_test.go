package wechat_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/wechat"
)

// exchangerFunc is an in-memory Exchanger.
type exchangerFunc func(ctx context.Context, code string) (wechat.Session, error)

func (f exchangerFunc) Code2Session(ctx context.Context, code string) (wechat.Session, error) {
	return f(ctx, code)
}

// FuzzLogin sends arbitrary bodies and bearer tokens to the login API: it
// must answer 200 only with a token that verifies, otherwise a JSON error
// with a 4xx status, and never treat garbage as a valid token.
func FuzzLogin(f *testing.F) {
	f.Add(`{"code":"abc"}`, "")
	f.Add(`{"code":""}`, "gcwx_")
	f.Add(`{"code":"a b"}`, "Bearer x")
	f.Add("\xff\xfe", "gcwx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add(`{"code":"`+strings.Repeat("z", 300)+`"}`, "")
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: ":memory:"})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	ex := exchangerFunc(func(ctx context.Context, code string) (wechat.Session, error) {
		if strings.HasPrefix(code, "x") {
			return wechat.Session{}, &wechat.Error{Code: wechat.CodeInvalidCode, Errcode: 40029}
		}
		return wechat.Session{OpenID: "o_" + code}, nil
	})
	h, err := wechat.NewHandler(wechat.HandlerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), LoginsPerMinute: 1 << 30}, ex, st)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, token string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/wechat/login", strings.NewReader(body)))
		switch {
		case rec.Code == http.StatusOK:
			if !strings.Contains(rec.Body.String(), `"token":"gcwx_`) {
				t.Fatalf("200 without a token: %s", rec.Body)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if !strings.Contains(rec.Body.String(), `"type":"error"`) {
				t.Fatalf("error without an error body: %d %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body)
		}
		if _, err := st.Verify(context.Background(), token); !errors.Is(err, wechat.ErrUnauthorized) {
			t.Fatalf("Verify(%q) = %v, want unauthorized", token, err)
		}
	})
}
