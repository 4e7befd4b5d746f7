/*!
 * govchat citizen widget — protocol v1 (docs/protocol.md).
 *
 * Embed with one tag:
 *   <script src="https://政务服务域名/widget.js" defer></script>
 * Optional attributes on that tag:
 *   data-title="政策咨询"       panel title
 *   data-hotline="12345"        hotline number (the server's setting wins once connected)
 *   data-open="true"            open the panel on load
 *   data-suggestions="问题一|问题二"  example questions offered on the welcome screen
 *   data-mode="elder"           start in 长辈模式 (large text, large buttons, high contrast);
 *                               a citizen's own choice (the 长辈模式 button, kept in
 *                               localStorage under govchat.mode) wins
 * Any element with data-govchat-ask="问题" on the host page asks that question when clicked.
 * window.GovChat = { open(), close(), ask(text), setMode('elder'|'standard'), mode() };
 * a change of mode is also announced to the host page as a 'govchat:mode'
 * event on window (detail.mode), so that a page can follow it.
 *
 * Accessibility: the panel is a dialog (modal when it fills a phone screen),
 * Esc closes it and gives the focus back to the launcher; each answer is its
 * own polite live region, fed sentence by sentence while it streams, so a
 * screen reader reads the new answer once and never the whole conversation.
 *
 * Every piece of text is inserted with textContent / createTextNode: nothing
 * from the server or the user is ever parsed as HTML.
 */
(function () {
  'use strict';
  if (window.GovChat && window.GovChat.version) return; // loaded twice

  var script = document.currentScript || (function () {
    var s = document.querySelectorAll('script[src*="widget.js"]');
    return s[s.length - 1];
  })();
  var base = new URL(script && script.src ? script.src : '/widget.js', location.href);
  var origin = base.origin;
  var data = (script && script.dataset) || {};
  var title = data.title || '政策咨询';
  var hotline = data.hotline || '12345';
  var suggestions = (data.suggestions || '').split('|').map(function (s) { return s.trim(); }).filter(Boolean).slice(0, 4);
  var storeKey = 'govchat.session:' + origin;
  var MODE_KEY = 'govchat.mode';
  var defaultMode = data.mode === 'elder' ? 'elder' : 'standard';
  var MAX_QUESTION = 500;

  // ---------- tiny DOM helpers (text only, never HTML) ----------
  function el(tag, attrs) {
    var n = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] == null || attrs[k] === false) continue;
        if (k === 'text') n.textContent = attrs[k];
        else if (k === 'class') n.className = attrs[k];
        else if (k.slice(0, 2) === 'on') n.addEventListener(k.slice(2), attrs[k]);
        else n.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
      }
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null || c === false) continue;
      n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return n;
  }
  function svg(path) {
    var ns = 'http://www.w3.org/2000/svg';
    var s = document.createElementNS(ns, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('d', path);
    s.appendChild(p);
    return s;
  }
  var ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6v2h2v-2H7zm4 0v2h2v-2h-2zm4 0v2h2v-2h-2z';
  var ICON_SEND = 'M3 20.5 21 12 3 3.5l.01 6.6L15 12 3.01 13.9z';
  var ICON_CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';
  var ICON_PHONE = 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z';
  var ICON_UP = 'M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l.95-4.57.03-.32a1.5 1.5 0 0 0-.44-1.06L13.17 1 6.6 7.59A2 2 0 0 0 6 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z';
  var ICON_DOWN = 'M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-.95 4.57-.03.32c0 .41.17.79.44 1.06L10.83 23l6.58-6.59A2 2 0 0 0 18 15V5a2 2 0 0 0-2-2H7a2 2 0 0 0-1.84 1.22l-3.02 7.05A2 2 0 0 0 2 12v2z';
  var ICON_PERSON = 'M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2.2c-3.6 0-9 1.8-9 5.3V22h18v-2.5c0-3.5-5.4-5.3-9-5.3z';

  function docHref(u) {
    try { return new URL(u, origin).href; } catch (e) { return origin + '/'; }
  }
  function safeGet(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function safeSet(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }

  // ---------- build the widget ----------
  var host = el('div', { id: 'govchat-widget' });
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  root.appendChild(el('link', { rel: 'stylesheet', href: new URL('widget.css', base).href }));

  var launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': '打开' + title, 'aria-expanded': 'false' },
    svg(ICON_CHAT), el('span', { text: title }));
  var statusEl = el('span', { class: 'status', 'data-state': 'idle', text: '' });
  var modeBtn = el('button', { class: 'mode-toggle', type: 'button', 'aria-pressed': 'false', title: '大字体、大按钮、高对比度' },
    el('span', { class: 'mode-check', 'aria-hidden': 'true' }), el('span', { text: '长辈模式' }));
  var closeBtn = el('button', { class: 'icon-btn close', type: 'button', 'aria-label': '关闭对话窗口' }, svg(ICON_CLOSE));
  var head = el('header', { class: 'head' },
    el('div', { class: 'brand' },
      el('span', { class: 'logo', 'aria-hidden': 'true', text: '政' }),
      el('div', { class: 'brand-text' },
        el('strong', { id: 'govchat-title', text: title }),
        el('small', null, el('span', { class: 'dot', 'aria-hidden': 'true' }), statusEl))),
    modeBtn, closeBtn);
  // The conversation is not itself a live region: each answer is (see ask),
  // and short notices go to the panel's status region (announce).
  var log = el('div', { class: 'log', role: 'region', 'aria-label': '对话记录', tabindex: '0' });
  var statusRegion = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  var hotlineLink = el('a', { class: 'hotline', href: 'tel:' + hotline }, svg(ICON_PHONE), el('span', { text: '拨打 ' + hotline + ' 热线' }));
  var handoffBtn = el('button', { class: 'handoff', type: 'button' }, svg(ICON_PERSON), el('span', { text: '转人工' }));
  var humanBar = el('div', { class: 'human-bar' }, handoffBtn, hotlineLink);
  var input = el('textarea', { class: 'input', rows: '1', maxlength: String(MAX_QUESTION), placeholder: '请输入您要咨询的政策问题', 'aria-label': '输入问题', enterkeyhint: 'send' });
  var sendBtn = el('button', { class: 'send', type: 'submit', 'aria-label': '发送' }, svg(ICON_SEND));
  var counter = el('span', { class: 'counter', 'aria-hidden': 'true' });
  var form = el('form', { class: 'composer' }, input, counter, sendBtn);
  var panel = el('section', { class: 'panel', role: 'dialog', 'aria-labelledby': 'govchat-title', tabindex: '-1', hidden: true },
    head, log, humanBar, form,
    el('p', { class: 'disclaimer', text: '回答依据已公开的政策文件自动生成，仅供参考，请以政策原文为准。' }),
    statusRegion);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---------- 长辈模式 ----------
  var mode = 'standard';
  function setMode(m, remember) {
    mode = m === 'elder' ? 'elder' : 'standard';
    host.setAttribute('data-mode', mode);
    modeBtn.setAttribute('aria-pressed', mode === 'elder' ? 'true' : 'false');
    if (remember) safeSet(MODE_KEY, mode);
    // Text grew or shrank: keep the latest message in view.
    if (!panel.hidden) setTimeout(function () { log.scrollTop = log.scrollHeight; }, 0);
    try { window.dispatchEvent(new CustomEvent('govchat:mode', { detail: { mode: mode } })); } catch (e) { /* old browsers */ }
  }
  setMode(safeGet(MODE_KEY) || defaultMode, false);
  modeBtn.addEventListener('click', function () {
    setMode(mode === 'elder' ? 'standard' : 'elder', true);
    announce(mode === 'elder' ? '已开启长辈模式' : '已关闭长辈模式');
  });
  // The citizen changed it in another tab or on the host page.
  window.addEventListener('storage', function (e) { if (e.key === MODE_KEY && e.newValue) setMode(e.newValue, false); });

  // announce reads a short notice to screen readers (politely).
  function announce(text) {
    statusRegion.textContent = '';
    setTimeout(function () { statusRegion.textContent = text; }, 50);
  }

  function setHotline(h) {
    if (!h) return;
    hotline = h;
    hotlineLink.setAttribute('href', 'tel:' + h);
    hotlineLink.lastChild.textContent = '拨打 ' + h + ' 热线';
  }

  // ---------- messages ----------
  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function add(node) { log.appendChild(node); scrollDown(); return node; }
  // follow keeps an answer in view while it grows: the log follows its end
  // until the answer's first line reaches the top of the log, then stays,
  // so that a citizen reads a long answer from its beginning.
  function follow(node) {
    var top = node.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 12;
    log.scrollTop = Math.max(0, Math.min(log.scrollHeight - log.clientHeight, top));
  }

  function welcome() {
    var box = el('div', { class: 'msg bot welcome' },
      el('div', { class: 'bubble' },
        el('p', { text: '您好！我是政策咨询助手，可以解答政策文件、办事指南和常见问题。' }),
        el('p', { class: 'muted', text: '每条回答都会附上政策原文出处，点击编号即可查看原文。请勿输入身份证号、手机号等个人信息。' })));
    add(box);
    if (suggestions.length) add(suggestionRow('常见问题', suggestions, function (q) { ask(q); }));
  }

  // suggestionRow is a labelled row of question buttons: the welcome
  // screen's examples, and under an answer the clarify candidates or the
  // related questions (objects {id, question, sample}). heading, when given,
  // is shown above the buttons.
  function suggestionRow(label, questions, pick, heading) {
    var row = el('div', { class: 'suggest', role: 'group', 'aria-label': label });
    if (heading) row.appendChild(el('p', { class: 'suggest-head', 'aria-hidden': 'true', text: heading }));
    questions.forEach(function (q) {
      var text = typeof q === 'string' ? q : q.question;
      var b = el('button', { type: 'button', class: 'chip', title: text.length > 60 ? text : null, onclick: function () { pick(q); } }, el('span', { text: text }));
      if (q && q.sample) b.appendChild(el('span', { class: 'tag tag-sample', text: '示例' }));
      row.appendChild(b);
    });
    return row;
  }

  function system(text, withPhone) {
    var b = el('div', { class: 'bubble' }, el('span', { text: text }));
    if (withPhone) b.appendChild(el('a', { class: 'call', href: 'tel:' + hotline }, svg(ICON_PHONE), el('span', { text: '立即拨打 ' + hotline })));
    if (text) announce(text);
    return add(el('div', { class: 'msg system' }, b));
  }

  var TYPE_LABEL = { policy: '政策文件', interpretation: '政策解读', guide: '办事指南', faq: '常见问题' };
  var STATUS_CLASS = { '现行有效': 'active', '已修订': 'revised', '已废止': 'repealed', '尚未施行': 'pending' };

  var NEW_WINDOW = '（在新窗口打开）';
  function newWindowHint() { return el('span', { class: 'sr-only', text: NEW_WINDOW }); }

  // renderAnswerText writes text, turning [n] into citation links.
  function renderAnswerText(node, text, sources) {
    node.textContent = '';
    var byN = {};
    (sources || []).forEach(function (s, i) { byN[s.n || i + 1] = s; });
    var re = /[\[［【](\d{1,2})[\]］】]/g, last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) node.appendChild(document.createTextNode(text.slice(last, m.index)));
      var src = byN[+m[1]];
      if (src) {
        node.appendChild(el('a', { class: 'cite', href: docHref(src.doc_url), target: '_blank', rel: 'noopener',
          title: src.title, 'aria-label': '出处' + m[1] + '：' + src.title + NEW_WINDOW, text: m[1] }));
      } else {
        node.appendChild(document.createTextNode(m[0]));
      }
      last = re.lastIndex;
    }
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderSources(sources) {
    var list = el('ol', { class: 'sources', 'aria-label': '政策原文出处' });
    sources.forEach(function (s, i) {
      var n = s.n || i + 1;
      var meta = el('div', { class: 'src-meta' });
      if (TYPE_LABEL[s.type]) meta.appendChild(el('span', { class: 'kind', text: TYPE_LABEL[s.type] }));
      if (s.doc_number) meta.appendChild(el('span', { text: s.doc_number }));
      if (s.issuer) meta.appendChild(el('span', { text: s.issuer }));
      else if (s.department) meta.appendChild(el('span', { text: s.department }));
      if (s.status) meta.appendChild(el('span', { class: 'badge badge-' + (STATUS_CLASS[s.status] || 'unknown'), text: s.status }));
      // A dated annual plan (2019年工作要点) stays 现行有效 by its dates: say
      // which year it is for. Demonstration content is marked 示例.
      if (s.plan_year) meta.appendChild(el('span', { class: 'badge badge-year', text: s.plan_year + '年度' }));
      if (s.sample) meta.appendChild(el('span', { class: 'badge badge-sample', text: '示例' }));
      var li = el('li', null,
        el('a', { class: 'src-link', href: docHref(s.doc_url), target: '_blank', rel: 'noopener' },
          el('span', { class: 'num', text: String(n) }),
          el('span', { class: 'src-title', text: s.title || s.id }), newWindowHint()),
        meta);
      if (s.heading) li.appendChild(el('div', { class: 'src-heading', text: s.heading }));
      var rel = [];
      (s.interpretations || []).slice(0, 2).forEach(function (r) { rel.push(['解读', r]); });
      if (s.interprets) rel.push(['原文', s.interprets]);
      if (rel.length) {
        var box = el('div', { class: 'src-rel' });
        rel.forEach(function (p) {
          box.appendChild(el('a', { href: docHref(p[1].doc_url), target: '_blank', rel: 'noopener' },
            el('span', { class: 'tag', text: p[0] }), el('span', { text: p[1].title }),
            p[1].sample ? el('span', { class: 'tag tag-sample', text: '示例' }) : null, newWindowHint()));
        });
        li.appendChild(box);
      }
      list.appendChild(li);
    });
    return list;
  }

  function feedbackBar(answerId) {
    var bar = el('div', { class: 'feedback' });
    var label = el('span', { class: 'muted', text: '回答有帮助吗？' });
    var up = el('button', { type: 'button', class: 'fb up' }, svg(ICON_UP), el('span', { text: '有帮助' }));
    var down = el('button', { type: 'button', class: 'fb down' }, svg(ICON_DOWN), el('span', { text: '没帮助' }));
    bar.appendChild(label); bar.appendChild(up); bar.appendChild(down);
    function done() { bar.textContent = ''; bar.appendChild(el('span', { class: 'thanks', text: '感谢您的反馈！' })); announce('感谢您的反馈！'); }
    up.addEventListener('click', function () { sendFeedback(answerId, true, '', done, bar); });
    down.addEventListener('click', function () {
      bar.textContent = '';
      var reasons = ['没有回答我的问题', '内容不准确', '政策已过期', '看不懂'];
      var chosen = '';
      var chips = el('div', { class: 'reasons', role: 'group', 'aria-label': '没有帮助的原因' });
      reasons.forEach(function (r) {
        var c = el('button', { type: 'button', class: 'chip small', 'aria-pressed': 'false', text: r });
        c.addEventListener('click', function () {
          chosen = chosen === r ? '' : r;
          Array.prototype.forEach.call(chips.children, function (x) { x.setAttribute('aria-pressed', x === c && chosen ? 'true' : 'false'); });
        });
        chips.appendChild(c);
      });
      var more = el('input', { class: 'reason-text', type: 'text', maxlength: '200', placeholder: '补充说明（选填）', 'aria-label': '补充说明' });
      var submit = el('button', { type: 'button', class: 'submit', text: '提交' });
      submit.addEventListener('click', function () {
        var reason = [chosen, more.value.trim()].filter(Boolean).join('：');
        sendFeedback(answerId, false, reason, done, bar);
      });
      bar.appendChild(el('span', { class: 'muted', text: '请告诉我们原因：' }));
      bar.appendChild(chips);
      bar.appendChild(el('div', { class: 'reason-row' }, more, submit));
      chips.firstChild.focus(); // the pressed button is gone
    });
    return bar;
  }

  function refusedHelp() {
    return el('div', { class: 'help' },
      el('span', { text: '没有找到确切答案？' }),
      el('button', { type: 'button', class: 'link-btn', text: '转人工服务', onclick: requestHuman }),
      el('a', { href: 'tel:' + hotline, text: '拨打 ' + hotline }));
  }

  // ---------- protocol ----------
  var ws = null, wsOpen = false, sessionReady = false, attempts = 0, timer = null, started = false;
  var seq = 0;
  var pending = {};    // id -> {q, node, text, textNode}
  var outbox = [];     // frames waiting for the socket
  var acks = {};       // feedback id -> callback

  function nextId(p) { seq += 1; return p + seq.toString(36) + Math.random().toString(36).slice(2, 6); }

  function setStatus(state, text) { statusEl.setAttribute('data-state', state); statusEl.textContent = text; }

  function connect() {
    clearTimeout(timer);
    if (ws) return;
    setStatus('connecting', '连接中…');
    var url = origin.replace(/^http/, 'ws') + '/ws';
    try { ws = new WebSocket(url, ['govchat.v1']); } catch (e) { ws = null; retry(); return; }
    ws.onopen = function () {
      wsOpen = true; attempts = 0;
      hello();
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      handle(f);
    };
    ws.onclose = function (ev) {
      var was = wsOpen;
      ws = null; wsOpen = false; sessionReady = false;
      setStatus('offline', '连接已断开，正在重连…');
      Object.keys(pending).forEach(function (id) { failAsk(id, '网络连接中断，回答未完成。'); });
      if (was && ev.code === 1001) attempts = 0;
      retry();
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function hello() {
    if (ws && wsOpen) ws.send(JSON.stringify({ type: 'hello', v: 1, session: safeGet(storeKey) || undefined, client: 'widget/1' }));
  }

  function retry() {
    attempts += 1;
    var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(attempts - 1, 5))) * (0.7 + Math.random() * 0.6);
    timer = setTimeout(connect, delay);
  }

  function sendFrame(f) {
    if (ws && wsOpen && sessionReady) ws.send(JSON.stringify(f));
    else { outbox.push(f); if (!ws) connect(); }
  }

  function handle(f) {
    var p = pending[f.id];
    switch (f.type) {
      case 'session':
        sessionReady = true;
        safeSet(storeKey, f.session);
        setHotline(f.hotline);
        setStatus('online', '在线 · 智能问答');
        while (outbox.length) ws.send(JSON.stringify(outbox.shift()));
        break;
      case 'delta':
        if (!p) return;
        p.text += f.text;
        p.textNode.textContent = p.text;
        speak(p, false);
        follow(p.node);
        break;
      case 'answer':
        if (!p) return;
        delete pending[f.id];
        finishAnswer(p, f);
        break;
      case 'error':
        if (p) failAsk(f.id, f.message || '出错了，请稍后再试。');
        else if (f.id && acks[f.id]) { acks[f.id].fail(f.message); delete acks[f.id]; }
        else if (f.code === 'rate_limited' || f.code === 'too_large' || f.code === 'unavailable') system(f.message || '请稍后再试。');
        // No session yet (too many new sessions from this network): say
        // hello again later; queued questions wait in the outbox.
        if (!sessionReady && !f.id && f.code === 'rate_limited') setTimeout(function () { if (!sessionReady) hello(); }, Math.max(1, f.retry_after || 5) * 1000);
        break;
      case 'ack':
        if (acks[f.id]) { acks[f.id].ok(); delete acks[f.id]; }
        break;
      case 'handoff':
        setHotline(f.hotline);
        onHandoff(f);
        break;
      case 'agent_message':
      case 'agent_answer':
        onAgent(f);
        break;
      default:
        // Frames of later protocol additions are ignored.
        break;
    }
  }

  // speak feeds the answer's live region (p.say) with the streamed text one
  // sentence at a time, so that a screen reader reads each new sentence once
  // and nothing else; done flushes the rest.
  function speak(p, done) {
    var rest = p.text.slice(p.said);
    var cut = done ? rest.length : 0;
    if (!done) {
      var m = /^[\s\S]*[。！？；!?;\n]/.exec(rest);
      if (m) cut = m[0].length;
    }
    var part = rest.slice(0, cut).replace(/[\[［【]\d{1,2}[\]］】]/g, '').trim();
    p.said += cut;
    if (part) p.say.appendChild(el('span', { text: part + ' ' }));
  }

  // endSpeech swaps the hidden spoken copy for the rendered answer once a
  // screen reader has had the time to take it (removals are not read).
  function endSpeech(p, tail) {
    if (tail) p.say.appendChild(el('span', { text: tail }));
    p.textNode.removeAttribute('aria-hidden');
    setTimeout(function () { if (p.say.parentNode) p.say.parentNode.removeChild(p.say); }, 3000);
  }

  // splitListed finds the lines of text that list the related questions —
  // the numbered choices of a clarification, or the 您可能还想问 list kept in
  // the text for clients without buttons — and returns the text before and
  // after them; a heading line ending in ：just before the list goes with it
  // (and titles the buttons: 如果不是您要问的，您可能想问 after a tentative
  // answer). Text that lists none of them is all head.
  function splitListed(text, related) {
    var key = function (q) { return String(q).replace(/[\s？?。.！!：:]/g, ''); };
    var qs = {};
    related.forEach(function (r) { qs[key(r.question)] = true; });
    var lines = text.split('\n'), first = -1, last = -1;
    for (var i = 0; i < lines.length; i++) {
      var m = /^\s*(?:\d{1,2}[.．、]|[·•・*-])\s*(.+?)\s*$/.exec(lines[i]);
      if (m && qs[key(m[1])]) { if (first < 0) first = i; last = i; }
      else if (first >= 0) break;
    }
    if (first < 0) return { head: text, tail: '', heading: '' };
    var h = first, heading = '';
    if (h > 0 && /[：:]\s*$/.test(lines[h - 1])) { h--; heading = lines[h].replace(/[：:]\s*$/, '').trim(); }
    return { head: lines.slice(0, h).join('\n').replace(/\s+$/, ''), tail: lines.slice(last + 1).join('\n').replace(/^\s+/, ''), heading: heading };
  }

  // relatedRow offers the related questions of answer f as buttons, under
  // the heading the text gave them (else 您可能还想问); a tap asks that
  // question and tells the server which button it was (via).
  function relatedRow(f, related, heading) {
    var title = f.clarify ? '请选择您要问的问题' : (heading || '您可能还想问');
    return suggestionRow(title, related, function (r) {
      ask(r.question, f.answer_id && r.id ? { answer_id: f.answer_id, id: r.id } : null);
    }, f.clarify ? '' : title + '：');
  }

  // finishAnswer renders the complete answer: its text with citation links,
  // its sources, the related questions as buttons, and 👍/👎 — except on a
  // clarification, which answers nothing: the citizen picks one of its
  // buttons (or, if none fits, asks again, or uses 转人工 / the hotline
  // always shown below the conversation).
  function finishAnswer(p, f) {
    var bubble = p.node.querySelector('.bubble');
    bubble.classList.remove('streaming');
    p.node.classList.toggle('refused', !!f.refused);
    p.node.classList.toggle('clarify', !!f.clarify);
    var final = f.text || p.text;
    if (final.slice(0, p.text.length) !== p.text) { p.text = final; p.said = 0; } // rewritten: say it all
    else p.text = final;
    speak(p, true);
    var related = (f.related || []).filter(function (r) { return r && r.question; }).slice(0, 6);
    var parts = related.length ? splitListed(final, related) : { head: final, tail: '', heading: '' };
    renderAnswerText(p.textNode, parts.head, f.sources);
    var n = (f.sources || []).length;
    if (n) bubble.appendChild(renderSources(f.sources));
    if (related.length) bubble.appendChild(relatedRow(f, related, parts.heading));
    if (parts.tail) {
      var tail = el('div', { class: 'text tail' });
      renderAnswerText(tail, parts.tail, f.sources);
      bubble.appendChild(tail);
    }
    if (f.refused) bubble.appendChild(refusedHelp());
    if (f.answer_id && !f.clarify) bubble.appendChild(feedbackBar(f.answer_id));
    p.node.setAttribute('data-done', 'true');
    endSpeech(p, f.refused ? '可以转人工服务或拨打 ' + hotline + '。' :
      f.clarify ? '请从下面 ' + related.length + ' 个选项中选择。' :
      (n ? '回答完毕，附有 ' + n + ' 条政策原文出处。' : ''));
    follow(p.node);
  }

  function failAsk(id, message) {
    var p = pending[id];
    if (!p) return;
    delete pending[id];
    var bubble = p.node.querySelector('.bubble');
    bubble.classList.remove('streaming');
    p.node.classList.add('failed');
    p.node.setAttribute('data-done', 'true');
    if (!p.text) p.textNode.textContent = '';
    bubble.appendChild(el('div', { class: 'err' },
      el('span', { text: message }),
      el('button', { type: 'button', class: 'link-btn', text: '重新提问', onclick: function () { ask(p.q, p.via); } })));
    endSpeech(p, message);
    scrollDown();
  }

  function sendFeedback(answerId, helpful, reason, done, bar) {
    var id = nextId('f');
    acks[id] = {
      ok: done,
      fail: function (msg) { bar.appendChild(el('span', { class: 'err', text: msg || '提交失败，请稍后再试。' })); }
    };
    sendFrame({ type: 'feedback', id: id, answer_id: answerId, helpful: helpful, reason: reason || undefined });
  }

  function requestHuman(typed) {
    open('keyboard');
    add(el('div', { class: 'msg user' }, el('div', { class: 'bubble', text: typeof typed === 'string' && typed.trim() ? typed.trim() : '转人工' })));
    sendFrame({ type: 'handoff', id: nextId('h'), reason: 'requested' });
  }

  // ask asks text. via, for a question asked by tapping a related or
  // clarify button, names that button: {answer_id, id} (docs/protocol.md).
  function ask(text, via) {
    text = String(text || '').trim();
    if (!text) return;
    if (text.length > MAX_QUESTION) text = text.slice(0, MAX_QUESTION);
    open('pointer');
    add(el('div', { class: 'msg user' }, el('div', { class: 'bubble', text: text })));
    var id = nextId('q');
    // While it streams, the visible text is hidden from screen readers and
    // its live region (say) takes the sentences as they complete.
    var textNode = el('div', { class: 'text', 'aria-hidden': 'true' });
    var say = el('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'false', 'aria-relevant': 'additions' });
    var node = add(el('div', { class: 'msg bot', 'data-id': id },
      el('div', { class: 'bubble streaming' }, textNode, say)));
    pending[id] = { q: text, via: via, node: node, text: '', said: 0, textNode: textNode, say: say };
    var f = { type: 'ask', id: id, text: text };
    if (via && via.answer_id && via.id) f.via = { answer_id: String(via.answer_id), id: String(via.id) };
    sendFrame(f);
  }

  // ---------- open / close / input ----------
  function fullScreen() { return window.matchMedia('(max-width: 600px)').matches; }

  // open shows the panel. how: 'keyboard' or 'pointer' move the focus into
  // it (the input, except after a tap on a phone, where the on-screen
  // keyboard would cover the answer: the panel itself); 'auto' (data-open,
  // on load) leaves the focus where it is.
  function open(how) {
    if (!panel.hidden) return;
    panel.hidden = false;
    host.setAttribute('data-open', 'true');
    launcher.setAttribute('aria-expanded', 'true');
    // On a phone the panel covers the page: a modal dialog.
    if (fullScreen()) panel.setAttribute('aria-modal', 'true'); else panel.removeAttribute('aria-modal');
    if (!started) { started = true; welcome(); connect(); }
    if (how === 'auto') return;
    setTimeout(function () {
      if (how === 'pointer' && fullScreen()) panel.focus();
      else input.focus();
    }, 0);
  }
  function close() {
    if (panel.hidden) return;
    var hadFocus = root !== host ? !!root.activeElement : panel.contains(document.activeElement);
    panel.hidden = true;
    host.removeAttribute('data-open');
    launcher.setAttribute('aria-expanded', 'false');
    if (hadFocus) launcher.focus();
  }
  // A click with detail 0 came from the keyboard (Enter or Space).
  launcher.addEventListener('click', function (e) { open(e.detail === 0 ? 'keyboard' : 'pointer'); });
  closeBtn.addEventListener('click', close);
  handoffBtn.addEventListener('click', requestHuman);
  panel.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && !e.isComposing) { e.preventDefault(); close(); return; }
    // Full screen, Tab stays in the dialog.
    if (e.key !== 'Tab' || !fullScreen()) return;
    var all = Array.prototype.filter.call(panel.querySelectorAll('button, a[href], textarea, input, [tabindex="0"]'), function (n) {
      return !n.disabled && n.getClientRects().length > 0;
    });
    if (!all.length) return;
    var first = all[0], last = all[all.length - 1], at = root.activeElement || document.activeElement;
    if (e.shiftKey && (at === first || at === panel)) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && at === last) { e.preventDefault(); first.focus(); }
  });
  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 120) + 'px';
    var n = input.value.length;
    counter.textContent = n > MAX_QUESTION - 100 ? n + '/' + MAX_QUESTION : '';
  }
  input.addEventListener('input', autosize);
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  function submit() {
    var v = input.value;
    if (!v.trim()) return;
    input.value = '';
    autosize();
    if (human.status === 'queued' || human.status === 'connected') sayToOperator(v);
    else if (asksForHuman(v)) requestHuman(v);
    else ask(v);
  }

  // asksForHuman reports whether a typed message asks for a person and
  // nothing else (转人工, 人工, 我要找人工客服): it starts the handoff, as the
  // 转人工 button does. The server's answerer knows the same words
  // (internal/answer/scope.go, handoffAskedRe).
  function asksForHuman(text) {
    var t = String(text || '').replace(/[\s，,。.！!？?、~～…]+/g, '').toLowerCase();
    return /^(我|我要|我想|我需要|请|请帮我|麻烦|帮我|给我|能不能|可以)*(转|转接|找|接|联系|要|叫|呼叫)?(人工客服|人工服务|人工坐席|人工|真人客服|真人|在线客服|客服人员|客服)(服务)?(吧|谢谢|可以吗|好吗|行吗|在吗|呢)*$/.test(t);
  }

  // ---------- 转人工: operator handoff (docs/protocol.md, "转人工") ----------
  // While a conversation is queued for or connected to an operator, what the
  // citizen types goes to the operator (handoff_message); operator messages
  // and pushed knowledge-base answers arrive as agent_message/agent_answer and
  // show the operator's 工号 only. With nobody online the citizen can leave a
  // message (leave_message).
  var human = { status: '', conv: '' };
  var leaveForm = null; // the 留言 form on screen, if any
  var endBtn = el('button', { type: 'button', class: 'link-btn end-human', text: '结束人工服务', hidden: true, onclick: function () {
    sendFrame({ type: 'handoff_end', id: nextId('e') });
  } });
  humanBar.appendChild(endBtn);

  function setHuman(status, conv) {
    human.status = status;
    human.conv = conv || '';
    var live = status === 'queued' || status === 'connected';
    var at = root.activeElement || document.activeElement;
    endBtn.hidden = !live;
    handoffBtn.hidden = live;
    // The button that had the focus is gone: the citizen types next.
    if ((at === handoffBtn && live) || (at === endBtn && !live)) input.focus();
    input.setAttribute('placeholder', live ? '请输入您想对人工客服说的话' : '请输入您要咨询的政策问题');
    if (status === 'connected') setStatus('online', '在线 · 人工客服');
    else if (status === 'queued') setStatus('online', '排队中 · 人工客服');
    else setStatus('online', '在线 · 智能问答');
  }

  function onHandoff(f) {
    if (f.status === 'no_operator') {
      system(f.message || ('当前暂无人工客服在线，请拨打 ' + hotline + '。'), true);
      if (f.can_leave_message) {
        // One 留言 form at a time: asking again (转人工 after the automatic
        // offer that follows two refusals) brings the open form, with what
        // was typed in it, down to the latest message.
        if (!leaveForm || !leaveForm.parentNode || leaveForm.getAttribute('data-sent')) leaveForm = leaveMessageForm();
        add(leaveForm);
        leaveForm.querySelector('textarea').focus();
      }
      setHuman('', '');
      return;
    }
    if (f.status === 'queued' && human.status === 'queued' && human.conv === f.conversation && !f.id) {
      setStatus('online', '排队中 · 第' + f.position + '位');
      return;
    }
    system(f.message || '');
    setHuman(f.status === 'closed' ? '' : f.status, f.conversation);
  }

  function onAgent(f) {
    var who = el('div', { class: 'agent-name', text: '人工客服 · 工号' + (f.staff_no || '') });
    var textNode = el('div', { class: 'text' });
    var bubble = el('div', { class: 'bubble' }, who, textNode);
    renderAnswerText(textNode, f.text || '', f.sources);
    if (f.sources && f.sources.length) bubble.appendChild(renderSources(f.sources));
    add(el('div', { class: 'msg bot agent' }, bubble));
    announce('人工客服：' + (f.text || ''));
  }

  function sayToOperator(text) {
    text = String(text || '').trim();
    if (!text) return;
    var node = add(el('div', { class: 'msg user' }, el('div', { class: 'bubble', text: text })));
    var id = nextId('m');
    acks[id] = { ok: function () {}, fail: function (msg) { node.classList.add('failed'); system(msg || '发送失败，请稍后再试。'); } };
    sendFrame({ type: 'handoff_message', id: id, text: text });
  }

  function leaveMessageForm() {
    var text = el('textarea', { class: 'input leave-text', rows: '3', maxlength: '1000', placeholder: '请留下您要咨询的问题', 'aria-label': '留言内容' });
    var contact = el('input', { class: 'reason-text', type: 'text', maxlength: '50', placeholder: '联系电话（选填，便于回复）', 'aria-label': '联系电话' });
    var btn = el('button', { type: 'button', class: 'submit', text: '提交留言' });
    var box = el('div', { class: 'bubble leave' }, el('strong', { text: '留言' }), text, contact, btn);
    var wrap = el('div', { class: 'msg system' }, box);
    btn.addEventListener('click', function () {
      if (!text.value.trim()) { text.focus(); return; }
      var id = nextId('l');
      btn.disabled = true;
      acks[id] = {
        ok: function () {
          wrap.setAttribute('data-sent', 'true');
          box.textContent = '';
          box.appendChild(el('span', { class: 'thanks', text: '留言已提交，工作人员会尽快处理。' }));
          announce('留言已提交，工作人员会尽快处理。');
          input.focus(); // the form is gone
        },
        fail: function (msg) {
          btn.disabled = false;
          box.appendChild(el('span', { class: 'err', text: msg || '提交失败，请稍后再试。' }));
          announce(msg || '提交失败，请稍后再试。');
        }
      };
      sendFrame({ type: 'leave_message', id: id, text: text.value, contact: contact.value.trim() || undefined });
    });
    return wrap;
  }
  form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });

  document.addEventListener('click', function (e) {
    var t = e.target && e.target.closest ? e.target.closest('[data-govchat-ask]') : null;
    if (t) { e.preventDefault(); ask(t.getAttribute('data-govchat-ask')); }
  });

  function mount() {
    document.body.appendChild(host);
    if (data.open === 'true') open('auto');
  }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);

  window.GovChat = {
    version: 1,
    open: function () { open('pointer'); },
    close: close,
    ask: function (text) { ask(text); },
    setMode: function (m) { setMode(m, true); },
    mode: function () { return mode; }
  };
})();
