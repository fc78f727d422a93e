// The report page of a queued or running job: follows the grading through server-sent
// events and reloads when the result is stored. Everything it writes is set as text.
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (!live || typeof EventSource === 'undefined') {
    setTimeout(function () { location.reload(); }, 5000);
    return;
  }
  var list = document.getElementById('live-tests');
  var state = document.getElementById('live-state');
  var message = document.getElementById('live-message');
  var labels = {
    en: { running: 'running', queued: 'queued', passed: 'passed', failed: 'failed', error: 'error', timeout: 'time limit', killed: 'killed', epoch: 'epoch', loss: 'loss', grading: 'Grading…' },
    ru: { running: 'проверяется', queued: 'в очереди', passed: 'пройден', failed: 'не пройден', error: 'ошибка', timeout: 'превышено время', killed: 'остановлен', epoch: 'эпоха', loss: 'потеря', grading: 'Идёт проверка…' }
  }[document.documentElement.lang === 'ru' ? 'ru' : 'en'];
  function item(index) {
    return list ? list.querySelector('li[data-index="' + index + '"]') : null;
  }
  function itemByName(name) {
    if (!list || !name) return null;
    var items = list.querySelectorAll('li');
    for (var i = 0; i < items.length; i++) {
      if (items[i].querySelector('.live-test-name').textContent === name) return items[i];
    }
    return null;
  }
  var current = null;
  var source = new EventSource(live.getAttribute('data-events'));
  source.addEventListener('state', function (e) {
    var d = JSON.parse(e.data);
    state.textContent = labels[d.state] || d.state;
    state.className = 'badge badge-' + d.state;
    if (d.state === 'running') message.textContent = labels.grading;
  });
  source.addEventListener('progress', function (e) {
    var p = JSON.parse(e.data);
    if (p.type === 'test-started') {
      current = item(p.index);
      if (current) current.classList.add('is-running');
      state.textContent = labels.running;
      state.className = 'badge badge-running';
    } else if (p.type === 'test-finished') {
      var li = item(p.index);
      if (li) {
        li.classList.remove('is-running');
        li.classList.add('is-' + p.status);
        li.querySelector('.live-test-status').textContent = (labels[p.status] || p.status) + ' ' + p.score + '/' + p.maxScore;
      }
    } else if (p.type === 'epoch') {
      var target = itemByName(p.test) || current;
      if (target) {
        var text = labels.epoch + ' ' + (p.epoch === null ? '?' : p.epoch + 1) + (p.epochs ? '/' + p.epochs : '') + (p.loss === null ? '' : ', ' + labels.loss + ' ' + Number(p.loss).toPrecision(4));
        target.querySelector('.live-test-epochs').textContent = text;
      }
    }
  });
  source.addEventListener('done', function () {
    source.close();
    location.reload();
  });
})();
