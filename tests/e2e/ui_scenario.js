// ui_scenario.js: the incident flow in the web UI of a real `yagura manager`
// (Debian's chromium driven by playwright-core): sign in, the dashboard's
// alert count, the brute-force alert in the alert list and its page, its
// ticket (alert and ban on the timeline), the ban in force, a comment,
// closing the ticket with a resolution, then the ban gone from the bans in
// force and lifted in the history. A screenshot of each page goes to OUTDIR
// as NN-name.png; the last line printed is RESULT {json} with what was seen.
// Usage: node ui_scenario.js BASE_URL OUTDIR USER PASSWORD RULE_ID SRCIP
'use strict';
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [base, outdir, user, password, ruleId, srcip] = process.argv.slice(2);
const failures = [];
const result = { screenshots: [] };
function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures.push(what);
}

(async () => {
  fs.mkdirSync(outdir, { recursive: true });
  const userDir = fs.mkdtempSync(path.join(outdir, 'chromium-'));
  // Debian's chromium as root in a container: the flags of
  // shared/scenarios/README.md ("Facts checked"); headless is the default.
  const browser = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  const dialogs = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  // The ticket page says "Some bans were not lifted" with alert(): record it.
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  let n = 0;
  const shot = async (name) => {
    const file = path.join(outdir, String(++n).padStart(2, '0') + '-' + name + '.png');
    await page.screenshot({ path: file, fullPage: true });
    result.screenshots.push(file);
  };
  const main = () => page.locator('#main');
  try {
    // sign in
    await page.goto(base + '/');
    await page.waitForSelector('#signin');
    await shot('signin');
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');

    // dashboard: the alert count and the rule among the top rules
    await page.waitForSelector('.stats-row .big');
    await page.waitForSelector('.grid table');
    check(!(await page.locator('#main .error').count()), 'dashboard: no error shown');
    result.dashboard_total = Number(await page.textContent('.stats-row .big'));
    check(result.dashboard_total >= 1, 'dashboard shows the alert count (' + result.dashboard_total + ')');
    const topRule = page.locator('#top-rules').locator('tr.clickable', { hasText: ruleId });
    check(await topRule.count() === 1, 'dashboard: rule ' + ruleId + ' among the top rules');
    const topIp = page.locator('.grid .panel', { hasText: 'Top sources' }).locator('tr.clickable', { hasText: srcip });
    check(await topIp.count() === 1, 'dashboard: ' + srcip + ' among the top source IPs');
    result.dashboard_open_tickets = Number(await page.locator('.stats-row .big').nth(1).textContent());
    check(result.dashboard_open_tickets >= 1, 'dashboard: open tickets (' + result.dashboard_open_tickets + ')');
    await shot('dashboard');

    // the alert list, filtered on the rule: the dashboard's drill-down link
    await topRule.click();
    await page.waitForFunction((r) => location.hash.startsWith('#/alerts') && location.hash.includes('rule_id=' + r), ruleId);
    await page.waitForSelector('.chip[data-filter=rule_id]');
    await page.waitForSelector('table tbody tr.clickable');
    const rows = page.locator('table tbody tr.clickable');
    const cells = await rows.first().locator('td').allTextContents();
    result.alert_rows = await rows.count();
    check(cells[2] === ruleId && cells[5] === srcip,
      'alerts: the newest row is rule ' + ruleId + ' from ' + srcip + ' (' + cells.join(' | ') + ')');
    check(Number(cells[1]) === 7, 'alerts: level 7 (' + cells[1] + ')');
    await shot('alerts');

    // the alert's page: its JSON, and the link to its ticket
    await rows.first().click();
    await page.waitForSelector('pre.json', { state: 'attached' });
    const alertJson = JSON.parse(await page.textContent('pre.json'));
    result.alert_id = alertJson.id;
    check(alertJson.rule && alertJson.rule.id === ruleId && alertJson.rule.level === 7,
      'alert page: the alert JSON of rule ' + ruleId);
    check(alertJson.data && alertJson.data.srcip === srcip, 'alert page: data.srcip ' + srcip);
    const groups = alertJson.rule.groups || [];
    check(['authentication_failures', 'attack', 'alert'].every((g) => groups.includes(g)),
      'alert page: groups ' + JSON.stringify(groups));
    await page.waitForSelector('#alert-ticket a');
    const link = await page.textContent('#alert-ticket a');
    check(/^#\d+ .*\(open\)$/.test(link), 'alert page: link to its ticket (' + link + ')');
    await shot('alert');

    // the ticket page
    await page.click('#alert-ticket a');
    await page.waitForSelector('.timeline li');
    result.ticket_id = Number((await page.textContent('h1')).match(/^#(\d+)/)[1]);
    const info = async (k) => (await page.locator('tr', { has: page.locator('th', { hasText: k }) })
      .first().locator('td').textContent());
    check(await info('Status') === 'open', 'ticket: status open');
    check(await info('Severity') === 'Medium', 'ticket: severity Medium');
    check(await info('Type') === 'alert', 'ticket: type alert');
    check((await info('Rule')).startsWith(ruleId + ' '), 'ticket: rule ' + ruleId);
    await page.waitForFunction(() => document.getElementById('ticket-bans').textContent.includes('('));
    check(await info('Bans') === srcip + ' (in force)', 'ticket: bans ' + await info('Bans'));
    const timeline = await page.locator('.timeline li').allTextContents();
    result.timeline = timeline;
    const kind = async (k) => page.locator('.timeline li[data-kind=' + k + ']').allTextContents();
    check((await kind('alert')).some((t) => t.includes(result.alert_id)), 'ticket: the alert on the timeline');
    check((await kind('ban')).some((t) => t.includes(srcip)), 'ticket: the ban on the timeline');
    check((await kind('response')).some((t) => t.includes('ban of ' + srcip)),
      'ticket: the ban response on the timeline');
    check(await page.locator('.idlist a[href="#/alert/' + encodeURIComponent(result.alert_id) + '"]').count() === 1,
      'ticket: its alerts list links the alert');
    await shot('ticket');

    // the ban in force
    await page.click('a[data-nav=bans]');
    await page.waitForSelector('h1:text("Bans in force")');
    await page.waitForSelector('table, p.muted:text("No ban.")');
    const banRow = main().locator('tbody tr', { has: page.locator('td:text-is("' + srcip + '")') });
    check(await banRow.count() === 1, 'bans: ' + srcip + ' in force');
    if (await banRow.count() === 1) {
      const b = await banRow.locator('td').allTextContents();
      check(b[1] === 'auto' && b[3] !== 'never', 'bans: automatic and timed (' + b.join(' | ') + ')');
    }
    await shot('bans-in-force');

    // the ticket board: the ticket in the Open column; back to its page
    await page.click('a[data-nav=tickets]');
    await page.waitForSelector('.board .column');
    const openCard = page.locator('.column', { has: page.locator('h2', { hasText: 'Open' }) })
      .first().locator('.card', { hasText: '#' + result.ticket_id + ' ' });
    check(await openCard.count() === 1, 'board: the ticket in the Open column');
    await shot('tickets-board');
    await openCard.click();
    await page.waitForSelector('.timeline li');

    // comment
    const comment = 'Brute force from ' + srcip + ' checked from the browser test';
    await page.fill('textarea', comment);
    await page.click('button:text("Comment")');
    await page.waitForSelector('.timeline li:has-text("' + comment + '")');
    check(await page.locator('.timeline li[data-kind=comment]', { hasText: comment }).count() >= 1,
      'ticket: the comment on the timeline');
    await shot('ticket-commented');

    // close with a resolution: the ticket's ban is lifted
    const resolution = 'password reset; ' + srcip + ' was a credential-stuffing bot';
    await page.fill('input[placeholder^=resolution]', resolution);
    await page.click('button:text-is("Close")');
    await page.waitForSelector('button:text("Reopen")');
    check(await info('Status') === 'closed — ' + resolution, 'ticket: closed with the resolution');
    await page.waitForFunction(() => document.getElementById('ticket-bans').textContent.includes('('));
    check(await info('Bans') === srcip + ' (no longer in force)', 'ticket: bans ' + await info('Bans'));
    check(dialogs.length === 0, 'ticket: no "bans were not lifted" message (' + dialogs.join(' | ') + ')');
    check((await kind('status')).some((t) => t.includes('closed')), 'ticket: the close on the timeline');
    await shot('ticket-closed');

    // the ban is no longer in force; the history says who lifted it
    await page.click('a[data-nav=bans]');
    await page.waitForSelector('h1:text("Bans in force")');
    await page.waitForSelector('#main table, #main p.muted');
    check(await main().locator('td:text-is("' + srcip + '")').count() === 0, 'bans: ' + srcip + ' no longer in force');
    await shot('bans-after-close');
    await page.click('button:text("Show history")');
    await page.waitForSelector('h1:text("Ban history")');
    await page.waitForSelector('#main table');
    const hist = main().locator('tbody tr', { has: page.locator('td:text-is("' + srcip + '")') });
    const h = (await hist.count()) ? await hist.first().locator('td').allTextContents() : [];
    check(h.length > 0 && / by admin$/.test(h[h.length - 1]), 'ban history: ' + srcip + ' lifted by admin (' + h.join(' | ') + ')');
    await shot('bans-history');

    // the board: the ticket is in the Closed column
    await page.click('a[data-nav=tickets]');
    await page.waitForSelector('.board .column');
    check(await page.locator('.column', { has: page.locator('h2', { hasText: 'Closed' }) })
      .locator('.card', { hasText: '#' + result.ticket_id + ' ' }).count() === 1, 'board: the ticket in the Closed column');
    await shot('tickets-board-closed');

    await page.click('#signout');
    await page.waitForSelector('#signin');
    check(await page.evaluate(() => !sessionStorage.getItem('yg_token')), 'signed out: no token kept');
  } catch (e) {
    failures.push(String(e));
    console.log('FAIL ' + e);
    await shot('failure').catch(() => {});
  }
  check(errors.length === 0, 'no page errors: ' + errors.join(' | '));
  await browser.close();
  fs.rmSync(userDir, { recursive: true, force: true });
  result.failures = failures;
  console.log('RESULT ' + JSON.stringify(result));
  process.exit(failures.length ? 1 : 0);
})();
