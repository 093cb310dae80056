// ui_console.js: the analyst's console of a real `yagura manager` in
// Debian's chromium (playwright-core). First the checks, at 1,280 px: the
// sign-in page without navigation; a line appended to the collected
// syslog file shows on the alerts page within 3 s without a reload; the
// histogram's total and the shown total equal the API's count; a value
// clicked becomes a filter chip and the CSV / JSON-lines exports hold the
// filtered rows; sorting; keyboard navigation; the FIM alert's diff; the
// ticket timeline with the alert descriptions; "ban the source" from the
// ticket; the ATT&CK matrix counts (printed for the caller to compare with
// alerts.json). Then every page at 1,280 and 390 px: a screenshot each
// (OUTDIR/NN-page-WIDTH-.png), and at 390 px no page wider than the screen.
// The last line printed is RESULT {json}.
// Usage: node ui_console.js BASE_URL OUTDIR USER PASSWORD TICKET_ID SRCIP SYSLOG_FILE APP_LOG APP_LINE
// (APP_LINE: a failed login of the shop, written 10 times to APP_LOG: a new ticket)
'use strict';
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [base, outdir, user, password, ticketId, srcip, syslogFile, appLog, appLine] = process.argv.slice(2);
const failures = [];
const result = { screenshots: [] };
function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures.push(what);
}
const iso = (ms) => new Date(ms).toISOString();
let page, settle; // the page, and: wait until nothing on it is loading

(async () => {
  fs.mkdirSync(outdir, { recursive: true });
  const userDir = fs.mkdtempSync(path.join(outdir, 'chromium-'));
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium', headless: true, acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('dialog', (d) => d.accept().catch(() => {}));
  let n = 0;
  const shot = async (name) => {
    const w = page.viewportSize().width;
    const file = path.join(outdir, String(++n).padStart(2, '0') + '-' + name + '-' + w + '-.png');
    await page.screenshot({ path: file, fullPage: true });
    result.screenshots.push(file);
  };
  // The API as the page calls it, with the page's token.
  const api = (p) => page.evaluate(async (u) => {
    const r = await fetch('/api/v1' + u, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('yg_token') } });
    return r.json();
  }, p);
  settle = () => page.waitForFunction(() => !document.querySelector('#main .loading'), null, { timeout: 15000 });
  const open = async (hash) => {
    await page.goto(base + '/#/' + hash);
    await page.waitForSelector('#main > *');
    await settle();
  };
  // each step on its own: one that fails does not hide the others
  const steps = [() => signIn(page, check, shot), () => liveLine(page, check, open),
    () => totals(page, check, open, api), () => topRules(page, check, open, api), () => chipsAndExport(page, check, open, api),
    () => fimDiff(page, check, open, shot), () => ticketFlow(page, check, open, shot, api),
    () => liveBoard(page, check, open), () => matrix(page, check, open),
    () => managerDown(page, check, shot),
    () => walk(page, check, open, shot, 1280),
    async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.evaluate(() => sessionStorage.clear());
      await signIn(page, check, shot);
    }, () => walk(page, check, open, shot, 390)];
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      failures.push(String(e).split('\n')[0]);
      console.log('FAIL ' + e);
      await shot('failure').catch(() => {});
    }
  }
  check(errors.length === 0, 'no page errors: ' + errors.join(' | '));
  await ctx.close();
  fs.rmSync(userDir, { recursive: true, force: true });
  result.failures = failures;
  console.log('RESULT ' + JSON.stringify(result));
  process.exit(failures.length ? 1 : 0);
})();

async function signIn(page, check, shot) {
  await page.goto(base + '/');
  await page.waitForSelector('#signin');
  check(!(await page.locator('header nav').isVisible()) && !(await page.locator('#signout').isVisible()) &&
    !(await page.locator('#live').isVisible()), 'sign-in page: no navigation, no "Sign out"');
  await shot('signin');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav', { state: 'visible' });
  await page.waitForSelector('#dash-total');
}

// An sshd failure in syslog format, stamped now (local time).
function syslogLine(ip, who) {
  const now = new Date();
  const p2 = (x) => String(x).padStart(2, '0');
  const ts = now.toLocaleString('en-US', { month: 'short' }) + ' ' + String(now.getDate()).padStart(2, ' ') + ' ' +
    p2(now.getHours()) + ':' + p2(now.getMinutes()) + ':' + p2(now.getSeconds());
  return ts + ' web1 sshd[4243]: Failed password for ' + who + ' from ' + ip + ' port 50000 ssh2\n';
}

// A new line in the collected file shows without a reload within 3 s.
async function liveLine(page, check, open) {
  await open('alerts?since=now-1h');
  await page.waitForSelector('#live.st-live', { timeout: 10000 });
  const ip = '194.69.224.77';
  check(await page.locator('#alerts-body td', { hasText: ip }).count() === 0, 'alerts: nothing yet from ' + ip);
  await page.evaluate(() => { window.__noReload = true; });
  const t0 = Date.now();
  fs.appendFileSync(syslogFile, syslogLine(ip, 'live-test'));
  let seen = false;
  try {
    await page.waitForSelector('#alerts-body td:has-text("' + ip + '")', { timeout: 3000 });
    seen = true;
  } catch (e) { seen = false; }
  result.live_ms = Date.now() - t0;
  check(seen && await page.evaluate(() => window.__noReload === true),
    'live: the new line from ' + ip + ' on the alerts page without a reload (' + result.live_ms + ' ms, limit 3000)');
  // paused: the toggle says so
  await page.click('#live');
  check(await page.locator('#live.st-paused').count() === 1, 'live toggle: paused');
  await page.click('#live');
  await page.waitForSelector('#live.st-live', { timeout: 10000 });
  check(true, 'live toggle: live again');
}

// The dashboard's top rules: grouped by rule id, with the rule's own
// (uninterpolated) description and the API's count.
async function topRules(page, check, open, api) {
  await open('dashboard?since=now-24h');
  const row = page.locator('#top-rules tbody tr', { hasText: /^5716/ });
  const cells = await row.first().locator('td').allTextContents();
  const r = await api('/alerts?since=' + iso(Date.now() - 86400e3) + '&rule_id=5716&limit=1');
  check(await row.count() === 1 && /\$\(srcip\)|\$\(srcuser\)/.test(cells[2]) && Number(cells[3]) === r.total,
    'dashboard: top rule 5716 once, its own description, ' + r.total + ' alerts (' + cells.join(' | ') + ')');
}

// The histogram's total and the shown total are the API's count.
async function totals(page, check, open, api) {
  const since = iso(Date.now() - 86400e3), until = iso(Date.now() + 3600e3);
  await open('alerts?since=' + since + '&until=' + until);
  await page.waitForSelector('#hist-total');
  const shown = Number(await page.getAttribute('#alerts-total', 'data-total'));
  const hist = Number(await page.getAttribute('#alerts-hist', 'data-total'));
  const r = await api('/alerts?since=' + since + '&until=' + until + '&limit=1');
  result.totals = { shown, hist, api: r.total };
  check(shown > 0 && shown === r.total && hist === r.total,
    'alerts: shown total ' + shown + ', histogram ' + hist + ', API ' + r.total);
  const inputs = await page.locator('.picker input').evaluateAll((els) => els.map((e) => e.value));
  check(inputs.every((v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v)), 'time picker: local date-times, no epoch ms (' + inputs + ')');
  // drag across the histogram: zooms (absolute since/until in the URL)
  const box = await page.locator('#alerts-hist svg').boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.98, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((s) => !location.hash.includes(s), since);
  const h = await page.evaluate(() => decodeURIComponent(location.hash));
  check(/since=\d{4}-\d\d-\d\dT[\d:]+Z&until=\d{4}-\d\d-\d\dT[\d:]+Z/.test(h), 'histogram: a drag zooms to an absolute range (' + h + ')');
}

// Clicking a rule id makes a chip; the exports hold exactly the filtered rows.
async function chipsAndExport(page, check, open, api) {
  await open('alerts?since=now-24h');
  await page.locator('#alerts-body td button.val', { hasText: /^5716$/ }).first().click();
  await page.waitForSelector('.chip[data-filter=rule_id]');
  await settle();
  const rows = await page.locator('#alerts-body tbody tr').count();
  const cells = await page.locator('#alerts-body tbody tr td:nth-child(3)').allTextContents();
  check(rows > 0 && cells.every((c) => c === '5716'), 'chip rule 5716: ' + rows + ' rows, all 5716');
  const q = await page.evaluate(() => location.hash.split('?')[1]);
  const want = await api('/alerts?' + q.replace('since=now-24h', 'since=' + iso(Date.now() - 86400e3)) + '&limit=500');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = fs.readFileSync(await dl.path(), 'utf8').trim().split(/\r?\n/);
  const head = csvFields(csv[0]);
  const ruleCol = head.indexOf('rule_id');
  const body = csv.slice(1).map(csvFields);
  result.csv = { header: csv[0], rows: body.length };
  check(body.length === want.total && body.length === want.items.length && ruleCol >= 0 &&
    body.every((f) => f[ruleCol] === '5716'),
  'CSV export: ' + body.length + ' rows, all rule 5716 (API total ' + want.total + ', header ' + csv[0] + ')');
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#export-jsonl')]);
  const jl = fs.readFileSync(await dl2.path(), 'utf8').trim().split(/\r?\n/).map((l) => JSON.parse(l));
  check(jl.length === want.total && jl.every((a) => (a.rule ? a.rule.id : a.rule_id) === '5716'),
    'JSON-lines export: ' + jl.length + ' alerts of rule 5716');
  // remove the chip
  await page.click('.chip[data-filter=rule_id] button.x');
  await page.waitForFunction(() => !location.hash.includes('rule_id'));
  await settle();
  // sort by level, highest first
  await page.click('th.sortable button:text("Level")');
  await page.waitForFunction(() => /sort=-?level/.test(location.hash));
  await settle();
  const levels = (await page.locator('#alerts-body tbody tr td:nth-child(2)').allTextContents()).map(Number);
  const desc = levels.every((v, i) => i === 0 || levels[i - 1] >= v), asc = levels.every((v, i) => i === 0 || levels[i - 1] <= v);
  check(levels.length > 1 && (desc || asc) && levels[0] !== levels[levels.length - 1], 'sorted by level (' + levels.join(',') + ')');
  // keyboard: focus the first row, arrow down, Enter opens the second alert
  await page.locator('#alerts-body tbody tr').first().focus();
  await page.keyboard.press('ArrowDown');
  const second = await page.evaluate(() => document.activeElement === document.querySelectorAll('#alerts-body tbody tr')[1]);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash.startsWith('#/alert/'));
  check(second, 'keyboard: arrow down moves to the next row, Enter opens it');
}

// One CSV line (RFC 4180 quoting, no newline inside a field here).
function csvFields(line) {
  const out = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q && c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = !q;
    else if (c === ',' && !q) { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

async function fimDiff(page, check, open, shot) {
  await open('alerts?since=now-24h&rule_id=550');
  await page.locator('#alerts-body tbody tr').first().click();
  await page.waitForSelector('#fim-change');
  const add = await page.locator('#fim-change pre.diff .add').allTextContents();
  check(add.some((l) => l.includes('changed by the console test')), 'FIM alert: the diff shows the added line (' + add.join('|') + ')');
  const md5 = await page.locator('#fim-change table.compare tr', { hasText: 'MD5' }).locator('td').allTextContents();
  check(md5.length === 2 && /^[0-9a-f]{32}$/.test(md5[0]) && /^[0-9a-f]{32}$/.test(md5[1]) && md5[0] !== md5[1],
    'FIM alert: MD5 before and after side by side (' + md5.join(' → ') + ')');
  check(await page.locator('pre.log').count() <= 1, 'FIM alert: page drawn');
  await shot('alert-fim');
}

async function ticketFlow(page, check, open, shot, api) {
  const r = await api('/alerts?since=' + iso(Date.now() - 86400e3) + '&rule_id=100403&limit=5');
  const desc = r.items.length ? r.items[0].description : '(no 100403 alert)';
  await open('ticket/' + ticketId);
  await page.waitForSelector('.timeline li');
  const alertEntries = await page.locator('.timeline li[data-kind=alert]').allTextContents();
  result.timeline = await page.locator('.timeline li').allTextContents();
  check(alertEntries.length > 0 && alertEntries.every((t) => t.includes(desc)),
    'ticket timeline: its alerts with their description "' + desc + '" (' + alertEntries.length + ')');
  check(!result.timeline.some((t) => t.includes('\\/')), 'ticket timeline: no JSON escapes');
  await page.click('#ban-source');
  await page.waitForSelector('#lift-ban', { timeout: 15000 });
  await page.waitForFunction((ip) => document.getElementById('ticket-bans').textContent.includes(ip + ' (in force)'), srcip);
  check(true, 'ticket: "ban the source" → ' + srcip + ' in force, "lift the ban" offered');
  await shot('ticket-banned');
}

async function matrix(page, check, open) {
  await open('attack?since=now-24h');
  await page.waitForSelector('#mitre-total');
  result.matrix_total = Number(await page.textContent('#mitre-total'));
  const cells = await page.locator('a.tech').evaluateAll((els) => els.map((e) => [e.dataset.technique, Number(e.dataset.count)]));
  result.matrix = {};
  for (const [t, c] of cells) result.matrix[t] = (result.matrix[t] || 0) + c;
  check(cells.length > 0, 'ATT&CK matrix: ' + cells.length + ' technique cell(s) ' + JSON.stringify(result.matrix));
  const t1110 = page.locator('a.tech[data-technique=T1110]').first();
  const probe = await page.evaluate(async () => (await fetch('/api/v1/alerts?technique=T1110&limit=1',
    { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('yg_token') } })).status);
  check(probe === 200, 'ATT&CK: the API filters alerts by technique (' + probe + ')');
  check(await t1110.count() > 0, 'ATT&CK: the matrix has T1110');
  if (probe === 200 && await t1110.count()) {
    await t1110.click();
    await page.waitForFunction(() => location.hash.startsWith('#/alerts'));
    await settle();
    check(Number(await page.getAttribute('#alerts-total', 'data-total')) === result.matrix.T1110,
      'ATT&CK: T1110 opens its ' + result.matrix.T1110 + ' alerts');
  }
}

// The ticket board and the dashboard's count follow new alerts by
// themselves: a second brute force (10 failed logins) opens a ticket; an
// sshd failure raises the count.
async function liveBoard(page, check, open) {
  await open('tickets');
  const cards = await page.locator('.column[data-status=open] .card').count();
  await page.evaluate(() => { window.__noReload = true; });
  fs.appendFileSync(appLog, (appLine + '\n').repeat(10));
  const t1 = Date.now();
  await page.waitForFunction((n) => document.querySelectorAll('.column[data-status=open] .card').length > n, cards, { timeout: 20000 });
  check(await page.evaluate(() => window.__noReload === true), 'live: a new ticket on the board by itself (' + (Date.now() - t1) + ' ms)');
  await open('dashboard?since=now-24h');
  const before = Number((await page.textContent('#dash-total')).replace(/\D/g, ''));
  await page.evaluate(() => { window.__noReload = true; });
  fs.appendFileSync(syslogFile, syslogLine('8.8.8.8', 'dash-test'));
  const t0 = Date.now();
  await page.waitForFunction((n) => Number(document.getElementById('dash-total').textContent.replace(/\D/g, '')) > n,
    before, { timeout: 20000 });
  check(await page.evaluate(() => window.__noReload === true), 'live: the dashboard count went up by itself (' + (Date.now() - t0) + ' ms)');
}

// The manager not answering (its API calls fail at the network level):
// the page says so, retries by itself, and recovers when it is back.
async function managerDown(page, check, shot) {
  await page.goto(base + '/#/dashboard');
  await page.waitForSelector('#dash-total');
  await page.route('**/api/v1/**', (r) => r.abort('connectionrefused'));
  await page.goto(base + '/#/tickets');
  await page.waitForSelector('#main .error.down', { timeout: 10000 });
  const said = await page.textContent('#main .error.down');
  await shot('manager-down');
  check(/not answering/.test(said) && /Retrying in \d+ s/.test(said), 'manager down: the page says so and retries (' + said + ')');
  await page.unroute('**/api/v1/**');
  await page.waitForSelector('.board .column', { timeout: 15000 });
  check(true, 'manager back: the board shows by itself');
}

// Every page: a screenshot; at 390 px nothing wider than the screen.
async function walk(page, check, open, shot, width) {
  const pages = [['dashboard', 'dashboard?since=now-24h'], ['alerts', 'alerts?since=now-24h'],
    ['alert', null], ['files', 'files?since=now-24h'], ['agents', 'agents'], ['agent', 'agent/000'],
    ['tickets', 'tickets'], ['ticket', 'ticket/' + ticketId], ['attack', 'attack?since=now-24h'],
    ['attackers', 'attackers?since=now-24h'], ['bans', 'bans'], ['outbox', 'outbox'], ['users', 'users']];
  for (const [name, hash] of pages) {
    if (hash) await open(hash);
    else {
      await open('alerts?since=now-24h&rule_id=550');
      await page.locator('#alerts-body tbody tr').first().click();
      await page.waitForSelector('#fim-change');
    }
    await page.waitForTimeout(150); // charts draw on the next frame
    await shot(name);
    const err = await page.locator('#main .error.state').allTextContents();
    if (err.length) console.log('note: ' + name + ' shows: ' + err.join(' | '));
    if (width < 500) {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(over <= 1, name + ' at ' + width + ' px: no page overflow (' + over + ' px)');
    }
  }
}
