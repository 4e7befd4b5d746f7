package answer

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// Scope heuristics run on textnorm.Key'd questions (lower case, no spaces
// or punctuation). They decide before retrieval, and without a model, that a
// question is not a policy question.

// greetingWords may make up a whole message that carries no question.
var greetingRe = regexp.MustCompile(`^(你好|您好|你们好|大家好|hi|hello|嗨|哈喽|哈啰|在吗|在不在|有人吗|有人在吗|喂|早上好|上午好|中午好|下午好|晚上好|早安|午安|晚安|早|谢谢|谢谢你|谢谢您|谢啦|多谢|感谢|非常感谢|十分感谢|好的|好吧|好|嗯|嗯嗯|哦|噢|ok|okay|再见|拜拜|88|辛苦了|辛苦|没事了|没事|知道了|明白了|懂了|收到|了解了|行|可以|对|是的|不是|不用了|算了|哈哈|呵呵|嘿嘿|请问|咨询|机器人|小助手|助手|客服|亲|老师|同志|工作人员|回我一下|回我|理我|理理我|说话|回复|快回复|啊|呀|吧|呢|哈|啦|嘛)+$`)

// handoffAskedRe is a message that asks for a person and nothing else
// (转人工, 我要找人工客服, 人工): the clients start the handoff for it; the
// reply says how.
var handoffAskedRe = regexp.MustCompile(`^(我|我要|我想|我需要|请|请帮我|麻烦|帮我|给我|能不能|可以)*(转|转接|找|接|联系|要|叫|呼叫)?(人工客服|人工服务|人工坐席|人工|真人客服|真人|在线客服|客服人员|客服)(服务)?(吧|谢谢|可以吗|好吗|行吗|在吗|呢)*$`)

// closingRe marks a greeting that acknowledges or closes the conversation
// (好的, 知道了, 再见): the reply says so rather than introducing the
// assistant again (as for thanks: 谢谢, 辛苦了).
var closingRe = regexp.MustCompile(`再见|拜拜|88|没事|不用了|算了|知道了|明白了|懂了|收到|了解了|好的|好吧|^好$|^嗯+$|^ok|^行$|^可以$|^对$|^是的$`)

// chitchatRe are small talk and questions about the assistant itself.
var chitchatRe = regexp.MustCompile(`你是谁|你叫什么|你的名字|你有名字|你有没有名字|你是哪里人|你来自哪|你住在哪|你是机器人|你是不是机器人|你是真人|你是人吗|你是不是人|你是人工智能|你是ai|你是什么模型|你用的什么模型|你是gpt|你几岁|你多大了|你今年多大|你是男|你是女|你结婚|你有对象|你喜欢|你爱我|我爱你|我喜欢你|做我女朋友|做我男朋友|嫁给我|你吃饭了|吃了吗|你真笨|你好笨|你好蠢|你真蠢|你真棒|你好厉害|你真聪明|你会不会聊天|陪我聊|陪我玩|聊聊天|聊天吧|我们聊|和我聊|我好无聊|好无聊|讲个笑话|讲笑话|说个笑话|讲个故事|讲故事|唱首歌|唱个歌|唱歌给我|写一首诗|写首诗|作一首诗|对个对联|猜谜|脑筋急转弯|绕口令|你会做什么|你能做什么|你能干什么|你会干什么|你有什么用|你心情|你开心吗|你累吗|你睡觉|你在干嘛|你在干什么|晚上吃什么|中午吃什么|吃什么好|` +
	`你(会|会不会|能不能|有没有|有|是不是|也|也会|还)?(累|饿|困|睡觉|做梦|生气|难过|伤心|开心|高兴|孤单|寂寞|无聊|想我|喜欢我|爱我|感情|情绪|男朋友|女朋友|对象)`)

// offTopicRe are requests outside government affairs: general knowledge,
// homework, writing and coding tasks, entertainment, finance tips, fortune.
// Weather is today's forecast (天气怎么样), not what to do in a kind of
// weather (雾霾天气如何选择口罩, 高温天气如何防暑).
var offTopicRe = regexp.MustCompile(`(今天|明天|后天|这几天|周末|现在|最近)(的)?天气|(^|[^霾温雨雪风寒冷热劣端灾雷雾])天气(怎么样|如何|好吗|好不好|预报$|预报(怎么说|说什么|说了啥|是什么|是啥))|(查|看|播报)(一下)?天气预报|几点了|今天星期几|今天几号|今天是几号|` +
	`(今天|明天|后天|今晚|明早|这几天|周末|现在|待会|等会|下午|晚上).{0,4}(会|要|还|能)?下(雨|雪)|下不下(雨|雪)|(会|要)下(雨|雪)(吗|么|嘛)|(今天|明天|后天|这几天|周末|现在)的?(气温|温度)|要带伞|带伞吗|` +
	`股票|炒股|基金推荐|买什么基金|基金(会|能)涨|比特币|炒币|虚拟币(会|能)?涨|彩票|双色球|大乐透|中奖号码|` +
	`星座|算命|算一卦|运势|生辰八字|风水|塔罗|` +
	`推荐.{0,8}(电影|电视剧|综艺|小说|歌曲|歌|餐厅|饭店|美食|游戏|旅游景点|手机|电脑|化妆品)|好看的(电影|电视剧|小说)|` +
	`帮我翻译|翻译一下|翻译成|把.{1,40}(翻|译)成(英文|英语|中文|日文|日语|韩文|韩语|法语|德语|俄语|外语|外文)|用英语怎么说|英文怎么说|` +
	`(帮我|给我|替我|请你|请)写.{0,10}(代码|程序|脚本|作文|论文|周报|日报|总结|小说|文案|情书|检讨|演讲稿|诗|范文|请假条|简历|求职信|邮件|祝福语)|写(一段|一个|个|段)(代码|程序|脚本)|python|java|sql|` +
	`数学题|等于几|等于多少|解方程|` +
	`菜谱|怎么做(菜|饭|红烧肉|蛋糕)|红烧肉|减肥|健身计划|护肤|口红|` +
	`世界杯|nba|欧冠|明星|八卦|绯闻|娱乐圈|电竞|王者荣耀|原神|` +
	`量子力学|相对论|黑洞|恐龙|外星人|宇宙的|人生的意义|活着的意义`)

// harmfulIntentRe asks how to do something.
var harmfulIntentRe = regexp.MustCompile(`怎么|怎样|如何|咋|教我|教教我|告诉我|有什么办法|有啥办法|有没有办法|有什么方法|方法|办法|技巧|秘籍|攻略|帮我|能不能|可不可以|可以吗|行不行|能否`)

// harmfulActRe are acts no government assistant helps with.
var harmfulActRe = regexp.MustCompile(`冒领|冒名领取|多领|重复领取|假的?(房产证|不动产权证|证件|证明|学历|发票|公章|印章|结婚证|离婚证|身份证|驾照|驾驶证|户口本|营业执照|合同|病历)|做假证|造假证|骗取|骗保|骗补|骗低保|骗贷|骗钱|骗过|套取|套现|伪造|造假|做假|作假|弄虚作假|假证明|假材料|假发票|假公章|假离婚|假结婚|假学历|冒用|冒名|冒充|顶替|偷税|逃税|漏税|偷逃|逃避(缴纳|社保|税|处罚|检查|监管)|隐瞒收入|虚报|虚开|行贿|贿赂|送礼.{0,4}(插队|通过|审批)|走后门|托关系|找关系|插队摇号|黑进|入侵|破解|盗取|窃取|盗号|偷拍|跟踪(某人|他人|别人)|查(到|询|出)?(别人|他人)的?(身份证|住址|地址|手机号|电话|开房|行踪|户籍)|人肉|买卖个人信息|出售个人信息|倒卖个人信息|贩卖个人信息|买卖公民信息|报复|炸掉|炸毁|炸药|炸弹|爆炸物|不被(发现|查到|查出|抓到|抓住|拍到|拍|察觉|识破)|(躲过|逃过|绕过|避开)(检查|监控|电子眼|摄像头|测速|审核|审查|系统|限制|监管)|` +
	`(弄到|搞到|获取|拿到|买到|查到|盗用|偷用|套用)(别人|他人|陌生人|某人|邻居|同事)的?(身份证|身份证号|身份信息|个人信息|手机号|电话|住址|地址|银行卡|账号|密码|照片|社保卡|医保卡)|` +
	`(用|使用|借用|冒用|拿)(别人|他人|陌生人)的?(医保卡|社保卡|身份证|驾驶证|银行卡|账号)|` +
	`套牌|假车牌|假牌照|遮挡号牌|污损号牌|窃听|毒死|投毒|下毒|杀人|杀死|弄死|打死|砍人|纵火|放火|绑架|拐卖|贩毒|制毒|吸毒|赌博|洗钱|非法集资|传销`)

// harmfulExemptRe marks a question about consequences, reporting or being a
// victim, which is a legitimate question.
var harmfulExemptRe = regexp.MustCompile(`举报|投诉|处罚|惩罚|罚款|后果|法律责任|责任|判几年|判刑|坐牢|违法吗|违法么|是否违法|合法吗|算不算|属于|怎么处理|如何处理|怎么办|被骗|受骗|上当|被盗|被冒用|被冒名|被顶替|被人|被偷|有人|对方|陌生人|骗子|防范|防止|识别|预防|打击|整治|监管|查处|认定|追回|挽回|报警|是什么|什么是|定义|标准|规定`)

// selfHarmRe are signs that the asker may be in danger.
var selfHarmRe = regexp.MustCompile(`自杀|轻生|不想活|活不下去|想死|去死|跳楼|割腕|结束(自己的)?生命|了结自己`)

// classify returns the refusal reason for a question that is out of scope
// before retrieval, or "" when it may be answered. norm is the normalised
// question.
func (a *Answerer) classify(q string) (reason, detail string) {
	if reason, detail := a.unsafe(q); reason != "" {
		return reason, detail
	}
	return a.outOfScope(q)
}

// outOfScope is classify without the safety checks (unsafe), for a
// question that passed them.
func (a *Answerer) outOfScope(q string) (reason, detail string) {
	norm := textnorm.Key(q)
	if norm == "" {
		return ReasonChitchat, "empty"
	}
	if handoffAskedRe.MatchString(norm) {
		return ReasonChitchat, "handoff"
	}
	if greetingRe.MatchString(norm) {
		if strings.ContainsAny(norm, "谢辛") {
			return ReasonChitchat, "thanks"
		}
		if closingRe.MatchString(norm) {
			return ReasonChitchat, "closing"
		}
		return ReasonChitchat, "greeting"
	}
	rest := stripGreeting(norm)
	if m := chitchatRe.FindString(rest); m != "" {
		return ReasonChitchat, m
	}
	if m := offTopicRe.FindString(rest); m != "" && !a.titles.names(m) && !a.titles.names(offTopicSubject[m]) && (!administrativeRe.MatchString(rest) || taskRe.MatchString(m)) {
		return ReasonOutOfScope, m
	}
	if notChinese(q) {
		return ReasonOutOfScope, "language"
	}
	if place, ok := a.regions.otherRegion(norm); ok {
		return ReasonOutOfScope, "region:" + place
	}
	return "", ""
}

// offTopicSubject names the subject an off-topic word is a kind of: where
// the office keeps entries on 彩票, a question on 大乐透 is one for them.
var offTopicSubject = map[string]string{"双色球": "彩票", "大乐透": "彩票", "中奖号码": "彩票", "炒股": "股票"}

// administrativeRe is an act of government a question about an off-topic
// subject may ask about (自己厂里做的护肤品 上市前要备案吗: cosmetics are
// filed with the regulator; 彩票中奖了要交税吗): the question is then one
// for the knowledge base, which answers it or not.
var administrativeRe = regexp.MustCompile(`备案|审批|许可|执照|资质|登记|罚款|处罚|违法|监管|投诉|举报|交税|缴税|纳税|补贴|政策规定`)

// taskRe is a task in offTopicRe's match (translating, writing, coding,
// computing): refused whatever it is about.
var taskRe = regexp.MustCompile(`翻译|翻成|译成|写|代码|程序|脚本|python|java|sql|数学题|等于|方程|英语|英文`)

// titleText holds the knowledge base's entry names (titles and similar
// questions, textnorm.Key'd), to tell a subject the office chose to answer
// from one outside government affairs.
type titleText struct {
	text string // one entry per line, its names separated by tabs
	// questions maps the key (textnorm.Key) of each FAQ entry's question
	// and similar questions to the entries that ask it.
	questions map[string][]*kb.Document
	// titles maps the key of each other document's title (without
	// 【示例】) to the documents with that title.
	titles map[string][]*kb.Document
}

// minExactRunes is the shortest question matched by its words alone.
const minExactRunes = 4

func newTitleText(base *kb.Base) *titleText {
	var b strings.Builder
	t := &titleText{questions: map[string][]*kb.Document{}, titles: map[string][]*kb.Document{}}
	for _, d := range base.Docs {
		if k := textnorm.Key(strings.TrimPrefix(d.Title, "【示例】")); d.Type != kb.TypeFAQ && utf8.RuneCountInString(k) >= minExactRunes {
			t.titles[k] = append(t.titles[k], d)
		}
		for _, s := range append([]string{d.Title}, d.Similar...) {
			k := textnorm.Key(s)
			b.WriteString(k)
			b.WriteByte('\t')
			if d.Type == kb.TypeFAQ && utf8.RuneCountInString(k) >= minExactRunes && !slices.Contains(t.questions[k], d) {
				t.questions[k] = append(t.questions[k], d)
			}
		}
		b.WriteByte('\n')
	}
	t.text = b.String()
	return t
}

// document returns the one document (policy, interpretation, guide) whose
// title q is, word for word, or nil: none, or several (editions) share it.
// A document no longer in force counts: asked by its title, it is told so.
func (t *titleText) document(q string) *kb.Document {
	if t == nil {
		return nil
	}
	if ds := t.titles[textnorm.Key(strings.TrimPrefix(strings.TrimSpace(q), "【示例】"))]; len(ds) == 1 {
		return ds[0]
	}
	return nil
}

// exact returns the one FAQ entry in force (or any, with expired) whose
// question or similar question q is, word for word (punctuation and spaces
// aside), or nil: none, or several ask it.
func (t *titleText) exact(q string, now time.Time, expired bool) *kb.Document {
	if t == nil {
		return nil
	}
	var found *kb.Document
	for _, d := range t.questions[textnorm.Key(q)] {
		if !expired && d.Expired(now) {
			continue
		}
		if found != nil {
			return nil
		}
		found = d
	}
	return found
}

// names reports whether at least two entries name w in their title or a
// similar question: an office that keeps FAQ entries on 体育彩票 serves
// questions about 彩票, though most knowledge bases do not. Mentions in a
// body do not count (外文材料需翻译 does not make 翻译 a service).
func (t *titleText) names(w string) bool {
	return w != "" && t.countNaming([]keyTerm{{t: w, forms: []string{w}}}, 2) >= 2
}

// unsafe returns the refusal reason for a question that must not be
// answered whatever it asks for — self-harm, a sensitive word, a prompt
// injection, a harmful act — or "": classify's first checks, which a tapped
// button or an entry's own words (considerChosen) go through too.
func (a *Answerer) unsafe(q string) (reason, detail string) {
	norm := textnorm.Key(q)
	if selfHarmRe.MatchString(norm) && !harmfulExemptRe.MatchString(norm) {
		return ReasonHarmful, "self_harm"
	}
	if w, ok := a.filter.Contains(q); ok {
		return ReasonSensitive, w
	}
	if name, ok := safety.DetectInjection(q); ok {
		return ReasonInjection, name
	}
	if harmfulActRe.MatchString(norm) && harmfulIntentRe.MatchString(norm) && !harmfulExemptRe.MatchString(norm) {
		return ReasonHarmful, harmfulActRe.FindString(norm)
	}
	return "", ""
}

// latinWordRe is a word in a Latin script.
var latinWordRe = regexp.MustCompile(`\p{Latin}{2,}`)

// notChinese reports whether a question is written in another language: no
// Chinese character and at least three Latin words (How do I apply for …).
// A bare code or name (ETC, app) is not a language.
func notChinese(q string) bool {
	for _, r := range q {
		if unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return len(latinWordRe.FindAllString(q, 4)) >= 3
}

// otherPlace returns the place of a refusal for another region (classify's
// out_of_scope with detail region:X), "" for any other outcome. Such a
// question is still searched: the knowledge base may hold something about
// that place after all.
func otherPlace(reason, detail string) string {
	if reason != ReasonOutOfScope {
		return ""
	}
	p, _ := strings.CutPrefix(detail, "region:")
	if p == detail {
		return ""
	}
	return p
}

// mentionsPlace reports whether a result is about a place: its document
// (title, questions, issuer, headings or text — anywhere, not only in the
// passage found: a hospital's notice that cites 天津市卫健委 in its opening
// is 天津's) names it, and it is not a document for another region (a
// Beijing FAQ that mentions 广州 in passing is about Beijing; a national
// document without a region that names 海南 is about 海南 too).
func mentionsPlace(r search.Result, place string) bool {
	if r.Doc.Region != "" && !strings.Contains(r.Doc.Region, place) {
		return false
	}
	return strings.Contains(r.Doc.Region+"\n"+r.Doc.Title+"\n"+r.Doc.Issuer+"\n"+strings.Join(r.Doc.Similar, "\n")+"\n"+r.Chunk.HeadingPath()+"\n"+r.Chunk.Text+"\n"+r.Doc.Body, place)
}

// stripGreeting removes leading greetings (你好，请问…) from a normalised
// question.
var greetingPrefixRe = regexp.MustCompile(`^(你好|您好|你们好|hi|hello|嗨|哈喽|在吗|在不在|有人吗|早上好|上午好|下午好|晚上好|请问|麻烦问一下|问一下|打扰一下|咨询一下|同志|老师|亲)+`)

func stripGreeting(norm string) string { return greetingPrefixRe.ReplaceAllString(norm, "") }

// regionScope knows which places the knowledge base serves.
type regionScope struct {
	covered map[string]bool // gazetteer names the knowledge base covers
	names   []string        // all gazetteer names, longest first
	regions []string        // the documents' regions (宁波市海曙区), distinct
	// home are the names of the places at least half of the documents'
	// regions name (宁波市, 宁波, 海曙区, 海曙, 浙江), longest first: where
	// the knowledge base lives.
	home []string
}

// gazetteer maps provincial-level regions and major cities to their
// province ("" for a provincial-level region).
var gazetteer = map[string]string{
	"北京": "", "天津": "", "上海": "", "重庆": "", "河北": "", "山西": "", "内蒙古": "", "辽宁": "", "吉林": "",
	"黑龙江": "", "江苏": "", "浙江": "", "安徽": "", "福建": "", "江西": "", "山东": "", "河南": "", "湖北": "",
	"湖南": "", "广东": "", "广西": "", "海南": "", "四川": "", "贵州": "", "云南": "", "西藏": "", "陕西": "",
	"甘肃": "", "青海": "", "宁夏": "", "新疆": "", "香港": "", "澳门": "", "台湾": "",
	"石家庄": "河北", "唐山": "河北", "保定": "河北", "廊坊": "河北", "邯郸": "河北", "雄安": "河北", "太原": "山西", "大同": "山西",
	"呼和浩特": "内蒙古", "包头": "内蒙古", "沈阳": "辽宁", "大连": "辽宁", "长春": "吉林", "哈尔滨": "黑龙江",
	"南京": "江苏", "苏州": "江苏", "无锡": "江苏", "常州": "江苏", "南通": "江苏", "徐州": "江苏", "扬州": "江苏",
	"杭州": "浙江", "宁波": "浙江", "温州": "浙江", "绍兴": "浙江", "嘉兴": "浙江", "金华": "浙江", "台州": "浙江",
	"湖州": "浙江", "舟山": "浙江", "丽水": "浙江", "衢州": "浙江", "义乌": "浙江",
	"合肥": "安徽", "芜湖": "安徽", "福州": "福建", "厦门": "福建", "泉州": "福建", "南昌": "江西", "赣州": "江西",
	"济南": "山东", "青岛": "山东", "烟台": "山东", "潍坊": "山东", "临沂": "山东", "郑州": "河南", "洛阳": "河南",
	"武汉": "湖北", "宜昌": "湖北", "襄阳": "湖北", "长沙": "湖南", "株洲": "湖南",
	"广州": "广东", "深圳": "广东", "东莞": "广东", "佛山": "广东", "珠海": "广东", "汕头": "广东", "惠州": "广东",
	"南宁": "广西", "柳州": "广西", "桂林": "广西", "海口": "海南", "三亚": "海南",
	"成都": "四川", "绵阳": "四川", "贵阳": "贵州", "遵义": "贵州", "昆明": "云南", "大理": "云南", "拉萨": "西藏",
	"西安": "陕西", "咸阳": "陕西", "兰州": "甘肃", "西宁": "青海", "银川": "宁夏", "乌鲁木齐": "新疆",
}

// originCueRe follows or precedes a place when the asker comes from there
// (我是河北人, 上海户口, 从广州转过来), which is a local question.
var originCueAfterRe = regexp.MustCompile(`^(省|市)?(人$|人[^才口员民力事工]|户口|户籍|籍|居民|老家|来的|过来|来京|来沪|来甬|转|迁|回来|那边转|社保转|公积金转|的户口|的户籍|生源|高校|毕业|(的)?(车|车辆|牌照|车牌|号牌|牌子|牌的|牌车))`)
var originCueBeforeRe = regexp.MustCompile(`(从|由|离开|来自|回|户口在|户籍在|老家在|老家是)$`)
var migrationRe = regexp.MustCompile(`转过来|转回来|转回|转来|转到这|转到本|转入本|转进来|迁过来|迁回|迁入本|迁来|调过来|来京|回京|来沪|来甬|到这边|在本市|来本市|外地户口|外省户口|非本市户籍`)

func newRegionScope(base *kb.Base, extra []string) *regionScope {
	rs := &regionScope{covered: map[string]bool{}}
	for n := range gazetteer {
		rs.names = append(rs.names, n)
	}
	// Longest first, so 内蒙古 wins over shorter overlaps.
	sortByLenDesc(rs.names)
	count := map[string]int{}
	docs := 0
	if base != nil {
		for _, d := range base.Docs {
			docs++
			text := d.Region + " " + d.Issuer + " " + d.Department + " " + d.Title
			for _, n := range rs.names {
				if strings.Contains(text, n) {
					count[n]++
				}
			}
		}
	}
	// A place is served when a document's region names it, or when it occurs
	// in at least 2% of the entries' metadata (a Beijing FAQ mentioning 天津
	// once does not make the service cover 天津).
	threshold := max(1, docs/50)
	if base != nil {
		for _, d := range base.Docs {
			if d.Region != "" && !slices.Contains(rs.regions, d.Region) {
				rs.regions = append(rs.regions, d.Region)
			}
			for _, n := range rs.names {
				if d.Region != "" && strings.Contains(d.Region, n) {
					rs.covered[n] = true
				}
			}
		}
	}
	for n, c := range count {
		if c >= threshold {
			rs.covered[n] = true
		}
	}
	for _, r := range extra {
		for _, n := range rs.names {
			if strings.Contains(r, n) {
				rs.covered[n] = true
			}
		}
	}
	for n := range rs.covered {
		if p := gazetteer[n]; p != "" {
			rs.covered[p] = true
		}
	}
	rs.home = homePlaces(base)
	return rs
}

// adminSuffixes end the names of administrative divisions, longest first.
var adminSuffixes = []string{"自治区", "自治州", "特别行政区", "省", "市", "区", "县"}

// adminPartRe cuts a region into its administrative parts: 宁波市海曙区 →
// 宁波市, 海曙区; 广州市海珠区 → 广州市, 海珠区 (州 ends a part only as 自治州).
var adminPartRe = regexp.MustCompile(`\p{Han}+?(?:自治区|自治州|特别行政区|省|市|区|县|旗|盟)`)

// homePlaces are the names of the places that the regions of at least half
// of base's documents name, with their short forms (海曙 for 海曙区) and the
// province of a city the gazetteer knows: none when the documents have no
// regions, or places of their own.
func homePlaces(base *kb.Base) []string {
	if base == nil || len(base.Docs) == 0 {
		return nil
	}
	count := map[string]int{}
	for _, d := range base.Docs {
		seen := map[string]bool{}
		for _, part := range adminPartRe.FindAllString(d.Region, -1) {
			if !seen[part] {
				seen[part] = true
				count[part]++
			}
		}
	}
	var home []string
	add := func(n string) {
		if utf8.RuneCountInString(n) >= 2 && !slices.Contains(home, n) {
			home = append(home, n)
		}
	}
	for part, c := range count {
		if 2*c < len(base.Docs) {
			continue
		}
		add(part)
		short := part
		for _, suffix := range adminSuffixes {
			if rest, ok := strings.CutSuffix(part, suffix); ok {
				short = rest
				break
			}
		}
		add(short)
		if p := gazetteer[short]; p != "" {
			add(p)
			add(p + "省")
		}
	}
	sortByLenDesc(home)
	return home
}

// onlyPlace reports whether the question's terms (two or more runes, topic
// terms) name the places the knowledge base serves and nothing else.
func (a *Answerer) onlyPlace(resp *search.Response) bool {
	place := false
	for _, t := range resp.Terms {
		n := textnorm.Key(t)
		if utf8.RuneCountInString(n) < 2 || !isTopicTerm(n) || genericTerms[n] {
			continue
		}
		if !a.regions.served(n) {
			return false
		}
		place = true
	}
	return place
}

// withoutHome is question q without the names of the places the knowledge
// base lives in (宁波海曙区怎么申请政府信息公开 → 怎么申请政府信息公开), for
// the search: such a name is in the title of many of its documents and
// would find them for any question that names it. q itself is returned
// when too little would be left (海曙区在哪).
//
// With an analyzer, only the names the question's segmentation has as words
// are left out: 宁波市民卡 is 宁波 and 市民卡, not 宁波市 and 民卡.
func (a *Answerer) withoutHome(q string) string { return withoutHome(a.regions, a.an, q) }

// HomeStripper returns withoutHome for base as the answers use it, for other
// searches of the same knowledge base (the operators' look-up): 海曙区社保卡在
// 哪里办 is searched as 社保卡在哪里办 on a 海曙区 knowledge base. r segments
// questions as it searches them (search.Engine); without it, names are
// removed wherever they occur.
func HomeStripper(base *kb.Base, r search.Retriever) func(string) string {
	rs := newRegionScope(base, nil)
	an, _ := r.(analyzer)
	return func(q string) string { return withoutHome(rs, an, q) }
}

func withoutHome(rs *regionScope, an analyzer, q string) string {
	if rs == nil || len(rs.home) == 0 {
		return q
	}
	names := slices.DeleteFunc(slices.Clone(rs.home), func(n string) bool { return !strings.Contains(q, n) })
	if len(names) == 0 {
		return q // most questions: no segmentation needed
	}
	if an != nil {
		terms := an.Analyze(q).Terms
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(terms, n) })
	}
	out := q
	for _, n := range names {
		out = strings.ReplaceAll(out, n, " ")
	}
	if out == q {
		return q
	}
	han := 0
	for _, r := range out {
		if isHan(r) {
			han++
		}
	}
	if han < 4 {
		return q
	}
	return strings.Join(strings.Fields(out), " ")
}

func sortByLenDesc(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && (len(s[j]) > len(s[j-1]) || len(s[j]) == len(s[j-1]) && s[j] < s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// otherRegion reports a place the question is about that the knowledge base
// does not serve: the question names at least one known place, none of them
// served, and nothing says the asker moves from there to here.
func (rs *regionScope) otherRegion(norm string) (string, bool) {
	if len(rs.covered) == 0 {
		return "", false
	}
	var other string
	for i := 0; i < len(norm); {
		n := rs.placeAt(norm[i:])
		if n == "" {
			i++
			continue
		}
		if rs.covered[n] {
			return "", false
		}
		if originCueAfterRe.MatchString(norm[i+len(n):]) || originCueBeforeRe.MatchString(norm[:i]) {
			return "", false
		}
		if other == "" {
			other = n
		}
		i += len(n)
	}
	if other == "" || migrationRe.MatchString(norm) {
		return "", false
	}
	return other, true
}

// served reports whether term t names a place the knowledge base serves
// (海曙区, 宁波市, 北京 for a Beijing knowledge base): every document is
// about it, so it tells nothing about what is asked.
func (rs *regionScope) served(t string) bool {
	if rs == nil || utf8.RuneCountInString(t) < 2 {
		return false
	}
	if rs.covered[t] {
		return true
	}
	for _, suffix := range adminSuffixes {
		if rest, ok := strings.CutSuffix(t, suffix); ok && utf8.RuneCountInString(rest) >= 2 && rs.covered[rest] {
			return true
		}
	}
	for _, r := range rs.regions {
		if strings.Contains(r, t) {
			return true
		}
	}
	return false
}

// topicSupport is the topic support of the question's terms
// (topicIndex.support), the places the knowledge base serves left out: 宁波
// 海曙区 in 宁波海曙区的社保卡在哪里办 are in every document of a 海曙区
// knowledge base and support no answer about 社保卡.
func (a *Answerer) topicSupport(resp *search.Response) (float64, []string) {
	terms := slices.DeleteFunc(slices.Clone(resp.Terms), func(t string) bool { return a.regions.served(textnorm.Key(t)) })
	return a.topics.support(terms, resp.Synonyms, resp.Results)
}

func (rs *regionScope) placeAt(s string) string {
	for _, n := range rs.names {
		if strings.HasPrefix(s, n) {
			return n
		}
	}
	return ""
}
