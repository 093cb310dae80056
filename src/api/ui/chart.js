// chart.js: the dashboard's stacked bar chart of alerts over time by level
// band, drawn as SVG (no library).
'use strict';

Y.chart = function (stats) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const colors = ['#90a4ae', '#4caf50', '#f9a825', '#ef6c00', '#c62828'];
  const W = 900, H = 220, L = 44, B = 22, T = 8;
  const buckets = stats.histogram.map((b) => {
    const bands = [0, 0, 0, 0, 0];
    for (const [lvl, n] of Object.entries(b.counts)) bands[Y.band(Number(lvl))] += n;
    return { t: b.t, bands, total: bands.reduce((a, x) => a + x, 0) };
  });
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none',
    role: 'img', 'aria-label': 'alerts over time by level' });
  const plotW = W - L - 4, plotH = H - B - T;
  const bw = plotW / Math.max(1, buckets.length);
  // y axis: 0, half, max
  for (const f of [0, 0.5, 1]) {
    const y = T + plotH * (1 - f);
    root.append(svg('line', { x1: L, x2: W - 4, y1: y, y2: y, class: 'axis' }));
    const label = svg('text', { x: L - 6, y: y + 3, 'text-anchor': 'end' });
    label.textContent = String(Math.round(max * f));
    root.append(label);
  }
  buckets.forEach((b, i) => {
    let y = T + plotH;
    b.bands.forEach((n, band) => {
      if (!n) return;
      const h = (n / max) * plotH;
      y -= h;
      const r = svg('rect', { x: L + i * bw + 1, y, width: Math.max(1, bw - 2), height: h,
        fill: colors[band] });
      const tip = svg('title', {});
      tip.textContent = `${Y.fmtTime(b.t)}: ${n} alert(s), levels ${Y.bandNames[band]}`;
      r.append(tip);
      root.append(r);
    });
  });
  // x labels: about six
  const step = Math.max(1, Math.ceil(buckets.length / 6));
  buckets.forEach((b, i) => {
    if (i % step) return;
    const t = svg('text', { x: L + i * bw + 2, y: H - 6 });
    t.textContent = new Date(b.t).toISOString().slice(5, 16).replace('T', ' ');
    root.append(t);
  });
  const legend = Y.el('div', { class: 'legend' }, Y.bandNames.map((n, i) =>
    Y.el('span', {}, Y.el('i', { class: 'l' + i }), 'level ' + n)));
  return Y.el('div', { class: 'chart' }, root, legend);
};
