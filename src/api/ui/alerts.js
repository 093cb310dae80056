// alerts.js: the alerts page (time picker, histogram that zooms on drag,
// total, sortable table, filter chips, full-text search, export) and the
// alert page (full log, decoded fields, rule, FIM diff, GeoLocation, links).
import { Y } from './core.js';
import { FILTERS, FILTER_LABEL, apiQuery, timePicker, windowOf, zoomTo } from './range.js';
import { renderDiff, fimCompare, findTicket, banButton } from './detail.js';

const LIMIT = 50;
const SORTS = ['time', 'level', 'rule_id', 'agent', 'srcip'];

// The URL parameters of this page, with one filter added (a click on a value).
function withFilter(params, k, v) {
  const p = Object.assign({}, params, { [k]: String(v) });
  delete p.offset;
  return p;
}

// A value that becomes a filter chip when clicked.
function chipValue(params, k, v, text) {
  if (v == null || v === '') return Y.el('span', { class: 'muted' }, '—');
  return Y.el('button', { class: 'val', title: 'filter on ' + FILTER_LABEL[k] + ' ' + v,
    onclick: (ev) => { ev.stopPropagation(); Y.go('alerts', '', withFilter(params, k, v)); } },
  text != null ? text : String(v));
}

function chips(params) {
  const on = FILTERS.filter((k) => params[k]);
  if (!on.length) return null;
  return Y.el('div', { class: 'chips', 'aria-label': 'filters' }, on.map((k) => {
    const p = Object.assign({}, params);
    delete p[k];
    delete p.offset;
    return Y.el('span', { class: 'chip', 'data-filter': k }, FILTER_LABEL[k] + ' ', Y.el('b', {}, params[k]),
      Y.el('button', { class: 'x', title: 'remove this filter', 'aria-label': 'remove ' + FILTER_LABEL[k],
        onclick: () => Y.go('alerts', '', p) }, '×'));
  }), on.length > 1 ? Y.el('button', { class: 'link-btn', onclick: () => {
    const p = {};
    for (const k of ['since', 'until', 'sort']) if (params[k]) p[k] = params[k];
    Y.go('alerts', '', p);
  } }, 'clear all') : null);
}

// Saves the server's export of the current selection as a file.
async function exportAs(format, params, w, msg) {
  msg.textContent = 'Exporting…';
  try {
    const q = apiQuery(params, w, { format, sort: params.sort || '' });
    const resp = await Y.fetch('GET', '/alerts/export' + Y.qs(q));
    if (!resp.ok) {
      let data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      throw Y.httpError(resp, data, '/alerts/export');
    }
    const blob = await resp.blob();
    const cd = resp.headers.get('Content-Disposition') || '';
    const m = /filename="?([^";]+)"?/.exec(cd);
    const name = m ? m[1] : 'alerts.' + (format === 'csv' ? 'csv' : 'jsonl');
    const a = Y.el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    msg.textContent = '';
  } catch (err) { msg.textContent = err.message; }
}

function alertRow(a, params) {
  return Y.row(() => Y.go('alert', a.id),
    Y.el('td', { class: 'nowrap' }, Y.time(a.time_ms)),
    Y.el('td', {}, chipValue(params, 'level', a.level, Y.level(a.level))),
    Y.el('td', {}, chipValue(params, 'rule_id', a.rule_id)),
    Y.el('td', { class: 'desc' }, a.description),
    Y.el('td', {}, chipValue(params, 'agent', a.agent_id, a.agent_id + (a.agent_name ? ' ' + a.agent_name : ''))),
    Y.el('td', {}, chipValue(params, 'srcip', a.srcip)),
    Y.el('td', {}, (a.groups || []).map((g) => chipValue(params, 'group', g))));
}

Y.view('alerts', async (main, arg, params) => {
  const w = windowOf(params);
  const offset = Number(params.offset) || 0;
  const sort = SORTS.some((s) => params.sort === s || params.sort === '-' + s) ? params.sort : '-time';
  const go = (p) => Y.go('alerts', '', p);
  const search = Y.el('input', { type: 'search', name: 'q', value: params.q || '', placeholder: 'search description and log',
    'aria-label': 'full-text search', maxlength: 256 });
  const msg = Y.el('span', { class: 'error', id: 'export-msg' });
  const total = Y.el('span', { class: 'total', id: 'alerts-total' });
  const hist = Y.el('div', { class: 'panel hist', id: 'alerts-hist' });
  const body = Y.el('div', { class: 'panel', id: 'alerts-body' });
  Y.put(main, 
    Y.el('div', { class: 'row head' }, Y.el('h1', {}, 'Alerts'), total),
    Y.el('div', { class: 'toolbar' },
      timePicker(params, w, (p) => go(Object.assign({}, params, p, { offset: '' }))),
      Y.el('form', { class: 'search', onsubmit: (ev) => {
        ev.preventDefault();
        go(Object.assign({}, params, { q: search.value.trim(), offset: '' }));
      } }, search, Y.el('button', { type: 'submit' }, 'Search')),
      Y.el('div', { class: 'export' },
        Y.el('button', { class: 'secondary small', id: 'export-csv', onclick: () => exportAs('csv', params, w, msg) }, 'Export CSV'),
        Y.el('button', { class: 'secondary small', id: 'export-jsonl', onclick: () => exportAs('jsonl', params, w, msg) }, 'Export JSON lines'),
        msg)),
    chips(params), hist, body);
  Y.loading(hist, 'the histogram');

  const refresh = async () => {
    // one window for both requests: the histogram and the table agree
    const win = w.relative ? windowOf(params) : w;
    const q = apiQuery(params, win);
    const [h, page] = await Promise.all([
      Y.api('GET', '/alerts/histogram' + Y.qs(Object.assign({ buckets: 60 }, q))).catch((e) => e),
      Y.api('GET', '/alerts' + Y.qs(Object.assign({ limit: LIMIT, offset, sort }, q)))]);
    drawHist(hist, h, params);
    drawTable(body, page, params, sort, offset);
    total.textContent = (page.total != null ? page.total.toLocaleString() : '?') + ' alert' + (page.total === 1 ? '' : 's') + ' · ' + w.label;
    total.dataset.total = page.total != null ? page.total : '';
  };
  await Y.load(body, refresh, 'alerts');
  // live: a relative window on the newest page follows new alerts
  if (w.relative && offset === 0 && sort === '-time') Y.liveRefresh(['alert'], () => refresh().catch(() => {}), 1000);
});

function drawHist(box, h, params) {
  Y.clear(box);
  if (h instanceof Error) return Y.error(box, h);
  box.dataset.total = h.total;
  Y.put(box, Y.el('div', { class: 'row small muted' },
    Y.el('span', { id: 'hist-total' }, h.total.toLocaleString() + ' in the histogram'),
    Y.el('span', {}, 'bars of ' + spanName(h.interval_ms) + ' · drag across the bars to zoom')),
  Y.barChart({ buckets: h.buckets, interval: h.interval_ms, since: h.since, until: h.until, label: 'alerts over time',
    onZoom: (a, b) => Y.go('alerts', '', Object.assign({}, params, zoomTo(a, b), { offset: '' })) }));
}

function spanName(ms) {
  if (ms >= 86400e3) return Math.round(ms / 86400e3) + ' d';
  if (ms >= 3600e3) return Math.round(ms / 3600e3) + ' h';
  if (ms >= 60e3) return Math.round(ms / 60e3) + ' min';
  return Math.round(ms / 1000) + ' s';
}

function drawTable(body, page, params, sort, offset) {
  Y.clear(body);
  const nav = (off) => Y.go('alerts', '', Object.assign({}, params, { offset: off || '' }));
  const onSort = (s) => Y.go('alerts', '', Object.assign({}, params, { sort: s, offset: '' }));
  if (!page.items.length) return Y.put(body, Y.empty('No alert in this range matches.'));
  Y.put(body, Y.table([{ label: 'Time', sort: 'time' }, { label: 'Level', sort: 'level' }, { label: 'Rule', sort: 'rule_id' },
    'Description', { label: 'Agent', sort: 'agent' }, { label: 'Source', sort: 'srcip' }, 'Groups'],
  page.items.map((a) => alertRow(a, params)), { sort, onSort, cls: 'alerts' }),
  Y.el('div', { class: 'pager' },
    Y.el('button', { class: 'secondary', disabled: offset === 0, onclick: () => nav(Math.max(0, offset - LIMIT)) }, '← Previous'),
    Y.el('span', { class: 'muted' }, `${offset + 1}–${offset + page.items.length}` + (page.total != null ? ' of ' + page.total.toLocaleString() : '')),
    Y.el('button', { class: 'secondary', disabled: !page.more, onclick: () => nav(page.next_offset) }, 'Next →')));
}

// ---- the alert page ----

// Decoded fields: data.* flattened to dotted names.
function flatten(o, pre, out) {
  for (const [k, v] of Object.entries(o || {})) {
    const name = pre ? pre + '.' + k : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, name, out);
    else out.push([name, Array.isArray(v) ? v.join(', ') : String(v)]);
  }
  return out;
}

const COMPLIANCE = ['pci_dss', 'gdpr', 'hipaa', 'nist_800_53', 'tsc', 'gpg13'];

function rulePanel(rule) {
  const mitre = rule.mitre || {};
  const ids = mitre.id || [];
  const comp = COMPLIANCE.filter((k) => (rule[k] || []).length);
  return Y.panel('Rule',
    Y.kv([['ID', Y.el('a', { href: Y.href('alerts', '', { rule_id: rule.id, since: 'now-30d' }) }, rule.id)],
      ['Level', rule.level != null ? Y.level(rule.level) : null], ['Description', rule.description],
      ['Fired', rule.firedtimes], ['Groups', (rule.groups || []).map((g) =>
        Y.el('a', { class: 'tag', href: Y.href('alerts', '', { group: g, since: 'now-24h' }) }, g))],
      ['Compliance', comp.length ? comp.map((k) => rule[k].map((v) => Y.tag(k.toUpperCase().replace(/_/g, ' ') + ' ' + v))) : null],
      ['ATT&CK', ids.length ? Y.el('div', { class: 'mitre' }, ids.map((id, i) => Y.el('div', {},
        Y.el('b', {}, id), ' ', (mitre.technique || [])[i] || '',
        (mitre.tactic || []).length ? Y.el('span', { class: 'muted' }, ' · ' + mitre.tactic.join(', ')) : null))) : null]]));
}

function geoPanel(geo) {
  if (!geo) return null;
  const loc = geo.location || {};
  return Y.panel('GeoLocation', Y.kv([['Country', [geo.country_name, geo.country_code].filter(Boolean).join(' · ')],
    ['Region', geo.region_name], ['City', geo.city_name],
    ['Coordinates', loc.lat != null ? loc.lat + ', ' + loc.lon : null]]));
}

Y.view('alert', async (main, id) => {
  const box = Y.el('div');
  Y.put(main, box);
  await Y.load(box, async () => {
    const a = await Y.api('GET', '/alerts/' + encodeURIComponent(id));
    const rule = a.rule || {}, agent = a.agent || {}, data = a.data || {};
    const src = data.srcip || a.srcip;
    const ticket = Y.el('span', { id: 'alert-ticket', class: 'muted' }, 'looking…');
    const time = Date.parse(a.timestamp);
    Y.fill(box, 
      Y.el('div', { class: 'row head' }, Y.el('button', { class: 'secondary', onclick: () => history.back() }, '← Back'),
        Y.el('h1', {}, rule.description || 'Alert')),
      Y.el('div', { class: 'grid' },
        Y.panel('Alert', Y.kv([['ID', a.id], ['Time', Number.isFinite(time) ? Y.when(time) : a.timestamp],
          ['Agent', agent.id != null ? Y.el('a', { href: Y.href('agent', agent.id) }, agent.id + ' ' + (agent.name || '')) : null],
          ['Manager', a.manager && a.manager.name], ['Location', a.location],
          ['Decoder', a.decoder && a.decoder.name],
          ['Source', src ? [Y.el('a', { href: Y.href('alerts', '', { srcip: src, since: 'now-30d' }), id: 'same-source' },
            'all alerts from ' + src), ' ', banButton(src, 'alert ' + a.id + ' (rule ' + rule.id + ')')] : null],
          ['Ticket', ticket]])),
        rulePanel(rule)),
      a.full_log ? Y.panel('Full log', Y.el('pre', { class: 'log' }, a.full_log)) : null,
      a.syscheck ? fimPanel(a.syscheck) : null,
      Object.keys(data).length ? Y.panel('Decoded fields', Y.table(['Field', 'Value'],
        flatten(data, '', []).map(([k, v]) => Y.el('tr', {}, Y.el('td', { class: 'mono' }, k), Y.el('td', { class: 'mono wrap' }, v))))) : null,
      geoPanel(a.GeoLocation),
      Y.el('details', { class: 'panel' }, Y.el('summary', {}, 'Alert JSON'),
        Y.el('pre', { class: 'json' }, JSON.stringify(a, null, 2))));
    findTicket(a).then((tk) => {
      Y.fill(ticket, tk ? Y.el('a', { href: Y.href('ticket', String(tk.id)) },
        '#' + tk.id + ' ' + tk.title + ' (' + tk.status + ')') : '—');
    }, () => { ticket.textContent = '—'; });
  }, 'the alert');
});

function fimPanel(s) {
  return Y.el('section', { class: 'panel fim', id: 'fim-change' }, Y.el('h2', {}, 'File change: ', Y.el('span', { class: 'mono' }, s.path)),
    Y.el('p', { class: 'muted' }, s.event || '', s.changed_attributes ? ' · changed: ' + s.changed_attributes.join(', ') : ''),
    fimCompare(s), s.diff ? renderDiff(s.diff) : Y.el('p', { class: 'muted' }, 'No content diff (not reported for this file).'));
}
