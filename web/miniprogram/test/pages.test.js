// Tests of the pages' logic: pages/chat and pages/doc are loaded with small
// stand-ins for Page/getApp and the wx shim, then driven like a citizen
// would, against the live server when GOVCHAT_URL is set. The WXML bindings
// are checked against the page methods without a server.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { GovChat } = require('../utils/govchat')
const { createWx, waitFor } = require('./wx-shim')

const ROOT = path.join(__dirname, '..')
const BASE = process.env.GOVCHAT_URL || ''
// Generous: CI runs this while every other package's tests load the same 2 cores.
const T = 20000
const QUESTION = process.env.GOVCHAT_TEST_QUESTION || '海曙区2019年政务公开重点公开哪几类重大建设项目信息'

// setPath assigns v at a setData path such as messages[3].text.
function setPath (obj, p, v) {
  const keys = []
  p.replace(/[^.[\]]+/g, k => { keys.push(/^\d+$/.test(k) ? Number(k) : k) })
  let o = obj
  for (let i = 0; i < keys.length - 1; i++) {
    if (o[keys[i]] === undefined) o[keys[i]] = typeof keys[i + 1] === 'number' ? [] : {}
    o = o[keys[i]]
  }
  o[keys[keys.length - 1]] = v
}

// loadPage evaluates a page module with Page/getApp/wx globals and returns
// a page instance with a working setData.
function loadPage (name, app, wx) {
  const file = path.join(ROOT, 'pages', name, 'index.js')
  delete require.cache[require.resolve(file)]
  let def
  global.Page = d => { def = d }
  global.getApp = () => app
  global.wx = wx
  require(file)
  const page = Object.assign({}, def)
  page.data = JSON.parse(JSON.stringify(def.data))
  page.setData = function (d, cb) {
    for (const k of Object.keys(d)) setPath(this.data, k, d[k])
    if (cb) setImmediate(cb)
  }
  return page
}

function uiWx () {
  const wx = createWx()
  wx.nav = []
  wx.toasts = []
  wx.navigateTo = o => wx.nav.push(o.url)
  wx.showToast = o => wx.toasts.push(o.title)
  wx.setNavigationBarTitle = () => {}
  wx.showActionSheet = o => o.success({ tapIndex: 1 })
  wx.showModal = o => o.success({ confirm: true, content: '请回电' })
  wx.setClipboardData = () => {}
  wx.makePhoneCall = () => {}
  wx.onNetworkStatusChange = () => {}
  return wx
}

test('every WXML event handler exists on its page', () => {
  for (const name of ['chat', 'doc']) {
    const wxml = fs.readFileSync(path.join(ROOT, 'pages', name, 'index.wxml'), 'utf8')
    const page = loadPage(name, { globalData: { baseURL: 'http://x', hotline: '12345' }, chat: null }, uiWx())
    const handlers = [...wxml.matchAll(/\b(?:bind|catch)\w+="([^"{}]+)"/g)].map(m => m[1])
    assert.ok(handlers.length > 0)
    for (const h of handlers) assert.equal(typeof page[h], 'function', `pages/${name}: ${h} is not a method`)
  }
})

test('every page in app.json has its four files', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
  for (const p of app.pages) {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) assert.ok(fs.existsSync(path.join(ROOT, p + '.' + ext)), p + '.' + ext)
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'))
  assert.ok(cfg.appid, 'project.config.json has an appid')
  assert.ok(cfg.packOptions.ignore.some(i => i.value === 'test'), 'the test folder is not uploaded')
})

test('chat page: ask, stream, cite, feedback, open the cited paragraph', { skip: BASE ? false : 'GOVCHAT_URL is not set' }, async t => {
  const wx = uiWx()
  const app = { globalData: { baseURL: BASE, hotline: '12345' } }
  app.chat = new GovChat({ baseURL: BASE, wx, login: false })
  t.after(() => app.chat.close())
  const chat = loadPage('chat', app, wx)
  chat.onLoad()
  await app.chat.whenOpen()

  chat.onInput({ detail: { value: QUESTION } })
  chat.send()
  assert.equal(chat.data.messages[0].role, 'user')
  assert.equal(chat.data.messages[1].role, 'bot')
  assert.equal(chat.data.sending, true)
  const bot = await waitFor(() => chat.data.messages[1].answerId && chat.data.messages[1], T, 'answer on the page')
  assert.equal(chat.data.sending, false)
  assert.equal(bot.streaming, false)
  assert.ok(bot.sources.length > 0)
  const cite = bot.segments.find(s => s.cite)
  assert.ok(cite, 'the answer shows a tappable citation')
  assert.equal(bot.segments.map(s => s.text || '[' + s.cite + ']').join(''), bot.text)
  assert.equal(chat.data.scrollTo, 'm-' + bot.key)

  // Tap the citation: the document page opens at the cited paragraph.
  chat.openCite({ currentTarget: { dataset: { mi: 1, n: cite.cite } } })
  const src = bot.sources.find(s => s.n === cite.cite)
  assert.equal(wx.nav.length, 1)
  const url = new URL('http://x' + wx.nav[0])
  assert.equal(url.pathname, '/pages/doc/index')
  assert.equal(url.searchParams.get('id'), src.id)
  assert.equal(url.searchParams.get('anchor'), src.anchor)

  // 👎 with a reason (the action sheet picks the second reason).
  const ack = new Promise(resolve => app.chat.on('ack', resolve))
  chat.vote({ currentTarget: { dataset: { mi: 1, v: 'down' } } })
  assert.equal((await ack).answer_id, bot.answerId)
  assert.equal(chat.data.messages[1].feedback, 'down')

  // The document page loads the source and scrolls to the cited paragraph.
  const q = Object.fromEntries(url.searchParams)
  const doc = loadPage('doc', app, wx)
  doc.onLoad(q)
  await waitFor(() => !doc.data.loading && doc.data.scrollTo, T, 'document page')
  assert.equal(doc.data.error, '')
  assert.ok(doc.data.doc.title)
  assert.ok(doc.data.chunks.some(c => c.key === doc.data.target), 'a paragraph carries the cited anchor')
  assert.equal(doc.data.scrollTo, doc.data.target)

  // 转人工 typed (not asked as a question) with no operator online offers
  // the hotline and 留言; so does the button.
  const bots = chat.data.messages.filter(m => m.role === 'bot').length
  chat.onInput({ detail: { value: '我要转人工' } })
  chat.send()
  const offer = await waitFor(() => chat.data.messages.find(m => m.noOperator), T, 'no-operator offer')
  assert.match(offer.text, /[\u4e00-\u9fff]/)
  assert.equal(chat.data.handoff, 'no_operator')
  assert.equal(chat.data.messages.filter(m => m.role === 'bot').length, bots, 'typed 转人工 is not asked as a question')
  chat.human()
  await waitFor(() => chat.data.messages.filter(m => m.noOperator).length === 2, T, 'no-operator offer after the button')
  chat.onUnload()
})

test('doc page: unknown document shows a Chinese error', { skip: BASE ? false : 'GOVCHAT_URL is not set' }, async () => {
  const wx = uiWx()
  const doc = loadPage('doc', { globalData: { baseURL: BASE } }, wx)
  doc.onLoad({ id: 'no-such-document-' + Date.now() })
  await waitFor(() => !doc.data.loading, T, 'doc page')
  assert.match(doc.data.error, /未找到/)
})
