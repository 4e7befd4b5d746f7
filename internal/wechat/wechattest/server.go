// Package wechattest is an in-process imitation of WeChat's jscode2session
// API for tests: it checks appid, secret and grant_type like WeChat does,
// accepts each code once, and answers with WeChat's error codes.
//
// Codes it understands (the js_code parameter):
//
//	ok-<openid>      a valid code for that openid; a second use answers 40163
//	err-<errcode>    answers {"errcode":<errcode>,"errmsg":"…"}, e.g. err-40029, err-45011, err-40226, err--1
//	slow-<ms>        waits that many milliseconds, then answers as for ok-slow
//	http-<status>    answers that HTTP status with an HTML body
//	garbage          answers a body that is not JSON
//	anything else    40029 invalid code
//
// Codes minted by Code(openid) behave like ok-<openid>. Like WeChat, answers
// are labelled text/plain and success answers carry no errcode.
package wechattest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake jscode2session endpoint.
type Server struct {
	*httptest.Server
	AppID, Secret string

	mu     sync.Mutex
	minted map[string]string // code → openid
	used   map[string]bool
	calls  int
}

// NewServer starts a fake for the given credentials. Close it when done.
func NewServer(appID, secret string) *Server {
	s := &Server{AppID: appID, Secret: secret, minted: map[string]string{}, used: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sns/jscode2session", s.serve)
	s.Server = httptest.NewServer(mux)
	return s
}

// Code mints a fresh single-use code for openid, as wx.login would.
func (s *Server) Code(openid string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	c := hex.EncodeToString(b[:])
	s.mu.Lock()
	s.minted[c] = openid
	s.mu.Unlock()
	return c
}

// Calls is how many requests reached the endpoint.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// errmsg is WeChat's English errmsg for an errcode.
func errmsg(n int) string {
	switch n {
	case -1:
		return "system error"
	case 40002:
		return "invalid grant_type"
	case 40013:
		return "invalid appid"
	case 40029:
		return "invalid code"
	case 40125:
		return "invalid appsecret"
	case 40163:
		return "code been used"
	case 40226:
		return "code blocked"
	case 41002:
		return "appid missing"
	case 41004:
		return "appsecret missing"
	case 41008:
		return "missing code"
	case 45011:
		return "api minute-quota reach limit  mustslower  retry next minute"
	}
	return "unknown error"
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	q := r.URL.Query()
	switch {
	case q.Get("appid") == "":
		s.errcode(w, 41002)
		return
	case q.Get("secret") == "":
		s.errcode(w, 41004)
		return
	case q.Get("appid") != s.AppID:
		s.errcode(w, 40013)
		return
	case q.Get("secret") != s.Secret:
		s.errcode(w, 40125)
		return
	case q.Get("grant_type") != "authorization_code":
		s.errcode(w, 40002)
		return
	case q.Get("js_code") == "":
		s.errcode(w, 41008)
		return
	}
	code := q.Get("js_code")
	switch {
	case strings.HasPrefix(code, "err-"):
		n, err := strconv.Atoi(strings.TrimPrefix(code, "err-"))
		if err != nil {
			n = 40029
		}
		s.errcode(w, n)
	case strings.HasPrefix(code, "http-"):
		n, err := strconv.Atoi(strings.TrimPrefix(code, "http-"))
		if err != nil || n < 200 || n > 599 {
			n = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(n)
		fmt.Fprint(w, "<html><body>error</body></html>")
	case code == "garbage":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "<html>not json")
	case strings.HasPrefix(code, "slow-"):
		ms, _ := strconv.Atoi(strings.TrimPrefix(code, "slow-"))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		s.success(w, code, "slow")
	case strings.HasPrefix(code, "ok-") && len(code) > 3:
		s.success(w, code, strings.TrimPrefix(code, "ok-"))
	default:
		s.mu.Lock()
		openid, ok := s.minted[code]
		s.mu.Unlock()
		if !ok {
			s.errcode(w, 40029)
			return
		}
		s.success(w, code, openid)
	}
}

func (s *Server) success(w http.ResponseWriter, code, openid string) {
	s.mu.Lock()
	used := s.used[code]
	s.used[code] = true
	s.mu.Unlock()
	if used {
		s.errcode(w, 40163)
		return
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	write(w, map[string]any{
		"openid":      openid,
		"session_key": hex.EncodeToString(key[:]),
	})
}

func (s *Server) errcode(w http.ResponseWriter, n int) {
	write(w, map[string]any{"errcode": n, "errmsg": errmsg(n) + ", rid: fake-" + strconv.Itoa(n)})
}

func write(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/plain")
	_ = json.NewEncoder(w).Encode(v)
}
