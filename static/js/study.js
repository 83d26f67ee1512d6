// Lesson page: report study time to the server while the page is visible, and tell it
// when the reader reached the end. The server does all the counting; this only beats,
// and runs the countdown to the minimum time between beats (from the last server state).
// Lesson editor: live preview of the Markdown body (rendered and sanitized by the server).
(function () {
  'use strict';

  function post(url, csrf, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', keepalive: true,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; });
  }

  // Mirrors courses.FormatDuration.
  function fmt(sec) {
    if (sec < 0) sec = 0;
    if (sec < 60) return sec + ' 秒';
    if (sec % 60 === 0) return (sec / 60) + ' 分钟';
    return Math.floor(sec / 60) + ' 分 ' + (sec % 60) + ' 秒';
  }

  function study(el) {
    var id = el.getAttribute('data-lesson');
    var csrf = el.getAttribute('data-csrf');
    var interval = parseInt(el.getAttribute('data-interval'), 10) || 15000;
    var min = parseInt(el.getAttribute('data-min'), 10) || 0;
    var minText = el.getAttribute('data-min-text') || fmt(min);
    var done = el.getAttribute('data-done') === '1';
    var text = document.getElementById('study-text');
    var fill = document.getElementById('study-fill');
    var msg = document.getElementById('study-msg');
    var left = document.getElementById('study-left');
    var note = document.getElementById('next-note');
    var reached = false, last = Date.now(), timer = null;
    // The server's word on the end: reached once, it stays reached.
    var endSeen = el.getAttribute('data-reached') === '1';
    // Countdown: the seconds the server last reported, and when; while the page is
    // visible the local clock runs on from there until the next beat corrects it.
    var base = parseInt(el.getAttribute('data-seconds'), 10) || 0, baseAt = Date.now(), tick = null;

    function countdown() {
      if (done) {
        left.textContent = '';
        if (note) note.textContent = '';
        return;
      }
      var rest = min - base - (timer ? Math.floor((Date.now() - baseAt) / 1000) : 0);
      if (base >= min) left.textContent = '学习时长已够，读到末尾本课时即完成';
      else if (rest > 0) left.textContent = '还需学习 ' + fmt(rest) + '，本课时才算完成';
      else left.textContent = '学习时长即将够了，正在确认……';
      // Why 「下一课时」 does not complete this lesson yet (mirrors courses.NotYetText).
      if (note) {
        var end = endSeen || reached, why;
        if (base < min && rest > 0 && !end) why = '还需再学习 ' + fmt(rest) + '，并读到末尾';
        else if (base < min && rest > 0) why = '还需再学习 ' + fmt(rest);
        else if (!end) why = '还需读到本课时末尾';
        else why = '正在确认学习时长';
        note.textContent = '现在离开，本课时还不算完成：' + why;
      }
    }

    function show(s) {
      if (!s) return;
      base = s.seconds;
      baseAt = Date.now();
      if (s.reached_end) endSeen = true;
      if (s.lesson_completed) {
        el.className = 'study-bar is-done';
        fill.className = 'w100';
        text.textContent = '✓ 本课时已完成';
        if (!done) {
          done = true;
          msg.textContent = s.course_completed ? '恭喜！本课程已全部完成' + (s.hours_earned ? '，获得 ' + s.hours_earned + ' 学时' : '') : '本课时已完成，可以学习下一课时';
        }
        countdown();
        return;
      }
      var pct = min > 0 ? Math.min(100, Math.floor(s.seconds * 100 / min)) : 100;
      fill.className = 'w' + pct;
      var need = s.seconds >= min ? '时长已够' : '最短学习 ' + minText;
      text.textContent = '已学习 ' + fmt(s.seconds) + ' · ' + need + (s.reached_end ? '' : '，并读到末尾');
      countdown();
    }

    function beat(resume) {
      var now = Date.now();
      var elapsed = (now - last) / 1000;
      last = now;
      return post('/api/v1/lessons/' + id + '/heartbeat', csrf,
        { resume: !!resume, reached_end: reached, elapsed: resume ? 0 : elapsed }).then(show, function () {});
    }
    function start() {
      if (timer) return;
      last = baseAt = Date.now();
      beat(true);
      timer = setInterval(function () { beat(false); }, interval);
      tick = setInterval(countdown, 1000);
    }
    function stop() {
      if (!timer) return;
      clearInterval(timer);
      clearInterval(tick);
      timer = tick = null;
      beat(false); // credit the visible time up to now; hidden time never counts
    }
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') start(); else stop();
    });
    // Leaving for the next lesson: credit the last seconds (keepalive outlives the page).
    window.addEventListener('pagehide', stop);

    var end = document.getElementById('lesson-end');
    function reachedEnd() {
      if (reached) return;
      reached = true;
      if (timer) beat(false);
    }
    if (end && 'IntersectionObserver' in window) {
      new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) reachedEnd(); });
      }).observe(end);
    } else if (end) {
      window.addEventListener('scroll', function () {
        if (end.getBoundingClientRect().top < window.innerHeight) reachedEnd();
      }, { passive: true });
    }
    // Coming back resumes where the reader stopped: remember the scroll position locally.
    var key = 'zhibu-scroll-' + id, saving = null;
    try {
      var y = parseInt(window.localStorage.getItem(key), 10);
      if (y > 0 && !done) window.scrollTo(0, y);
    } catch (e) { /* storage may be disabled */ }
    window.addEventListener('scroll', function () {
      clearTimeout(saving);
      saving = setTimeout(function () {
        try { window.localStorage.setItem(key, String(Math.round(window.scrollY))); } catch (e) { /* ignore */ }
      }, 500);
    }, { passive: true });

    if (document.visibilityState === 'visible') start();
  }

  function preview(src) {
    var out = document.getElementById('md-preview');
    var csrf = src.getAttribute('data-csrf');
    var pending = null;
    src.addEventListener('input', function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        post('/api/v1/markdown/preview', csrf, { markdown: src.value }).then(function (r) {
          if (r) out.innerHTML = r.html; // sanitized on the server
        }, function () {});
      }, 400);
    });
  }

  var el = document.getElementById('study');
  if (el && el.getAttribute('data-published') === '1') study(el);
  var src = document.getElementById('md-source');
  if (src) preview(src);
})();

// Staff filters: choosing another township clears the branch of the old one and applies
// the filter, so the branch list that follows is the new township's (without JavaScript
// the server drops a branch that does not fit the township).
(function () {
  'use strict';
  var sels = document.querySelectorAll('select[data-clears]');
  Array.prototype.forEach.call(sels, function (sel) {
    sel.addEventListener('change', function () {
      var other = document.getElementById(sel.getAttribute('data-clears'));
      if (other) other.value = '';
      if (sel.form) sel.form.submit();
    });
  });
})();
