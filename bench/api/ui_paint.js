// ui_paint.js: the analyst's console in Debian's chromium (playwright-core)
// against a manager with a large alert store (bench/api/ui_paint.sh).
// 1. Setup: signs in through the sign-in page; writes 12 sshd failures from
//    one address to the collected file (a brute force: a ticket) and waits
//    for its ticket; picks an alert (a FIM one if any) and an agent.
// 2. Every page, ROUNDS times, each a full page load (about:blank first):
//    first paint (the browser's first-contentful-paint) and "data shown":
//    the time from the navigation's start until the page's own DOM condition
//    holds (its content drawn, no "Loading…" left, no error state), checked
//    on every animation frame; and the slowest API call the page made
//    (resource timing: request start to the answer's last byte).
// 3. Live: the alerts page of the last hour; RATE sshd failures/s for SECS
//    seconds, each from its own address, appended to the collected file; a
//    MutationObserver in the page notes when each address first shows in the
//    table; written -> on screen p50 / p99 / max and how many never showed.
//    The alerts page refreshes at most once a second and shows 50 rows, so
//    at 100 alerts/s a row may be replaced before it is drawn: the count of
//    those never shown is the point.
// The last line printed is RESULT {json}.
// Usage: node ui_paint.js BASE_URL USER PASSWORD LIVE_FILE ROUNDS RATE SECS
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, user, password, liveFile, roundsArg, rateArg, secsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg) || 5, RATE = Number(rateArg) || 100, SECS = Number(secsArg) || 30;

// The page's content is drawn: the page's own element, and nothing still
// loading or failed anywhere in <main>.
const READY = {
  dashboard: '#dash-total',
  alerts: '#alerts-body tbody tr',
  alert: '#main pre',
  files: '#main table tbody tr',
  agents: '#main table tbody tr',
  agent: '#main h1',
  tickets: '.board .column',
  ticket: '.timeline > *',
  attack: '.matrix',
  attackers: '#main svg',
  bans: '#main h1',
  outbox: '#main h1',
  users: '#main table tbody tr',
};

function syslogLine(ip, who) {
  const now = new Date();
  const p2 = (x) => String(x).padStart(2, '0');
  const ts = now.toLocaleString('en-US', { month: 'short' }) + ' ' + String(now.getDate()).padStart(2, ' ') + ' ' +
    p2(now.getHours()) + ':' + p2(now.getMinutes()) + ':' + p2(now.getSeconds());
  return ts + ' bench sshd[4243]: Failed password for invalid user ' + who + ' from ' + ip + ' port 50000 ssh2\n';
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.max(0, Math.ceil(p / 100 * a.length) - 1))] : NaN);

(async () => {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yg-uipaint-'));
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const result = { pages: {}, notes: [] };
  const api = (p) => page.evaluate(async (u) => {
    const r = await fetch('/api/v1' + u, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('yg_token') } });
    return r.json();
  }, p);

  // 1. setup
  await page.goto(base + '/');
  await page.waitForSelector('#signin');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#dash-total', { timeout: 120000 });
  for (let i = 0; i < 12; i++) fs.appendFileSync(liveFile, syslogLine('10.9.9.9', 'brute' + i));
  let ticketId = null;
  for (let i = 0; i < 120 && !ticketId; i++) {
    const t = await api('/tickets?limit=1');
    if (t.items && t.items.length) ticketId = t.items[0].id;
    else await sleep(500);
  }
  if (!ticketId) result.notes.push('no ticket appeared within 60 s: the ticket page is not measured');
  const fimPage = await api('/alerts?since=now-24h&rule_id=550&limit=1');
  const anyPage = await api('/alerts?since=now-24h&limit=1');
  const alertId = ((fimPage.items && fimPage.items[0]) || anyPage.items[0]).id;
  const agents = await api('/agents');
  const agentId = agents.items && agents.items.length ? agents.items[agents.items.length - 1].id : '000';
  const pages = [['dashboard', 'dashboard', 'dashboard?since=now-24h'], ['dashboard 30 d', 'dashboard', 'dashboard?since=now-30d'],
    ['alerts 24 h', 'alerts', 'alerts?since=now-24h'], ['alerts 30 d', 'alerts', 'alerts?since=now-30d'],
    ['alert', 'alert', 'alert/' + encodeURIComponent(alertId)], ['files 24 h', 'files', 'files?since=now-24h'],
    ['agents', 'agents', 'agents'], ['agent ' + agentId, 'agent', 'agent/' + agentId], ['tickets', 'tickets', 'tickets'],
    ['ticket', 'ticket', ticketId ? 'ticket/' + ticketId : null], ['ATT&CK 24 h', 'attack', 'attack?since=now-24h'],
    ['ATT&CK 30 d', 'attack', 'attack?since=now-30d'], ['attackers 24 h', 'attackers', 'attackers?since=now-24h'],
    ['bans', 'bans', 'bans'], ['outbox', 'outbox', 'outbox'], ['users', 'users', 'users']];

  // 2. every page
  for (const [name, view, hash] of pages) {
    if (!hash) continue;
    const r = { fcp: [], shown: [], slow: {}, errors: 0 };
    for (let k = 0; k < ROUNDS; k++) {
      await page.goto('about:blank');
      await page.goto(base + '/#/' + hash, { waitUntil: 'commit' });
      const h = await page.waitForFunction((sel) => {
        const m = document.querySelector('#main');
        if (!m || !m.firstChild || m.querySelector('.loading')) return false;
        if (m.querySelector('.error.state')) return { error: m.querySelector('.error.state').textContent, t: performance.now() };
        return document.querySelector(sel) ? { t: performance.now() } : false;
      }, READY[view], { polling: 'raf', timeout: 120000 });
      const got = await h.jsonValue();
      if (got.error) r.errors++;
      const m = await page.evaluate(() => {
        const p = performance.getEntriesByName('first-contentful-paint')[0];
        const calls = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/') &&
          !e.name.includes('/alerts/stream')).map((e) => [e.name.replace(/^.*\/api\/v1/, '').replace(/[?].*/, ''),
          e.responseEnd - e.startTime]);
        return { fcp: p ? p.startTime : null, calls };
      });
      r.fcp.push(m.fcp);
      r.shown.push(got.t);
      for (const [u, d] of m.calls) (r.slow[u] = r.slow[u] || []).push(d);
      if (got.error) result.notes.push(name + ': error state: ' + got.error.slice(0, 120));
    }
    r.fcp = r.fcp.filter((x) => x != null).sort((a, b) => a - b); // a load may record no paint entry
    r.shown.sort((a, b) => a - b);
    let worst = null;
    for (const [u, ds] of Object.entries(r.slow)) {
      ds.sort((a, b) => a - b);
      const p50 = pct(ds, 50);
      if (!worst || p50 > worst[1]) worst = [u, p50, ds[ds.length - 1]];
    }
    result.pages[name] = { hash, fcp_p50: pct(r.fcp, 50), fcp_max: r.fcp[r.fcp.length - 1],
      shown_p50: pct(r.shown, 50), shown_max: r.shown[r.shown.length - 1], errors: r.errors, slowest: worst };
    console.log(name + ': ' + JSON.stringify(result.pages[name]));
  }

  // 3. live
  await page.goto('about:blank');
  await page.goto(base + '/#/alerts?since=now-1h');
  await page.waitForSelector('#alerts-body tbody tr', { timeout: 120000 });
  await page.waitForSelector('#live.st-live', { timeout: 60000 });
  const before = (await api('/alerts?since=now-1h&limit=1')).total;
  await page.evaluate(() => {
    window.__seen = {};
    const note = () => {
      const t = performance.timeOrigin + performance.now();
      for (const td of document.querySelectorAll('#alerts-body tbody tr td:nth-child(6)')) {
        const ip = td.textContent.trim();
        if (ip.startsWith('10.3') && !(ip in window.__seen)) window.__seen[ip] = t;
      }
    };
    new MutationObserver(note).observe(document.querySelector('#alerts-body'), { childList: true, subtree: true });
  });
  const sent = {};
  const t0 = Date.now();
  for (let i = 0; i < RATE * SECS; i++) {
    const ip = '10.3' + (Math.floor(i / 62500) % 10) + '.' + (Math.floor(i / 250) % 250) + '.' + (1 + i % 250);
    sent[ip] = Date.now();
    fs.appendFileSync(liveFile, syslogLine(ip, 'live' + i));
    const wait = t0 + (i + 1) * 1000 / RATE - Date.now();
    if (wait > 0) await sleep(wait);
  }
  const wrote = (Date.now() - t0) / 1000;
  let after = 0;
  for (let i = 0; i < 60; i++) { // the manager has them all (or 30 s passed)
    after = (await api('/alerts?since=now-1h&limit=1')).total;
    if (after - before >= RATE * SECS) break;
    await sleep(500);
  }
  await sleep(3000); // the page's last refresh
  const seen = await page.evaluate(() => window.__seen);
  const shownTotal = await page.evaluate(() => document.querySelector('#alerts-total').dataset.total);
  const lat = Object.keys(sent).filter((ip) => ip in seen).map((ip) => seen[ip] - sent[ip]).sort((a, b) => a - b);
  result.live = { rate: RATE, secs: SECS, wrote_s: wrote, sent: Object.keys(sent).length, on_screen: lat.length,
    p50: pct(lat, 50), p99: pct(lat, 99), max: lat[lat.length - 1], stored: after - before, total_before: before,
    total_shown: Number(shownTotal), total_api: after };
  console.log('live: ' + JSON.stringify(result.live));
  await ctx.close();
  fs.rmSync(userDir, { recursive: true, force: true });
  console.log('RESULT ' + JSON.stringify(result));
})().catch((e) => { console.log('FAIL ' + e); process.exit(1); });
