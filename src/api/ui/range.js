// range.js: the time range and alert filters shared by the alerts page,
// the dashboard's drill-down links, ATT&CK, attackers and files. In the
// URL: since/until as `now-1h` (a preset) or ISO 8601 (absolute, never raw
// epoch ms), and the filters under the API's own names.
import { Y } from './core.js';

export const PRESETS = [['now-15m', '15 min'], ['now-1h', '1 h'], ['now-24h', '24 h'],
  ['now-7d', '7 d'], ['now-30d', '30 d']];
const UNIT = { m: 60e3, h: 3600e3, d: 86400e3 };

// technique: the ATT&CK matrix's links (the API must know the filter).
export const FILTERS = ['rule_id', 'agent', 'srcip', 'group', 'level', 'level_min', 'technique', 'q'];
export const FILTER_LABEL = { rule_id: 'rule', agent: 'agent', srcip: 'source', group: 'group',
  level: 'level', level_min: 'level ≥', technique: 'ATT&CK', q: 'text' };

// A `since`/`until` value of the URL in epoch ms (null: not a time).
export function toMs(v, now) {
  if (v == null || v === '') return null;
  if (v === 'now') return now;
  const m = /^now-(\d+)([mhd])$/.exec(v);
  if (m) return now - Number(m[1]) * UNIT[m[2]];
  if (/^\d{12,}$/.test(v)) return Number(v); // old links carried epoch ms
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

export function iso(ms) { return new Date(ms).toISOString().replace('.000Z', 'Z'); }

// A zoomed range in whole seconds, widened rather than cut.
export function zoomTo(a, b) {
  return { since: iso(Math.floor(a / 1000) * 1000), until: iso(Math.ceil(b / 1000) * 1000) };
}

// The window the page shows: {since, until (ms), relative, preset, label}.
export function windowOf(params, dflt) {
  const now = Date.now();
  const sinceP = params.since || dflt || 'now-24h';
  const until = toMs(params.until, now) || now;
  const since = toMs(sinceP, now) ?? now - 86400e3;
  const preset = !params.until && PRESETS.find(([v]) => v === sinceP);
  return { since, until, relative: !params.until && /^now-/.test(sinceP), preset: preset ? preset[0] : null,
    label: preset ? 'last ' + preset[1] : Y.fmtTime(since) + ' – ' + Y.fmtTime(until) };
}

// The API query of a page: the window as ISO times, the filters as given.
export function apiQuery(params, w, extra) {
  const q = { since: iso(w.since), until: iso(w.until) };
  for (const k of FILTERS) if (params[k]) q[k] = params[k];
  return Object.assign(q, extra || {});
}

// URL parameters for a link to the alerts of this window (+ filters).
export function linkParams(params, extra) {
  const p = {};
  for (const k of ['since', 'until']) if (params[k]) p[k] = params[k];
  return Object.assign(p, extra || {});
}

// `<input type=datetime-local>` value in the browser's time zone.
export function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
  return d.toISOString().slice(0, 16);
}

// The time picker: preset buttons and absolute from/to in local time.
// onPick(params) gets {since, until} for the URL.
export function timePicker(params, w, onPick) {
  const from = Y.el('input', { type: 'datetime-local', name: 'from', value: localInput(w.since), 'aria-label': 'from' });
  const to = Y.el('input', { type: 'datetime-local', name: 'to', value: localInput(w.until), 'aria-label': 'to' });
  const apply = (ev) => {
    ev.preventDefault();
    const a = Date.parse(from.value), b = Date.parse(to.value); // parsed as local time
    if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a) {
      to.setCustomValidity('must be after "from"');
      to.reportValidity();
      return;
    }
    onPick({ since: iso(a), until: iso(b) });
  };
  to.addEventListener('input', () => to.setCustomValidity(''));
  return Y.el('div', { class: 'picker' },
    Y.el('div', { class: 'presets', role: 'group', 'aria-label': 'time range' }, PRESETS.map(([v, label]) =>
      Y.el('button', { type: 'button', class: 'secondary small' + (w.preset === v ? ' on' : ''),
        'aria-pressed': w.preset === v ? 'true' : 'false', onclick: () => onPick({ since: v, until: '' }) }, label))),
    Y.el('form', { class: 'abs', onsubmit: apply }, from, Y.el('span', { class: 'muted' }, '→'), to,
      Y.el('button', { type: 'submit', class: 'secondary small' }, 'Apply'),
      Y.el('span', { class: 'muted tz', title: 'times are in your browser\'s time zone' }, Y.tz)));
}
