// live.js: the live feed. GET /alerts/stream sends server-sent events over
// a fetch() stream (EventSource cannot send the Authorization header):
// `alert` (a row, id = its sequence number), `ticket`, `stats`, `lag` (the
// server dropped events for us: refetch) and heartbeat comments. Pages
// subscribe with Y.live.on(kind, fn); handlers get the events gathered
// since the last call, at most once per FLUSH_MS (a bounded redraw rate
// however fast alerts come). A lost connection is retried with back-off.
import { Y } from './core.js';

const FLUSH_MS = 500;
const HEARTBEAT_MS = 45000; // no byte for this long: the connection is dead

const L = {
  on: true, // the user's live / paused choice
  state: 'off', // off | connecting | live | retrying | paused
  handlers: [], // {kind, fn}
  pending: {}, // kind -> [events]
  timer: null,
  abort: null,
  lastId: null,
  wait: 1000,
  retryAt: 0,
};
Y.live = L;
L.on = localStorage.getItem('yg_live') !== 'paused';

// fn(events) is called with the batch of events of that kind; 'lag' and
// 'reconnect' handlers mean "refetch what you show".
L.subscribe = function (kind, fn) {
  const h = { kind, fn };
  L.handlers.push(h);
  Y.onLeave(() => { L.handlers = L.handlers.filter((x) => x !== h); });
};
Y.live.onEvent = L.subscribe;

function deliver(kind, data) {
  (L.pending[kind] = L.pending[kind] || []).push(data);
  if (!L.timer) L.timer = setTimeout(flush, FLUSH_MS);
}

function flush() {
  L.timer = null;
  const batches = L.pending;
  L.pending = {};
  for (const [kind, evs] of Object.entries(batches)) {
    for (const h of L.handlers.slice()) {
      if (h.kind === kind || h.kind === '*') {
        try { h.fn(evs, kind); } catch (e) { console.warn('live handler', e); }
      }
    }
  }
}

function setState(s, detail) {
  L.state = s;
  const b = document.getElementById('live');
  if (!b) return;
  b.className = 'live st-' + s;
  b.setAttribute('aria-pressed', L.on ? 'true' : 'false');
  const label = { live: 'live', connecting: 'connecting…', retrying: 'reconnecting', paused: 'paused', off: 'live' }[s];
  b.textContent = (s === 'paused' ? '❚❚ ' : '● ') + label + (detail ? ' ' + detail : '');
  b.title = s === 'paused' ? 'Updates paused: click to go live' : 'Updates arrive by themselves: click to pause';
}

// One SSE block: "event: x\nid: n\ndata: {...}" (data lines joined by \n).
function parseBlock(block) {
  let ev = 'message', id = null;
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const f = i < 0 ? line : line.slice(0, i);
    const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (f === 'event') ev = v;
    else if (f === 'data') data.push(v);
    else if (f === 'id') id = v;
  }
  if (id) L.lastId = id;
  if (!data.length && ev === 'message') return;
  let obj = null;
  try { obj = data.length ? JSON.parse(data.join('\n')) : null; } catch (e) { obj = data.join('\n'); }
  deliver(ev, obj);
}

async function connect() {
  if (!L.on || !Y.token || L.abort) return;
  const ctl = new AbortController();
  L.abort = ctl;
  setState('connecting');
  let dog = null;
  const pet = () => { clearTimeout(dog); dog = setTimeout(() => ctl.abort(), HEARTBEAT_MS); };
  let wasLive = false;
  try {
    const headers = { Accept: 'text/event-stream' };
    if (L.lastId) headers['Last-Event-ID'] = L.lastId;
    pet();
    const resp = await Y.fetch('GET', '/alerts/stream', undefined, { signal: ctl.signal, headers });
    if (!resp.ok) {
      let data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      throw Y.httpError(resp, data, '/alerts/stream');
    }
    setState('live');
    wasLive = true;
    L.wait = 1000;
    if (L.everLive) deliver('reconnect', null); // what was missed while away: refetch
    L.everLive = true;
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pet();
      buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        parseBlock(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
      if (buf.length > 1 << 20) throw new Error('event too large');
    }
  } catch (err) {
    if (err.status === 401) return;
  } finally {
    clearTimeout(dog);
    if (L.abort === ctl) L.abort = null;
  }
  if (!L.on || !Y.token) return setState(L.on ? 'off' : 'paused');
  // back-off: 1 s doubling to 30 s, with a little jitter
  if (!wasLive) L.wait = Math.min(30000, L.wait * 2);
  const wait = L.wait * (0.8 + Math.random() * 0.4);
  L.retryAt = Date.now() + wait;
  setState('retrying', 'in ' + Math.round(wait / 1000) + ' s');
  setTimeout(connect, wait);
}

L.start = function () { if (L.on) connect(); else setState('paused'); };
L.stop = function () {
  if (L.abort) { L.abort.abort(); L.abort = null; }
};
L.toggle = function () {
  L.on = !L.on;
  localStorage.setItem('yg_live', L.on ? 'live' : 'paused');
  if (L.on) { L.wait = 1000; connect(); } else { L.stop(); setState('paused'); }
};

// Refetches what a page shows when events of these kinds arrive (and after
// a reconnect or a lag notice), at most once every minMs; trailMs: once
// more that long after the last run (what an alert leads to, such as its
// ticket, may be written just after the alert).
Y.liveRefresh = function (kinds, refresh, minMs, trailMs) {
  let last = 0, timer = null, trail = null;
  const run = () => {
    timer = null;
    last = Date.now();
    refresh();
    if (trailMs) {
      clearTimeout(trail);
      trail = setTimeout(() => { if (!timer) { last = Date.now(); refresh(); } }, trailMs);
    }
  };
  const kick = () => {
    if (timer) return;
    const due = Math.max(0, last + (minMs || 0) - Date.now());
    timer = setTimeout(run, due);
  };
  for (const k of kinds.concat(['lag', 'reconnect'])) L.subscribe(k, kick);
  Y.onLeave(() => { clearTimeout(timer); clearTimeout(trail); });
};

Y.onSignedIn = function () { if (!L.abort && L.state !== 'retrying') L.start(); };
Y.onSignedOut = function () { L.stop(); setState('off'); };
