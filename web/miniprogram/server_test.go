package miniprogram_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/history"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/wechat"
	"github.com/govchat/govchat/internal/wechat/wechattest"
)

// TEMPORARY: a chat hub with a canned answerer until internal/server lands.
type cannedAnswerer struct{}

func (cannedAnswerer) Answer(ctx context.Context, req answer.Request) (*answer.Answer, error) {
	parts := []string{"海曙区2019年重点公开", "三类重大建设项目信息[1]", "。"}
	text := ""
	for _, p := range parts {
		time.Sleep(20 * time.Millisecond)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if req.Stream != nil {
			if err := req.Stream(p); err != nil {
				return nil, err
			}
		}
		text += p
	}
	return &answer.Answer{Text: text, Mode: answer.ModeExtractive, Sources: []kb.Source{{
		N: 1, ID: "doc1", Title: "海曙区2019年政务公开工作要点", DocURL: "/docs/doc1#p-2", Anchor: "p-2", Snippet: "重大建设项目", Status: kb.StatusActive,
	}}}, nil
}

func startGovchat(t *testing.T, fake *wechattest.Server) string {
	t.Helper()
	dir := t.TempDir()
	hist, err := history.Open(history.Config{Path: filepath.Join(dir, "history.db"), Redact: func(s string) string { return s }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hist.Close() })
	st, err := wechat.OpenStore(wechat.StoreConfig{Path: filepath.Join(dir, "wechat.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client, err := wechat.NewClient(wechat.ClientConfig{AppID: fake.AppID, Secret: fake.Secret, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	login, err := wechat.NewHandler(wechat.HandlerConfig{LoginsPerMinute: 1000}, client, st)
	if err != nil {
		t.Fatal(err)
	}
	hub, err := chat.New(chat.Config{Authenticator: wechat.ChatAuthenticator{Store: st}}, cannedAnswerer{}, hist)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", hub)
	mux.Handle("/api/wechat/", login)
	mux.HandleFunc("GET /api/docs/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "doc1" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "doc1", "title": "t", "chunks": []map[string]any{{"anchor": "p-1", "text": "a"}, {"anchor": "p-2", "text": "b"}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hub.Shutdown(ctx)
		srv.Close()
	})
	return srv.URL
}
