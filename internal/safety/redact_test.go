package safety_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/safety/safetytest"
	"github.com/govchat/govchat/internal/textnorm"
)

// TestRedactWrittenForms: every form, inside a sentence, is replaced whole
// by its token, in the text and in its matching key (textnorm.Key, which
// drops the separators and would otherwise rebuild the number).
func TestRedactWrittenForms(t *testing.T) {
	if len(safetytest.Forms) < 60 {
		t.Fatalf("only %d forms", len(safetytest.Forms))
	}
	for _, f := range safetytest.Forms {
		for _, in := range []string{
			"我的号码是" + f.Form + "，请回电。",
			f.Form,
			"请联系" + f.Form,
			"Tel " + f.Form + " thanks",
		} {
			out := safety.Redact(in)
			if strings.ContainsFunc(out, unicode.IsDigit) {
				t.Errorf("Redact(%q) = %q: digits survive", in, out)
				continue
			}
			if !strings.Contains(out, f.Token) {
				t.Errorf("Redact(%q) = %q, want %s", in, out, f.Token)
			}
			if k := safety.Redact(textnorm.Key(out)); strings.ContainsFunc(k, unicode.IsDigit) {
				t.Errorf("key of safety.Redact(%q) = %q: digits survive", in, k)
			}
			if k := safety.Redact(textnorm.Key(in)); strings.ContainsFunc(k, unicode.IsDigit) {
				t.Errorf("Redact(Key(%q)) = %q: digits survive", in, k)
			}
		}
	}
}

func TestRedactSeveralNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"身份证330203199001015555，手机139 5724 6813", "身份证[身份证号]，手机[手机号]"},
		{"13957246813 13857246813", "[手机号] [手机号]"},
		{"电话0574-87654321转123", "电话[电话号码]转123"},
		{"我家电话87654321", "我家电话[电话号码]"},
		{"座机：8765 4321", "座机：[电话号码]"},
		{"（0574）8765-4321", "[电话号码]"},
		{"电话（13957246813）", "电话（[手机号]）"},
		{"+86(574)87654321", "[电话号码]"},
	} {
		if got := safety.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Numbers that are not personal data stay as they are.
func TestRedactLeavesOtherNumbers(t *testing.T) {
	for _, s := range []string{
		"国办发〔2017〕97号", "拨打12345热线", "2019-06-19 13:00", "2019.06.19", "2019年6月19日，邮编315000",
		"补贴1,000,000元", "第1、2、3条", "订单号2381234567890123456", "12138123456789", "1 2 3 4 5 6 7 8 9 10 11",
		"浙政办发〔2019〕32号", "面积120.5平方米", "0.5%", "3/4", "第13 14 15 16 17 18条", "2024-2025学年",
		"社保卡号码是什么", "电话12345", "共8765人",
	} {
		if got := safety.Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
}

// A long run of digits and separators takes linear time.
func BenchmarkRedactLongRun(b *testing.B) {
	s := strings.Repeat("1 ", 4000) + "电话139-5724-6813"
	for b.Loop() {
		if !strings.HasSuffix(safety.Redact(s), safety.RedactedPhone) {
			b.Fatal("not redacted")
		}
	}
}

// Any punctuation or symbol between digits is a separator: the matching key
// drops them all and would rebuild the number.
func TestRedactAnySymbolBetweenDigits(t *testing.T) {
	for _, s := range []string{"138*1234*5678", "138#1234#5678", "138'1234'5678", "138\"1234\"5678", "138+1234+5678", "138★1234★5678", "138：1234：5678"} {
		if got := safety.Redact("电话" + s); got != "电话"+safety.RedactedPhone {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}

func TestWithoutPersonal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"我的身份证号是330203199001011234，电话13812345678，想问社保", "， ，想问社保"},
		{"居住证怎么办 手机号：139 5724 6813", "居住证怎么办"},
		{"居住证怎么办", "居住证怎么办"},
		{"13812345678", ""},
	} {
		if got := safety.WithoutPersonal(tc.in); got != tc.want {
			t.Errorf("WithoutPersonal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
