const config = require('./config')
const { GovChat } = require('./utils/govchat')

App({
  /** @type {import('./utils/govchat').GovChat | null} set in onLaunch */
  chat: null,

  onLaunch () {
    // One client for the whole mini-program: the chat page streams answers
    // through it, and it keeps the session across page switches.
    this.chat = new GovChat({ baseURL: config.baseURL })
    wx.onNetworkStatusChange(res => {
      if (res.isConnected) this.chat.reconnectNow()
    })
  },
  onShow () {
    // Back from the background: reconnect without waiting for the backoff.
    if (this.chat) this.chat.reconnectNow()
  },
  globalData: {
    baseURL: config.baseURL,
    hotline: config.hotline
  }
})
