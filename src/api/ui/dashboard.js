// dashboard.js: counts, alerts over time by level band, top rules (from
// /stats/rules: grouped by rule id with the rule's own description), top
// agents and sources, each a drill-down to the alerts page with the same
// URL parameters. Follows the live feed.
import { Y } from './core.js';
import { apiQuery, linkParams, timePicker, windowOf, zoomTo } from './range.js';

function topTable(title, rows, cols, link) {
  return Y.panel(title, rows.length ? Y.table(cols.map((c) => c[0]).concat([{ label: 'Alerts', cls: 'num' }]),
    rows.map((r) => Y.row(() => Y.go('alerts', '', link(r)),
      cols.map(([, f]) => Y.el('td', {}, f(r))), Y.el('td', { class: 'num' }, r.count.toLocaleString()))))
    : Y.empty('Nothing in this window.'));
}

function counters(s) {
  const t = s.tickets;
  const big = (n, label, id) => Y.el('div', { class: 'stat' }, Y.el('div', { class: 'big', id }, n.toLocaleString()),
    Y.el('div', { class: 'muted' }, label));
  return Y.el('div', { class: 'stats-row' }, big(s.total, 'alerts', 'dash-total'),
    t ? big(t.open + t.in_progress, 'open tickets', 'dash-open') : null,
    t ? big(t.unresolved_by_severity.Critical || 0, 'critical') : null,
    t ? big(t.unresolved_by_severity.High || 0, 'high') : null);
}

Y.view('dashboard', async (main, arg, params) => {
  const w = windowOf(params);
  Y.put(main, Y.el('div', { class: 'row head' }, Y.el('h1', {}, 'Dashboard'),
    timePicker(params, w, (p) => Y.go('dashboard', '', p))));
  const top = Y.el('div', { class: 'panel' });
  const lists = Y.el('div', { class: 'grid' });
  Y.put(main, top, lists);
  const link = (extra) => linkParams(params, extra);
  const fill = async () => {
    const win = w.relative ? windowOf(params) : w;
    const q = apiQuery({}, win);
    const [s, rules] = await Promise.all([Y.api('GET', '/stats' + Y.qs(Object.assign({ top: 8 }, q))),
      Y.api('GET', '/stats/rules' + Y.qs(Object.assign({ limit: 8 }, q))).catch((e) => e)]);
    const buckets = s.histogram.map((b) => {
      const bands = [0, 0, 0, 0, 0];
      for (const [lvl, n] of Object.entries(b.counts)) bands[Y.band(Number(lvl))] += n;
      return { t: b.t, bands };
    });
    Y.fill(top, counters(s), Y.el('h2', {}, 'Alerts over time'),
      Y.barChart({ buckets, interval: s.bucket_ms, since: s.since_ms, until: s.until_ms,
        onZoom: (a, b) => Y.go('alerts', '', zoomTo(a, b)) }),
      Y.el('div', { class: 'legend' }, Y.bandNames.map((n, i) => Y.el('span', {}, Y.el('i', { class: 'l' + i }), 'level ' + n))));
    const rulesPanel = rules instanceof Error ? Y.panel('Top rules', Y.el('p', { class: 'error' }, rules.message))
      : topTable('Top rules', rules.items || rules, [['Rule', (r) => r.rule_id || r.id],
        ['Level', (r) => r.level != null ? Y.level(r.level) : ''], ['Description', (r) => r.description]],
      (r) => link({ rule_id: r.rule_id || r.id }));
    rulesPanel.id = 'top-rules';
    Y.fill(lists, rulesPanel,
      topTable('Top agents', s.top_agents, [['Agent', (r) => r.agent_id], ['Name', (r) => r.agent_name]],
        (r) => link({ agent: r.agent_id })),
      topTable('Top sources', s.top_srcips, [['Source', (r) => r.srcip]], (r) => link({ srcip: r.srcip })));
  };
  await Y.load(top, fill, 'the dashboard');
  if (w.relative) Y.liveRefresh(['alert', 'ticket', 'stats'], () => fill().catch(() => {}), 5000);
});
