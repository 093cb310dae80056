// agents.js: the agents list (status, version, keepalive, events/s,
// alerts), an agent's page (recent alerts, FIM changes, responses, bans),
// and enrolment / API tokens created from the UI.
import { Y } from './core.js';

function status(s) { return Y.el('span', { class: 'status s-' + String(s || '').replace(/[^a-z_]/g, '') }, s || '—'); }
function keepalive(v) { return v ? Y.time(v > 1e12 ? v : v * 1000) : Y.el('span', { class: 'muted' }, 'never'); }
function items(x) { return Array.isArray(x) ? x : (x && x.items) || []; }
function num(v) { return v == null ? '—' : typeof v === 'number' ? v.toLocaleString(undefined, { maximumFractionDigits: 1 }) : v; }

Y.view('agents', async (main) => {
  Y.put(main, Y.el('h1', {}, 'Agents'));
  const body = Y.el('div', { class: 'panel' });
  Y.put(main, body);
  if (Y.isAdmin()) Y.put(main, tokensPanel());
  await Y.load(body, async () => {
    const r = await Y.api('GET', '/agents');
    Y.fill(body, r.items.length ? Y.table(
      ['ID', 'Name', 'IP', 'Status', 'Version', 'Last keepalive', { label: 'Events/s', cls: 'num' }, { label: 'Alerts', cls: 'num' }],
      r.items.map((a) => Y.row(() => Y.go('agent', a.id),
        Y.el('td', {}, a.id), Y.el('td', {}, a.name, a.revoked ? ' (revoked)' : ''), Y.el('td', {}, a.ip),
        Y.el('td', {}, status(a.status)), Y.el('td', {}, a.version || '—'), Y.el('td', {}, keepalive(a.last_keepalive)),
        Y.el('td', { class: 'num' }, num(a.events_per_s)), Y.el('td', { class: 'num' }, num(a.alert_count)))))
      : Y.empty('No agent registered.'));
  }, 'agents');
});

function recent(title, items, cols, open) {
  return Y.panel(title, items && items.length ? Y.table(cols.map((c) => c[0]),
    items.map((x) => (open ? Y.row(() => open(x), cols.map(([, f]) => Y.el('td', {}, f(x))))
      : Y.el('tr', {}, cols.map(([, f]) => Y.el('td', {}, f(x))))))) : Y.empty('None recently.'));
}

Y.view('agent', async (main, id) => {
  const box = Y.el('div');
  Y.put(main, box);
  await Y.load(box, async () => {
    const d = await Y.api('GET', '/agents/' + encodeURIComponent(id));
    const a = d;
    const alertCols = [['Time', (x) => Y.time(x.time_ms)], ['Level', (x) => Y.level(x.level)], ['Rule', (x) => x.rule_id],
      ['Description', (x) => x.description]];
    Y.fill(box, 
      Y.el('div', { class: 'row head' }, Y.el('button', { class: 'secondary', onclick: () => Y.go('agents') }, '← Agents'),
        Y.el('h1', {}, (a.status === 'manager' ? 'The manager (agent ' + a.id + ')' : 'Agent ' + a.id + ' ' + (a.name || '')))),
      Y.el('div', { class: 'grid' }, Y.panel('Status', Y.kv([['Status', status(a.status)], ['IP', a.ip], ['Version', a.version],
        ['Last keepalive', keepalive(a.last_keepalive)], ['Events/s', num(a.events_per_s)],
        ['Alerts', a.alert_count != null ? num(a.alert_count) + ' stored · ' + num(a.alerts_24h) + ' in 24 h · ' +
          num(a.alerts_per_min) + '/min (15 min)' : null], ['Registered', a.date_add ? Y.fmtTime(a.date_add * 1000) : null],
        ['All alerts', Y.el('a', { href: Y.href('alerts', '', { agent: a.id, since: 'now-7d' }) }, 'alerts of this agent'),
          ' · ', Y.el('a', { href: Y.href('files', '', { agent: a.id, since: 'now-7d' }) }, 'file changes')]]))),
      recent('Recent alerts', items(d.alerts), alertCols, (x) => Y.go('alert', x.id)),
      recent('Recent file changes', items(d.fim), [['Time', (x) => Y.time(x.time_ms)],
        ['Event', (x) => (x.syscheck || {}).event || ''], ['Path', (x) => (x.syscheck || {}).path || x.path || '']], (x) => Y.go('alert', x.id)),
      recent('Recent responses', items(d.responses), alertCols, (x) => Y.go('alert', x.id)),
      recent('Bans', items(d.bans), [['Address', (x) => x.address], ['Since', (x) => Y.time(x.created * 1000)],
        ['Expires', (x) => x.expires ? Y.fmtTime(x.expires * 1000) : 'never'], ['Reason', (x) => x.reason || '']]));
  }, 'the agent');
});

// Tokens made from the UI: API tokens (the API has no call for agents'
// one-time enrolment tokens yet: `yagura ctl token create` makes those).
// The secret is shown once.
function tokensPanel() {
  const box = Y.el('section', { class: 'panel', id: 'tokens' }, Y.el('h2', {}, 'API tokens'),
    Y.el('p', { class: 'muted small' }, 'For scripts and scrapers. An agent enrols with the enrolment password or a one-time token from ',
      Y.el('code', {}, 'yagura ctl token create'), '.'));
  const list = Y.el('div');
  const out = Y.el('div', { class: 'notice', hidden: true, id: 'new-token' });
  const label = Y.el('input', { name: 'label', placeholder: 'label', maxlength: 64, required: true, 'aria-label': 'label' });
  const ttl = Y.el('select', { name: 'ttl', 'aria-label': 'lifetime' }, [['86400', '1 day'], ['604800', '7 days'], ['2592000', '30 days'],
    ['7776000', '90 days']].map(([v, l]) => Y.el('option', { value: v }, l)));
  const form = Y.el('form', { class: 'row' }, label, ttl, Y.el('button', { type: 'submit' }, 'Create token'));
  const msg = Y.el('p', { class: 'error' });
  const fill = async () => {
    const r = await Y.api('GET', '/tokens');
    const items = (r.items || r).filter((t) => t.kind !== 'session');
    Y.fill(list, items.length ? Y.table(['ID', 'User', 'Label', 'Created', 'Expires', ''], items.map((t) => Y.el('tr', {},
      Y.el('td', {}, t.id), Y.el('td', {}, t.user || ''), Y.el('td', {}, t.label || ''), Y.el('td', {}, Y.time(t.created * 1000)),
      Y.el('td', {}, Y.fmtTime(t.expires * 1000)), Y.el('td', {}, Y.el('button', { class: 'secondary small', onclick: async () => {
        if (!confirm('Revoke token ' + t.id + '?')) return;
        try { await Y.api('DELETE', '/tokens/' + t.id); fill(); } catch (err) { msg.textContent = err.message; }
      } }, 'Revoke'))))) : Y.empty('No token.'));
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    try {
      const r = await Y.api('POST', '/tokens', { label: label.value.trim(), ttl: Number(ttl.value) });
      out.hidden = false;
      Y.fill(out, 'New token (shown once, copy it now): ', Y.el('code', { class: 'mono wrap' }, r.token));
      fill();
    } catch (err) { msg.textContent = err.message; }
  });
  Y.put(box, form, msg, out, list);
  Y.load(list, fill, 'tokens');
  return box;
}
