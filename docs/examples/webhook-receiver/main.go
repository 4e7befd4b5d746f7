// Command webhook-receiver is a sample receiver of govchat's outbound
// events, for a 12345 工单 system: it checks each request's signature and
// timestamp, takes each event once (by its id), and acknowledges it. Copy it
// and replace createTicket with the call into your ticket system.
//
//	GOVCHAT_WEBHOOK_SECRET=<the secret govchat has> go run ./docs/examples/webhook-receiver -addr :9000
//
// and on govchat's side GOVCHAT_WEBHOOK_URL=http://<this host>:9000/hooks/govchat.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// tolerance is how far a request's timestamp may be from this clock: an
// older request is refused, so a captured one cannot be replayed later.
const tolerance = 5 * time.Minute

// Receiver verifies, deduplicates and hands on govchat's events.
type Receiver struct {
	Secret []byte
	Now    func() time.Time
	// Handle creates the ticket for one event. An error makes govchat
	// retry the event later.
	Handle func(eventType string, body []byte) error

	mu   sync.Mutex
	seen map[string]bool // in production: a unique key on the ticket table
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// 1. The timestamp is recent.
	tsHeader := r.Header.Get("X-Govchat-Timestamp")
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if age := rc.Now().Sub(time.Unix(ts, 0)); err != nil || age > tolerance || age < -tolerance {
		http.Error(w, "stale or missing timestamp", http.StatusUnauthorized)
		return
	}
	// 2. The signature is HMAC-SHA256(secret, timestamp + "." + body).
	mac := hmac.New(sha256.New, rc.Secret)
	mac.Write([]byte(tsHeader + "."))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Govchat-Signature"))) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var event struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(body, &event); err != nil || event.ID == "" {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	// 3. Each id once: govchat delivers at least once, so a retry or a
	// replay of an event already taken is acknowledged and ignored.
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.seen[event.ID] {
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := rc.Handle(event.Type, body); err != nil {
		log.Printf("event %s: %v", event.ID, err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	rc.seen[event.ID] = true
	w.WriteHeader(http.StatusNoContent)
}

// createTicket stands in for the ticket system. Unknown event types and
// fields are ignored: govchat adds them within version 1.
func createTicket(eventType string, body []byte) error {
	switch eventType {
	case "leave_message.created", "handoff.unresolved", "feedback.negative", "review.approved":
		log.Printf("%s: %s", eventType, body)
	}
	return nil
}

func main() {
	addr := flag.String("addr", ":9000", "listen address")
	flag.Parse()
	secret := os.Getenv("GOVCHAT_WEBHOOK_SECRET")
	if secret == "" {
		log.Fatal("set GOVCHAT_WEBHOOK_SECRET to the secret govchat signs with")
	}
	rc := &Receiver{Secret: []byte(secret), Now: time.Now, Handle: createTicket, seen: map[string]bool{}}
	log.Fatal(http.ListenAndServe(*addr, rc))
}
