// Package learntest is the conformance suite of learn.Store: every
// backend (SQLite in internal/learn, PostgreSQL) runs Run against a fresh,
// empty store.
package learntest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/learn"
)

// Run checks that a store keeps, lists, resolves and forgets evidence as
// learn.Store documents. newStore returns an empty store whose clock (for
// Resolve) reads now.
func Run(t *testing.T, newStore func(t *testing.T, now func() time.Time) learn.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return t0.Add(time.Hour) }

	t.Run("AddList", func(t *testing.T) {
		s := newStore(t, now)
		ev := []govchat.Evidence{
			{Wording: "身份证掉了咋办", EntryID: "e1", Kind: govchat.EvidenceTapHelpful, Session: "s1", AnswerID: "a_1", At: t0.Add(1500 * time.Microsecond)},
			{Wording: "公积金能取吗", EntryID: "e2", Kind: govchat.EvidenceOperatorPush, By: "wang", At: t0.Add(2 * time.Second)},
			{Wording: "身份证丢了咋整", EntryID: "e1", Kind: govchat.EvidenceTapKept, At: t0.Add(2 * time.Second)},
		}
		var ids []int64
		for _, e := range ev {
			id, err := s.Add(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) > 0 && id <= ids[len(ids)-1] {
				t.Fatalf("ids do not increase: %v then %d", ids, id)
			}
			ids = append(ids, id)
		}
		all, err := s.List(ctx, learn.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if got := idsOf(all); !slices.Equal(got, []int64{ids[2], ids[1], ids[0]}) {
			t.Fatalf("list order %v, want most recent first %v", got, []int64{ids[2], ids[1], ids[0]})
		}
		r := all[2]
		if r.Wording != ev[0].Wording || r.EntryID != "e1" || r.Kind != govchat.EvidenceTapHelpful || r.Session != "s1" || r.AnswerID != "a_1" ||
			!r.At.Equal(t0.Add(time.Millisecond)) || r.Status != learn.StatusOpen {
			t.Errorf("stored %+v", r)
		}
		if all[1].By != "wang" {
			t.Errorf("operator lost: %+v", all[1])
		}
		e1, _ := s.List(ctx, learn.Query{EntryID: "e1"})
		if got := idsOf(e1); !slices.Equal(got, []int64{ids[2], ids[0]}) {
			t.Errorf("by entry: %v", got)
		}
		if one, _ := s.List(ctx, learn.Query{Limit: 1}); len(one) != 1 {
			t.Errorf("limit 1: %d", len(one))
		}
		if _, err := s.Add(ctx, govchat.Evidence{EntryID: "e1", Kind: govchat.EvidenceTapKept}); err == nil {
			t.Error("evidence without a wording stored")
		}
	})

	t.Run("Resolve", func(t *testing.T) {
		s := newStore(t, now)
		a, _ := s.Add(ctx, govchat.Evidence{Wording: "身份证掉了咋办", EntryID: "e1", Kind: govchat.EvidenceTapKept, At: t0})
		b, _ := s.Add(ctx, govchat.Evidence{Wording: "身份证丢了咋整", EntryID: "e1", Kind: govchat.EvidenceTapKept, At: t0})
		c, _ := s.Add(ctx, govchat.Evidence{Wording: "公积金能取吗", EntryID: "e2", Kind: govchat.EvidenceTapKept, At: t0})
		n, err := s.Resolve(ctx, []int64{a, b, 999}, learn.StatusApproved, "boss", "身份证掉了咋办")
		if err != nil || n != 2 {
			t.Fatalf("resolve: %d, %v", n, err)
		}
		if n, _ := s.Resolve(ctx, []int64{a}, learn.StatusRejected, "boss", ""); n != 0 {
			t.Errorf("resolved evidence resolved again: %d", n)
		}
		if _, err := s.Resolve(ctx, []int64{c}, "maybe", "boss", ""); !errors.Is(err, learn.ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}
		open, _ := s.List(ctx, learn.Query{Status: learn.StatusOpen})
		if got := idsOf(open); !slices.Equal(got, []int64{c}) {
			t.Errorf("open %v", got)
		}
		done, _ := s.List(ctx, learn.Query{Status: learn.StatusApproved})
		if len(done) != 2 || done[0].ResolvedBy != "boss" || done[0].Note != "身份证掉了咋办" || !done[0].Resolved.Equal(now()) {
			t.Errorf("approved %+v", done)
		}
	})

	t.Run("Forget", func(t *testing.T) {
		s := newStore(t, now)
		s.Add(ctx, govchat.Evidence{Wording: "旧的问法一", EntryID: "e1", Kind: govchat.EvidenceTapKept, At: t0})
		s.Add(ctx, govchat.Evidence{Wording: "新的问法二", EntryID: "e1", Kind: govchat.EvidenceTapKept, At: t0.Add(48 * time.Hour)})
		n, err := s.Forget(ctx, t0.Add(24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("forget: %d, %v", n, err)
		}
		if rest, _ := s.List(ctx, learn.Query{}); len(rest) != 1 || rest[0].Wording != "新的问法二" {
			t.Errorf("left %+v", rest)
		}
	})
}

func idsOf(rs []learn.Record) []int64 {
	out := []int64{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
