package govchat

import "testing"

func TestDissatisfied(t *testing.T) {
	for _, q := range []string{"不对", "不对！", "不是", "不是这个", "答非所问", "你说的不对", "这个回答没用", "看不懂", "不是我要问的", "完全不对啊", "胡说八道"} {
		if !Dissatisfied(q) {
			t.Errorf("%q: not taken for a complaint about the answer", q)
		}
	}
	for _, q := range []string{"不对外公开的信息能申请吗", "不是本市户口能办吗", "对", "看不懂的材料找谁", "没用完的公积金怎么办", "", "谢谢"} {
		if Dissatisfied(q) {
			t.Errorf("%q: taken for a complaint about the answer", q)
		}
	}
}
