/* The athlete screen. ES5 only (old tablets): no modules, no arrow functions, no fetch.
   Server-Sent Events when the browser has them; polling every second otherwise. */
(function () {
  var base = document.body.getAttribute('data-base');
  var countEl = document.getElementById('count');
  var targetEl = document.getElementById('target');
  var cueEl = document.getElementById('cue');
  var statusEl = document.getElementById('status');
  var flash = document.getElementById('flash');
  var lastRep = null;
  var flashTimer = null;

  function colourOf(verdict) {
    if (verdict === 'good') { return 'good'; }
    if (verdict === 'rounded') { return 'rounded'; }
    return 'other';
  }

  function showState(s) {
    if (s.count !== undefined && s.count !== null) { countEl.innerHTML = String(s.count); }
    if (s.target) { targetEl.innerHTML = String(s.target); }
    if (s.connected === false) { statusEl.innerHTML = 'station not connected'; }
    else if (s.set_active) { statusEl.innerHTML = s.target && s.count >= s.target ? 'target reached: well done' : ''; }
    else { statusEl.innerHTML = 'step up to the wall to start'; }
  }

  function showRep(r) {
    if (!r || r.id === lastRep) { return; }
    lastRep = r.id;
    if (r.count !== undefined && r.count !== null) { countEl.innerHTML = String(r.count); }
    if (r.target) { targetEl.innerHTML = String(r.target); }
    cueEl.innerHTML = r.cue ? r.cue : '&nbsp;';
    if (r.count && r.target && r.count >= r.target) { statusEl.innerHTML = 'target reached: well done'; }
    flash.className = colourOf(r.verdict) + ' on';
    if (flashTimer) { clearTimeout(flashTimer); }
    flashTimer = setTimeout(function () { flash.className = colourOf(r.verdict); }, 700);
  }

  function handle(m) {
    if (m.type === 'state') { showState(m); }
    else if (m.type === 'rep') { showRep(m); }
    else if (m.type === 'connection') { showState({connected: m.connected}); }
  }

  function poll() {
    var x = new XMLHttpRequest();
    x.open('GET', base + '/state', true);
    x.onreadystatechange = function () {
      if (x.readyState !== 4) { return; }
      if (x.status === 200) {
        try {
          var d = JSON.parse(x.responseText);
          showState(d.state);
          if (d.rep) { showRep(d.rep); }
        } catch (e) { /* ignore a broken answer; the next poll comes */ }
      }
      setTimeout(poll, 1000);
    };
    x.send(null);
  }

  if (window.EventSource && !/[?&]poll=1/.test(window.location.search)) {
    var es = new EventSource(base + '/events');
    es.onmessage = function (e) {
      try { handle(JSON.parse(e.data)); } catch (err) { /* ignore */ }
    };
    es.onerror = function () { statusEl.innerHTML = 'reconnecting…'; };
  } else {
    poll();
  }
})();
