// support.js — what the browser suite and the screenshot script share:
// starting the real daemon in a temporary directory, launching Debian's
// chromium through puppeteer-core, and cleaning both up.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const puppeteer = require('puppeteer-core');

const ROOT = path.resolve(__dirname, '..', '..');
const BINARY = path.resolve(ROOT, process.env.CONNECTOR_MOCK_BIN || 'build/connector-mock');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = 30000;

const cleanups = [];

function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Starts build/connector-mock on a free port with a fresh database; answers
// {url, stop(), stderr()}. `args` are more flags; `fixtures` a path (default fixtures).
function startDaemon({ args = [], fixtures = path.join(ROOT, 'fixtures/default.json') } = {}) {
  const dir = tempDir('connector-mock-ui-');
  const child = spawn(BINARY, ['--port', '0', '--db', path.join(dir, 'mock.db'), '--fixtures', fixtures,
    '--config', '/dev/null', '--log-level', 'warn', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  // the exit status, or the signal's name when one ended it
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal || code)));
  // SIGTERM, as an operator would; answers how the daemon ended (0: cleanly)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  cleanups.push(stop);
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error('the daemon did not start: ' + stderr)), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/[0-9.]+:[0-9]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], stop, stderr: () => stderr });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error('the daemon exited with ' + code + ': ' + stderr));
    });
  });
}

async function launchBrowser() {
  const profile = tempDir('connector-mock-chromium-');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    protocolTimeout: 120000,
  });
  // closed before the profile directory goes (cleanups run in reverse)
  cleanups.push(() => browser.close().catch(() => {}));
  return browser;
}

// Runs every cleanup, newest first, once.
async function cleanUp() {
  while (cleanups.length) {
    const cleanup = cleanups.pop();
    try {
      await cleanup();
    } catch (e) {
      // keep cleaning: one failure must not leave the rest behind
    }
  }
}

// A control-API or OMS call from the test itself (Node's fetch).
async function call(url, method = 'GET', body, headers = {}) {
  const init = { method, headers: Object.assign({}, headers) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { json = null; }
  return { status: response.status, headers: response.headers, text, json };
}

module.exports = { ROOT, startDaemon, launchBrowser, cleanUp, tempDir, call };
