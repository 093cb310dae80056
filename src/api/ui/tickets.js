// tickets.js: the tickets board (columns by status) and the ticket page
// (timeline, comments, status change, close with a resolution).
'use strict';

const STATUSES = [['open', 'Open'], ['in_progress', 'In progress'], ['closed', 'Closed']];

Y.view('tickets', async (main) => {
  main.append(Y.el('h1', {}, 'Tickets'));
  const board = Y.el('div', { class: 'board' });
  main.append(board);
  const cols = await Promise.all(STATUSES.map(([s]) =>
    Y.api('GET', '/tickets' + Y.qs({ status: s, limit: s === 'closed' ? 30 : 100 }))));
  STATUSES.forEach(([s, label], i) => {
    const page = cols[i];
    board.append(Y.el('div', { class: 'column' },
      Y.el('h2', {}, label, Y.el('span', { class: 'muted' }, page.items.length + (page.more ? '+' : ''))),
      page.items.map((t) => Y.el('div', { class: 'card sev' + t.severity, onclick: () => Y.go('ticket', String(t.id)) },
        Y.el('div', { class: 'title' }, '#' + t.id + ' ' + t.title),
        Y.el('div', { class: 'muted' }, t.severity_name + ' · ' + t.alert_count + ' alert(s) · ' +
          Y.fmtTime(t.last_alert) + (t.assignee ? ' · ' + t.assignee : ''))))));
  });
});

Y.view('ticket', async (main, id) => {
  const d = await Y.api('GET', '/tickets/' + encodeURIComponent(id));
  const t = d.ticket;
  const msg = Y.el('p', { class: 'error' });
  const act = async (method, path, body) => {
    msg.textContent = '';
    try {
      const r = await Y.api(method, path, body);
      const failed = (r.bans_lifted || []).filter((b) => !b.lifted);
      if (failed.length) alert('Some bans were not lifted: ' + failed.map((b) => b.address + ': ' + b.error).join(', '));
      Y.render();
    } catch (err) { msg.textContent = err.message; }
  };
  const base = '/tickets/' + t.id;
  const info = (k, v) => Y.el('tr', {}, Y.el('th', {}, k), Y.el('td', {}, v));
  const bans = Y.el('span', { id: 'ticket-bans' }, d.bans.join(', ') || '—');
  main.append(
    Y.el('div', { class: 'row' }, Y.el('button', { class: 'secondary', onclick: () => Y.go('tickets') }, '← Board'),
      Y.el('h1', {}, '#' + t.id + ' ' + t.title)),
    Y.el('div', { class: 'grid' },
      Y.el('div', { class: 'panel' }, Y.el('table', {}, Y.el('tbody', {},
        info('Status', t.status + (t.resolution ? ' — ' + t.resolution : '')),
        info('Severity', t.severity_name), info('Type', t.type), info('Assignee', t.assignee || '—'),
        info('Rule', t.rule_id + ' (level ' + t.level + ')'), info('Alerts', t.alert_count),
        info('First alert', Y.fmtTime(t.first_alert)), info('Last alert', Y.fmtTime(t.last_alert)),
        info('Bans', bans))),
        Y.el('p', { class: 'text' }, t.description)),
      Y.canWrite() ? actions(t, base, act) : Y.el('div', { class: 'panel muted' }, 'Read-only access.')),
    msg,
    Y.el('div', { class: 'panel' }, Y.el('h2', {}, 'Timeline'),
      Y.el('ul', { class: 'timeline' }, d.timeline.map((e) => Y.el('li', {},
        Y.el('div', { class: 'when' }, Y.fmtTime(e.time_ms) + ' · ' + e.kind + (e.author ? ' · ' + e.author : '')),
        Y.el('div', { class: 'text' }, e.text))))),
    Y.el('div', { class: 'panel' }, Y.el('h2', {}, 'Alerts (' + d.alert_ids.length + ')'),
      d.alert_ids.slice(-50).reverse().map((a) => Y.el('div', {},
        Y.el('a', { href: '#/alert/' + encodeURIComponent(a) }, a)))));
  if (d.bans.length) banStates(bans, d.bans);
});

// Says which of a ticket's bans are still in force (e.g. after closing it
// lifted them). Without the ban ledger, or when the list of bans in force
// is cut at the limit, it claims nothing it cannot see.
async function banStates(cell, addrs) {
  const limit = 1000;
  let r;
  try { r = await Y.api('GET', '/bans' + Y.qs({ limit })); } catch (e) { return; }
  const live = new Set(r.items.map((b) => b.address));
  const cut = r.items.length >= limit;
  Y.clear(cell).append(addrs.map((a) => a + (live.has(a) ? ' (in force)'
    : cut ? '' : ' (no longer in force)')).join(', '));
}

// The status, assignee, comment and close controls of a ticket.
function actions(t, base, act) {
  const panel = Y.el('div', { class: 'panel' }, Y.el('h2', {}, 'Actions'));
  if (t.status !== 'closed') {
    const next = t.status === 'open' ? 'in_progress' : 'open';
    panel.append(Y.el('div', { class: 'row' },
      Y.el('button', { class: 'secondary', onclick: () => act('PATCH', base, { status: next }) },
        next === 'open' ? 'Back to open' : 'Start working'),
      Y.el('button', { class: 'secondary', onclick: () => act('PATCH', base, { assignee: Y.user }) }, 'Assign to me')));
    const res = Y.el('input', { placeholder: 'resolution (required)', class: 'wide', maxlength: 1024 });
    panel.append(Y.el('div', { class: 'row' }, res,
      Y.el('button', { onclick: () => act('POST', base + '/close', { resolution: res.value.trim() }) }, 'Close')));
  } else {
    panel.append(Y.el('div', { class: 'row' },
      Y.el('button', { class: 'secondary', onclick: () => act('PATCH', base, { status: 'open' }) }, 'Reopen')));
  }
  const text = Y.el('textarea', { placeholder: 'comment', maxlength: 16384 });
  panel.append(text, Y.el('div', { class: 'row' },
    Y.el('button', { onclick: () => text.value.trim() && act('POST', base + '/comments', { text: text.value }) }, 'Comment')));
  return panel;
}
