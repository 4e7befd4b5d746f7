package answer

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// A question for what something is (地籍是啥意思, 霾到底是个啥, 什么叫防洪标准,
// 地籍调查是干啥的)
// is answered by the FAQ entry that defines exactly that (什么是地籍？),
// however the words around the name weigh in the search: 意思 matches every
// entry on what something means, and 地籍 every entry on 地籍调查 or 地籍管理.
// A knowledge base keeps many such entries (about one in ten of the Beijing
// FAQ's questions is 什么是…/…是什么).
var (
	// askDefRe is a clause that asks what its subject is.
	askDefRe = regexp.MustCompile(`^(?:请问)?(?:什么是|什么叫|什么叫做|啥是|啥叫|何为|何谓)(.+)$|^(.+?)(?:到底|究竟)?(?:是什么意思|是啥意思|什么意思|啥意思|的意思是什么|是什么东西|是啥东西|是个啥|是个什么|是干啥的|是干什么的|是干嘛的|是做什么的|是做啥的|是啥|是什么|指什么|指的是什么|的含义是什么|的含义|的定义是什么|的定义)$`)
	// defTitleRe is an entry's question that defines its subject.
	defTitleRe  = regexp.MustCompile(`^(?:什么是|什么叫|什么叫做|何为|何谓)(.+)$|^(.+?)(?:是什么意思|的含义是什么|的含义|的定义是什么|的定义|是指什么|指的是什么|是什么)$`)
	clauseSepRe = regexp.MustCompile(`[\s，,。？?！!；;、]+`)
)

// defined returns the subject of a definition: of the first clause of q
// that asks what something is (re askDefRe), or of an entry's question (re
// defTitleRe); "" when there is none.
func defined(re *regexp.Regexp, s string) string {
	for _, clause := range clauseSepRe.Split(textnorm.Normalize(s), -1) {
		m := re.FindStringSubmatch(textnorm.Key(clause))
		if m == nil {
			continue
		}
		x := strings.Trim(m[1]+m[2], "的")
		if x == "" || genericTerms[x] || aspectTerms[x] || strings.ContainsAny(x, "这那它他她") {
			continue
		}
		if strings.ContainsFunc(x, isHan) {
			return x
		}
	}
	return ""
}

// definitionFirst puts first the FAQ entry that defines what q asks to be
// defined, searching for it when the results lack it (地籍是啥意思 ranks the
// entries on what other things mean above 什么是地籍), and returns what it
// defines ("" when there is no such entry): the asker gets that entry's
// answer.
func (a *Answerer) definitionFirst(ctx context.Context, q string, resp *search.Response, opts search.Options) (*search.Response, string, error) {
	x := defined(askDefRe, q)
	if x == "" {
		return notDefinitionFirst(q, resp), "", nil
	}
	defines := func(r search.Result) bool { return r.Doc.Type == kb.TypeFAQ && defined(defTitleRe, r.Doc.Title) == x }
	i := slices.IndexFunc(resp.Results, defines)
	if i < 0 {
		more, err := a.r.Search(ctx, "什么是"+x, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", ctx.Err()
			}
			return resp, "", nil // the question's own search stands
		}
		j := slices.IndexFunc(more.Results, defines)
		if j < 0 {
			return resp, "", nil
		}
		r := *resp
		r.Results = append([]search.Result{more.Results[j]}, resp.Results...)
		return &r, x, nil
	}
	if i == 0 {
		return resp, x, nil
	}
	r := *resp
	r.Results = append([]search.Result{resp.Results[i]}, slices.Delete(slices.Clone(resp.Results), i, i+1)...)
	return &r, x, nil
}

// definitionWordsRe asks, anywhere in a question, what something is or means.
var definitionWordsRe = regexp.MustCompile(`什么是|什么叫|啥是|啥叫|是什么|是啥|意思|含义|定义|指什么|指的是|何为|何谓|是个啥`)

// notDefinitionFirst: a question that asks nothing about what something is
// (突然发大水 先抢东西还是先撤人) is not answered by the entry defining a word
// of it (什么是洪水？), which ranks first on that word alone; an entry of
// nearly the same score that is not a definition comes first instead.
func notDefinitionFirst(q string, resp *search.Response) *search.Response {
	rs := resp.Results
	norm := textnorm.Key(q)
	if len(rs) < 2 || definitionWordsRe.MatchString(norm) || !definesWord(rs[0]) {
		return resp
	}
	if rest := strings.ReplaceAll(norm, defined(defTitleRe, rs[0].Doc.Title), ""); utf8.RuneCountInString(rest) <= 2 {
		return resp // 地籍, 请问地籍: the word alone, which its definition answers
	}
	for i := 1; i < min(len(rs), 4); i++ {
		if rs[i].Score < definitionMargin*rs[0].Score {
			break
		}
		if definesWord(rs[i]) {
			continue
		}
		r := *resp
		r.Results = append([]search.Result{rs[i]}, slices.Delete(slices.Clone(rs), i, i+1)...)
		return &r
	}
	return resp
}

// definitionMargin: how close to the definition's score another entry must
// come to be put before it.
const definitionMargin = 0.9

// definesWord reports whether r is a FAQ entry defining a word (什么是洪水？,
// 低涡是什么？), not one asking what something contains or how it goes
// (矿产资源统计的主要内容是什么？).
func definesWord(r search.Result) bool {
	if r.Doc.Type != kb.TypeFAQ {
		return false
	}
	x := defined(defTitleRe, r.Doc.Title)
	return x != "" && !strings.Contains(x, "的") && utf8.RuneCountInString(x) <= 8
}
