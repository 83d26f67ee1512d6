// The 学习档案 page (app/record/templates/record.html): the 「打印」 button prints the page
// (the print stylesheet in css/record.css lays it out on A4). Without JavaScript the
// button stays hidden and the browser's own print still works.
(function () {
  if (!window.print) return;
  document.querySelectorAll('[data-print]').forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener('click', function () { window.print(); });
  });
})();
