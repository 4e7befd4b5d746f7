package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/govchat/govchat/api"
)

// load parses the embedded OpenAPI document (YAML) and checks it against the
// OpenAPI 3.0 specification, examples included.
func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIYAML)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3.0 document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q: kin-openapi fully supports 3.0; keep the document on 3.0.3", doc.OpenAPI)
	}
	// The JSON served at /api/openapi.json is the same document.
	b, err := api.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := fromJSON.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if got, want := fromJSON.Paths.Len(), doc.Paths.Len(); got != want {
		t.Errorf("openapi.json has %d paths, openapi.yaml %d", got, want)
	}
	// Every operation is named and every response code is explicit (no
	// "default": an undocumented status must fail the contract test).
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s: needs an operationId and a summary", method, path)
			}
			if op.Responses.Default() != nil {
				t.Errorf("%s %s: a default response would hide undocumented statuses", method, path)
			}
		}
	}
}

// TestOpenAPIResponsesAreClosed checks that every object a response can
// contain lists its fields (additionalProperties: false), so that the
// contract test fails on a field the document does not describe. Maps
// (additionalProperties: a schema) and documents marked x-free-form (the
// contracts themselves) are the exceptions.
func TestOpenAPIResponsesAreClosed(t *testing.T) {
	doc := load(t)
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, s *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil {
			return
		}
		s := ref.Value
		if ref.Ref != "" {
			where = ref.Ref
		}
		if seen[s] {
			return
		}
		seen[s] = true
		if s.Type.Is("object") || len(s.Properties) > 0 {
			free := s.Extensions["x-free-form"] == true
			switch {
			case free:
			case s.AdditionalProperties.Schema != nil:
				walk(where+"{}", s.AdditionalProperties.Schema)
			case s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has:
				t.Errorf("%s: an object in a response must set additionalProperties: false", where)
			}
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range list {
				walk(where, x)
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, resp := range op.Responses.Map() {
				for ct, mt := range resp.Value.Content {
					walk(fmt.Sprintf("%s %s %s %s", method, path, code, ct), mt.Schema)
				}
			}
		}
	}
}

// frameSchema compiles the websocket frame schema.
func frameSchema(t *testing.T) (client, server *jsonschema.Schema, raw map[string]any) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.FrameSchema))
	if err != nil {
		t.Fatalf("frames.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("frames.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	if client, err = c.Compile("frames.schema.json#/$defs/ClientFrame"); err != nil {
		t.Fatalf("frames.schema.json: %v", err)
	}
	if server, err = c.Compile("frames.schema.json#/$defs/ServerFrame"); err != nil {
		t.Fatalf("frames.schema.json: %v", err)
	}
	if _, err := c.Compile("frames.schema.json"); err != nil {
		t.Fatalf("frames.schema.json: %v", err)
	}
	return client, server, doc.(map[string]any)
}

func TestFrameSchemaIsValid(t *testing.T) {
	client, server, raw := frameSchema(t)
	// Every frame definition is closed, like the response objects.
	defs := raw["$defs"].(map[string]any)
	for name, d := range defs {
		m, ok := d.(map[string]any)
		if !ok || m["type"] != "object" || name == "ClientFrame" || name == "ServerFrame" {
			continue
		}
		if m["additionalProperties"] != false {
			t.Errorf("$defs/%s: set additionalProperties: false", name)
		}
	}
	// The examples of docs/protocol.md's first sections pass; unknown types
	// and fields fail.
	good := map[*jsonschema.Schema][]string{
		client: {
			`{"type":"hello","v":1,"client":"widget/1"}`,
			`{"type":"ask","id":"q1","text":"海曙区2019年政务公开重点公开哪几类重大建设项目信息"}`,
			`{"type":"feedback","id":"f1","answer_id":"a_3f9c0e1d2b4a5968","helpful":false,"reason":"没有回答我的问题"}`,
			`{"type":"agent_answer","id":"a2","conversation":"h_1","doc_id":"haishu-zwgk-2019","anchor":"s2-1"}`,
		},
		server: {
			`{"type":"session","v":1,"session":"pSt1mHhTw6dtU8TYUkgGS9GG3bG03pM5RjYX4zzKOAw","session_id":"s_0d40f359196df4c9","resumed":false,"turns":0,"role":"citizen","hotline":"12345"}`,
			`{"type":"error","id":"q2","code":"rate_limited","message":"提问过于频繁，请稍后再试。","retry_after":20}`,
			`{"type":"answer","id":"q1","answer_id":"a_3f9c0e1d2b4a5968","text":"…[1]","refused":false,"mode":"extractive","clarify":false,
			  "related":[{"id":"faq-1","question":"居住证怎么办？","doc_url":"/docs/faq-1"}],
			  "sources":[{"n":1,"id":"haishu-zwgk-2019","type":"policy","title":"…","doc_url":"/docs/haishu-zwgk-2019#s2-1","status":"现行有效","snippet":"…","interpretations":[]}]}`,
		},
	}
	bad := map[*jsonschema.Schema][]string{
		client: {`{"type":"ask","id":"q1"}`, `{"type":"ask","id":"q1","text":"x","extra":1}`, `{"type":"nonsense"}`},
		server: {`{"type":"pong","id":"p1","extra":true}`, `{"type":"session"}`, `{"type":"answer","id":"q","answer_id":"a_3f9c0e1d2b4a5968","text":"","refused":false,"mode":"x","sources":[]}`},
	}
	for s, list := range good {
		for _, f := range list {
			v, _ := jsonschema.UnmarshalJSON(strings.NewReader(f))
			if err := s.Validate(v); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	for s, list := range bad {
		for _, f := range list {
			v, _ := jsonschema.UnmarshalJSON(strings.NewReader(f))
			if s.Validate(v) == nil {
				t.Errorf("%s passed", f)
			}
		}
	}
}

// TestSharedObjectsInStep checks that the objects both contracts describe
// (an answer's sources, the queue, a conversation …) have the same fields
// in each, and that the answer frame is the /api/ask response without its
// session.
func TestSharedObjectsInStep(t *testing.T) {
	doc := load(t)
	_, _, raw := frameSchema(t)
	defs := raw["$defs"].(map[string]any)
	fields := func(m map[string]any) (props, required []string) {
		props = slices.Sorted(maps.Keys(m["properties"].(map[string]any)))
		for _, r := range m["required"].([]any) {
			required = append(required, r.(string))
		}
		sort.Strings(required)
		return
	}
	oapi := func(name string) (props, required []string) {
		s := doc.Components.Schemas[name].Value
		props = slices.Sorted(maps.Keys(s.Properties))
		required = slices.Sorted(slices.Values(s.Required))
		return
	}
	same := func(what string, p1, r1, p2, r2 []string) {
		if !slices.Equal(p1, p2) {
			t.Errorf("%s: fields differ between openapi.yaml %v and frames.schema.json %v", what, p1, p2)
		}
		if !slices.Equal(r1, r2) {
			t.Errorf("%s: required fields differ between openapi.yaml %v and frames.schema.json %v", what, r1, r2)
		}
	}
	for _, name := range []string{"Ref", "Source", "Related", "QueueItem", "Conversation", "TranscriptEntry"} {
		p1, r1 := oapi(name)
		p2, r2 := fields(defs[name].(map[string]any))
		same(name, p1, r1, p2, r2)
	}
	p1, r1 := oapi("Queue")
	p2, r2 := fields(defs["server.queue"].(map[string]any))
	same("queue", p1, r1, p2, r2)

	p1, r1 = oapi("AskResponse")
	p1 = slices.DeleteFunc(p1, func(s string) bool { return s == "session" })
	r1 = slices.DeleteFunc(r1, func(s string) bool { return s == "session" || s == "type" })
	p2, r2 = fields(defs["server.answer"].(map[string]any))
	r2 = slices.DeleteFunc(r2, func(s string) bool { return s == "type" })
	same("answer", p1, r1, p2, r2)

	// The HTTP error object is the error frame without its request id.
	p1, _ = oapi("Error")
	p2, _ = fields(defs["server.error"].(map[string]any))
	p2 = slices.DeleteFunc(p2, func(s string) bool { return s == "id" })
	same("error", p1, nil, p2, nil)
	var codes1, codes2 []string
	for _, c := range doc.Components.Schemas["ErrorCode"].Value.Enum {
		codes1 = append(codes1, c.(string))
	}
	for _, c := range defs["ErrorCode"].(map[string]any)["enum"].([]any) {
		codes2 = append(codes2, c.(string))
	}
	if !slices.Equal(codes1, codes2) {
		t.Errorf("error codes differ: %v vs %v", codes1, codes2)
	}
}

func TestOpenAPIJSONIsJSON(t *testing.T) {
	b, err := api.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.OpenAPI == "" || len(v.Paths) == 0 {
		t.Fatalf("openapi.json: %v %+v", err, v)
	}
	if _, ok := v.Paths["/api/ask"].(map[string]any)["post"].(map[string]any)["responses"].(map[string]any)["200"]; !ok {
		t.Error("response codes are not string keys in openapi.json")
	}
}

// TestMiniprogramFixturesAreFrames checks that the answer frames the
// mini-program's render tests feed its pages (web/miniprogram/test/fixtures)
// are valid server frames.
func TestMiniprogramFixturesAreFrames(t *testing.T) {
	_, server, _ := frameSchema(t)
	files, err := filepath.Glob(filepath.Join("..", "web", "miniprogram", "test", "fixtures", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := server.Validate(v); err != nil {
			t.Errorf("%s is not a valid server frame: %v", f, err)
		}
	}
}

// TestMiniprogramDocFixturesAreDocuments checks that the documents the
// mini-program's render tests feed its document page
// (web/miniprogram/test/fixtures/docs) are valid GET /api/docs/{id} bodies.
func TestMiniprogramDocFixturesAreDocuments(t *testing.T) {
	doc := load(t)
	schema := doc.Components.Schemas["Document"]
	if schema == nil || schema.Value == nil {
		t.Fatal("openapi.yaml has no Document schema")
	}
	files, err := filepath.Glob(filepath.Join("..", "web", "miniprogram", "test", "fixtures", "docs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no document fixtures: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := schema.Value.VisitJSON(v); err != nil {
			t.Errorf("%s is not a valid document: %v", f, err)
		}
	}
}

// TestEventSchemaIsValid: the schema of the outbound events compiles as JSON
// Schema 2020-12, every object it defines is closed, and every event type
// has a definition of its data. (internal/events checks that the events
// govchat makes match it; cmd/govchat's webhook test, the events a running
// server delivers.)
func TestEventSchemaIsValid(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal(api.EventSchema, &raw); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.EventSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("events.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile("events.schema.json"); err != nil {
		t.Fatalf("events.schema.json: %v", err)
	}
	if raw["additionalProperties"] != false {
		t.Error("the event envelope is open")
	}
	defs := raw["$defs"].(map[string]any)
	for name, d := range defs {
		if m, ok := d.(map[string]any); ok && m["type"] == "object" && m["additionalProperties"] != false {
			t.Errorf("$defs/%s: set additionalProperties: false", name)
		}
	}
	types := raw["properties"].(map[string]any)["type"].(map[string]any)["enum"].([]any)
	for _, typ := range types {
		if defs["data."+typ.(string)] == nil {
			t.Errorf("event type %s has no $defs/data.%s", typ, typ)
		}
	}
}
