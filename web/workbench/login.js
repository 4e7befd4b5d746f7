'use strict';
(function () {
  var form = document.getElementById('login-form');
  var err = document.getElementById('login-error');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    err.hidden = true;
    var btn = document.getElementById('login-submit');
    btn.disabled = true;
    fetch('/api/agent/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({
        username: document.getElementById('username').value,
        password: document.getElementById('password').value
      })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.ok) {
          var next = location.pathname.indexOf('/agent/') === 0 && location.pathname !== '/agent/login' ? location.pathname : '/agent/';
          location.replace(next);
          return;
        }
        err.textContent = body.message || ('登录失败（' + r.status + '）');
        err.hidden = false;
      });
    }).catch(function () {
      err.textContent = '网络错误，请检查网络后重试。';
      err.hidden = false;
    }).then(function () { btn.disabled = false; });
  });
})();
