package learn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/textnorm"
)

// Proposal is a proposed similar question (相似问) for a FAQ entry: the
// open evidence that one wording, or wordings that differ only a little,
// ask for the entry.
type Proposal struct {
	ID       string `json:"id"` // entry id and a hash of the wording's key
	EntryID  string `json:"entry_id"`
	Question string `json:"question"` // the entry's standard question
	// Wording is the proposed similar question: the group's most frequent
	// wording (the latest among equals).
	Wording string `json:"wording"`
	// Wordings are the group's distinct wordings as typed (redacted), most
	// frequent first, at most ten.
	Wordings []string       `json:"wordings"`
	Count    int            `json:"count"`
	Kinds    map[string]int `json:"kinds"`
	// Score weighs the evidence by kind: 👍 after a tap and an operator's
	// push 1, an operator's copy 0.8, a tap kept without 👍 0.5.
	Score    float64   `json:"score"`
	Evidence []int64   `json:"evidence"` // ids, for approving or rejecting the group
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// kindWeight is how much a piece of evidence of each kind counts.
var kindWeight = map[string]float64{
	govchat.EvidenceTapHelpful:   1,
	govchat.EvidenceOperatorPush: 1,
	govchat.EvidenceOperatorCopy: 0.8,
	govchat.EvidenceTapKept:      0.5,
}

// groupSimilarity is the character-bigram Jaccard similarity at which two
// wordings of one entry join a group (身份证丢了咋办 and 身份证丢了咋整).
const groupSimilarity = 0.6

// Group turns open evidence into proposals, strongest first: per entry,
// wordings with the same matching key, and those at least 0.6 alike, form
// one proposal. Evidence for entries that no longer exist, or whose entry
// already has the wording, is left out.
func Group(records []Record, entries Entries) []Proposal {
	type cluster struct {
		key   string
		bg    map[string]bool
		recs  []Record
		count map[string]int
	}
	byEntry := map[string][]*cluster{}
	var order []string
	recs := slices.Clone(records)
	slices.SortFunc(recs, func(a, b Record) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	known := map[string]Entry{}
	for _, r := range recs {
		if r.Status != StatusOpen && r.Status != "" {
			continue
		}
		e, ok := known[r.EntryID]
		if !ok {
			if e, ok = entries(r.EntryID); !ok {
				continue
			}
			known[r.EntryID] = e
		}
		if Knows(e, r.Wording) {
			continue
		}
		key := textnorm.Key(r.Wording)
		bg := bigrams(key)
		cs := byEntry[r.EntryID]
		if cs == nil {
			order = append(order, r.EntryID)
		}
		var c *cluster
		for _, x := range cs {
			if x.key == key || jaccard(x.bg, bg) >= groupSimilarity {
				c = x
				break
			}
		}
		if c == nil {
			c = &cluster{key: key, bg: bg, count: map[string]int{}}
			byEntry[r.EntryID] = append(cs, c)
		}
		c.recs = append(c.recs, r)
		c.count[r.Wording]++
	}
	var out []Proposal
	for _, id := range order {
		e := known[id]
		for _, c := range byEntry[id] {
			p := Proposal{EntryID: id, Question: e.Question, Kinds: map[string]int{}, Count: len(c.recs),
				First: c.recs[0].At, Last: c.recs[len(c.recs)-1].At}
			h := fnv.New64a()
			h.Write([]byte(c.key))
			p.ID = fmt.Sprintf("%s#%016x", id, h.Sum64())
			latest := map[string]time.Time{}
			for _, r := range c.recs {
				p.Kinds[r.Kind]++
				p.Score += kindWeight[r.Kind]
				p.Evidence = append(p.Evidence, r.ID)
				latest[r.Wording] = r.At
			}
			for w := range c.count {
				p.Wordings = append(p.Wordings, w)
			}
			slices.SortFunc(p.Wordings, func(a, b string) int {
				return cmp.Or(cmp.Compare(c.count[b], c.count[a]), latest[b].Compare(latest[a]), cmp.Compare(a, b))
			})
			p.Wording = p.Wordings[0]
			p.Wordings = p.Wordings[:min(len(p.Wordings), 10)]
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Proposal) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), b.Last.Compare(a.Last), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Reviewer is the knowledge office's side: the proposals, and approving
// (the wording is written into the entry's similar questions, then the
// knowledge base is reloaded) or rejecting them.
type Reviewer struct {
	Store   Store
	Entries Entries
	Redact  func(string) string
	// Write adds an approved wording to its entry's similar questions and
	// brings what is served from the knowledge files up to date, reporting
	// whether it reloaded (serve writes under the lock of every other write
	// to the knowledge files, then reloads). Nil: knowledge.AddSimilar on
	// the entry's file and nothing reloaded, as on the command line, which
	// indexes afterwards. knowledge.ErrSimilarExists: the entry has it.
	Write func(ctx context.Context, e Entry, wording string) (reloaded bool, err error)
	mu    sync.Mutex
}

// Errors of a review.
var (
	ErrNoEvidence = errors.New("learn: no open evidence among the ids for that entry")
	ErrWording    = fmt.Errorf("learn: a similar question is %d to %d characters, on one line, without personal data", MinWording, MaxWording)
	ErrNoFile     = errors.New("learn: the entry is not in a FAQ file this service can edit")
)

// Proposals returns the open proposals, strongest first.
func (r *Reviewer) Proposals(ctx context.Context) ([]Proposal, error) {
	recs, err := r.Store.List(ctx, Query{Status: StatusOpen})
	if err != nil {
		return nil, err
	}
	return Group(recs, r.Entries), nil
}

// Decision approves or rejects one proposal: the entry, the evidence ids
// the proposal listed, and for an approval the wording to write (the
// proposal's, or the reviewer's correction of it).
type Decision struct {
	EntryID  string  `json:"entry_id"`
	Evidence []int64 `json:"evidence"`
	Status   Status  `json:"status"`
	Wording  string  `json:"wording,omitempty"`
	Note     string  `json:"note,omitempty"`
}

// Outcome is what a decision did.
type Outcome struct {
	Status   Status `json:"status"`
	Resolved int    `json:"resolved"`          // pieces of evidence resolved
	Wording  string `json:"wording,omitempty"` // written into the entry (approved)
	File     string `json:"file,omitempty"`    // the FAQ file written
	// Existed: the entry already had the wording (nothing was written).
	Existed  bool `json:"existed,omitempty"`
	Reloaded bool `json:"reloaded"`
}

// Decide carries out a decision by the reviewer named by.
func (r *Reviewer) Decide(ctx context.Context, d Decision, by string) (Outcome, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	open, err := r.Store.List(ctx, Query{Status: StatusOpen, EntryID: d.EntryID})
	if err != nil {
		return Outcome{}, err
	}
	var ids []int64
	for _, rec := range open {
		if slices.Contains(d.Evidence, rec.ID) {
			ids = append(ids, rec.ID)
		}
	}
	if len(ids) == 0 {
		return Outcome{}, ErrNoEvidence
	}
	out := Outcome{Status: d.Status}
	switch d.Status {
	case StatusRejected:
		out.Resolved, err = r.Store.Resolve(ctx, ids, StatusRejected, by, d.Note)
		return out, err
	case StatusApproved:
	default:
		return Outcome{}, fmt.Errorf("%w: status %q (want approved or rejected)", ErrInvalid, d.Status)
	}
	w := textnorm.Tidy(d.Wording)
	if n := len([]rune(w)); n < MinWording || n > MaxWording || r.Redact(w) != w {
		return Outcome{}, ErrWording
	}
	e, ok := r.Entries(d.EntryID)
	if !ok || e.Path == "" {
		return Outcome{}, ErrNoFile
	}
	write := r.Write
	if write == nil {
		write = func(_ context.Context, e Entry, w string) (bool, error) {
			return false, knowledge.AddSimilar(e.Path, e.ID, w)
		}
	}
	reloaded, err := write(ctx, e, w)
	switch {
	case errors.Is(err, knowledge.ErrSimilarExists):
		out.Existed = true
	case err != nil:
		return Outcome{}, err
	default:
		out.File, out.Reloaded = e.Path, reloaded
	}
	out.Wording = w
	if out.Resolved, err = r.Store.Resolve(ctx, ids, StatusApproved, by, w); err != nil {
		return out, err
	}
	return out, nil
}
