package main

// The contract test: a live `govchat serve` is exercised on every route of
// api/openapi.yaml and over a citizen's and an operator's websocket, and
// every request, response and frame is validated against the documents the
// server itself serves (/api/openapi.json, /api/frames.schema.json) with
// kin-openapi and a JSON Schema 2020-12 validator. It fails on a route, a
// status, a response field or a frame that the documents do not describe,
// on a route registered in the Go source that the document lacks, and on a
// documented operation or frame type the test never exercised.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gorilla/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
	"github.com/govchat/govchat/internal/wechat/wechattest"
)

func init() {
	// Non-JSON responses are validated as strings.
	for _, ct := range []string{"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml", "text/csv"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// contract validates exchanges with a running server against its documents.
type contract struct {
	base           string
	doc            *openapi3.T
	router         routers.Router
	client, server *jsonschema.Schema
	serverTypes    []string
	clientTypes    []string
	calls          map[string]map[int]bool // operationId → statuses seen
	framesSeen     map[string]int          // "client hello", "server answer" …
	http           *http.Client
}

func newContract(t *testing.T, base string) *contract {
	t.Helper()
	c := &contract{base: base, calls: map[string]map[int]bool{}, framesSeen: map[string]int{},
		http: &http.Client{Timeout: 2 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	raw := c.fetch(t, "/api/openapi.json")
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("/api/openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("/api/openapi.json is not valid OpenAPI: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	c.doc = doc
	if c.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatal(err)
	}

	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(c.fetch(t, "/api/frames.schema.json")))
	if err != nil {
		t.Fatalf("/api/frames.schema.json: %v", err)
	}
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	if err := comp.AddResource("frames.schema.json", schema); err != nil {
		t.Fatal(err)
	}
	if c.client, err = comp.Compile("frames.schema.json#/$defs/ClientFrame"); err != nil {
		t.Fatal(err)
	}
	if c.server, err = comp.Compile("frames.schema.json#/$defs/ServerFrame"); err != nil {
		t.Fatal(err)
	}
	defs := schema.(map[string]any)["$defs"].(map[string]any)
	for _, side := range []struct {
		def  string
		list *[]string
	}{{"ClientFrame", &c.clientTypes}, {"ServerFrame", &c.serverTypes}} {
		for _, v := range defs[side.def].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["enum"].([]any) {
			*side.list = append(*side.list, v.(string))
		}
	}
	return c
}

func (c *contract) fetch(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// call is one HTTP exchange.
type call struct {
	method, path string
	body         any // JSON-encoded; a string is sent as it is
	header       http.Header
	status       int // the status the test expects
	// outside marks a request that is outside the contract on purpose
	// (missing credentials, an invalid body): its validation must fail,
	// and the response must still be a documented one.
	outside bool
}

func authHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func bearer(tok string) http.Header { return authHeader("Authorization", "Bearer "+tok) }
func cookie(tok string) http.Header { return authHeader("Cookie", "govchat_agent="+tok) }

func (c *contract) options() *openapi3filter.Options {
	o := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		// Credentials are checked by the server; here only that the request
		// carries what one of the operation's schemes names.
		AuthenticationFunc: func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
			r := in.RequestValidationInput.Request
			switch s := in.SecurityScheme; s.Type {
			case "http":
				if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
					return fmt.Errorf("no bearer token for %s", in.SecuritySchemeName)
				}
			case "apiKey":
				if _, err := r.Cookie(s.Name); err != nil {
					return fmt.Errorf("no %s cookie", s.Name)
				}
			}
			return nil
		},
	}
	// Short errors: where in the body, and why (not the whole schema).
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
	})
	return o
}

func (c *contract) newRequest(t *testing.T, k call) (*http.Request, []byte) {
	t.Helper()
	var body []byte
	switch b := k.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(k.method, c.base+k.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for h, v := range k.header {
		req.Header[h] = v
	}
	return req, body
}

// validateRequest finds the documented operation of req and validates the
// request; it returns the input for validating the response.
func (c *contract) validateRequest(t *testing.T, req *http.Request, body []byte, outside bool) *openapi3filter.RequestValidationInput {
	t.Helper()
	what := req.Method + " " + req.URL.RequestURI()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s: undocumented route: %v", what, err)
		return nil
	}
	// Validate a copy, so that the request sent keeps its body.
	vr := req.Clone(context.Background())
	if body != nil {
		vr.Body = io.NopCloser(bytes.NewReader(body))
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: c.options()}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case outside && err == nil:
		t.Errorf("%s: the request is outside the contract on purpose, but the document accepts it", what)
	case !outside && err != nil:
		t.Errorf("%s: request does not match the document: %v", what, err)
	}
	return in
}

// validateResponse checks a response against the operation of in.
func (c *contract) validateResponse(t *testing.T, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) {
	t.Helper()
	what := fmt.Sprintf("%s %s → %d", in.Request.Method, in.Request.URL.RequestURI(), status)
	op := in.Route.Operation
	if c.calls[op.OperationID] == nil {
		c.calls[op.OperationID] = map[int]bool{}
	}
	c.calls[op.OperationID][status] = true
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: c.options()}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: response does not match the document: %v\n%s", what, err, clip(string(body), 600))
	}
	// kin-openapi accepts a body where the document describes none.
	if r := op.Responses.Status(status); r != nil && r.Value != nil && len(r.Value.Content) == 0 && len(bytes.TrimSpace(body)) > 0 && status != http.StatusNotModified {
		t.Errorf("%s: the document describes no body, the server sent %q", what, clip(string(body), 200))
	}
	if status != http.StatusSwitchingProtocols {
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if header.Get(h) == "" {
				t.Errorf("%s: no %s header (the document promises it on every response)", what, h)
			}
		}
	}
}

// do runs one exchange and returns the response body.
func (c *contract) do(t *testing.T, k call) (http.Header, []byte) {
	t.Helper()
	req, body := c.newRequest(t, k)
	in := c.validateRequest(t, req, body, k.outside)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", k.method, k.path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != k.status {
		t.Errorf("%s %s: status %d, want %d: %s", k.method, k.path, resp.StatusCode, k.status, clip(string(b), 300))
	}
	if in != nil {
		c.validateResponse(t, in, resp.StatusCode, resp.Header, b)
	}
	return resp.Header, b
}

// json runs one exchange and decodes its JSON body into v.
func (c *contract) json(t *testing.T, k call, v any) {
	t.Helper()
	_, b := c.do(t, k)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s %s: %v: %s", k.method, k.path, err, clip(string(b), 300))
	}
}

// ---- websocket ----

// wsConn is a websocket whose frames are validated both ways.
type wsConn struct {
	c    *contract
	name string
	conn *websocket.Conn
}

func (c *contract) dial(t *testing.T, name string) *wsConn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(c.base, "http") + "/ws"
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second, Subprotocols: []string{"govchat.v1"}}
	conn, resp, err := d.Dial(u, nil)
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	// The upgrade as the document describes it.
	req, _ := http.NewRequest("GET", c.base+"/ws", nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Protocol", "govchat.v1")
	if in := c.validateRequest(t, req, nil, false); in != nil {
		c.validateResponse(t, in, resp.StatusCode, resp.Header, nil)
	}
	ws := &wsConn{c: c, name: name, conn: conn}
	t.Cleanup(func() { conn.Close() })
	return ws
}

// send validates a client frame against the schema and sends it.
func (w *wsConn) send(t *testing.T, f map[string]any) {
	t.Helper()
	b, _ := json.Marshal(f)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := w.c.client.Validate(v); err != nil {
		t.Errorf("%s: client frame %s does not match frames.schema.json: %v", w.name, b, err)
	}
	w.c.framesSeen["client "+f["type"].(string)]++
	if err := w.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatalf("%s: write: %v", w.name, err)
	}
}

// read returns the next frame, validated against the schema.
func (w *wsConn) read(t *testing.T) map[string]any {
	t.Helper()
	w.conn.SetReadDeadline(time.Now().Add(90 * time.Second))
	typ, b, err := w.conn.ReadMessage()
	if err != nil {
		t.Fatalf("%s: read: %v", w.name, err)
	}
	if typ != websocket.TextMessage {
		t.Errorf("%s: a binary frame", w.name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: frame is not JSON: %s", w.name, b)
	}
	if err := w.c.server.Validate(v); err != nil {
		t.Errorf("%s: server frame does not match frames.schema.json: %v\n%s", w.name, err, clip(string(b), 800))
	}
	var f map[string]any
	json.Unmarshal(b, &f)
	typeName, _ := f["type"].(string)
	w.c.framesSeen["server "+typeName]++
	return f
}

// until reads (and validates) frames until one of type typ satisfies ok.
func (w *wsConn) until(t *testing.T, typ string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	for i := 0; i < 500; i++ {
		f := w.read(t)
		if f["type"] == typ && (ok == nil || ok(f)) {
			return f
		}
		if f["type"] == "error" && typ != "error" {
			t.Fatalf("%s: waiting for %s: %v", w.name, typ, f)
		}
	}
	t.Fatalf("%s: no %s frame", w.name, typ)
	return nil
}

func withID(id string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["id"] == id }
}

func withField(k string, v any) func(map[string]any) bool {
	return func(f map[string]any) bool { return f[k] == v }
}

// ---- the test ----

func TestContractHTTPAndWebsocket(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the contract test starts a server")
	}
	root := moduleRoot(t)
	fake := wechattest.NewServer("wx0000000000000001", "contract-secret")
	defer fake.Close()
	const adminToken = "contract-admin-token"
	rs := startServe(t, filepath.Join(root, "knowledge"), map[string]string{
		"GOVCHAT_ADMIN_TOKEN":       adminToken,
		"GOVCHAT_WECHAT_APPID":      fake.AppID,
		"GOVCHAT_WECHAT_SECRET":     fake.Secret,
		"GOVCHAT_WECHAT_API_BASE":   fake.URL,
		"GOVCHAT_RATE_IP":           "-1",
		"GOVCHAT_RATE_SESSION":      "-1",
		"GOVCHAT_WECHAT_LOGIN_RATE": "1000",
	}, chat.Config{})
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	const password = "correct horse battery staple"
	for _, u := range []auth.NewUser{
		{Username: "contract-op", Name: "接线员", StaffNo: "7001", Role: auth.RoleOperator, Password: password},
		{Username: "contract-admin", Name: "管理员", StaffNo: "7002", Role: auth.RoleAdmin, Password: password},
	} {
		if _, err := svc.AddUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}

	c := newContract(t, rs.base)

	// ---- public pages, assets, probes ----
	h, _ := c.do(t, call{method: "GET", path: "/", status: 200})
	c.do(t, call{method: "GET", path: "/", header: authHeader("If-None-Match", h.Get("ETag")), status: 304})
	for _, p := range []string{"/widget.js", "/widget.css", "/static/site.css", "/static/doc.js", "/static/site.js", "/healthz", "/readyz", "/metrics", "/api/openapi.json", "/api/frames.schema.json", "/api/events.schema.json"} {
		c.do(t, call{method: "GET", path: p, status: 200})
	}
	c.do(t, call{method: "GET", path: "/docs/haishu-zwgk-2019", status: 200})
	// The 政策文件库 and its JSON twin.
	c.do(t, call{method: "GET", path: "/static/library.css", status: 200})
	c.do(t, call{method: "GET", path: "/docs/", status: 200})
	c.do(t, call{method: "GET", path: "/docs/?q=" + url.QueryEscape("示例办发[2021]3号") + "&type=policy&page=1", status: 200})
	c.do(t, call{method: "GET", path: "/docs/?year=2019&status=" + url.QueryEscape("现行有效") + "&sort=date_asc", status: 200})
	var lib struct {
		Total int `json:"total"`
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	c.json(t, call{method: "GET", path: "/api/docs?q=" + url.QueryEscape("示例办发(2021)3号"), status: 200}, &lib)
	if lib.Total == 0 || lib.Items[0].ID != "sample-zwgk-kaohe-2021" {
		t.Errorf("文号 search in /api/docs: %+v", lib)
	}
	c.do(t, call{method: "GET", path: "/api/docs?q=" + url.QueryEscape("政务公开") + "&status=" + url.QueryEscape("现行有效") + "&per_page=5&sort=date", status: 200})
	c.do(t, call{method: "GET", path: "/api/docs?type=memo", status: 400, outside: true})
	c.do(t, call{method: "GET", path: "/api/docs?issuer=" + url.QueryEscape(strings.Repeat("机", 300)) + "&year=2019&dept=x&num=" + url.QueryEscape("国发〔2019〕5号"), status: 200})
	c.do(t, call{method: "GET", path: "/docs/no-such-document", status: 404})
	var doc struct {
		Chunks []struct{ Anchor string } `json:"chunks"`
	}
	c.json(t, call{method: "GET", path: "/api/docs/haishu-zwgk-2019", status: 200}, &doc)
	if len(doc.Chunks) == 0 {
		t.Fatal("the seed document has no chunks")
	}
	c.do(t, call{method: "GET", path: "/api/docs/no-such-document", status: 404})
	c.do(t, call{method: "GET", path: "/ws", status: 400, outside: true})
	c.do(t, call{method: "GET", path: "/ws", status: 403, header: authHeader("Upgrade", "websocket", "Connection", "Upgrade",
		"Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Origin", "https://evil.example.com")})

	// ---- the HTTP chat API ----
	var ans struct {
		AnswerID string `json:"answer_id"`
		Session  string `json:"session"`
	}
	c.json(t, call{method: "POST", path: "/api/ask", body: map[string]any{"question": seedQuestion, "id": "http-1"}, status: 200}, &ans)
	c.do(t, call{method: "POST", path: "/api/ask", body: map[string]any{"question": "需要什么材料？", "session": ans.Session}, status: 200})
	c.do(t, call{method: "POST", path: "/api/ask", body: map[string]any{"question": "你好，你是谁"}, status: 200})
	c.do(t, call{method: "POST", path: "/api/ask", body: `{"question":`, status: 400, outside: true})
	c.do(t, call{method: "POST", path: "/api/ask", body: map[string]any{"question": strings.Repeat("问", 600)}, status: 413, outside: true})
	c.do(t, call{method: "POST", path: "/api/feedback", body: map[string]any{"answer_id": ans.AnswerID, "helpful": false, "reason": "没有回答我的问题", "session": ans.Session}, status: 200})
	c.do(t, call{method: "POST", path: "/api/feedback", body: map[string]any{"answer_id": "a_0000000000000000", "helpful": true}, status: 404})
	c.do(t, call{method: "POST", path: "/api/feedback", body: map[string]any{"answer_id": ans.AnswerID}, status: 400, outside: true})

	// ---- workbench sign-in ----
	login := func(user string) string {
		var lr struct {
			Token string `json:"token"`
		}
		c.json(t, call{method: "POST", path: "/api/agent/login", body: map[string]any{"username": user, "password": password}, status: 200}, &lr)
		return lr.Token
	}
	op, admin := login("contract-op"), login("contract-admin")
	c.do(t, call{method: "POST", path: "/api/agent/login", body: map[string]any{"username": "contract-op", "password": "wrong password"}, status: 401})
	c.do(t, call{method: "POST", path: "/api/agent/login", body: map[string]any{"username": "", "password": ""}, status: 400, outside: true})
	c.do(t, call{method: "POST", path: "/api/agent/login", body: map[string]any{"username": "contract-op", "password": password},
		header: authHeader("Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example.com"), status: 403})
	c.do(t, call{method: "GET", path: "/api/agent/me", header: cookie(op), status: 200})
	c.do(t, call{method: "GET", path: "/api/agent/me", status: 401, outside: true})
	c.do(t, call{method: "GET", path: "/agent/", header: cookie(op), status: 200})
	c.do(t, call{method: "GET", path: "/agent/", status: 401, outside: true})
	c.do(t, call{method: "GET", path: "/agent/login", status: 200})
	c.do(t, call{method: "GET", path: "/agent/review", header: cookie(admin), status: 200})
	c.do(t, call{method: "GET", path: "/agent/review", header: cookie(op), status: 403})
	c.do(t, call{method: "GET", path: "/agent/static/app.js", status: 200})
	c.do(t, call{method: "GET", path: "/agent/static/app.css", status: 200})
	c.do(t, call{method: "GET", path: "/agent/static/nope.js", status: 404})

	var found struct {
		Policies []struct {
			ID     string `json:"id"`
			DocURL string `json:"doc_url"`
		} `json:"policies"`
	}
	c.json(t, call{method: "POST", path: "/api/agent/lookup", header: bearer(op), body: map[string]any{"text": seedQuestion}, status: 200}, &found)
	c.do(t, call{method: "POST", path: "/api/agent/lookup", header: bearer(op), body: map[string]any{"text": strings.Repeat("办", 300) + "？请问居住证怎么办理，需要哪些材料"}, status: 200})
	c.do(t, call{method: "POST", path: "/api/agent/lookup", header: bearer(op), body: map[string]any{"text": ""}, status: 400, outside: true})
	c.do(t, call{method: "POST", path: "/api/agent/lookup", body: map[string]any{"text": "居住证"}, status: 401, outside: true})
	if len(found.Policies) == 0 {
		t.Fatal("the look-up found no policy passage to push")
	}
	pushDoc, pushAnchor, _ := strings.Cut(strings.TrimPrefix(found.Policies[0].DocURL, "/docs/"), "#")

	// ---- websocket: a citizen without an operator ----
	a := c.dial(t, "citizen A")
	a.send(t, map[string]any{"type": "hello", "v": 1, "client": "contract/1"})
	sess := a.until(t, "session", nil)
	a.send(t, map[string]any{"type": "ask", "id": "q1", "text": seedQuestion})
	answer := a.until(t, "answer", withID("q1"))
	if c.framesSeen["server delta"] == 0 {
		t.Error("the answer was not streamed (no delta frame)")
	}
	a.send(t, map[string]any{"type": "feedback", "id": "f1", "answer_id": answer["answer_id"], "helpful": true})
	a.until(t, "ack", withID("f1"))
	a.send(t, map[string]any{"type": "ping", "id": "p1"})
	a.until(t, "pong", withID("p1"))
	a.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ask","id":`))
	a.until(t, "error", withField("code", "bad_request"))
	a.send(t, map[string]any{"type": "queue_subscribe", "id": "s0"})
	a.until(t, "error", withField("code", "forbidden"))
	a.send(t, map[string]any{"type": "handoff", "id": "h1", "reason": "requested"})
	a.until(t, "handoff", withField("status", "no_operator"))
	a.send(t, map[string]any{"type": "leave_message", "id": "l1", "text": "请工作人员回电，咨询居住证办理。", "contact": "13800000000"})
	a.until(t, "ack", withID("l1"))
	// A clarification, and one of its choices asked by its button (via).
	clarifyQ, _ := clarifyingQuestion(t, c.base)
	v := c.dial(t, "citizen V")
	v.send(t, map[string]any{"type": "hello", "v": 1})
	v.until(t, "session", nil)
	v.send(t, map[string]any{"type": "ask", "id": "c1", "text": clarifyQ})
	clar := v.until(t, "answer", withID("c1"))
	choices, _ := clar["related"].([]any)
	if clar["clarify"] != true || len(choices) < 2 {
		t.Fatalf("%q: want a clarification, got %v", clarifyQ, clar)
	}
	choice := choices[0].(map[string]any)
	v.send(t, map[string]any{"type": "ask", "id": "c2", "text": choice["question"], "via": map[string]any{"answer_id": clar["answer_id"], "id": choice["id"]}})
	if f := v.until(t, "answer", withID("c2")); f["clarify"] == true || f["refused"] == true {
		t.Errorf("the choice %v was not answered: %v", choice, f)
	}
	// A resumed session.
	a2 := c.dial(t, "citizen A again")
	a2.send(t, map[string]any{"type": "hello", "v": 1, "session": sess["session"]})
	if f := a2.until(t, "session", nil); f["resumed"] != true {
		t.Errorf("session not resumed: %v", f)
	}

	// ---- websocket: an operator online, three citizens ----
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	c.json(t, call{method: "POST", path: "/api/agent/ws-ticket", header: cookie(op), status: 200}, &ticket)
	o := c.dial(t, "operator")
	o.send(t, map[string]any{"type": "hello", "v": 1, "token": ticket.Ticket, "client": "contract-workbench/1"})
	if f := o.until(t, "session", nil); f["role"] != "operator" {
		t.Fatalf("operator session: %v", f)
	}
	o.send(t, map[string]any{"type": "queue_subscribe", "id": "s1"})
	o.until(t, "queue", nil)

	b := c.dial(t, "citizen B")
	b.send(t, map[string]any{"type": "hello", "v": 1})
	b.until(t, "session", nil)
	// Clarified first: the operator's transcript holds the offered choices.
	b.send(t, map[string]any{"type": "ask", "id": "bq", "text": clarifyQ})
	b.until(t, "answer", withID("bq"))
	b.send(t, map[string]any{"type": "handoff", "id": "h2", "reason": "requested"})
	queued := b.until(t, "handoff", withField("status", "queued"))
	conv := queued["conversation"].(string)
	b.send(t, map[string]any{"type": "handoff_message", "id": "m1", "text": "我想咨询居住证"})
	b.until(t, "ack", withID("m1"))
	o.send(t, map[string]any{"type": "handoff_take", "id": "t1", "conversation": conv})
	if tr := o.until(t, "conversation", withID("t1")); !strings.Contains(fmt.Sprint(tr), "related:[") {
		t.Errorf("the conversation's transcript lacks the offered choices: %v", tr)
	}
	b.until(t, "handoff", withField("status", "connected"))
	b.send(t, map[string]any{"type": "handoff_message", "id": "m2", "text": "需要带什么材料？"})
	o.until(t, "citizen_message", nil)
	o.send(t, map[string]any{"type": "agent_message", "id": "a1", "conversation": conv, "text": "您好，工号7001为您服务。"})
	o.until(t, "ack", withID("a1"))
	b.until(t, "agent_message", nil)
	o.send(t, map[string]any{"type": "agent_answer", "id": "a2", "conversation": conv, "doc_id": pushDoc, "anchor": pushAnchor})
	o.until(t, "ack", withID("a2"))
	b.until(t, "agent_answer", nil)
	o.send(t, map[string]any{"type": "handoff_end", "id": "e1", "conversation": conv, "resolved": true})
	o.until(t, "ack", withID("e1"))
	b.until(t, "handoff", withField("status", "closed"))

	// Citizen C ends the conversation.
	cc := c.dial(t, "citizen C")
	cc.send(t, map[string]any{"type": "hello", "v": 1})
	cc.until(t, "session", nil)
	cc.send(t, map[string]any{"type": "handoff", "id": "h3"})
	conv2 := cc.until(t, "handoff", withField("status", "queued"))["conversation"].(string)
	o.send(t, map[string]any{"type": "handoff_take", "id": "t2", "conversation": conv2})
	cc.until(t, "handoff", withField("status", "connected"))
	cc.send(t, map[string]any{"type": "handoff_end", "id": "e2"})
	cc.until(t, "handoff", withField("status", "closed"))
	o.until(t, "handoff_finished", withField("conversation", conv2))

	// Citizen D is refused twice and queued automatically.
	d := c.dial(t, "citizen D")
	d.send(t, map[string]any{"type": "hello", "v": 1})
	d.until(t, "session", nil)
	for i, q := range []string{"你好", "讲个笑话吧"} {
		id := "r" + strconv.Itoa(i)
		d.send(t, map[string]any{"type": "ask", "id": id, "text": q})
		if f := d.until(t, "answer", withID(id)); f["refused"] != true {
			t.Logf("%q was answered; the automatic handoff needs two refusals", q)
		}
	}
	auto := d.until(t, "handoff", withField("status", "queued"))
	if auto["reason"] != "refused_twice" {
		t.Errorf("automatic handoff: %v", auto)
	}

	// ---- the workbench API, now that there are conversations and 留言 ----
	c.do(t, call{method: "GET", path: "/api/agent/queue", header: bearer(op), status: 200})
	c.do(t, call{method: "GET", path: "/api/agent/conversations?limit=10", header: bearer(op), status: 200})
	c.do(t, call{method: "GET", path: "/api/agent/conversations?status=closed", header: cookie(op), status: 200})
	c.do(t, call{method: "GET", path: "/api/agent/conversations/" + conv, header: bearer(op), status: 200})
	c.do(t, call{method: "GET", path: "/api/agent/conversations/h_nosuchconversation", header: bearer(op), status: 404})
	var msgs []struct {
		ID int64 `json:"id"`
	}
	c.json(t, call{method: "GET", path: "/api/agent/messages?status=open", header: bearer(op), status: 200}, &msgs)
	if len(msgs) == 0 {
		t.Fatal("the 留言 is not listed")
	}
	c.do(t, call{method: "GET", path: "/api/agent/messages?status=bogus", header: bearer(op), status: 400, outside: true})
	c.do(t, call{method: "POST", path: fmt.Sprintf("/api/agent/messages/%d/done", msgs[0].ID), header: bearer(op), status: 204})
	c.do(t, call{method: "POST", path: "/api/agent/messages/999999/done", header: bearer(op), status: 404})
	c.do(t, call{method: "POST", path: "/api/agent/messages/abc/done", header: bearer(op), status: 400, outside: true})
	c.do(t, call{method: "GET", path: "/api/agent/messages", header: bearer(op), status: 200})

	var flag, proposal struct {
		ID int64 `json:"id"`
	}
	c.json(t, call{method: "POST", path: "/api/agent/review/flags", header: bearer(op), status: 201,
		body: map[string]any{"doc_id": pushDoc, "anchor": pushAnchor, "answer_id": answer["answer_id"], "problem": "outdated", "note": "已有新文件"}}, &flag)
	c.do(t, call{method: "POST", path: "/api/agent/review/flags", header: bearer(op), status: 400, outside: true, body: map[string]any{"note": "缺少文件"}})
	c.json(t, call{method: "POST", path: "/api/agent/review/proposals", header: bearer(op), status: 201,
		body: map[string]any{"question": "居住证在哪里办理？", "similar": []string{"居住证怎么办"}, "answer": "到居住地派出所办理。", "department": "公安局", "sources": []string{"haishu-zwgk-2019"}, "conversation": conv}}, &proposal)
	c.do(t, call{method: "GET", path: "/api/admin/review", header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/review?status=open&limit=5", header: cookie(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/review", header: bearer(op), status: 403})
	c.do(t, call{method: "POST", path: fmt.Sprintf("/api/admin/review/%d", flag.ID), header: bearer(admin), body: map[string]any{"status": "accepted", "note": "已更新"}, status: 200})
	c.do(t, call{method: "POST", path: fmt.Sprintf("/api/admin/review/%d", proposal.ID), header: bearer(admin), body: map[string]any{"status": "rejected"}, status: 200})
	c.do(t, call{method: "POST", path: "/api/admin/review/999999", header: bearer(admin), body: map[string]any{"status": "accepted"}, status: 404})
	// 相似问 learned from use: an operator's copy is evidence; the list; a
	// decision on evidence that is not open (approvals, which write the
	// knowledge files, are exercised on a copy of them in the browser test).
	c.do(t, call{method: "POST", path: "/api/agent/lookup/copied", header: bearer(op), body: map[string]any{"text": "政务公开工作要点啥时候发的", "id": "haishu-zwgk-faq-001"}, status: 204})
	c.do(t, call{method: "POST", path: "/api/agent/lookup/copied", header: bearer(op), body: map[string]any{"text": ""}, status: 400, outside: true})
	c.do(t, call{method: "GET", path: "/api/admin/review/similar", header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/review/similar", header: bearer(op), status: 403})
	c.do(t, call{method: "POST", path: "/api/admin/review/similar", header: bearer(admin), body: map[string]any{"entry_id": "haishu-zwgk-faq-001", "evidence": []int64{999999}, "status": "rejected"}, status: 404})
	c.do(t, call{method: "POST", path: "/api/admin/review/similar", header: bearer(admin), body: map[string]any{"entry_id": "haishu-zwgk-faq-001", "status": "approved"}, status: 400, outside: true})
	c.do(t, call{method: "GET", path: "/api/admin/audit", header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/audit?actor=contract-op&limit=20", header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/audit", header: bearer(op), status: 403})

	c.do(t, call{method: "GET", path: "/api/admin/unanswered", header: bearer(adminToken), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/unanswered?since=7d&limit=10", header: cookie(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/unanswered", header: bearer(op), status: 403})
	c.do(t, call{method: "GET", path: "/api/admin/unanswered?since=yesterday", header: bearer(adminToken), status: 400})
	c.do(t, call{method: "GET", path: "/api/admin/unanswered", status: 401, outside: true})
	// ---- 回应关切 and 解读 coverage (admins) ----
	c.do(t, call{method: "GET", path: "/agent/concerns", header: cookie(admin), status: 200})
	c.do(t, call{method: "GET", path: "/agent/concerns?period=30&channel=web&topic=" + url.QueryEscape("doc:haishu-zwgk-faq-002"), header: cookie(admin), status: 200})
	c.do(t, call{method: "GET", path: "/agent/concerns", header: cookie(op), status: 403})
	c.do(t, call{method: "GET", path: "/agent/concerns", status: 401, outside: true})
	c.do(t, call{method: "GET", path: "/agent/concerns/draft?topic=" + url.QueryEscape("doc:haishu-zwgk-faq-002"), header: cookie(admin), status: 200})
	c.do(t, call{method: "GET", path: "/agent/concerns/draft", header: cookie(admin), status: 400})
	c.do(t, call{method: "GET", path: "/agent/concerns/draft?topic=q:x", header: cookie(op), status: 403})
	c.do(t, call{method: "GET", path: "/agent/concerns/draft?topic=q:x", status: 401, outside: true})
	form := func(v url.Values) call {
		return call{method: "POST", path: "/agent/concerns/draft", body: v.Encode(), header: authHeader("Content-Type", "application/x-www-form-urlencoded", "Cookie", "govchat_agent="+admin)}
	}
	draft := form(url.Values{"topic": {"q:养犬+登记证"}, "question": {"养犬登记证在哪里办理？"}, "answer": {"请向区农业农村局咨询。"}, "similar": {"养犬登记证哪里办"}, "sources": {"haishu-zwgk-2019"}})
	draft.status = 303
	c.do(t, draft)
	bad := form(url.Values{"topic": {"q:x"}, "question": {"问"}, "answer": {"答"}, "sources": {"no-such-document"}})
	bad.status = 400
	c.do(t, bad)
	c.do(t, call{method: "POST", path: "/agent/concerns/draft", body: url.Values{"topic": {"q:x"}, "question": {"问"}, "answer": {"答"}}.Encode(),
		header: authHeader("Content-Type", "application/x-www-form-urlencoded", "Cookie", "govchat_agent="+op), status: 403})
	c.do(t, call{method: "POST", path: "/agent/concerns/draft", body: url.Values{"topic": {"q:x"}, "question": {"问"}, "answer": {"答"}}.Encode(),
		header: authHeader("Content-Type", "application/x-www-form-urlencoded"), status: 401, outside: true})
	c.do(t, call{method: "GET", path: "/api/admin/concerns", header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/concerns?period=30&coverage=1&limit=5", header: cookie(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/concerns?format=csv&from=2025-01-01&to=2025-01-31&channel=hotline&department=x&topic=q:x", header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/concerns?period=abc", header: bearer(admin), status: 400})
	c.do(t, call{method: "GET", path: "/api/admin/concerns", header: bearer(op), status: 403})
	c.do(t, call{method: "GET", path: "/api/admin/concerns", status: 401, outside: true})
	c.do(t, call{method: "GET", path: "/api/admin/concerns/chart.svg?period=7&topic=" + url.QueryEscape("doc:haishu-zwgk-faq-002"), header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/concerns/chart.svg?from=2025-02-01&to=2025-01-01", header: bearer(admin), status: 400})
	c.do(t, call{method: "GET", path: "/api/admin/concerns/chart.svg", header: bearer(op), status: 403})
	c.do(t, call{method: "GET", path: "/api/admin/concerns/chart.svg", status: 401, outside: true})
	c.do(t, call{method: "GET", path: "/api/admin/coverage", header: bearer(admin), status: 200})
	c.do(t, call{method: "GET", path: "/api/admin/coverage", header: cookie(op), status: 403})
	c.do(t, call{method: "GET", path: "/api/admin/coverage", status: 401, outside: true})
	// A proposal that cannot be written into the knowledge base stays open (409).
	var unpublishable struct {
		ID int64 `json:"id"`
	}
	c.json(t, call{method: "POST", path: "/api/agent/review/proposals", header: bearer(op), status: 201,
		body: map[string]any{"question": "依据不存在的问题？", "answer": "答复。", "sources": []string{"no-such-document"}}}, &unpublishable)
	c.do(t, call{method: "POST", path: fmt.Sprintf("/api/admin/review/%d", unpublishable.ID), header: bearer(admin), body: map[string]any{"status": "accepted"}, status: 409})

	c.do(t, call{method: "POST", path: "/api/agent/logout", header: cookie(op), status: 204})
	c.do(t, call{method: "GET", path: "/api/agent/me", header: cookie(op), status: 401})

	// ---- WeChat login (an imitation of jscode2session) ----
	var wx struct {
		Token string `json:"token"`
	}
	c.json(t, call{method: "POST", path: "/api/wechat/login", body: map[string]any{"code": fake.Code("o_contract")}, status: 200}, &wx)
	for code, status := range map[string]int{"err-40029": 401, "err-45011": 429, "err-40226": 403, "err--1": 503} {
		c.do(t, call{method: "POST", path: "/api/wechat/login", body: map[string]any{"code": code}, status: status})
	}
	c.do(t, call{method: "POST", path: "/api/wechat/login", body: `{"code":`, status: 400, outside: true})
	c.do(t, call{method: "GET", path: "/api/wechat/session", header: bearer(wx.Token), status: 200})
	// The mini-program's token on the socket.
	m := c.dial(t, "mini-program")
	m.send(t, map[string]any{"type": "hello", "v": 1, "token": wx.Token, "client": "miniprogram/1"})
	m.until(t, "session", nil)
	c.do(t, call{method: "POST", path: "/api/wechat/logout", header: bearer(wx.Token), status: 204})
	c.do(t, call{method: "GET", path: "/api/wechat/session", header: bearer(wx.Token), status: 401})
	c.do(t, call{method: "POST", path: "/api/wechat/logout", status: 401, outside: true})

	// ---- coverage ----
	var notExercised []string
	for path, item := range c.doc.Paths.Map() {
		for method, opn := range item.Operations() {
			seen := c.calls[opn.OperationID]
			if len(seen) == 0 {
				t.Errorf("%s %s (%s) is documented but the contract test never called it", method, path, opn.OperationID)
				continue
			}
			for code := range opn.Responses.Map() {
				if n, _ := strconv.Atoi(code); !seen[n] {
					notExercised = append(notExercised, method+" "+path+" "+code)
				}
			}
		}
	}
	for _, typ := range c.serverTypes {
		if c.framesSeen["server "+typ] == 0 {
			t.Errorf("server frame %q is in frames.schema.json but the contract test never received one", typ)
		}
	}
	for _, typ := range c.clientTypes {
		if c.framesSeen["client "+typ] == 0 {
			t.Errorf("client frame %q is in frames.schema.json but the contract test never sent one", typ)
		}
	}
	slices.Sort(notExercised)
	t.Logf("%d operations and %d frames checked; documented error statuses not provoked here (server-side failures, limits): %s",
		len(c.calls), sum(c.framesSeen), strings.Join(notExercised, ", "))

	// Every route the server counted in its metrics is documented.
	for route := range routeLabels(t, c) {
		if route == "other" || route == "GET /" { // unmatched requests; the not-found fallback
			continue
		}
		if !c.documents(route) {
			t.Errorf("the server served route %q, which api/openapi.yaml does not document", route)
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// documents reports whether a ServeMux pattern ("POST /api/agent/messages/{id}/done")
// is an operation of the document.
func (c *contract) documents(pattern string) bool {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return false
	}
	path = strings.TrimSuffix(path, "{$}")
	path = regexp.MustCompile(`\{(\w+)\.\.\.\}`).ReplaceAllString(path, "{$1}")
	item := c.doc.Paths.Find(path)
	return item != nil && item.GetOperation(method) != nil
}

// routeLabels reads the route labels of govchat_http_requests_total.
func routeLabels(t *testing.T, c *contract) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	re := regexp.MustCompile(`^govchat_http_requests_total\{route="([^"]*)"`)
	for _, line := range strings.Split(string(c.fetch(t, "/metrics")), "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			out[m[1]] = true
		}
	}
	if len(out) == 0 {
		t.Fatal("no govchat_http_requests_total series on /metrics")
	}
	return out
}

// TestContractCoversSourceRoutes finds every ServeMux pattern in the Go
// source ("GET /docs/{id}", also those registered in a loop) and checks the
// OpenAPI document has it — a new route fails here until it is documented.
func TestContractCoversSourceRoutes(t *testing.T) {
	root := moduleRoot(t)
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(root, "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := &contract{doc: doc}
	pattern := regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/\S*)$`)
	skipDirs := map[string]string{
		"internal/wechat/wechattest": "an imitation of WeChat's API for tests",
		"web/miniprogram":            "JavaScript",
	}
	found := map[string]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if _, skip := skipDirs[rel]; skip || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata" || rel == "bench" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && pattern.MatchString(s) {
				found[s] = fset.Position(lit.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 30 {
		t.Fatalf("found only %d route patterns in the source: %v", len(found), slices.Sorted(maps.Keys(found)))
	}
	for _, p := range slices.Sorted(maps.Keys(found)) {
		if p == "GET /" { // the not-found fallback behind every other route
			continue
		}
		if !c.documents(p) {
			t.Errorf("%s: route %q is not in api/openapi.yaml", found[p], p)
		}
	}
}
