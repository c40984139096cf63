#!/usr/bin/env node
// run.js — the dashboard's browser suite: the real daemon, the real page in
// headless chromium, every check through what a user can see and press.
// Prints a Check-style summary ("N%: Checks: N, Failures: F, Errors: E") that
// tests/run-suites counts like the C suites'. Waits are explicit and
// generous (the machine may be loaded); nothing depends on its speed.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { startDaemon, launchBrowser, cleanUp, tempDir, call } = require('./support.js');

const WAIT = { timeout: 30000 };
const RUNNING_INCR = 'xxx.xxx.xxx.xxx-9000:connector_v2:p_493p****-incr_trans-1-0:0000000001';
const STOPPED_INCR = 'xxx.xxx.xxx.xxx-9000:connector_v2:p_493po****-incr_trans-1-0:0000000001';
const OTHER_STOPPED_INCR = 'xxx.xxx.xxx.xxx-9000:connector_v2:p_49****4-incr_trans-1-0:0000000001';
const CREATED_INCR = '10.0.0.13-9000:connector_v2:np_5bx91hzr0q7e-incr_trans-1-0:0000000001';

// Console messages that are expected, not errors of the page: the events
// route's 404 (the polling fallback's trigger) and, in the token test, the
// 401s that make the page ask for the token.
function expectedConsole(message, allow401) {
  const url = (message.location() && message.location().url) || '';
  const text = message.text();
  if (!text.startsWith('Failed to load resource')) return false;
  if (/\/_mock\/events$/.test(url) && /404/.test(text)) return true;
  return allow401 && /401/.test(text);
}

const consoleErrors = [];

async function openPage(browser, url, { width = 1280, height = 800, allow401 = false, before } = {}) {
  const page = await browser.newPage();
  if (before) await before(page);
  await page.setViewport({ width, height });
  page.on('console', (message) => {
    if (message.type() === 'error' && !expectedConsole(message, allow401))
      consoleErrors.push(url + ': ' + message.text() + ' (' + ((message.location() || {}).url || '') + ')');
  });
  page.on('pageerror', (error) => consoleErrors.push(url + ': uncaught ' + error.message));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return page;
}

async function ready(page) {
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', WAIT);
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, expected, what) {
  if (actual !== expected)
    throw new Error(what + ': expected ' + JSON.stringify(expected) + ', got ' + JSON.stringify(actual));
}

async function task(daemon, name) {
  return (await call(daemon.url + '/_mock/tasks/' + encodeURIComponent(name))).json;
}

async function stateOnPage(page, name) {
  return page.$eval('tr[data-task="' + name.replace(/"/g, '\\"') + '"] td[data-state]', (td) => td.dataset.state);
}

async function waitForState(page, name, wanted) {
  await page.waitForFunction((n, s) => {
    const cell = [...document.querySelectorAll('tr[data-task]')].find((tr) => tr.dataset.task === n);
    return cell && cell.querySelector('td[data-state]').dataset.state === s;
  }, WAIT, name, wanted);
}

async function openTask(page, name) {
  await page.$eval('tr[data-task="' + name.replace(/"/g, '\\"') + '"]', (tr) => tr.click());
  await page.waitForSelector('#task-dialog[open]', WAIT);
}

// Presses an operation button and waits for the answer box to change.
async function pressOperation(page, op) {
  await page.$eval('#task-result', (box) => { box.hidden = true; box.textContent = ''; });
  // clicked inside the page, in one step: a refresh brought by an event may
  // draw the dialog's buttons anew between finding one and clicking it
  await page.$eval('#task-dialog [data-op="' + op + '"]', (button) => button.click());
  await page.waitForFunction(() => !document.getElementById('task-result').hidden, WAIT);
  return page.$eval('#task-result', (box) => box.textContent);
}

async function closeDialog(page) {
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('dialog[open]'), WAIT);
}

async function newestJournalRow(page, op) {
  await page.waitForFunction((o) => {
    const row = document.querySelector('#journal-rows tr');
    return row && row.dataset.op === o;
  }, WAIT, op);
}

// The journal's rows as the page shows them, newest first.
async function journalTop(page) {
  return page.$$eval('#journal-rows tr', (rows) => rows.map((tr) => ({ op: tr.dataset.op, transition: tr.dataset.transition,
    outcome: tr.dataset.outcome, text: tr.textContent })));
}

// 10,000 tasks, each a valid fixture, written to a temporary file.
function manyTasksFixture(count) {
  const tasks = [];
  const states = ['RUNNING', 'STOPPED', 'ABNORMAL', 'CREATED'];
  for (let i = 0; i < count; i++) {
    const incr = i % 2 === 0;
    tasks.push({
      taskName: '10.1.' + Math.floor(i / 250) + '.' + (i % 250 + 1) + '-9000:connector_v2:p_load' + i + '-' +
        (incr ? 'incr_trans' : 'full_trans') + '-1-0:0000000001',
      state: states[i % states.length],
      config: { source: incr ? { clients: JSON.stringify([{ clientId: 'c' + i, subtopic: 't' + i }]) } : { sourceType: 'MYSQL' } },
      checkpoint: incr ? 1700000000 + i : null,
      progress: incr ? null : (i % 100) / 100,
      lastError: null,
    });
  }
  const file = path.join(tempDir('connector-mock-fixtures-'), 'many.json');
  fs.writeFileSync(file, JSON.stringify({ tasks }));
  return file;
}

const tests = [];
function test(name, body) { tests.push({ name, body }); }

// ---- the checks ----------------------------------------------------------------

let daemon;
let browser;

test('the page and its files are served with their types, open, and cached by ETag', async () => {
  const page = await call(daemon.url + '/_mock/ui');
  equal(page.status, 200, 'GET /_mock/ui');
  equal(page.headers.get('content-type'), 'text/html; charset=utf-8', 'the page\'s Content-Type');
  equal(page.headers.get('cache-control'), 'no-cache', 'Cache-Control');
  assert(/default-src 'self'/.test(page.headers.get('content-security-policy') || ''), 'a CSP');
  const etag = page.headers.get('etag');
  assert(/^"[0-9a-f]{16}"$/.test(etag || ''), 'an ETag, not ' + etag);
  const again = await call(daemon.url + '/_mock/ui', 'GET', undefined, { 'If-None-Match': etag });
  equal(again.status, 304, 'a revalidation');
  equal((await call(daemon.url + '/_mock/ui/app.js')).headers.get('content-type'), 'text/javascript; charset=utf-8', 'app.js');
  equal((await call(daemon.url + '/_mock/ui/app.css')).headers.get('content-type'), 'text/css; charset=utf-8', 'app.css');
  equal((await call(daemon.url + '/_mock/ui/nothing.js')).status, 404, 'an unknown file');
  equal((await call(daemon.url + '/_mock/ui/..')).status, 404, 'a file outside the page');
  equal((await call(daemon.url + '/_mock/ui/..%2F..%2Ffixtures%2Fdefault.json')).status, 404, 'an embedded file outside the page');
  equal((await call(daemon.url + '/_mock/ui/' + 'a'.repeat(300) + '.js')).status, 404, 'a name past the path buffer');
  equal((await call(daemon.url + '/_mock/ui/' + 'a'.repeat(5000) + '.js')).status, 404, 'a name past the segment cap');
  equal((await call(daemon.url + '/ns/other/_mock/ui')).status, 200, 'the page under /ns/{name}');
  equal((await call(daemon.url + '/_mock/ui/')).status, 404, 'the page is /_mock/ui, not a directory');
});

test('GET /_mock/rules answers every op x state x type as the operations decide', async () => {
  const { status, json } = await call(daemon.url + '/_mock/rules');
  equal(status, 200, 'GET /_mock/rules');
  equal(json.transitions.length, (5 + 2) * 5 * 2, 'rows (5 ops and 2 resume flags, 5 states, 2 types)');
  const row = (op, flag, from, type) => json.transitions.find((r) => r.op === op && r.flag === flag && r.from === from && r.type === type);
  equal(row('stop', null, 'RUNNING', 'incr_trans').to, 'STOPPED', 'stop from RUNNING');
  equal(row('resume', null, 'RUNNING', 'incr_trans').errCode, 'ILLEGAL_STATE', 'resume from RUNNING');
  equal(row('resume', 'pullBackFlag', 'STOPPED', 'full_trans').errCode, 'UNSUPPORTED_OPERATION', 'pull back of a Full-Import');
  equal(row('delete', null, 'STOPPED', 'full_trans').effect, 'remove', 'delete');
  equal(row('migrate', null, 'ABNORMAL', 'incr_trans').to, 'STOPPED', 'migrate of an ABNORMAL task');
  // and the daemon really decides so
  const stop = await call(daemon.url + '/connector/task/v2/stop?taskName=' + encodeURIComponent(STOPPED_INCR), 'POST');
  equal(stop.json.errCode, row('stop', null, 'STOPPED', 'incr_trans').errCode, 'a real stop of a STOPPED task');
  await call(daemon.url + '/_mock/journal', 'DELETE');
});

test('the fixture tasks are listed with their states', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  const tasks = (await call(daemon.url + '/_mock/tasks')).json.tasks;
  assert(tasks.length >= 8, 'the fixtures hold tasks');
  for (const t of tasks) equal(await stateOnPage(page, t.taskName), t.state, t.taskName);
  equal(await page.$eval('#page-info', (e) => e.textContent), '1–' + tasks.length + ' of ' + tasks.length, 'the pager');
  const full = tasks.find((t) => typeof t.progress === 'number');
  const bar = await page.$eval('tr[data-task="' + full.taskName + '"] [role=progressbar]', (e) => e.getAttribute('aria-valuenow'));
  equal(bar, (full.progress * 100).toFixed(0), 'the progress bar of ' + full.taskName);
  await page.close();
});

test('stop and resume from the page change the state and add journal rows', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await openTask(page, RUNNING_INCR);
  assert((await pressOperation(page, 'stop')).includes('stop: success'), 'the stop succeeds');
  equal((await task(daemon, RUNNING_INCR)).state, 'STOPPED', 'the state after stop');
  await waitForState(page, RUNNING_INCR, 'STOPPED');
  await newestJournalRow(page, 'stop');
  let top = (await journalTop(page))[0];
  equal(top.op, 'stop', 'the newest journal row\'s op');
  equal(top.transition, 'RUNNING → STOPPED', 'its transition');
  equal(top.outcome, 'ok', 'its outcome');
  assert(top.text.includes('RUNNING → STOPPED'), 'the row shows its transition: ' + top.text);
  assert((await pressOperation(page, 'resume')).includes('resume: success'), 'the resume succeeds');
  equal((await task(daemon, RUNNING_INCR)).state, 'RUNNING', 'the state after resume');
  await waitForState(page, RUNNING_INCR, 'RUNNING');
  await newestJournalRow(page, 'resume');
  top = (await journalTop(page))[0];
  equal(top.op, 'resume', 'the newest journal row\'s op');
  equal(top.transition, 'STOPPED → RUNNING', 'its transition');
  equal((await journalTop(page)).length, 2, 'journal rows after a stop and a resume');
  await closeDialog(page);
  // a journal row opens its request
  await page.$eval('#journal-rows tr', (row) => row.click()); // rows are drawn anew by each refresh
  await page.waitForSelector('#entry-dialog[open]', WAIT);
  const params = JSON.parse(await page.$eval('#entry-params', (e) => e.textContent));
  equal(params.taskName, RUNNING_INCR, 'the entry\'s params');
  await closeDialog(page);
  await page.close();
});

test('a pull back from the page sets the checkpoint', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await openTask(page, RUNNING_INCR);
  await page.click('#pull-back summary');
  const subtopics = await page.$$eval('#pull-back-form select[name=subtopic] option', (os) => os.map((o) => o.value));
  const clients = JSON.parse((await task(daemon, RUNNING_INCR)).config.source.clients);
  equal(subtopics[0], clients[0].subtopic, 'the subtopic chooser is filled from source.clients');
  await page.$eval('#pull-back-form input[name=time]', (input) => { input.value = '2026-01-02T03:04:05'; });
  const expected = await page.evaluate(() => Math.floor(new Date('2026-01-02T03:04:05').getTime() / 1000));
  await page.$eval('#task-result', (box) => { box.hidden = true; });
  await page.click('#pull-back-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('task-result').hidden, WAIT);
  const result = await page.$eval('#task-result', (e) => e.textContent);
  assert(result.includes('resume pullBackFlag=true: success'), 'the pull back succeeds: ' + result);
  const after = await task(daemon, RUNNING_INCR);
  equal(after.checkpoint, expected, 'the checkpoint');
  equal(after.state, 'RUNNING', 'the state');
  equal(after.config.source.checkpoint, JSON.stringify({ [clients[0].subtopic]: String(expected) }), 'source.checkpoint');
  const ops = (await call(daemon.url + '/_mock/journal?limit=3')).json.entries.map((e) => e.op);
  equal(ops.join(','), 'stop,update,resume', 'the pull back\'s requests');
  await closeDialog(page);
  await page.close();
});

test('update from the page: a changed value, a deleted key and a new key, by scope', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await openTask(page, OTHER_STOPPED_INCR);
  await page.click('#update summary');
  const before = (await task(daemon, OTHER_STOPPED_INCR)).config;
  assert(before.sink.batchSize && before.sink.workerNum, 'the fixture has sink.batchSize and sink.workerNum');
  await page.$eval('#config-rows tr[data-scope="sink"][data-key="batchSize"] input[name=value]', (i) => { i.value = '999'; });
  await page.click('#config-rows tr[data-scope="sink"][data-key="workerNum"] input[name=delete]');
  await page.click('#config-add');
  await page.type('#config-rows tr[data-new] input[name=scope]', 'coordinator');
  await page.type('#config-rows tr[data-new] input[name=key]', 'note');
  await page.type('#config-rows tr[data-new] input[name=value]', 'from the page');
  await page.$eval('#task-result', (box) => { box.hidden = true; });
  await page.click('#update-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('task-result').hidden, WAIT);
  assert((await page.$eval('#task-result', (e) => e.textContent)).includes('update: success'), 'the update succeeds');
  const after = (await task(daemon, OTHER_STOPPED_INCR)).config;
  equal(after.sink.batchSize, '999', 'sink.batchSize');
  equal(after.sink.workerNum, undefined, 'sink.workerNum');
  equal(after.coordinator.note, 'from the page', 'coordinator.note');
  equal(after.source.clients, before.source.clients, 'an untouched key');
  const entry = (await call(daemon.url + '/_mock/journal?limit=1')).json.entries[0];
  equal(JSON.stringify(entry.params.deleteParams), JSON.stringify('sink.workerNum'), 'deleteParams in the journal');
  await closeDialog(page);
  await page.close();
});

test('migrate from the page to a new host, then delete the task', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await openTask(page, OTHER_STOPPED_INCR);
  await page.$$eval('#task-dialog details', (ds) => ds.forEach((d) => { d.open = d.querySelector('#migrate-form') !== null; }));
  await page.type('#migrate-form input[name=ip]', '10.9.9.9');
  await page.$eval('#task-result', (box) => { box.hidden = true; });
  await page.click('#migrate-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('task-result').hidden, WAIT);
  const moved = '10.9.9.9-9000:connector_v2:p_49****4-incr_trans-1-0:0000000002';
  assert((await page.$eval('#task-result', (e) => e.textContent)).includes('migrate: success → ' + moved), 'the new name is shown');
  equal((await task(daemon, moved)).state, 'STOPPED', 'the migrated task');
  await page.waitForFunction((n) => document.getElementById('task-name').textContent === n, WAIT, moved);
  // delete asks twice
  await page.$eval('#task-dialog [data-op="delete"]', (button) => button.click());
  equal(await page.$eval('#task-dialog [data-op="delete"]', (b) => b.textContent), 'Really delete?', 'the first press');
  assert((await pressOperation(page, 'delete')).includes('delete: success'), 'the second press deletes');
  equal((await call(daemon.url + '/_mock/tasks/' + encodeURIComponent(moved))).status, 404, 'the task is gone');
  await closeDialog(page);
  await page.waitForFunction((n) => !document.querySelector('tr[data-task="' + n + '"]'), WAIT, moved);
  await page.close();
});

test('a fault injected from the page refuses the next stop, then fail and reset', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await page.select('#fault-form select[name=op]', 'stop');
  await page.$eval('#fault-form input[name=errCode]', (i) => { i.value = 'INTERNAL_ERROR'; });
  await page.click('#fault-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#fault-list li').length === 1, WAIT);
  const faults = (await call(daemon.url + '/_mock/faults')).json.faults;
  equal(faults.length, 1, 'faults');
  equal(faults[0].op + ' ' + faults[0].action.type + ' ' + faults[0].action.errCode + ' ' + faults[0].times, 'stop error INTERNAL_ERROR 1', 'the fault');
  await openTask(page, RUNNING_INCR);
  const text = await pressOperation(page, 'stop');
  assert(text.includes('INTERNAL_ERROR') && text.includes('(retryable)'), 'the injected refusal: ' + text);
  equal((await task(daemon, RUNNING_INCR)).state, 'RUNNING', 'nothing changed');
  // fail through the control API
  await page.$$eval('#task-dialog details', (ds) => ds.forEach((d) => { d.open = d.querySelector('#fail-form') !== null; }));
  await page.$eval('#task-result', (box) => { box.hidden = true; });
  await page.click('#fail-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('task-result').hidden, WAIT);
  const failed = await task(daemon, RUNNING_INCR);
  equal(failed.state, 'ABNORMAL', 'the failed task');
  await waitForState(page, RUNNING_INCR, 'ABNORMAL');
  await closeDialog(page);
  await page.click('#faults-clear');
  await page.waitForFunction(() => document.querySelectorAll('#fault-list li').length === 0, WAIT);
  // reset asks twice, then the fixtures are back
  await page.click('#reset');
  await page.click('#reset');
  await waitForState(page, RUNNING_INCR, 'RUNNING');
  equal((await task(daemon, RUNNING_INCR)).state, 'RUNNING', 'after the reset');
  await page.close();
});

test('the clock: freeze, then +1 h moves it by exactly an hour', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await page.click('#clock-freeze');
  await page.waitForFunction(() => !document.getElementById('clock-frozen').hidden, WAIT);
  const frozen = (await call(daemon.url + '/_mock/clock')).json;
  equal(frozen.frozen, true, 'frozen');
  await page.click('[data-advance="3600000"]');
  await page.waitForFunction((t) => document.getElementById('clock-now').dateTime === new Date(t).toISOString(), WAIT, frozen.now + 3600000);
  equal((await call(daemon.url + '/_mock/clock')).json.now, frozen.now + 3600000, 'the clock');
  await page.click('#clock-freeze');
  await page.waitForFunction(() => document.getElementById('clock-frozen').hidden, WAIT);
  equal((await call(daemon.url + '/_mock/clock')).json.frozen, false, 'unfrozen');
  await page.close();
});

test('a snapshot saved and restored from the page brings a deleted task back', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await page.type('#snapshot-form input[name=name]', 'before-delete');
  await page.click('#snapshot-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#snapshot-list li').length === 1, WAIT);
  await call(daemon.url + '/connector/task/v2/delete?taskName=' + encodeURIComponent(CREATED_INCR), 'POST');
  equal((await call(daemon.url + '/_mock/tasks/' + encodeURIComponent(CREATED_INCR))).status, 404, 'deleted');
  const restore = await page.$$eval('#snapshot-list li button', (bs) => bs.findIndex((b) => b.textContent === 'Restore'));
  await (await page.$$('#snapshot-list li button'))[restore].click();
  await waitForState(page, CREATED_INCR, 'CREATED');
  await page.close();
});

test('another namespace opens at its own address', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await page.type('#namespace-new', 'ui-test');
  await Promise.all([page.waitForNavigation(WAIT), page.keyboard.press('Enter')]);
  equal(new URL(page.url()).pathname, '/ns/ui-test/_mock/ui', 'the address');
  await ready(page);
  equal(await page.$eval('#namespace', (s) => s.value), 'ui-test', 'the chosen namespace');
  // the page's calls go to that namespace
  await page.click('#clock-freeze');
  await page.waitForFunction(() => !document.getElementById('clock-frozen').hidden, WAIT);
  equal((await call(daemon.url + '/ns/ui-test/_mock/clock')).json.frozen, true, 'the namespace\'s clock');
  equal((await call(daemon.url + '/_mock/clock')).json.frozen, false, 'the default clock');
  await page.close();
});

test('a refused action shows the errCode, errMsg and proposal', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await openTask(page, STOPPED_INCR);
  const text = await pressOperation(page, 'stop');
  assert(text.includes('ILLEGAL_STATE'), 'the errCode is shown: ' + text);
  assert(text.includes('Proposal:'), 'the proposal is shown: ' + text);
  equal(await page.$eval('#task-result [data-error]', (e) => e.dataset.error), 'ILLEGAL_STATE', 'the refusal');
  assert(await page.$eval('#task-dialog [data-op="stop"]', (b) => b.classList.contains('refused')), 'the rules mark the stop refused');
  equal((await task(daemon, STOPPED_INCR)).state, 'STOPPED', 'nothing changed');
  await closeDialog(page);
  await page.close();
});

test('the keyboard reaches a task and its operations', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  await page.focus('#search');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement.dataset.task || null);
  assert(focused, 'Tab from the search reaches the first task row');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#task-dialog[open]', WAIT);
  equal(await page.$eval('#task-name', (e) => e.textContent), focused, 'Enter opens that task');
  await closeDialog(page);
  await page.close();
});

test('the state machine is drawn from the rules', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  const nodes = await page.$$eval('#machine svg .node', (gs) => gs.map((g) => [g.dataset.state, g.textContent]));
  equal(nodes.map((n) => n[0]).join(','), 'CREATED,RUNNING,STOPPED,ABNORMAL,FINISHED', 'the states');
  const node = (name) => nodes.find((n) => n[0] === name)[1];
  assert(node('FINISHED').includes('✕ delete') && !node('RUNNING').includes('delete'), 'who may be deleted');
  assert(node('STOPPED').includes('↻ update, migrate'), 'what keeps STOPPED: ' + node('STOPPED'));
  const edges = await page.$$eval('#machine svg .edge', (gs) => gs.map((g) => g.dataset.from + '>' + g.dataset.to + ':' + g.textContent));
  equal(edges.sort().join('|'), 'ABNORMAL>RUNNING:resume|ABNORMAL>STOPPED:stop, migrate|RUNNING>STOPPED:stop|STOPPED>RUNNING:resume', 'the arrows');
  await page.close();
});

test('phone width renders without horizontal overflow', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui', { width: 390, height: 844 });
  await ready(page);
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert(widths[0] <= widths[1], 'the page is ' + widths[0] + ' px wide in a ' + widths[1] + ' px window');
  await openTask(page, RUNNING_INCR);
  const dialog = await page.$eval('#task-dialog', (d) => [d.scrollWidth, d.clientWidth]);
  assert(dialog[0] <= dialog[1], 'the task dialog overflows: ' + dialog.join(' > '));
  await page.close();
});

test('the token prompt appears when a token is set, and the token is kept', async () => {
  const guarded = await startDaemon({ args: ['--admin-token', 's3cret', '--lenient'] });
  // the page and its files are open; what holds data, and other methods, are not
  equal((await call(guarded.url + '/_mock/ui/app.js')).status, 200, 'app.js without the token');
  equal((await call(guarded.url + '/_mock/rules')).status, 401, '/_mock/rules without the token');
  equal((await call(guarded.url + '/_mock/ui', 'POST')).status, 401, 'POST /_mock/ui without the token');
  equal((await call(guarded.url + '/_mock/nothing')).status, 401, 'an unknown control route without the token');
  const rules = await call(guarded.url + '/_mock/rules', 'GET', undefined, { Authorization: 'Bearer s3cret' });
  equal(rules.status, 200, '/_mock/rules with the token');
  equal(rules.json.lenient, true, 'the rules under --lenient');
  equal(rules.json.transitions.find((r) => r.op === 'stop' && r.from === 'STOPPED').effect, 'none', 'a lenient repeat');
  const page = await openPage(browser, guarded.url + '/_mock/ui', { allow401: true });
  await page.waitForSelector('#token-dialog[open]', WAIT);
  await page.type('#token-input', 'wrong');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#token-dialog[open]') && !document.getElementById('token-error').hidden, WAIT);
  await page.$eval('#token-input', (i) => { i.value = ''; });
  await page.type('#token-input', 's3cret');
  await page.keyboard.press('Enter');
  await ready(page);
  await page.waitForSelector('tr[data-task]', WAIT);
  equal(await page.evaluate(() => sessionStorage.getItem('connector-mock.token')), 's3cret', 'sessionStorage');
  // a reload asks no more
  await page.reload({ waitUntil: 'domcontentloaded' });
  await ready(page);
  equal(await page.$('#token-dialog[open]'), null, 'the prompt after a reload');
  await page.close();
  equal(await guarded.stop(), 0, 'the daemon\'s exit status');
});

// Answers the page's requests to /_mock/events with 404, as a daemon without
// the route does: the page then polls.
async function withoutEvents(page) {
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (!request.url().endsWith('/_mock/events')) return request.continue();
    return request.respond({ status: 404, contentType: 'application/json',
      body: '{"error":"NOT_FOUND","message":"no such route"}' });
  });
}

test('10,000 tasks: paginated, searchable, and polled without piling up', async () => {
  const big = await startDaemon({ fixtures: manyTasksFixture(10000) });
  const page = await openPage(browser, big.url + '/_mock/ui', { before: withoutEvents });
  await ready(page);
  await page.waitForFunction(() => document.getElementById('page-info').textContent === '1–50 of 10,000', WAIT);
  equal(await page.$$eval('#task-rows tr', (rows) => rows.length), 50, 'rows on a page');
  await page.click('#page-next');
  equal(await page.$eval('#page-info', (e) => e.textContent), '51–100 of 10,000', 'the second page');
  await page.type('#search', 'p_load9999-');
  await page.waitForFunction(() => document.querySelectorAll('#task-rows tr').length === 1, WAIT);
  equal(await page.$eval('#page-info', (e) => e.textContent), '1–1 of 1 (of 10,000)', 'a search');
  await page.select('#filter-state', 'ABNORMAL');
  await page.$eval('#search', (i) => { i.value = ''; i.dispatchEvent(new Event('input')); });
  equal(await page.$eval('#page-info', (e) => e.textContent), '1–50 of 2,500 (of 10,000)', 'a state filter');
  // the page keeps answering while it polls: a click is handled within a
  // generous bound, however long a refresh of 10,000 tasks takes
  const took = await page.evaluate(async () => {
    const started = performance.now();
    document.getElementById('page-next').click();
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    return performance.now() - started;
  });
  assert(took < 5000, 'a page change took ' + took.toFixed(0) + ' ms');
  equal(await page.$eval('#page-info', (e) => e.textContent), '51–100 of 2,500 (of 10,000)', 'the next page');
  // polling: a change made elsewhere appears without a reload
  const name = await page.$eval('#task-rows tr', (tr) => tr.dataset.task);
  await call(big.url + '/connector/task/v2/stop?taskName=' + encodeURIComponent(name), 'POST');
  await page.select('#filter-state', '');
  await page.type('#search', name);
  await waitForState(page, name, 'STOPPED');
  equal(await page.evaluate(() => document.documentElement.dataset.live), 'polling', 'without /_mock/events the page polls');
  await page.close();
  equal(await big.stop(), 0, 'the daemon\'s exit status');
});

test('the page formats lags and splits an event stream as the SSE format says', async () => {
  const page = await openPage(browser, daemon.url + '/_mock/ui');
  await ready(page);
  const durations = await page.evaluate(() => [0, 12, 90, 3600, 3660, 93784, 172800].map(formatDuration));
  equal(durations.join('|'), '0 s|12 s|1 min 30 s|1 h|1 h 1 min|1 d 2 h|2 d', 'durations');
  // chunks cut anywhere: inside a field, between CR and LF, a comment, two data lines
  const events = await page.evaluate(() => {
    const seen = [];
    const parser = sseParser((e) => seen.push(e));
    for (const chunk of [': keep-alive\n\nid: 4', '1\r', '\nevent: journal\ndata: {"a":', '1}\ndata: x\r', '\n\rdata:no space\n\n', 'id: 42\n\n', 'data: cut'])
      parser.feed(chunk);
    return { seen, lastId: parser.lastId() };
  });
  // the id stays the last one seen; an event without its blank line waits
  equal(JSON.stringify(events), JSON.stringify({ seen: [{ id: '41', event: 'journal', data: '{"a":1}\nx' },
    { id: '41', event: 'message', data: 'no space' }], lastId: '42' }), 'the events');
  await page.close();
});

test('with /_mock/events the page follows the stream, not polling, and resumes with Last-Event-ID', async () => {
  // The daemon's streams end only when the page or the daemon goes: here
  // the page's requests to the route are answered by a stream that ends
  // after one event, to check that the page comes back with Last-Event-ID.
  const lastEventIds = [];
  const before = async (page) => {
    // every live mode the page goes through, in order
    await page.evaluateOnNewDocument(() => {
      window.liveModes = [];
      new MutationObserver(() => {
        const mode = document.documentElement.dataset.live;
        if (mode && window.liveModes[window.liveModes.length - 1] !== mode) window.liveModes.push(mode);
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-live'] });
    });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (!request.url().endsWith('/_mock/events')) return request.continue();
      lastEventIds.push(request.headers()['last-event-id'] || null);
      const id = 100 + lastEventIds.length;
      return request.respond({ status: 200, contentType: 'text/event-stream',
        body: 'id: ' + id + '\ndata: {"id":' + id + ',"op":"stop"}\n\n' });
    });
  };
  const page = await openPage(browser, daemon.url + '/_mock/ui', { before });
  await ready(page);
  // this stream ends after one event: the page comes back with its id
  const deadline = Date.now() + 30000;
  while (lastEventIds.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  equal(lastEventIds[0], null, 'the first request\'s Last-Event-ID');
  equal(lastEventIds[1], '101', 'the reconnection\'s Last-Event-ID');
  // a change made elsewhere appears through the stream's refresh
  await call(daemon.url + '/connector/task/v2/stop?taskName=' + encodeURIComponent(RUNNING_INCR), 'POST');
  await waitForState(page, RUNNING_INCR, 'STOPPED');
  await call(daemon.url + '/connector/task/v2/resume?taskName=' + encodeURIComponent(RUNNING_INCR), 'POST');
  const modes = await page.evaluate(() => window.liveModes);
  assert(modes.includes('events') && !modes.includes('polling'), 'the live modes: ' + modes.join(', '));
  await page.close();
});

const SIM_FULL = '10.0.0.77-9000:connector_v2:np_browsersim-full_trans-1-0:0000000001';

async function barOnPage(page, name) {
  return page.$eval('tr[data-task="' + name + '"] [role="progressbar"]', (bar) => bar.getAttribute('aria-valuenow'));
}

async function waitForBar(page, name, wanted) {
  await page.waitForFunction((n, v) => {
    const row = [...document.querySelectorAll('tr[data-task]')].find((tr) => tr.dataset.task === n);
    const bar = row && row.querySelector('[role="progressbar"]');
    return bar && bar.getAttribute('aria-valuenow') === v;
  }, WAIT, name, wanted);
}

test('a simulated Full-Import\'s bar moves when the clock is advanced, and /_mock/events brings its finish', async () => {
  const ns = daemon.url + '/ns/browser-sim';
  // a Full-Import of two virtual hours, stopped at 10%, on a frozen clock
  equal((await call(ns + '/_mock/clock', 'POST', { freeze: true, set: 1767225600000 })).status, 200, 'the clock frozen');
  equal((await call(ns + '/_mock/simulation', 'PUT', { enabled: true, fullDurationMs: 7200000 })).status, 200, 'PUT /_mock/simulation');
  equal((await call(ns + '/_mock/tasks', 'POST', { taskName: SIM_FULL, state: 'STOPPED', progress: 0.1, config: {} })).status, 201, 'the task created');
  const page = await openPage(browser, ns + '/_mock/ui');
  await ready(page);
  // the daemon has the events route: the page follows it, it does not poll
  await page.waitForFunction(() => document.documentElement.dataset.live === 'events', WAIT);
  equal(await barOnPage(page, SIM_FULL), '10', 'the bar before');
  await call(ns + '/connector/task/v2/resume?taskName=' + encodeURIComponent(SIM_FULL), 'POST');
  await waitForState(page, SIM_FULL, 'RUNNING');
  equal(await barOnPage(page, SIM_FULL), '10', 'the bar of a resumed task, the clock not moved');
  // "+1 h" on the page: half of its two hours
  await page.click('[data-advance="3600000"]');
  await waitForBar(page, SIM_FULL, '60');
  equal((await task({ url: ns }, SIM_FULL)).progress, 0.6, 'the progress the daemon shows');
  // an hour more from the API, not the page: the finish is a journal entry,
  // and the stream's event makes the page read it
  await call(ns + '/_mock/clock', 'POST', { advanceMs: 3600000 });
  await waitForState(page, SIM_FULL, 'FINISHED');
  equal(await barOnPage(page, SIM_FULL), '100', 'the bar of the finished task');
  equal(await page.evaluate(() => document.documentElement.dataset.live), 'events', 'the live mode');
  await page.close();
});

test('no console errors on any page', async () => {
  assert(consoleErrors.length === 0, consoleErrors.join('\n'));
});

test('the daemon stops cleanly after serving the page', async () => {
  equal(await daemon.stop(), 0, 'the exit status');
  assert(!/AddressSanitizer|runtime error/.test(daemon.stderr()), daemon.stderr());
});

async function main() {
  let passed = 0;
  let failed = 0;
  let errors = 0;
  try {
    daemon = await startDaemon();
    browser = await launchBrowser();
  } catch (e) {
    console.log('!! cannot start: ' + e.message);
    errors = tests.length;
  }
  for (const t of errors ? [] : tests) {
    const started = Date.now();
    try {
      await t.body();
      passed++;
      console.log('ok   ' + t.name + ' (' + (Date.now() - started) + ' ms)');
    } catch (e) {
      failed++;
      console.log('FAIL ' + t.name + ': ' + e.message);
    }
  }
  await cleanUp();
  const total = passed + failed + errors;
  const percent = total ? Math.floor((passed * 100) / total) : 0;
  console.log(percent + '%: Checks: ' + total + ', Failures: ' + failed + ', Errors: ' + errors);
  process.exitCode = failed || errors ? 1 : 0;
}

process.on('SIGINT', () => cleanUp().then(() => process.exit(130)));
process.on('SIGTERM', () => cleanUp().then(() => process.exit(143)));
main();
