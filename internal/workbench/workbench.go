// Package workbench is the HTTP side of the operator workbench: the /agent/
// pages (sign-in, workbench, review list) and the JSON API behind them —
// instant look-up, the handoff queue and transcripts, 留言, and the
// knowledge office's review list. Every page and API requires sign-in
// (401 without, 403 for the wrong role) through auth.Web.
package workbench

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/handoff"
	"github.com/govchat/govchat/internal/learn"
	"github.com/govchat/govchat/internal/lookup"
	"github.com/govchat/govchat/internal/review"
)

// SimilarReview is the review of proposed similar questions
// (learn.Reviewer): the proposals learned from use, and the office's
// decision on one.
type SimilarReview interface {
	Proposals(ctx context.Context) ([]learn.Proposal, error)
	Decide(ctx context.Context, d learn.Decision, by string) (learn.Outcome, error)
}

// Lookuper runs an operator look-up (lookup.Lookup).
type Lookuper interface {
	Lookup(ctx context.Context, req lookup.Request) (lookup.Result, error)
}

// Desk is the handoff desk (handoff.Desk).
type Desk interface {
	Queue(ctx context.Context) handoff.QueueFrame
	Conversations(ctx context.Context, status string, limit int) ([]handoff.Conversation, error)
	Conversation(ctx context.Context, id string) (handoff.Conversation, error)
	Messages(ctx context.Context, status string, limit int) ([]handoff.Message, error)
	HandleMessage(ctx context.Context, id int64, username string) error
}

// Publisher writes an accepted FAQ proposal into the knowledge base, so
// that it is answered from the next question on, and says where it wrote
// it. An error wrapping ErrUnpublishable says (in Chinese) why the
// proposal cannot be written as it is.
type Publisher interface {
	PublishFAQ(ctx context.Context, it review.Item) (where string, err error)
}

// ErrUnpublishable: an accepted proposal cannot be written into the
// knowledge base as it is (an amended entry that is gone, a source that
// does not exist …); the item stays open.
var ErrUnpublishable = errors.New("the proposal cannot be published")

// Config wires the workbench.
type Config struct {
	Auth   *auth.Web     // required
	Assets fs.FS         // required: web/workbench
	Lookup Lookuper      // nil: look-up answers unavailable
	Desk   Desk          // nil: handoff endpoints answer unavailable
	Review *review.Store // nil: review endpoints answer unavailable
	// Publish, when set, writes a FAQ proposal into the knowledge base as
	// it is accepted; nil: accepting only records the decision.
	Publish Publisher
	// Similar reviews the 相似问 learned from use; nil: those endpoints
	// answer unavailable.
	Similar SimilarReview
	// Evidence receives what an operator's copy of an answer says about
	// the caller's words typed into the look-up; nil: nothing is learned.
	Evidence govchat.EvidenceRecorder
	// Record, when set, receives operators' settled look-ups as questions
	// of the hotline channel (the concerns report counts them).
	Record Recorder
	// Now is the clock of the look-up log (time.Now when nil).
	Now func() time.Time
	Log *slog.Logger
	// MaxBodyBytes bounds JSON bodies (64 KiB).
	MaxBodyBytes int64
}

// Handler serves the workbench.
type Handler struct {
	cfg     Config
	lookups *lookupLog // nil without Config.Record
}

// New checks cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Auth == nil || cfg.Assets == nil {
		return nil, errors.New("workbench: auth and assets are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	h := &Handler{cfg: cfg}
	if cfg.Record != nil {
		h.lookups = newLookupLog(cfg.Record, cfg.Now, time.Minute, cfg.Log)
	}
	return h, nil
}

// Close records the look-ups still waiting to settle.
func (h *Handler) Close() {
	if h.lookups != nil {
		h.lookups.flush(context.Background())
	}
}

// Mux is where routes are registered (*http.ServeMux, server.Server).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register mounts the pages and the API on mux.
func (h *Handler) Register(mux Mux) {
	a := h.cfg.Auth
	op := func(f http.HandlerFunc) http.Handler { return a.Require(auth.RoleOperator, f) }
	admin := func(f http.HandlerFunc) http.Handler { return a.Require(auth.RoleAdmin, f) }
	login := h.file("login.html")
	denied := h.file("forbidden.html")

	sub := http.NewServeMux()
	a.Routes(sub)
	for _, p := range []string{"POST /api/agent/login", "POST /api/agent/logout", "GET /api/agent/me", "POST /api/agent/ws-ticket"} {
		mux.Handle(p, sub)
	}
	mux.Handle("GET /agent/{$}", a.RequirePage(auth.RoleOperator, h.file("index.html"), login, denied))
	mux.Handle("GET /agent/login", login)
	mux.Handle("GET /agent/review", a.RequirePage(auth.RoleAdmin, h.file("review.html"), login, denied))
	mux.Handle("GET /agent/static/{name}", http.HandlerFunc(h.static))

	mux.Handle("POST /api/agent/lookup", op(h.lookup))
	mux.Handle("GET /api/agent/queue", op(h.queue))
	mux.Handle("GET /api/agent/conversations", op(h.conversations))
	mux.Handle("GET /api/agent/conversations/{id}", op(h.conversation))
	mux.Handle("GET /api/agent/messages", op(h.messages))
	mux.Handle("POST /api/agent/messages/{id}/done", op(h.messageDone))
	mux.Handle("POST /api/agent/review/flags", op(h.flag))
	mux.Handle("POST /api/agent/review/proposals", op(h.propose))
	mux.Handle("GET /api/admin/review", admin(h.reviewList))
	mux.Handle("POST /api/admin/review/{id}", admin(h.reviewResolve))
	mux.Handle("GET /api/admin/audit", admin(h.auditList))
	mux.Handle("POST /api/agent/lookup/copied", op(h.copied))
	mux.Handle("GET /api/admin/review/similar", admin(h.similarList))
	mux.Handle("POST /api/admin/review/similar", admin(h.similarDecide))
}

// file serves one embedded page.
func (h *Handler) file(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(h.cfg.Assets, name)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK) // a wrapping writer may replace the status (401 login page)
		w.Write(b)
	})
}

// static serves the workbench's scripts and styles (no data in them).
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ext := path.Ext(name)
	if name != path.Base(name) || (ext != ".js" && ext != ".css") {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(h.cfg.Assets, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(ext))
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			auth.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", "请求内容过长")
			return false
		}
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "请求格式不正确")
		return false
	}
	return true
}

func unavailable(w http.ResponseWriter) {
	auth.WriteError(w, http.StatusServiceUnavailable, "unavailable", "服务正在启动或暂不可用，请稍后再试")
}

func (h *Handler) internal(w http.ResponseWriter, what string, err error) {
	h.cfg.Log.Error("workbench: "+what, slog.Any("error", err))
	auth.WriteError(w, http.StatusInternalServerError, "internal", "系统繁忙，请稍后重试")
}

func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Lookup == nil {
		unavailable(w)
		return
	}
	var req lookup.Request
	if !h.decode(w, r, &req) {
		return
	}
	res, err := h.cfg.Lookup.Lookup(r.Context(), req)
	switch {
	case errors.Is(err, lookup.ErrEmpty):
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "请输入要查询的内容")
	case errors.Is(err, lookup.ErrTooLong):
		auth.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", "内容过长，请精简到5000字以内")
	case err != nil:
		h.internal(w, "lookup", err)
	default:
		if h.lookups != nil {
			s, _ := auth.FromContext(r.Context())
			h.lookups.note(r.Context(), s.User.Username, req.Text, res)
		}
		writeJSON(w, http.StatusOK, res)
	}
}

func (h *Handler) queue(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Desk == nil {
		unavailable(w)
		return
	}
	writeJSON(w, http.StatusOK, h.cfg.Desk.Queue(r.Context()))
}

func limitParam(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	return n
}

func (h *Handler) conversations(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Desk == nil {
		unavailable(w)
		return
	}
	list, err := h.cfg.Desk.Conversations(r.Context(), r.URL.Query().Get("status"), limitParam(r))
	if err != nil {
		h.internal(w, "conversations", err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Handler) conversation(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Desk == nil {
		unavailable(w)
		return
	}
	c, err := h.cfg.Desk.Conversation(r.Context(), r.PathValue("id"))
	if errors.Is(err, handoff.ErrNotFound) {
		auth.WriteError(w, http.StatusNotFound, "not_found", "未找到该会话")
		return
	}
	if err != nil {
		h.internal(w, "conversation", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (h *Handler) messages(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Desk == nil {
		unavailable(w)
		return
	}
	st := r.URL.Query().Get("status")
	if st != "" && st != "open" && st != "done" {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "status 只能是 open 或 done")
		return
	}
	list, err := h.cfg.Desk.Messages(r.Context(), st, limitParam(r))
	if err != nil {
		h.internal(w, "messages", err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Handler) messageDone(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Desk == nil {
		unavailable(w)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "留言编号不正确")
		return
	}
	s, _ := auth.FromContext(r.Context())
	err = h.cfg.Desk.HandleMessage(r.Context(), id, s.User.Username)
	if errors.Is(err, handoff.ErrNotFound) {
		auth.WriteError(w, http.StatusNotFound, "not_found", "未找到该留言")
		return
	}
	if err != nil {
		h.internal(w, "message done", err)
		return
	}
	h.cfg.Auth.Audit(r, auth.Event{Action: "message_done", Target: "m_" + strconv.FormatInt(id, 10)})
	w.WriteHeader(http.StatusNoContent)
}

type flagRequest struct {
	DocID    string `json:"doc_id"`
	Anchor   string `json:"anchor"`
	AnswerID string `json:"answer_id"`
	Problem  string `json:"problem"`
	Note     string `json:"note"`
}

type proposalRequest struct {
	Question     string   `json:"question"`
	Similar      []string `json:"similar"`
	Answer       string   `json:"answer"`
	Department   string   `json:"department"`
	Sources      []string `json:"sources"`
	Conversation string   `json:"conversation"`
	Note         string   `json:"note"`
}

func (h *Handler) addReview(w http.ResponseWriter, r *http.Request, it review.Item) {
	s, _ := auth.FromContext(r.Context())
	it.By, it.StaffNo = s.User.Username, s.User.StaffNo
	out, err := h.cfg.Review.Add(r.Context(), it)
	if errors.Is(err, review.ErrInvalid) {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "内容不完整或过长："+strings.TrimPrefix(err.Error(), "review: invalid item: "))
		return
	}
	if err != nil {
		h.internal(w, "review add", err)
		return
	}
	h.cfg.Auth.Audit(r, auth.Event{Action: "review_" + string(it.Kind), Target: "r_" + strconv.FormatInt(out.ID, 10), Detail: it.DocID})
	writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) flag(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Review == nil {
		unavailable(w)
		return
	}
	var req flagRequest
	if !h.decode(w, r, &req) {
		return
	}
	h.addReview(w, r, review.Item{Kind: review.KindFlag, DocID: req.DocID, Anchor: req.Anchor, AnswerID: req.AnswerID, Problem: review.Problem(req.Problem), Note: req.Note})
}

func (h *Handler) propose(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Review == nil {
		unavailable(w)
		return
	}
	var req proposalRequest
	if !h.decode(w, r, &req) {
		return
	}
	h.addReview(w, r, review.Item{Kind: review.KindProposal, Question: req.Question, Similar: req.Similar, Answer: req.Answer,
		Department: req.Department, Sources: req.Sources, Conversation: req.Conversation, Note: req.Note})
}

// ReviewItem is a review list entry as the API returns it: proposals carry
// their FAQ file snippet.
type ReviewItem struct {
	review.Item
	FAQYAML string `json:"faq_yaml,omitempty"`
}

func (h *Handler) reviewList(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Review == nil {
		unavailable(w)
		return
	}
	st := review.Status(r.URL.Query().Get("status"))
	switch st {
	case "", review.StatusOpen, review.StatusAccepted, review.StatusRejected:
	default:
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "status 只能是 open、accepted 或 rejected")
		return
	}
	list, err := h.cfg.Review.List(r.Context(), st, limitParam(r))
	if err != nil {
		h.internal(w, "review list", err)
		return
	}
	out := make([]ReviewItem, 0, len(list))
	for _, it := range list {
		ri := ReviewItem{Item: it}
		if it.Kind == review.KindProposal {
			ri.FAQYAML, _ = it.FAQYAML()
		}
		out = append(out, ri)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) reviewResolve(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Review == nil {
		unavailable(w)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "编号不正确")
		return
	}
	var req struct {
		Status string `json:"status"`
		Note   string `json:"note"`
	}
	if !h.decode(w, r, &req) {
		return
	}
	s, _ := auth.FromContext(r.Context())
	note := req.Note
	if review.Status(req.Status) == review.StatusAccepted && h.cfg.Publish != nil {
		where, ok := h.publish(w, r, id)
		if !ok {
			return
		}
		if where != "" {
			note = strings.TrimSpace(note + " 已写入知识库：" + where)
		}
	}
	it, err := h.cfg.Review.Resolve(r.Context(), id, review.Status(req.Status), s.User.Username, note)
	switch {
	case errors.Is(err, review.ErrNotFound):
		auth.WriteError(w, http.StatusNotFound, "not_found", "未找到该条目")
	case errors.Is(err, review.ErrInvalid):
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "status 只能是 accepted 或 rejected")
	case err != nil:
		h.internal(w, "review resolve", err)
	default:
		h.cfg.Auth.Audit(r, auth.Event{Action: "review_" + req.Status, Target: "r_" + strconv.FormatInt(id, 10)})
		writeJSON(w, http.StatusOK, it)
	}
}

// publish writes the open FAQ proposal id into the knowledge base before it
// is marked accepted; it answers the request itself when that fails.
func (h *Handler) publish(w http.ResponseWriter, r *http.Request, id int64) (string, bool) {
	it, err := h.cfg.Review.Get(r.Context(), id)
	if errors.Is(err, review.ErrNotFound) {
		auth.WriteError(w, http.StatusNotFound, "not_found", "未找到该条目")
		return "", false
	}
	if err != nil {
		h.internal(w, "review get", err)
		return "", false
	}
	if it.Kind != review.KindProposal || it.Status != review.StatusOpen {
		return "", true
	}
	where, err := h.cfg.Publish.PublishFAQ(r.Context(), it)
	if errors.Is(err, ErrUnpublishable) {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		auth.WriteError(w, http.StatusConflict, "conflict", "无法写入知识库："+msg)
		return "", false
	}
	if err != nil {
		h.internal(w, "review publish", err)
		return "", false
	}
	h.cfg.Auth.Audit(r, auth.Event{Action: "faq_published", Target: "r_" + strconv.FormatInt(id, 10), Detail: where})
	return where, true
}

func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) {
	ev := h.cfg.Auth.Service()
	n := limitParam(r)
	if n <= 0 || n > 1000 {
		n = 200
	}
	list, err := ev.Events(r.Context(), r.URL.Query().Get("actor"), n)
	if err != nil {
		h.internal(w, "audit", err)
		return
	}
	if list == nil {
		list = []auth.Event{}
	}
	writeJSON(w, http.StatusOK, list)
}

// copiedRequest tells that an operator copied a look-up hit's answer.
type copiedRequest struct {
	Text string `json:"text"` // what the operator had typed into the look-up
	ID   string `json:"id"`   // the hit copied
}

// copied records an operator's copy of a look-up hit as evidence of what
// the caller's words ask for.
func (h *Handler) copied(w http.ResponseWriter, r *http.Request) {
	var req copiedRequest
	if !h.decode(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Text) == "" || req.ID == "" || len(req.ID) > 200 || utf8.RuneCountInString(req.Text) > 5000 {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "需要查询内容 text 和条目编号 id")
		return
	}
	if h.cfg.Evidence != nil {
		s, _ := auth.FromContext(r.Context())
		if err := h.cfg.Evidence.RecordEvidence(r.Context(), govchat.Evidence{Wording: req.Text, EntryID: req.ID,
			Kind: govchat.EvidenceOperatorCopy, By: s.User.Username}); err != nil {
			h.internal(w, "copied", err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) similarList(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Similar == nil {
		unavailable(w)
		return
	}
	list, err := h.cfg.Similar.Proposals(r.Context())
	if err != nil {
		h.internal(w, "similar list", err)
		return
	}
	if list == nil {
		list = []learn.Proposal{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Handler) similarDecide(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Similar == nil {
		unavailable(w)
		return
	}
	var d learn.Decision
	if !h.decode(w, r, &d) {
		return
	}
	if len(d.Evidence) == 0 || len(d.Evidence) > 10000 || d.EntryID == "" || utf8.RuneCountInString(d.Note) > 2000 {
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "需要条目编号 entry_id 和证据编号 evidence")
		return
	}
	s, _ := auth.FromContext(r.Context())
	out, err := h.cfg.Similar.Decide(r.Context(), d, s.User.Username)
	switch {
	case errors.Is(err, learn.ErrNoEvidence):
		auth.WriteError(w, http.StatusNotFound, "not_found", "该建议已处理或不存在，请刷新列表")
	case errors.Is(err, learn.ErrWording):
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "相似问须为4至60个字、一行，且不含身份证号、电话号码等个人信息")
	case errors.Is(err, learn.ErrNoFile):
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "该条目不在可编辑的常见问题文件中，请人工修改")
	case errors.Is(err, learn.ErrInvalid):
		auth.WriteError(w, http.StatusBadRequest, "bad_request", "status 只能是 approved 或 rejected")
	case err != nil:
		h.internal(w, "similar decide", err)
	default:
		h.cfg.Auth.Audit(r, auth.Event{Action: "similar_" + string(d.Status), Target: d.EntryID, Detail: out.Wording})
		writeJSON(w, http.StatusOK, out)
	}
}
