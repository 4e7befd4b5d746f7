package safety

import (
	"regexp"
	"strings"

	"github.com/govchat/govchat/internal/textnorm"
)

// injectionPatterns recognise attempts to override the assistant's rules or
// to extract its instructions. They run on the text's textnorm.Key (lower case, no
// spaces or punctuation) for Chinese, and on lower-cased text with spaces for
// English.
const (
	ovVerb  = `(忽略|无视|忘记|忘掉|忘了|不要理会|别管|跳过|绕过|抛开|不用遵守|不要遵守|别遵守|不必遵守|停止遵守)(掉)?(你|你的|你自己的|自己的)?`
	ovScope = `(之前|以上|上面|前面|上述|先前|此前|刚才|原有|原来|原先|系统|开发者|初始)`
	ovAll   = `(所有|全部|一切|任何)`
	ovObj   = `(指令|指示|提示词|提示|规则|设定|要求|限制|约束|命令|规定|人设|身份|安全策略|system|prompt)`
)

var injectionPatterns = []struct {
	name string
	re   *regexp.Regexp
	raw  bool // match lower-cased text with spaces instead of its textnorm.Key
}{
	{"override", regexp.MustCompile(ovVerb + ovScope + `(的)?` + ovAll + `?(的)?` + ovObj), false},
	{"override", regexp.MustCompile(ovVerb + ovAll + `(的)?` + ovObj), false},
	{"override", regexp.MustCompile(ovVerb + `(指令|指示|提示词|设定|人设|system|prompt)`), false},
	{"system_prompt", regexp.MustCompile(`(系统|初始|原始|隐藏|内部|预设|开发者)(提示词|提示语|prompt|指令)|(你的|你收到的|你被设定的|你被赋予的)(系统)?(指令|提示语|提示词|设定|人设|初始化)`), false},
	{"prompt_word", regexp.MustCompile(`提示词|prompt`), false},
	{"reveal", regexp.MustCompile(`(输出|打印|显示|告诉我|泄露|透露|复述|重复|列出|给我看|发给我|念一下|说出|展示|翻译)(一下|一遍)?(你的|你收到的|上面的|以上的|之前的|前面的|最开始的|最初的|第一条)(全部|所有|完整的|完整)?(指令|规则|设定|提示|配置|系统消息)`), false},
	{"reveal", regexp.MustCompile(`(重复|复述|原样输出|逐字输出|告诉我|发给我|念出)(一下|一遍)?(你)?(最开始|最初|一开始|之前|上面|以上|前面)(收到|看到|得到|接收到?)?(的)?(所有|全部)?(内容|文字|话|信息|消息|指令|提示)`), false},
	{"override", regexp.MustCompile(`(从现在(起|开始)|从今以后|从此以后|接下来)(你)?(只|都|就|要|必须|只能)?(听我的|听从我|服从我|听我指挥|按我说的)`), false},
	{"override", regexp.MustCompile(`(忽略|无视|不要管|别管)(它们|这些资料|上述资料|以上资料|资料)|按(照)?我(的要求|说的|的指令)(来)?(回答|做|输出|执行)|资料(都)?是假的`), false},
	{"rules_question", regexp.MustCompile(`你(的|有)?(什么|哪些)?(规则|设定|指令|人设|约束|配置)(是什么|有哪些|有什么|是啥|都有啥)`), false},
	{"roleplay", regexp.MustCompile(`(角色扮演|扮演一个|扮演一下|扮演我的|你来扮演|请扮演|假装你是|假装自己是|假设你是|现在你是|你现在是|从现在开始你是|从现在起你是|从今以后你是|你将成为|你要成为|你不再是|进入.{0,6}模式)`), false},
	{"unrestricted", regexp.MustCompile(`你(现在|已经)?(是|作为|变成|成为)?(一个)?(不受|没有|摆脱|解除了?)(任何)?(限制|约束|审查|过滤|道德)|(解除|去掉|关闭|取消)(你的|所有的?|全部的?)(限制|约束|审查|过滤|安全)|越狱|开发者模式|上帝模式|管理员模式|调试模式|dan模式|无限制模式`), false},
	{"delimiter", regexp.MustCompile(`<\|?(im_start|im_end|system|endoftext)\|?>|\[/?(system|inst)\]|</?(system|资料|问题)>|###\s*(instruction|system|指令)`), true},
	{"english_override", regexp.MustCompile(`\b(ignore|disregard|forget|override|bypass)\b.{0,30}\b(instructions?|prompts?|rules|directions|guidelines|context)\b`), true},
	{"english_reveal", regexp.MustCompile(`\b(reveal|print|show|repeat|output|tell me|leak|display)\b.{0,30}\b(system|initial|hidden|original|your)\b.{0,20}\b(prompt|instructions?|rules|message)\b`), true},
	{"english_roleplay", regexp.MustCompile(`\b(you are now|act as|pretend (to be|you are)|roleplay|jailbreak|developer mode|do anything now)\b`), true},
}

// DetectInjection reports whether text looks like a prompt-injection or
// prompt-extraction attempt, and which heuristic fired. Government questions
// rarely use these phrasings; passages from the knowledge base are treated as
// data by the prompt regardless of this check.
func DetectInjection(text string) (name string, ok bool) {
	norm := textnorm.Key(text)
	raw := strings.ToLower(text)
	for _, p := range injectionPatterns {
		s := norm
		if p.raw {
			s = raw
		}
		if p.re.MatchString(s) {
			return p.name, true
		}
	}
	return "", false
}
