// tickets.js: the tickets board (columns by status, filters, live) and the
// ticket page (rendered timeline, ban the source / lift the ban,
// assignment, comment, status, close with a resolution).
import { Y } from './core.js';
import { renderDiff, fimCompare } from './detail.js';

const STATUSES = [['open', 'Open'], ['in_progress', 'In progress'], ['closed', 'Closed']];
const BOARD_FILTERS = ['severity', 'type', 'assignee', 'rule_id', 'q'];

function boardFilters(params) {
  const f = Y.el('form', { class: 'filters', id: 'board-filters' },
    Y.el('label', {}, 'Severity', Y.el('select', { name: 'severity' },
      [['', 'any'], ['1', 'Medium'], ['2', 'High'], ['3', 'Critical']].map(([v, l]) =>
        Y.el('option', { value: v, selected: params.severity === v }, l)))),
    Y.el('label', {}, 'Type', Y.el('select', { name: 'type' },
      [['', 'any'], ['alert', 'alert'], ['incident', 'incident']].map(([v, l]) =>
        Y.el('option', { value: v, selected: params.type === v }, l)))),
    Y.el('label', {}, 'Assignee', Y.el('input', { name: 'assignee', value: params.assignee || '', maxlength: 64 })),
    Y.el('label', {}, 'Rule', Y.el('input', { name: 'rule_id', value: params.rule_id || '', maxlength: 16, inputmode: 'numeric' })),
    Y.el('label', {}, 'Text', Y.el('input', { name: 'q', value: params.q || '', maxlength: 256 })),
    Y.el('button', { type: 'submit' }, 'Filter'),
    Y.el('button', { type: 'button', class: 'secondary', onclick: () => Y.go('tickets') }, 'Clear'));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = {};
    for (const k of BOARD_FILTERS) p[k] = f[k].value.trim();
    Y.go('tickets', '', p);
  });
  return f;
}

function card(t) {
  const open = () => Y.go('ticket', String(t.id));
  return Y.el('div', { class: 'card sev' + t.severity, tabindex: 0, 'data-id': t.id, onclick: open,
    onkeydown: (ev) => { if (ev.key === 'Enter') open(); } },
  Y.el('div', { class: 'title' }, '#' + t.id + ' ' + t.title),
  Y.el('div', { class: 'muted' }, t.severity_name + ' · ' + t.alert_count + ' alert(s) · ', Y.time(t.last_alert),
    t.assignee ? ' · ' + t.assignee : ''));
}

Y.view('tickets', async (main, arg, params) => {
  Y.put(main, Y.el('h1', {}, 'Tickets'), boardFilters(params));
  const board = Y.el('div', { class: 'board' });
  Y.put(main, board);
  const f = {};
  for (const k of BOARD_FILTERS) if (params[k]) f[k] = params[k];
  const fill = async () => {
    const cols = await Promise.all(STATUSES.map(([s]) =>
      Y.api('GET', '/tickets' + Y.qs(Object.assign({ status: s, limit: s === 'closed' ? 30 : 100 }, f)))));
    Y.clear(board);
    STATUSES.forEach(([s, label], i) => {
      const page = cols[i];
      Y.put(board, Y.el('div', { class: 'column', 'data-status': s },
        Y.el('h2', {}, label, Y.el('span', { class: 'muted' }, page.items.length + (page.more ? '+' : ''))),
        page.items.length ? page.items.map(card) : Y.empty('None.')));
    });
  };
  await Y.load(board, fill, 'tickets');
  // a new ticket or a folded alert always comes with an alert event
  Y.liveRefresh(['ticket', 'alert'], () => fill().catch(() => {}), 2000, 3000);
});

// ---- the ticket page ----

// A timeline entry's text that is JSON is shown pretty-printed (no `\/`).
function prose(text) {
  const s = String(text || '');
  if (/^\s*[{[]/.test(s)) {
    try { return Y.el('pre', { class: 'json small' }, JSON.stringify(JSON.parse(s), null, 2)); } catch (e) { /* prose */ }
  }
  return Y.el('div', { class: 'text' }, s);
}

// An alert entry: the API's expanded alert, else the JSON summary in its text.
function entryAlert(e) {
  if (e.data && typeof e.data === 'object') return e.data;
  if (e.alert && typeof e.alert === 'object') return e.alert;
  try {
    const o = JSON.parse(e.text || '');
    return o && typeof o === 'object' ? o : {};
  } catch (err) { return {}; }
}

function alertEntry(e) {
  const a = entryAlert(e);
  const id = a.id || a.alert_id || e.alert_id;
  const parts = [Y.el('div', { class: 'alert-line' }, a.level != null ? Y.level(a.level) : null, ' ',
    a.rule_id ? Y.el('span', { class: 'muted' }, 'rule ' + a.rule_id + ' ') : null,
    Y.el('span', { class: 'desc' }, a.description || e.description || ''),
    a.srcip ? Y.el('span', { class: 'muted' }, ' · ' + a.srcip) : null,
    id ? [' ', Y.el('a', { href: Y.href('alert', id) }, id)] : null)];
  if (a.full_log) parts.push(Y.el('pre', { class: 'log small' }, a.full_log));
  const s = a.syscheck || e.syscheck || e.fim;
  if (s) parts.push(Y.el('div', { class: 'mono small' }, s.path || ''), fimCompare(s), s.diff ? renderDiff(s.diff) : null);
  if (!a.description && !e.description && e.text) parts.push(prose(e.text));
  if ((e.type || e.kind) === 'yara' && a.data) parts.push(Y.kv(Object.entries(a.data).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])));
  return parts;
}

// A ban, lift, status, assignment or response entry as a sentence; its
// other data as a small table; text that is not data as it was written.
function noteEntry(kind, e) {
  const d = e.data && typeof e.data === 'object' ? e.data : null;
  if (!d) return prose(e.text);
  const line = kind === 'ban' ? ['Banned ', Y.el('b', { class: 'mono' }, d.address || '?'),
    d.expires ? ' until ' + Y.fmtTime(d.expires * 1000) : d.ttl ? ' for ' + d.ttl + ' s' : '']
    : kind === 'unban' ? ['Ban of ', Y.el('b', { class: 'mono' }, d.address || '?'), ' lifted', d.by ? ' by ' + d.by : '']
      : kind === 'assign' ? ['Assigned to ', Y.el('b', {}, d.assignee || '—')]
        : kind === 'status' && d.to ? ['Status ', d.from || '', ' → ', Y.el('b', {}, d.to)] : null;
  const shown = new Set(['address', 'expires', 'ttl', 'by', 'assignee', 'from', 'to', 'action']);
  const rest = Object.entries(d).filter(([k, v]) => !(line && shown.has(k)) && v != null && v !== '');
  const txt = e.text && !/^\s*[{[]/.test(e.text) ? prose(e.text) : null;
  return Y.el('div', {}, line ? Y.el('div', {}, line) : txt,
    rest.length ? Y.kv(rest.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])) : null);
}

function entry(e) {
  const kind = e.type || e.kind || 'event';
  const body = kind === 'alert' || kind === 'fim' || kind === 'yara' ? alertEntry(e) : [noteEntry(kind, e)];
  return Y.el('li', { class: 'k-' + kind, 'data-kind': kind },
    Y.el('div', { class: 'when' }, Y.el('span', { class: 'kind' }, kind), ' ', Y.when(e.time_ms),
      e.author ? ' · ' + e.author : ''),
    Y.el('div', { class: 'body' }, body));
}

Y.view('ticket', async (main, id) => {
  const box = Y.el('div');
  Y.put(main, box);
  const fill = async () => {
    const d = await Y.api('GET', '/tickets/' + encodeURIComponent(id));
    const banned = await bansInForce().catch(() => null);
    drawTicket(box, d, banned);
    return d.ticket.rule_id;
  };
  let ruleId = null;
  await Y.load(box, async () => { ruleId = await fill(); }, 'the ticket');
  // its own changes, and alerts of its rule (which may fold into it)
  let timer = null;
  // never redrawn under someone typing: wait until the fields are left
  const typing = () => box.contains(document.activeElement) && /^(INPUT|TEXTAREA)$/.test(document.activeElement.tagName) ||
    [...box.querySelectorAll('textarea, input[aria-label=resolution]')].some((f) => f.value.trim());
  const kick = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (typing()) kick(); else fill().catch(() => {});
    }, 2000);
  };
  Y.onLeave(() => clearTimeout(timer));
  Y.live.subscribe('ticket', (evs) => { if (evs.some((e) => !e || String(e.id) === String(id))) kick(); });
  Y.live.subscribe('alert', (evs) => { if (evs.some((a) => a && a.rule_id === ruleId)) kick(); });
  for (const k of ['lag', 'reconnect']) Y.live.subscribe(k, kick);
});

// The addresses banned now, or null when the list is cut or unavailable.
async function bansInForce() {
  const limit = 1000;
  const r = await Y.api('GET', '/bans' + Y.qs({ limit }));
  return r.items.length >= limit ? null : new Set(r.items.map((b) => b.address));
}

function drawTicket(box, d, banned) {
  const t = d.ticket;
  const msg = Y.el('p', { class: 'error', id: 'ticket-msg' });
  const base = '/tickets/' + t.id;
  const act = async (method, path, body) => {
    msg.textContent = '';
    try {
      const r = await Y.api(method, path, body);
      const failed = (r.bans_lifted || []).filter((b) => !b.lifted);
      if (failed.length) alert('Some bans were not lifted: ' + failed.map((b) => b.address + ': ' + b.error).join(', '));
      Y.render();
    } catch (err) { msg.textContent = err.message; }
  };
  const bans = (d.bans || []).map((b) => typeof b === 'string' ? b : b.address);
  const banCell = Y.el('span', { id: 'ticket-bans' }, bans.length ? bans.map((a) => a +
    (banned ? banned.has(a) ? ' (in force)' : ' (no longer in force)' : '')).join(', ') : '—');
  Y.fill(box, 
    Y.el('div', { class: 'row head' }, Y.el('button', { class: 'secondary', onclick: () => Y.go('tickets') }, '← Board'),
      Y.el('h1', {}, '#' + t.id + ' ' + t.title)),
    Y.el('div', { class: 'grid' },
      Y.el('section', { class: 'panel' }, Y.kv([
        ['Status', t.status + (t.resolution ? ' — ' + t.resolution : '')],
        ['Severity', t.severity_name], ['Type', t.type], ['Assignee', t.assignee || '—'],
        ['Rule', Y.el('a', { href: Y.href('alerts', '', { rule_id: t.rule_id, since: 'now-30d' }) }, t.rule_id + ' (level ' + t.level + ')')],
        ['Source', t.srcip ? Y.el('a', { href: Y.href('alerts', '', { srcip: t.srcip, since: 'now-30d' }) }, t.srcip) : null],
        ['Alerts', t.alert_count], ['First alert', Y.fmtTime(t.first_alert)], ['Last alert', Y.fmtTime(t.last_alert)],
        ['Bans', banCell]]), Y.el('p', { class: 'text' }, t.description)),
      Y.canWrite() ? actions(t, base, act, sourceOf(t, bans, d.timeline), banned) : Y.panel('Actions', Y.el('p', { class: 'muted' }, 'Read-only access.'))),
    msg,
    Y.panel('Timeline', (d.timeline || []).length ? Y.el('ul', { class: 'timeline' }, d.timeline.map(entry)) : Y.empty('Nothing yet.')),
    Y.panel('Alerts (' + (d.alert_ids || []).length + ')', Y.el('div', { class: 'idlist' },
      (d.alert_ids || []).slice(-50).reverse().map((a) => Y.el('a', { href: Y.href('alert', a) }, a)))));
}

// The ticket's source address: its own field, else the one its ban or
// first alert names.
function sourceOf(t, bans, timeline) {
  if (t.srcip || t.source) return t.srcip || t.source;
  if (bans.length) return bans[0];
  for (const e of timeline || []) {
    if (!['alert', 'fim', 'yara'].includes(e.type || e.kind)) continue;
    const a = entryAlert(e);
    if (a.srcip) return a.srcip;
  }
  return '';
}

// The status, assignee, ban, comment and close controls of a ticket.
function actions(t, base, act, src, banned) {
  const panel = Y.el('section', { class: 'panel', id: 'ticket-actions' }, Y.el('h2', {}, 'Actions'));
  if (t.status !== 'closed') {
    const next = t.status === 'open' ? 'in_progress' : 'open';
    Y.put(panel, Y.el('div', { class: 'row' },
      Y.el('button', { class: 'secondary', onclick: () => act('PATCH', base, { status: next }) },
        next === 'open' ? 'Back to open' : 'Start working')));
  }
  Y.put(panel, assignRow(t, base, act));
  const live = src && banned && banned.has(src);
  if (src) {
    Y.put(panel, Y.el('div', { class: 'row' }, live
      ? Y.el('button', { class: 'secondary', id: 'lift-ban', onclick: () => act('DELETE', base + '/ban/' + encodeURIComponent(src)) }, 'Lift the ban of ' + src)
      : Y.el('button', { class: 'danger', id: 'ban-source', onclick: () => act('POST', base + '/ban', { address: src }) }, 'Ban the source ' + src)));
  }
  if (t.status !== 'closed') {
    const res = Y.el('input', { placeholder: 'resolution (required)', class: 'wide', maxlength: 1024, 'aria-label': 'resolution' });
    Y.put(panel, Y.el('div', { class: 'row' }, res,
      Y.el('button', { onclick: () => act('POST', base + '/close', { resolution: res.value.trim() }) }, 'Close')));
  } else {
    Y.put(panel, Y.el('div', { class: 'row' },
      Y.el('button', { class: 'secondary', onclick: () => act('PATCH', base, { status: 'open' }) }, 'Reopen')));
  }
  const text = Y.el('textarea', { placeholder: 'comment', maxlength: 16384, 'aria-label': 'comment' });
  Y.put(panel, text, Y.el('div', { class: 'row' },
    Y.el('button', { onclick: () => text.value.trim() && act('POST', base + '/comments', { text: text.value }) }, 'Comment')));
  return panel;
}

// Assign to any user: a list of users for an admin (who may read it),
// else a name with this user offered first.
function assignRow(t, base, act) {
  const list = Y.el('datalist', { id: 'users-list' }, Y.el('option', { value: Y.user }));
  const who = Y.el('input', { name: 'assignee', list: 'users-list', value: t.assignee || '', placeholder: 'user',
    maxlength: 64, 'aria-label': 'assignee' });
  if (Y.isAdmin()) {
    Y.api('GET', '/users').then((r) => {
      for (const u of r.items || r) if (u.name !== Y.user) Y.put(list, Y.el('option', { value: u.name }));
    }, () => {});
  }
  return Y.el('div', { class: 'row' }, who, list,
    Y.el('button', { class: 'secondary', onclick: () => who.value.trim() && act('PATCH', base, { assignee: who.value.trim() }) }, 'Assign'),
    Y.el('button', { class: 'secondary', onclick: () => act('PATCH', base, { assignee: Y.user }) }, 'Assign to me'));
}
