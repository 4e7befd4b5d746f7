const { anchorID } = require('../../utils/govchat')
const { badgeClass, date } = require('../../utils/format')
const mode = require('../../utils/mode')
const config = require('../../config')

const app = getApp()

// decode undoes encodeURIComponent on a page parameter; a value that is not
// valid percent-encoding is kept as it is.
function decode (v) {
  try { return decodeURIComponent(v || '') } catch (e) { return String(v || '') }
}

Page({
  // The page's query: the document and the cited paragraph's anchor.
  id: '',
  anchor: '',

  data: {
    loading: true,
    error: '',
    doc: null,
    chunks: [],
    target: '',
    scrollTo: '',
    elder: false,
    hotline: ''
  },

  onLoad (q) {
    this.setData({ elder: mode.isElder(wx, config.elderByDefault), hotline: app.globalData.hotline || config.hotline })
    this.id = decode(q.id)
    this.anchor = decode(q.anchor)
    this.load()
  },

  load () {
    if (!this.id) {
      this.setData({ loading: false, error: '缺少文件编号。' })
      return
    }
    this.setData({ loading: true, error: '' })
    wx.request({
      url: app.globalData.baseURL + '/api/docs/' + encodeURIComponent(this.id),
      method: 'GET',
      success: res => {
        if (res.statusCode === 404) return this.setData({ loading: false, error: '未找到该文件，可能已被移除。' })
        if (res.statusCode !== 200 || !res.data || typeof res.data !== 'object') {
          return this.setData({ loading: false, error: '原文暂时无法打开，请稍后再试。' })
        }
        this.show(res.data)
      },
      fail: () => this.setData({ loading: false, error: '网络不可用，请检查网络后重试。' })
    })
  },

  show (d) {
    const target = this.anchor ? anchorID(this.anchor) : ''
    const chunks = (d.chunks || []).map(c => ({
      key: anchorID(c.anchor),
      heading: (c.heading || []).join(' › '),
      text: c.text || ''
    }))
    const doc = {
      title: d.title || this.id,
      docNumber: d.doc_number || '',
      issuer: d.issuer || '',
      status: d.status || '',
      badge: badgeClass(d.status),
      published: date(d.published),
      effective: date(d.effective),
      expires: date(d.expires),
      url: d.url || '',
      interpretations: (d.interpretations || []).map(r => ({ id: r.id, title: r.title })),
      interprets: d.interprets ? { id: d.interprets.id, title: d.interprets.title } : null,
      replacedBy: (d.replaced_by || []).map(r => ({ id: r.id, title: r.title })),
      // Demonstration content is marked 示例; a dated annual plan shows its
      // year beside 现行有效.
      sample: !!d.sample,
      year: d.plan_year ? d.plan_year + '年度' : ''
    }
    wx.setNavigationBarTitle({ title: doc.title.length > 16 ? doc.title.slice(0, 16) + '…' : doc.title })
    this.setData({ loading: false, doc, chunks, target }, () => {
      // Scroll once the paragraphs are laid out, so the cited one lands on top.
      if (target) this.setData({ scrollTo: target })
    })
  },

  openRef (e) {
    const url = '/pages/doc/index?id=' + encodeURIComponent(e.currentTarget.dataset.id)
    // The page stack holds at most 10 pages: deep in a chain of related
    // documents, replace this page instead of stacking another.
    if (typeof getCurrentPages === 'function' && getCurrentPages().length >= 9) wx.redirectTo({ url })
    else wx.navigateTo({ url })
  },

  copyLink () {
    // Government sites are not business domains of the mini-program, so the
    // official link is copied for the browser rather than opened here.
    wx.setClipboardData({ data: this.data.doc.url })
  },

  retry () {
    this.load()
  },

  // toggleElder switches 长辈模式 (remembered; the chat page follows it).
  toggleElder () {
    const elder = !this.data.elder
    mode.setElder(wx, elder)
    this.setData({ elder })
  },

  call () {
    wx.makePhoneCall({ phoneNumber: this.data.hotline })
  }
})
