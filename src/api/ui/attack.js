// attack.js: the ATT&CK matrix of the selected range (tactic × technique,
// counts, a click filters the alerts) and the attackers page (top source
// addresses with country and bans, on a world map drawn by the page).
import { Y } from './core.js';
import { apiQuery, linkParams, timePicker, windowOf } from './range.js';
import { banButton } from './detail.js';

Y.view('attack', async (main, arg, params) => {
  const w = windowOf(params, 'now-7d');
  const since = params.since || 'now-7d';
  Y.put(main, Y.el('div', { class: 'row head' }, Y.el('h1', {}, 'ATT&CK'),
    timePicker(params, w, (p) => Y.go('attack', '', p))));
  const box = Y.el('div', { class: 'panel' });
  Y.put(main, box);
  const fill = async () => {
    const m = await Y.api('GET', '/stats/mitre' + Y.qs(apiQuery(params, windowOf(params, 'now-7d'))));
    const tactics = (m.tactics || []).filter((t) => (t.techniques || []).length);
    Y.fill(box, Y.el('p', { class: 'muted' }, Y.el('span', { id: 'mitre-total' }, String(m.total)),
      ' alert(s) with an ATT&CK technique · ' + w.label + ' · click a technique for its alerts'));
    if (!tactics.length) return Y.put(box, Y.empty('No alert with an ATT&CK technique in this range.'));
    Y.put(box, Y.el('div', { class: 'matrix-wrap' }, Y.el('div', { class: 'matrix' }, tactics.map((t) => {
      const sum = t.techniques.reduce((a, x) => a + x.count, 0);
      return Y.el('div', { class: 'tactic', 'data-tactic': t.id },
        Y.el('h3', { title: t.id }, t.name, Y.el('span', { class: 'muted' }, ' ' + sum)),
        t.techniques.map((x) => Y.el('a', { class: 'tech heat' + heat(x.count, sum), 'data-technique': x.id, 'data-count': x.count,
          href: Y.href('alerts', '', Object.assign({ since }, params.until ? { until: params.until } : {}, { technique: x.id })),
          title: x.id + ' ' + x.name }, Y.el('span', { class: 'tid' }, x.id), ' ', x.name, Y.el('b', {}, x.count))));
    }))));
  };
  await Y.load(box, fill, 'the matrix');
  if (w.relative) Y.liveRefresh(['alert'], () => fill().catch(() => {}), 10000);
});

function heat(n, sum) { return n >= sum * 0.5 ? 3 : n >= sum * 0.2 ? 2 : 1; }

Y.view('attackers', async (main, arg, params) => {
  const w = windowOf(params);
  Y.put(main, Y.el('div', { class: 'row head' }, Y.el('h1', {}, 'Attackers'),
    timePicker(params, w, (p) => Y.go('attackers', '', p))));
  const map = Y.el('div', { class: 'panel map' });
  const body = Y.el('div', { class: 'panel' });
  Y.put(main, map, body);
  const fill = async () => {
    const r = await Y.api('GET', '/stats/sources' + Y.qs(Object.assign({ limit: 100 }, apiQuery(params, windowOf(params)))));
    const items = r.items || r;
    const open = (s) => Y.go('alerts', '', linkParams(params, { srcip: s.srcip }));
    const placed = items.filter((s) => s.lat != null);
    Y.fill(map, Y.worldMap(items.map((s) => ({ lat: s.lat, lon: s.lon, count: s.count, banned: s.banned,
      srcip: s.srcip, label: s.srcip + ' · ' + (s.country || s.country_code || '?') + ' · ' + s.count + ' alert(s)' +
        (s.banned ? ' · banned' : '') })), open),
    Y.el('p', { class: 'muted small' }, placed.length + ' of ' + items.length + ' source(s) placed' +
      (placed.length < items.length ? ' (the others have no GeoIP location)' : '') + ' · red: banned'));
    Y.clear(body);
    if (!items.length) return Y.put(body, Y.empty('No source address in this range.'));
    Y.put(body, Y.table(['Source', 'Country', { label: 'Alerts', cls: 'num' }, 'Last seen', 'Ban', ''],
      items.map((s) => Y.row(() => open(s), Y.el('td', { class: 'mono' }, s.srcip),
        Y.el('td', {}, s.country || s.country_code || '—'), Y.el('td', { class: 'num' }, s.count.toLocaleString()),
        Y.el('td', {}, Y.time(s.last || s.last_ms)),
        Y.el('td', {}, s.banned ? Y.el('span', { class: 'tag bad' }, 'banned' + (s.ban && s.ban.expires ? ' until ' + Y.fmtTime(s.ban.expires * 1000) : '')) : '—'),
        Y.el('td', { onclick: (ev) => ev.stopPropagation() }, s.banned ? null : banButton(s.srcip, 'attackers page'))))));
  };
  await Y.load(body, fill, 'sources');
});
