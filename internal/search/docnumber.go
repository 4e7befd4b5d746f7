package search

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/textnorm"
)

// docNumberTextRe finds a 文号 as a question writes it: with the year in
// brackets (国发〔2019〕5号, 国发[2019]5号, 国发（2019）5号) or, as people say
// it, without them (国办发2018年108号, 国发2019第5号). Leading words such as
// 请问 are part of the match; kb.NormalizeDocNumber drops them.
var docNumberTextRe = regexp.MustCompile(`([\p{Han}A-Za-z]{1,10})\s*(?:[〔\[（(【［]\s*((?:19|20)\d{2})\s*[〕\]）)】］]|((?:19|20)\d{2})\s*年?)\s*第?\s*(\d{1,5})\s*号`)

// lookupRe are words that only ask for a document or whether it is in
// force (讲的啥, 全文, 还有效吗, 什么时候发的): a question made of a 文号 and
// these asks for the document itself.
var lookupRe = regexp.MustCompile(`(讲|说)(了|的)?(是)?(啥|什么)?|是什么|什么内容|(主要|具体)?内容|全文|原文|文件|通知|(现在|目前)?(还)?(有效|能用|适用|管用|执行)|现行|废止|失效|作废|过期|效力|没有|(是)?(哪个|什么)?(部门|单位|机关)?(印发|发布|发)(的)?|什么时候|何时|查(一下|询|找)?|看(一下)?|关于|请问|这个|哪个|一下|吗|呢|啊|么|嘛|了|的|是|\b(what|what's|whats|is|it|the|this|document|file|about|say|says|mean|means|still|valid|in|force|effective)\b`)

// asksForDocument reports whether what a query says besides its 文号 only
// asks for the document.
func asksForDocument(rest string) bool {
	rest = lookupRe.ReplaceAllString(rest, "")
	return !strings.ContainsFunc(rest, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
}

// docNumberIn returns the canonical 文号 a query names and the rest of the
// (normalised) query. A number written without brackets counts only when
// some document has it (国办发2018年108号), so that 2019年5号 in other words
// is not taken for one.
func (e *Engine) docNumberIn(query string) (num, rest string) {
	q := textnorm.Normalize(query)
	for _, m := range docNumberTextRe.FindAllStringSubmatchIndex(q, -1) {
		bracketed := m[4] >= 0
		year := ""
		if bracketed {
			year = q[m[4]:m[5]]
		} else {
			year = q[m[6]:m[7]]
		}
		n := kb.NormalizeDocNumber(q[m[2]:m[3]] + "〔" + year + "〕" + q[m[8]:m[9]] + "号")
		if n == "" || !bracketed && len(e.byDocNum[n]) == 0 {
			continue
		}
		return n, strings.TrimSpace(q[:m[0]] + " " + q[m[1]:])
	}
	if nums := kb.FindDocNumbers(query); len(nums) > 0 {
		return nums[0], ""
	}
	return "", q
}
