package answer

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
)

// Near misses on the shipped knowledge base: questions in the words of the
// seed plan or the 考核办法 that ask for something no entry states are
// refused (with the hotline) rather than answered by a passage that
// matches only the document's title or holds no figure of the kind asked;
// questions those passages do answer are still quoted. The questions are
// from testdata/questions/nearmiss.dev.jsonl and the dev question sets.
func TestNearMissesAreRefused(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, tc := range []struct {
		q, why string
	}{
		{"政务公开要点里说的五公开是哪五个", "title"}, // the plan never names the 五公开
		{"政务公开考核满分多少分", "title"},      // 满分: nowhere in the knowledge base
		{"政务新媒体矩阵一共有多少个账号", "fact"},   // the 矩阵 paragraph gives no number
		{"海曙区政府债务余额有多少亿", "fact"},     // 债务余额 are to be published; no figure is
		{"区政府网站IPv6改造要哪年完成", "fact"},  // no year is set
		{"海曙区政府门户网站网址是啥", "fact"},     // the portal's paragraph gives no address
	} {
		c := consider(t, a, tc.q)
		if c.verdict != verdictRefuse || c.judged == nil || c.judged.unquotable != tc.why {
			t.Errorf("%s: verdict %v, judged %v, want refused (%s)", tc.q, c.verdict, c.judged, tc.why)
		}
		ans := ask(t, a, Request{Question: tc.q})
		if !ans.Refused || !strings.Contains(ans.Text, "12345") || len(ans.Sources) != 0 {
			t.Errorf("%s: not refused with the hotline: %s", tc.q, ans.Text)
		}
	}
	for _, tc := range []struct{ q, quote string }{
		{"政务公开考核的结果在哪能看到", "结果在区政府门户网站公开"},       // 结果: beyond the title
		{"海曙政务公开要点的那篇解读 把内容分成了几块", "工作要点分为四个部分"}, // a figure: 四个
		{"申请政府信息公开要交钱吗", "不收取费用"},                // the aspect's section
		{"信息公开申请要交多少钱", "不收取费用"},                 // 多少 answered by none
		{"政务公开考核一年搞几次", "考核每年开展一次"},              // common words only: 一年
		{"信息公开答复要是拖延 最多能拖多久", "20个工作日"},          // a time limit
		{"区政府网站要升级IPv6吗", "IPv6"},
		{"信息公开申请可以打电话申请吗", "口头提出"},    // a way to apply (流程), not the 咨询 hotline
		{"可以邮寄申请吗", "信件"},             // 邮寄: in 信件
		{"政府信息公开条例是哪年修订的", "2019年修订"}, // the sentence with the year asked, not the plan's 新修订的条例
		{"海曙区为什么要出这个工作要点", "出台背景"},    // a why: the reading's 出台背景 section, not the entry on the issue date
	} {
		ans := ask(t, a, Request{Question: tc.q})
		if ans.Refused || ans.Clarify || !strings.Contains(ans.Text, tc.quote) {
			t.Errorf("%s: want a quote holding %q, got %s", tc.q, tc.quote, ans.Text)
		}
	}
}

func TestLacksFact(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, tc := range []struct {
		q, text string
		lacks   bool
	}{
		{"账号有多少个", "推进政务新媒体矩阵体系建设。", true},
		{"考核多久一次", "考核每年开展一次。", false},
		{"答复要多久", "应当自收到申请之日起20个工作日内予以答复。", false},
		{"哪年完成", "部署IPv6改造工作。", true},
		{"哪年完成", "2020年底前完成。", false},
		{"谁负责解读", "按照谁起草谁解读原则。", false},             // asks for no figure
		{"防洪标准是什么意思", "防洪标准是指防洪设施应具备的防洪能力。", false}, // a meaning, not a number
		{"绑了好几个家人的账户 先扣谁的", "应先使用本人账户资金。", false},   // 好几个: many
		{"几天内给答复", "应当在申请提出的三日内作出决定。", false},       // 三日: a length of time
		{"申请要交多少钱", "行政机关依申请提供政府信息，不收取费用。", false},  // the sum is none
		{"申请要交多少钱", "行政机关依申请提供政府信息。", true},
		{"账号有多少个", "账号不收取费用。", true}, // free, but not what is asked
		// The year a plan was issued is no number of days, nor a length
		// of time; 11个企业 answers 多少家.
		{"批下来以后多少天内要公开", "2019年要及时公开重大建设项目信息，细化公开时限。", true},
		{"批下来以后多少天内要公开", "批准后7天内公开。", false},
		{"工作组进驻了多少家企业", "工作组进驻11个消杀企业。", false},
		{"工作组进驻了多少家企业", "2020年工作组进驻消杀企业。", true},
		{"接待了多少人", "共接待群众300余人。", false}, // an approximate number
		{"有多少家企业复工", "已有3万多家企业复工。", false},
		{"日常监测占多少分", "考核每年开展一次，采用日常监测的方式。", true},
		{"日常监测占多少分", "日常监测占40分。", false},
		{"几分钟能办完", "窗口办理只需10分钟。", false},
		{"一个证书能补多少钱", "拿到证书的第一年可申领一次技能提升补贴。", true}, // 多少钱 wants a sum in 元
		{"一个证书能补多少钱", "每个证书补贴1500元。", false},
		{"一年交多少钱", "每年年检缴纳500元。", false},
		{"公众号上能查到自己自付了多少钱吗", "关注公众号后（1）选择个人医保查询。", false}, // whether one can look it up
		{"养狗一年交多少钱", "办理养犬登记后，请及时对犬只免费接种狂犬病疫苗。", true},    // free, but not the fee asked
		{"办证要交多少钱", "本证免费办理。", false},
		{"办证要交多少钱", "本项业务不收费。", false},
		// Which number to call wants a number, a local one without its
		// area code or a service number too; a call mentioned is no
		// question for one.
		{"有问题打哪个电话咨询", "ETC用户不能获取纸质发票，但可以获取电子发票。", true},
		{"有问题打哪个电话咨询", "咨询：24小时服务热线“87508050”；投诉：全网ETC服务监督热线“95022”。", false},
		{"咨询电话是多少", "可拨打12345政务服务便民热线咨询。", false},
		{"接到电话说我社保卡要冻结 是真的吗", "社保卡不会因电话通知被冻结，请勿转账。", false},
		{"可以打电话申请吗", "申请人可以当面、信函或网上提出申请。", false},
	} {
		r := resultOf(tc.text)
		if got := lacksFact(r, a.focusOf(tc.q, analyze(a, tc.q))); got != tc.lacks {
			t.Errorf("%s / %s: lacksFact %v, want %v", tc.q, tc.text, got, tc.lacks)
		}
	}
}

func consider(t *testing.T, a *Answerer, q string) *consideration {
	t.Helper()
	c, err := a.consider(context.Background(), Request{Question: q})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func resultOf(text string) search.Result {
	return search.Result{Doc: &kb.Document{ID: "d", Title: "示例文件"}, Chunk: kb.Chunk{Text: text}}
}

func analyze(a *Answerer, q string) *search.Response {
	return a.an.Analyze(q)
}

// A FAQ entry that holds no figure of the kind asked is not the answer
// (光彩体育馆啥时候建的 against the entry on its gates): the asker chooses
// or is referred. An entry that holds one, or says there is none, answers;
// so does one whose own question asks for that kind of figure: it was
// written to answer it, in whatever form (什么时候去服务大厅 → 审核通过后).
func TestFAQWithoutTheFactAsked(t *testing.T) {
	shipped := loadKnowledge(t)
	faq := func(id, q, answer string) *kb.Document {
		return &kb.Document{ID: id, Type: kb.TypeFAQ, Title: q, Body: answer}
	}
	for _, tc := range []struct {
		entry   *kb.Document
		q       string
		answers bool
	}{
		{faq("t-gym", "光彩体育馆有几个门？", "光彩体育馆园区有两个门，北门和东门，观众入口在二层。"), "光彩体育馆哪一年建成的", false},
		{faq("t-hall", "企业服务平台上申请已经提交，办理状态为办理中，什么时候去服务大厅？", "审核通过后，平台发送短信通知，申请人按通知携带材料原件到服务大厅领取。"), "在企业服务平台交了申请 一直显示办理中 啥时候去大厅", true},
		{faq("t-gym", "光彩体育馆是哪一年建成的？", "光彩体育馆于1990年建成，由社会各界捐资。"), "光彩体育馆哪一年建成的", true},
		{faq("t-ac", "病房空调费是否有统一的收费起止时间？", "没有统一的收费起止时间。向患者收取费用时应符合项目内涵。"), "病房空调费是从几月开始收", true},
		{faq("t-arb", "仲裁委员会应当在几日内对回避申请作出决定？", "仲裁委员会应当在回避申请提出的三日内作出决定。"), "仲裁委几天内对回避申请作出决定", true},
	} {
		b := kb.NewBase(append(slices.Clone(shipped.Docs), tc.entry), shipped.Dict)
		a := newEvalAnswerer(t, b)
		c := consider(t, a, tc.q)
		if got := c.verdict == verdictAnswer; got != tc.answers || c.judged == nil || c.judged.kind != kindFAQ {
			t.Errorf("%s / %s: verdict %v, judged %v, want answered %v", tc.q, tc.entry.Body, c.verdict, c.judged, tc.answers)
		}
	}
}

func TestLacksAddress(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, tc := range []struct {
		q, text string
		lacks   bool
	}{
		{"区政府门户网站网址是啥", "部署区政府门户网站IPv6。", true},
		{"申报通知的链接发一下", "请从以下网址查询：http://zgcgw.beijing.gov.cn/zgc/index.htm", false},
		{"网址是多少", "登录北京市政务服务网（banshi.beijing.gov.cn）办理。", false},
		{"政府网站域名清理的要求", "抓紧完成政府网站域名集中清理。", false}, // the domain names are the matter, not the answer
		{"网站上能查吗", "可在区政府门户网站查询。", false},
	} {
		r := search.Result{Doc: &kb.Document{ID: "d"}, Chunk: kb.Chunk{Text: tc.text}}
		if got := lacksFact(r, a.focusOf(tc.q, analyze(a, tc.q))); got != tc.lacks {
			t.Errorf("lacksFact(%q, %q) = %v, want %v", tc.q, tc.text, got, tc.lacks)
		}
	}
}

// The places a knowledge base serves are named in its documents' regions
// (宁波市海曙区) or in enough of their metadata; they are the setting of
// every entry, not evidence that one answers.
func TestServedPlaces(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, tc := range []struct {
		term   string
		served bool
	}{
		{"海曙区", true}, {"海曙", true}, {"宁波", true}, {"宁波市", true}, {"浙江", true},
		{"杭州", false}, {"北京", false}, {"区政府", false}, {"社保卡", false}, {"区", false},
	} {
		if got := a.regions.served(tc.term); got != tc.served {
			t.Errorf("served(%s) = %v, want %v", tc.term, got, tc.served)
		}
	}
}

// The places the knowledge base lives in (the region of at least half of its
// documents) are left out of the search: 宁波海曙区怎么申请政府信息公开 is
// answered as 怎么申请政府信息公开 is, not from whatever names 海曙区 in its
// title; a question that names the place and nothing else is refused.
func TestHomePlaces(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, n := range []string{"宁波市海曙区", "海曙区", "海曙", "宁波市", "宁波", "浙江"} {
		if !slices.Contains(a.regions.home, n) && n != "宁波市海曙区" {
			t.Errorf("home places %v lack %s", a.regions.home, n)
		}
	}
	for q, want := range map[string]string{
		"宁波海曙区怎么申请政府信息公开": "怎么申请政府信息公开",
		"海曙区政务公开考核怎么考":    "政务公开考核怎么考",
		"海曙区在哪":           "海曙区在哪", // too little left
		"杭州怎么申请政府信息公开":    "杭州怎么申请政府信息公开",
		"宁波市民卡在哪办":        "市民卡在哪办", // 宁波|市民卡, not 宁波市|民卡
	} {
		if got := a.withoutHome(q); got != want {
			t.Errorf("withoutHome(%s) = %q, want %q", q, got, want)
		}
	}
	for _, tc := range []struct{ withPlace, without string }{
		{"宁波海曙区怎么申请政府信息公开", "怎么申请政府信息公开"},
		{"海曙区政务公开考核怎么考", "政务公开考核怎么考"},
	} {
		got, want := ask(t, a, Request{Question: tc.withPlace}), ask(t, a, Request{Question: tc.without})
		if got.Refused || len(got.Sources) == 0 || len(want.Sources) == 0 || got.Sources[0].ID != want.Sources[0].ID {
			t.Errorf("%s answered from %v, %s from %v", tc.withPlace, got.Sources, tc.without, want.Sources)
		}
	}
	for _, q := range []string{"海曙区在哪", "宁波海曙区", "宁波海曙区的社保卡在哪里办"} {
		if ans := ask(t, a, Request{Question: q}); !ans.Refused {
			t.Errorf("%s (only the place) answered: %s", q, ans.Text)
		}
	}
	for region, want := range map[string][]string{
		"宁波市海曙区": {"宁波市", "海曙区"}, "广州市海珠区": {"广州市", "海珠区"}, "内蒙古自治区呼和浩特市": {"内蒙古自治区", "呼和浩特市"},
	} {
		if got := adminPartRe.FindAllString(region, -1); !slices.Equal(got, want) {
			t.Errorf("parts of %s = %v, want %v", region, got, want)
		}
	}
	// Documents without regions have no home: nothing is left out.
	b := kb.NewBase([]*kb.Document{{ID: "x", Type: kb.TypeFAQ, Title: "北京市社保卡如何补办？", Body: "到银行网点补办。"}}, kb.Dict{})
	if nb := newEvalAnswerer(t, b); len(nb.regions.home) != 0 || nb.withoutHome("北京社保卡怎么补办") != "北京社保卡怎么补办" {
		t.Errorf("home %v without regions", nb.regions.home)
	}
}

// A passage whose document's title shares only a place the knowledge base
// serves with the question (北京 here, served by the documents' issuers, not
// their regions, so nothing is left out of the search) is not quoted.
func TestTitleSharesOnlyThePlace(t *testing.T) {
	docs := []*kb.Document{
		{ID: "plan", Type: kb.TypePolicy, Title: "北京市政务公开工作要点", Issuer: "北京市人民政府办公厅", Body: "一、推进政务公开\n各部门要主动公开政策文件，做好政策解读。"},
		{ID: "card", Type: kb.TypeFAQ, Title: "社保卡丢了怎么补办？", Issuer: "北京市人力资源和社会保障局", Body: "持身份证到银行网点补办。"},
	}
	a := newEvalAnswerer(t, kb.NewBase(docs, kb.Dict{}))
	for q, want := range map[string]bool{
		"北京市政务公开有什么要求":  false, // the title shares 政务公开
		"北京市的社保卡去哪个窗口办": true,  // only 北京市
	} {
		resp, err := a.r.Search(context.Background(), q, search.Options{Limit: 8})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(resp.Results, func(r search.Result) bool { return r.Doc.ID == "plan" })
		if i < 0 {
			t.Fatalf("%s: the plan not found", q)
		}
		if got := a.titleOnly(resp, resp.Results[i], a.focusOf(q, resp)); got != want {
			t.Errorf("titleOnly(%s, plan) = %v, want %v (terms %v)", q, got, want, resp.Terms)
		}
	}
}

// A question for what something means is not answered by a FAQ entry named
// after an aspect of a service (when, how, how much): 政务公开是什么意思 got
// the entry on when the plan was issued. An entry about the thing itself
// still answers.
func TestMeaningIsNotAnAspect(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	c := consider(t, a, "政务公开是什么意思")
	if c.verdict == verdictAnswer || c.judged == nil || c.judged.unquotable != "meaning" {
		t.Errorf("政务公开是什么意思: verdict %v, judged %v", c.verdict, c.judged)
	}
	if ans := ask(t, a, Request{Question: "谁起草谁解读是什么意思"}); ans.Refused || ans.Clarify || !strings.Contains(ans.Text, "谁起草谁解读") {
		t.Errorf("谁起草谁解读是什么意思: %s", ans.Text)
	}
	for q, want := range map[string]bool{
		"政务公开是什么意思": true, "什么叫依申请公开": true, "什么是依申请公开": true,
		"为什么是20个工作日": false, "网址是啥": false, "流程是什么": false,
	} {
		if got := meaningRe.MatchString(q); got != want {
			t.Errorf("meaningRe(%s) = %v, want %v", q, got, want)
		}
	}
}

// A question why (为什么要公开政府信息) is not answered by a FAQ entry named after
// another aspect (the entry on how to apply, on when the plan was issued); a
// why-question finds the entry that asks why (the aspect 原因 of the shipped
// lexicon).
func TestReasonIsNotAnotherAspect(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, q := range []string{"为什么要公开政府信息", "政务公开为啥要做"} {
		c := consider(t, a, q)
		if c.verdict == verdictAnswer || c.judged == nil || c.judged.unquotable != "reason" {
			t.Errorf("%s: verdict %v, judged %v", q, c.verdict, c.judged)
		}
	}
	for _, q := range []string{"矿产资源储量为啥非要登记", "政府把这些东西公开出来到底图个啥呀"} {
		if as := aspectOf(a.base.Dict.Aspects, q); as == nil || as.Name != "原因" {
			t.Errorf("aspect of a why-question %s: %v", q, as)
		}
	}
	// What a thing is for (有啥用) is its purpose: the entry asking 做什么用
	// is named after it, the one on the materials to bring is not.
	f := &focus{aspect: aspectOf(a.base.Dict.Aspects, "买期房 预告登记必须办吗 有啥用")}
	if f.aspect == nil || f.aspect.Name != "原因" {
		t.Fatalf("aspect of 有啥用: %v", f.aspect)
	}
	f.aspectMarks = f.aspect.Mark
	if !f.nameMarks(search.Result{Doc: &kb.Document{Type: kb.TypeFAQ, Title: "预告登记做什么用？是否强制办？"}}) ||
		f.nameMarks(search.Result{Doc: &kb.Document{Type: kb.TypeFAQ, Title: "办理不动产预告登记应提交哪些资料"}}) {
		t.Error("有啥用 is answered by the entry on what it is for, not by the one on materials")
	}
	if !otherAspect(a.base.Dict.Aspects, "怎么申请公开政府信息？", &focus{aspect: aspectOf(a.base.Dict.Aspects, "为啥")}) ||
		otherAspect(a.base.Dict.Aspects, "为什么要进行矿产资源储量登记？", &focus{aspect: aspectOf(a.base.Dict.Aspects, "为啥")}) {
		t.Error("otherAspect: 怎么申请 is another aspect than 原因, 为什么要… is not")
	}
}

// What befell the asker (被拒绝了, 被查封了) is what the question is about: an
// entry or passage that never speaks of it does not answer (政府信息公开申请被
// 拒绝了怎么办 had the entry on how to apply).
func TestSufferedEvent(t *testing.T) {
	for q, want := range map[string]string{
		"政府信息公开申请被拒绝了怎么办":      "拒绝",
		"申请政府信息公开被拒了 能申请行政复议吗": "拒",
		"房子被法院查封了 解封需要啥材料":     "法院查封",
		"被雨水泡过的吃的还能吃吗":         "雨水泡",
		"将会被颁发哪些证书":            "",
		"被评成D级会受哪些限制":          "",
		"公积金怎么提取":              "",
		"对信息公开的答复不服 要找谁":       "不服",
	} {
		if got := suffered(q); got != want {
			t.Errorf("suffered(%q) = %q, want %q", q, got, want)
		}
	}
	a := newEvalAnswerer(t, loadKnowledge(t))
	for _, q := range []string{"政府信息公开申请被拒绝了怎么办", "申请政府信息公开被拒了 能申请行政复议吗", "对信息公开的答复不服 要找谁"} {
		if ans := ask(t, a, Request{Question: q}); !ans.Refused && !ans.Clarify {
			t.Errorf("%s: answered %q", q, ans.Text)
		}
	}
}

// A FAQ entry that shares only the plan's name with the question is not
// quoted when the question names an official term the knowledge base never
// uses: 2019年海曙区要点里说的五公开是什么 is not answered by the entry on
// when the plan was issued.
func TestUnknownOfficialTermIsNotAnswered(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	q := "2019年海曙区要点里说的五公开是什么"
	c := consider(t, a, q)
	if c.verdict == verdictAnswer || c.judged == nil || c.judged.unquotable != "unknown:五公开" {
		t.Errorf("%s: verdict %v, judged %v, want no answer (unknown:五公开)", q, c.verdict, c.judged)
	}
	if ans := ask(t, a, Request{Question: q}); !ans.Refused && !ans.Clarify {
		t.Errorf("%s: answered: %s", q, ans.Text)
	}
	// An official term the knowledge base uses is no reason not to answer.
	if ans := ask(t, a, Request{Question: "2019年海曙区政务公开工作要点是什么时候印发的"}); ans.Refused || ans.Clarify {
		t.Errorf("the entry's own question: refused %v clarify %v", ans.Refused, ans.Clarify)
	}
}

// A question for what a document says (讲了啥) is not answered by the entry
// named after when it was issued; the entry on the matter itself still is.
func TestContentIsNotTheIssueDate(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	q := "海曙区政务公开要点讲了啥"
	if c := consider(t, a, q); c.verdict == verdictAnswer || c.judged == nil || c.judged.unquotable != "content" {
		t.Errorf("%s: verdict %v, judged %v, want no answer (content)", q, c.verdict, c.judged)
	}
	if ans := ask(t, a, Request{Question: "重大建设项目公开的主要内容有哪些"}); ans.Refused || ans.Clarify || !strings.Contains(ans.Text, "批准服务信息") {
		t.Errorf("an entry about the matter asked: refused %v clarify %v: %s", ans.Refused, ans.Clarify, ans.Text)
	}
}

// How far an application has got (办到哪一步了) is an aspect of its own in
// the shipped lexicon, 进度, which marks the entries on looking it up
// (如何查询…办理进度), not the steps of applying (第一步…).
func TestProgressAspect(t *testing.T) {
	aspects := loadKnowledge(t).Dict.Aspects
	for _, q := range []string{"申请交上去了 办到哪一步了在哪查", "卡做好没有在哪看", "审核到哪了"} {
		if as := aspectOf(aspects, q); as == nil || as.Name != "进度" {
			t.Errorf("aspect of %q: %v", q, as)
		}
	}
	f := &focus{aspect: aspectOf(aspects, "办到哪一步了")}
	f.aspectMarks = f.aspect.Mark
	if !f.nameMarks(search.Result{Doc: &kb.Document{Type: kb.TypeFAQ, Title: "如何查询生育服务事项办理进度？"}}) ||
		f.nameMarks(search.Result{Doc: &kb.Document{Type: kb.TypeFAQ, Title: "如何办理一孩生育登记？"}}) {
		t.Error("进度 marks the entry on looking the progress up, not the one on applying")
	}
}

// An entry that asks for the dates of something (北京的汛期日期是什么范围) is
// named after the 时间 aspect a question for a date asks for: another entry
// naming 什么时间 is not put above it.
func TestDateMarksTimeAspect(t *testing.T) {
	aspects := loadKnowledge(t).Dict.Aspects
	f := &focus{aspect: aspectOf(aspects, "北京汛期是从几月几号到几月几号")}
	if f.aspect == nil || f.aspect.Name != "时间" {
		t.Fatalf("aspect %v", f.aspect)
	}
	f.aspectMarks = f.aspect.Mark
	if !f.nameMarks(search.Result{Doc: &kb.Document{Type: kb.TypeFAQ, Title: "什么是汛期？北京的汛期日期是什么范围？"}}) {
		t.Error("日期 does not mark the 时间 aspect")
	}
}

// A question that asks for a number and nothing else (最低工资是每月多少钱),
// whose candidates hold none and were not written to give one, is referred
// rather than offered entries none of which answers it; one candidate that
// holds a sum is offered or quoted; a question that also asks where (在哪
// 里能查到) is offered the candidates as before.
func TestClarifyNeedsTheFigureAsked(t *testing.T) {
	entries := []*kb.Document{
		beijingFAQ("what", "什么是最低工资？", "最低工资是指劳动者在法定工作时间内提供了正常劳动的前提下，用人单位依法应支付的最低劳动报酬。"),
		beijingFAQ("excluded", "哪些收入项目不列入最低工资标准？", "加班工资、夜班津贴、高温津贴以及法律法规规定的劳动者福利待遇不列入最低工资标准。"),
		beijingFAQ("scope", "最低工资标准包括范围？", "最低工资标准包括按国家统计局规定应列入工资总额统计的项目。"),
		beijingFAQ("dog", "养犬登记证丢了怎么办？", "养犬人应当自丢失之日起15日内到原登记机关补办。"),
	}
	a := faqAnswerer(t, entries...)
	q := "北京现在的最低工资是每月多少钱"
	if ans := ask(t, a, Request{Question: q}); !ans.Refused {
		t.Errorf("%s, no candidate holds a sum: clarify %v related %v\n%s", q, ans.Clarify, ans.Related, ans.Text)
	}
	how := "最低工资标准在哪里能查到 每月多少钱"
	if ans := ask(t, a, Request{Question: how}); !ans.Clarify {
		t.Errorf("%s (also asks where): refused %v clarify %v\n%s", how, ans.Refused, ans.Clarify, ans.Text)
	}
	sum := beijingFAQ("sum", "本市最低工资标准调整情况？", "自2023年9月1日起，本市月最低工资标准由2320元调整到2420元。")
	a = faqAnswerer(t, append(entries, sum)...)
	if ans := ask(t, a, Request{Question: q}); !quotesOrOffers(ans, "sum") {
		t.Errorf("%s, one candidate holds a sum: refused %v related %v\n%s", q, ans.Refused, ans.Related, ans.Text)
	}
}

// A question for another year's edition of a dated document (海曙区2020年的
// 政务公开工作要点) is not answered from the 2019 plan; the plan's own year
// asked is answered from it, and so is a year its passage names.
func TestOtherYearNotAnswered(t *testing.T) {
	a := newEvalAnswerer(t, loadKnowledge(t))
	if ans := ask(t, a, Request{Question: "海曙区2020年的政务公开工作要点出来了没"}); !ans.Refused {
		t.Errorf("2020 plan asked, answered from another year: %s", ans.Text)
	}
	for _, q := range []string{"海曙2019年政务公开要点的主线是什么"} {
		if ans := ask(t, a, Request{Question: q}); ans.Refused || len(ans.Sources) == 0 || ans.Sources[0].ID != "haishu-zwgk-2019" && ans.Sources[0].ID != "haishu-zwgk-2019-jiedu" {
			t.Errorf("%s: refused %v sources %v", q, ans.Refused, ans.Sources)
		}
	}
	plan := search.Result{Doc: &kb.Document{ID: "p", Title: "2019年宁波市海曙区政务公开工作要点"}, Chunk: kb.Chunk{Text: "2020年底前完成改造。"}}
	for q, want := range map[string]string{"2020年的要点出来了没": "", "2021年的要点出来了没": "2021年", "要点是哪年的": ""} {
		if got := otherYear(q, plan); got != want {
			t.Errorf("otherYear(%s) = %q, want %q", q, got, want)
		}
	}
}
