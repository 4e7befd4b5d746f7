package wechat_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/wechat"
)

// BenchmarkVerify measures checking a hello token against a file-backed
// store holding 10,000 live tokens.
func BenchmarkVerify(b *testing.B) {
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: filepath.Join(b.TempDir(), "wechat.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var toks []string
	for i := 0; i < 10000; i++ {
		tok, err := st.Issue(ctx, wechat.Session{OpenID: fmt.Sprintf("o_%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		toks = append(toks, tok.Value)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := st.Verify(ctx, toks[i%len(toks)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkLogin measures POST /api/wechat/login end to end in-process (an
// in-memory exchanger stands in for WeChat; the token store is a file).
func BenchmarkLogin(b *testing.B) {
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: filepath.Join(b.TempDir(), "wechat.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ex := exchangerFunc(func(ctx context.Context, code string) (wechat.Session, error) {
		return wechat.Session{OpenID: "o_" + code}, nil
	})
	h, err := wechat.NewHandler(wechat.HandlerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), LoginsPerMinute: 1 << 30}, ex, st)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/wechat/login", strings.NewReader(fmt.Sprintf(`{"code":"c%d"}`, i))))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
