// zhibu: the 「打印」 button of a printable page (data-print) opens the browser's print
// dialog; without this file the browser's own 「打印」 menu does the same.
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-print]');
  if (!b) return;
  e.preventDefault();
  window.print();
});
