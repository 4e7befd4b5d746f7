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
})();
