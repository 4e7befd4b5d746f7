package textnorm

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＡＢＣ１２３！", "abc123!"},
		{"Hello　World", "hello world"},
		{"国发〔2019〕5号", "国发[2019]5号"},
		{"国发【2019】5号", "国发[2019]5号"},
		{"（一）“一网通办”", "(一)\"一网通办\""},
		{"a\u200bb\ufeffc", "abc"},
		{"  多个   空格\t\n换行  ", "多个 空格 换行"},
		{"bad\xffutf8", "badutf8"},
		{"电话：１２３４５", "电话:12345"},
		{"如何判断车辆是否为国I国Ⅱ车？", "如何判断车辆是否为国一国二车?"},
		{"国IV、国Ⅴ标准", "国四、国五标准"},
		{"第III类医疗器械", "第三类医疗器械"},
		{"ⅱ级", "二级"},
		{"办VIP卡", "办vip卡"},
		{"用iPhone办", "用iphone办"},
		{"拍X光", "拍x光"},
		{"I am 国iv", "i am 国四"},
		{"", ""},
	}
	for _, tt := range tests {
		got := Normalize(tt.in)
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := Normalize(got); again != got {
			t.Errorf("Normalize not idempotent on %q: %q", got, again)
		}
	}
}

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"傻 逼", "傻逼"},
		{"傻*逼！", "傻逼"},
		{"ＦＵＣＫ you", "fuckyou"},
		{"国发〔2019〕5号", "国发20195号"},
		{"a\u200bb\u00adc\x00", "abc"},
		{"（一）“一网通办”——办事指南・2024", "一一网通办办事指南2024"},
		{"bad\xffutf8\uFFFD", "badutf8"},
		{"", ""},
		// Found by FuzzNormalizeQuestion: the space and punctuation Key drops
		// put the numeral after a Chinese character.
		{"ＢＣ证明\xe6 !\x80\xbf%?I", "bc证明一"},
		{"国i v", "国一五"},
		{"社保卡 vip", "社保卡vip"},
	}
	for _, tt := range tests {
		got := Key(tt.in)
		if got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := Key(got); again != got {
			t.Errorf("Key not idempotent on %q: %q", got, again)
		}
		if Key(Normalize(tt.in)) != got {
			t.Errorf("Key(Normalize(%q)) != Key(%q)", tt.in, tt.in)
		}
	}
}

func TestTidy(t *testing.T) {
	for in, want := range map[string]string{
		"  公积金\n\n怎么\t提取 ": "公积金 怎么 提取",
		"a\u200bb\x00c":    "ab c",
		"":                 "",
	} {
		if got := Tidy(in); got != want {
			t.Errorf("Tidy(%q) = %q, want %q", in, got, want)
		}
	}
}
