// Keeps the cited paragraph (the URL's #anchor) in view on a source-document
// page while the page settles: late fonts, a rotated phone or a resized
// window reflow the text and would otherwise leave the citation off screen.
(function () {
  'use strict';
  var id = decodeURIComponent((location.hash || '').slice(1));
  if (!id) return;
  var settleUntil = Date.now() + 3000;
  function show() {
    var el = document.getElementById(id);
    if (el && Date.now() < settleUntil) el.scrollIntoView({ block: 'start' });
  }
  window.addEventListener('resize', show);
  window.addEventListener('load', show);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(show);
  // A user who scrolls on their own takes over.
  ['wheel', 'touchstart', 'keydown'].forEach(function (t) {
    window.addEventListener(t, function () { settleUntil = 0; }, { passive: true, once: true });
  });
})();
