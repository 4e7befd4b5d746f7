// Unit tests of utils/govchat.js and utils/format.js that need no server.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { GovChat, parseAnswer, anchorID, socketURLFor } = require('../utils/govchat')
const format = require('../utils/format')

test('parseAnswer turns known citation numbers into segments', () => {
  const sources = [{ n: 1 }, { n: 2 }]
  assert.deepEqual(parseAnswer('重点公开三类[1]，见【2】和[3]。', sources), [
    { text: '重点公开三类' }, { cite: 1 }, { text: '，见' }, { cite: 2 }, { text: '和[3]。' }
  ])
  assert.deepEqual(parseAnswer('', sources), [])
  assert.deepEqual(parseAnswer('无引用', []), [{ text: '无引用' }])
  // Sources without n are numbered by position.
  assert.deepEqual(parseAnswer('[1]', [{}]), [{ cite: 1 }])
})

test('anchorID makes WXML-safe ids', () => {
  assert.equal(anchorID('c-3'), 'a-c-3')
  assert.match(anchorID('一、总则'), /^a-[A-Za-z0-9_-]+$/)
  assert.notEqual(anchorID('a.b'), anchorID('a_b'))
})

test('socketURLFor maps http(s) to ws(s)', () => {
  assert.equal(socketURLFor('https://zw.example.gov.cn/'), 'wss://zw.example.gov.cn/ws')
  assert.equal(socketURLFor('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/ws')
  assert.equal(socketURLFor('https://x.cn/gov'), 'wss://x.cn/gov/ws')
})

test('format helpers', () => {
  assert.equal(format.badgeClass('现行有效'), 'badge-active')
  assert.equal(format.badgeClass('已废止'), 'badge-repealed')
  assert.equal(format.date('2019-03-05T00:00:00Z'), '2019年3月5日')
  assert.equal(format.date('0001-01-01T00:00:00Z'), '')
  assert.equal(format.anchorFromURL('/docs/abc#c-3'), 'c-3')
  const v = format.sourceView({ id: 'd1', doc_url: '/docs/d1#p-2', title: 'T', status: '已修订' }, 0)
  assert.equal(v.n, 1)
  assert.equal(v.anchor, 'p-2')
  assert.equal(v.badge, 'badge-revised')
})

test('splitListed takes the listed related questions out of the text, keeping what is around them', () => {
  const rel = [{ question: '政策解读按照什么原则进行？' }, { question: '《工作要点》解读：三、主要内容' }]
  assert.deepEqual(format.splitListed('您想了解的是以下哪一项？\n1. 政策解读按照什么原则进行？\n2. 《工作要点》解读：三、主要内容\n\n请点选其中一项查看答复。', rel),
    { head: '您想了解的是以下哪一项？', tail: '请点选其中一项查看答复。', heading: '' })
  // After an answer: the 您可能还想问： heading goes with its list.
  assert.deepEqual(format.splitListed('答复内容。[1]\n\n您可能还想问：\n· 政策解读按照什么原则进行\n· 《工作要点》解读：三、主要内容', rel),
    { head: '答复内容。[1]', tail: '', heading: '您可能还想问' })
  // After a tentative answer the heading says the buttons are the other candidates.
  assert.deepEqual(format.splitListed('您问的可能是常见问题“甲”，其答复：\n答复内容。[1]\n\n如果不是您要问的，您可能想问：\n· 政策解读按照什么原则进行', rel),
    { head: '您问的可能是常见问题“甲”，其答复：\n答复内容。[1]', tail: '', heading: '如果不是您要问的，您可能想问' })
  // Text that does not list them is left whole; so is a list of other questions.
  assert.deepEqual(format.splitListed('答复内容。', rel), { head: '答复内容。', tail: '', heading: '' })
  assert.deepEqual(format.splitListed('办理步骤：\n1. 提交申请\n2. 等待答复', rel), { head: '办理步骤：\n1. 提交申请\n2. 等待答复', tail: '', heading: '' })
})

test('relatedView keys every button (two sections of one document share an id) and keeps 示例', () => {
  const v = format.relatedView([{ id: 'd', question: 'A', sample: true }, { id: 'd', question: 'B' }, { id: 'x' }, null])
  assert.deepEqual(v, [{ k: 'r0', id: 'd', question: 'A', sample: true }, { k: 'r1', id: 'd', question: 'B', sample: false }])
  const s = format.sourceView({ id: 'p', plan_year: 2019, sample: true }, 0)
  assert.equal(s.year, '2019年度')
  assert.equal(s.sample, true)
  assert.equal(format.sourceView({ id: 'p' }, 0).year, '')
})

// A wx whose sockets never open: every attempt errors at once.
function failingWx () {
  const storage = new Map()
  return {
    attempts: 0,
    getStorageSync: k => storage.has(k) ? storage.get(k) : '',
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: k => storage.delete(k),
    connectSocket () {
      this.attempts++
      const l = { open: [], message: [], close: [], error: [] }
      setImmediate(() => { l.error.forEach(f => f({ errMsg: 'fail' })); l.close.forEach(f => f({ code: 1006 })) })
      return {
        onOpen: f => l.open.push(f),
        onMessage: f => l.message.push(f),
        onClose: f => l.close.push(f),
        onError: f => l.error.push(f),
        send () { throw new Error('not open') },
        close () {}
      }
    }
  }
}

test('reconnects with exponential backoff up to the cap, without jitter when random is 0', async () => {
  const wx = failingWx()
  const delays = []
  let chat
  const timers = {
    setTimeout (fn, ms) {
      if (ms < 60000) delays.push(ms) // the answer timeout is not a backoff
      if (delays.length >= 8) { setImmediate(() => chat.close()); return 0 }
      return setTimeout(fn, 0)
    },
    clearTimeout
  }
  chat = new GovChat({ baseURL: 'http://127.0.0.1:1', wx, login: false, random: () => 0, timers, backoff: { initial: 100, max: 2000, factor: 2 } })
  await assert.rejects(chat.start(), err => err.code === 'closed')
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 2000, 2000, 2000])
  assert.equal(wx.attempts, 8)
})

test('jitter shortens the delay by at most the jitter fraction', async () => {
  const wx = failingWx()
  const delays = []
  let chat
  const timers = {
    setTimeout (fn, ms) {
      delays.push(ms)
      if (delays.length >= 3) { setImmediate(() => chat.close()); return 0 }
      return setTimeout(fn, 0)
    },
    clearTimeout
  }
  chat = new GovChat({ baseURL: 'http://127.0.0.1:1', wx, login: false, random: () => 1, timers, backoff: { initial: 1000, max: 8000, jitter: 0.5 } })
  await assert.rejects(chat.start())
  assert.deepEqual(delays, [500, 1000, 2000])
})

test('ask validates before sending', async () => {
  const chat = new GovChat({ baseURL: 'http://127.0.0.1:1', wx: failingWx(), login: false })
  await assert.rejects(chat.ask('   '), err => err.code === 'empty')
  await assert.rejects(chat.ask('问'.repeat(501)), err => err.code === 'too_long' && /500/.test(err.message))
  chat.close()
})

test('request ids are unique', () => {
  const chat = new GovChat({ baseURL: 'http://x', wx: failingWx(), login: false })
  const ids = new Set()
  for (let i = 0; i < 1000; i++) ids.add(chat.nextID())
  assert.equal(ids.size, 1000)
  for (const id of ids) assert.ok(id.length <= 64, id)
})

test('a closed client refuses new asks at once', async () => {
  const chat = new GovChat({ baseURL: 'http://127.0.0.1:1', wx: failingWx(), login: false })
  chat.close()
  await assert.rejects(chat.ask('问题'), err => err.code === 'closed')
})

test('a hello refused as rate_limited is said again after retry_after', { timeout: 5000 }, async () => {
  const hellos = []
  const delays = []
  const wx = {
    getStorageSync: () => '',
    setStorageSync () {},
    removeStorageSync () {},
    connectSocket () {
      const l = { open: [], message: [], close: [], error: [] }
      const deliver = f => setImmediate(() => l.message.forEach(cb => cb({ data: JSON.stringify(f) })))
      setImmediate(() => l.open.forEach(cb => cb()))
      return {
        onOpen: f => l.open.push(f),
        onMessage: f => l.message.push(f),
        onClose: f => l.close.push(f),
        onError: f => l.error.push(f),
        send ({ data }) {
          const f = JSON.parse(data)
          if (f.type !== 'hello') return
          hellos.push(f)
          if (hellos.length === 1) deliver({ type: 'error', code: 'rate_limited', message: '请稍后再试。', retry_after: 2 })
          else deliver({ type: 'session', v: 1, session: 's-token', resumed: false })
        },
        close () {}
      }
    }
  }
  const timers = {
    setTimeout (fn, ms) { delays.push(ms); return setTimeout(fn, 0) },
    clearTimeout,
    setInterval () { return 0 },
    clearInterval () {},
    now: () => Date.now()
  }
  const chat = new GovChat({ baseURL: 'http://127.0.0.1:1', wx, login: false, timers })
  const opened = new Promise(resolve => chat.on('open', resolve))
  chat.start()
  await opened
  chat.close()
  assert.equal(hellos.length, 2)
  assert.ok(delays.includes(2000), `retry after 2 s, delays ${delays}`)
})

test('asksForHuman knows a request for a person from a question', () => {
  for (const t of ['转人工', '人工', '人工客服', '我要找人工客服', '请帮我转人工！', '转 人工', '客服', '真人吧']) {
    assert.equal(format.asksForHuman(t), true, t)
  }
  for (const t of ['客服电话是多少', '人工服务怎么收费', '转人工以后要等多久', '人工智能', '', '工人']) {
    assert.equal(format.asksForHuman(t), false, t)
  }
})
