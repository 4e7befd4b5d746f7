package workbench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/govchat/govchat/internal/review"
)

type fakePublisher struct {
	mu    sync.Mutex
	items []review.Item
	fail  error
}

func (p *fakePublisher) PublishFAQ(_ context.Context, it review.Item) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return "", p.fail
	}
	p.items = append(p.items, it)
	return "faq/reviewed.yaml#" + it.EntryID(), nil
}

// TestAcceptingProposalPublishes: accepting a FAQ proposal writes it into
// the knowledge base first (once); a proposal that cannot be written stays
// open with a 409; flags and rejections publish nothing.
func TestAcceptingProposalPublishes(t *testing.T) {
	pub := &fakePublisher{}
	srv, _ := newServerWith(t, func(c *Config) { c.Publish = pub })
	op := signIn(t, srv, "wang", "operator password")
	adm := signIn(t, srv, "boss", "admin password!")
	propose := func(q string) int64 {
		code, body := call(t, op, "POST", srv.URL+"/api/agent/review/proposals", `{"question":"`+q+`","answer":"答复。"}`)
		if code != 201 {
			t.Fatalf("proposal: %d %s", code, body)
		}
		var it review.Item
		decodeJSON(t, body, &it)
		return it.ID
	}
	a, b, c := propose("甲？"), propose("乙？"), propose("丙？")
	code, body := call(t, adm, "POST", fmt.Sprintf("%s/api/admin/review/%d", srv.URL, a), `{"status":"accepted","note":"好"}`)
	if code != 200 || !strings.Contains(body, fmt.Sprintf("已写入知识库：faq/reviewed.yaml#proposal-%d", a)) {
		t.Fatalf("accept: %d %s", code, body)
	}
	// Accepting it again does not publish twice; rejecting publishes nothing.
	call(t, adm, "POST", fmt.Sprintf("%s/api/admin/review/%d", srv.URL, a), `{"status":"accepted"}`)
	call(t, adm, "POST", fmt.Sprintf("%s/api/admin/review/%d", srv.URL, b), `{"status":"rejected"}`)
	if len(pub.items) != 1 || pub.items[0].Question != "甲？" {
		t.Errorf("published %+v", pub.items)
	}
	pub.fail = fmt.Errorf("%w: 依据文件 x 不在知识库中", ErrUnpublishable)
	code, body = call(t, adm, "POST", fmt.Sprintf("%s/api/admin/review/%d", srv.URL, c), `{"status":"accepted"}`)
	if code != 409 || !strings.Contains(body, "无法写入知识库：依据文件 x 不在知识库中") {
		t.Errorf("unpublishable: %d %s", code, body)
	}
	if _, body := call(t, adm, "GET", srv.URL+"/api/admin/review?status=open", ""); !strings.Contains(body, "丙？") {
		t.Errorf("the unpublishable proposal is no longer open: %s", body)
	}
}

func decodeJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}
