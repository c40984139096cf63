#!/usr/bin/env node
// screenshots.js — docs/ui-light.png and docs/ui-dark.png (make screenshots):
// the page at 1280x800 over the demo fixtures, after a few operations, on a
// frozen clock so that the pictures change only when the page does.
'use strict';

const path = require('node:path');
const { ROOT, startDaemon, launchBrowser, cleanUp, call } = require('./support.js');

// 2026-01-01T09:30:00Z: a fixed instant for the clock and the lags shown
const FROZEN_AT = 1767259800000;
// A namespace of its own, first written after its clock is frozen, so that
// its tasks start (and the simulation moves them) on that clock, not on the
// real time at which the daemon seeded its default namespace.
const NS = '/ns/demo';

async function main() {
  const started = await startDaemon({ fixtures: path.join(ROOT, 'fixtures/demo.json') });
  const daemon = { url: started.url + NS };
  await call(daemon.url + '/_mock/clock', 'POST', { freeze: true, set: FROZEN_AT });
  const tasks = (await call(daemon.url + '/_mock/tasks')).json.tasks;
  const running = tasks.find((t) => t.state === 'RUNNING' && t.componentType === 'incr_trans');
  const stopped = tasks.find((t) => t.state === 'STOPPED' && t.componentType === 'incr_trans');
  const oms = (op, query) => call(daemon.url + '/connector/task/v2/' + op + '?' + new URLSearchParams(query), 'POST');
  // a short story for the journal: stop, a refused update, a fault, a pull back
  await oms('stop', { taskName: running.taskName });
  await oms('resume', { taskName: running.taskName });
  await oms('update', { taskName: running.taskName });
  await call(daemon.url + '/_mock/faults', 'POST', { op: 'migrate', times: 3, action: { type: 'error', errCode: 'INTERNAL_ERROR', errMsg: 'CM is busy', retryable: true } });
  await oms('migrate', { taskName: stopped.taskName, ip: '10.0.9.9' });
  const subtopic = JSON.parse(stopped.config.source.clients)[0].subtopic;
  await call(daemon.url + '/connector/task/v2/update?taskName=' + encodeURIComponent(stopped.taskName), 'POST',
    { source: { checkpoint: JSON.stringify({ [subtopic]: String(FROZEN_AT / 1000 - 5400) }) } });
  await oms('resume', { taskName: stopped.taskName, pullBackFlag: 'true' });

  const browser = await launchBrowser();
  for (const theme of ['light', 'dark']) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: theme }]);
    await page.goto(daemon.url + '/_mock/ui', { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1', { timeout: 30000 });
    // no row flashes as new, no focus ring
    await page.evaluate(() => document.querySelectorAll('.new').forEach((e) => e.classList.remove('new')));
    const file = path.join(ROOT, 'docs', 'ui-' + theme + '.png');
    await page.screenshot({ path: file });
    console.log('wrote ' + path.relative(ROOT, file));
    await page.close();
  }
}

main().catch((e) => {
  console.error('screenshots: ' + e.message);
  process.exitCode = 1;
}).finally(cleanUp);
