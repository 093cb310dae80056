// fim.js: the files page: changes over time (/fim/stats), top changed
// paths, a per-agent view, and the list of changes, each opening its
// alert page with the diff and the before/after attributes.
import { Y } from './core.js';
import { apiQuery, timePicker, windowOf, iso, zoomTo } from './range.js';

Y.view('files', async (main, arg, params) => {
  const w = windowOf(params);
  const agent = params.agent || '';
  const offset = Number(params.offset) || 0;
  const go = (p) => Y.go('files', '', Object.assign({}, params, p));
  const agentIn = Y.el('input', { name: 'agent', value: agent, placeholder: 'agent id', inputmode: 'numeric', maxlength: 16, 'aria-label': 'agent' });
  const pathIn = Y.el('input', { name: 'q', value: params.q || '', placeholder: 'path contains', maxlength: 256, 'aria-label': 'path' });
  Y.put(main, Y.el('div', { class: 'row head' }, Y.el('h1', {}, 'Files'), Y.el('span', { class: 'muted' }, 'file integrity changes')),
    Y.el('div', { class: 'toolbar' }, timePicker(params, w, (p) => go(Object.assign(p, { offset: '' }))),
      Y.el('form', { class: 'search', onsubmit: (ev) => {
        ev.preventDefault();
        go({ agent: agentIn.value.trim(), q: pathIn.value.trim(), offset: '' });
      } }, agentIn, pathIn, Y.el('button', { type: 'submit' }, 'Filter'))));
  const stats = Y.el('div', { class: 'grid' });
  const body = Y.el('div', { class: 'panel' });
  Y.put(main, stats, body);
  const q = { since: iso(w.since), until: iso(w.until) };
  if (agent) q.agent = agent;
  Y.load(stats, async () => {
    const s = await Y.api('GET', '/fim/stats' + Y.qs(q));
    const top = s.top_paths || s.paths || [];
    Y.fill(stats, 
      Y.panel('Changes over time', Y.barChart({ buckets: s.buckets || [], interval: s.interval_ms, since: s.since, until: s.until,
        onZoom: (a, b) => go(Object.assign(zoomTo(a, b), { offset: '' })) })),
      Y.panel('Most changed paths', top.length ? Y.table(['Path', { label: 'Changes', cls: 'num' }], top.map((p) =>
        Y.row(() => go({ q: p.path, offset: '' }), Y.el('td', { class: 'mono wrap' }, p.path),
          Y.el('td', { class: 'num' }, p.count)))) : Y.empty('No change in this range.')));
  }, 'file statistics');
  await Y.load(body, async () => {
    const r = await Y.api('GET', '/fim' + Y.qs(Object.assign({ limit: 50, offset }, apiQuery({}, w), agent ? { agent_id: agent } : {},
      params.q ? { q: params.q } : {})));
    Y.clear(body);
    if (!r.items.length) return Y.put(body, Y.empty('No file changed in this range.'));
    Y.put(body, Y.table(['Time', 'Agent', 'Event', 'Path', 'Rule', 'Changed'], r.items.map((a) => {
      const s = a.syscheck || {};
      return Y.row(() => Y.go('alert', a.id), Y.el('td', { class: 'nowrap' }, Y.time(a.time_ms)),
        Y.el('td', {}, Y.el('button', { class: 'val', onclick: (ev) => { ev.stopPropagation(); go({ agent: a.agent_id, offset: '' }); } },
          a.agent_id + (a.agent_name ? ' ' + a.agent_name : ''))),
        Y.el('td', {}, s.event || ''), Y.el('td', { class: 'mono wrap' }, s.path || ''),
        Y.el('td', {}, Y.level(a.level), ' ', a.rule_id),
        Y.el('td', {}, (s.changed_attributes || []).map((c) => Y.tag(c)), s.diff ? Y.tag('diff') : null));
    })), Y.el('div', { class: 'pager' },
      Y.el('button', { class: 'secondary', disabled: offset === 0, onclick: () => go({ offset: Math.max(0, offset - 50) || '' }) }, '← Previous'),
      Y.el('button', { class: 'secondary', disabled: !r.more, onclick: () => go({ offset: r.next_offset }) }, 'Next →')));
  }, 'file changes');
});
