// Live tests: utils/govchat.js against a running govchat server through the
// wx shim. The Go test in web/miniprogram starts the server (and a fake
// jscode2session) and sets:
//   GOVCHAT_URL            http://127.0.0.1:PORT of the govchat server
//   GOVCHAT_TEST_QUESTION  a question the knowledge base answers with sources
//   GOVCHAT_TEST_WECHAT    "1" when the server's WeChat login talks to the fake
// Without GOVCHAT_URL every test here is skipped.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { GovChat, parseAnswer } = require('../utils/govchat')
const { createWx, waitFor, nextEvent } = require('./wx-shim')

const BASE = process.env.GOVCHAT_URL || ''
// Generous: CI runs this while every other package's tests load the same 2 cores.
const T = 20000
const QUESTION = process.env.GOVCHAT_TEST_QUESTION || '海曙区2019年政务公开重点公开哪几类重大建设项目信息'
const WECHAT = process.env.GOVCHAT_TEST_WECHAT === '1'
const skip = BASE ? false : 'GOVCHAT_URL is not set: run through "go test ./web/miniprogram/"'
const skipLogin = skip || (WECHAT ? false : 'GOVCHAT_TEST_WECHAT is not set: the server has no fake WeChat')

// Fast backoff so that reconnect tests take milliseconds, not seconds.
const FAST = { initial: 50, max: 400, factor: 2, jitter: 0.2 }

function client (wx, opts) {
  return new GovChat(Object.assign({ baseURL: BASE, wx, login: false, backoff: FAST }, opts || {}))
}

test('ask streams an answer with sources, and the cited document has the cited paragraph', { skip }, async t => {
  const wx = createWx()
  const chat = client(wx)
  t.after(() => chat.close())
  const session = await chat.start()
  assert.equal(session.type, 'session')
  assert.ok(session.session && session.session_id, 'session frame carries the resume token and public id')

  const deltas = []
  const p = chat.ask(QUESTION, { onDelta: (d, all) => deltas.push({ d, all }) })
  assert.match(p.id, /^mp-/)
  const a = await p
  assert.equal(a.type, 'answer')
  assert.equal(a.id, p.id, 'the answer echoes the request id')
  assert.ok(a.answer_id, 'answer has an answer_id for feedback')
  assert.equal(a.refused, false, 'the test question is answered: ' + a.text)
  assert.ok(deltas.length >= 2, 'the answer streamed in pieces, got ' + deltas.length)
  assert.equal(deltas[deltas.length - 1].all, a.text, 'the streamed pieces add up to the answer')
  assert.ok(a.sources.length >= 1, 'the answer cites sources')
  const s = a.sources[0]
  for (const k of ['id', 'title', 'doc_url', 'snippet']) assert.ok(s[k], 'source has ' + k)
  assert.match(s.doc_url, /^\/docs\//)
  const segs = parseAnswer(a.text, a.sources)
  assert.ok(segs.some(x => x.cite), 'the answer text has numbered citations: ' + a.text)

  // The document page's data: GET /api/docs/{id} holds the cited paragraph.
  const anchor = s.anchor || decodeURIComponent(s.doc_url.split('#')[1] || '')
  assert.ok(anchor, 'the citation names a paragraph anchor')
  const res = await new Promise((resolve, reject) => wx.request({
    url: BASE + '/api/docs/' + encodeURIComponent(s.id), method: 'GET', success: resolve, fail: reject
  }))
  assert.equal(res.statusCode, 200)
  assert.equal(res.data.id, s.id)
  assert.ok(Array.isArray(res.data.chunks), 'document JSON has chunks')
  assert.ok(res.data.chunks.some(c => c.anchor === anchor), 'the cited anchor is one of the document chunks')
})

test('feedback is acknowledged; 转人工 without operators offers the hotline', { skip }, async t => {
  const chat = client(createWx())
  t.after(() => chat.close())
  await chat.start()
  const a = await chat.ask(QUESTION)
  const ack = nextEvent(chat, 'frame', T, f => f.type === 'ack' || f.type === 'error')
  chat.feedback(a.answer_id, false, '没有回答我的问题')
  const f = await ack
  assert.equal(f.type, 'ack', JSON.stringify(f))
  assert.equal(f.answer_id, a.answer_id)

  const h = nextEvent(chat, 'handoff', T)
  chat.requestHuman('测试转人工')
  const hf = await h
  assert.ok(hf.status, 'handoff frame has a status: ' + JSON.stringify(hf))
  assert.ok(/[\u4e00-\u9fff]/.test(hf.message || ''), 'handoff message is Chinese')
})

test('reconnects after the network drops and resumes the same session', { skip }, async t => {
  const wx = createWx()
  const chat = client(wx)
  t.after(() => chat.close())
  const first = await chat.start()
  await chat.ask(QUESTION)
  const statuses = []
  chat.on('status', s => statuses.push(s))

  // Cut the connection without a close handshake, as a phone losing signal.
  const resumed = nextEvent(chat, 'session', T)
  wx.sockets[wx.sockets.length - 1].cut()
  const again = await resumed
  assert.ok(statuses.includes('reconnecting'), 'status went through reconnecting: ' + statuses)
  assert.equal(chat.status, 'open')
  assert.equal(again.resumed, true, 'the server resumed the conversation')
  assert.equal(again.session_id, first.session_id, 'same session after reconnect')
  assert.ok(again.turns >= 1, 'the resumed session keeps earlier turns')
  assert.equal(wx.calls.connectSocket.length, 2)

  // A follow-up on the resumed session is answered.
  const b = await chat.ask('这些信息在哪里公开？')
  assert.equal(b.type, 'answer')

  // The session survives a restart of the mini-program: a new client with
  // the same storage resumes it.
  chat.close()
  const chat2 = client(wx)
  t.after(() => chat2.close())
  const third = await chat2.start()
  assert.equal(third.session_id, first.session_id)
  assert.equal(third.resumed, true)
})

test('coming back to the foreground replaces a socket that went silent', { skip }, async t => {
  const wx = createWx()
  const chat = client(wx)
  t.after(() => chat.close())
  const first = await chat.start()
  chat.reconnectNow() // fresh socket: nothing happens
  assert.equal(wx.calls.connectSocket.length, 1)
  chat.lastRecv -= chat.pingInterval + 10000 // as after a long time in the background
  const again = nextEvent(chat, 'session', T)
  chat.reconnectNow()
  const s = await again
  assert.equal(wx.calls.connectSocket.length, 2)
  assert.equal(s.session_id, first.session_id)
})

test('an ask made while disconnected is sent after the reconnect', { skip }, async t => {
  const wx = createWx()
  const chat = client(wx, { backoff: { initial: 300, max: 300, factor: 1, jitter: 0 } })
  t.after(() => chat.close())
  await chat.start()
  wx.sockets[0].cut()
  await waitFor(() => chat.status === 'reconnecting', T, 'reconnecting')
  const p = chat.ask(QUESTION)
  const a = await p
  assert.equal(a.id, p.id)
  assert.equal(wx.calls.connectSocket.length, 2)
})

test('a stream cut midway is asked again and answered in full', { skip }, async t => {
  const wx = createWx()
  const chat = client(wx)
  t.after(() => chat.close())
  await chat.start()
  let resets = 0
  let cut = false
  const p = chat.ask(QUESTION, {
    onDelta: () => {
      if (!cut) { cut = true; wx.sockets[wx.sockets.length - 1].cut() }
    },
    onReset: () => resets++
  })
  const a = await p
  assert.ok(cut, 'the stream was cut')
  assert.equal(resets, 1, 'the page was told to clear the partial answer')
  assert.equal(a.id, p.id)
  assert.ok(a.text.length > 0)
  assert.ok(wx.calls.connectSocket.length >= 2)
})

test('server errors reach the caller with their code and Chinese message', { skip }, async t => {
  const chat = client(createWx(), { maxQuestion: 100000 })
  t.after(() => chat.close())
  await chat.start()
  await assert.rejects(chat.ask('问'.repeat(600)), err => {
    assert.equal(err.code, 'too_large')
    assert.match(err.message, /[\u4e00-\u9fff]/)
    return true
  })
  // The socket stays usable.
  const a = await chat.ask(QUESTION)
  assert.equal(a.type, 'answer')
})

// ---- WeChat login ----

async function loggedIn (t, codes, opts) {
  const wx = createWx()
  wx.queueCodes(...codes)
  const chat = client(wx, Object.assign({ login: true }, opts || {}))
  t.after(() => chat.close())
  return { wx, chat }
}

test('wx.login → /api/wechat/login → the socket accepts the token', { skip: skipLogin }, async t => {
  const { wx, chat } = await loggedIn(t, ['ok-o_live_user'])
  const session = await chat.start()
  assert.equal(wx.calls.login, 1)
  const tok = wx.getStorageSync('govchat.token')
  assert.match(tok.token, /^gcwx_/)
  assert.ok(tok.expiresAt > Date.now())
  assert.equal(session.role, 'citizen')
  // The hello carried the token and was not refused.
  const a = await chat.ask(QUESTION)
  assert.equal(a.type, 'answer')
  assert.equal(await chat.checkToken(), true)

  // A second start with the stored token does not log in again.
  chat.close()
  const chat2 = client(wx, { login: true })
  t.after(() => chat2.close())
  await chat2.start()
  assert.equal(wx.calls.login, 1)
})

test('a revoked token is refused by the socket and the client logs in again', { skip: skipLogin }, async t => {
  const { wx, chat } = await loggedIn(t, ['ok-o_revoked', 'ok-o_revoked_again'])
  await chat.start()
  const old = wx.getStorageSync('govchat.token').token
  // Revoke it on the server but keep it in storage, as after a logout elsewhere.
  const saved = wx.getStorageSync('govchat.token')
  await chat.logout()
  wx.setStorageSync('govchat.token', saved)
  assert.equal(await new GovChat({ baseURL: BASE, wx, login: false }).checkToken(), false, 'server refuses the revoked token')
  wx.setStorageSync('govchat.token', saved)

  const refused = nextEvent(chat, 'error', T, e => e.code === 'unauthorized')
  const resumed = nextEvent(chat, 'session', T)
  chat.drop()
  const err = await refused
  assert.match(err.message, /[\u4e00-\u9fff]/)
  await resumed
  assert.equal(wx.calls.login, 2, 'logged in again with a fresh code')
  const tok = wx.getStorageSync('govchat.token').token
  assert.ok(tok && tok !== old)
  assert.equal(chat.status, 'open')
})

test('login maps WeChat error codes to codes and Chinese messages', { skip: skipLogin }, async t => {
  const cases = [
    { codes: ['err-40029', 'err-40029'], code: 'invalid_code', status: 401 },
    { codes: ['err-40163', 'err-40163'], code: 'code_used', status: 401 },
    { codes: ['err-45011'], code: 'rate_limited', status: 429 },
    { codes: ['err-40226'], code: 'blocked', status: 403 },
    { codes: ['err--1'], code: 'busy', status: 503 }
  ]
  for (const c of cases) {
    const wx = createWx()
    wx.queueCodes(...c.codes)
    const chat = client(wx, { login: true })
    await assert.rejects(chat.login(), err => {
      assert.equal(err.code, c.code, c.codes[0])
      assert.equal(err.status, c.status, c.codes[0])
      assert.match(err.message, /[\u4e00-\u9fff]/, c.codes[0])
      return true
    })
    assert.equal(wx.calls.login, c.codes.length, c.codes[0] + ': wx.login calls')
    assert.equal(wx.getStorageSync('govchat.token'), '', 'no token stored')
    chat.close()
  }
})

test('an invalid or used code is retried once with a fresh wx.login code', { skip: skipLogin }, async t => {
  const { wx, chat } = await loggedIn(t, ['err-40029', 'ok-o_retry'])
  await chat.start()
  assert.equal(wx.calls.login, 2)
  assert.match(wx.getStorageSync('govchat.token').token, /^gcwx_/)
})

test('WeChat busy: the citizen still chats anonymously; blocked: not at all', { skip: skipLogin }, async t => {
  const busy = await loggedIn(t, ['err--1'])
  const notice = nextEvent(busy.chat, 'notice', T)
  await busy.chat.start()
  assert.equal((await notice).code, 'busy')
  const a = await busy.chat.ask(QUESTION)
  assert.equal(a.type, 'answer')

  const blocked = await loggedIn(t, ['err-40226'])
  await assert.rejects(blocked.chat.start(), err => err.code === 'blocked')
  assert.equal(blocked.wx.calls.connectSocket.length, 0, 'a blocked user gets no socket')
})
