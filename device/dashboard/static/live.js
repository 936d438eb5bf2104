/* The clinician's live page: count, each rep's verdict, the trace, station commands. */
(function () {
  var root = document.getElementById('live');
  var csrf = root.getAttribute('data-csrf');
  var words = {good: 'good', rounded: 'rounded', shallow: 'shallow', knee_lock: 'knee lock', heel_lift: 'heel lift',
               too_fast: 'too fast', unchecked: 'unchecked', squat: 'squat'};
  var tbody = document.querySelector('#reps tbody');
  var trace = [];
  var seen = {};
  var canvas = document.getElementById('trace');
  var ctx = canvas.getContext('2d');

  function $(id) { return document.getElementById(id); }
  function colourOf(v) { return v === 'good' ? 'good' : (v === 'rounded' ? 'rounded' : 'other'); }
  function fmt(v, unit) { return v === null || v === undefined ? '–' : (Math.round(v * 10) / 10) + (unit || ''); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; }); }

  function setConn(up) {
    var el = $('conn');
    el.className = 'tag ' + (up ? 'ok' : 'bad');
    el.textContent = up ? 'station connected' : 'station not connected';
  }

  function state(s) {
    if (!s || s.count === undefined) { return; }
    $('count').textContent = s.count;
    $('target').textContent = s.target;
    $('setinfo').textContent = s.set_active ? 'Set in progress' : (s.person_present ? 'Someone in view; the set starts at the first hip contact' : 'Nobody at the wall');
    var sel = $('patient-select');
    var label = s.patient ? s.patient : '';
    if (sel && label.indexOf('patient:') === 0) {
      var opt = sel.querySelector('option[value="' + label.slice(8) + '"]');
      $('patient').textContent = 'At the wall: ' + (opt ? opt.textContent : label);
    } else { $('patient').textContent = sel ? 'No patient selected: sets are anonymous' : ''; }
    var ti = $('target-input');
    if (document.activeElement !== ti) { ti.value = s.target; }
    if (sel && document.activeElement !== sel) { sel.value = label.indexOf('patient:') === 0 ? label.slice(8) : ''; }
    $('mute').textContent = s.muted ? 'Unmute the buzzer' : 'Mute the buzzer';
    $('mute').setAttribute('data-muted', s.muted ? '1' : '0');
    if (!s.set_active && s.count === 0) { tbody.innerHTML = ''; seen = {}; }
  }

  function rep(r) {
    if (seen[r.id]) { return; }
    seen[r.id] = true;
    var tr = document.createElement('tr');
    tr.className = 'new';
    tr.setAttribute('data-verdict', r.verdict);
    var faults = (r.faults || []).map(function (f) { return words[f] || f; }).join(', ');
    tr.innerHTML = '<td>' + r.index + '</td><td><span class="pill v-' + colourOf(r.verdict) + '">' +
      esc(words[r.verdict] || r.verdict) + '</span></td><td>' + esc(r.cue || '') + '</td><td>' + fmt(r.trunk_inclination_deg, '°') +
      '</td><td>' + fmt(r.rounding_deg, '°') + '</td><td>' + fmt(r.end_s - r.start_s, ' s') + '</td><td>' + esc(faults || '–') + '</td>';
    tbody.insertBefore(tr, tbody.firstChild);
    var v = $('verdict');
    v.textContent = (words[r.verdict] || r.verdict) + (r.cue && r.verdict !== 'good' ? ': ' + r.cue : '');
    v.className = 'verdict v-' + colourOf(r.verdict);
    if (r.counted_total !== null && r.counted_total !== undefined) { $('count').textContent = r.counted_total; }
  }

  function draw() {
    var w = canvas.width, h = canvas.height, top = 70, bottom = -10;
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = '#d7dde3'; ctx.fillStyle = '#667085'; ctx.font = '11px sans-serif'; ctx.lineWidth = 1;
    for (var g = 0; g <= 60; g += 20) {
      var gy = h - (g - bottom) / (top - bottom) * h;
      ctx.beginPath(); ctx.moveTo(30, gy); ctx.lineTo(w, gy); ctx.stroke(); ctx.fillText(g + '°', 2, gy + 4);
    }
    if (!trace.length) { return; }
    var tEnd = trace[trace.length - 1].t, span = 30;
    function line(key, colour) {
      ctx.strokeStyle = colour; ctx.lineWidth = 2.5; ctx.beginPath();
      var pen = false;
      for (var i = 0; i < trace.length; i++) {
        var p = trace[i], v = p[key];
        if (v === null || v === undefined) { pen = false; continue; }
        var x = 30 + (1 - (tEnd - p.t) / span) * (w - 30), y = h - (v - bottom) / (top - bottom) * h;
        if (pen) { ctx.lineTo(x, y); } else { ctx.moveTo(x, y); pen = true; }
      }
      ctx.stroke();
    }
    line('trunk_inclination_deg', '#1f5fa8');
    line('rounding_deg', '#d93025');
  }

  function posture(p) {
    if (trace.length && p.t < trace[trace.length - 1].t) { trace = []; }  // a new station run
    trace.push(p);
    while (trace.length && trace[trace.length - 1].t - trace[0].t > 30) { trace.shift(); }
  }

  function handle(m) {
    if (m.type === 'snapshot') {
      setConn(m.connected); state(m.state);
      for (var i = 0; i < m.reps.length; i++) { rep(m.reps[i]); }
      trace = m.trace || []; draw();
    } else if (m.type === 'state') { state(m); }
    else if (m.type === 'rep') { rep(m); }
    else if (m.type === 'posture') { posture(m); }
    else if (m.type === 'connection') { setConn(m.connected); }
    else if (m.type === 'error') { showError(m.message); }
  }

  function showError(msg) {
    var e = $('cmd-error');
    e.textContent = msg; e.hidden = !msg;
  }

  function send(cmd, value) {
    var x = new XMLHttpRequest();
    x.open('POST', '/live/command', true);
    x.setRequestHeader('Content-Type', 'application/json');
    x.setRequestHeader('X-CSRF-Token', csrf);
    x.onreadystatechange = function () {
      if (x.readyState !== 4) { return; }
      if (x.status >= 400) {
        var msg = 'The command failed (' + x.status + ')';
        try { msg = JSON.parse(x.responseText).error || msg; } catch (e) { /* keep */ }
        showError(msg);
      } else { showError(''); }
    };
    var body = {cmd: cmd};
    if (value !== undefined) { body.value = value; }
    x.send(JSON.stringify(body));
  }

  var buttons = document.querySelectorAll('button[data-cmd]');
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener('click', function (e) { send(e.target.getAttribute('data-cmd')); });
  }
  $('mute').addEventListener('click', function () { send('mute', $('mute').getAttribute('data-muted') !== '1'); });
  $('set-target').addEventListener('click', function () { send('target', parseInt($('target-input').value, 10)); });
  if ($('select-patient')) {
    $('select-patient').addEventListener('click', function () {
      var v = $('patient-select').value;
      send('patient', v ? parseInt(v, 10) : null);
    });
  }

  var es = new EventSource('/live/events');
  es.onmessage = function (e) { handle(JSON.parse(e.data)); };
  es.onerror = function () { setConn(false); };
  setInterval(draw, 200);
})();
