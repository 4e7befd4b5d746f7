// Keeps the cited paragraph (the URL's #anchor) in view on a source-document
// page until the reader scrolls: late fonts, a rotated phone or a resized
// window reflow the text and would otherwise leave the citation off screen.
(function () {
  'use strict';
  var id = decodeURIComponent((location.hash || '').slice(1));
  if (!id) return;
  var follow = true;
  function show() {
    var el = document.getElementById(id);
    if (el && follow) el.scrollIntoView({ block: 'start' });
  }
  window.addEventListener('resize', show);
  window.addEventListener('load', show);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(show);
  // A user who scrolls on their own takes over.
  ['wheel', 'touchstart', 'keydown'].forEach(function (t) {
    window.addEventListener(t, function () { follow = false; }, { passive: true, once: true });
  });
})();
