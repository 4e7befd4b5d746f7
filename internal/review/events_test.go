package review

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/events"
	"github.com/govchat/govchat/internal/sqlite"
)

type published struct {
	data []events.Data
	fail bool
}

func (p *published) Publish(ctx context.Context, tx events.Execer, at time.Time, d events.Data) error {
	if tx == nil {
		return errors.New("no transaction")
	}
	if p.fail {
		return errors.New("event store down")
	}
	p.data = append(p.data, d)
	return nil
}

// Accepting an item publishes review.approved once, in its transaction.
func TestApprovedEvent(t *testing.T) {
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pub := &published{}
	s, err := New(db, func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) }, pub)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	flag, _ := s.Add(ctx, Item{Kind: KindFlag, DocID: "p1", Anchor: "s3", Problem: ProblemOutdated, Note: "已被新文件替代", By: "wang", StaffNo: "1001"})
	prop, _ := s.Add(ctx, Item{Kind: KindProposal, Question: "公积金怎么提取？", Answer: "携带身份证办理。", Department: "住房公积金管理中心", Sources: []string{"p1"}, By: "wang", StaffNo: "1001"})

	if _, err := s.Resolve(ctx, prop.ID, StatusRejected, "boss", "重复"); err != nil || len(pub.data) != 0 {
		t.Fatalf("a rejection published %v (%v)", pub.data, err)
	}
	if _, err := s.Resolve(ctx, flag.ID, StatusAccepted, "boss", "已更新"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, flag.ID, StatusAccepted, "boss", "再次确认"); err != nil {
		t.Fatal(err)
	}
	if len(pub.data) != 1 {
		t.Fatalf("accepting twice published %d events", len(pub.data))
	}
	e := pub.data[0].(events.ReviewApproved)
	if e.ItemID != flag.ID || e.Kind != "flag" || e.DocURL != "/docs/p1#s3" || e.Problem != "outdated" || e.ProblemLabel != "内容过时" ||
		e.StaffNo != "1001" || e.ApprovedBy != "boss" || e.Resolution != "已更新" || e.Approved.IsZero() || e.Note != "已被新文件替代" {
		t.Errorf("event = %+v", e)
	}
	// A rejected proposal accepted later; the event store failing keeps it
	// as it was.
	pub.fail = true
	if _, err := s.Resolve(ctx, prop.ID, StatusAccepted, "boss", ""); err == nil {
		t.Fatal("accepted without its event")
	}
	if it, _ := s.Get(ctx, prop.ID); it.Status != StatusRejected {
		t.Errorf("status after a failed event = %s", it.Status)
	}
	pub.fail = false
	if _, err := s.Resolve(ctx, prop.ID, StatusAccepted, "boss", ""); err != nil {
		t.Fatal(err)
	}
	if p, ok := pub.data[1].(events.ReviewApproved); !ok || p.Kind != "proposal" || p.Question != "公积金怎么提取？" || p.Department != "住房公积金管理中心" || p.DocURL != "" {
		t.Errorf("proposal event = %+v", pub.data[1])
	}
	if _, err := s.Resolve(ctx, 9999, StatusAccepted, "boss", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}
}
