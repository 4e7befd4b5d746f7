// Deployment settings of the mini-program. baseURL must be an https origin
// registered in the mini-program console as a request合法域名, and its wss
// twin as a socket合法域名 (see docs/wechat.md).
module.exports = {
  baseURL: 'https://zw.example.gov.cn',
  // Shown when no operator is online and on error pages; the server's
  // session frame overrides it with GOVCHAT_HOTLINE.
  hotline: '12345'
}
