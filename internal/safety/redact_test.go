package safety

import (
	"strings"
	"testing"
	"unicode"

	"github.com/govchat/govchat/internal/textnorm"
)

// PersonalDataForms are written forms of 身份证号, mobile and landline numbers
// as citizens type them — every separator between digits, half- and
// full-width, mixed, with 86/+86/0086 — each with the token Redact must put
// in its place. Other packages' tests feed them through the whole service
// (redactionForms in cmd/govchat) and check that none survives anywhere.
var PersonalDataForms = []struct{ Form, Token string }{
	// Mobile.
	{"13957246813", RedactedPhone},
	{"139 5724 6813", RedactedPhone},
	{"139-5724-6813", RedactedPhone},
	{"139.5724.6813", RedactedPhone},
	{"1 3 9 5 7 2 4 6 8 1 3", RedactedPhone},
	{"１３９５７２４６８１３", RedactedPhone},
	{"１３９　５７２４　６８１３", RedactedPhone},
	{"139，5724，6813", RedactedPhone},
	{"139·5724·6813", RedactedPhone},
	{"139_5724_6813", RedactedPhone},
	{"139/5724/6813", RedactedPhone},
	{"139—5724—6813", RedactedPhone},
	{"139－5724－6813", RedactedPhone},
	{"139、5724、6813", RedactedPhone},
	{"139．5724．6813", RedactedPhone},
	{"139。5724。6813", RedactedPhone},
	{"139 - 5724 - 6813", RedactedPhone},
	{"1395-724-6813", RedactedPhone},
	{"139 57 24 68 13", RedactedPhone},
	{"1-3-9-5-7-2-4-6-8-1-3", RedactedPhone},
	{"139\u200b5724\u200b6813", RedactedPhone},
	{"139\t5724\t6813", RedactedPhone},
	{"１39 5７24-68１3", RedactedPhone},
	{"139—5724-6813", RedactedPhone},
	{"139 ５７２４．６８１３", RedactedPhone},
	{"+86 139 5724 6813", RedactedPhone},
	{"+8613957246813", RedactedPhone},
	{"0086-139-5724-6813", RedactedPhone},
	{"86 13957246813", RedactedPhone},
	{"(+86) 139 5724 6813", RedactedPhone},
	{"＋８６　１３９５７２４６８１３", RedactedPhone},
	{"013957246813", RedactedPhone},
	// 身份证号.
	{"330203199001015555", RedactedID},
	{"3302 0319 9001 0155 55", RedactedID},
	{"330203 19900101 5555", RedactedID},
	{"330203-1990-0101-5555", RedactedID},
	{"330.203.199.001.015.555", RedactedID},
	{"330 203 199 001 015 555", RedactedID},
	{"３３０２０３１９９００１０１５５５５", RedactedID},
	{"３３０２０３　１９９００１０１　５５５５", RedactedID},
	{"3 3 0 2 0 3 1 9 9 0 0 1 0 1 5 5 5 5", RedactedID},
	{"330203，19900101，5555", RedactedID},
	{"330203_19900101_5555", RedactedID},
	{"330203/1990/0101/5555", RedactedID},
	{"330203·19900101·5555", RedactedID},
	{"330203—19900101—5555", RedactedID},
	{"11010519491231002X", RedactedID},
	{"110105 19491231 002X", RedactedID},
	{"11010519491231002x", RedactedID},
	{"110105-1949-1231-002Ｘ", RedactedID},
	{"330203900101555", RedactedID},
	// Landlines.
	{"0574-87654321", RedactedTel},
	{"0574 8765 4321", RedactedTel},
	{"(0574)87654321", RedactedTel},
	{"（0574）8765-4321", RedactedTel},
	{"0574.8765.4321", RedactedTel},
	{"0574·8765·4321", RedactedTel},
	{"010-62345678", RedactedTel},
	{"010 6234 5678", RedactedTel},
	{"+86 574 8765 4321", RedactedTel},
	{"0086-10-62345678", RedactedTel},
	{"86-0574-87654321", RedactedTel},
	{"０５７４－８７６５４３２１", RedactedTel},
	{"0574—87654321", RedactedTel},
	{"0574／87654321", RedactedTel},
	{"0574_8765_4321", RedactedTel},
	{"0574，87654321", RedactedTel},
}

// TestRedactWrittenForms: every form, inside a sentence, is replaced whole
// by its token, in the text and in its matching key (textnorm.Key, which
// drops the separators and would otherwise rebuild the number).
func TestRedactWrittenForms(t *testing.T) {
	if len(PersonalDataForms) < 60 {
		t.Fatalf("only %d forms", len(PersonalDataForms))
	}
	for _, f := range PersonalDataForms {
		for _, in := range []string{
			"我的号码是" + f.Form + "，请回电。",
			f.Form,
			"请联系" + f.Form,
			"Tel " + f.Form + " thanks",
		} {
			out := Redact(in)
			if strings.ContainsFunc(out, unicode.IsDigit) {
				t.Errorf("Redact(%q) = %q: digits survive", in, out)
				continue
			}
			if !strings.Contains(out, f.Token) {
				t.Errorf("Redact(%q) = %q, want %s", in, out, f.Token)
			}
			if k := Redact(textnorm.Key(out)); strings.ContainsFunc(k, unicode.IsDigit) {
				t.Errorf("key of Redact(%q) = %q: digits survive", in, k)
			}
			if k := Redact(textnorm.Key(in)); strings.ContainsFunc(k, unicode.IsDigit) {
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
		if got := Redact(tc.in); got != tc.want {
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
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
}

// A long run of digits and separators takes linear time.
func BenchmarkRedactLongRun(b *testing.B) {
	s := strings.Repeat("1 ", 4000) + "电话139-5724-6813"
	for b.Loop() {
		if !strings.HasSuffix(Redact(s), RedactedPhone) {
			b.Fatal("not redacted")
		}
	}
}

// Any punctuation or symbol between digits is a separator: the matching key
// drops them all and would rebuild the number.
func TestRedactAnySymbolBetweenDigits(t *testing.T) {
	for _, s := range []string{"138*1234*5678", "138#1234#5678", "138'1234'5678", "138\"1234\"5678", "138+1234+5678", "138★1234★5678", "138：1234：5678"} {
		if got := Redact("电话" + s); got != "电话"+RedactedPhone {
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
		if got := WithoutPersonal(tc.in); got != tc.want {
			t.Errorf("WithoutPersonal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
