// admin.js: bans (in force, history, add, lift), the integrations outbox
// (retry a dead message) and users (add, role, password, remove).
import { Y } from './core.js';

Y.view('bans', async (main, arg, params) => {
  const all = params.all === 'true';
  Y.put(main, Y.el('div', { class: 'row head' }, Y.el('h1', {}, all ? 'Ban history' : 'Bans in force'),
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
    Y.put(main, form);
  }
  const body = Y.el('div', { class: 'panel' });
  Y.put(main, msg, body);
  const lift = async (b) => {
    if (!confirm('Lift the ban of ' + b.address + '?')) return;
    try { await Y.api('DELETE', '/bans/' + encodeURIComponent(b.address)); Y.render(); } catch (err) { msg.textContent = err.message; }
  };
  await Y.load(body, async () => {
    const r = await Y.api('GET', '/bans' + Y.qs({ all: all ? 'true' : '' }));
    Y.fill(body, r.items.length ? Y.table(
      ['Address', 'Source', 'Since', 'Expires', 'Offences', 'Reason', 'Ticket', all ? 'Lifted' : ''],
      r.items.map((b) => Y.el('tr', {}, Y.el('td', { class: 'mono' }, b.address), Y.el('td', {}, b.source),
        Y.el('td', {}, Y.time(b.created * 1000)), Y.el('td', {}, b.expires ? Y.fmtTime(b.expires * 1000) : 'never'),
        Y.el('td', { class: 'num' }, b.times), Y.el('td', {}, b.reason),
        Y.el('td', {}, b.ticket_id ? Y.el('a', { href: Y.href('ticket', String(b.ticket_id)) }, '#' + b.ticket_id) : ''),
        Y.el('td', {}, all ? (b.lifted ? Y.fmtTime(b.lifted * 1000) + ' by ' + b.lifted_by : '')
          : Y.canWrite() ? Y.el('button', { class: 'secondary small', onclick: () => lift(b) }, 'Lift') : ''))))
      : Y.empty(all ? 'No ban yet.' : 'No ban in force.'));
  }, 'bans');
});

const OUTBOX_STATES = ['', 'pending', 'in_flight', 'delivered', 'dead'];

Y.view('outbox', async (main, arg, params) => {
  Y.put(main, Y.el('h1', {}, 'Outbox'));
  const state = Y.el('select', { name: 'state', 'aria-label': 'state',
    onchange: () => Y.go('outbox', '', Object.assign({}, params, { state: state.value })) },
  OUTBOX_STATES.map((s) => Y.el('option', { value: s, selected: (params.state || '') === s }, s || 'any state')));
  const msg = Y.el('p', { class: 'error' });
  const body = Y.el('div', { class: 'panel' });
  Y.put(main, Y.el('div', { class: 'row' }, state,
    Y.el('span', { class: 'muted' }, 'messages to integrations (hooks, chat, e-mail), retried until delivered')), msg, body);
  const retry = async (m) => {
    try { await Y.api('POST', '/outbox/' + m.id + '/retry'); Y.render(); } catch (err) { msg.textContent = err.message; }
  };
  await Y.load(body, async () => {
    const r = await Y.api('GET', '/outbox' + Y.qs({ state: params.state || '', integration: params.integration || '', limit: 100 }));
    Y.fill(body, r.items.length ? Y.table(['ID', 'Integration', 'State', 'Alert', 'Attempts', 'Created', 'Next try', 'Last error', ''],
      r.items.map((m) => Y.el('tr', {}, Y.el('td', {}, m.id), Y.el('td', {}, m.integration),
        Y.el('td', {}, Y.el('span', { class: 'status s-' + m.state }, m.state)),
        Y.el('td', {}, m.alert_id ? Y.el('a', { href: Y.href('alert', m.alert_id) }, m.alert_id) : ''),
        Y.el('td', { class: 'num' }, m.attempts), Y.el('td', {}, Y.time(m.created_ms)),
        Y.el('td', {}, m.state === 'pending' ? Y.fmtTime(m.next_ms) : ''), Y.el('td', { class: 'wrap' }, m.last_error || ''),
        Y.el('td', {}, m.state === 'dead' && Y.isAdmin() ? Y.el('button', { class: 'secondary small', onclick: () => retry(m) }, 'Retry') : ''))))
      : Y.empty('The outbox is empty.'));
  }, 'the outbox');
});

const ROLES = ['read-only', 'analyst', 'admin'];

Y.view('users', async (main) => {
  Y.put(main, Y.el('h1', {}, 'Users'));
  const msg = Y.el('p', { class: 'error', id: 'users-msg' });
  const act = async (method, path, body) => {
    msg.textContent = '';
    try { await Y.api(method, path, body); Y.render(); } catch (err) { msg.textContent = err.message; }
  };
  const form = Y.el('form', { class: 'filters' },
    Y.el('label', {}, 'Name', Y.el('input', { name: 'name', required: true, maxlength: 64, autocomplete: 'off' })),
    Y.el('label', {}, 'Role', Y.el('select', { name: 'role' }, ROLES.map((r) => Y.el('option', { value: r }, r)))),
    Y.el('label', {}, 'Password', Y.el('input', { name: 'password', type: 'password', required: true, minlength: 8,
      maxlength: 1024, autocomplete: 'new-password' })),
    Y.el('button', { type: 'submit' }, 'Add user'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('POST', '/users', { name: form.name.value.trim(), role: form.role.value, password: form.password.value });
  });
  const body = Y.el('div', { class: 'panel' });
  Y.put(main, form, msg, body);
  await Y.load(body, async () => {
    const r = await Y.api('GET', '/users');
    const items = r.items || r;
    Y.fill(body, items.length ? Y.table(['Name', 'Role', 'Created', 'Password', ''], items.map((u) => {
      const role = Y.el('select', { 'aria-label': 'role of ' + u.name, onchange: () => act('PATCH', '/users/' + encodeURIComponent(u.name), { role: role.value }) },
        ROLES.map((x) => Y.el('option', { value: x, selected: x === u.role }, x)));
      const pw = Y.el('input', { type: 'password', placeholder: 'new password', minlength: 8, maxlength: 1024, autocomplete: 'new-password', 'aria-label': 'new password of ' + u.name });
      return Y.el('tr', {}, Y.el('td', {}, u.name), Y.el('td', {}, role), Y.el('td', {}, u.created ? Y.time(u.created * 1000) : ''),
        Y.el('td', {}, Y.el('div', { class: 'row tight' }, pw, Y.el('button', { class: 'secondary small',
          onclick: () => pw.value && act('PATCH', '/users/' + encodeURIComponent(u.name), { password: pw.value }) }, 'Set'))),
        Y.el('td', {}, u.name === Y.user ? Y.el('span', { class: 'muted' }, 'you') : Y.el('button', { class: 'secondary small danger',
          onclick: () => confirm('Remove ' + u.name + ' and all their tokens?') && act('DELETE', '/users/' + encodeURIComponent(u.name)) }, 'Remove')));
    })) : Y.empty('No user.'));
  }, 'users');
});
