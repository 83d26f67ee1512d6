// zhibu: progressive enhancement only; every page works without this file.

// 「返回上一页」 on an error page goes back in history when there is one; its href (the
// same-site Referer or the home page) serves a page opened directly or without script.
document.addEventListener('click', function (e) {
  var a = e.target.closest && e.target.closest('a[data-back]');
  if (!a || window.history.length < 2) return;
  e.preventDefault();
  window.history.back();
});
