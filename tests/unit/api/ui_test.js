// ui_test.js: the web UI in a real browser (Debian's chromium driven by
// playwright-core): sign in, dashboard, alerts, one alert, tickets, agents,
// bans; a screenshot of each page goes to OUTDIR.
// Usage: node ui_test.js BASE_URL OUTDIR SINCE_MS UNTIL_MS
'use strict';
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [base, outdir, since, until] = process.argv.slice(2);
const failures = [];
function check(cond, what) {
  if (!cond) { failures.push(what); console.log('FAIL: ' + what); }
}

(async () => {
  const userDir = fs.mkdtempSync(path.join(outdir, 'chromium-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Failed requests (the wrong password's 401) show as console errors: not page faults.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  const shot = (name) => page.screenshot({ path: path.join(outdir, 'ui-' + name + '.png'), fullPage: true });
  try {
    await page.goto(base + '/#/dashboard?since=' + since + '&until=' + until);
    await page.waitForSelector('#signin');
    await shot('signin');
    await page.fill('input[name=user]', 'reader');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.getElementById('signin-error').textContent !== '');
    check((await page.textContent('#signin-error')).includes('wrong'), 'wrong password shown');
    await page.fill('input[name=password]', 'pw-analyst-123');
    await page.fill('input[name=user]', 'analyst');
    await page.click('button[type=submit]');
    await page.waitForSelector('.chart svg rect');
    const total = await page.textContent('.stats-row .big');
    check(Number(total) > 0, 'dashboard shows the alert count (' + total + ')');
    check(await page.locator('.chart svg rect').count() > 5, 'chart has bars');
    check(await page.locator('.grid table tbody tr').count() >= 3, 'top lists filled');
    check(await page.evaluate(() => !!sessionStorage.getItem('yg_token')), 'token in sessionStorage');
    check((await page.context().cookies()).length === 0, 'no cookies');
    await shot('dashboard');

    const range = 'since=' + new Date(Number(since)).toISOString() + '&until=' + new Date(Number(until)).toISOString();
    await page.goto(base + '/#/alerts?' + range);
    await page.waitForSelector('table tbody tr.clickable');
    check(await page.locator('table tbody tr.clickable').count() === 50, 'alerts page of 50');
    await shot('alerts');
    await page.goto(base + '/#/alerts?' + range + '&level_min=12&rule_id=100200');
    await page.waitForSelector('.chip[data-filter=level_min]');
    await page.waitForSelector('table tbody tr.clickable');
    const levels = await page.locator('table tbody tr.clickable .lvl').allTextContents();
    check(levels.length > 0 && levels.every((l) => Number(l) >= 12), 'level filter applied');
    await shot('alerts-filtered');
    await page.goto(base + '/#/alerts?' + range);
    await page.waitForSelector('.pager button:not([disabled])');
    await page.click('text=Next →');
    await page.waitForFunction(() => location.hash.includes('offset=50'));
    await page.waitForSelector('table tbody tr.clickable');
    check((await page.textContent('.pager span')).startsWith('51'), 'second page');

    await page.click('table tbody tr.clickable >> nth=0');
    await page.waitForSelector('pre.json', { state: 'attached' });
    const json = JSON.parse(await page.textContent('pre.json'));
    check(json.rule && json.id, 'alert detail shows the alert JSON');
    await shot('alert');

    await page.click('a[data-nav=tickets]');
    await page.waitForSelector('.card');
    await shot('tickets');
    await page.click('.card >> nth=0');
    await page.waitForSelector('.timeline li');
    await page.fill('textarea', 'checked from the browser test');
    await page.click('text=Comment');
    await page.waitForSelector('text=checked from the browser test');
    await shot('ticket');

    await page.click('a[data-nav=agents]');
    await page.waitForSelector('h1:text("Agents")');
    await page.waitForTimeout(300);
    await shot('agents');
    await page.click('a[data-nav=bans]');
    await page.waitForSelector('h1:text("Bans in force")');
    await page.fill('input[name=address]', '203.0.113.9');
    await page.click('form.filters button[type=submit]');
    await page.waitForSelector('td:text("203.0.113.9")');
    await shot('bans');

    await page.click('#signout');
    await page.waitForSelector('#signin');
  } catch (e) {
    failures.push(String(e));
    console.log('FAIL: ' + e);
    await shot('failure').catch(() => {});
  }
  check(errors.length === 0, 'no page errors: ' + errors.join(' | '));
  await browser.close();
  fs.rmSync(userDir, { recursive: true, force: true });
  console.log(failures.length + ' failure(s)');
  process.exit(failures.length ? 1 : 0);
})();
