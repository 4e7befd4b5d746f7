'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function toast(msg, bad) {
    var t = $('toast');
    t.textContent = msg; t.className = 'toast' + (bad ? ' bad' : ''); t.hidden = false;
    setTimeout(function () { t.hidden = true; }, 2500);
  }
  function api(method, path, body) {
    var opt = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body); }
    return fetch(path, opt).then(function (r) {
      if (r.status === 401) { location.replace('/agent/'); throw new Error('未登录'); }
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.message || ('请求失败（' + r.status + '）'));
        return j;
      });
    });
  }
  var problems = { outdated: '内容过时', wrong: '内容错误', other: '其他问题' };
  var statuses = { open: '待审核', accepted: '已采纳', rejected: '已驳回' };

  function load() {
    api('GET', '/api/admin/review?status=' + encodeURIComponent($('status').value)).then(function (list) {
      var tb = $('items');
      while (tb.firstChild) tb.removeChild(tb.firstChild);
      $('total').textContent = '共 ' + list.length + ' 条';
      list.forEach(function (it) {
        var tr = el('tr');
        tr.appendChild(el('td', '', it.id));
        tr.appendChild(el('td', '', it.kind === 'flag' ? '问题标记' : '新增常见问题'));
        var td = el('td');
        if (it.kind === 'flag') {
          var a = el('a', '', it.doc_id + (it.anchor ? '#' + it.anchor : ''));
          a.href = '/docs/' + encodeURIComponent(it.doc_id) + (it.anchor ? '#' + encodeURIComponent(it.anchor) : '');
          a.target = '_blank'; a.rel = 'noopener';
          td.appendChild(el('strong', '', problems[it.problem] || it.problem));
          td.appendChild(document.createTextNode(' '));
          td.appendChild(a);
          if (it.answer_id) td.appendChild(el('div', '', '回答编号：' + it.answer_id));
          if (it.note) td.appendChild(el('div', '', it.note));
        } else {
          td.appendChild(el('div', '', '问：' + it.question));
          td.appendChild(el('div', '', '答：' + it.answer));
          if (it.department) td.appendChild(el('div', '', '部门：' + it.department));
          if (it.faq_yaml) td.appendChild(el('pre', '', it.faq_yaml));
        }
        tr.appendChild(td);
        tr.appendChild(el('td', '', '工号' + it.staff_no));
        tr.appendChild(el('td', '', new Date(it.created).toLocaleString('zh-CN')));
        var act = el('td');
        if (it.status === 'open') {
          ['accepted', 'rejected'].forEach(function (st) {
            var b = el('button', '', st === 'accepted' ? '采纳' : '驳回');
            b.type = 'button';
            b.addEventListener('click', function () {
              var note = window.prompt('处理说明（可选）', '') || '';
              api('POST', '/api/admin/review/' + it.id, { status: st, note: note }).then(function () { toast('已处理'); load(); }, function (e) { toast(e.message, true); });
            });
            act.appendChild(b);
          });
        } else {
          act.appendChild(el('div', '', statuses[it.status] + (it.resolved_by ? '（' + it.resolved_by + '）' : '')));
          if (it.resolution) act.appendChild(el('div', '', it.resolution));
        }
        tr.appendChild(act);
        tb.appendChild(tr);
      });
    }, function (e) { toast(e.message, true); });
  }
  $('status').addEventListener('change', load);
  load();

  // ---- 相似问建议: the similar questions learned from use, grouped per FAQ
  // entry, approved (written into the entry) or rejected by the office ----
  var kinds = { tap_helpful: '点选后点赞', tap_kept: '点选后未追问', operator_push: '坐席推送', operator_copy: '坐席复制' };

  function loadSimilar() {
    api('GET', '/api/admin/review/similar').then(function (list) {
      var tb = $('similar-items');
      while (tb.firstChild) tb.removeChild(tb.firstChild);
      $('similar-total').textContent = ' 共 ' + list.length + ' 条建议。';
      list.forEach(function (p) {
        var tr = el('tr');
        tr.setAttribute('data-entry', p.entry_id);
        var q = el('td');
        var a = el('a', '', p.question);
        a.href = '/docs/' + encodeURIComponent(p.entry_id);
        a.target = '_blank'; a.rel = 'noopener';
        q.appendChild(a);
        q.appendChild(el('div', 'muted', p.entry_id));
        tr.appendChild(q);
        var wcell = el('td');
        var input = el('input', 'wording');
        input.type = 'text'; input.value = p.wording; input.maxLength = 60;
        input.setAttribute('aria-label', '建议的相似问：' + p.question);
        wcell.appendChild(input);
        tr.appendChild(wcell);
        var ks = [];
        Object.keys(p.kinds).forEach(function (k) { ks.push((kinds[k] || k) + ' ' + p.kinds[k]); });
        var ccell = el('td', '', p.count);
        ccell.appendChild(el('div', 'muted', ks.join('，')));
        tr.appendChild(ccell);
        var ocell = el('td');
        var ul = el('ul');
        p.wordings.forEach(function (w) { ul.appendChild(el('li', '', w)); });
        ocell.appendChild(ul);
        tr.appendChild(ocell);
        var act = el('td');
        [['approved', '采纳'], ['rejected', '驳回']].forEach(function (x) {
          var b = el('button', '', x[1]);
          b.type = 'button';
          b.setAttribute('data-status', x[0]);
          b.addEventListener('click', function () {
            var body = { entry_id: p.entry_id, evidence: p.evidence, status: x[0] };
            if (x[0] === 'approved') body.wording = input.value;
            b.disabled = true;
            api('POST', '/api/admin/review/similar', body).then(function (out) {
              toast(x[0] === 'approved' ? '已采纳并写入相似问：' + out.wording : '已驳回');
              loadSimilar();
            }, function (e) { b.disabled = false; toast(e.message, true); });
          });
          act.appendChild(b);
        });
        tr.appendChild(act);
        tb.appendChild(tr);
      });
    }, function (e) { $('similar-total').textContent = ' ' + e.message; });
  }
  loadSimilar();
})();
