package answer

import (
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
)

// Refusal reasons (Answer.Reason).
const (
	ReasonLowConfidence = "low_confidence" // retrieval found nothing that answers the question
	ReasonOutOfScope    = "out_of_scope"   // another region, or not a government matter
	ReasonChitchat      = "chitchat"       // greetings, small talk, questions about the bot
	ReasonHarmful       = "harmful"        // asks for help with something harmful or illegal
	ReasonInjection     = "injection"      // tries to override the rules or extract the prompt
	ReasonSensitive     = "sensitive"      // contains a sensitive word
	ReasonUnavailable   = "unavailable"    // the answer could not be produced
)

// reply returns the fixed, polite reply for a refusal. Nothing in it is
// generated; {hotline} is the configured hotline.
func (a *Answerer) reply(reason, detail string) string {
	var s string
	switch reason {
	case ReasonChitchat:
		const more = "如还有其他政策或办事方面的问题，欢迎继续提问；也可以拨打{hotline}政务服务便民热线。"
		switch detail {
		case "handoff":
			s = "如需人工服务，请点击“转人工”，工作人员在线时会为您接通；也可以拨打{hotline}政务服务便民热线。"
		case "dissatisfied":
			s = "抱歉，刚才的答复没能对上您的问题。您可以换个说法再问一次（比如说清要办什么事、是谁办、在哪里办），也可以点击“转人工”，或拨打{hotline}政务服务便民热线。"
		case "thanks":
			s = "不客气！" + more
		case "closing":
			s = "好的。" + more
		}
		if s != "" {
			break
		}
		s = "您好！我是{service}，可以依据公开的政策文件、政策解读、办事指南和常见问题，为您解答政策和办事方面的问题。请直接描述您想咨询的事项"
		if ex := a.exampleQuestion(); ex != "" {
			s += "，例如“" + ex + "”"
		}
		s += "。如需其他帮助，请拨打{hotline}政务服务便民热线，或点击“转人工”联系工作人员。"
	case ReasonOutOfScope:
		if detail == "language" {
			s = "抱歉，目前我只能解答用中文提出的政策和办事问题，请用中文提问。Sorry, I can only answer questions asked in Chinese. 如需帮助，请拨打{hotline}政务服务便民热线，或点击“转人工”联系工作人员。"
		} else if strings.HasPrefix(detail, "region:") {
			s = "抱歉，您咨询的问题可能涉及其他地区（" + strings.TrimPrefix(detail, "region:") + "）的政策，我只能依据本地公开的政策资料作答。建议您向当地政府部门咨询，或拨打当地{hotline}政务服务便民热线；也可以点击“转人工”联系工作人员。"
		} else {
			s = "抱歉，这个问题不在我的服务范围内。我只能解答政策和办事方面的问题。如需帮助，请拨打{hotline}政务服务便民热线，或点击“转人工”联系工作人员。"
		}
	case ReasonHarmful:
		if detail == "self_harm" {
			s = "听到您这样说，我们很担心您。如果您正处于危险中或有伤害自己的想法，请立即拨打110或120求助，也可以拨打当地心理援助热线，或告诉身边信任的人。您也可以拨打{hotline}政务服务便民热线，或点击“转人工”与工作人员交流。"
		} else {
			s = "抱歉，这个请求我无法协助。如果您有正当的政策或办事咨询，欢迎换个方式提问，也可以拨打{hotline}政务服务便民热线，或点击“转人工”联系工作人员。如遇紧急情况，请立即拨打110。"
		}
	case ReasonInjection:
		s = "抱歉，我只能依据公开的政策资料解答政策和办事问题，无法执行这类请求。请直接描述您想咨询的事项；如需帮助，请拨打{hotline}政务服务便民热线，或点击“转人工”联系工作人员。"
	case ReasonSensitive:
		s = "抱歉，您的问题中包含不适宜讨论的内容，我无法作答。如需咨询政策或办事问题，请换个说法；也可以拨打{hotline}政务服务便民热线，或点击“转人工”联系工作人员。如遇紧急情况，请立即拨打110、119或120。"
	case ReasonUnavailable:
		s = "抱歉，系统暂时无法回答您的问题，请稍后再试。您也可以拨打{hotline}政务服务便民热线，或点击“转人工”联系工作人员。"
	default: // low confidence
		if id, ok := strings.CutPrefix(detail, "expired:"); ok {
			if d := a.base.Doc(id); d != nil {
				s = "抱歉，现行有效的政策资料中没有找到能准确回答这个问题的内容。" + a.supersededFact(d, false) + "，请以现行规定为准。建议您拨打{hotline}政务服务便民热线咨询，或点击“转人工”由工作人员为您解答。"
				break
			}
		}
		if num, ok := strings.CutPrefix(detail, "docnumber:"); ok {
			s = "抱歉，知识库中没有找到文号为“" + num + "”的文件，也没有提到它的资料。请核对文号是否有误，或到发文机关网站、中国政府网查询；也可以拨打{hotline}政务服务便民热线，或点击“转人工”由工作人员为您解答。"
			break
		}
		s = "抱歉，我在现有的政策资料中没有找到能准确回答这个问题的内容，不敢随意作答。建议您拨打{hotline}政务服务便民热线咨询，或点击“转人工”由工作人员为您解答。"
	}
	return strings.NewReplacer("{hotline}", a.cfg.Hotline, "{service}", a.cfg.ServiceName).Replace(s)
}

// exampleQuestion is a question the knowledge base answers, for the
// greeting: the question of a FAQ entry in force (the first by id, of a
// length a citizen would type), without its question mark; "" when the
// knowledge base has none.
func (a *Answerer) exampleQuestion() string {
	now := a.cfg.Now()
	var best *kb.Document
	for _, d := range a.base.Docs {
		if d.Type != kb.TypeFAQ || d.Expired(now) || best != nil && d.ID >= best.ID {
			continue
		}
		if n := utf8.RuneCountInString(d.Title); n >= 5 && n <= 24 {
			best = d
		}
	}
	if best == nil {
		return ""
	}
	return strings.TrimRight(strings.TrimSpace(best.Title), "？?。")
}
