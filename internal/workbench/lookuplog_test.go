package workbench

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/lookup"
)

type recSpy struct {
	mu   sync.Mutex
	recs []govchat.Record
	log  *lookupLog
}

// wait waits for the look-up log's writes in flight.
func (r *recSpy) wait() {
	if r.log != nil {
		r.log.writing.Wait()
	}
}

func (r *recSpy) Record(_ context.Context, rec govchat.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}

func (r *recSpy) questions() string {
	r.wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	var qs []string
	for _, x := range r.recs {
		qs = append(qs, x.Question)
	}
	return strings.Join(qs, "|")
}

func TestLookupLogRecordsSettledLookups(t *testing.T) {
	clock := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	spy := &recSpy{}
	l := newLookupLog(spy, func() time.Time { return clock }, time.Minute, slog.Default())
	spy.log = l
	found := lookup.Result{FAQ: []lookup.Item{{ID: "faq-1", Title: "居住证怎么办理？"}}, Policies: []lookup.Item{{ID: "p-1", Title: "居住证管理办法"}}}
	step := func(user, text string, res lookup.Result) {
		clock = clock.Add(2 * time.Second)
		l.note(context.Background(), user, text, res)
	}
	// wang types a question, corrects it, then asks something else.
	for _, s := range []string{"居", "居住", "居住证", "居住证怎么办", "居住证怎么办理"} {
		step("wang", s, found)
	}
	step("wang", "居住证在哪办", found) // a correction of the same question
	if got := spy.questions(); got != "" {
		t.Fatalf("recorded while typing: %s", got)
	}
	step("wang", "养犬登记证", lookup.Result{})
	if got := spy.questions(); got != "居住证在哪办" {
		t.Errorf("recorded %q", got)
	}
	// li's look-up settles when another operator looks up after a minute.
	step("li", "社保卡补办", found)
	clock = clock.Add(2 * time.Minute)
	step("wang", "公积金提取", found)
	if got := spy.questions(); got != "居住证在哪办|养犬登记证|社保卡补办" {
		t.Errorf("recorded %q", got)
	}
	l.flush(context.Background())
	if got := spy.questions(); got != "居住证在哪办|养犬登记证|社保卡补办|公积金提取" {
		t.Errorf("after flush: %q", got)
	}
	spy.mu.Lock()
	defer spy.mu.Unlock()
	first, last := spy.recs[0], spy.recs[1]
	if first.Channel != govchat.ChannelHotline || first.Mode != "lookup" || first.Refused || len(first.Sources) != 2 || first.Sources[0].DocID != "faq-1" || first.Session != "hotline:wang" {
		t.Errorf("answered look-up = %+v", first)
	}
	if !last.Refused || len(last.Sources) != 0 {
		t.Errorf("look-up that found nothing = %+v", last)
	}
}
