package answer

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// topicIndex is the normalised text of what a knowledge base is about: the
// titles of its documents, the standard and similar questions of its FAQ
// entries, and the section headings of its documents — not their bodies. A
// question none of whose words occur there is not about this knowledge base,
// however well some passage happens to match it (宇宙有多大 against a FAQ on
// a school's 占地面积多大).
type topicIndex struct {
	text string
}

func newTopicIndex(base *kb.Base, r search.Retriever) *topicIndex {
	var b strings.Builder
	seen := map[string]bool{}
	add := func(s string) {
		s = textnorm.Key(s)
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		b.WriteString(s)
		b.WriteByte('|')
	}
	for _, d := range base.Docs {
		add(d.Title)
		for _, s := range d.Similar {
			add(s)
		}
		if d.Type == kb.TypeFAQ {
			continue
		}
		for _, c := range r.ChunksOf(d.ID) {
			for _, h := range c.Heading {
				add(h)
			}
		}
	}
	return &topicIndex{text: b.String()}
}

// genericTerms carry no topic: question words and quantities.
var genericTerms = map[string]bool{
	"多久": true, "多长": true, "多少": true, "多大": true, "多远": true, "多高": true, "多重": true, "几个": true, "几次": true,
	"几天": true, "几年": true, "哪些": true, "哪里": true, "哪个": true, "哪儿": true, "什么": true, "怎么": true, "怎样": true,
	"如何": true, "为什么": true, "为啥": true, "是否": true, "能否": true, "可以": true, "需要": true, "应该": true,
	"时候": true, "情况": true, "问题": true, "方法": true, "办法": true, "注意": true, "事项": true, "一下": true,
	"怎么办": true, "怎么样": true, "有没有": true, "能不能": true, "是不是": true, "可不可以": true, "一次": true,
	"现在": true, "以后": true, "之前": true, "今年": true, "平时": true, "容易": true, "不能": true, "还能": true,
	// Directions and directional complements: 那边 (over there), 公开出来.
	"那边": true, "这边": true, "那里": true, "这里": true, "出来": true, "起来": true, "下来": true, "上来": true, "出去": true,
	"上去": true, "下去": true, "进去": true, "进来": true, "过去": true, "过来": true, "回去": true, "回来": true,
}

// aspectTerms name an aspect of some matter — its materials, cost, time,
// place, procedure — not the matter itself: a question made of them and of
// question words (需要带什么材料, 多久到账, 在哪里办) names no topic.
var aspectTerms = map[string]bool{
	"材料": true, "资料": true, "手续": true, "流程": true, "步骤": true, "程序": true, "条件": true, "要求": true,
	"标准": true, "费用": true, "收费": true, "多少钱": true, "钱": true, "时间": true, "期限": true, "时限": true,
	"到账": true, "地点": true, "地址": true, "在哪": true, "在哪里": true, "电话": true, "联系": true, "联系方式": true,
	"窗口": true, "网上": true, "线上": true, "线下": true, "现场": true, "本人": true, "代办": true, "委托": true,
	"证件": true, "证明": true, "办理": true, "申请": true, "提交": true, "携带": true, "进度": true, "结果": true,
	"审核": true, "方式": true, "渠道": true, "入口": true, "网址": true, "预约": true, "多长时间": true, "要多久": true,
	"需要多久": true, "注意事项": true, "规定": true, "政策": true, "具体": true, "办": true, "带": true, "交": true,
	"别人": true, "他人": true, "家人": true, "家属": true, "亲属": true, "代理人": true,
	"包括": true, "几类": true, "哪几类": true, "几种": true, "哪几种": true, "种类": true, "内容": true, "有哪些": true,
	"要": true, "去": true, "哪": true, "能": true, "还": true, "再": true, "别的": true, "其他": true, "另外": true,
}

// isTopicTerm reports whether a normalised term may name what a question is
// about: two or more runes, not a question word, not an aspect.
func isTopicTerm(t string) bool {
	return utf8.RuneCountInString(t) >= 2 && !genericTerms[t] && !aspectTerms[t] && !isNumeral(t) && !isQuantity(t)
}

// aspectCompound reports whether t is made of aspect and question words
// only (网上预约 = 网上 预约, 现场办理 = 现场 办理): a word the dictionary
// happens to know whole, naming no more of a matter than its parts do.
func aspectCompound(t string) bool {
	rs := []rune(t)
	if len(rs) < 3 {
		return false
	}
	// ok[i]: rs[:i] splits into such words.
	ok := make([]bool, len(rs)+1)
	ok[0] = true
	for i := 1; i <= len(rs); i++ {
		for j := 0; j < i && !ok[i]; j++ {
			w := string(rs[j:i])
			ok[i] = ok[j] && (aspectTerms[w] || genericTerms[w])
		}
	}
	return ok[len(rs)]
}

// Quantities are asked for (几门, 多少岁, 哪年) or given (一年, 两个月) with
// a measure word; they say how much of something, not what it is.
var (
	askPrefixes    = []string{"多少", "几", "哪"}
	numeralRunes   = "一二两三四五六七八九十半每"
	anyMeasures    = "个门次天年月日周号岁分元块项类种级档张件位本条份批期遍趟回步点户间辆套所家"
	timeMeasures   = []string{"天", "年", "月", "日", "周", "个月", "小时", "星期", "个星期", "季度", "个工作日", "工作日"}
	quantityPrefix = regexp.MustCompile(`^[` + numeralRunes + `]+`)
	// sumRe is a sum of money (两万块, 3000元, 五百块钱, 一千多): how much,
	// never what.
	sumRe = regexp.MustCompile(`^([0-9零一二两三四五六七八九十百千万亿几半]+)多?(元|块|块钱|毛|万|万元|万块|千|千块|百块|多)多?$`)
)

// isQuantity reports whether t is a quantity: an asking word with a measure
// word (几门, 多少岁, 哪年, 几个月), or a numeral with a unit of time (一年,
// 两个月). A numeral with another measure word often names a category (一级,
// 三类) and stays a topic.
func isQuantity(t string) bool {
	for _, p := range askPrefixes {
		if rest, ok := strings.CutPrefix(t, p); ok && rest != "" {
			rest = strings.TrimPrefix(rest, "个")
			if rest == "" || utf8.RuneCountInString(rest) <= 2 && strings.ContainsRune(anyMeasures, []rune(rest)[0]) {
				return true
			}
		}
	}
	if m := quantityPrefix.FindString(t); m != "" && slices.Contains(timeMeasures, t[len(m):]) {
		return true
	}
	if m := sumRe.FindStringSubmatch(t); m != nil {
		// 一块地, 两块牌子: a piece, not a sum; 两万块, 30块 are sums.
		return m[2] != "块" || strings.ContainsAny(m[1], "0123456789十百千万亿")
	}
	return false
}

// isNumeral reports whether t is made of Chinese numerals only (一两, 三五,
// 十几): a quantity, not a topic.
func isNumeral(t string) bool {
	for _, r := range t {
		if !strings.ContainsRune("零一二两三四五六七八九十百千万亿几半", r) {
			return false
		}
	}
	return t != ""
}

// topicTerms are the terms of q (normalised, from terms) that name a topic.
func topicTerms(q string, terms []string) []string {
	norm := textnorm.Key(q)
	var out []string
	for _, t := range terms {
		t = textnorm.Key(t)
		if isTopicTerm(t) && strings.Contains(norm, t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// support is the share of the question's terms of two or more runes (not
// question words) that are on topic, with the terms that are not; a quantity
// the topic text lacks (两万块 says how much, not of what) is not counted,
// one it names (分几级) is. A term is on topic when it (or one
// of its synonyms) occurs in the topic text, or when it has three or more
// runes (a specific term such as 政府信息公开申请) and the retrieved passages
// contain it.
func (ti *topicIndex) support(terms []string, synonyms map[string][]string, results []search.Result) (float64, []string) {
	inResults := map[string]bool{}
	for _, r := range results {
		for _, m := range r.Matched {
			inResults[textnorm.Key(m)] = true
		}
	}
	var got, total int
	var missing []string
	seen := map[string]bool{}
	for _, t := range terms {
		t = textnorm.Key(t)
		if utf8.RuneCountInString(t) < 2 || seen[t] || genericTerms[t] {
			continue
		}
		seen[t] = true
		on := false
		for _, f := range append([]string{t}, synonyms[t]...) {
			f = textnorm.Key(f)
			if strings.Contains(ti.text, f) || utf8.RuneCountInString(f) >= 3 && inResults[f] {
				on = true
				break
			}
		}
		if !on && isQuantity(t) {
			continue // 两万块 is how much, not what: no evidence either way
		}
		total++
		if on {
			got++
		} else {
			missing = append(missing, t)
		}
	}
	if total == 0 {
		return 0, nil
	}
	return float64(got) / float64(total), missing
}
