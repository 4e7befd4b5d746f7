package history

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

type published struct {
	mu   sync.Mutex
	data []events.Data
	fail bool
}

func (p *published) Publish(ctx context.Context, tx events.Execer, at time.Time, d events.Data) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return errors.New("outbox unavailable")
	}
	p.data = append(p.data, d)
	return nil
}

// A 👎 with a reason publishes feedback.negative with the question, the
// answer and its sources; 👍, a 👎 without a reason and feedback on an
// unknown answer publish nothing.
func TestNegativeFeedbackEvent(t *testing.T) {
	ctx := context.Background()
	pub := &published{}
	s, err := Open(Config{Path: filepath.Join(t.TempDir(), "h.db"), Redact: fakeRedact, Events: pub})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	asked := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s.Record(ctx, govchat.Record{AnswerID: "a1", Session: "s1", Channel: "ws", At: asked, Question: "居住证怎么办？手机13812345678", Answer: "请携带身份证办理 [1]。",
		Mode: "extractive", Sources: []govchat.RecordSource{{N: 1, DocID: "doc-1", Anchor: "p3", Title: "居住证办理指南"}}})
	s.Record(ctx, govchat.Record{AnswerID: "a2", Session: "s1", Channel: "api", At: asked, Question: "你好", Answer: "抱歉", Refused: true, Reason: "chitchat", Mode: "refused"})
	rated := asked.Add(time.Minute)
	for _, f := range []govchat.Feedback{
		{AnswerID: "a1", Helpful: true, Reason: "很好", At: rated},
		{AnswerID: "a1", Helpful: false, Reason: "  ", At: rated},
		{AnswerID: "a1", Helpful: false, Reason: "材料写得不清楚，回电13812345678", At: rated},
		{AnswerID: "a2", Helpful: false, Reason: "没用", At: rated},
		{AnswerID: "a3", Helpful: false, Reason: "没用", At: rated},
		{AnswerID: "a1", Session: "s2", Helpful: false, Reason: "别人的回答", At: rated},
	} {
		s.Feedback(ctx, f)
	}
	if len(pub.data) != 2 {
		t.Fatalf("%d events: %+v", len(pub.data), pub.data)
	}
	e := pub.data[0].(events.FeedbackNegative)
	if e.AnswerID != "a1" || e.SessionID != "s1" || e.Channel != "ws" || !e.Asked.Equal(asked) || !e.Rated.Equal(rated) ||
		e.Question != "居住证怎么办？手机[已隐去]" || e.Answer != "请携带身份证办理 [1]。" || e.Reason != "材料写得不清楚，回电[已隐去]" ||
		len(e.Sources) != 1 || e.Sources[0].DocURL != "/docs/doc-1#p3" || e.Sources[0].Title != "居住证办理指南" || e.Refused {
		t.Errorf("event = %+v", e)
	}
	if r := pub.data[1].(events.FeedbackNegative); !r.Refused || r.RefusalReason != "chitchat" || r.Mode != "refused" || r.Sources == nil {
		t.Errorf("refusal's event = %+v", r)
	}
	// The outbox failing does not lose the feedback.
	pub.fail = true
	if err := s.Feedback(ctx, govchat.Feedback{AnswerID: "a2", Helpful: false, Reason: "还是没用"}); err != nil {
		t.Errorf("feedback failed with its event: %v", err)
	}
	if fb, _ := s.FeedbackOf(ctx, "a2"); len(fb) != 2 {
		t.Errorf("feedback stored = %+v", fb)
	}
}

// txEvents writes each event into a table of the log's own database, in
// the transaction it is given.
type txEvents struct{ fail bool }

func (p *txEvents) Publish(ctx context.Context, tx events.Execer, at time.Time, d events.Data) error {
	if tx == nil {
		return errors.New("no transaction")
	}
	if p.fail {
		return errors.New("outbox unavailable")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO test_events(type) VALUES(?)`, d.EventType())
	return err
}

// With one database for the log and the outbox (PostgreSQL, EventsInTx),
// feedback.negative joins the feedback's transaction: both are stored, or
// neither.
func TestNegativeFeedbackEventInTransaction(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE test_events (type TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		pub := &txEvents{}
		s, err := Open(Config{DB: db, Redact: fakeRedact, Events: pub, EventsInTx: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Record(ctx, govchat.Record{AnswerID: "a1", Session: "s1", Question: "居住证怎么办", Answer: "…"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Feedback(ctx, govchat.Feedback{AnswerID: "a1", Helpful: false, Reason: "不清楚"}); err != nil {
			t.Fatal(err)
		}
		pub.fail = true
		if err := s.Feedback(ctx, govchat.Feedback{AnswerID: "a1", Helpful: false, Reason: "还是不清楚"}); err == nil {
			t.Error("feedback stored without its event")
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_events`).Scan(&n)
		fb, _ := s.FeedbackOf(ctx, "a1")
		if n != 1 || len(fb) != 1 {
			t.Errorf("%d events, %d feedback: want one of each", n, len(fb))
		}
	})
}
