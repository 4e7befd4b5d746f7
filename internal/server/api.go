package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/metrics"
)

// AskRequest is the body of POST /api/ask.
type AskRequest struct {
	Question string `json:"question"`
	Session  string `json:"session,omitempty"`
	ID       string `json:"id,omitempty"`
	// Via: the question is a button of an earlier answer that was tapped
	// (see chat.AskFrame).
	Via *govchat.Via `json:"via,omitempty"`
}

// FeedbackRequest is the body of POST /api/feedback.
type FeedbackRequest struct {
	AnswerID string `json:"answer_id"`
	Helpful  *bool  `json:"helpful"`
	Reason   string `json:"reason,omitempty"`
	Session  string `json:"session,omitempty"`
}

// decodeBody reads a bounded JSON body into v. A body that is not valid
// UTF-8 is refused as on the websocket (encoding/json would silently put
// U+FFFD in its place).
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return govchat.Errorf(govchat.CodeTooLarge, "请求内容过长。")
	case err != nil:
		return govchat.Errorf(govchat.CodeBadRequest, "请求不是有效的 JSON。")
	case !utf8.Valid(data):
		return govchat.Errorf(govchat.CodeBadRequest, chat.MsgInvalidUTF8)
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return govchat.Errorf(govchat.CodeBadRequest, "请求不是有效的 JSON。")
	}
	return nil
}

func (s *Server) apiAsk(w http.ResponseWriter, r *http.Request) {
	var req AskRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if len(req.ID) > 64 {
		writeError(w, govchat.Errorf(govchat.CodeBadRequest, "id 过长。"))
		return
	}
	a, err := s.cfg.Chat.Ask(r.Context(), chat.AskRequest{ID: req.ID, Question: req.Question, Session: req.Session, IP: s.cfg.ClientIP(r), Via: req.Via})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiFeedback(w http.ResponseWriter, r *http.Request) {
	var req FeedbackRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	err := s.cfg.Chat.Feedback(r.Context(), chat.FeedbackRequest{AnswerID: req.AnswerID, Helpful: req.Helpful, Reason: req.Reason, Session: req.Session, IP: s.cfg.ClientIP(r)})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, chat.AckFrame{Type: chat.TypeAck, Of: chat.TypeFeedback, AnswerID: req.AnswerID})
}

// UnansweredResponse is the body of GET /api/admin/unanswered.
type UnansweredResponse struct {
	Since  time.Time       `json:"since"`
	Groups []govchat.Group `json:"groups"`
	// NotGaps counts by reason the refusals left out as no knowledge gap
	// (chitchat, out_of_scope, injection …).
	NotGaps map[string]int `json:"not_gaps"`
}

// ParseSince reads a report start: a duration back from now ("720h", "30d")
// or a date ("2025-01-31"). Empty means 30 days.
func ParseSince(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return now.AddDate(0, 0, -30), nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, now.Location()); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("since %q: want a duration (720h, 30d) or a date (2025-01-31)", v)
}

func (s *Server) apiUnanswered(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Reporter == nil {
		writeError(w, govchat.Errorf(govchat.CodeUnavailable, "历史记录未启用。"))
		return
	}
	q := r.URL.Query()
	since, err := ParseSince(q.Get("since"), s.cfg.Now())
	if err != nil {
		writeError(w, govchat.Errorf(govchat.CodeBadRequest, "since 参数无效：请使用 720h、30d 或 2025-01-31 这样的格式。"))
		return
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, govchat.Errorf(govchat.CodeBadRequest, "limit 参数应为 1 到 1000 的整数。"))
			return
		}
		limit = n
	}
	groups, err := s.cfg.Reporter.Unanswered(r.Context(), govchat.UnansweredQuery{Since: since, Limit: limit})
	if err != nil {
		s.log.Error("server: unanswered report", "error", err)
		writeError(w, err)
		return
	}
	if groups == nil {
		groups = []govchat.Group{}
	}
	notGaps, err := s.cfg.Reporter.NotGaps(r.Context(), since)
	if err != nil {
		s.log.Error("server: unanswered report", "error", err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, UnansweredResponse{Since: since, Groups: groups, NotGaps: notGaps})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) { healthz(w, r) }

func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

// ready reports why the service is not ready, or nil.
func (s *Server) ready(ctx context.Context) error {
	if s.draining.Load() {
		return errors.New("shutting down")
	}
	s.checksMu.Lock()
	checks := append([]check(nil), s.checks...)
	s.checksMu.Unlock()
	for _, c := range checks {
		if err := c.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	writeReady(w, s.ready(ctx))
}

// writeReady answers /readyz: 200 "ready", or 503 "not ready: " and why.
func writeReady(w http.ResponseWriter, notReady error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if notReady != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready:", notReady)
		return
	}
	fmt.Fprintln(w, "ready")
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) { writeMetrics(w, s.cfg.Metrics) }

func writeMetrics(w http.ResponseWriter, reg *metrics.Registry) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	reg.WriteTo(w)
}

// ClientIPFunc returns the client-address function for requests that may
// come through the given trusted proxies: when the direct peer is trusted,
// the address is the right-most X-Forwarded-For entry that is not itself a
// trusted proxy. With no trusted proxies, headers are ignored.
func ClientIPFunc(trusted []netip.Prefix) func(*http.Request) string {
	if len(trusted) == 0 {
		return chat.RemoteIP
	}
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer := chat.RemoteIP(r)
		if !isTrusted(peer) {
			return peer
		}
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(h, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			if hop == "" {
				continue
			}
			if !isTrusted(hop) {
				if a, err := netip.ParseAddr(hop); err == nil {
					return a.Unmap().String()
				}
				return peer // garbage in the header: do not trust it
			}
		}
		return peer
	}
}

// ParsePrefixes reads IPs and CIDRs ("10.0.0.0/8", "127.0.0.1").
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an IP or CIDR", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
