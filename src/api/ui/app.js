// app.js: the core of yagura's web UI: API calls, DOM helpers, the router
// and signing in. Views register themselves with Y.view(name, render).
// Every piece of data reaches the page through textContent, never as HTML.
'use strict';

const Y = {
  token: sessionStorage.getItem('yg_token'),
  user: sessionStorage.getItem('yg_user'),
  role: sessionStorage.getItem('yg_role'),
  views: {},
};

Y.view = function (name, render) { Y.views[name] = render; };

// Calls the API; resolves to the parsed JSON, or rejects with an Error
// carrying .status and the server's message. A 401 signs out.
Y.api = async function (method, path, body) {
  const opts = { method, headers: {} };
  if (Y.token) opts.headers.Authorization = 'Bearer ' + Y.token;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch('/api/v1' + path, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const msg = data && data.error ? data.error.message +
      (data.error.field ? ' (' + data.error.field + ')' : '') : resp.statusText;
    const err = new Error(msg);
    err.status = resp.status;
    if (resp.status === 401 && path !== '/auth') Y.signout(false);
    throw err;
  }
  return data;
};

Y.qs = function (params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v != null) u.set(k, v);
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
  for (const kid of kids.flat()) {
    if (kid == null || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
};

Y.clear = function (e) { while (e.firstChild) e.removeChild(e.firstChild); return e; };

Y.fmtTime = function (ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
};

// Wazuh levels in five bands: 0-3, 4-7, 8-11, 12-14, 15-16.
Y.band = function (level) {
  return level >= 15 ? 4 : level >= 12 ? 3 : level >= 8 ? 2 : level >= 4 ? 1 : 0;
};
Y.bandNames = ['0–3', '4–7', '8–11', '12–14', '15–16'];

Y.level = function (level) {
  return Y.el('span', { class: 'lvl l' + Y.band(level), title: 'level ' + level }, level);
};

Y.error = function (where, err) {
  Y.clear(where).append(Y.el('p', { class: 'error' }, err.message || String(err)));
};

Y.table = function (headers, rows) {
  return Y.el('table', {},
    Y.el('thead', {}, Y.el('tr', {}, headers.map((h) => Y.el('th', {}, h)))),
    Y.el('tbody', {}, rows));
};

Y.canWrite = function () { return Y.role === 'analyst' || Y.role === 'admin'; };

// ---- routing: #/name/arg?query ----

Y.route = function () {
  const h = location.hash.replace(/^#\/?/, '');
  const [pathPart, query] = h.split('?');
  const parts = pathPart.split('/').map(decodeURIComponent);
  return { name: parts[0] || 'dashboard', arg: parts.slice(1).join('/'),
    params: Object.fromEntries(new URLSearchParams(query || '')) };
};

Y.go = function (name, arg, params) {
  location.hash = '#/' + name + (arg ? '/' + encodeURIComponent(arg) : '') + Y.qs(params || {});
};

Y.render = async function () {
  const main = Y.clear(document.getElementById('main'));
  if (!Y.token) return Y.showSignin(main);
  document.getElementById('top').hidden = false;
  document.getElementById('who').textContent = Y.user + ' (' + Y.role + ')';
  const r = Y.route();
  for (const a of document.querySelectorAll('header nav a'))
    a.classList.toggle('active', a.dataset.nav === r.name);
  const view = Y.views[r.name];
  if (!view) return main.append(Y.el('p', {}, 'No such page.'));
  try {
    await view(main, r.arg, r.params);
  } catch (err) {
    if (Y.token) Y.error(main, err);
  }
};

// ---- signing in and out ----

Y.showSignin = function (main) {
  document.getElementById('top').hidden = true;
  main.append(document.getElementById('signin-tpl').content.cloneNode(true));
  const form = document.getElementById('signin');
  form.querySelector('input[name=user]').focus();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = document.getElementById('signin-error');
    out.textContent = '';
    try {
      const r = await Y.api('POST', '/auth',
        { user: form.user.value, password: form.password.value });
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

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('signout').addEventListener('click', () => Y.signout(true));
  window.addEventListener('hashchange', Y.render);
  Y.render();
});
