// A small stand-in for the mini-program's wx API, enough for
// utils/govchat.js: connectSocket is backed by a real websocket client (ws),
// request by fetch, storage by a Map, and login hands out codes the test
// queues (the fake jscode2session server understands them).
'use strict'

const WebSocket = require('ws')

function createWx (opts) {
  opts = opts || {}
  const storage = new Map()
  const sockets = []
  const codes = []
  const calls = { connectSocket: [], request: [], login: 0, sent: [] }

  const wx = {
    calls,
    sockets,
    storage,

    // queueCodes sets the codes the next wx.login calls return.
    queueCodes (...c) { codes.push(...c) },

    login (o) {
      calls.login++
      setImmediate(() => {
        if (codes.length === 0) return o.fail && o.fail({ errMsg: 'login:fail no code queued' })
        o.success && o.success({ code: codes.shift(), errMsg: 'login:ok' })
      })
    },

    getStorageSync (k) { return storage.has(k) ? storage.get(k) : '' },
    setStorageSync (k, v) { storage.set(k, JSON.parse(JSON.stringify(v))) },
    removeStorageSync (k) { storage.delete(k) },

    request (o) {
      calls.request.push({ url: o.url, method: o.method || 'GET', header: o.header || {} })
      const method = (o.method || 'GET').toUpperCase()
      let url = o.url
      const init = { method, headers: Object.assign({}, o.header || {}) }
      if (o.data !== undefined && o.data !== null) {
        if (method === 'GET') {
          const q = new URLSearchParams(o.data).toString()
          if (q) url += (url.includes('?') ? '&' : '?') + q
        } else {
          init.body = typeof o.data === 'string' ? o.data : JSON.stringify(o.data)
        }
      }
      const ac = new AbortController()
      const timer = setTimeout(() => ac.abort(), o.timeout || 15000)
      init.signal = ac.signal
      fetch(url, init).then(async res => {
        const text = await res.text()
        let data = text
        // wx.request's default dataType 'json' parses the body when it can.
        try { data = JSON.parse(text) } catch (e) { /* keep the string */ }
        const header = {}
        res.headers.forEach((v, k) => { header[k] = v })
        o.success && o.success({ statusCode: res.status, data, header, errMsg: 'request:ok' })
      }, err => {
        o.fail && o.fail({ errMsg: 'request:fail ' + err.message })
      }).finally(() => clearTimeout(timer))
    },

    connectSocket (o) {
      calls.connectSocket.push({ url: o.url, header: o.header || {}, protocols: o.protocols })
      const ws = new WebSocket(o.url, o.protocols || [], { headers: o.header || {}, handshakeTimeout: o.timeout || 15000 })
      const listeners = { open: [], message: [], close: [], error: [] }
      const fire = (type, arg) => listeners[type].forEach(fn => fn(arg))
      let closed = false
      ws.on('open', () => fire('open', { header: {} }))
      ws.on('message', (data, isBinary) => fire('message', { data: isBinary ? data.buffer : data.toString('utf8') }))
      ws.on('error', err => fire('error', { errMsg: err.message }))
      ws.on('close', (code, reason) => {
        if (closed) return
        closed = true
        fire('close', { code, reason: reason.toString() })
      })
      const task = {
        ws,
        onOpen (fn) { listeners.open.push(fn) },
        onMessage (fn) { listeners.message.push(fn) },
        onClose (fn) { listeners.close.push(fn) },
        onError (fn) { listeners.error.push(fn) },
        send (s) {
          if (ws.readyState !== WebSocket.OPEN) {
            const err = { errMsg: 'sendSocketMessage:fail WebSocket is not connected' }
            if (s.fail) s.fail(err)
            else throw new Error(err.errMsg)
            return
          }
          try { calls.sent.push(JSON.parse(s.data)) } catch (e) { /* not JSON: the server answers bad_request */ }
          ws.send(s.data, err => {
            if (err) s.fail && s.fail({ errMsg: err.message })
            else s.success && s.success({ errMsg: 'sendSocketMessage:ok' })
          })
        },
        close (c) {
          c = c || {}
          try { ws.close(c.code === 4000 || (c.code >= 3000 && c.code <= 4999) || c.code === 1000 ? c.code : 1000, c.reason) } catch (e) { ws.terminate() }
        },
        // cut drops the connection without a close handshake, like a phone
        // losing its network.
        cut () { ws.terminate() }
      }
      sockets.push(task)
      if (o.success) setImmediate(() => o.success({ errMsg: 'connectSocket:ok' }))
      return task
    }
  }
  return wx
}

// waitFor resolves when pred() is truthy, polling; rejects after ms.
function waitFor (pred, ms, what) {
  const deadline = Date.now() + (ms || 5000)
  return new Promise((resolve, reject) => {
    const tick = () => {
      let v
      try { v = pred() } catch (e) { return reject(e) }
      if (v) return resolve(v)
      if (Date.now() > deadline) return reject(new Error('timed out waiting for ' + (what || 'condition')))
      setTimeout(tick, 10)
    }
    tick()
  })
}

// nextEvent resolves with the next event of type emitted by a GovChat client.
function nextEvent (chat, type, ms, pred) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error('timed out waiting for event ' + type)) }, ms || 5000)
    const off = chat.on(type, (a, b) => {
      if (pred && !pred(a, b)) return
      clearTimeout(timer)
      off()
      resolve(a)
    })
  })
}

module.exports = { createWx, waitFor, nextEvent }
