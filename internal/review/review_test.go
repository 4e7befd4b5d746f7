package review

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/govchat/govchat/internal/pgtest"
	"github.com/govchat/govchat/internal/sqldb"
	"github.com/govchat/govchat/internal/sqldb/sqldbtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newStore opens the review list on db; every test runs on SQLite and
// PostgreSQL (sqldbtest.Each): the review list's conformance suite.
func newStore(t *testing.T, db *sqldb.DB) *Store {
	s, err := New(db, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReviewList(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := newStore(t, db)
		ctx := context.Background()
		flag, err := s.Add(ctx, Item{Kind: KindFlag, DocID: "p1", Anchor: "s3", Problem: ProblemOutdated, Note: "已被新文件替代", By: "wang", StaffNo: "1001"})
		if err != nil {
			t.Fatal(err)
		}
		prop, err := s.Add(ctx, Item{Kind: KindProposal, Question: "公积金怎么提取？", Similar: []string{"公积金提取流程"}, Answer: "携带身份证办理。\n第二行", Department: "住房公积金管理中心", Sources: []string{"p1"}, Conversation: "h-1", By: "wang", StaffNo: "1001"})
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx, StatusOpen, 0)
		if err != nil || len(list) != 2 || list[0].ID != prop.ID || list[1].Problem != ProblemOutdated || list[1].Anchor != "s3" {
			t.Fatalf("List = %+v, %v", list, err)
		}
		y, err := list[0].FAQYAML()
		if err != nil {
			t.Fatal(err)
		}
		var back []map[string]any
		if err := yaml.Unmarshal([]byte(y), &back); err != nil || back[0]["question"] != "公积金怎么提取？" || back[0]["answer"] != "携带身份证办理。\n第二行" {
			t.Fatalf("FAQ YAML round trip = %v, %v\n%s", back, err, y)
		}
		if _, err := flag.FAQYAML(); err == nil {
			t.Error("a flag rendered as FAQ")
		}
		got, err := s.Resolve(ctx, flag.ID, StatusAccepted, "boss", "已更新")
		if err != nil || got.Status != StatusAccepted || got.ResolvedBy != "boss" || got.Resolved.IsZero() {
			t.Fatalf("Resolve = %+v, %v", got, err)
		}
		if open, _ := s.List(ctx, StatusOpen, 0); len(open) != 1 {
			t.Errorf("open after resolve = %d", len(open))
		}
		if _, err := s.Resolve(ctx, 999, StatusRejected, "boss", ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("resolve unknown: %v", err)
		}
		if _, err := s.Resolve(ctx, prop.ID, "maybe", "boss", ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("resolve bad status: %v", err)
		}
	})
}

func TestReviewInvalid(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := newStore(t, db)
		bad := []Item{
			{Kind: "x"},
			{Kind: KindFlag, Problem: ProblemWrong},
			{Kind: KindFlag, DocID: "p1", Problem: "bad"},
			{Kind: KindFlag, DocID: "p1", Problem: ProblemWrong, Note: strings.Repeat("长", 2001)},
			{Kind: KindProposal, Question: "", Answer: "a"},
			{Kind: KindProposal, Question: "q", Answer: "\xff"},
			{Kind: KindProposal, Question: "q", Answer: "a", Similar: make([]string, 21)},
		}
		for _, it := range bad {
			if _, err := s.Add(context.Background(), it); !errors.Is(err, ErrInvalid) {
				t.Errorf("Add(%+v) err = %v, want ErrInvalid", it.Kind, err)
			}
		}
	})
}

// TestReviewRedactsProposals: a proposal copied from a conversation keeps no
// 身份证号 or phone number of the caller.
func TestReviewRedactsProposals(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := newStore(t, db)
		ctx := context.Background()
		if _, err := s.Add(ctx, Item{Kind: KindProposal, Question: "我手机13812345678，公积金怎么提取？", Similar: []string{"身份证110101199003078515能提吗"},
			Answer: "请回电13812345678。携带身份证办理。", Note: "来电人 13812345678", By: "wang", StaffNo: "1001"}); err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx, StatusOpen, 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("List = %+v, %v", list, err)
		}
		it := list[0]
		all := it.Question + it.Answer + it.Note + strings.Join(it.Similar, "")
		for _, pii := range []string{"13812345678", "110101199003078515"} {
			if strings.Contains(all, pii) {
				t.Errorf("stored proposal holds %s: %+v", pii, it)
			}
		}
		if !strings.Contains(it.Question, "公积金怎么提取") {
			t.Errorf("question lost its text: %q", it.Question)
		}
	})
}
