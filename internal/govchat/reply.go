package govchat

import (
	"regexp"

	"github.com/govchat/govchat/internal/textnorm"
)

// dissatisfiedRe is a whole message saying that the previous answer missed:
// 不对, 不是这个, 答非所问, 看不懂, 你说的不对.
var dissatisfiedRe = regexp.MustCompile(`^(你|你说的|你这|这|这个|那|那个|刚才的|刚才|上面的|答案|回答|答复|完全|根本|还是|都)*` +
	`(不对|不是|错了|说错了|答错了|不正确|答非所问|文不对题|牛头不对马嘴|不是这个|不是这样|不是我要的|不是我想要的|不是我问的|不是我想问的|不是我要问的|没回答|没答到|没说到|没说清楚|没用|没有用|没什么用|没帮助|看不懂|听不懂|不明白|没看懂|不懂|胡说|乱说|瞎说|什么玩意|啥玩意)+` +
	`(的|吧|啊|呀|哦|吗|呢|啦|嘛|意思|问题|八道|儿)*$`)

// Dissatisfied reports whether a message says, and says only, that the
// previous answer missed (不对, 答非所问, 不是我要问的): not a question, and no
// sign that an answer helped.
func Dissatisfied(text string) bool {
	return dissatisfiedRe.MatchString(textnorm.Key(text))
}
