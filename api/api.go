// Package api holds govchat's machine-readable contracts, embedded in the
// binary: the OpenAPI 3.0 document of every HTTP route (openapi.yaml,
// served as /api/openapi.json) and the JSON Schema (2020-12) of the
// websocket frames (frames.schema.json, served as /api/frames.schema.json)
// and the JSON Schema of the outbound events sent to webhooks
// (events.schema.json, served as /api/events.schema.json).
//
// They are the source of truth for integrators, and tests keep them honest:
// cmd/govchat's contract test validates the requests, responses and
// websocket frames of a running server against them, and fails on any
// route, field or frame they do not describe (docs/protocol.md); its webhook
// test validates every event a running server delivers.
package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"gopkg.in/yaml.v3"
)

// OpenAPIYAML is the OpenAPI document as written (YAML).
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

// FrameSchema is the JSON Schema of the websocket frames: #/$defs/ClientFrame
// and #/$defs/ServerFrame.
//
//go:embed frames.schema.json
var FrameSchema []byte

// EventSchema is the JSON Schema of the outbound events (webhooks to the
// 12345 工单 system; docs/webhooks.md): the root is one event.
//
//go:embed events.schema.json
var EventSchema []byte

var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(OpenAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	b, err := json.Marshal(jsonable(doc))
	if err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	return b, nil
})

// OpenAPIJSON returns the OpenAPI document as JSON.
func OpenAPIJSON() ([]byte, error) { return openAPIJSON() }

// jsonable turns YAML maps with non-string keys (response codes written as
// numbers) into maps with string keys.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	}
	return v
}
