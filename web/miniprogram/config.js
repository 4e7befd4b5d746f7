// Deployment settings of the mini-program. baseURL must be an https origin
// registered in the mini-program console as a request合法域名, and its wss
// twin as a socket合法域名 (see docs/wechat.md).
module.exports = {
  baseURL: 'https://zw.example.gov.cn',
  // Shown when no operator is online and on error pages; the server's
  // session frame overrides it with GOVCHAT_HOTLINE.
  hotline: '12345',
  // Example questions under the greeting: questions your knowledge base
  // answers. These are answered by the shipped knowledge base (checked by
  // go test ./cmd/govchat, TestGreetingQuestionsAnswered); change them with it.
  suggestions: [
    '海曙区2019年政务公开重点公开哪几类重大建设项目信息',
    '申请政府信息公开要交钱吗',
    '政府网站IPv6改造有什么要求'
  ],
  // Start in 长辈模式 (large text, large buttons) until the citizen chooses.
  elderByDefault: false
}
