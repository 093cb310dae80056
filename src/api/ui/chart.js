// chart.js: bar charts of alerts over time, drawn as SVG at the box's own
// pixel width (so labels keep their size on a phone), redrawn when the box
// is resized. A drag across the bars selects a range: onZoom(since, until).
import { Y } from './core.js';

const NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

const STEPS = [60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3,
  86400e3, 2 * 86400e3, 7 * 86400e3, 30 * 86400e3];

function timeLabel(ms, span) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  if (span <= 2 * 86400e3) return p(d.getHours()) + ':' + p(d.getMinutes());
  return p(d.getMonth() + 1) + '-' + p(d.getDate()) + (span <= 8 * 86400e3 ? ' ' + p(d.getHours()) + 'h' : '');
}

// opts: {buckets: [{t, count} | {t, bands: [5]}], interval, since, until,
//        onZoom(sinceMs, untilMs), label}
Y.barChart = function (opts) {
  const box = Y.el('div', { class: 'chart', role: 'img', 'aria-label': opts.label || 'alerts over time' });
  const draw = () => {
    const W = Math.max(260, box.clientWidth || 600);
    Y.fill(box, drawSvg(opts, W));
  };
  requestAnimationFrame(draw);
  let lastW = 0;
  if (window.ResizeObserver) {
    const ro = new ResizeObserver(() => {
      if (Math.abs(box.clientWidth - lastW) > 8) { lastW = box.clientWidth; draw(); }
    });
    ro.observe(box);
    Y.onLeave(() => ro.disconnect());
  }
  return box;
};

function drawSvg(opts, W) {
  const H = W < 500 ? 150 : 190, L = 40, B = 20, T = 8, R = 6;
  const bs = opts.buckets.map((b) => {
    const bands = b.bands || null;
    return { t: b.t, bands, total: bands ? bands.reduce((a, x) => a + x, 0) : b.count };
  });
  const max = Math.max(1, ...bs.map((b) => b.total));
  const root = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  const plotW = W - L - R, plotH = H - B - T;
  const bw = plotW / Math.max(1, bs.length);
  // grid lines at 0, a whole middle value and the top
  for (const v of [...new Set([0, Math.round(max / 2), max])]) {
    const y = T + plotH * (1 - v / max);
    root.append(svg('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'axis' }));
    root.append(svg('text', { x: L - 5, y: y + 3, 'text-anchor': 'end' }, v.toLocaleString()));
  }
  const span = (opts.until || 0) - (opts.since || 0) || bs.length * (opts.interval || 1);
  bs.forEach((b, i) => {
    const x = L + i * bw + (bw > 3 ? 1 : 0), w = Math.max(1, bw - (bw > 3 ? 2 : 0));
    const g = svg('g', { class: 'bar' });
    const tip = `${Y.fmtTime(b.t)}: ${b.total} alert(s)`;
    if (b.bands) {
      let y = T + plotH;
      b.bands.forEach((n, band) => {
        if (!n) return;
        const h = (n / max) * plotH;
        y -= h;
        g.append(svg('rect', { x, y, width: w, height: h, fill: Y.bandColors[band] }));
      });
    } else if (b.total) {
      const h = (b.total / max) * plotH;
      g.append(svg('rect', { x, y: T + plotH - h, width: w, height: h, fill: '#2f6fde' }));
    }
    g.append(svg('title', {}, tip));
    root.append(g);
  });
  // labels on round local times (a step giving at most one per 70 px),
  // placed where that time falls on the axis
  const iv = opts.interval || (bs.length > 1 ? bs[1].t - bs[0].t : 60e3);
  if (bs.length) {
    const t0 = bs[0].t, t1 = bs[bs.length - 1].t + iv;
    const want = Math.max(2, Math.floor(plotW / 70));
    const step = STEPS.find((st) => (t1 - t0) / st <= want) || STEPS[STEPS.length - 1];
    const off = new Date(t0).getTimezoneOffset() * 60e3; // labels fall on local round times
    for (let t = Math.ceil((t0 - off) / step) * step + off; t < t1; t += step) {
      const x = L + ((t - t0) / (t1 - t0)) * plotW;
      if (x > W - R - 30) break;
      root.append(svg('text', { x, y: H - 5, 'text-anchor': 'middle' }, timeLabel(t, span)));
      root.append(svg('line', { x1: x, x2: x, y1: T + plotH, y2: T + plotH + 3, class: 'axis' }));
    }
  }
  if (opts.onZoom && bs.length) dragZoom(root, opts, { L, T, plotW, plotH, bw, bs });
  return root;
}

// Drag to select buckets; on release, zoom to them.
function dragZoom(root, opts, g) {
  const sel = svg('rect', { class: 'sel', y: g.T, height: g.plotH, x: 0, width: 0, visibility: 'hidden' });
  root.append(sel);
  root.classList.add('zoomable');
  let x0 = null;
  const pos = (ev) => {
    const r = root.getBoundingClientRect();
    return Math.min(g.L + g.plotW, Math.max(g.L, ev.clientX - r.left));
  };
  root.addEventListener('pointerdown', (ev) => {
    x0 = pos(ev);
    root.setPointerCapture(ev.pointerId);
    sel.setAttribute('visibility', 'visible');
    sel.setAttribute('x', x0);
    sel.setAttribute('width', 0);
  });
  root.addEventListener('pointermove', (ev) => {
    if (x0 == null) return;
    const x = pos(ev);
    sel.setAttribute('x', Math.min(x, x0));
    sel.setAttribute('width', Math.abs(x - x0));
  });
  root.addEventListener('pointerup', (ev) => {
    if (x0 == null) return;
    const x1 = pos(ev);
    const a = Math.min(x0, x1), b = Math.max(x0, x1);
    x0 = null;
    sel.setAttribute('visibility', 'hidden');
    if (b - a < 4) return; // a click, not a drag
    const i0 = Math.floor((a - g.L) / g.bw), i1 = Math.min(g.bs.length - 1, Math.floor((b - g.L - 0.01) / g.bw));
    const iv = opts.interval || (g.bs.length > 1 ? g.bs[1].t - g.bs[0].t : 60000);
    opts.onZoom(g.bs[Math.max(0, i0)].t, g.bs[i1].t + iv);
  });
}
