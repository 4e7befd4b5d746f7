// 长辈模式 on govchat's own pages (demo and source documents): large text,
// large buttons, high contrast, shorter lines. Loaded in <head> so that the
// remembered mode applies before the first paint. The choice is kept in
// localStorage under govchat.mode, shared with the chat widget on the same
// site; either one's 长辈模式 button switches both.
(function () {
  'use strict';
  var KEY = 'govchat.mode';
  var root = document.documentElement;
  function stored() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function apply(m) {
    m = m === 'elder' ? 'elder' : 'standard';
    root.setAttribute('data-mode', m);
    var bs = document.querySelectorAll('[data-mode-toggle]');
    for (var i = 0; i < bs.length; i++) bs[i].setAttribute('aria-pressed', m === 'elder' ? 'true' : 'false');
  }
  apply(stored());
  window.addEventListener('govchat:mode', function (e) { apply(e.detail && e.detail.mode); });
  window.addEventListener('storage', function (e) { if (e.key === KEY && e.newValue) apply(e.newValue); });
  document.addEventListener('click', function (e) {
    var b = e.target && e.target.closest ? e.target.closest('[data-mode-toggle]') : null;
    if (!b) return;
    var m = root.getAttribute('data-mode') === 'elder' ? 'standard' : 'elder';
    if (window.GovChat && window.GovChat.setMode) {
      window.GovChat.setMode(m); // stores it and tells this page (govchat:mode)
    } else {
      try { localStorage.setItem(KEY, m); } catch (err) { /* private mode */ }
    }
    apply(m);
  });
  document.addEventListener('DOMContentLoaded', function () { apply(root.getAttribute('data-mode')); });
})();
