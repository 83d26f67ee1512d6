// Roster import confirmation: the confirm form answers with a download, so the page stays
// put; show progress, then read the short-lived cookie the server sets to say what happened.
(function () {
  var form = document.querySelector('.js-roster-confirm');
  if (!form) return;
  var working = document.getElementById('roster-working');
  var done = document.getElementById('roster-done');
  var name = 'zhibu_roster_done=';
  function readCookie() {
    var parts = document.cookie.split('; ');
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].indexOf(name) === 0) return parts[i].slice(name.length);
    }
    return '';
  }
  form.addEventListener('submit', function () {
    var button = form.querySelector('button');
    setTimeout(function () { button.disabled = true; }, 0);
    working.hidden = false;
    var tries = 0;
    var timer = setInterval(function () {
      var v = readCookie();
      if (!v && ++tries < 600) return;
      clearInterval(timer);
      if (!v) return;
      document.cookie = name + '; Max-Age=0; Path=/admin/roster';
      var n = v.split('-');
      var keys = ['rows', 'created', 'updated', 'branches'];
      for (var i = 0; i < keys.length; i++) {
        var el = done.querySelector('[data-k="' + keys[i] + '"]');
        if (el) el.textContent = n[i] || '0';
      }
      working.hidden = true;
      form.hidden = true;
      done.hidden = false;
    }, 500);
  });
})();
