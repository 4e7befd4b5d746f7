package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/dept"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/review"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/sqlite"
	"github.com/govchat/govchat/internal/workbench"
	"github.com/govchat/govchat/internal/zh"
	workbenchweb "github.com/govchat/govchat/web/workbench"
)

// workbenchSide is the operator side of serve: accounts (data/auth.db), the
// handoff desk, 留言 and the review list (data/workbench.db), and the
// /agent/ pages and API. serve wires it in this order:
//
//	wb, _ := openWorkbench(env, clientIP)
//	hub, _ := chat.New(chat.Config{Authenticator: wb.Authenticator(other), …}, answerer, history)
//	wb.Attach(hub)
//	wb.Register(srv)                 // srv.Handle
//	wb.SetKnowledge(base, seg, engine) // once search is ready
//	defer wb.Close()
type workbenchSide struct {
	Auth   *auth.Service
	Web    *auth.Web
	DB     *sql.DB
	Desk   *handoff.Desk
	Review *review.Store
	look   lookupBox
	h      *workbench.Handler
}

// openWorkbench opens the account and workbench databases under --data.
// clientIP extracts client addresses (nil: the connection's address).
func openWorkbench(env *Env, clientIP func(*http.Request) string) (*workbenchSide, error) {
	svc, err := openAuth(env)
	if err != nil {
		return nil, err
	}
	w := &workbenchSide{Auth: svc}
	path := filepath.Join(env.Config.Data, "workbench.db")
	if w.DB, err = sqlite.Open(path); err != nil {
		w.Close()
		return nil, fmt.Errorf("workbench: %w", err)
	}
	if w.Review, err = review.New(w.DB, nil); err != nil {
		w.Close()
		return nil, err
	}
	w.Desk, err = handoff.New(handoff.Config{DB: w.DB, Redact: safety.Redact, Hotline: env.Config.Hotline, Passages: &w.look, Audit: svc, Log: env.Log,
		StillSignedIn: svc.HasLiveSession})
	if err != nil {
		w.Close()
		return nil, err
	}
	w.Web = auth.NewWeb(svc, auth.WebConfig{ClientIP: clientIP, Secure: isHTTPS(env.Config.PublicURL), Log: env.Log}, svc)
	w.h, err = workbench.New(workbench.Config{Auth: w.Web, Assets: workbenchweb.FS, Lookup: &w.look, Desk: w.Desk, Review: w.Review, Log: env.Log})
	if err != nil {
		w.Close()
		return nil, err
	}
	if users, err := svc.Users(context.Background()); err == nil && len(users) == 0 {
		env.Log.Info("no operator accounts yet; add one with: govchat user add --username NAME --name 姓名 --staff-no 工号 --role admin")
	}
	return w, nil
}

func isHTTPS(u string) bool { return len(u) >= 8 && u[:8] == "https://" }

// Attach registers the handoff frames on the hub.
func (w *workbenchSide) Attach(hub *chat.Hub) { w.Desk.Attach(hub) }

// Register mounts /agent/ and its API.
func (w *workbenchSide) Register(mux workbench.Mux) { w.h.Register(mux) }

// SetKnowledge makes look-ups and pushed answers work over base.
func (w *workbenchSide) SetKnowledge(base *kb.Base, seg *zh.Segmenter, eng *search.Engine) error {
	router, err := dept.New(dept.Config{}, base.Docs)
	if err != nil && !errors.Is(err, dept.ErrNoDepartments) {
		return err
	}
	var r lookup.Suggester
	if router != nil {
		r = router
	}
	l, err := lookup.New(lookup.Config{Terms: func(s string) []string { return seg.Analyze(s).Terms }}, base, eng, r)
	if err != nil {
		return err
	}
	w.look.p.Store(l)
	return nil
}

// Authenticator lets signed-in operators open the websocket; other tokens
// go to next (WeChat logins), when set.
func (w *workbenchSide) Authenticator(next govchat.Authenticator) govchat.Authenticator {
	return workbench.Authenticator(w.Auth, next)
}

// Close closes the databases.
func (w *workbenchSide) Close() error {
	var errs []error
	if w.DB != nil {
		errs = append(errs, w.DB.Close())
	}
	if w.Auth != nil {
		errs = append(errs, w.Auth.Close())
	}
	return errors.Join(errs...)
}

// lookupBox holds the look-up once the knowledge base is ready.
type lookupBox struct{ p atomic.Pointer[lookup.Lookup] }

func (b *lookupBox) Lookup(ctx context.Context, req lookup.Request) (lookup.Result, error) {
	l := b.p.Load()
	if l == nil {
		return lookup.Result{}, workbench.ErrUnavailable
	}
	return l.Lookup(ctx, req)
}

func (b *lookupBox) Passage(docID, anchor string) (lookup.Item, kb.Source, error) {
	l := b.p.Load()
	if l == nil {
		return lookup.Item{}, kb.Source{}, workbench.ErrUnavailable
	}
	return l.Passage(docID, anchor)
}

// Role returns the role of the account signed in on r, "" when none (the
// unanswered report accepts an admin session instead of GOVCHAT_ADMIN_TOKEN).
func (w *workbenchSide) Role(r *http.Request) string {
	s, err := w.Web.Session(r)
	if err != nil {
		return ""
	}
	return string(s.User.Role)
}
