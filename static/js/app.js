// zhibu: progressive enhancement only; every page works without this file.

// 「返回上一页」 on an error page goes back in history when there is one; its href (the
// same-site Referer or the home page) serves a page opened directly or without script.
document.addEventListener('click', function (e) {
  var a = e.target.closest && e.target.closest('a[data-back]');
  if (!a || window.history.length < 2) return;
  e.preventDefault();
  window.history.back();
});

// The staff menu on a phone is one row that scrolls sideways (static/css/app.css): bring
// the current item into view, and fade an edge while items are hidden beyond it.
(function () {
  var nav = document.querySelector('.topnav');
  if (!nav) return;
  var cur = nav.querySelector('a[aria-current]');
  if (cur && nav.scrollWidth > nav.clientWidth) {
    nav.scrollLeft = cur.offsetLeft - (nav.clientWidth - cur.offsetWidth) / 2;
  }
  function edge() {
    nav.classList.toggle('more-left', nav.scrollLeft > 4);
    nav.classList.toggle('more-right', nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 4);
  }
  edge();
  nav.addEventListener('scroll', edge, {passive: true});
  window.addEventListener('resize', edge);
})();
