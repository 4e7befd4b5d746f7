// The pages rendered by WeChat's own tools (simulate-env.js: the real WXML
// compiled by wcc, the real WXSS, the exparser component engine, in jsdom).
// A citizen types and taps on what the WXML renders; the tests read the
// rendered nodes, their computed styles and what the built-in components
// are asked to do. The first test uses answer frames from fixtures/ (valid
// frames of api/frames.schema.json: the Go test checks them); the others
// talk to the live server that go test ./cmd/govchat starts (GOVCHAT_URL),
// with an operator signed in as GOVCHAT_TEST_OPERATOR_TOKEN.
'use strict'

const env = require('./simulate-env') // first: the DOM the renderer needs
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const WebSocket = require('ws')
const { GovChat, anchorID } = require('../utils/govchat')
const { createWx, waitFor, nextEvent } = require('./wx-shim')

const { renderPage, text, tap, type, scrolls, simulate } = env
const BASE = process.env.GOVCHAT_URL || ''
const OP_TOKEN = process.env.GOVCHAT_TEST_OPERATOR_TOKEN || ''
const OP_STAFF = process.env.GOVCHAT_TEST_OPERATOR_STAFF_NO || ''
const QUESTION = process.env.GOVCHAT_TEST_QUESTION || '海曙区2019年政务公开重点公开哪几类重大建设项目信息'
// A question the live server's knowledge base answers with a clarification
// (chosen by the Go test, which checks that each choice is answered).
const CLARIFY = process.env.GOVCHAT_TEST_CLARIFY_QUESTION || ''
// Generous: CI runs this while every other package's tests load the same 2 cores.
const T = 20000
const live = BASE ? false : 'GOVCHAT_URL is not set: run through go test ./cmd/govchat/'
const liveOp = BASE && OP_TOKEN ? false : 'GOVCHAT_URL and GOVCHAT_TEST_OPERATOR_TOKEN are not set: run through go test ./cmd/govchat/'

const fixture = name => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8'))

// uiWx is the wx API of the pages: navigation, dialogs and the phone are
// recorded; the dialogs answer as a citizen would.
function uiWx () {
  const wx = createWx()
  Object.assign(wx, {
    nav: [],
    toasts: [],
    calls: Object.assign(wx.calls, { phone: [], clipboard: [], sheet: 0, modal: [] }),
    modalContent: '请工作人员回电',
    navigateTo (o) { wx.nav.push(o.url) },
    redirectTo (o) { wx.nav.push(o.url) },
    showToast (o) { wx.toasts.push(o.title) },
    setNavigationBarTitle () {},
    showActionSheet (o) { wx.calls.sheet++; o.success({ tapIndex: 1 }) },
    showModal (o) { wx.calls.modal.push(o.title); o.success({ confirm: true, content: wx.modalContent }) },
    setClipboardData (o) { wx.calls.clipboard.push(o.data) },
    makePhoneCall (o) { wx.calls.phone.push(o.phoneNumber) },
    onNetworkStatusChange () {}
  })
  return wx
}

// stubChat stands in for the protocol client: it answers each question
// with the next frame of answers and records what the page sends.
function stubChat (answers) {
  const listeners = {}
  const sent = { asked: [], via: [], feedback: [], human: 0, messages: [] }
  return {
    status: 'open',
    sent,
    on (type, fn) { (listeners[type] = listeners[type] || []).push(fn); return () => {} },
    emit (type, f) { (listeners[type] || []).forEach(fn => fn(f)) },
    start: () => Promise.resolve(),
    ask (q, h) {
      sent.asked.push(q)
      sent.via.push((h && h.via) || null)
      const a = answers.shift()
      if (h && h.onDelta) h.onDelta(a.text.slice(0, 4), a.text.slice(0, 4))
      return new Promise(resolve => setTimeout(() => resolve(a), 5))
    },
    feedback (id, helpful, reason) { sent.feedback.push({ id, helpful, reason }) },
    requestHuman () { sent.human++ },
    say (t) { sent.messages.push(t) },
    endHuman () {},
    leaveMessage (t) { sent.messages.push(t) }
  }
}

function color (node, prop) {
  return env.window.getComputedStyle(node.dom)[prop || 'color']
}

// within returns the nodes matching sel (a WXML class or id selector)
// inside node, as tappable wrappers (only the page can be queried: the
// nodes inside it are plain elements of its shadow tree).
function within (page, node, sel) {
  return page.querySelectorAll(sel).filter(w => node.dom.contains(w.dom))
}

// messages are the rendered message rows.
function messages (page) {
  return page.querySelectorAll('.msg')
}

// liveChat renders the chat page on a protocol client of the live server
// (the page's fallback hotline as given) and waits for its session.
async function liveChat (t, hotline) {
  const wx = uiWx()
  const app = { globalData: { baseURL: BASE, hotline } }
  app.chat = new GovChat({ baseURL: BASE, wx, login: false })
  t.after(() => app.chat.close())
  const page = renderPage('chat', app, wx)
  page.instance.onLoad()
  const session = await app.chat.whenOpen()
  return { wx, app, page, session }
}

async function ask (page, question) {
  await type(page.querySelector('.input'), question)
  assert.equal(page.querySelector('.send').instance.data.disabled, false, 'send is enabled with text typed')
  await tap(page.querySelector('.send'))
}

test('chat page renders an answer with numbered citations, its sources and related questions as buttons; a clarification offers its choices (real WXML/WXSS)', async () => {
  const first = fixture('answer-related.json')
  const second = fixture('answer-clarify.json')
  const chat = stubChat([first, second, fixture('answer-related.json')])
  const wx = uiWx()
  const page = renderPage('chat', { globalData: { baseURL: 'http://x', hotline: '12345' }, chat }, wx)
  page.instance.onLoad()
  assert.match(text(page.querySelector('.msg.bot')), /政策问答助手/, 'the greeting is rendered')
  assert.equal(text(page.querySelector('.human')), '转人工')

  await ask(page, '海曙区重点公开哪些重大建设项目信息')
  await waitFor(() => messages(page).length === 3 && within(page, messages(page)[2], '.related-q')[0], T, 'the answer rendered')
  const rows = messages(page)
  assert.equal(rows.length, 3, 'greeting, question, answer')
  assert.equal(text(within(page, rows[1], '.bubble')[0]), '海曙区重点公开哪些重大建设项目信息')
  const answer = rows[2]

  // Numbered citations: [1] and [2] are tappable; [9] names no source and
  // stays plain text.
  const cites = within(page, answer, '.cite')
  assert.deepEqual(cites.map(text), ['[1]', '[2]'])
  assert.match(text(within(page, answer, '.text')[0]), /另见\[9\]。$/, 'the 您可能还想问 list of the text is shown as buttons, not as text')
  assert.equal(color(cites[0]), 'rgb(13, 71, 161)', 'citations take their WXSS colour')

  // Sources, numbered like the citations, with 文号 and validity; a dated
  // annual plan shows its year beside 现行有效, demonstration content 示例.
  const sources = within(page, answer, '.source')
  assert.equal(sources.length, 2)
  assert.match(text(sources[0]), /^\[1\]宁波市海曙区人民政府办公室关于印发.*（海政办发〔2019〕21号）现行有效2019年度/)
  assert.doesNotMatch(text(sources[0]), /示例/)
  assert.match(text(sources[0]), /深化重大建设项目信息公开/, 'the cited heading')
  assert.match(text(sources[1]), /^\[2\]《2019年宁波市海曙区政务公开工作要点》解读已废止示例$/)
  assert.notEqual(color(within(page, sources[0], '.badge')[0]), color(within(page, sources[1], '.badge')[0]), 'validity badges differ in colour')

  // Related questions, as buttons (the sample one marked 示例).
  assert.equal(text(within(page, answer, '.related-title')[0]), '您可能还想问')
  const related = within(page, answer, '.related-q')
  assert.deepEqual(related.map(text), first.related.map(r => r.question + (r.sample ? '示例' : '')))
  assert.deepEqual(within(page, answer, '.act').map(text), ['👍 有用', '👎 没用', '复制'])

  // The list scrolls to the newest message.
  const last = page.instance.data.messages[1]
  assert.equal(page.querySelector('.list').instance.data.scrollIntoView, 'm-' + last.key)
  assert.ok(page.querySelector('#m-' + last.key), 'the scroll target is rendered')

  // Tapping [2] opens the document page at the cited paragraph.
  await tap(cites[1])
  assert.deepEqual(wx.nav, ['/pages/doc/index?id=haishu-zwgk-2019-jiedu&anchor=s1'])
  // A source line opens it too.
  await tap(sources[0])
  assert.equal(wx.nav[1], '/pages/doc/index?id=haishu-zwgk-2019&anchor=s2-1')

  // 👎 with a reason from the action sheet.
  await tap(within(page, answer, '.act')[1])
  assert.deepEqual(chat.sent.feedback, [{ id: first.answer_id, helpful: false, reason: '没有回答我的问题' }])
  assert.equal(text(within(page, answer, '.act.on')[0]), '👎 没用')

  // A related question is asked when tapped, naming the button it came
  // from (via); a clarifying answer offers its choices the same way.
  await tap(related[1])
  assert.deepEqual(chat.sent.asked, ['海曙区重点公开哪些重大建设项目信息', '重大建设项目信息在哪里公开？'])
  assert.deepEqual(chat.sent.via, [null, { answer_id: first.answer_id, id: 'faq-haishu-2' }])
  await waitFor(() => messages(page).length === 5 && within(page, messages(page)[4], '.related-q')[0], T, 'the second answer')
  const clarify = messages(page)[4]
  assert.equal(text(within(page, messages(page)[3], '.bubble')[0]), '重大建设项目信息在哪里公开？')
  assert.ok(clarify.dom.className.includes('clarify'), 'the clarification is marked')
  // The question first, then its choices as buttons, then the rest of the text.
  assert.equal(text(within(page, clarify, '.text')[0]), '您是想问以下哪个问题？')
  assert.deepEqual(within(page, clarify, '.related-q').map(text), second.related.map(r => r.question))
  assert.equal(text(within(page, clarify, '.tail')[0]), '请点选其中一项查看答复。')
  assert.equal(within(page, clarify, '.related-title').length, 0, 'the question itself heads the choices')
  assert.equal(within(page, clarify, '.source').length, 0)
  assert.equal(within(page, clarify, '.act').length, 0, 'no 👍/👎 on a clarification')
  const bubble = within(page, clarify, '.bubble')[0]
  assert.equal(env.window.getComputedStyle(bubble.dom).borderTopStyle, 'solid', 'the clarification stands out')

  // Choosing one asks it, naming the clarification and the choice.
  await tap(within(page, clarify, '.related-q')[0])
  assert.deepEqual(chat.sent.asked.slice(2), ['重大建设项目批准结果在哪里公开？'])
  assert.deepEqual(chat.sent.via[2], { answer_id: second.answer_id, id: 'faq-haishu-3' })

  // The greeting's example questions are asked without via.
  await waitFor(() => page.instance.data.sending === false, T, 'the third answer')
  const examples = within(page, messages(page)[0], '.related-q')
  assert.ok(examples.length >= 2, 'the greeting offers example questions')
  chat.sent.asked.length = 0
  answersAgain(chat, fixture('answer-related.json'))
  await tap(examples[0])
  assert.deepEqual(chat.sent.asked, [text(examples[0])])
  assert.equal(chat.sent.via[chat.sent.via.length - 1], null)
})

// answersAgain queues one more answer frame on a stubChat.
function answersAgain (chat, a) {
  const ask = chat.ask
  chat.ask = (q, h) => { chat.ask = ask; chat.sent.asked.push(q); chat.sent.via.push((h && h.via) || null); return Promise.resolve(a) }
}

// ---- 长辈模式: sizes and contrast read from the computed WXSS ----
// jsdom has no layout engine: sizes are the declared ones (font-size,
// min-height/height), resolved through the cascade and inheritance.

function css (el) { return env.window.getComputedStyle(el) }

// fontPx is el's font size, inherited from its ancestors (jsdom computes
// declared values only).
function fontPx (el) {
  for (let e = el; e; e = e.parentElement) {
    const v = css(e).fontSize
    if (v) return parseFloat(v)
  }
  return 16
}

function rgb (s) {
  const m = /rgba?\(([^)]+)\)/.exec(s || '')
  if (!m) return null
  const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number)
  return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }
}

// background is the colour behind el: the nearest ancestor's opaque
// background (the page's own, #f5f5f5, where none is set).
function background (el) {
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(css(e).backgroundColor)
    if (c && c.a > 0) return c
  }
  return { r: 245, g: 245, b: 245, a: 1 }
}

function luminance (c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4) }
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b)
}

function contrast (a, b) {
  const x = luminance(a)
  const y = luminance(b)
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05)
}

// textElements are the rendered elements with text of their own.
function textElements (page) {
  return Array.from(page.dom.querySelectorAll('*')).filter(e =>
    Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
}

const label = e => e.tagName.toLowerCase() + '.' + String(e.className).replace(/main--/g, '').trim().split(/\s+/).join('.') + ' "' + e.textContent.trim().slice(0, 16) + '"'

// TAPPABLE are the page's touch targets (inline citation numbers, which sit
// in a line of text, are exempt, as in WCAG 2.5.8; the sources list repeats
// them as full rows).
const TAPPABLE = ['.mode-toggle', '.call', '.related-q', '.act', '.source', '.human', '.send', '.input', '.link', '.retry']

// measure checks the rendered page: base text (selectors in base) at least
// baseMin px, every text at least textMin px and at textContrast:1 or more
// against what is behind it, every touch target at least target px high.
function measure (page, { base, baseMin, textMin, textContrast, target }) {
  const bad = []
  for (const sel of base) {
    const nodes = page.querySelectorAll(sel)
    if (!nodes.length) bad.push('no ' + sel + ' rendered')
    for (const n of nodes) if (fontPx(n.dom) < baseMin) bad.push(sel + ' is ' + fontPx(n.dom) + ' px < ' + baseMin)
  }
  for (const e of textElements(page)) {
    const size = fontPx(e)
    if (size < textMin) bad.push(label(e) + ': text of ' + size + ' px < ' + textMin)
    // Unset colours are the page's (app.wxss: page { color: #222 }).
    const fg = rgb(css(e).color) || { r: 34, g: 34, b: 34, a: 1 }
    const r = contrast(fg, background(e))
    if (r < textContrast) bad.push(label(e) + ': contrast ' + r.toFixed(2) + ':1 < ' + textContrast + ':1 (' + css(e).color + ' on ' + JSON.stringify(background(e)) + ')')
  }
  let targets = 0
  for (const sel of TAPPABLE) {
    for (const n of page.querySelectorAll(sel)) {
      targets++
      const s = css(n.dom)
      const h = Math.max(parseFloat(s.minHeight) || 0, parseFloat(s.height) || 0)
      if (h < target) bad.push(label(n.dom) + ': touch target ' + h + ' px high < ' + target)
      if (s.display === 'inline') bad.push(label(n.dom) + ': an inline touch target (its height does not apply)')
    }
  }
  if (targets < 3) bad.push('only ' + targets + ' touch targets found')
  return bad
}

// elderStates renders the chat page through an answer with sources and
// related questions, a clarification, 转人工 with nobody online, an
// operator's message and a connection notice.
async function elderStates (page, chat) {
  await ask(page, '海曙区重点公开哪些重大建设项目信息')
  await waitFor(() => messages(page).length === 3 && within(page, messages(page)[2], '.related-q')[0], T, 'the answer')
  await tap(within(page, messages(page)[2], '.related-q')[1])
  await waitFor(() => messages(page).length === 5 && within(page, messages(page)[4], '.tail')[0], T, 'the clarification')
  chat.emit('handoff', { status: 'no_operator', message: '当前暂无人工客服在线，如需人工服务，请拨打12345。', can_leave_message: true })
  chat.emit('operator', { staffNo: '1001', text: '您好，工号1001为您服务。', sources: [] })
  chat.emit('status', 'reconnecting')
  await simulate.sleep(0)
}

test('长辈模式: a visible, remembered switch; base text 22 px (18 px standard), nothing under 18 px, 44 px targets, 7:1 contrast, the hotline always in view (chat and document pages)', async () => {
  const wx = uiWx()
  const doc = fixture('docs/haishu-zwgk-2019-jiedu.json')
  wx.request = o => setImmediate(() => o.success({ statusCode: 200, data: JSON.parse(JSON.stringify(doc)), header: {} }))
  const app = { globalData: { baseURL: 'http://x', hotline: '12345' } }

  // Standard mode: 18 px base text, 4.5:1 contrast, 44 px targets.
  app.chat = stubChat([fixture('answer-related.json'), fixture('answer-clarify.json')])
  const std = renderPage('chat', app, wx)
  std.instance.onLoad()
  const toggle = std.querySelector('.mode-toggle')
  assert.ok(toggle, 'the 长辈模式 switch is rendered')
  assert.equal(text(toggle), '长辈模式')
  assert.equal(std.instance.data.elder, false, 'standard by default')
  await elderStates(std, app.chat)
  assert.deepEqual(measure(std, { base: ['.msg.bot .bubble', '.input'], baseMin: 18, textMin: 13, textContrast: 4.5, target: 44 }), [])

  // The switch: 长辈模式 on, remembered.
  await tap(toggle)
  assert.equal(std.instance.data.elder, true)
  assert.equal(wx.getStorageSync('govchat.mode'), 'elder', 'the choice is stored')
  assert.match(std.querySelector('.page').dom.className, /elder/)
  assert.match(text(std.querySelector('.mode-toggle')), /^✓长辈模式$/, 'the switch shows that it is on')
  assert.deepEqual(measure(std, { base: ['.msg.bot .bubble', '.input'], baseMin: 22, textMin: 18, textContrast: 7, target: 44 }), [])
  std.instance.onUnload()

  // A new visit starts in 长辈模式, every state measured again.
  app.chat = stubChat([fixture('answer-related.json'), fixture('answer-clarify.json')])
  const page = renderPage('chat', app, wx)
  page.instance.onLoad()
  assert.equal(page.instance.data.elder, true, 'remembered')
  await elderStates(page, app.chat)
  assert.deepEqual(measure(page, { base: ['.msg.bot .bubble', '.input', '.related-q'], baseMin: 20, textMin: 18, textContrast: 7, target: 52 }), [])
  assert.ok(fontPx(page.querySelector('.msg.bot .bubble').dom) >= 22, 'base text 22 px')

  // The hotline is always in view: outside the scrolling conversation, in
  // a bar at the top of a full-height column.
  const call = page.querySelector('.call')
  assert.equal(text(call), '拨打 12345')
  const list = page.querySelector('.list')
  assert.ok(!list.dom.contains(call.dom), 'the hotline button does not scroll with the conversation')
  const root = page.querySelector('.page').dom
  assert.equal(call.dom.parentElement.parentElement, root, 'the hotline bar is a row of the page itself')
  assert.equal(css(root).display, 'flex')
  assert.equal(css(root).flexDirection, 'column')
  assert.equal(css(root).height, '100vh')
  assert.equal(parseFloat(css(list.dom).minHeight), 0, 'the conversation, not the page, scrolls')
  assert.equal(css(list.dom).flexGrow, '1')
  await tap(call)
  assert.deepEqual(wx.calls.phone, ['12345'])
  page.instance.onUnload()

  // The document page follows the choice, and switches it back.
  const d = renderPage('doc', app, wx)
  d.instance.onLoad({ id: doc.id })
  await waitFor(() => d.querySelector('.title'), T, 'the document')
  assert.equal(d.instance.data.elder, true)
  assert.match(text(d.querySelector('.meta')), /现行有效2019年度示例/, 'validity, the plan year and 示例')
  assert.match(text(d.querySelector('.notice')), /示例内容/)
  assert.deepEqual(measure(d, { base: ['.chunk', '.title'], baseMin: 22, textMin: 18, textContrast: 7, target: 52 }), [])
  assert.ok(!d.querySelector('.doc').dom.contains(d.querySelector('.call').dom), 'the hotline stays while the text scrolls')
  await tap(d.querySelector('.mode-toggle'))
  assert.equal(wx.getStorageSync('govchat.mode'), 'standard')
  assert.deepEqual(measure(d, { base: ['.chunk'], baseMin: 18, textMin: 13, textContrast: 4.5, target: 44 }), [])
})

test('chat page, live: the answer renders numbered citations; a citation opens the document page at the cited paragraph', { skip: live }, async t => {
  const { wx, app, page } = await liveChat(t, '12345')

  let frame = null
  app.chat.on('answer', f => { frame = f })
  await ask(page, QUESTION)
  assert.equal(page.querySelector('.send').instance.data.disabled, true, 'send is disabled while the answer streams')
  const answer = await waitFor(() => {
    const rows = messages(page)
    return rows.length === 3 && within(page, rows[2], '.actions')[0] && rows[2]
  }, T, 'the answer rendered')
  const m = page.instance.data.messages[1]
  assert.equal(m.refused, false, m.text)
  const cites = within(page, answer, '.cite')
  assert.ok(cites.length > 0, 'numbered citations are rendered')
  assert.ok(within(page, answer, '.source').length > 0, 'sources are rendered')
  assert.equal(text(within(page, answer, '.bubble')[0]).startsWith(m.text.replace(/\s+/g, ' ').trim().slice(0, 10)), true)
  assert.ok(!within(page, answer, '.cursor')[0], 'no streaming cursor once answered')

  // The citation of a policy (a FAQ entry is a single paragraph).
  const numberOf = c => Number(text(c).replace(/\D/g, ''))
  const policy = frame.sources.find(s => s.type === 'policy' && cites.some(c => numberOf(c) === s.n))
  assert.ok(policy, 'the answer cites a policy: ' + JSON.stringify(frame.sources.map(s => s.type)))
  await tap(cites.find(c => numberOf(c) === policy.n))
  assert.equal(wx.nav.length, 1)
  const url = new URL('http://x' + wx.nav[0])
  const src = policy
  assert.equal(url.searchParams.get('id'), src.id)
  assert.equal(url.searchParams.get('anchor'), src.anchor)

  // The document page, rendered, scrolls to that paragraph and marks it.
  scrolls.length = 0
  const doc = renderPage('doc', app, wx)
  doc.instance.onLoad(Object.fromEntries(url.searchParams))
  assert.match(text(doc.querySelector('.center')), /正在加载/)
  const target = anchorID(src.anchor)
  await waitFor(() => scrolls.includes(target), T, 'the document page to scroll to the cited paragraph')
  assert.equal(doc.querySelector('.doc').instance.data.scrollIntoView, target)
  const hit = doc.querySelector('#' + target)
  assert.ok(hit, 'the cited paragraph is rendered with its anchor id')
  assert.deepEqual(doc.querySelectorAll('.hit').map(n => n.dom), [hit.dom], 'only the cited paragraph is highlighted')
  assert.equal(color(hit, 'backgroundColor'), 'rgb(255, 248, 197)', 'highlighted by the WXSS')
  assert.equal(text(doc.querySelector('.title')), src.title)
  assert.ok(doc.querySelectorAll('.chunk').length > 1, 'the whole text is rendered')
  assert.equal(doc.querySelectorAll('.chunk').length, doc.instance.data.chunks.length)
  page.instance.onUnload()
})

test('chat page, live: a clarification shows its question and its choices as buttons; a tap asks that choice, naming it (via), and gets its answer', { skip: BASE && CLARIFY ? false : 'GOVCHAT_URL and GOVCHAT_TEST_CLARIFY_QUESTION are not set: run through go test ./cmd/govchat/' }, async t => {
  const { wx, app, page } = await liveChat(t, '12345')
  const frames = []
  app.chat.on('answer', f => frames.push(f))

  await ask(page, CLARIFY)
  const row = await waitFor(() => messages(page).length === 3 && within(page, messages(page)[2], '.related-q').length && messages(page)[2], T, 'the clarification')
  const clar = frames[0]
  assert.equal(clar.clarify, true, CLARIFY + ' was not clarified: ' + clar.text)
  assert.ok(row.dom.className.includes('clarify'))
  const head = text(within(page, row, '.text')[0])
  assert.match(head, /^您(是想问|想了解的是)以下哪/, 'the question comes first')
  assert.ok(!clar.related.some(r => head.includes(r.question)), 'the choices are buttons, not text: ' + head)
  const buttons = within(page, row, '.related-q')
  assert.deepEqual(buttons.map(text), clar.related.map(r => r.question + (r.sample ? '示例' : '')))
  assert.equal(within(page, row, '.act').length, 0, 'no 👍/👎 on a clarification')

  const pick = Math.min(1, clar.related.length - 1)
  const chosen = clar.related[pick]
  await tap(buttons[pick])
  const asks = wx.calls.sent.filter(f => f.type === 'ask')
  assert.equal(asks.length, 2)
  assert.equal(asks[1].text, chosen.question)
  assert.deepEqual(asks[1].via, { answer_id: clar.answer_id, id: chosen.id }, 'the ask names the button')
  assert.equal(asks[0].via, undefined, 'a typed question has no via')

  await waitFor(() => frames.length === 2 && messages(page).length === 5 && !page.instance.data.sending, T, 'the chosen answer')
  const a = frames[1]
  assert.ok(!a.clarify && !a.refused, 'the choice was answered: ' + a.text)
  assert.equal(a.sources[0].id, chosen.id, 'the answer quotes the chosen entry')
  const anchor = chosen.doc_url.split('#')[1]
  if (anchor) assert.equal(a.sources[0].anchor, anchor, 'at the chosen section')
  const answer = messages(page)[4]
  assert.ok(within(page, answer, '.source').length > 0, 'its sources are rendered')
  assert.deepEqual(within(page, answer, '.act').map(text), ['👍 有用', '👎 没用', '复制'])
  page.instance.onUnload()
})

test('chat page, live: 转人工 with nobody online offers the hotline and a 留言, which reaches the workbench', { skip: live }, async t => {
  const { wx, app, page } = await liveChat(t, '00000')
  assert.equal(page.instance.data.hotline, '12345', 'the session frame names the hotline')

  // The operator of an earlier test may take a moment to leave.
  for (let i = 0; i < 20; i++) {
    await tap(page.querySelector('.human'))
    await waitFor(() => page.instance.data.handoff, T, 'an answer to 转人工')
    if (page.instance.data.handoff === 'no_operator') break
    const closed = nextEvent(app.chat, 'handoff', T, f => f.status === 'closed')
    app.chat.endHuman()
    await closed
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  assert.equal(page.instance.data.handoff, 'no_operator')
  const texts = messages(page).map(text)
  assert.ok(texts.includes('正在为您转接人工客服…'), texts.join(' | '))
  const offer = messages(page).find(r => within(page, r, '.act')[0])
  assert.match(text(offer), /当前暂无人工客服在线/)
  const acts = within(page, offer, '.act')
  assert.deepEqual(acts.map(text), ['拨打 12345', '留言'])

  await tap(acts[0])
  assert.deepEqual(wx.calls.phone, ['12345'])

  const note = '请工作人员回电，咨询政务公开事项（渲染测试' + Date.now() + '）。'
  wx.modalContent = note
  const ack = nextEvent(app.chat, 'ack', T, a => a.of === 'leave_message')
  await tap(acts[1])
  assert.deepEqual(wx.calls.modal, ['留言'])
  assert.match((await ack).message, /[\u4e00-\u9fff]/)
  const mine = messages(page)[messages(page).length - 1]
  assert.ok(mine.dom.className.includes('user'))
  assert.equal(text(mine), '【留言】' + note)

  if (OP_TOKEN) {
    const res = await fetch(BASE + '/api/agent/messages?status=open', { headers: { Authorization: 'Bearer ' + OP_TOKEN } })
    const list = await res.json()
    assert.ok(list.some(x => x.text === note), 'the workbench lists the 留言')
  }
  page.instance.onUnload()
})

// operator signs an operator in over a plain websocket.
async function operator (t) {
  const ws = new WebSocket(BASE.replace(/^http/, 'ws') + '/ws', ['govchat.v1'])
  t.after(() => ws.terminate())
  const frames = []
  ws.on('message', d => frames.push(JSON.parse(d.toString())))
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject) })
  const op = {
    ws,
    send: f => ws.send(JSON.stringify(f)),
    wait: (pred, what) => waitFor(() => {
      const i = frames.findIndex(pred)
      return i >= 0 && frames.splice(i, 1)[0]
    }, T, 'operator: ' + what)
  }
  op.send({ type: 'hello', v: 1, token: OP_TOKEN, client: 'render-test-operator' })
  assert.equal((await op.wait(f => f.type === 'session' || f.type === 'error', 'session')).type, 'session')
  op.send({ type: 'queue_subscribe', id: 'q1' })
  await op.wait(f => f.type === 'queue', 'queue')
  return op
}

test('chat page, live: 转人工 with an operator — queued, connected with the 工号, messages and a pushed answer both ways, ended from the page', { skip: liveOp }, async t => {
  const op = await operator(t)
  const { wx, app, page, session } = await liveChat(t, '12345')

  await tap(page.querySelector('.human'))
  await waitFor(() => page.instance.data.handoff === 'queued', T, 'queued')
  const human = page.querySelector('.human')
  assert.equal(text(human), '排队中')
  assert.equal(human.instance.data.disabled, true, 'the 转人工 button is disabled while queued')
  assert.ok(messages(page).some(r => /前面还有 0 位/.test(text(r))), messages(page).map(text).join(' | '))

  const q = await op.wait(f => f.type === 'queue' && f.items.some(i => i.session_id === session.session_id), 'the queue with the citizen')
  const conv = q.items.find(i => i.session_id === session.session_id).conversation
  op.send({ type: 'handoff_take', id: 'take', conversation: conv })
  await waitFor(() => page.instance.data.handoff === 'connected', T, 'connected')
  assert.equal(text(page.querySelector('.human')), '结束人工')
  assert.equal(page.querySelector('.input').instance.data.placeholder, '发消息给人工客服')
  assert.ok(messages(page).some(r => text(r).includes('工号' + OP_STAFF)), 'the citizen sees the operator\'s 工号')

  // Operator → citizen: a message, then a knowledge-base passage with its citation.
  op.send({ type: 'agent_message', id: 'm1', conversation: conv, text: '您好，请问有什么可以帮您？' })
  const line = await waitFor(() => page.querySelector('.msg.operator'), T, 'the operator\'s message')
  assert.equal(text(within(page, line, '.who')[0]), '人工客服（工号 ' + OP_STAFF + '）')
  assert.equal(text(within(page, line, '.bubble')[0]), '您好，请问有什么可以帮您？')
  assert.equal(color(within(page, line, '.bubble')[0], 'backgroundColor'), 'rgb(227, 242, 253)')

  const res = await fetch(BASE + '/api/agent/lookup', { method: 'POST', headers: { Authorization: 'Bearer ' + OP_TOKEN, 'Content-Type': 'application/json' }, body: JSON.stringify({ text: QUESTION }) })
  const hit = (await res.json()).policies[0]
  const [docID, anchor] = decodeURIComponent(hit.doc_url.replace(/^\/docs\//, '')).split('#')
  op.send({ type: 'agent_answer', id: 'a1', conversation: conv, doc_id: docID, anchor })
  const pushed = await waitFor(() => page.querySelectorAll('.msg.operator')[1], T, 'the pushed answer')
  assert.deepEqual(within(page, pushed, '.cite').map(text), ['[1]'])
  assert.equal(within(page, pushed, '.source').length, 1)
  await tap(within(page, pushed, '.cite')[0])
  assert.equal(wx.nav[wx.nav.length - 1], '/pages/doc/index?id=' + encodeURIComponent(docID) + '&anchor=' + encodeURIComponent(anchor))

  // Citizen → operator, typed into the page.
  await ask(page, '需要带什么材料？')
  const cm = await op.wait(f => f.type === 'citizen_message', 'the citizen\'s message')
  assert.equal(cm.text, '需要带什么材料？')
  assert.equal(page.instance.data.sending, false, 'a line to the operator is not a question to the bot')

  // 结束人工, confirmed in the dialog.
  await tap(page.querySelector('.human'))
  assert.ok(wx.calls.modal.includes('结束人工服务'))
  await waitFor(() => page.instance.data.handoff === '', T, 'closed')
  assert.equal(text(page.querySelector('.human')), '转人工')
  const fin = await op.wait(f => f.type === 'handoff_finished', 'handoff_finished')
  assert.equal(fin.by, 'citizen')
  page.instance.onUnload()
  await new Promise(resolve => { op.ws.once('close', resolve); op.ws.close() })
})
