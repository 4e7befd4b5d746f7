package answer

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// An extractive answer quotes the sentences that answer the question, not
// whole paragraphs: the question's focus — its key terms, the aspect it
// asks for (费用, 材料 …) and the kind of fact it wants (a number, a date) —
// is looked for sentence by sentence in the passages found, and the best
// sentence is quoted with what continues it, under the heading of its
// section, linked to its paragraph.

// aspectOf returns the aspect q asks for: the one whose asking word found in
// q is longest (earliest on a tie), or nil.
func aspectOf(aspects []kb.Aspect, q string) *kb.Aspect {
	norm := textnorm.Key(q)
	var best *kb.Aspect
	bestLen, bestAt := 0, 0
	for i := range aspects {
		for _, w := range aspects[i].Ask {
			w = textnorm.Key(w)
			at := strings.Index(norm, w)
			if at < 0 {
				continue
			}
			n := utf8.RuneCountInString(w)
			if n > bestLen || n == bestLen && at < bestAt {
				best, bestLen, bestAt = &aspects[i], n, at
			}
		}
	}
	return best
}

// marks reports whether s holds one of the aspect's marking words.
func (f *focus) marks(s string) bool {
	return f.aspect != nil && containsAny(s, f.aspectMarks)
}

// Kinds of fact a question may want.
var (
	// notNumberRe: words that look like a question for a number and are
	// not (好几个家人: many; 防洪标准是什么意思: a meaning).
	notNumberRe  = regexp.MustCompile(`好几|这几|那几|前几|近几|最近几|头几|了几|是什么意思|是啥意思|什么意思|啥意思`)
	asksNumberRe = regexp.MustCompile(`多少|几[个次天年月人项类种条万元岁]|多大|多高|多长|多远|比例|金额|标准是`)
	asksDateRe   = regexp.MustCompile(`哪天|何时|什么时候|啥时候|几号|几月|日期|期限|截止|哪一天|哪一?年|多久`)
	// asksListRe and asksFactRe tell how long an answer is likely to be: a
	// question for several things (有哪些措施, 如何做好) or for one fact
	// (哪家企业, 多少钱, 何时).
	asksListRe = regexp.MustCompile(`哪些|有何|哪几|什么措施|什么举措|举措|措施|如何|怎样|怎么做|做了什么|采取了什么|提出了什么|什么要求|哪几个方面|内容是什么|包括什么`)
	asksFactRe = regexp.MustCompile(`哪家|哪个|哪位|是谁|谁|多少|几[个次天年月人项类种条万元岁]|何时|什么时候|哪天|哪一天|几号|是否|有没有|能不能|可不可以|吗$`)
	// asksHowOftenRe: 多久考核一次 asks how often, not for a date or a
	// time limit.
	asksHowOftenRe = regexp.MustCompile(`(多久|多长时间|多少天|几年|几个月|几天).{0,6}一次`)
	asksPhoneRe    = regexp.MustCompile(`电话|热线|号码|联系方式`)
	phoneRe        = regexp.MustCompile(`[0-9]{3,4}[-－—]?[0-9]{7,8}|1[3-9][0-9]{9}|123[0-9]{2}|96[0-9]{3}`)
	// anyPhoneRe is any telephone number, also a local one without its
	// area code (87508050) or a service number (95022, 400-…): whether a
	// passage gives a number at all (lacksFact).
	anyPhoneRe = regexp.MustCompile(phoneRe.String() + `|9[56][0-9]{3}|400[-－—]?[0-9]{3}[-－—]?[0-9]{4}|(^|[^0-9])[2-8][0-9]{7}([^0-9]|$)|(^|[^0-9])(110|119|120|122|999)([^0-9]|$)`)
	// contactMeansRe: a contact named as the means of doing something
	// (可以打电话申请吗, 能邮件提交吗) in a question whether one may
	// (asksWhetherRe) is not asked for.
	contactMeansRe = regexp.MustCompile(`(电话|邮件|邮箱)(申请|办理|办|预约|报名|提交|提出|挂号|受理|投诉|举报)`)
	asksWhetherRe  = regexp.MustCompile(`吗$|能不能|可不可以|是否|行不行|可以不`)
	asksMailRe     = regexp.MustCompile(`邮箱|邮件|email|e-mail`)
	mailRe         = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	asksWebRe      = regexp.MustCompile(`网站|网址|平台|链接|公众号|app`)
	// asksAddressRe asks for a web address itself (网址是啥, 链接发一下),
	// not about a website (网站上能查吗) or its domain name as a matter
	// (政府网站域名清理的要求): a passage without one does not answer it.
	asksAddressRe = regexp.MustCompile(`网址|网站地址|网页地址|链接是|链接发`)
	// asksAddresseeRe asks to whom a document is sent (its 主送机关): 发给
	// 哪些单位, 谁要照着执行.
	// (Not 补贴发到哪个卡上, nor 哪个部门负责落实: who is responsible.)
	asksAddresseeRe = regexp.MustCompile(`(发|印发|下发|转发)(给|到)了?((哪些|哪几个?|哪个)(单位|部门|机关|地方)|谁)|主送|谁(要|得)(照着|遵照)|(哪些|哪个|什么)(单位|部门|机关)(要|得|需要)(照着|遵照)?执行`)
	// addresseeLineRe is a document's addressee line: organisations
	// separated by 、 or , and ending with a colon, no sentence in it
	// (各镇(乡)人民政府、街道办事处,区政府各部门、各直属单位:).
	addresseeLineRe = regexp.MustCompile(`^[^。；;！!？?]{2,160}(人民政府|办事处|部门|单位|委员会|机关|机构|局|厅|委|办|院|公司|学校|组织)[:：]\s*$`)
	webRe           = regexp.MustCompile(`https?://|www\.|\.gov\.cn|\.com|公众号|(?i:app)|网站|平台`)
	// signatureRe is a document's signature line (issuer and date) or a
	// closing formula: nothing to quote as an answer.
	signatureRe = regexp.MustCompile(`^(?:[^，。；：,;:]{2,60}?\s*)?[0-9０-９一二〇○零]{2,4}年[0-9０-９一二三四五六七八九十]{1,2}月[0-9０-９一二三四五六七八九十]{1,3}日[。\s]*(?:【[^】]{1,8}】\s*)*$|^(特此(通知|通告|公告|函告)|此复)[。！]?$`)
	numberRe    = regexp.MustCompile(`[0-9０-９]|[一二三四五六七八九十百千万两][个次天年月人项类种条万元岁倍%％]|百分之`)
	// moneySumRe is a sum of money: 1000元, 5万元, 三千多块.
	moneySumRe = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百千两]\s*(?:万|亿)?(?:余|多)?(?:元|块)`)
	// asksMoneyRe asks for a sum of money.
	asksMoneyRe = regexp.MustCompile(`多少钱|几块钱|多少元`) // not 几块 (分成几块: parts)
	// asksUnitRe: the measure a question for a number names (多少吨, 几家,
	// 多少万元): a sentence with a number in that measure holds the answer.
	asksUnitRe = regexp.MustCompile(`(?:多少|几)(万|亿)?(平方米|公里|公斤|千克|小时|分钟|[分吨元人家个次天件台辆名所项条只套份箱批倍岁户座张本架艘栋间场期笔例种类])`)
	dateRe     = regexp.MustCompile(`[0-9０-９一二三四五六七八九十]+[年月日]|工作日|之日起|即日起|月底|日前|日内`)
)

// focus is what a question looks for in a passage.
type focus struct {
	p           FocusParams
	terms       []keyTerm
	bigrams     []string
	bigramW     []float64 // weights of bigrams (nil: 1 each); see inDocument
	aspect      *kb.Aspect
	aspectMarks []string
	number      bool           // wants a number
	unit        *regexp.Regexp // a number in the measure asked (432吨 for 多少吨), or nil
	money       bool           // wants a sum of money (多少钱): no length of time answers it
	phone       bool           // wants a telephone number
	mail        bool           // wants an e-mail address
	web         bool           // wants a website, platform or app
	address     bool           // wants a web address itself (网址是啥), not only a website
	addressee   bool           // wants to whom a document is sent (发给哪些单位): its addressee line
	date        bool           // wants a date or a time limit
	defines     string         // what the question asks to be defined (什么是无接触点餐), normalised
	norm        string         // the question, normalised
	want        int            // runes a quote grows to past its best sentence
	list        bool           // asks for several things: never cut a sentence
	// near: set by focusQuotes, the passages of other documents than the
	// one quoted that hold a sentence answering nearly as well; they are
	// offered, not quoted.
	near []int
}

func (a *Answerer) focusOf(q string, resp *search.Response) *focus {
	f := &focus{p: a.cfg.Focus, terms: withQuotedNames(keyTerms(resp), q), bigrams: hanBigrams(textnorm.Key(q))}
	if f.aspect = aspectOf(a.base.Dict.Aspects, q); f.aspect != nil {
		for _, m := range f.aspect.Mark {
			f.aspectMarks = append(f.aspectMarks, textnorm.Key(m))
		}
		// The words that ask for the aspect (交钱, 带啥) are not what the
		// question is about; the aspect's marks stand for them.
		f.terms = slices.DeleteFunc(f.terms, func(k keyTerm) bool { return aspectOfWords(f.aspect, k.t) })
	}
	norm := textnorm.Key(q)
	f.norm = norm
	f.number = asksNumber(norm)
	if f.money = asksMoneyRe.MatchString(norm) && !asksWhetherRe.MatchString(norm); f.money {
		// 多少钱, 几块钱: a sum, in 元 (1000元, 5万元) — not in a question
		// whether (能查到自己自付了多少钱吗 asks whether one can look it up).
		f.unit = moneySumRe
	} else if m := asksUnitRe.FindStringSubmatchIndex(norm); m != nil && !strings.HasSuffix(norm[:m[0]], "哪") { // 哪几项 asks which, not how many
		u := norm[m[4]:m[5]]
		switch {
		case u == "个":
			u = "个|项|家|条" // 几个 is answered in any measure word
		case u == "种" || u == "类":
			u = "大?[种类]|个" // 分几种 is answered by 五大类
		case strings.Contains("家所项条件名户座间台辆只套份张本架艘栋场期笔例批箱", u):
			u += "|个" // 多少家企业 is answered by 11个企业
		}
		// 300余人, 3万多人, 十来家: an approximate number is one too.
		f.unit = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百千两]\s*(?:万|亿)?(?:余|多|来)?(?:` + u + `)`)
	}
	means := norm
	if asksWhetherRe.MatchString(norm) {
		means = contactMeansRe.ReplaceAllString(norm, "") // 可以打电话申请吗 asks whether, not for a number
	}
	f.phone = asksPhoneRe.MatchString(means)
	f.mail = asksMailRe.MatchString(means)
	f.web = asksWebRe.MatchString(norm)
	f.address = asksAddressRe.MatchString(norm)
	f.addressee = asksAddresseeRe.MatchString(norm)
	f.date = asksDateRe.MatchString(norm)
	f.defines = textnorm.Key(defined(askDefRe, q))
	switch {
	case asksListRe.MatchString(norm):
		f.want, f.list = f.p.ListRunes, true
	case asksFactRe.MatchString(norm):
		f.want = f.p.FactRunes
	default:
		f.want = f.p.FocusRunes
	}
	if asksHowOftenRe.MatchString(norm) {
		f.date = false
		if f.aspect != nil && f.aspect.Name == "时间" {
			f.aspect, f.aspectMarks = nil, nil
		}
	}
	return f
}

// asksNumber reports whether the normalised text asks for a number (多少,
// 几个), not merely says a few (好几, 这几天, 交了几年).
func asksNumber(norm string) bool {
	return asksNumberRe.MatchString(notNumberRe.ReplaceAllString(norm, ""))
}

// quotedNameRe is a name the asker puts in quotation marks (“货通证”,
// “不见面招商”): one thing, however the segmenter cuts it.
var quotedNameRe = regexp.MustCompile(`[“"「『‘]([^”"」』’]{2,16})[”"」』’]`)

// withQuotedNames adds to terms the names question q quotes, each weighing
// as much as its heaviest term: a sentence about 货通证 answers 货通证有何用处,
// not one that only shares 上海 and 车辆 with it. A name already a term is
// not added twice.
func withQuotedNames(terms []keyTerm, q string) []keyTerm {
	heaviest := 0.0
	for _, k := range terms {
		heaviest = max(heaviest, k.w)
	}
	if heaviest == 0 {
		heaviest = maxTermWeight
	}
	for _, m := range quotedNameRe.FindAllStringSubmatch(q, -1) {
		n := textnorm.Key(m[1])
		if utf8.RuneCountInString(n) < 2 || slices.ContainsFunc(terms, func(k keyTerm) bool { return k.t == n }) {
			continue
		}
		terms = append(terms, keyTerm{t: n, w: heaviest, forms: []string{n}})
	}
	return terms
}

// carried discounts the terms a follow-up carried over from the previous
// turn (not in asked, the question as asked): they found the document; what
// is quoted from it is chosen by what the follow-up itself asks.
func (f *focus) carried(asked string) *focus {
	norm := textnorm.Key(asked)
	if norm == "" {
		return f
	}
	for i, k := range f.terms {
		if !containsAny(norm, k.forms) {
			f.terms[i].w *= f.p.CarriedWeight
		}
	}
	f.bigrams = hanBigrams(norm)
	return f
}

// hanBigrams are the distinct Han character bigrams of s.
func hanBigrams(s string) []string {
	rs := []rune(s)
	var out []string
	seen := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		if isHan(rs[i]) && isHan(rs[i+1]) {
			b := string(rs[i : i+2])
			if !seen[b] {
				seen[b] = true
				out = append(out, b)
			}
		}
	}
	return out
}

// FocusParams weigh the choice of what to quote (zero fields take
// DefaultFocus). They were tuned on the development splits.
type FocusParams struct {
	CarriedWeight float64 // a term a follow-up carried over from the previous turn, relative to its own
	ContextCredit float64 // a question term not in the sentence but in its passage's title, headings or opening
	BigramMix     float64 // share of the sentence score from character bigrams (the rest from words)
	HeadingAspect float64 // the section's heading is about the aspect asked (五、收费)
	HeadingTopic  float64 // times the share of the question's key terms the section's heading names
	SentAspect    float64 // the sentence is about the aspect asked
	FactBonus     float64 // the sentence holds the kind of fact asked (a number, a date)
	UnitBonus     float64 // … a number in the very measure asked (432吨 for 多少吨)
	RankWeight    float64 // the passage's retrieval score, as a share of the first's
	// WithinDoc: once the best sentence has chosen the document, the
	// sentence quoted is chosen among that document's by terms weighed by
	// how few of its sentences hold them; WithinDoc is how much (1: the
	// weight is the question's times that share; negative: not at all).
	WithinDoc float64
	// EchoRunes: a sentence with at most this many Han characters outside
	// the question's character bigrams only restates what is asked (其中包括，
	// 降低中小企业融资成本。); it is quoted with the sentence after it.
	// Negative: never.
	EchoRunes     int
	OfficialBonus float64 // the passage is of a policy itself (the official text), not a reading of it
	FocusRunes    int     // a quote grows past its best sentence up to this length
	ListRunes     int     // … for a question that asks for several things (哪些, 有何措施, 如何)
	FactRunes     int     // … for a question that asks for one fact (哪家, 多少, 何时)
	// ClauseRunes: a single sentence longer than this, quoted for a
	// question that does not ask for several things, is cut to its clauses
	// that answer (about FocusRunes of them). Negative: never cut.
	ClauseRunes int
	// SecondQuote: a further quote from another part of the same
	// document is added only when its sentence scores at least this share
	// of the best (the documents that answer nearly as well are offered as
	// buttons from 0.92 of it).
	SecondQuote float64
}

// DefaultFocus are the measured defaults.
var DefaultFocus = FocusParams{
	CarriedWeight: 0.3, ContextCredit: 0.7, BigramMix: 0.5, HeadingAspect: 0.25, HeadingTopic: 0.2,
	SentAspect: 0.1, FactBonus: 0.2, UnitBonus: 0.2, RankWeight: 0.3, OfficialBonus: 0.05, FocusRunes: 100, ListRunes: 220, FactRunes: 60,
	ClauseRunes: 140, WithinDoc: 1, EchoRunes: 4, SecondQuote: 0.95,
}

func (p FocusParams) withDefaults() FocusParams {
	d := DefaultFocus
	for _, f := range []struct{ v, def *float64 }{
		{&p.CarriedWeight, &d.CarriedWeight}, {&p.ContextCredit, &d.ContextCredit}, {&p.BigramMix, &d.BigramMix},
		{&p.HeadingAspect, &d.HeadingAspect}, {&p.HeadingTopic, &d.HeadingTopic}, {&p.SentAspect, &d.SentAspect},
		{&p.FactBonus, &d.FactBonus}, {&p.UnitBonus, &d.UnitBonus}, {&p.RankWeight, &d.RankWeight}, {&p.OfficialBonus, &d.OfficialBonus},
		{&p.WithinDoc, &d.WithinDoc}, {&p.SecondQuote, &d.SecondQuote},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *int }{{&p.FocusRunes, &d.FocusRunes}, {&p.ListRunes, &d.ListRunes}, {&p.FactRunes, &d.FactRunes}, {&p.ClauseRunes, &d.ClauseRunes}, {&p.EchoRunes, &d.EchoRunes}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return p
}

// scored is one sentence of a passage with its score.
type scored struct {
	p, i  int // passage and sentence index
	score float64
	// within rates the sentence against the other sentences of its
	// document (inDocument): it chooses the sentence once the document is.
	within float64
	// echo: the sentence only restates what the question asks (其中包括，
	// 降低中小企业融资成本。): it is quoted with the sentence after it.
	echo bool
}

// sentenceScore rates one sentence of a passage for the focus: how much of
// the question's key terms and character bigrams it holds, those it lacks
// but its passage's title, headings or opening name counting for part (the
// passage is about them), with bonuses for the aspect and the kind of fact
// asked.
func (f *focus) sentenceScore(s string, ctx string, headingMarks bool) float64 {
	ns := textnorm.Key(s)
	var got, total float64
	for _, k := range f.terms {
		total += k.w
		switch {
		case containsAny(ns, k.forms) || f.holdsContact(k.t, s):
			got += k.w
		case containsAny(ctx, k.forms):
			got += f.p.ContextCredit * k.w // the passage is about it
		}
	}
	score := 0.0
	if total > 0 {
		score = got / total
	}
	var bg, bt float64
	for i, b := range f.bigrams {
		w := 1.0
		if f.bigramW != nil {
			w = f.bigramW[i]
		}
		bt += w
		switch {
		case strings.Contains(ns, b):
			bg += w
		case strings.Contains(ctx, b):
			bg += f.p.ContextCredit * w
		}
	}
	if bt > 0 {
		score = (1-f.p.BigramMix)*score + f.p.BigramMix*bg/bt
	}
	if headingMarks {
		score += f.p.HeadingAspect
	}
	if f.marks(ns) {
		score += f.p.SentAspect
	}
	if f.unit != nil && f.unit.MatchString(ns) {
		score += f.p.UnitBonus
	}
	switch {
	case f.addressee && addresseeLineRe.MatchString(strings.TrimSpace(s)):
		// The addressee line is the answer to whom a document is sent,
		// however many of the question's words the covering sentence
		// (现印发给你们，请…遵照执行) echoes.
		score += 1
	case f.phone && phoneRe.MatchString(s) || f.mail && mailRe.MatchString(s) || f.address && urlRe.MatchString(s):
		// The very contact asked for (举报邮箱, 服务电话, 网址): as telling
		// as a number in the measure asked.
		score += f.p.UnitBonus
	case f.number && numberRe.MatchString(ns) || f.date && dateRe.MatchString(ns) || f.web && webRe.MatchString(s) || definesIt(ns, f.defines):
		score += f.p.FactBonus
	}
	return score / (1 + float64(utf8.RuneCountInString(s))/800)
}

// definesIt reports whether the normalised sentence ns says what x is:
// “无接触点餐”是指通过…, 所谓X，是…, X即…. x is "" when nothing is asked to
// be defined.
func definesIt(ns, x string) bool {
	if x == "" {
		return false
	}
	i := strings.Index(ns, x)
	if i < 0 {
		return false
	}
	rest := ns[i+len(x):]
	for _, p := range []string{"是指", "指的是", "是一种", "是一项", "就是", "即", "是"} {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return false
}

// holdsContact reports whether a question word that asks for a contact
// (电子邮件, 举报电话, 网址) is answered by s holding one: a sentence giving
// plsyhxxjb@163.com names the e-mail it never calls so.
func (f *focus) holdsContact(word, s string) bool {
	return f.mail && asksMailRe.MatchString(word) && mailRe.MatchString(s) ||
		f.phone && asksPhoneRe.MatchString(word) && phoneRe.MatchString(s) ||
		f.address && asksAddressRe.MatchString(word) && urlRe.MatchString(s)
}

// headingShare is the share of the question's key terms (by weight) that
// the passage's own heading names: a section headed （二）深化公共资源配置信息公开
// is about 公共资源配置.
func (f *focus) headingShare(r search.Result) float64 {
	if len(r.Chunk.Heading) == 0 {
		return 0
	}
	h := textnorm.Key(r.Chunk.Heading[len(r.Chunk.Heading)-1])
	var got, total float64
	for _, k := range f.terms {
		total += k.w
		if containsAny(h, k.forms) {
			got += k.w
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// passageContext is what identifies a passage's document: its title, the
// passage's headings and the document's opening sentence.
func passageContext(r search.Result) string {
	var b strings.Builder
	b.WriteString(r.Doc.Title)
	for _, h := range r.Chunk.Heading {
		b.WriteString("|")
		b.WriteString(h)
	}
	if ss := splitSentences(r.Doc.Body); len(ss) > 0 {
		b.WriteString("|")
		b.WriteString(ss[0].text)
	}
	return textnorm.Key(b.String())
}

// runInTitleRunes: a title this long that opens a sentence is a headline
// run into its lead even with nothing between them (news pages flattened
// to text: 上海宝山出台15项政策细则…记者从…).
const runInTitleRunes = 12

// sentencesOf splits a passage into sentences; a sentence that opens with
// the document's title (a headline run into its lead, as news pages
// flatten them) keeps only what follows the title.
func sentencesOf(r search.Result) []sentence {
	ss := splitSentences(r.Chunk.Text)
	title := strings.TrimSpace(r.Doc.Title)
	if utf8.RuneCountInString(title) < 6 {
		return ss
	}
	cut := strings.ContainsAny(lastRune(title), "。！？!?”」）) ")
	for i, s := range ss {
		rest, ok := strings.CutPrefix(s.text, title)
		if ok && (cut || utf8.RuneCountInString(title) >= runInTitleRunes || strings.ContainsAny(firstRune(rest), " 　，。！？：；,.!?:;")) && strings.Trim(rest, " 　，。！？：；,.!?:;") != "" {
			rest = strings.TrimLeft(rest, " 　，。！？：；,.!?:;")
			ss[i] = sentence{text: rest, start: s.start + len(s.text) - len(rest)}
		}
	}
	return ss
}

// focusQuotes chooses what to quote from results: the best sentence of the
// first passages, with the sentences that continue it up to focusRunes (a
// list it introduces up to budget), and a further quote from another
// passage when one scores nearly as well. Quotes come best first.
//
// own, when not nil, is by passage the length in bytes of its own text
// (see withContinuation; 0: all of it): a quote starts there, and may grow
// into what continues it.
func (f *focus) focusQuotes(results []search.Result, own []int, passages, budget int) []quote {
	var all []scored
	var sents [][]sentence
	docs := map[string]*focus{}
	top := 0.0
	if len(results) > 0 {
		top = results[0].Score
	}
	for p, r := range results[:min(len(results), passages)] {
		ss := sentencesOf(r)
		if p < len(own) && own[p] > 0 && !f.list {
			// Only a question for several things reads on into the rest
			// of a paragraph the chunker cut; what a sentence leading on
			// introduces is read on for any question.
			if k := slices.IndexFunc(ss, func(s sentence) bool { return s.start >= own[p] }); k > 0 && !leadsOn(ss[k-1].text) {
				ss = ss[:k]
			}
		}
		sents = append(sents, ss)
		ctx := passageContext(r)
		f, g := f, f.inDocument(r.Doc, docs)
		if f.addressee && r.Doc.ID != results[0].Doc.ID {
			// The addressee line answers in the document found first,
			// the one asked about, not in another one found with it (f
			// is this passage's focus from here on).
			f, g = f.changed(func(c *focus) { c.addressee = false }), g.changed(func(c *focus) { c.addressee = false })
		}
		headingMarks := len(r.Chunk.Heading) > 0 && f.marks(textnorm.Key(r.Chunk.Heading[len(r.Chunk.Heading)-1]))
		about := f.p.HeadingTopic * f.headingShare(r)
		// The first passage's score is the yardstick (it may have been
		// moved first for the aspect asked, below better-scoring ones).
		prior := 1.0
		if p > 0 && top > 0 {
			prior = min(1, r.Score/top)
		}
		for i, s := range ss {
			if p < len(own) && own[p] > 0 && s.start >= own[p] {
				break // the next chunk's text, there to be grown into
			}
			if strings.TrimRight(s.text, "。") == strings.TrimSpace(r.Doc.Title) || isHeadingSentence(s.text, r.Chunk.Heading) ||
				isSignature(s.text) {
				continue // a title, a run-in heading or a signature says nothing alone
			}
			sc := f.sentenceScore(s.text, ctx, headingMarks)
			if sc <= 0 {
				continue
			}
			if r.Doc.Type == kb.TypePolicy {
				sc += f.p.OfficialBonus
			}
			sc += about
			in := g.sentenceScore(s.text, ctx, headingMarks) + about + f.p.RankWeight*prior
			at := i
			if isQuestionSentence(s.text) {
				// A question the document asks itself (问答, 答记者问): what
				// answers it is what follows.
				if at = i + 1; at >= len(ss) || isQuestionSentence(ss[at].text) {
					continue
				}
			}
			echo := at == i && i+1 < len(ss) && f.echoes(s.text) && !isQuestionSentence(ss[i+1].text)
			all = append(all, scored{p, at, sc + f.p.RankWeight*prior, in, echo})
		}
	}
	if len(all) == 0 {
		return nil
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].score > all[b].score })
	best := all[0]
	if f.p.WithinDoc > 0 {
		// The best sentence chose the document; the sentence quoted is
		// the one that best tells that document's sentences apart.
		for _, c := range all[1:] {
			if results[c.p].Doc.ID == results[best.p].Doc.ID && c.within > best.within {
				best = c
			}
		}
	}
	out := []quote{f.trim(grow(sents[best.p], best.i, f.want, budget, best.echo, f.holdsAsked), passageContext(results[best.p]))}
	used := quoteRunes(out[0])
	said := quoteKey(out[0])
	for _, c := range all[1:] {
		if c.score < 0.92*best.score {
			break
		}
		if c.p == best.p || results[c.p].Doc.ID == results[best.p].Doc.ID && results[c.p].Chunk.ID == results[best.p].Chunk.ID {
			continue
		}
		if results[c.p].Doc.ID != results[best.p].Doc.ID {
			// Another document says it about as well (a notice and the
			// news of it): offered as a button, not quoted after the first.
			if !slices.Contains(f.near, c.p) {
				f.near = append(f.near, c.p)
			}
			continue
		}
		if len(out) > 1 || used >= budget || c.score < f.p.SecondQuote*best.score {
			continue // one further quote at most, about as good as the first
		}
		if k := textnorm.Key(sents[c.p][c.i].text); strings.Contains(said, k) {
			continue // already quoted (chunks that overlap)
		}
		q := f.trim(grow(sents[c.p], c.i, min(f.want, budget-used), budget-used, c.echo, f.holdsAsked), passageContext(results[c.p]))
		q.passage = c.p
		out = append(out, q)
	}
	out[0].passage = best.p
	return out
}

// clauseRe ends a clause inside a sentence.
var clauseRe = regexp.MustCompile(`[，,；;：:]`)

// trim cuts a quote of one long sentence to the clauses that answer: the
// best-scoring clause and its neighbours (those after it first) up to
// FocusRunes. A question that asks for several things keeps its sentence.
func (f *focus) trim(q quote, ctx string) quote {
	if f.list || f.p.ClauseRunes < 0 || len(q.sentences) != 1 {
		return q
	}
	s := q.sentences[0]
	if utf8.RuneCountInString(s.text) <= f.p.ClauseRunes {
		return q
	}
	// Clauses, with their byte offsets in the sentence.
	type clause struct{ from, to int }
	var cs []clause
	from := 0
	for _, loc := range clauseRe.FindAllStringIndex(s.text, -1) {
		cs = append(cs, clause{from, loc[1]})
		from = loc[1]
	}
	if from < len(s.text) {
		cs = append(cs, clause{from, len(s.text)})
	}
	if len(cs) < 2 {
		return q
	}
	best, bestScore := 0, -1.0
	for i, c := range cs {
		if sc := f.sentenceScore(s.text[c.from:c.to], ctx, false); sc > bestScore {
			best, bestScore = i, sc
		}
	}
	lo, hi := best, best
	n := utf8.RuneCountInString(s.text[cs[best].from:cs[best].to])
	for n < f.p.FocusRunes && (lo > 0 || hi < len(cs)-1) {
		if hi < len(cs)-1 {
			hi++
			n += utf8.RuneCountInString(s.text[cs[hi].from:cs[hi].to])
			continue
		}
		lo--
		n += utf8.RuneCountInString(s.text[cs[lo].from:cs[lo].to])
	}
	text := strings.TrimSpace(s.text[cs[lo].from:cs[hi].to])
	start := s.start + cs[lo].from + strings.Index(s.text[cs[lo].from:cs[hi].to], text)
	return quote{passage: q.passage, sentences: []sentence{{text: text, start: start}}, cutBefore: lo > 0, cutAfter: hi < len(cs)-1}
}

// echoes reports whether sentence s holds little besides the question's
// own words: at most EchoRunes of its Han characters are in no character
// bigram of the question.
func (f *focus) echoes(s string) bool {
	if f.p.EchoRunes <= 0 {
		return false
	}
	rs := []rune(textnorm.Key(s))
	covered := make([]bool, len(rs))
	han := 0
	for j := range rs {
		if isHan(rs[j]) {
			han++
		}
		if j+1 < len(rs) && slices.Contains(f.bigrams, string(rs[j:j+2])) {
			covered[j], covered[j+1] = true, true
		}
	}
	left := 0
	for j, r := range rs {
		if isHan(r) && !covered[j] {
			left++
		}
	}
	return han >= 4 && left <= f.p.EchoRunes
}

// isQuestionSentence reports whether s asks a question (ends with ？).
func isQuestionSentence(s string) bool {
	s = strings.TrimRight(strings.TrimSpace(s), "”’」』）)】")
	// 3、网上智能问诊：如何选用口罩？ names an item by the questions it
	// answers; it is not itself a question.
	return (strings.HasSuffix(s, "？") || strings.HasSuffix(s, "?")) && !strings.ContainsAny(s, "：:")
}

func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

func lastRune(s string) string {
	_, n := utf8.DecodeLastRuneInString(s)
	return s[len(s)-n:]
}

// quoteKey is the normalised text of a quote, to tell what it already says.
func quoteKey(q quote) string {
	var b strings.Builder
	for _, s := range q.sentences {
		b.WriteString(textnorm.Key(s.text))
		b.WriteString("|")
	}
	return b.String()
}

func quoteRunes(q quote) int {
	n := 0
	for _, s := range q.sentences {
		n += utf8.RuneCountInString(s.text)
	}
	return n
}

// nameMarks reports whether what names entry r (a FAQ entry's question, a
// passage's heading) is about the aspect: 五、收费 for 费用.
func (f *focus) nameMarks(r search.Result) bool {
	if f.aspect == nil {
		return false
	}
	return f.marks(textnorm.Key(entryName(r))) || aspectOfWords(f.aspect, entryName(r))
}

// aspectOfWords reports whether s asks for aspect a (a FAQ question such as
// 需要交费吗 names its aspect by asking words).
func aspectOfWords(a *kb.Aspect, s string) bool {
	norm := textnorm.Key(s)
	for _, w := range a.Ask {
		if strings.Contains(norm, textnorm.Key(w)) {
			return true
		}
	}
	return false
}

// preferAspect moves first, among the first results, the entry named after
// the aspect the question asks for (the 收费 section of a guide for
// 要交钱吗) when the first result is not about it and that entry shares a
// key term with the question: the right document's section about the
// aspect answers better than another entry on the same matter.
func (f *focus) preferAspect(results []search.Result, known *presence) ([]search.Result, bool) {
	if f.aspect == nil || len(results) < 2 || f.nameMarks(results[0]) {
		return results, false
	}
	// How much of the question's matter an entry's whole document holds.
	cover := func(r search.Result) float64 {
		whole := r
		whole.Chunk = kb.Chunk{Text: r.Doc.Body}
		e := known.evidenceOf("", f.terms, whole, []keyTerm{})
		return e.Title + e.Body + 0.5*e.Partial
	}
	first := cover(results[0])
	for i, r := range results[1:] {
		// Named after the aspect, in a document as much about the
		// question's matter as the first result's.
		if !f.nameMarks(r) || cover(r) < first {
			continue
		}
		out := make([]search.Result, 0, len(results))
		out = append(out, r)
		out = append(out, results[:i+1]...)
		out = append(out, results[i+2:]...)
		return out, true
	}
	return results, false
}

// changed returns a copy of f changed by change.
func (f *focus) changed(change func(*focus)) *focus {
	c := *f
	change(&c)
	return &c
}

// inDocument returns the focus with the question's terms and bigrams
// weighed by how well they tell the sentences of doc apart: a word in most
// of its sentences (the news item's headline words) says little about which
// sentence answers, a word in one of them says a lot (an inverse sentence
// frequency within the document, as BM25 over its sentences). docs caches
// the result by document.
func (f *focus) inDocument(doc *kb.Document, docs map[string]*focus) *focus {
	if doc == nil || f.p.WithinDoc <= 0 {
		return f
	}
	if g, ok := docs[doc.ID]; ok {
		return g
	}
	var keys []string
	for _, s := range splitSentences(doc.Body) {
		keys = append(keys, textnorm.Key(s.text))
	}
	n := float64(len(keys))
	idf := func(has func(string) bool) float64 {
		df := 0.0
		for _, k := range keys {
			if has(k) {
				df++
			}
		}
		// Scaled to [0, 1]: 1 for a word in no sentence or one, towards 0
		// for a word in every sentence.
		v := math.Log(1 + (n-df+0.5)/(df+0.5))
		top := math.Log(1 + (n-0.5)/1.5)
		if top <= 0 {
			return 1
		}
		return min(1, v/top)
	}
	mix := func(x float64) float64 { return 1 - f.p.WithinDoc + f.p.WithinDoc*x }
	g := *f
	g.terms = slices.Clone(f.terms)
	for i, k := range g.terms {
		g.terms[i].w = k.w * mix(idf(func(s string) bool { return containsAny(s, k.forms) }))
	}
	g.bigramW = make([]float64, len(f.bigrams))
	for i, b := range f.bigrams {
		w := 1.0
		if f.bigramW != nil {
			w = f.bigramW[i]
		}
		g.bigramW[i] = w * mix(idf(func(s string) bool { return strings.Contains(s, b) }))
	}
	docs[doc.ID] = &g
	return &g
}

// holdsAsked reports whether text holds a fact of the kind the question asks
// for: a number or a date, or a length of time for either; false when the
// question asks for none.
func (f *focus) holdsAsked(text string) bool {
	if !f.number && !f.date {
		return false
	}
	n := textnorm.Key(text)
	return durationRe.MatchString(n) || f.number && numberRe.MatchString(n) || f.date && dateRe.MatchString(n)
}
