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
    interpretations: (s.interpretations || []).map(r => ({ id: r.id, title: r.title })),
    // Demonstration content is marked 示例; a dated annual plan (2019年工作
    // 要点) shows its year beside 现行有效.
    sample: !!s.sample,
    year: s.plan_year ? s.plan_year + '年度' : ''
  }
}

// relatedView keeps the related questions of an answer that can be asked
// (the answer frame's optional related: [{id, question, doc_url, sample}]);
// k is a key for wx:key (two sections of one document share an id).
function relatedView (related) {
  return (related || []).filter(r => r && r.question).slice(0, 6).map((r, i) => ({
    k: 'r' + i,
    id: String(r.id || ''),
    question: String(r.question),
    sample: !!r.sample
  }))
}

// splitListed finds the lines of text that list the related questions —
// the numbered choices of a clarification, or the 您可能还想问 list kept in
// the text for clients without buttons — and returns the text before and
// after them; a heading line ending in ：just before the list goes with it
// and titles the buttons (heading: 如果不是您要问的，您可能想问 after a
// tentative answer). Text that lists none of them is all head.
function splitListed (text, related) {
  text = String(text || '')
  const key = q => String(q).replace(/[\s？?。.！!：:]/g, '')
  const qs = new Set((related || []).map(r => key(r.question)))
  const lines = text.split('\n')
  let first = -1
  let last = -1
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*(?:\d{1,2}[.．、]|[·•・*-])\s*(.+?)\s*$/.exec(lines[i])
    if (m && qs.has(key(m[1]))) {
      if (first < 0) first = i
      last = i
    } else if (first >= 0) break
  }
  if (first < 0) return { head: text, tail: '', heading: '' }
  let h = first
  let heading = ''
  if (h > 0 && /[：:]\s*$/.test(lines[h - 1])) {
    h--
    heading = lines[h].replace(/[：:]\s*$/, '').trim()
  }
  return { head: lines.slice(0, h).join('\n').replace(/\s+$/, ''), tail: lines.slice(last + 1).join('\n').replace(/^\s+/, ''), heading }
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

// asksForHuman reports whether a typed message asks for a person and
// nothing else (转人工, 人工, 我要找人工客服): it starts the handoff, as the
// 转人工 button does. The server's answerer and the web widget know the same
// words (internal/answer/scope.go handoffAskedRe, web/widget/widget.js).
function asksForHuman (text) {
  const t = String(text || '').replace(/[\s，,。.！!？?、~～…]+/g, '').toLowerCase()
  return /^(我|我要|我想|我需要|请|请帮我|麻烦|帮我|给我|能不能|可以)*(转|转接|找|接|联系|要|叫|呼叫)?(人工客服|人工服务|人工坐席|人工|真人客服|真人|在线客服|客服人员|客服)(服务)?(吧|谢谢|可以吗|好吗|行吗|在吗|呢)*$/.test(t)
}

module.exports = { badgeClass, sourceView, relatedView, splitListed, anchorFromURL, date, statusText, asksForHuman }
