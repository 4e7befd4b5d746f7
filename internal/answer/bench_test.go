package answer

import (
	"context"
	"testing"
)

// BenchmarkAnswerExtractive measures one extractive answer (scope checks,
// search over knowledge/, answerability, quoting) without a model.
func BenchmarkAnswerExtractive(b *testing.B) {
	base := loadKnowledge(b)
	f := newEngine(b, base)
	a, err := New(Config{Now: testNow}, base, f, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	qs := []string{"海曙区2019年政务公开重点公开哪几类重大建设项目信息", "申请政府信息公开多久能答复", "上海的公积金怎么提取", "你好"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Answer(ctx, Request{Question: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
	}
}
