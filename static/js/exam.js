// zhibu exam page: one question per screen, answers saved as they are chosen, kept in
// localStorage until the server acknowledged them, resent after a network drop or while
// the server answers 5xx/429 (banner 「网络或服务器繁忙，答案已保存在本机」, retries with
// growing, jittered pauses so a recovering server is not stampeded). The countdown
// follows the server's deadline. Also drives the practice page.
(function () {
  'use strict';
  var KIND = { single: '单选题', multiple: '多选题', judge: '判断题' };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // busy: the server is down or overloaded (5xx, 429, 408): try again later.
  function busy(status) { return status >= 500 || status === 429 || status === 408; }
  function errMsg(r, fallback) { return (r.body && r.body.error && r.body.error.message) || fallback; }

  function api(method, url, csrf, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (csrf) opts.headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, body: j }; });
    });
  }

  // Renders an item's options as big tap targets; onPick(key) on tap.
  function renderOptions(box, item, chosen, onPick, locked) {
    var list = el('div', 'opts');
    list.setAttribute('role', item.kind === 'multiple' ? 'group' : 'radiogroup');
    item.options.forEach(function (o) {
      var b = el('button', 'opt');
      b.type = 'button';
      b.setAttribute('role', item.kind === 'multiple' ? 'checkbox' : 'radio');
      var on = chosen.indexOf(o.key) >= 0;
      b.setAttribute('aria-checked', on ? 'true' : 'false');
      if (on) b.className += ' on';
      b.dataset.key = o.key;
      b.appendChild(el('span', 'opt-key', o.key));
      b.appendChild(el('span', 'opt-text', o.text));
      if (locked) b.disabled = true;
      b.addEventListener('click', function () { onPick(o.key); });
      list.appendChild(b);
    });
    box.appendChild(list);
  }

  function toggle(kind, current, key) {
    if (kind !== 'multiple') return [key];
    var i = current.indexOf(key);
    var out = current.slice();
    if (i >= 0) out.splice(i, 1); else out.push(key);
    out.sort();
    return out;
  }

  // ---------------------------------------------------------------- exam
  function exam(root) {
    var id = root.dataset.attempt, csrf = root.dataset.csrf;
    var storeKey = 'zhibu-exam-' + id;
    var items = [], answers = {}, pending = {}, cur = 0, skew = 0, deadline = 0;
    var sending = false, offline = false, closed = false, retryTimer = null, fails = 0;

    try { pending = JSON.parse(localStorage.getItem(storeKey) || '{}') || {}; } catch (e) { pending = {}; }
    function persist() {
      try {
        if (Object.keys(pending).length) localStorage.setItem(storeKey, JSON.stringify(pending));
        else localStorage.removeItem(storeKey);
      } catch (e) { /* private mode: the in-memory queue still works */ }
    }
    // setOffline shows (or hides) the banner: network down or server busy, answers kept here.
    function setOffline(v) {
      offline = v;
      $('offline').hidden = !v;
      document.body.classList.toggle('is-offline', v);
    }
    function notice(msg) { var n = $('notice'); n.textContent = msg; n.hidden = !msg; }
    function answerOf(pos) { return pending[pos] !== undefined ? pending[pos] : (answers[pos] || []); }

    function render() {
      var it = items[cur], box = $('question');
      box.textContent = '';
      var meta = el('p', 'q-meta');
      meta.appendChild(el('span', 'q-no', '第 ' + it.position + ' 题 / 共 ' + items.length + ' 题'));
      meta.appendChild(el('span', 'tag', KIND[it.kind] + ' · ' + it.points + ' 分'));
      var s = el('span', 'q-state');
      s.id = 'q-state';
      meta.appendChild(s);
      box.appendChild(meta);
      box.appendChild(el('p', 'q-stem', it.stem));
      if (it.kind === 'multiple') box.appendChild(el('p', 'hint', '可选多项，全部选对才得分'));
      renderOptions(box, it, answerOf(it.position), pick, closed);
      $('prev').disabled = cur === 0;
      $('next').textContent = cur === items.length - 1 ? '去交卷' : '下一题';
      refresh();
    }
    // refresh updates the saved state and the grid without redrawing the options.
    function refresh() {
      var it = items[cur], s = $('q-state');
      var st = pending[it.position] !== undefined ? ['待上传', 'st-pending'] :
        (answerOf(it.position).length ? ['已保存', 'st-saved'] : ['未作答', 'st-none']);
      s.textContent = st[0];
      s.className = 'q-state ' + st[1];
      renderGrid();
    }
    function renderGrid() {
      var g = $('grid'), n = 0;
      g.textContent = '';
      items.forEach(function (it, i) {
        var b = el('button', 'cell', String(it.position));
        b.type = 'button';
        var a = answerOf(it.position);
        if (a.length) { b.className += ' done'; n++; }
        if (pending[it.position] !== undefined) b.className += ' pending';
        if (i === cur) { b.className += ' cur'; b.setAttribute('aria-current', 'true'); }
        b.setAttribute('aria-label', '第' + it.position + '题' + (a.length ? '，已答' : '，未答'));
        b.addEventListener('click', function () { cur = i; g.hidden = true; render(); window.scrollTo(0, 0); });
        g.appendChild(b);
      });
      var np = Object.keys(pending).length;
      $('progress').textContent = '已答 ' + n + '/' + items.length + (np ? ' · ' + np + ' 题待上传' : '');
    }

    function pick(key) {
      if (closed) return;
      var it = items[cur];
      pending[it.position] = toggle(it.kind, answerOf(it.position), key);
      persist();
      render();
      flush();
    }

    // Sends the queued answers: one alone as a single save, several (after a spell
    // offline) together in one request, saved all or none; keeps them queued on network
    // errors.
    function flush() {
      if (sending || closed) return Promise.resolve();
      var keys = Object.keys(pending);
      if (!keys.length) return Promise.resolve();
      sending = true;
      var sent = {}, req;
      keys.forEach(function (p) { sent[p] = pending[p]; });
      if (keys.length === 1) {
        req = api('PUT', '/api/v1/attempts/' + id + '/answers/' + keys[0], csrf, { answer: sent[keys[0]] });
      } else {
        req = api('PUT', '/api/v1/attempts/' + id + '/answers', csrf, {
          answers: keys.map(function (p) { return { position: +p, answer: sent[p] }; })
        });
      }
      return req.then(function (r) {
        sending = false;
        if (r.status === 200) {
          fails = 0;
          setOffline(false);
          var saved = keys.length === 1 ? [r.body] : r.body.answers;
          saved.forEach(function (a) {
            answers[a.position] = a.answer;
            if (JSON.stringify(pending[a.position]) === JSON.stringify(sent[a.position])) delete pending[a.position];
          });
          persist(); refresh();
          return flush();
        }
        if (r.status === 409) { closed = true; finish('考试时间已到，答卷已自动提交。'); return; }
        if (r.status === 401) { notice('登录已失效，请重新登录后继续，已选答案保存在本机。'); return; }
        if (r.status === 422 || r.status === 404) {
          // Drop what was refused (a batch names its positions) and send the rest.
          var fields = (keys.length > 1 && r.body && r.body.error && r.body.error.fields) || {};
          var bad = Object.keys(fields).filter(function (p) { return sent[p] !== undefined; });
          (bad.length ? bad : keys).forEach(function (p) { delete pending[p]; });
          persist(); notice(errMsg(r, '该答案无法保存')); render(); return flush();
        }
        if (busy(r.status)) setOffline(true);
        retry();
      }, function () { sending = false; setOffline(true); retry(); });
    }
    // retry flushes again after 1.5 s, 3 s, 6 s … up to 20 s, each ±25 %.
    function retry() {
      if (retryTimer) return;
      var wait = Math.min(20000, 1500 * Math.pow(2, Math.min(fails, 4))) * (0.75 + Math.random() * 0.5);
      fails++;
      retryTimer = setTimeout(function () { retryTimer = null; flush(); }, wait);
    }
    window.addEventListener('online', function () {
      if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
      flush();
    });
    window.addEventListener('offline', function () { setOffline(true); });

    function fmt(ms) {
      var s = Math.max(0, Math.floor(ms / 1000)), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
      s = s % 60;
      return (h ? h + ':' : '') + (m < 10 ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s;
    }
    function tick() {
      var left = deadline - (Date.now() - skew);
      var t = $('timer');
      t.textContent = fmt(left);
      t.classList.toggle('low', left < 5 * 60 * 1000);
      if (left <= 0 && !closed) { closed = true; submit(true); return; }
      setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    }

    function finish(msg) {
      closed = true;
      notice(msg || '');
      setTimeout(function () { location.href = '/exams/attempts/' + id + '/result'; }, msg ? 1500 : 0);
    }
    function submit(auto) {
      notice(auto ? '时间到，正在交卷…' : '正在交卷…');
      var wasClosed = closed;
      closed = false;
      return flush().then(function () {
        closed = true;
        if (Object.keys(pending).length && !auto) {
          closed = wasClosed;
          notice('网络未恢复，还有 ' + Object.keys(pending).length + ' 题答案未上传，请恢复网络后再交卷。');
          return;
        }
        return api('POST', '/api/v1/attempts/' + id + '/submit', csrf).then(function (r) {
          if (r.status === 200) { try { localStorage.removeItem(storeKey); } catch (e) {} finish(); return; }
          closed = wasClosed;
          if (busy(r.status)) { setOffline(true); notice('网络或服务器繁忙，答案已保存在本机，交卷未成功，请稍后再试。'); return; }
          notice(errMsg(r, '交卷失败，请重试'));
        }, function () { closed = wasClosed; setOffline(true); notice('网络或服务器繁忙，答案已保存在本机，交卷未成功，请稍后再试。'); });
      });
    }
    function askSubmit() {
      var n = items.filter(function (it) { return !answerOf(it.position).length; }).length;
      var np = Object.keys(pending).length;
      $('confirm-text').textContent = (n ? '还有 ' + n + ' 题未作答。' : '全部题目已作答。') +
        (np ? '有 ' + np + ' 题答案尚未上传，交卷前会先上传。' : '') + '交卷后不能再修改。';
      $('confirm').hidden = false;
      $('confirm-yes').focus();
    }

    $('prev').addEventListener('click', function () { if (cur > 0) { cur--; render(); window.scrollTo(0, 0); } });
    $('next').addEventListener('click', function () {
      if (cur < items.length - 1) { cur++; render(); window.scrollTo(0, 0); } else askSubmit();
    });
    $('grid-toggle').addEventListener('click', function () { $('grid').hidden = !$('grid').hidden; });
    $('submit').addEventListener('click', askSubmit);
    $('confirm-no').addEventListener('click', function () { $('confirm').hidden = true; });
    $('confirm-yes').addEventListener('click', function () { $('confirm').hidden = true; submit(false); });

    function load() {
      api('GET', '/api/v1/attempts/' + id).then(function (r) {
        if (busy(r.status)) { setOffline(true); setTimeout(load, 3000); return; }
        if (r.status !== 200) { notice(errMsg(r, '试卷加载失败')); return; }
        setOffline(false);
        var a = r.body;
        if (a.status !== 'in_progress') { pending = {}; persist(); finish(); return; }
        skew = Date.now() - Date.parse(a.server_time);
        deadline = Date.parse(a.deadline);
        items = a.items;
        items.forEach(function (it) { answers[it.position] = it.answer; });
        Object.keys(pending).forEach(function (p) { if (!items[p - 1]) delete pending[p]; });
        // Resume at the first unanswered question.
        for (cur = 0; cur < items.length - 1 && answerOf(items[cur].position).length; cur++) { /* scan */ }
        render(); tick(); flush();
      }, function () { setOffline(true); setTimeout(load, 3000); });
    }
    load();
  }

  // ---------------------------------------------------------------- practice
  function practice(root) {
    var csrf = root.dataset.csrf, items = [], cur = 0, chosen = [], checked = null, empty = '暂无可练习的题目。', withheld = 0;
    var url = '/api/v1/practice?count=10' + (root.dataset.mistakes ? '&mistakes=1' : '') +
      (root.dataset.category ? '&category=' + encodeURIComponent(root.dataset.category) : '');
    function render() {
      var box = $('question'), btn = $('check');
      box.textContent = '';
      if (!items.length) { box.appendChild(el('p', 'line', empty)); btn.hidden = true; btn.style.display = 'none'; return; }
      var it = items[cur];
      $('progress').textContent = '第 ' + (cur + 1) + ' 题 / 共 ' + items.length + ' 题' +
        (withheld ? '（另有 ' + withheld + ' 题属于正在进行的考试范围，考试结束后才能练习）' : '');
      var meta = el('p', 'q-meta');
      meta.appendChild(el('span', 'tag', KIND[it.kind]));
      if (it.category) meta.appendChild(el('span', 'tag tag-gold', it.category));
      box.appendChild(meta);
      box.appendChild(el('p', 'q-stem', it.stem));
      renderOptions(box, it, chosen, function (k) { if (!checked) { chosen = toggle(it.kind, chosen, k); render(); } }, !!checked);
      if (checked) {
        var ok = checked.correct;
        box.appendChild(el('p', 'pass ' + (ok ? 'pass-ok' : 'pass-no'), ok ? '回答正确' : '回答错误，正确答案：' + checked.correct_answer.join('')));
        if (checked.explanation) box.appendChild(el('p', 'explain', '解析：' + checked.explanation));
        btn.textContent = cur < items.length - 1 ? '下一题' : '再练一组';
      } else btn.textContent = '提交答案';
    }
    // say shows one inline message under the options (never a silent no-op).
    function say(msg) {
      var box = $('question'), old = box.querySelector('.practice-error');
      if (old) old.remove();
      if (!msg) return;
      var p = el('p', 'alert practice-error', msg);
      p.id = 'practice-error';
      p.setAttribute('role', 'alert');
      box.appendChild(p);
    }
    var sending = false;
    $('check').addEventListener('click', function () {
      if (checked) {
        if (cur < items.length - 1) { cur++; chosen = []; checked = null; render(); window.scrollTo(0, 0); } else location.reload();
        return;
      }
      if (!chosen.length) { say('请先选择答案，再点“提交答案”。'); return; }
      if (sending) return;
      var notSent = '网络连接失败，答案没有提交，请检查网络后再点“提交答案”。';
      sending = true;
      say('');
      // A weak network may never answer: after 15 seconds the tap is given back (the
      // answer was not recorded; a late reply is ignored).
      var attempt = {};
      var giveUp = setTimeout(function () { if (sending === attempt) { sending = false; say(notSent); } }, 15000);
      sending = attempt;
      api('POST', '/api/v1/practice/answer', csrf, { question_id: items[cur].question_id, answer: chosen }).then(function (r) {
        if (sending !== attempt) return;
        clearTimeout(giveUp);
        sending = false;
        if (r.status === 200) { checked = r.body; render(); return; }
        say(busy(r.status) ? '服务器繁忙，答案没有提交，请稍后再点“提交答案”。' : errMsg(r, '提交失败，请重试'));
      }, function () { if (sending !== attempt) return; clearTimeout(giveUp); sending = false; say(notSent); });
    });
    api('GET', url).then(function (r) {
      if (r.status !== 200) empty = errMsg(r, empty);
      items = (r.status === 200 && r.body.items) || [];
      withheld = (r.body && r.body.withheld) || 0;
      render();
    }, function () { empty = '网络或服务器繁忙，请稍后刷新'; render(); });
  }

  var e = $('exam');
  if (e) exam(e);
  var p = $('practice');
  if (p) practice(p);
})();
