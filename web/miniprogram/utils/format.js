// View helpers shared by the pages (no protocol, no wx calls).
'use strict'

// badgeClass picks the colour of a validity badge.
function badgeClass (status) {
  switch (status) {
    case '现行有效': return 'badge-active'
    case '已修订': return 'badge-revised'
    case '已废止': return 'badge-repealed'
    case '尚未施行': return 'badge-pending'
  }
  return 'badge-revised'
}

// sourceView turns an answer source into what the WXML shows.
function sourceView (s, i) {
  const n = s.n || i + 1
  return {
    n,
    id: s.id,
    anchor: s.anchor || anchorFromURL(s.doc_url),
    title: s.title || s.id,
    docNumber: s.doc_number || '',
    issuer: s.issuer || '',
    status: s.status || '',
    badge: badgeClass(s.status),
    heading: s.heading || '',
    snippet: s.snippet || '',
    url: s.url || '',
    interpretations: (s.interpretations || []).map(r => ({ id: r.id, title: r.title }))
  }
}

// anchorFromURL reads the anchor of a doc_url such as /docs/abc#c-3.
function anchorFromURL (u) {
  const i = String(u || '').indexOf('#')
  return i < 0 ? '' : decodeURIComponent(u.slice(i + 1))
}

// date formats an RFC 3339 date as 2019年3月5日 ('' for none).
function date (v) {
  if (!v) return ''
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(v))
  if (!m || m[1] === '0001') return ''
  return Number(m[1]) + '年' + Number(m[2]) + '月' + Number(m[3]) + '日'
}

const STATUS_TEXT = {
  idle: '',
  connecting: '正在连接…',
  reconnecting: '网络连接中断，正在重新连接…',
  open: '',
  closed: '连接已关闭，下拉或重新进入页面以重连。'
}

function statusText (s) {
  return STATUS_TEXT[s] || ''
}

module.exports = { badgeClass, sourceView, anchorFromURL, date, statusText }
