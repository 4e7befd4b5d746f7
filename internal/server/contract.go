package server

import (
	"net/http"

	"github.com/govchat/govchat/api"
)

// openAPI serves the OpenAPI document of the HTTP API (api/openapi.yaml) as
// JSON.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, err := api.OpenAPIJSON()
	if err != nil {
		s.log.Error("server: openapi document", "error", err)
		writeError(w, err)
		return
	}
	writeContract(w, b)
}

// frameSchema serves the JSON Schema of the websocket frames.
func (s *Server) frameSchema(w http.ResponseWriter, r *http.Request) {
	writeContract(w, api.FrameSchema)
}

// eventSchema serves the JSON Schema of the outbound events (webhooks).
func (s *Server) eventSchema(w http.ResponseWriter, r *http.Request) {
	writeContract(w, api.EventSchema)
}

func writeContract(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	// Integrators' tools (Swagger UI on another host) may fetch it.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(b)
}
