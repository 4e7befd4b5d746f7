// 转人工 through the mini-program's protocol module with a live operator:
// the citizen uses utils/govchat.js over the wx shim; the operator is a plain
// websocket client signed in with GOVCHAT_TEST_OPERATOR_TOKEN (the Go test
// creates the account). Skipped without GOVCHAT_URL and the token.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const WebSocket = require('ws')
const { GovChat } = require('../utils/govchat')
const { createWx, nextEvent } = require('./wx-shim')

const BASE = process.env.GOVCHAT_URL || ''
// Generous: CI runs this while every other package's tests load the same 2 cores.
const T = 20000
const OP_TOKEN = process.env.GOVCHAT_TEST_OPERATOR_TOKEN || ''
const OP_STAFF = process.env.GOVCHAT_TEST_OPERATOR_STAFF_NO || ''
const skip = BASE && OP_TOKEN ? false : 'GOVCHAT_URL and GOVCHAT_TEST_OPERATOR_TOKEN are not set: run through go test ./cmd/govchat/'

// operator opens an operator socket and collects its frames.
async function operator (t) {
  const ws = new WebSocket(BASE.replace(/^http/, 'ws') + '/ws', ['govchat.v1'])
  t.after(() => ws.terminate())
  const frames = []
  const waiters = []
  ws.on('message', d => {
    const f = JSON.parse(d.toString())
    frames.push(f)
    for (const w of waiters.slice()) {
      if (w.pred(f)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(f) }
    }
  })
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject) })
  const op = {
    ws,
    frames,
    send: f => ws.send(JSON.stringify(f)),
    wait: (pred, ms) => new Promise((resolve, reject) => {
      const hit = frames.find(pred)
      if (hit) { frames.splice(frames.indexOf(hit), 1); return resolve(hit) }
      const timer = setTimeout(() => reject(new Error('operator: timed out; frames: ' + JSON.stringify(frames))), ms || T)
      waiters.push({ pred, resolve: f => { clearTimeout(timer); frames.splice(frames.indexOf(f), 1); resolve(f) } })
    })
  }
  op.send({ type: 'hello', v: 1, token: OP_TOKEN, client: 'test-operator' })
  const s = await op.wait(f => f.type === 'session' || f.type === 'error')
  assert.equal(s.type, 'session', JSON.stringify(s))
  assert.ok(s.role === 'operator' || s.role === 'admin', 'signed in as staff: ' + s.role)
  op.send({ type: 'queue_subscribe', id: 'q1' })
  await op.wait(f => f.type === 'queue')
  return op
}

test('转人工: queued, taken by an operator (工号 shown), messages both ways across a reconnect, ended', { skip }, async t => {
  const op = await operator(t)
  const wx = createWx()
  const chat = new GovChat({ baseURL: BASE, wx, login: false, backoff: { initial: 50, max: 200 } })
  t.after(() => chat.close())
  const session = await chat.start()

  const queued = nextEvent(chat, 'handoff', T)
  chat.requestHuman('想咨询人工')
  const q = await queued
  assert.equal(q.status, 'queued', JSON.stringify(q))
  assert.ok(q.position >= 1)
  assert.match(q.message, /[\u4e00-\u9fff]/)

  // The operator sees the conversation in the queue and takes it.
  const item = await op.wait(f => f.type === 'queue' && f.items.some(i => i.session_id === session.session_id))
  const conv = item.items.find(i => i.session_id === session.session_id).conversation
  const connected = nextEvent(chat, 'handoff', T, f => f.status === 'connected')
  op.send({ type: 'handoff_take', id: 'take1', conversation: conv })
  const c = await connected
  assert.equal(c.staff_no, OP_STAFF, 'the citizen sees the operator\'s 工号')
  assert.ok(c.message.includes(OP_STAFF))
  assert.ok(!/test-operator-name/.test(JSON.stringify(c)), 'never the operator\'s name')

  // Operator → citizen.
  const line = nextEvent(chat, 'operator', T)
  op.send({ type: 'agent_message', id: 'm1', conversation: conv, text: '您好，我是人工客服，请问有什么可以帮您？' })
  const m = await line
  assert.equal(m.kind, 'message')
  assert.equal(m.staffNo, OP_STAFF)
  assert.match(m.text, /人工客服/)

  // Citizen → operator.
  chat.say('我想问一下重大建设项目信息在哪里公开')
  const cm = await op.wait(f => f.type === 'citizen_message')
  assert.equal(cm.conversation, conv)
  assert.match(cm.text, /重大建设项目/)

  // The citizen's network drops; after the reconnect the conversation goes on.
  const resumed = nextEvent(chat, 'session', T)
  wx.sockets[wx.sockets.length - 1].cut()
  assert.equal((await resumed).session_id, session.session_id)
  const again = nextEvent(chat, 'operator', T)
  op.send({ type: 'agent_message', id: 'm2', conversation: conv, text: '在政府信息公开专栏。' })
  assert.match((await again).text, /公开专栏/)

  // The citizen ends it; the operator is told.
  const closed = nextEvent(chat, 'handoff', T, f => f.status === 'closed')
  chat.endHuman()
  await closed
  const fin = await op.wait(f => f.type === 'handoff_finished')
  assert.equal(fin.conversation, conv)
  assert.equal(fin.by, 'citizen')

  // The operator goes offline (the next test needs nobody online).
  await new Promise(resolve => { op.ws.once('close', resolve); op.ws.close() })
})

test('转人工 with nobody online: hotline offered and a 留言 is stored', { skip }, async t => {
  const chat = new GovChat({ baseURL: BASE, wx: createWx(), login: false })
  t.after(() => chat.close())
  await chat.start()
  // The server may take a moment to see the last operator leave.
  let f
  for (let i = 0; i < 20; i++) {
    const offer = nextEvent(chat, 'handoff', T)
    chat.requestHuman()
    f = await offer
    if (f.status === 'no_operator') break
    const closed = nextEvent(chat, 'handoff', T, x => x.status === 'closed')
    chat.endHuman()
    await closed
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  assert.equal(f.status, 'no_operator', JSON.stringify(f))
  assert.ok(f.hotline)
  assert.equal(f.can_leave_message, true)
  const ack = nextEvent(chat, 'ack', T, a => a.of === 'leave_message')
  chat.leaveMessage('请工作人员回电，咨询政务公开事项。', '13800000000')
  const a = await ack
  assert.match(a.message, /[\u4e00-\u9fff]/)
})
