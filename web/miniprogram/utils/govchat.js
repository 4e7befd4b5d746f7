// govchat protocol client for the WeChat mini-program.
//
// The one module the pages use to talk to govchat: it signs in with wx.login,
// opens the chat socket with wx.connectSocket, sends asks with request ids,
// streams deltas, reconnects with exponential backoff and resumes the
// conversation after a reconnect. It uses only wx.* APIs (no DOM), so it also
// runs under node with a small wx shim (see test/).
//
// Usage:
//   const { GovChat } = require('../../utils/govchat')
//   const chat = new GovChat({ baseURL: 'https://zw.example.gov.cn' })
//   chat.on('status', s => ...)
//   chat.start()
//   chat.ask('问题', { onDelta: (text, all) => ..., }).then(answer => ...)
'use strict'

const PROTOCOL_VERSION = 1

// Client-side failure codes (server codes come from error frames and the
// login API: bad_request, too_large, rate_limited, unavailable, internal,
// invalid_code, code_used, blocked, busy, misconfigured, unauthorized).
const MESSAGES = {
  network: '网络连接不稳定，正在重新连接…',
  timeout: '回答超时，请稍后再试。',
  closed: '连接已关闭。',
  login_failed: '微信登录失败，请稍后再试。',
  too_long: '问题太长了，请精简到 500 字以内。',
  empty: '请输入问题。'
}

class GovChatError extends Error {
  constructor (code, message, extra) {
    super(message || MESSAGES[code] || '出错了，请稍后再试。')
    this.name = 'GovChatError'
    this.code = code
    if (extra) Object.assign(this, extra)
  }
}

function trimSlash (s) {
  return String(s || '').replace(/\/+$/, '')
}

// socketURLFor turns https://host/base into wss://host/base/ws.
function socketURLFor (baseURL) {
  return trimSlash(baseURL).replace(/^http(s?):\/\//i, (m, s) => (s ? 'wss://' : 'ws://')) + '/ws'
}

// parseAnswer splits answer text into plain and citation segments:
// '见[1]和[2]。' → [{text:'见'},{cite:1},{text:'和'},{cite:2},{text:'。'}]
// Only numbers that match a source become citations.
function parseAnswer (text, sources) {
  const known = {}
  ;(sources || []).forEach((s, i) => { known[s.n || i + 1] = true })
  const out = []
  const re = /[[［【](\d{1,2})[\]］】]/g
  let last = 0
  let m
  text = String(text || '')
  while ((m = re.exec(text)) !== null) {
    const n = Number(m[1])
    if (!known[n]) continue
    if (m.index > last) out.push({ text: text.slice(last, m.index) })
    out.push({ cite: n })
    last = m.index + m[0].length
  }
  if (last < text.length) out.push({ text: text.slice(last) })
  return out
}

// anchorID makes a WXML-safe element id for a chunk anchor (scroll-into-view
// needs an id that starts with a letter).
function anchorID (anchor) {
  return 'a-' + String(anchor || '').replace(/[^A-Za-z0-9_-]/g, c => '_' + c.charCodeAt(0).toString(16))
}

// askFrame is the ask frame of a pending question.
function askFrame (p) {
  const f = { type: 'ask', id: p.id, text: p.question }
  if (p.via) f.via = p.via
  return f
}

class GovChat {
  // opts: baseURL (required), socketURL, wx, login (default true),
  // storagePrefix, backoff {initial, max, factor, jitter}, pingInterval,
  // answerTimeout, maxQuestion, random, timers {setTimeout, clearTimeout,
  // setInterval, clearInterval, now}.
  constructor (opts) {
    opts = opts || {}
    if (!opts.baseURL) throw new Error('govchat: baseURL is required')
    this.baseURL = trimSlash(opts.baseURL)
    this.socketURL = opts.socketURL || socketURLFor(this.baseURL)
    /* global wx */
    this.wx = opts.wx || (typeof wx !== 'undefined' ? wx : null)
    if (!this.wx) throw new Error('govchat: no wx API')
    this.useLogin = opts.login !== false
    this.prefix = opts.storagePrefix || 'govchat.'
    const b = opts.backoff || {}
    this.backoff = {
      initial: b.initial || 500,
      max: b.max || 30000,
      factor: b.factor || 2,
      jitter: b.jitter === undefined ? 0.3 : b.jitter
    }
    this.pingInterval = opts.pingInterval || 25000
    // Longer than the server's own answer timeout (model timeout + 30 s),
    // so that the server's error frame, not this, reports a slow answer.
    this.answerTimeout = opts.answerTimeout || 120000
    this.maxQuestion = opts.maxQuestion || 500
    this.random = opts.random || Math.random
    const t = opts.timers || {}
    this.timers = {
      setTimeout: t.setTimeout || setTimeout,
      clearTimeout: t.clearTimeout || clearTimeout,
      setInterval: t.setInterval || setInterval,
      clearInterval: t.clearInterval || clearInterval,
      now: t.now || Date.now
    }

    this.status = 'idle' // idle | connecting | open | reconnecting | closed
    this.task = null // the current SocketTask
    this.attempt = 0 // consecutive failed connection attempts
    this.seq = 0
    this.pending = new Map() // ask id → {text, resolve, reject, handlers, text so far}
    this.outbox = [] // frames to send once open (feedback, handoff…)
    this.listeners = {}
    this.session = this._load('session') || ''
    this.lastRecv = 0
    this.reconnectTimer = null
    this.pingTimer = null
    this.loginPromise = null
    this.openWaiters = []
    this.authFailures = 0
    this.currentToken = ''
    this.greeted = false
    this.sessionID = ''
    this.clientTag = Math.floor(this.random() * 1e9).toString(36)
  }

  // ---- events ----

  // on subscribes to an event: status, open, close, delta, answer, error,
  // frame (every frame), session, login, handoff, operator, notice. Returns an
  // unsubscribe function.
  on (type, fn) {
    (this.listeners[type] = this.listeners[type] || []).push(fn)
    return () => this.off(type, fn)
  }

  off (type, fn) {
    const l = this.listeners[type]
    if (l) this.listeners[type] = l.filter(f => f !== fn)
  }

  _emit (type, a, b) {
    const l = this.listeners[type]
    if (!l) return
    l.slice().forEach(fn => {
      try { fn(a, b) } catch (e) { console.error('govchat listener', type, e) }
    })
  }

  _setStatus (s) {
    if (this.status === s) return
    this.status = s
    this._emit('status', s)
  }

  // ---- storage ----

  _load (key) {
    try { return this.wx.getStorageSync(this.prefix + key) } catch (e) { return '' }
  }

  _save (key, v) {
    try {
      if (v === '' || v === null || v === undefined) this.wx.removeStorageSync(this.prefix + key)
      else this.wx.setStorageSync(this.prefix + key, v)
    } catch (e) { /* storage full or unavailable: keep going in memory */ }
  }

  // ---- HTTP ----

  // request wraps wx.request in a promise: resolves {status, data}; rejects
  // only on network failure.
  request (method, path, data, headers) {
    return new Promise((resolve, reject) => {
      this.wx.request({
        url: this.baseURL + path,
        method,
        data,
        header: Object.assign({ 'content-type': 'application/json' }, headers || {}),
        timeout: 15000,
        success: res => resolve({ status: res.statusCode, data: res.data, header: res.header }),
        fail: err => reject(new GovChatError('network', null, { cause: err && err.errMsg }))
      })
    })
  }

  // ---- login ----

  // token returns the stored session token if it has more than a minute left.
  token () {
    const t = this._load('token')
    if (!t || !t.token || !t.expiresAt) return ''
    if (t.expiresAt - this.timers.now() < 60000) return ''
    return t.token
  }

  // login runs wx.login → POST /api/wechat/login and stores the token. It
  // retries once with a fresh code when the code was invalid or used.
  // Rejects with a GovChatError whose code is the server's and message its
  // Chinese explanation.
  login () {
    if (this.loginPromise) return this.loginPromise
    const once = () => this._wxLogin().then(code => this.request('POST', '/api/wechat/login', { code }))
    const attempt = (left) => once().then(res => {
      const d = res.data || {}
      if (res.status === 200 && d.token) {
        const expiresAt = this.timers.now() + (Number(d.expires_in) || 0) * 1000
        this._save('token', { token: d.token, expiresAt })
        this._emit('login', { ok: true })
        return d.token
      }
      const err = new GovChatError(d.code || 'login_failed', d.message || MESSAGES.login_failed, { status: res.status })
      if (left > 0 && (err.code === 'invalid_code' || err.code === 'code_used')) return attempt(left - 1)
      throw err
    })
    this.loginPromise = attempt(1).then(tok => {
      this.loginPromise = null
      return tok
    }, err => {
      this.loginPromise = null
      if (!(err instanceof GovChatError)) err = new GovChatError('login_failed', null, { cause: String(err) })
      this._emit('login', { ok: false, error: err })
      throw err
    })
    return this.loginPromise
  }

  _wxLogin () {
    return new Promise((resolve, reject) => {
      this.wx.login({
        timeout: 10000,
        success: res => res && res.code ? resolve(res.code) : reject(new GovChatError('login_failed', null, { cause: res && res.errMsg })),
        fail: err => reject(new GovChatError('login_failed', null, { cause: err && err.errMsg }))
      })
    })
  }

  // checkToken asks the server whether the stored token is still good; a
  // refused one is dropped. Resolves true when it is good.
  checkToken () {
    const tok = this.token()
    if (!tok) return Promise.resolve(false)
    return this.request('GET', '/api/wechat/session', undefined, { Authorization: 'Bearer ' + tok }).then(res => {
      if (res.status === 200) return true
      if (res.status === 401) this._save('token', '')
      return false
    }, () => true) // network trouble says nothing about the token
  }

  logout () {
    const tok = this.token()
    this._save('token', '')
    if (!tok) return Promise.resolve()
    return this.request('POST', '/api/wechat/logout', undefined, { Authorization: 'Bearer ' + tok }).then(() => {}, () => {})
  }

  // _ensureToken resolves a token, or '' to go on anonymously. A blocked
  // user (WeChat 40226) is not let in anonymously either.
  _ensureToken () {
    if (!this.useLogin) return Promise.resolve('')
    const tok = this.token()
    if (tok) return Promise.resolve(tok)
    return this.login().catch(err => {
      if (err.code === 'blocked') throw err
      this._emit('notice', { code: err.code, message: err.message })
      return ''
    })
  }

  // ---- connection ----

  // start connects (logging in first) and resolves once the socket is open.
  start () {
    if (this.status === 'closed') this.status = 'idle'
    const p = this.whenOpen()
    if (this.status === 'idle') this._connect()
    return p
  }

  // whenOpen resolves the next time the socket is open (now if it is).
  whenOpen () {
    if (this.status === 'open') return Promise.resolve()
    return new Promise((resolve, reject) => this.openWaiters.push({ resolve, reject }))
  }

  _connect () {
    if (this.status === 'closed') return
    this._clearReconnect()
    this._setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting')
    this._ensureToken().then(tok => this._open(tok), err => {
      // Only a blocked login ends here: nothing will get better by retrying.
      this._failWaiters(err)
      this._emit('error', err)
      this.close()
    })
  }

  _open (tok) {
    if (this.status === 'closed') return
    this.currentToken = tok
    let opened = false
    let done = false
    let task = null
    const finish = () => {
      if (done) return
      done = true
      if (this.task === task) this.task = null
      this._stopPing()
      if (this.status === 'closed') return
      this.greeted = false
      this._emit('close', { opened })
      this._scheduleReconnect()
    }
    task = this.wx.connectSocket({
      url: this.socketURL,
      protocols: ['govchat.v1'],
      timeout: 15000,
      fail: () => finish()
    })
    if (done) return
    if (!task) return finish()
    this.task = task
    task.onOpen(() => {
      if (done) return
      opened = true
      this.greeted = false
      this.lastRecv = this.timers.now()
      // The socket counts as open once the server's session frame answers
      // this hello (see _onSession); asks wait until then.
      this._hello()
      this._startPing()
    })
    task.onMessage(res => this._onMessage(res && res.data))
    task.onError(() => finish())
    task.onClose(() => finish())
  }

  _scheduleReconnect () {
    if (this.status === 'closed' || this.reconnectTimer) return
    const b = this.backoff
    const base = Math.min(b.max, b.initial * Math.pow(b.factor, this.attempt))
    const delay = Math.round(base * (1 - b.jitter * this.random()))
    this.attempt++
    this._setStatus('reconnecting')
    this._emit('reconnect', { attempt: this.attempt, delay })
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null
      this._connect()
    }, delay)
  }

  _clearReconnect () {
    if (this.reconnectTimer) {
      this.timers.clearTimeout(this.reconnectTimer)
      this.reconnectTimer = null
    }
  }

  // reconnectNow skips the backoff wait (call it from onShow or when the
  // network comes back).
  reconnectNow () {
    if (this.status === 'open' && this.timers.now() - this.lastRecv > this.pingInterval + 5000) {
      // Back from the background with a socket that has been silent too
      // long: it is probably dead; replace it now rather than after the
      // next ping interval.
      this.drop()
    } else if (this.status === 'reconnecting' && this.reconnectTimer) {
      this._clearReconnect()
      this.attempt = 0
      this._connect()
    } else if (this.status === 'idle') {
      this._connect()
    }
  }

  // drop closes the current socket without ending the client (it reconnects):
  // for tests and for a page that knows the network changed.
  drop () {
    if (this.task) this.task.close({ code: 4000, reason: 'client drop' })
  }

  // close ends the client: no reconnects; pending asks fail.
  close () {
    this._setStatus('closed')
    this._clearReconnect()
    this._stopPing()
    if (this.task) {
      try { this.task.close({ code: 1000, reason: 'bye' }) } catch (e) { /* already closed */ }
      this.task = null
    }
    const err = new GovChatError('closed')
    this.pending.forEach(p => { this.timers.clearTimeout(p.timer); p.reject(err) })
    this.pending.clear()
    this._failWaiters(err)
  }

  _failWaiters (err) {
    const w = this.openWaiters
    this.openWaiters = []
    w.forEach(x => x.reject(err))
  }

  _startPing () {
    this._stopPing()
    this.pingTimer = this.timers.setInterval(() => {
      // Two silent intervals: the connection is dead even if no close came.
      if (this.timers.now() - this.lastRecv > 2 * this.pingInterval + 5000) {
        this.drop()
        return
      }
      this._send({ type: 'ping' })
    }, this.pingInterval)
  }

  _stopPing () {
    if (this.pingTimer) {
      this.timers.clearInterval(this.pingTimer)
      this.pingTimer = null
    }
  }

  // _hello opens the conversation: a stored session id resumes the same
  // conversation (its history and any handoff) after a reconnect or restart.
  _hello () {
    const f = { type: 'hello', v: PROTOCOL_VERSION, client: 'miniprogram/1' }
    if (this.session) f.session = this.session
    if (this.currentToken) f.token = this.currentToken
    this._rawSend(f)
  }

  // ---- sending ----

  _rawSend (frame) {
    if (!this.task || this.status === 'closed') return false
    try {
      this.task.send({ data: JSON.stringify(frame) })
      return true
    } catch (e) {
      return false
    }
  }

  // _send sends now when open, otherwise queues (bounded) until the next open.
  _send (frame) {
    if (this.status === 'open' && this._rawSend(frame)) return
    if (frame.type === 'ping') return
    if (this.outbox.length >= 50) this.outbox.shift()
    this.outbox.push(frame)
  }

  _flush () {
    // Unanswered asks first, in the order they were asked, then the rest.
    this.pending.forEach(p => {
      if (p.sentOn !== this.task) {
        if (p.sentOn && p.text) this._emitAskReset(p)
        p.sentOn = this.task
        this._rawSend(askFrame(p))
      }
    })
    const q = this.outbox
    this.outbox = []
    q.forEach(f => this._send(f))
  }

  _emitAskReset (p) {
    p.text = ''
    if (p.handlers.onReset) p.handlers.onReset()
  }

  nextID () {
    this.seq++
    return 'mp-' + this.clientTag + '-' + this.timers.now().toString(36) + '-' + this.seq
  }

  // ask sends a question. handlers: onDelta(delta, textSoFar), onReset()
  // (the stream restarts after a reconnect), and via: for a question asked
  // by tapping a related or clarify button, {answer_id, id} of that button
  // (sent with the ask frame). Resolves with the answer frame ({id,
  // answer_id, text, refused, clarify, sources, related}); rejects with a
  // GovChatError carrying the server's code and Chinese message. The
  // returned promise has .id, the request id.
  ask (question, handlers) {
    handlers = handlers || {}
    question = String(question || '').trim()
    const id = this.nextID()
    let p
    /** @type {Promise<any> & {id?: string}} */
    const promise = new Promise((resolve, reject) => {
      if (this.status === 'closed') return reject(new GovChatError('closed'))
      if (!question) return reject(new GovChatError('empty'))
      if (question.length > this.maxQuestion) return reject(new GovChatError('too_long'))
      const via = handlers.via && handlers.via.answer_id && handlers.via.id
        ? { answer_id: String(handlers.via.answer_id), id: String(handlers.via.id) }
        : null
      p = { id, question, via, handlers, text: '', sentOn: null, resolve, reject, timer: null }
      p.timer = this.timers.setTimeout(() => {
        this.pending.delete(id)
        reject(new GovChatError('timeout'))
      }, this.answerTimeout)
      this.pending.set(id, p)
      if (this.status === 'open') {
        p.sentOn = this.task
        this._rawSend(askFrame(p))
      } else if (this.status === 'idle') {
        this._connect()
      }
    })
    promise.id = id
    return promise
  }

  // feedback sends 👍 (helpful true) or 👎 with an optional reason.
  feedback (answerID, helpful, reason) {
    const f = { type: 'feedback', answer_id: answerID, helpful: !!helpful }
    if (reason) f.reason = String(reason).slice(0, 500)
    this._send(f)
  }

  // requestHuman asks for a person (转人工). The server answers with handoff
  // frames ({status: queued|connected|closed|no_operator, position,
  // staff_no, hotline, can_leave_message, message}), emitted as 'handoff'.
  // Operator lines arrive as 'operator' events ({kind: 'message'|'answer',
  // staffNo, text, sources}).
  requestHuman (reason) {
    const f = { type: 'handoff', id: this.nextID() }
    if (reason) f.reason = String(reason).slice(0, 200)
    this._send(f)
    return f.id
  }

  // say sends a chat line to the operator during a handoff.
  say (text) {
    text = String(text || '').trim()
    if (!text) return ''
    const f = { type: 'handoff_message', id: this.nextID(), text: text.slice(0, 2000) }
    this._send(f)
    return f.id
  }

  // endHuman ends the conversation with the operator.
  endHuman () {
    const f = { type: 'handoff_end', id: this.nextID() }
    this._send(f)
    return f.id
  }

  // leaveMessage stores a 留言 when no operator is online.
  leaveMessage (text, contact) {
    const f = { type: 'leave_message', id: this.nextID(), text: String(text || '').slice(0, 2000) }
    if (contact) f.contact = String(contact).slice(0, 100)
    this._send(f)
    return f.id
  }

  // ---- receiving ----

  _onSession (f) {
    if (this.currentToken) this.authFailures = 0
    if (f.session && f.session !== this.session) {
      this.session = f.session
      this._save('session', f.session)
    }
    this.sessionID = f.session_id || ''
    this._emit('session', f)
    if (this.greeted) return
    this.greeted = true
    this.attempt = 0
    this._setStatus('open')
    this._emit('open', f)
    const w = this.openWaiters
    this.openWaiters = []
    w.forEach(x => x.resolve(f))
    this._flush()
  }

  _onMessage (data) {
    this.lastRecv = this.timers.now()
    if (typeof data !== 'string') return // the protocol is text frames only
    let f
    try { f = JSON.parse(data) } catch (e) { return }
    if (!f || typeof f.type !== 'string') return
    this._emit('frame', f)
    const p = f.id ? this.pending.get(f.id) : null
    switch (f.type) {
      case 'delta':
        if (p && typeof f.text === 'string') {
          p.text += f.text
          if (p.handlers.onDelta) p.handlers.onDelta(f.text, p.text)
          this._emit('delta', f, p.text)
        }
        break
      case 'answer':
        if (p) {
          this.pending.delete(f.id)
          this.timers.clearTimeout(p.timer)
          p.resolve(f)
        }
        this._emit('answer', f)
        break
      case 'error': {
        const err = new GovChatError(f.code || 'internal', f.message, { id: f.id, retryAfter: f.retry_after })
        if (!f.id && !this.greeted && f.code === 'bad_request') {
          // The hello itself was refused (e.g. an unsupported protocol
          // version): retrying cannot help.
          this._emit('error', err)
          this._failWaiters(err)
          this.close()
          break
        }
        if (!f.id && !this.greeted && f.code === 'rate_limited') {
          // Too many new conversations from this address (a shared office
          // or campus network): say hello again once the server allows it;
          // asks keep waiting for the session meanwhile.
          const task = this.task
          this.timers.setTimeout(() => {
            if (!this.greeted && this.task === task && task) this._hello()
          }, Math.max(1, f.retry_after || 5) * 1000)
        }
        if (f.code === 'unauthorized' && !f.id && this.currentToken) {
          // The hello's token was refused (expired or revoked): forget it
          // and reconnect, which logs in again with a fresh wx.login code.
          // Refused twice in a row: go on anonymously rather than loop.
          this._save('token', '')
          this.currentToken = ''
          this.authFailures++
          if (this.authFailures >= 2) this.useLogin = false
          this.drop()
        }
        if (p) {
          this.pending.delete(f.id)
          this.timers.clearTimeout(p.timer)
          p.reject(err)
        }
        this._emit('error', err)
        break
      }
      case 'session':
        this._onSession(f)
        break
      case 'pong':
        break
      case 'handoff':
        this._emit('handoff', f)
        break
      case 'agent_message':
      case 'agent_answer':
        // An operator's line, or a knowledge-base passage the operator
        // pushed (with sources like a bot answer).
        this._emit('operator', {
          kind: f.type === 'agent_answer' ? 'answer' : 'message',
          staffNo: f.staff_no || '',
          text: String(f.text || ''),
          sources: f.sources || [],
          at: f.at
        })
        break
      case 'ack':
        this._emit('ack', f)
        break
      default:
        this._emit('notice', f)
    }
  }
}

module.exports = {
  GovChat,
  GovChatError,
  parseAnswer,
  anchorID,
  socketURLFor,
  PROTOCOL_VERSION
}
