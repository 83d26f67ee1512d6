// The WeChat download page (app/web/templates/download.html): copy the one-time link.
(function () {
  var btn = document.getElementById('dl-copy'), input = document.getElementById('dl-url');
  if (!btn || !input) return;
  input.value = location.href.split('#')[0];
  function done() { btn.textContent = btn.getAttribute('data-done'); }
  function fallback() {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
    try { if (document.execCommand('copy')) done(); } catch (e) { /* the text stays selected to copy by hand */ }
  }
  btn.addEventListener('click', function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, fallback);
    } else {
      fallback();
    }
  });
  input.addEventListener('focus', function () { input.select(); });
})();
