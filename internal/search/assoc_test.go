package search_test

import (
	"slices"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/store"
)

// assocDocs: three FAQ entries asked with 找不着 and answered with 挂失, a
// policy that says 挂失 but never 找不着, a policy about 护照 that says
// neither, and entries on other matters (so that 挂失 is not everywhere).
func assocDocs() []*kb.Document {
	return []*kb.Document{
		{ID: "faq-sfz", Type: kb.TypeFAQ, Title: "身份证找不着了怎么办", Body: "携带户口簿到户籍所在地派出所申请挂失并补领居民身份证。"},
		{ID: "faq-hkb", Type: kb.TypeFAQ, Title: "户口本找不着了怎么补", Body: "由户主到派出所申请挂失，补领居民户口簿，当场办结。"},
		{ID: "faq-jsz", Type: kb.TypeFAQ, Title: "驾驶证找不着了要带什么", Body: "本人到车管所申请挂失并补领机动车驾驶证，无需考试。"},
		{ID: "faq-gjj", Type: kb.TypeFAQ, Title: "公积金怎么提取", Body: "购房、租房、退休均可申请提取住房公积金。"},
		{ID: "faq-yb", Type: kb.TypeFAQ, Title: "医保怎么报销", Body: "在定点医疗机构就医直接结算，无需垫付。"},
		{ID: "faq-sb", Type: kb.TypeFAQ, Title: "社保怎么缴纳", Body: "用人单位和职工按月缴纳社会保险费。"},
		{ID: "faq-hz", Type: kb.TypeFAQ, Title: "护照有效期多久", Body: "未满十六周岁的五年，成年人十年。"},
		{ID: "policy-buling", Type: kb.TypePolicy, Title: "出入境证件管理办法", Body: "护照遗失的，持本人身份证明向出入境管理机构申请挂失。"},
		{ID: "policy-qianfa", Type: kb.TypePolicy, Title: "出入境证件签发规范", Body: "护照由出入境管理机构签发，签发时核验申请人身份。"},
	}
}

func assocEngine(t *testing.T, st store.Store, ds []*kb.Document, p search.Params) *search.Engine {
	t.Helper()
	eng, err := search.New(search.Config{Params: p, Now: func() time.Time { return now }}, kb.NewBase(ds, kb.Dict{}), segmenter(t), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func rankOf(r *search.Response, id string) (int, search.Result) {
	for i, x := range r.Results {
		if x.Doc.ID == id {
			return i + 1, x
		}
	}
	return 0, search.Result{}
}

// The knowledge base teaches that questions saying 找不着 are answered by
// texts saying 挂失: a question about 护照 and 找不着 then finds the policy
// that says 挂失 first (without the query expansion it does not), and its
// association score counts 找不着 as accounted for.
func TestLearnedAssociations(t *testing.T) {
	const q = "护照找不着了"
	off := assocEngine(t, memStore(t, ""), assocDocs(), search.Params{AssocWeight: -1})
	sync1(t, off)
	on := assocEngine(t, memStore(t, ""), assocDocs(), search.Params{})
	sync1(t, on)

	rOff := search1(t, off, q, search.Options{Types: []kb.Type{kb.TypePolicy}})
	rOn := search1(t, on, q, search.Options{Types: []kb.Type{kb.TypePolicy}})
	if n, _ := rankOf(rOff, "policy-buling"); n == 1 {
		t.Fatalf("without associations the 挂失 policy already ranks first: %v", ids(rOff))
	}
	n, res := rankOf(rOn, "policy-buling")
	if n != 1 {
		t.Fatalf("with associations: %v, want policy-buling first", ids(rOn))
	}
	_, other := rankOf(rOn, "policy-qianfa")
	if res.Association <= other.Association || res.Association >= 1 || other.Association <= 0 {
		t.Errorf("association: 挂失 policy %.3f, 签发 policy %.3f; want 0 < other < it < 1", res.Association, other.Association)
	}
	// An entry that contains every term of the question accounts for all of it.
	r := search1(t, on, "身份证找不着了怎么办", search.Options{})
	if r.Results[0].Doc.ID != "faq-sfz" || r.Results[0].Association != 1 {
		t.Errorf("exact question: %v, association %.3f", ids(r), r.Results[0].Association)
	}
}

// The associations live with the index: a reopened index gives the same
// ones without segmenting anything, and a changed entry changes them
// incrementally — its chunk alone is encoded again.
func TestLearnedAssociationsPersistAndUpdate(t *testing.T) {
	dir := t.TempDir()
	const q = "护照找不着了"
	st := memStore(t, dir)
	eng := assocEngine(t, st, assocDocs(), search.Params{})
	sync1(t, eng)
	want := search1(t, eng, q, search.Options{Types: []kb.Type{kb.TypePolicy}})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = memStore(t, dir)
	defer st.Close()
	again := assocEngine(t, st, assocDocs(), search.Params{})
	if s := sync1(t, again); s.Encoded != 0 || s.Unchanged != again.Chunks() {
		t.Fatalf("reopened: %+v, want nothing encoded", s)
	}
	got := search1(t, again, q, search.Options{Types: []kb.Type{kb.TypePolicy}})
	if !slices.Equal(ids(got), ids(want)) || got.Results[0].Association != want.Results[0].Association {
		t.Fatalf("reopened: %v (%.3f), first built: %v (%.3f)", ids(got), got.Results[0].Association, ids(want), want.Results[0].Association)
	}

	// Two of the three 找不着 entries lose it: one unit alone no longer
	// shows the association (AssocMinCount 2).
	ds := assocDocs()
	ds[1].Title, ds[2].Title = "户口本遗失怎么办", "驾驶证遗失要带什么"
	changed := assocEngine(t, st, ds, search.Params{})
	if s := sync1(t, changed); s.Encoded != 2 || s.Updated != 2 {
		t.Fatalf("after changing two entries: %+v, want 2 encoded", s)
	}
	r := search1(t, changed, q, search.Options{Types: []kb.Type{kb.TypePolicy}})
	if n, res := rankOf(r, "policy-buling"); n == 1 && res.Association >= want.Results[0].Association {
		t.Errorf("the association outlived its evidence: %v, %.3f", ids(r), res.Association)
	}
	// A similar question added to one entry teaches it back.
	ds[1].Similar = []string{"户口本找不着了"}
	ds[2].Similar = []string{"驾驶证找不着了"}
	back := assocEngine(t, st, ds, search.Params{})
	if s := sync1(t, back); s.Encoded != 2 {
		t.Fatalf("after adding similar questions: %+v", s)
	}
	if n, _ := rankOf(search1(t, back, q, search.Options{Types: []kb.Type{kb.TypePolicy}}), "policy-buling"); n != 1 {
		t.Error("similar questions did not teach the association")
	}
}
