'use strict';
// govchat operator workbench. Plain ES5-compatible script, no framework.
// Every piece of data is inserted with textContent / createTextNode.
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var state = {
    me: null, results: [], sel: -1, lastQuery: '', ctrl: null, timer: 0,
    ws: null, wsTries: 0, convs: {}, order: [], active: '', queue: null, seq: 0,
    lastDepartment: ''
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function toast(msg, bad) {
    var t = $('toast');
    t.textContent = msg;
    t.className = 'toast' + (bad ? ' bad' : '');
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.hidden = true; }, 2500);
  }

  function api(method, path, body, signal) {
    var opt = { method: method, credentials: 'same-origin', headers: {}, signal: signal };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    return fetch(path, opt).then(function (r) {
      if (r.status === 401) { location.replace('/agent/'); throw new Error('未登录'); }
      if (r.status === 204) return null;
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { var e = new Error(j.message || ('请求失败（' + r.status + '）')); e.status = r.status; throw e; }
        return j;
      });
    });
  }

  // ---- highlighting ----
  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
  function highlight(node, text, terms) {
    clear(node);
    var list = (terms || []).filter(function (t) { return t && t.length > 0; });
    list.sort(function (a, b) { return b.length - a.length; });
    list = list.slice(0, 40);
    if (!list.length) { node.appendChild(document.createTextNode(text)); return; }
    var re = new RegExp(list.map(escapeRe).join('|'), 'gi');
    var last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      if (m.index > last) node.appendChild(document.createTextNode(text.slice(last, m.index)));
      node.appendChild(el('mark', '', m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---- clipboard ----
  function copyText(text) {
    function fallback() {
      var c = $('clip');
      c.value = text;
      c.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      $('q').focus({ preventScroll: true });
      return ok;
    }
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return fallback(); });
    }
    return Promise.resolve(fallback());
  }

  // ---- lookup ----
  var statusClass = { '现行有效': 'ok', '已废止': 'bad', '已修订': 'warn', '尚未施行': 'warn' };

  function card(item, terms, idx) {
    var c = el('article', 'card');
    c.tabIndex = -1;
    c.dataset.idx = idx;
    var h = el('h3');
    var a = el('a', '', item.title);
    a.href = item.doc_url;
    a.target = '_blank';
    a.rel = 'noopener';
    h.appendChild(a);
    c.appendChild(h);
    var badges = el('div', 'badges');
    badges.appendChild(el('span', 'badge st-' + (statusClass[item.status] || 'ok'), item.status));
    // A dated annual plan stays 现行有效 by its dates: say which year it is
    // for. Demonstration content is not to be read to a caller as official.
    if (item.plan_year) badges.appendChild(el('span', 'badge year', item.plan_year + '年度'));
    if (item.sample) badges.appendChild(el('span', 'badge sample', '示例'));
    badges.appendChild(el('span', 'badge', item.type_label));
    if (item.doc_number) badges.appendChild(el('span', 'badge num', item.doc_number));
    if (item.department) badges.appendChild(el('span', 'badge dept', item.department));
    if (item.issuer) badges.appendChild(el('span', 'badge', item.issuer));
    if (item.published) badges.appendChild(el('span', 'badge', item.published));
    if (item.heading) badges.appendChild(el('span', 'badge', item.heading));
    c.appendChild(badges);
    var body = el('p', 'text');
    highlight(body, item.text, (item.matched && item.matched.length ? item.matched : terms));
    c.appendChild(body);
    c.appendChild(el('p', 'cite', item.cite));
    var links = el('div', 'links');
    (item.interpretations || []).forEach(function (r) {
      var l = el('a', '', '解读：' + r.title); l.href = r.doc_url; l.target = '_blank'; l.rel = 'noopener'; links.appendChild(l);
    });
    if (item.interprets) {
      var l = el('a', '', '所解读的文件：' + item.interprets.title); l.href = item.interprets.doc_url; l.target = '_blank'; l.rel = 'noopener'; links.appendChild(l);
    }
    (item.replaced_by || []).forEach(function (r) {
      var l = el('a', '', '现行替代文件：' + r.title); l.href = r.doc_url; l.target = '_blank'; l.rel = 'noopener'; links.appendChild(l);
    });
    if (links.firstChild) c.appendChild(links);
    var acts = el('div', 'acts');
    var copy = el('button', 'copy', '复制答案 (Enter)');
    copy.type = 'button';
    copy.addEventListener('click', function () { select(idx); doCopy(); });
    acts.appendChild(copy);
    var push = el('button', 'push', '推送给市民 (P)');
    push.type = 'button';
    push.addEventListener('click', function () { select(idx); doPush(); });
    acts.appendChild(push);
    var flag = el('button', 'flag', '标记问题 (F)');
    flag.type = 'button';
    flag.addEventListener('click', function () { select(idx); doFlag(); });
    acts.appendChild(flag);
    c.appendChild(acts);
    c.addEventListener('click', function (ev) { if (ev.target.tagName !== 'BUTTON' && ev.target.tagName !== 'A') select(idx); });
    return c;
  }

  function render(res) {
    state.results = [];
    var meta = $('meta');
    clear(meta);
    if (res.departments && res.departments.length) {
      var d = el('div', 'depts');
      d.appendChild(el('span', 'label', '建议承办部门：'));
      res.departments.forEach(function (s, i) {
        d.appendChild(el('span', 'chip' + (i === 0 ? ' first' : ''), s.department + ' ' + Math.round(s.score * 100) + '%'));
      });
      meta.appendChild(d);
      state.lastDepartment = res.departments[0].department;
    }
    if (res.key_terms && res.key_terms.length) {
      var k = el('div', 'keys');
      k.appendChild(el('span', 'label', '工单关键词：'));
      k.appendChild(document.createTextNode(res.key_terms.join('、')));
      meta.appendChild(k);
    }
    if (res.doc_number) meta.appendChild(el('div', 'keys', '文号：' + res.doc_number));
    meta.appendChild(el('div', 'took', '用时 ' + res.took_ms.toFixed(1) + ' 毫秒'));
    var groups = [['faq', res.faq], ['policies', res.policies], ['interpretations', res.interpretations]];
    groups.forEach(function (g) {
      var box = $(g[0]);
      clear(box);
      $('n-' + g[0]).textContent = String((g[1] || []).length);
      (g[1] || []).forEach(function (item) {
        var idx = state.results.length;
        state.results.push(item);
        box.appendChild(card(item, res.terms, idx));
      });
      if (!g[1] || !g[1].length) box.appendChild(el('p', 'empty', '无匹配结果'));
    });
    state.sel = -1;
    if (state.results.length) select(0, true);
  }

  function select(i, quiet) {
    var cards = document.querySelectorAll('.card');
    if (!cards.length) return;
    if (i < 0) i = 0;
    if (i >= cards.length) i = cards.length - 1;
    if (state.sel >= 0 && cards[state.sel]) cards[state.sel].classList.remove('sel');
    state.sel = i;
    cards[i].classList.add('sel');
    if (!quiet) cards[i].scrollIntoView({ block: 'nearest' });
  }

  function lookup(force) {
    var text = $('q').value.trim();
    if (!text) { state.lastQuery = ''; return; }
    var key = text + '|' + $('expired').checked;
    if (!force && key === state.lastQuery) return;
    state.lastQuery = key;
    if (state.ctrl) state.ctrl.abort();
    state.ctrl = window.AbortController ? new AbortController() : null;
    api('POST', '/api/agent/lookup', { text: text, include_expired: $('expired').checked }, state.ctrl && state.ctrl.signal)
      .then(render)
      .catch(function (e) { if (e.name !== 'AbortError') toast(e.message, true); });
  }

  $('q').addEventListener('input', function () {
    clearTimeout(state.timer);
    state.timer = setTimeout(lookup, 180);
  });
  $('expired').addEventListener('change', function () { lookup(true); });

  function current() { return state.sel >= 0 ? state.results[state.sel] : null; }

  function doCopy() {
    var it = current();
    if (!it) return;
    var typed = $('q').value;
    copyText(it.copy).then(function (ok) {
      toast(ok ? '已复制：' + it.title : '复制失败，请手动选择文本复制', !ok);
      var cards = document.querySelectorAll('.card');
      if (ok && cards[state.sel]) cards[state.sel].classList.add('copied');
      // The caller's words and the answer chosen for them: evidence for
      // the knowledge office's 相似问 review (learning from use).
      if (ok && it.type === 'faq') api('POST', '/api/agent/lookup/copied', { text: typed, id: it.id }).catch(function () {});
    });
  }

  function doPush() {
    var it = current();
    if (!it) return;
    if (!state.active) { toast('请先接入一个会话', true); return; }
    var anchor = (it.doc_url.split('#')[1] || '');
    send({ type: 'agent_answer', id: nextID(), conversation: state.active, doc_id: it.id, anchor: decodeURIComponent(anchor) });
    appendEntry(state.active, { from: 'operator', text: it.text + '[1]\n' + it.cite, staff_no: state.me ? state.me.user.staff_no : '',
      at: new Date().toISOString(), sources: [{ n: 1, title: it.title, doc_url: it.doc_url }] });
  }

  function doFlag() {
    var it = current();
    if (!it) return;
    var anchor = (it.doc_url.split('#')[1] || '');
    openFlag({ doc_id: it.id, anchor: decodeURIComponent(anchor), title: it.title });
  }
  function openFlag(target) {
    state.flagTarget = target;
    $('flag-title').textContent = target.title;
    $('flag-note').value = '';
    $('flag-dlg').returnValue = '';
    $('flag-dlg').showModal();
  }
  $('flag-dlg').addEventListener('close', function () {
    if ($('flag-dlg').returnValue !== 'ok') return;
    var tg = state.flagTarget;
    if (!tg) return;
    var problem = document.querySelector('input[name=problem]:checked').value;
    api('POST', '/api/agent/review/flags', { doc_id: tg.doc_id || '', anchor: tg.anchor || '', answer_id: tg.answer_id || '', problem: problem, note: $('flag-note').value })
      .then(function () { toast('已提交知识审核'); }, function (e) { toast(e.message, true); });
  });

  // ---- keyboard ----
  document.addEventListener('keydown', function (ev) {
    var t = ev.target;
    var typing = t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT');
    if (document.querySelector('dialog[open]')) return;
    if (t === $('q')) {
      if (ev.key === 'ArrowDown' && !ev.shiftKey) { ev.preventDefault(); select(state.sel + 1); return; }
      if (ev.key === 'ArrowUp' && !ev.shiftKey) { ev.preventDefault(); select(state.sel - 1); return; }
      if (ev.key === 'Enter' && !ev.shiftKey) {
        ev.preventDefault();
        if (state.results.length && state.lastQuery === $('q').value.trim() + '|' + $('expired').checked) doCopy();
        else { clearTimeout(state.timer); lookup(true); }
        return;
      }
      if (ev.key === 'Escape') { $('q').value = ''; state.lastQuery = ''; return; }
      if (ev.altKey && (ev.key === 'p' || ev.key === 'P')) { ev.preventDefault(); doPush(); return; }
      if (ev.altKey && (ev.key === 'f' || ev.key === 'F')) { ev.preventDefault(); doFlag(); return; }
      return;
    }
    if (typing) {
      if (ev.key === 'Escape') { $('q').focus(); }
      return;
    }
    switch (ev.key) {
      case '/': ev.preventDefault(); $('q').focus(); $('q').select(); break;
      case 'ArrowDown': case 'j': ev.preventDefault(); select(state.sel + 1); break;
      case 'ArrowUp': case 'k': ev.preventDefault(); select(state.sel - 1); break;
      case 'Enter': case 'c': ev.preventDefault(); doCopy(); break;
      case 'p': case 'P': ev.preventDefault(); doPush(); break;
      case 'f': case 'F': ev.preventDefault(); doFlag(); break;
      case 'r': ev.preventDefault(); $('say').focus(); break;
    }
  });

  // ---- live queue and conversations ----
  function nextID() { state.seq++; return 'w' + state.seq; }
  function send(f) {
    if (!state.ws || state.ws.readyState !== 1) { toast('实时连接已断开，正在重连…', true); return; }
    state.ws.send(JSON.stringify(f));
  }

  function setConn(ok, text) {
    var c = $('conn');
    c.textContent = text;
    c.className = 'conn ' + (ok ? 'on' : 'off');
  }

  function connect() {
    api('POST', '/api/agent/ws-ticket').then(function (t) {
      var proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
      var ws = new WebSocket(proto + location.host + '/ws');
      state.ws = ws;
      ws.onopen = function () {
        state.wsTries = 0;
        ws.send(JSON.stringify({ type: 'hello', v: 1, token: t.ticket, client: 'workbench/1' }));
        ws.send(JSON.stringify({ type: 'queue_subscribe', id: nextID() }));
        setConn(true, '在线');
      };
      ws.onmessage = function (ev) {
        var f;
        try { f = JSON.parse(ev.data); } catch (e) { return; }
        onFrame(f);
      };
      ws.onclose = function () {
        setConn(false, '已断开，重连中');
        state.ws = null;
        var wait = Math.min(30000, 1000 * Math.pow(2, state.wsTries++));
        setTimeout(connect, wait);
      };
    }).catch(function () {
      setConn(false, '未连接');
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, state.wsTries++)));
    });
  }

  function onFrame(f) {
    switch (f.type) {
      case 'queue': state.queue = f; renderQueue(); break;
      case 'conversation': addConv(f.conversation); break;
      case 'citizen_message': appendEntry(f.conversation, { from: 'citizen', text: f.text, at: f.at }); break;
      case 'handoff_finished':
        appendEntry(f.conversation, { from: 'system', text: f.by === 'citizen' ? '市民已结束会话' : '会话已结束', at: new Date().toISOString() });
        if (state.convs[f.conversation]) state.convs[f.conversation].status = 'closed';
        renderConvs();
        break;
      case 'ack':
        if (f.of === 'agent_message' || f.of === 'agent_answer') {
          if (f.delivered === false) toast('市民当前不在线，消息已保存', true);
          else if (f.of === 'agent_answer') toast('已推送给市民');
        }
        break;
      case 'error': toast(f.message || '操作失败', true); break;
    }
  }

  function fmtWait(iso) {
    var s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    return s < 60 ? s + '秒' : Math.floor(s / 60) + '分' + (s % 60) + '秒';
  }

  function renderQueue() {
    var q = state.queue;
    if (!q) return;
    var ul = $('queue');
    clear(ul);
    var waiting = 0;
    q.items.forEach(function (it) {
      var li = el('li', 'qi ' + it.status);
      var head = el('div', 'qh');
      head.appendChild(el('span', 'qs', it.status === 'queued' ? '等待 ' + fmtWait(it.created) : '工号' + it.staff_no + ' 接待中'));
      head.appendChild(el('span', 'qr', it.reason === 'refused_twice' ? '机器人未能回答' : '市民请求'));
      li.appendChild(head);
      li.appendChild(el('div', 'qp', it.preview || '（暂无留言）'));
      if (it.status === 'queued') {
        waiting++;
        var b = el('button', 'take', '接入');
        b.type = 'button';
        b.dataset.conv = it.conversation;
        b.addEventListener('click', function () { send({ type: 'handoff_take', id: nextID(), conversation: it.conversation }); });
        li.appendChild(b);
      }
      ul.appendChild(li);
    });
    if (!q.items.length) ul.appendChild(el('li', 'empty', '暂无排队会话'));
    $('n-queue').textContent = String(waiting);
    $('online').textContent = '在线坐席 ' + q.operators_online;
    $('n-msgs').textContent = String(q.open_messages);
  }
  setInterval(renderQueue, 5000);

  function addConv(c) {
    state.convs[c.id] = c;
    if (state.order.indexOf(c.id) < 0) state.order.push(c.id);
    state.active = c.id;
    renderConvs();
  }

  function appendEntry(id, e) {
    var c = state.convs[id];
    if (!c) return;
    c.transcript.push(e);
    if (id === state.active) renderTranscript();
    else renderConvs();
  }

  var who = { citizen: '市民', bot: '智能助手', operator: '坐席', system: '系统' };
  function renderTranscript() {
    var c = state.convs[state.active];
    var ol = $('transcript');
    clear(ol);
    if (!c) return;
    $('chat-title').textContent = c.id + (c.status === 'closed' ? '（已结束）' : '');
    c.transcript.forEach(function (e) {
      var li = el('li', 'te ' + e.from + (e.refused ? ' refused' : ''));
      var h = el('div', 'tw', (who[e.from] || e.from) + (e.staff_no ? '（工号' + e.staff_no + '）' : '') + ' ' + new Date(e.at).toLocaleTimeString('zh-CN'));
      li.appendChild(h);
      var parts = e.related && e.related.length ? splitListed(e.text, e.related) : { head: e.text, tail: '' };
      li.appendChild(el('div', 'tt', parts.head));
      if (e.related && e.related.length) li.appendChild(offered(e));
      if (parts.tail) li.appendChild(el('div', 'tt', parts.tail));
      (e.sources || []).forEach(function (s) {
        var a = el('a', 'ts', '[' + (s.n || 1) + '] ' + s.title);
        a.href = s.doc_url; a.target = '_blank'; a.rel = 'noopener';
        li.appendChild(a);
      });
      if (e.from === 'bot' && e.answer_id) {
        var fb = el('button', 'link flag-answer', '标记此回答有问题');
        fb.type = 'button';
        fb.addEventListener('click', function () {
          var s0 = (e.sources || [])[0];
          openFlag({ answer_id: e.answer_id, doc_id: s0 ? s0.id : '', anchor: s0 ? s0.anchor : '', title: '智能助手回答 ' + e.answer_id });
        });
        li.appendChild(fb);
      }
      ol.appendChild(li);
    });
    ol.scrollTop = ol.scrollHeight;
  }

  // splitListed finds the lines of text that list the offered questions
  // (kept in the text for clients without buttons) and returns the text
  // before and after them; a heading line ending in ：before the list goes
  // with it. (The widget and the mini-program show answers the same way.)
  function splitListed(text, related) {
    var key = function (q) { return String(q).replace(/[\s？?。.！!：:]/g, ''); };
    var qs = {};
    related.forEach(function (r) { qs[key(r.question)] = true; });
    var lines = String(text || '').split('\n'), first = -1, last = -1;
    for (var i = 0; i < lines.length; i++) {
      var m = /^\s*(?:\d{1,2}[.．、]|[·•・*-])\s*(.+?)\s*$/.exec(lines[i]);
      if (m && qs[key(m[1])]) { if (first < 0) first = i; last = i; }
      else if (first >= 0) break;
    }
    if (first < 0) return { head: String(text || ''), tail: '' };
    var h = first;
    if (h > 0 && /[：:]\s*$/.test(lines[h - 1])) h--;
    return { head: lines.slice(0, h).join('\n').replace(/\s+$/, ''), tail: lines.slice(last + 1).join('\n').replace(/^\s+/, '') };
  }

  // offered shows the buttons the citizen was offered with a bot answer (a
  // clarification's choices, or related questions). The operator is not the
  // asker: a tap looks the entry up, as if its question had been typed.
  function offered(e) {
    var box = el('div', 'offered');
    box.appendChild(el('span', 'tw', e.clarify ? '智能助手请市民选择：' : '智能助手推荐的相关问题：'));
    e.related.forEach(function (r) {
      var b = el('button', 'lookup-related');
      b.type = 'button';
      b.title = '在知识库中查询此问题';
      b.appendChild(document.createTextNode(r.question));
      if (r.sample) b.appendChild(el('span', 'badge sample', '示例'));
      b.addEventListener('click', function () {
        var q = $('q');
        q.value = r.question;
        clearTimeout(state.timer);
        lookup(true);
        q.focus();
      });
      box.appendChild(b);
    });
    return box;
  }

  function renderConvs() {
    var box = $('convs');
    clear(box);
    $('chat-panel').hidden = state.order.length === 0;
    state.order.forEach(function (id) {
      var c = state.convs[id];
      var b = el('button', 'tab' + (id === state.active ? ' on' : '') + (c.status === 'closed' ? ' closed' : ''), '会话 ' + id.slice(-4));
      b.type = 'button';
      b.addEventListener('click', function () { state.active = id; renderConvs(); });
      box.appendChild(b);
    });
    renderTranscript();
  }

  $('say-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = $('say').value.trim();
    if (!text || !state.active) return;
    send({ type: 'agent_message', id: nextID(), conversation: state.active, text: text });
    appendEntry(state.active, { from: 'operator', text: text, staff_no: state.me ? state.me.user.staff_no : '', at: new Date().toISOString() });
    $('say').value = '';
  });
  $('say').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); $('say-form').requestSubmit ? $('say-form').requestSubmit() : $('say-form').dispatchEvent(new Event('submit')); }
  });
  // Ending says whether the citizen's matter was resolved: an unresolved
  // conversation goes to the 12345 工单 system (docs/webhooks.md).
  function endConv(resolved) {
    if (!state.active) return;
    send({ type: 'handoff_end', id: nextID(), conversation: state.active, resolved: resolved });
  }
  $('end-resolved').addEventListener('click', function () { endConv(true); });
  $('end').addEventListener('click', function () { endConv(false); });

  $('propose').addEventListener('click', function () {
    var c = state.convs[state.active];
    if (!c) return;
    var q = '', a = '';
    c.transcript.forEach(function (e) {
      if (e.from === 'citizen' && !q) q = e.text;
      if (e.from === 'operator') a = e.text;
    });
    $('prop-q').value = q;
    $('prop-a').value = a;
    $('prop-d').value = state.lastDepartment || '';
    $('prop-dlg').returnValue = '';
    $('prop-dlg').showModal();
  });
  $('prop-dlg').addEventListener('close', function () {
    if ($('prop-dlg').returnValue !== 'ok') return;
    api('POST', '/api/agent/review/proposals', { question: $('prop-q').value, answer: $('prop-a').value, department: $('prop-d').value, conversation: state.active })
      .then(function () { toast('已提交知识审核'); }, function (e) { toast(e.message, true); });
  });

  // ---- 留言 ----
  $('load-msgs').addEventListener('click', function () {
    api('GET', '/api/agent/messages?status=open').then(function (list) {
      var ul = $('msgs');
      clear(ul);
      list.forEach(function (m) {
        var li = el('li', 'msg');
        li.appendChild(el('div', 'tw', new Date(m.at).toLocaleString('zh-CN') + (m.contact ? ' · 联系方式：' + m.contact : '')));
        li.appendChild(el('div', 'tt', m.text));
        var b = el('button', '', '已处理');
        b.type = 'button';
        b.addEventListener('click', function () {
          api('POST', '/api/agent/messages/' + m.id + '/done').then(function () { li.remove(); }, function (e) { toast(e.message, true); });
        });
        li.appendChild(b);
        ul.appendChild(li);
      });
      if (!list.length) ul.appendChild(el('li', 'empty', '暂无待处理留言'));
    }, function (e) { toast(e.message, true); });
  });

  $('logout').addEventListener('click', function () {
    api('POST', '/api/agent/logout').then(function () { location.replace('/agent/'); });
  });

  api('GET', '/api/agent/me').then(function (me) {
    state.me = me;
    $('me').textContent = '工号 ' + me.user.staff_no + ' · ' + me.user.name + ' · ' + (me.user.role === 'admin' ? '管理员' : '坐席');
    if (me.user.role !== 'admin') { $('review-link').hidden = true; $('concerns-link').hidden = true; }
    connect();
  });
})();
