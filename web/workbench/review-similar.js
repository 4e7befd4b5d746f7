'use strict';
// 相似问建议: the similar questions learned from use, grouped per FAQ entry,
// approved (written into the entry) or rejected by the knowledge office.
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
  var kinds = { tap_helpful: '点选后点赞', tap_kept: '点选后未追问', operator_push: '坐席推送', operator_copy: '坐席复制' };

  function load() {
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
              load();
            }, function (e) { b.disabled = false; toast(e.message, true); });
          });
          act.appendChild(b);
        });
        tr.appendChild(act);
        tb.appendChild(tr);
      });
    }, function (e) { $('similar-total').textContent = ' ' + e.message; });
  }
  load();
})();
