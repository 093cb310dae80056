// views.js: dashboard, alerts (list + detail), agents and bans.
'use strict';

const RANGES = { '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3, '365d': 365 * 86400e3 };

function topTable(title, rows, key, label, onClick) {
  return Y.el('div', { class: 'panel' }, Y.el('h2', {}, title),
    rows.length ? Y.table([key, label || '', 'Alerts'].filter((h) => h !== ''),
      rows.map((r) => Y.el('tr', { class: 'clickable', onclick: () => onClick(r) },
        Y.el('td', {}, r[key.toLowerCase().replace(' ', '_')]),
        label ? Y.el('td', {}, r[label.toLowerCase().replace(' ', '_')]) : null,
        Y.el('td', { class: 'num' }, r.count))))
      : Y.el('p', { class: 'muted' }, 'Nothing in this window.'));
}

Y.view('dashboard', async (main, arg, params) => {
  const range = RANGES[params.range] ? params.range : '24h';
  let until = Number(params.until) || Date.now();
  let since = Number(params.since) || until - RANGES[range];
  const picker = Y.el('select', { onchange: (e) => Y.go('dashboard', '', { range: e.target.value }) },
    Object.keys(RANGES).map((r) => Y.el('option', { value: r, selected: r === range && !params.since }, 'last ' + r)));
  main.append(Y.el('div', { class: 'row' }, Y.el('h1', {}, 'Dashboard'), picker));
  const s = await Y.api('GET', '/stats' + Y.qs({ since, until, top: 8 }));
  const toAlerts = (extra) => Y.go('alerts', '', Object.assign({ since, until }, extra));
  const t = s.tickets;
  main.append(
    Y.el('div', { class: 'panel' },
      Y.el('div', { class: 'stats-row' },
        Y.el('div', {}, Y.el('div', { class: 'big' }, s.total), Y.el('div', { class: 'muted' }, 'alerts')),
        t ? Y.el('div', {}, Y.el('div', { class: 'big' }, t.open + t.in_progress),
          Y.el('div', { class: 'muted' }, 'open tickets')) : null,
        t ? Y.el('div', {}, Y.el('div', { class: 'big' }, t.unresolved_by_severity.Critical || 0),
          Y.el('div', { class: 'muted' }, 'critical')) : null,
        t ? Y.el('div', {}, Y.el('div', { class: 'big' }, t.unresolved_by_severity.High || 0),
          Y.el('div', { class: 'muted' }, 'high')) : null),
      Y.el('h2', {}, 'Alerts over time'), Y.chart(s)),
    Y.el('div', { class: 'grid' },
      topTable('Top rules', s.top_rules, 'Rule ID', 'Description', (r) => toAlerts({ rule_id: r.rule_id })),
      topTable('Top agents', s.top_agents, 'Agent ID', 'Agent name', (r) => toAlerts({ agent_id: r.agent_id })),
      topTable('Top source IPs', s.top_srcips, 'Srcip', null, (r) => toAlerts({ srcip: r.srcip }))));
});

const FILTERS = [['since', 'Since'], ['until', 'Until'], ['min_level', 'Min level'],
  ['max_level', 'Max level'], ['rule_id', 'Rule ID'], ['group', 'Group'],
  ['agent_id', 'Agent ID'], ['srcip', 'Source IP'], ['q', 'Text']];

Y.view('alerts', async (main, arg, params) => {
  const limit = 50;
  const offset = Number(params.offset) || 0;
  const form = Y.el('form', { class: 'filters' },
    FILTERS.map(([k, label]) => Y.el('label', {}, label,
      Y.el('input', { name: k, value: params[k] || '', class: k === 'q' ? 'wide' : '',
        placeholder: k === 'since' || k === 'until' ? '2024-05-01T00:00Z' : '' }))),
    Y.el('button', { type: 'submit' }, 'Search'),
    Y.el('button', { type: 'button', class: 'secondary', onclick: () => Y.go('alerts') }, 'Clear'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = {};
    for (const [k] of FILTERS) p[k] = form[k].value.trim();
    Y.go('alerts', '', p);
  });
  const body = Y.el('div', { class: 'panel' }, Y.el('p', { class: 'muted' }, 'Loading…'));
  main.append(Y.el('h1', {}, 'Alerts'), form, body);
  const q = {};
  for (const [k] of FILTERS) if (params[k]) q[k] = params[k];
  let page;
  try {
    page = await Y.api('GET', '/alerts' + Y.qs(Object.assign({ limit, offset }, q)));
  } catch (err) { return Y.error(body, err); }
  const rows = page.items.map((a) => Y.el('tr', { class: 'clickable', onclick: () => Y.go('alert', a.id) },
    Y.el('td', {}, Y.fmtTime(a.time_ms)), Y.el('td', {}, Y.level(a.level)),
    Y.el('td', {}, a.rule_id), Y.el('td', {}, a.description),
    Y.el('td', {}, a.agent_id + ' ', Y.el('span', { class: 'muted' }, a.agent_name)),
    Y.el('td', {}, a.srcip), Y.el('td', {}, a.groups.map((g) => Y.el('span', { class: 'tag' }, g)))));
  const nav = (off) => Y.go('alerts', '', Object.assign({}, q, { offset: off || '' }));
  Y.clear(body).append(
    rows.length ? Y.table(['Time', 'Level', 'Rule', 'Description', 'Agent', 'Source IP', 'Groups'], rows)
      : Y.el('p', { class: 'muted' }, 'No alert matches.'),
    Y.el('div', { class: 'pager' },
      Y.el('button', { class: 'secondary', disabled: offset === 0, onclick: () => nav(Math.max(0, offset - limit)) }, '← Newer'),
      Y.el('span', { class: 'muted' }, page.items.length ? `${offset + 1}–${offset + page.items.length}` : ''),
      Y.el('button', { class: 'secondary', disabled: !page.more, onclick: () => nav(page.next_offset) }, 'Older →')));
});

Y.view('alert', async (main, id) => {
  const a = await Y.api('GET', '/alerts/' + encodeURIComponent(id));
  const rule = a.rule || {}, agent = a.agent || {}, data = a.data || {};
  const row = (k, v) => v == null || v === '' ? null : Y.el('tr', {}, Y.el('th', {}, k), Y.el('td', {}, v));
  const ticket = Y.el('span', { id: 'alert-ticket', class: 'muted' }, 'looking…');
  main.append(
    Y.el('div', { class: 'row' }, Y.el('button', { class: 'secondary', onclick: () => history.back() }, '← Back'),
      Y.el('h1', {}, rule.description || 'Alert')),
    Y.el('div', { class: 'panel' }, Y.el('table', {}, Y.el('tbody', {},
      row('Alert ID', a.id), row('Time', a.timestamp),
      row('Level', rule.level != null ? Y.level(rule.level) : null), row('Rule', rule.id),
      row('Groups', (rule.groups || []).join(', ')),
      row('Agent', agent.id != null ? `${agent.id} ${agent.name || ''}` : null),
      row('Source IP', data.srcip), row('Location', a.location), row('Full log', a.full_log),
      row('Ticket', ticket)))),
    Y.el('div', { class: 'panel' }, Y.el('h2', {}, 'Alert JSON'),
      Y.el('pre', { class: 'json' }, JSON.stringify(a, null, 2))));
  const tk = await findTicket(a).catch(() => null);
  Y.clear(ticket).append(tk ? Y.el('a', { href: '#/ticket/' + tk.id },
    '#' + tk.id + ' ' + tk.title + ' (' + tk.status + ')') : '—');
});

// The ticket an alert was filed in, or null. The API has no search by alert
// id, so: the tickets of the alert's rule whose text holds its fold value
// (source IP, else FIM path), each checked against its first alert id or,
// failing that, its list of alert ids.
async function findTicket(a) {
  const rule = a.rule || {};
  if (!/^[0-9]+$/.test(String(rule.id || ''))) return null;
  const q = (a.data && a.data.srcip) || a.srcip || (a.syscheck && a.syscheck.path) || '';
  const page = await Y.api('GET', '/tickets' + Y.qs({ rule_id: rule.id, q, limit: 10 }));
  for (const t of page.items) {
    if (t.first_alert_id === a.id) return t;
    const d = await Y.api('GET', '/tickets/' + t.id);
    if (d.alert_ids.includes(a.id)) return t;
  }
  return null;
}

Y.view('agents', async (main) => {
  main.append(Y.el('h1', {}, 'Agents'));
  const r = await Y.api('GET', '/agents');
  main.append(Y.el('div', { class: 'panel' }, r.items.length ? Y.table(
    ['ID', 'Name', 'IP', 'Status', 'Version', 'Last keepalive', 'Registered'],
    r.items.map((a) => Y.el('tr', { class: 'clickable', onclick: () => Y.go('alerts', '', { agent_id: a.id }) },
      Y.el('td', {}, a.id), Y.el('td', {}, a.name, a.revoked ? ' (revoked)' : ''), Y.el('td', {}, a.ip),
      Y.el('td', {}, a.status), Y.el('td', {}, a.version),
      Y.el('td', {}, Y.fmtTime(a.last_keepalive * 1000)), Y.el('td', {}, Y.fmtTime(a.date_add * 1000)))))
    : Y.el('p', { class: 'muted' }, 'No agent registered.')));
});

Y.view('bans', async (main, arg, params) => {
  const all = params.all === 'true';
  main.append(Y.el('div', { class: 'row' }, Y.el('h1', {}, all ? 'Ban history' : 'Bans in force'),
    Y.el('button', { class: 'secondary', onclick: () => Y.go('bans', '', all ? {} : { all: 'true' }) },
      all ? 'Show bans in force' : 'Show history')));
  const msg = Y.el('p', { class: 'error' });
  if (Y.canWrite()) {
    const form = Y.el('form', { class: 'filters' },
      Y.el('label', {}, 'Address or CIDR', Y.el('input', { name: 'address', required: true, maxlength: 64 })),
      Y.el('label', {}, 'Timeout (s, 0 = permanent)', Y.el('input', { name: 'timeout', type: 'number', min: -1, value: 600 })),
      Y.el('label', {}, 'Reason', Y.el('input', { name: 'reason', class: 'wide', maxlength: 255 })),
      Y.el('button', { type: 'submit' }, 'Ban'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await Y.api('POST', '/bans', { address: form.address.value.trim(),
          timeout: Number(form.timeout.value), reason: form.reason.value });
        Y.render();
      } catch (err) { msg.textContent = err.message; }
    });
    main.append(form);
  }
  main.append(msg);
  const r = await Y.api('GET', '/bans' + Y.qs({ all: all ? 'true' : '' }));
  const lift = async (b) => {
    if (!confirm('Lift the ban of ' + b.address + '?')) return;
    try { await Y.api('DELETE', '/bans/' + encodeURIComponent(b.address)); Y.render(); }
    catch (err) { msg.textContent = err.message; }
  };
  main.append(Y.el('div', { class: 'panel' }, r.items.length ? Y.table(
    ['Address', 'Source', 'Since', 'Expires', 'Offences', 'Reason', all ? 'Lifted' : ''],
    r.items.map((b) => Y.el('tr', {}, Y.el('td', {}, b.address), Y.el('td', {}, b.source),
      Y.el('td', {}, Y.fmtTime(b.created * 1000)), Y.el('td', {}, b.expires ? Y.fmtTime(b.expires * 1000) : 'never'),
      Y.el('td', { class: 'num' }, b.times), Y.el('td', {}, b.reason),
      Y.el('td', {}, all ? (b.lifted ? Y.fmtTime(b.lifted * 1000) + ' by ' + b.lifted_by : '')
        : Y.canWrite() ? Y.el('button', { class: 'secondary', onclick: () => lift(b) }, 'Lift') : ''))))
    : Y.el('p', { class: 'muted' }, 'No ban.')));
});
