package zh

import "testing"

func TestCollapseANotA(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"三公经费公不公开", "三公经费公开"},
		{"三公经费公开不公开", "三公经费公开"},
		{"办这个收不收费", "办这个收费"},
		{"要不要带户口本", "要 带户口本"},
		{"贷款逾期会不会上征信", "贷款逾期会 上征信"},
		{"材料交没交上去", "材料交上去"},
		{"这样算不算违规", "这样算违规"},
		{"时间来不来得及", "时间来得及"},
		// Not the form: the characters around 不 differ, or there is no stem.
		{"不得不承认", "不得不承认"},
		{"不公开的信息", "不公开的信息"},
		{"依申请公开不收费", "依申请公开不收费"},
		{"不不", "不不"},
		{"有没有补贴", "有补贴"},
		{"ab不ab", "ab不ab"},
		{"", ""},
	} {
		if got := collapseANotA(tc.in); got != tc.want {
			t.Errorf("collapseANotA(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
