// core.js — the dashboard's shared ground: where the page is, its state,
// building elements, talking to the daemon, and formatting. The page's
// scripts are classic scripts loaded in order (core, views, panels, app), so
// their top-level names are shared without a module loader or a build step.
//
// Plain JavaScript, no framework: the page reads the control API (/_mock/...)
// and acts through the real OMS routes (/connector/task/v2/...), so what it
// does lands in the journal exactly as a client's request would. Everything
// is built with DOM calls, never from HTML strings, so no task name or config
// value can inject markup.
'use strict';

// The page lives at /_mock/ui or /ns/{name}/_mock/ui; every call goes to the
// same namespace.
const BASE = location.pathname.replace(/\/_mock\/ui\/?$/, '');
const NAMESPACE = (BASE.match(/^\/ns\/([^/]+)$/) || [null, 'default'])[1];
const TOKEN_KEY = 'connector-mock.token';
const THEME_KEY = 'connector-mock.theme';
const PAGE_SIZE = 50;
const JOURNAL_SHOWN = 100;
const POLL_MS = 2000;

const state = {
  tasks: [],
  tasksText: '',
  byName: new Map(),
  journal: [],
  journalSeen: new Set(),
  rules: null,
  clock: { now: Date.now(), frozen: false, at: Date.now() },
  page: 0,
  selected: null, // the taskName shown in the task dialog
  live: 'connecting',
};

const $ = (id) => document.getElementById(id);

// h('td', {class: 'x', onclick: f}, child, 'text', ...): one element.
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : String(child));
  return node;
}

// ---- talking to the daemon ------------------------------------------------

let tokenPrompt = null;

// Asks for the admin token once, however many calls were refused at once.
function askToken(refused) {
  if (tokenPrompt) return tokenPrompt;
  tokenPrompt = new Promise((resolve) => {
    const dialog = $('token-dialog');
    $('token-error').hidden = !refused;
    $('token-input').value = '';
    const done = () => {
      const token = $('token-input').value.trim();
      if (!token) {
        dialog.showModal();
        return;
      }
      dialog.removeEventListener('close', done);
      sessionStorage.setItem(TOKEN_KEY, token);
      tokenPrompt = null;
      resolve(token);
    };
    dialog.addEventListener('close', done);
    dialog.showModal();
    $('token-input').focus();
  });
  return tokenPrompt;
}

function authHeaders(extra) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return Object.assign(token ? { Authorization: 'Bearer ' + token } : {}, extra || {});
}

// A control-API call: answers the parsed JSON, throws an Error with the
// server's message when refused. A 401 asks for the token and retries.
async function control(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    const init = { method, headers: authHeaders(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(BASE + '/_mock/' + path, init);
    if (response.status === 401) {
      const hadToken = sessionStorage.getItem(TOKEN_KEY) !== null;
      if (hadToken) sessionStorage.removeItem(TOKEN_KEY);
      await askToken(hadToken || attempt > 0);
      continue;
    }
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!response.ok) {
      const error = new Error((json && json.message) || text || response.statusText);
      error.status = response.status;
      error.code = json && json.error;
      throw error;
    }
    return { json, text };
  }
}

// One OMS operation. Answers {ok, envelope, status, text} and never throws:
// a dropped connection or a non-JSON answer is an outcome worth showing.
async function oms(op, params, body) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach((v) => query.append(key, v));
    else if (value !== undefined && value !== '') query.append(key, value);
  }
  const init = { method: 'POST' };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + '/connector/task/v2/' + op + '?' + query, init);
  } catch (e) {
    return { ok: false, status: 0, text: 'no answer: the connection closed (' + e.message + ')' };
  }
  const text = await response.text();
  let envelope = null;
  try { envelope = JSON.parse(text); } catch (e) { envelope = null; }
  return { ok: !!(envelope && envelope.isSuccess), envelope, status: response.status, text };
}

// A dangerous button asks by changing its label; only a second press within
// 4 s goes ahead (no window.confirm, which traps the keyboard and tests).
// Answers whether this press is that second one.
function pressedTwice(button, question) {
  if (button.dataset.armed === '1') {
    clearTimeout(Number(button.dataset.timer));
    button.dataset.armed = '';
    button.textContent = button.dataset.label;
    return true;
  }
  button.dataset.label = button.textContent;
  button.dataset.armed = '1';
  button.textContent = question;
  button.dataset.timer = String(setTimeout(() => {
    button.dataset.armed = '';
    button.textContent = button.dataset.label;
  }, 4000));
  return false;
}

// ---- formatting -------------------------------------------------------------

const TYPE_NAMES = { incr_trans: 'Incr-Sync', full_trans: 'Full-Import' };

function two(n) { return String(n).padStart(2, '0'); }

function formatTime(ms, withDate = true) {
  const d = new Date(ms);
  const time = two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  return withDate ? d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + time : time;
}

// "12 s", "1 min 30 s", "2 h", "1 d 2 h": the largest unit and the next.
function formatDuration(seconds) {
  const units = [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']];
  const s = Math.max(0, Math.round(seconds));
  const first = units.findIndex(([size]) => s >= size);
  if (first < 0) return '0 s';
  const [size, name] = units[first];
  const text = Math.floor(s / size) + ' ' + name;
  if (first + 1 === units.length) return text;
  const [nextSize, nextName] = units[first + 1];
  const next = Math.floor((s % size) / nextSize);
  return next ? text + ' ' + next + ' ' + nextName : text;
}

function clockNow() {
  const c = state.clock;
  return c.frozen ? c.now : c.now + (Date.now() - c.at);
}

function badge(taskState) {
  const known = ['RUNNING', 'STOPPED', 'ABNORMAL', 'CREATED', 'FINISHED'].includes(taskState);
  return h('span', { class: 'badge s-' + (known ? taskState : 'other') }, taskState || '–');
}

// The part of a taskName after the project: "1-0" of PROJECT-TYPE-1-0.
function subIndex(task) {
  const identity = task.identity || '';
  const prefix = task.project + '-' + task.componentType + '-';
  return identity.startsWith(prefix) ? identity.slice(prefix.length) : identity;
}

function progressCell(task) {
  if (typeof task.progress !== 'number') return '';
  const percent = Math.max(0, Math.min(100, task.progress * 100));
  const fill = h('div', { class: 'bar-fill' + (percent >= 100 ? ' done' : '') });
  fill.style.width = percent.toFixed(1) + '%';
  return h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': percent.toFixed(0), 'aria-label': 'Full-Import progress' },
  h('div', { class: 'bar-track' }, fill), h('span', {}, percent.toFixed(percent < 10 ? 1 : 0) + '%'));
}

// An Incr-Sync's position: the simulation's `position`, or the checkpoint.
function positionOf(task) {
  if (typeof task.position === 'number') return task.position;
  return typeof task.checkpoint === 'number' ? task.checkpoint : null;
}

function lagOf(task) {
  if (typeof task.lagSeconds === 'number') return task.lagSeconds;
  const position = positionOf(task);
  return position === null ? null : clockNow() / 1000 - position;
}

function positionCell(task) {
  const position = positionOf(task);
  if (position === null) return '';
  const lag = lagOf(task);
  return h('div', { class: 'position' }, formatTime(position * 1000),
    h('div', { class: 'lag' + (lag > 3600 ? ' far' : '') }, lag <= 0.5 ? 'caught up' : formatDuration(lag) + ' behind'));
}

function lastErrorText(task) {
  const e = task.lastError;
  if (!e) return '';
  if (typeof e === 'string') return e;
  return [e.errCode, e.message || e.errMsg].filter(Boolean).join(': ');
}
