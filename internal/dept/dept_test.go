package dept

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
)

func TestBigrams(t *testing.T) {
	tests := []struct{ in, want string }{
		{"公积金提取", "公积 积金 金提 提取"},
		{"办理ＩＤ卡 2024年", "办理 id 卡 2024 年"},
		{"", ""},
		{"!!??", ""},
		{"社保\xff卡", "社保 卡"},
	}
	for _, tt := range tests {
		if got := strings.Join(Bigrams(tt.in), " "); got != tt.want {
			t.Errorf("Bigrams(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func faqs() []*kb.Document {
	return []*kb.Document{
		{ID: "f1", Type: kb.TypeFAQ, Title: "住房公积金怎么提取", Body: "携带身份证到公积金管理中心柜台办理提取。", Department: "住房公积金管理中心"},
		{ID: "f2", Type: kb.TypeFAQ, Title: "公积金贷款额度是多少", Similar: []string{"公积金能贷多少钱"}, Body: "贷款额度根据缴存余额计算。", Department: "住房公积金管理中心"},
		{ID: "f3", Type: kb.TypeFAQ, Title: "驾驶证到期怎么换证", Body: "到车管所或交管12123办理换证。", Department: "交管局"},
		{ID: "f4", Type: kb.TypeFAQ, Title: "机动车违章怎么处理", Body: "通过交管12123处理违章。", Department: "交管局"},
		{ID: "f5", Type: kb.TypeFAQ, Title: "社会保险卡丢了怎么补办", Body: "到社保经办机构补办社保卡。", Department: "人力资源社会保障局"},
		{ID: "f6", Type: kb.TypeFAQ, Title: "没有部门的条目", Body: "不参与投票。"},
	}
}

func TestSuggest(t *testing.T) {
	r, err := New(Config{}, faqs())
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 5 || len(r.Departments()) != 3 {
		t.Fatalf("Len = %d, departments = %v", r.Len(), r.Departments())
	}
	tests := []struct{ q, want string }{
		{"我想提取公积金", "住房公积金管理中心"},
		{"公积金可以贷款多少", "住房公积金管理中心"},
		{"驾驶证过期了换证去哪里", "交管局"},
		{"社保卡丢失如何补办", "人力资源社会保障局"},
	}
	for _, tt := range tests {
		s := r.Suggest(tt.q, 3)
		if len(s) == 0 || s[0].Department != tt.want {
			t.Errorf("Suggest(%q) = %+v, want %s first", tt.q, s, tt.want)
			continue
		}
		if s[0].Score <= 0 || s[0].Score > 1 || len(s[0].Support) == 0 {
			t.Errorf("Suggest(%q) first = %+v", tt.q, s[0])
		}
	}
	if s := r.Suggest("今天天气", 3); len(s) != 0 {
		t.Errorf("unrelated text got %+v", s)
	}
	if s := r.SuggestExcept("我想提取公积金", 3, func(id string) bool { return strings.HasPrefix(id, "f") }); len(s) != 0 {
		t.Errorf("all skipped: got %+v", s)
	}
	if _, err := New(Config{}, []*kb.Document{{ID: "x", Title: "无部门"}}); err != ErrNoDepartments {
		t.Errorf("no departments: err = %v", err)
	}
}

func TestEvaluateExcludesOwnRow(t *testing.T) {
	// Each department's only entry is the question itself: leave-one-out must
	// not find it, so nothing is answered correctly.
	ex := []Example{
		{ID: "a", Question: "公积金提取", Department: "甲"},
		{ID: "b", Question: "驾驶证换证", Department: "乙"},
		{ID: "c", Question: "驾驶证换证", Department: "乙"}, // duplicate text is excluded too
		{ID: "d", Question: "社保卡补办", Department: ""},
	}
	rep, err := Evaluate(Config{}, ex)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scored != 3 || rep.Top1 != 0 || rep.NoAnswer != 3 {
		t.Fatalf("report = %+v", rep)
	}
	ex = append(ex, Example{ID: "e", Question: "公积金怎么提取", Department: "甲"})
	rep, _ = Evaluate(Config{}, ex)
	if rep.Top1 != 0.5 { // a and e find each other; b and c find nothing
		t.Fatalf("report = %+v, want top1 0.5", rep)
	}
}

// evalFile finds ../shared/eval/name relative to the module root.
func evalFile(t testing.TB, name string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "eval", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("evaluation data %s absent; skipping", p)
	}
	return p
}

// TestGovFAQAccuracy reports leave-one-out department accuracy on the real
// Beijing FAQ set (skipped when ../shared/eval is absent).
func TestGovFAQAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	f, err := os.Open(evalFile(t, "govfaq-beijing.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(Config{}, ex)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("govfaq-beijing leave-one-out: scored %d, top-1 %.3f, top-3 %.3f, majority baseline %.3f, no suggestion %d",
		rep.Scored, rep.Top1, rep.Top3, rep.Majority, rep.NoAnswer)
	// A floor well above the majority baseline, so a broken router fails.
	if rep.Top1 < 2*rep.Majority {
		t.Errorf("top-1 %.3f is not above twice the majority baseline %.3f", rep.Top1, rep.Majority)
	}
}
