const { parseAnswer } = require('../../utils/govchat')
const { sourceView, relatedView, splitListed, statusText, asksForHuman } = require('../../utils/format')
const mode = require('../../utils/mode')
const config = require('../../config')

const app = getApp()

const DOWN_REASONS = ['答案不准确', '没有回答我的问题', '依据已过时', '看不懂', '其他']

// segs numbers the segments of a text for wx:key.
function segs (text, sources) {
  return parseAnswer(text, sources).map((s, i) => Object.assign({ k: i }, s))
}

let keySeq = 0
function nextKey () {
  keySeq++
  return 'k' + keySeq
}

Page({
  /** @type {Array<() => void>} unsubscribes from the client's events on unload */
  unsubs: [],

  data: {
    messages: [],
    input: '',
    sending: false,
    statusText: '',
    scrollTo: '',
    hotline: app.globalData.hotline,
    handoff: '', // '', 'queued', 'connected', 'no_operator'
    elder: false, // 长辈模式
    // Example questions under the greeting (config.js; the shipped
    // knowledge base answers each, checked by go test ./cmd/govchat).
    suggestions: (config.suggestions || []).slice(0, 4).map((q, i) => ({ k: 's' + i, question: String(q) }))
  },

  onLoad () {
    this.setData({ elder: mode.isElder(wx, config.elderByDefault) })
    const chat = app.chat
    this.unsubs = [
      chat.on('status', s => this.setData({ statusText: statusText(s) })),
      chat.on('session', f => {
        if (f.hotline) this.setData({ hotline: f.hotline })
      }),
      chat.on('handoff', f => this.onHandoff(f)),
      chat.on('operator', f => this.push({
        role: 'operator',
        who: f.staffNo ? '人工客服（工号 ' + f.staffNo + '）' : '人工客服',
        text: f.text,
        segments: segs(f.text, f.sources),
        sources: (f.sources || []).map(sourceView)
      })),
      chat.on('notice', f => {
        if (f && f.message) this.push({ role: 'system', text: f.message })
      })
    ]
    this.setData({ statusText: statusText(chat.status) })
    chat.start().catch(err => this.push({ role: 'system', text: err.message }))
  },

  onShow () {
    // The document page may have switched 长辈模式.
    const elder = mode.isElder(wx, config.elderByDefault)
    if (elder !== this.data.elder) this.setData({ elder })
  },

  onUnload () {
    (this.unsubs || []).forEach(u => u())
  },

  // toggleElder switches 长辈模式 and remembers it.
  toggleElder () {
    const elder = !this.data.elder
    mode.setElder(wx, elder)
    this.setData({ elder })
    wx.showToast({ title: elder ? '已开启长辈模式' : '已关闭长辈模式', icon: 'none' })
  },

  onInput (e) {
    this.setData({ input: e.detail.value })
  },

  // push appends a message and scrolls to it; returns its index.
  push (m) {
    m.key = nextKey()
    const i = this.data.messages.length
    this.setData({ ['messages[' + i + ']']: m, scrollTo: 'm-' + m.key })
    return i
  },

  update (i, patch) {
    const d = {}
    Object.keys(patch).forEach(k => { d['messages[' + i + '].' + k] = patch[k] })
    d.scrollTo = 'm-' + this.data.messages[i].key
    this.setData(d)
  },

  send () {
    const text = this.data.input.trim()
    if (!text || this.data.sending) return
    if (this.data.handoff === 'connected') {
      // Talking to a person: the line goes to the operator, not the bot.
      app.chat.say(text)
      this.push({ role: 'user', text })
      this.setData({ input: '' })
      return
    }
    if (asksForHuman(text)) {
      // 转人工 typed: the handoff, as the button starts it.
      this.push({ role: 'user', text })
      this.setData({ input: '' })
      if (this.data.handoff === 'queued') {
        this.push({ role: 'system', text: '已在为您转接人工客服，请稍候。' })
      } else {
        app.chat.requestHuman('用户输入转人工')
        this.push({ role: 'system', text: '正在为您转接人工客服…' })
      }
      return
    }
    this.askQuestion(text)
  },

  // askQuestion asks text; via names the related or clarify button it was
  // tapped on ({answer_id, id}), sent with the question.
  askQuestion (text, via) {
    this.push({ role: 'user', text })
    const i = this.push({ role: 'bot', text: '', streaming: true, segments: [] })
    this.setData({ input: '', sending: true })
    app.chat.ask(text, {
      via,
      onDelta: (delta, all) => this.update(i, { text: all, segments: [{ k: 0, text: all }] }),
      onReset: () => this.update(i, { text: '', segments: [] })
    }).then(a => {
      const sources = (a.sources || []).map(sourceView)
      const related = relatedView(a.related)
      // The list of related questions in the text is for clients without
      // buttons: here they are buttons, between the text and what follows.
      const parts = related.length ? splitListed(a.text, related) : { head: a.text, tail: '', heading: '' }
      this.update(i, {
        text: a.text,
        segments: segs(parts.head, a.sources),
        tail: parts.tail,
        sources,
        answerId: a.answer_id,
        refused: !!a.refused,
        clarify: !!a.clarify,
        related,
        relatedTitle: parts.heading || '您可能还想问',
        streaming: false
      })
    }, err => {
      this.update(i, { text: err.message, segments: [{ k: 0, text: err.message }], streaming: false, error: true })
    }).then(() => this.setData({ sending: false }))
  },

  // askRelated asks a related question the answer offered, or the choice of
  // a clarification, and tells the server which button it was.
  askRelated (e) {
    const d = e.currentTarget.dataset
    const m = this.data.messages[Number(d.mi)]
    const r = m && (m.related || [])[Number(d.ri)]
    if (!r || this.data.sending || this.data.handoff === 'connected') return
    this.askQuestion(r.question, m.answerId && r.id ? { answer_id: m.answerId, id: r.id } : undefined)
  },

  // askSuggestion asks one of the greeting's example questions.
  askSuggestion (e) {
    const q = String(e.currentTarget.dataset.q || '').trim()
    if (!q || this.data.sending || this.data.handoff === 'connected') return
    this.askQuestion(q)
  },

  // openCite opens the source document at the cited paragraph.
  openCite (e) {
    const m = this.data.messages[e.currentTarget.dataset.mi]
    const n = Number(e.currentTarget.dataset.n)
    const s = m && (m.sources || []).find(x => x.n === n)
    if (s) this.openDoc(s.id, s.anchor)
  },

  openSource (e) {
    const d = e.currentTarget.dataset
    this.openDoc(d.id, d.anchor)
  },

  openDoc (id, anchor) {
    wx.navigateTo({
      url: '/pages/doc/index?id=' + encodeURIComponent(id) + (anchor ? '&anchor=' + encodeURIComponent(anchor) : '')
    })
  },

  vote (e) {
    const i = Number(e.currentTarget.dataset.mi)
    const m = this.data.messages[i]
    if (!m || !m.answerId || m.feedback) return
    if (e.currentTarget.dataset.v === 'up') {
      app.chat.feedback(m.answerId, true)
      this.update(i, { feedback: 'up' })
      wx.showToast({ title: '感谢您的评价', icon: 'none' })
      return
    }
    wx.showActionSheet({
      itemList: DOWN_REASONS,
      success: res => {
        app.chat.feedback(m.answerId, false, DOWN_REASONS[res.tapIndex])
        this.update(i, { feedback: 'down' })
        wx.showToast({ title: '已收到，我们会改进', icon: 'none' })
      }
    })
  },

  human () {
    const h = this.data.handoff
    if (h === 'connected') {
      wx.showModal({
        title: '结束人工服务',
        content: '确定结束与人工客服的对话吗？',
        success: res => { if (res.confirm) app.chat.endHuman() }
      })
      return
    }
    if (h === 'queued') return
    app.chat.requestHuman('用户点击转人工')
    this.push({ role: 'system', text: '正在为您转接人工客服…' })
  },

  onHandoff (f) {
    const status = f.status || ''
    if (status) this.setData({ handoff: status === 'closed' ? '' : status })
    let text = f.message || ''
    if (status === 'queued' && f.position) text += '（前面还有 ' + (f.position - 1) + ' 位）'
    if (text) this.push({ role: 'system', text, noOperator: status === 'no_operator' && f.can_leave_message !== false })
  },

  call () {
    wx.makePhoneCall({ phoneNumber: this.data.hotline })
  },

  leaveMessage () {
    wx.showModal({
      title: '留言',
      editable: true,
      placeholderText: '请写下您的问题和联系方式，工作人员上班后回复',
      confirmText: '提交',
      success: res => {
        const text = (res.content || '').trim()
        if (!res.confirm || !text) return
        app.chat.leaveMessage(text)
        this.push({ role: 'user', text: '【留言】' + text })
      }
    })
  },

  copy (e) {
    const m = this.data.messages[e.currentTarget.dataset.mi]
    if (m) wx.setClipboardData({ data: m.text })
  }
})
