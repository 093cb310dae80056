// detail.js: pieces shown on several pages: a FIM change's diff and its
// before/after attributes, the ticket of an alert, the "ban" button.
import { Y } from './core.js';

// A diff as Wazuh's syscheck reports it (normal `diff` output: "1c1",
// "< old", "---", "> new"; unified "-"/"+" lines are read too), one line
// per row, removed lines red, added green. Text only: nothing is HTML.
export function renderDiff(text) {
  const lines = String(text).replace(/\n$/, '').split('\n');
  return Y.el('pre', { class: 'diff', 'aria-label': 'content diff' }, lines.map((l) => {
    let cls = 'ctx';
    if (/^(<|-(?!--))/.test(l) && !/^--- /.test(l)) cls = 'del';
    else if (/^(>|\+(?!\+\+))/.test(l)) cls = 'add';
    else if (/^(@@|\d+(,\d+)?[acd]\d+(,\d+)?$)/.test(l)) cls = 'hunk';
    else if (l === '---' || /^(\+\+\+|---) /.test(l)) cls = 'sep';
    return Y.el('span', { class: 'dl ' + cls }, l + '\n');
  }));
}

const ATTRS = [['size', 'Size'], ['perm', 'Permissions'], ['uname', 'Owner'], ['gname', 'Group'],
  ['uid', 'UID'], ['gid', 'GID'], ['mtime', 'Modified'], ['inode', 'Inode'],
  ['md5', 'MD5'], ['sha1', 'SHA-1'], ['sha256', 'SHA-256']];

// Before / after, side by side; changed values marked.
export function fimCompare(s) {
  const rows = ATTRS.filter(([k]) => s[k + '_before'] != null || s[k + '_after'] != null).map(([k, label]) => {
    const b = s[k + '_before'], a = s[k + '_after'];
    const fmt = (v) => v == null ? '—' : k === 'mtime' && /^\d+$/.test(String(v)) ? Y.fmtTime(Number(v) * 1000) : String(v);
    return Y.el('tr', { class: b != null && a != null && String(b) !== String(a) ? 'changed' : '' },
      Y.el('th', {}, label), Y.el('td', { class: 'mono wrap' }, fmt(b)), Y.el('td', { class: 'mono wrap' }, fmt(a)));
  });
  if (!rows.length) return null;
  return Y.el('div', { class: 'tw' }, Y.el('table', { class: 'compare' },
    Y.el('thead', {}, Y.el('tr', {}, Y.el('th', {}, ''), Y.el('th', {}, 'Before'), Y.el('th', {}, 'After'))),
    Y.el('tbody', {}, rows)));
}

// The ticket an alert was filed in, or null: the tickets of the alert's
// rule whose text holds its fold value (source IP, else FIM path), each
// checked against its first alert id or its list of alert ids.
export async function findTicket(a) {
  const rule = a.rule || {};
  if (!/^[0-9]+$/.test(String(rule.id || ''))) return null;
  const q = (a.data && a.data.srcip) || a.srcip || (a.syscheck && a.syscheck.path) || '';
  const page = await Y.api('GET', '/tickets' + Y.qs({ rule_id: rule.id, q, limit: 10 }));
  for (const t of page.items) {
    if (t.first_alert_id === a.id) return t;
    const d = await Y.api('GET', '/tickets/' + t.id);
    if ((d.alert_ids || []).includes(a.id)) return t;
  }
  return null;
}

// "Ban" for an analyst: POST /bans with a timeout they choose.
export function banButton(address, reason) {
  if (!Y.canWrite() || !address) return null;
  const out = Y.el('span', { class: 'muted' });
  const b = Y.el('button', { class: 'secondary small danger', onclick: async () => {
    const t = prompt('Ban ' + address + ' for how many seconds? (0 = permanent)', '3600');
    if (t == null) return;
    b.disabled = true;
    try {
      await Y.api('POST', '/bans', { address, timeout: Number(t) || 0, reason: 'from the console: ' + reason });
      out.textContent = ' banned';
    } catch (err) { out.textContent = ' ' + err.message; b.disabled = false; }
  } }, 'Ban ' + address);
  return Y.el('span', {}, b, out);
}
