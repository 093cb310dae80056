// core.js: the core of yagura's web UI: API calls, DOM helpers, times in
// the browser's time zone, loading / empty / error states, tables with
// keyboard navigation, and the router. Pages register with Y.view(name, fn).
// Every piece of data reaches the page through textContent, never as HTML.

export const Y = {
  token: sessionStorage.getItem('yg_token'),
  user: sessionStorage.getItem('yg_user'),
  role: sessionStorage.getItem('yg_role'),
  views: {},
  gen: 0, // bumped at each render: async work of an older page stops writing
  cleanups: [],
};

Y.view = function (name, render) { Y.views[name] = render; };

// The manager did not answer at all (connection refused, reset).
export class DownError extends Error {
  constructor() {
    super('The manager is not answering.');
    this.down = true;
  }
}

// Calls the API; resolves to the parsed JSON, or rejects with an Error
// carrying .status and the server's message (DownError when there is no
// answer). A 401 signs out.
Y.api = async function (method, path, body, opts) {
  const resp = await Y.fetch(method, path, body, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) throw Y.httpError(resp, data, path);
  return data;
};

Y.fetch = async function (method, path, body, opts) {
  const o = { method, headers: {}, signal: opts && opts.signal };
  if (Y.token) o.headers.Authorization = 'Bearer ' + Y.token;
  if (opts && opts.headers) Object.assign(o.headers, opts.headers);
  if (body !== undefined) {
    o.headers['Content-Type'] = 'application/json';
    o.body = JSON.stringify(body);
  }
  try {
    return await fetch('/api/v1' + path, o);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new DownError();
  }
};

Y.httpError = function (resp, data, path) {
  const e = data && data.error;
  const msg = e ? e.message + (e.field ? ' (' + e.field + ')' : resp.status === 404 ? ': ' + path.split('?')[0] : '')
    : resp.status === 404 || resp.status === 501 ? 'This manager does not offer ' + path.split('?')[0] + ' yet.'
      : resp.status >= 502 ? 'The manager is not answering (' + resp.status + ').' : resp.statusText;
  const err = new Error(msg);
  err.status = resp.status;
  if (resp.status >= 502) err.down = true;
  if (resp.status === 401 && path !== '/auth') Y.signout(false);
  return err;
};

Y.qs = function (params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== '' && v != null) u.set(k, v);
  const s = u.toString();
  return s ? '?' + s : '';
};

// el('div', {class: 'x', onclick: f}, 'text', child, ...)
Y.el = function (tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(3)) {
    if (kid == null || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
};

Y.clear = function (e) { while (e.firstChild) e.removeChild(e.firstChild); return e; };

// parent.append without the null / false of optional parts.
Y.put = function (parent, ...kids) {
  parent.append(...kids.flat(3).filter((k) => k != null && k !== false));
  return parent;
};
Y.fill = function (parent, ...kids) { return Y.put(Y.clear(parent), ...kids); };

Y.canWrite = function () { return Y.role === 'analyst' || Y.role === 'admin'; };
Y.isAdmin = function () { return Y.role === 'admin'; };

// ---- times, in the browser's time zone ----

Y.tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
const absFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

Y.fmtTime = function (ms) {
  if (!ms) return '—';
  return absFmt.format(new Date(ms));
};

Y.ago = function (ms) {
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 0) return 'in the future';
  if (s < 45) return 'just now';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  if (s < 30 * 86400) return Math.round(s / 86400) + ' d ago';
  return Y.fmtTime(ms);
};

// A time as "5 min ago", the absolute local time (and UTC) on hover.
Y.time = function (ms) {
  if (!ms) return Y.el('span', { class: 'muted' }, '—');
  const d = new Date(ms);
  return Y.el('time', { datetime: d.toISOString(), 'data-ms': ms,
    title: Y.fmtTime(ms) + ' (' + Y.tz + ')\n' + d.toISOString() }, Y.ago(ms));
};

// The absolute time, with "(5 min ago)" while that says something.
Y.when = function (ms) {
  if (!ms) return Y.el('span', { class: 'muted' }, '—');
  const recent = Date.now() - ms < 30 * 86400e3;
  return Y.el('span', {}, Y.fmtTime(ms), recent ? [' · ', Y.time(ms)] : null);
};

setInterval(() => {
  for (const t of document.querySelectorAll('time[data-ms]')) t.textContent = Y.ago(Number(t.dataset.ms));
}, 30000);

// Wazuh levels in five bands: 0-3, 4-7, 8-11, 12-14, 15-16.
Y.band = function (level) {
  return level >= 15 ? 4 : level >= 12 ? 3 : level >= 8 ? 2 : level >= 4 ? 1 : 0;
};
Y.bandNames = ['0–3', '4–7', '8–11', '12–14', '15–16'];
Y.bandColors = ['#90a4ae', '#4caf50', '#f9a825', '#ef6c00', '#c62828'];

Y.level = function (level) {
  return Y.el('span', { class: 'lvl l' + Y.band(level), title: 'level ' + level }, level);
};

// ---- states: loading, empty, error (with retry) ----

Y.loading = function (where, what) {
  Y.clear(where).append(Y.el('p', { class: 'muted state loading' }, 'Loading' + (what ? ' ' + what : '') + '…'));
};

Y.empty = function (text) { return Y.el('p', { class: 'muted state empty' }, text); };

Y.error = function (where, err, retry) {
  const p = Y.el('p', { class: 'error state' }, err.message || String(err));
  Y.clear(where).append(p);
  if (retry) p.append(' ', Y.el('button', { class: 'secondary small', onclick: retry }, 'Retry'));
};

// Runs fill(where) with a loading state, an error state on failure and,
// when the manager is down, a retry with back-off (2 s doubling to 30 s)
// for as long as the page is shown. Resolves to fill's value or null.
Y.load = async function (where, fill, what) {
  const gen = Y.gen;
  let wait = 2000;
  Y.loading(where, what);
  for (;;) {
    try {
      return await fill(where);
    } catch (err) {
      if (gen !== Y.gen || !Y.token) return null;
      if (!err.down) {
        Y.error(where, err, () => Y.load(where, fill, what));
        return null;
      }
      const left = Math.round(wait / 1000);
      Y.error(where, new Error(err.message + ' Retrying in ' + left + ' s…'));
      where.querySelector('.error').classList.add('down');
      await new Promise((r) => setTimeout(r, wait));
      if (gen !== Y.gen) return null;
      wait = Math.min(30000, wait * 2);
    }
  }
};

// ---- tables: scroll inside their box; rows reachable with the keyboard ----

// Y.table(headers, rows): headers are strings or {label, sort, cls}.
Y.table = function (headers, rows, opts) {
  const o = opts || {};
  const ths = headers.map((h) => {
    const hd = typeof h === 'string' ? { label: h } : h;
    if (!hd.sort || !o.onSort) return Y.el('th', { class: hd.cls || '' }, hd.label);
    const cur = o.sort === hd.sort ? 'asc' : o.sort === '-' + hd.sort ? 'desc' : '';
    return Y.el('th', { class: (hd.cls || '') + ' sortable ' + cur, 'aria-sort': cur ? cur + 'ending' : 'none' },
      Y.el('button', { class: 'th', onclick: () => o.onSort(cur === 'desc' ? hd.sort : '-' + hd.sort) },
        hd.label, cur === 'asc' ? ' ▲' : cur === 'desc' ? ' ▼' : ''));
  });
  const t = Y.el('table', { class: o.cls || '' }, Y.el('thead', {}, Y.el('tr', {}, ths)), Y.el('tbody', {}, rows));
  return Y.el('div', { class: 'tw' }, t);
};

// A row that opens something: click, or Enter when focused; arrow keys
// move between rows.
Y.row = function (open, ...cells) {
  return Y.el('tr', { class: 'clickable', tabindex: 0, onclick: open,
    onkeydown: (ev) => {
      if (ev.target !== ev.currentTarget) return;
      if (ev.key === 'Enter') { ev.preventDefault(); open(); }
    } }, cells);
};

document.addEventListener('keydown', (ev) => {
  if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
  const tr = ev.target.closest && ev.target.closest('tr.clickable');
  if (!tr || ev.target !== tr) return;
  const next = ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
  if (next) { ev.preventDefault(); next.focus(); }
});

Y.kv = function (rows) {
  return Y.el('table', { class: 'kv' }, Y.el('tbody', {}, rows.filter((r) => r && r[1] != null && r[1] !== '')
    .map(([k, v]) => Y.el('tr', {}, Y.el('th', {}, k), Y.el('td', {}, v)))));
};

Y.panel = function (title, ...kids) {
  return Y.el('section', { class: 'panel' }, title ? Y.el('h2', {}, title) : null, kids);
};

Y.tag = function (text) { return Y.el('span', { class: 'tag' }, text); };

// ---- routing: #/name/arg?query ----

Y.route = function () {
  const h = location.hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const pathPart = q < 0 ? h : h.slice(0, q);
  const parts = pathPart.split('/').map(decodeURIComponent);
  return { name: parts[0] || 'dashboard', arg: parts.slice(1).join('/'),
    params: Object.fromEntries(new URLSearchParams(q < 0 ? '' : h.slice(q + 1))) };
};

Y.href = function (name, arg, params) {
  return '#/' + name + (arg ? '/' + encodeURIComponent(arg) : '') + Y.qs(params || {});
};

Y.go = function (name, arg, params) { location.hash = Y.href(name, arg, params); };

// Called at each render so pages can stop their timers and live handlers.
Y.onLeave = function (fn) { Y.cleanups.push(fn); };

Y.render = async function () {
  Y.gen++;
  for (const fn of Y.cleanups.splice(0)) { try { fn(); } catch (e) { /* page gone */ } }
  const main = Y.clear(document.getElementById('main'));
  if (!Y.token) return Y.showSignin(main);
  document.body.classList.remove('signed-out');
  document.getElementById('top').hidden = false;
  document.getElementById('who').textContent = Y.user + ' (' + Y.role + ')';
  const r = Y.route();
  const navName = { alert: 'alerts', ticket: 'tickets', agent: 'agents' }[r.name] || r.name;
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', a.dataset.nav === navName);
    if (a.dataset.admin != null) a.hidden = !Y.isAdmin();
  }
  if (Y.onSignedIn) Y.onSignedIn();
  const view = Y.views[r.name];
  if (!view) return main.append(Y.el('p', { class: 'error' }, 'No such page.'));
  try {
    await view(main, r.arg, r.params);
  } catch (err) {
    if (Y.token && err.name !== 'AbortError') Y.error(main, err, () => Y.render());
  }
};

// ---- signing in and out ----

Y.showSignin = function (main) {
  document.body.classList.add('signed-out');
  document.getElementById('top').hidden = true;
  if (Y.onSignedOut) Y.onSignedOut();
  main.append(document.getElementById('signin-tpl').content.cloneNode(true));
  const form = document.getElementById('signin');
  form.querySelector('input[name=user]').focus();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = document.getElementById('signin-error');
    out.textContent = '';
    try {
      const r = await Y.api('POST', '/auth', { user: form.user.value, password: form.password.value });
      Y.token = r.token; Y.user = r.user; Y.role = r.role;
      sessionStorage.setItem('yg_token', r.token);
      sessionStorage.setItem('yg_user', r.user);
      sessionStorage.setItem('yg_role', r.role);
      if (!location.hash || location.hash === '#/') location.hash = '#/dashboard';
      else Y.render();
    } catch (err) {
      out.textContent = err.message;
    }
  });
};

Y.signout = async function (tellServer) {
  if (tellServer && Y.token) {
    try { await Y.api('DELETE', '/auth'); } catch (e) { /* signed out anyway */ }
  }
  Y.token = Y.user = Y.role = null;
  sessionStorage.clear();
  Y.render();
};
