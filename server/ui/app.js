// connector-mock's dashboard. Plain JavaScript, no framework: the page reads
// the control API (/_mock/...) and acts through the real OMS routes
// (/connector/task/v2/...), so what it does lands in the journal exactly as a
// client's request would. Everything is built with DOM calls, never from
// HTML strings, so no task name or config value can inject markup.
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

// ---- the connectors table ----------------------------------------------------

function filteredTasks() {
  const wanted = $('filter-state').value;
  const type = $('filter-type').value;
  const search = $('search').value.trim().toLowerCase();
  return state.tasks.filter((task) =>
    (!wanted || task.state === wanted) &&
    (!type || task.componentType === type) &&
    (!search || task.taskName.toLowerCase().includes(search)));
}

function taskRow(task) {
  const row = h('tr', { tabindex: '0', 'data-task': task.taskName, 'aria-label': 'Task ' + task.taskName,
    onclick: () => openTask(task.taskName),
    onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); openTask(task.taskName); } } },
  h('td', {},
    h('div', { class: 'name' }, task.project, h('span', { class: 'tag' }, TYPE_NAMES[task.componentType] || task.componentType),
      h('span', { class: 'tag' }, subIndex(task))),
    h('div', { class: 'where mono' }, task.host + ':' + task.port + ' · SEQ ' + String(task.seq).padStart(10, '0'))),
  h('td', { 'data-state': task.state }, badge(task.state)),
  h('td', {}, progressCell(task)),
  h('td', {}, positionCell(task)),
  h('td', { class: 'error-cell' }, h('span', { title: lastErrorText(task) }, lastErrorText(task))));
  return row;
}

function renderCounts() {
  const counts = {};
  for (const task of state.tasks) counts[task.state] = (counts[task.state] || 0) + 1;
  const wanted = $('filter-state').value;
  const chips = (state.rules ? state.rules.states : Object.keys(counts)).map((name) =>
    h('button', { type: 'button', class: 's-' + name, 'aria-pressed': String(wanted === name),
      onclick: () => { $('filter-state').value = wanted === name ? '' : name; state.page = 0; renderTasks(); } },
    badge(name), ' ', String(counts[name] || 0)));
  $('state-counts').replaceChildren(...chips);
}

function renderTasks() {
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.task : null;
  const tasks = filteredTasks();
  const pages = Math.max(1, Math.ceil(tasks.length / PAGE_SIZE));
  state.page = Math.min(state.page, pages - 1);
  const shown = tasks.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
  $('task-rows').replaceChildren(...shown.map(taskRow));
  $('task-empty').hidden = tasks.length > 0;
  const first = tasks.length ? state.page * PAGE_SIZE + 1 : 0;
  $('page-info').textContent = first + '–' + (state.page * PAGE_SIZE + shown.length) + ' of ' +
    tasks.length.toLocaleString('en') + (tasks.length !== state.tasks.length ? ' (of ' + state.tasks.length.toLocaleString('en') + ')' : '');
  $('page-prev').disabled = state.page === 0;
  $('page-next').disabled = state.page >= pages - 1;
  renderCounts();
  if (focused) {
    const again = $('task-rows').querySelector('tr[data-task="' + CSS.escape(focused) + '"]');
    if (again) again.focus();
  }
}

function setTasks(text) {
  if (text === state.tasksText) return;
  state.tasksText = text;
  state.tasks = JSON.parse(text).tasks;
  state.byName = new Map(state.tasks.map((task) => [task.taskName, task]));
  renderTasks();
  if (state.selected) renderTaskDialog();
}

// ---- the journal -------------------------------------------------------------

function outcome(entry) {
  return entry.isSuccess ? h('span', { class: 'outcome-ok' }, 'ok')
    : h('span', { class: 'outcome-bad' }, entry.errCode || ('HTTP ' + entry.httpStatus));
}

function shortName(name) {
  // PROJECT-TYPE-SUB-IDX:SEQ reads better than the full name in a narrow column
  const match = /:connector_v2:(.+)$/.exec(name || '');
  return match ? match[1] : (name || '');
}

// PROJECT on one line, TYPE-SUB-IDX and SEQ below: a full name does not fit
// the journal's column
function journalTask(name) {
  const match = /:connector_v2:([A-Za-z0-9_*]+)-(.+):([0-9]{10})$/.exec(name || '');
  if (!match) return h('span', { class: 'mono' }, name || '');
  return [h('span', { class: 'mono' }, match[1]), h('span', { class: 'sub mono' }, match[2] + ' · SEQ ' + Number(match[3]))];
}

function transitionText(entry) {
  if (!entry.fromState && !entry.toState) return '';
  if (!entry.isSuccess) return entry.fromState ? 'in ' + entry.fromState : '';
  const to = entry.toState || (entry.op === 'delete' && entry.isSuccess ? 'deleted' : '–');
  return (entry.fromState || '–') + ' → ' + to;
}

function journalRow(entry, isNew) {
  const transition = transitionText(entry);
  return h('tr', { tabindex: '0', class: isNew ? 'new' : null, 'data-entry': String(entry.id), 'data-op': entry.op,
    'data-transition': transition, 'data-outcome': entry.isSuccess ? 'ok' : (entry.errCode || 'HTTP ' + entry.httpStatus),
    'aria-label': 'Journal entry ' + entry.id + ': ' + entry.op + ' ' + (entry.isSuccess ? 'ok' : entry.errCode || ''),
    onclick: () => openEntry(entry),
    onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); openEntry(entry); } } },
  h('td', {}, h('b', {}, entry.op), transition ? h('span', { class: 'sub' }, transition) : null),
  h('td', { title: entry.taskName || '' }, journalTask(entry.taskName)),
  h('td', {}, outcome(entry), entry.injected ? h('span', { class: 'injected' }, 'injected: ' + entry.injected) : null,
    h('span', { class: 'sub mono' }, formatTime(entry.time, false))));
}

function setJournal(entries) {
  const fresh = state.journalSeen.size > 0;
  const newest = entries.slice(-JOURNAL_SHOWN).reverse();
  const rows = newest.map((entry) => journalRow(entry, fresh && !state.journalSeen.has(entry.id)));
  state.journal = newest;
  state.journalSeen = new Set(newest.map((entry) => entry.id));
  state.journalSeen.add(-1); // not empty any more: later entries flash
  $('journal-rows').replaceChildren(...rows);
  $('journal-empty').hidden = newest.length > 0;
}

function openEntry(entry) {
  $('entry-title').textContent = 'Journal entry ' + entry.id + ': ' + entry.op;
  const facts = [['time', formatTime(entry.time)], ['client', entry.client], ['taskName', entry.taskName],
    ['state', (entry.fromState || '–') + ' → ' + (entry.toState || '–')], ['HTTP', entry.httpStatus],
    ['outcome', entry.isSuccess ? 'success' : entry.errCode], ['injected', entry.injected],
    ['newTaskName', entry.newTaskName]];
  $('entry-facts').replaceChildren(...facts.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => h('span', { class: k === 'taskName' || k === 'newTaskName' ? 'break' : null }, h('b', {}, k), String(v))));
  $('entry-params').textContent = JSON.stringify(entry.params, null, 2);
  let body = entry.body;
  if (typeof body === 'string') { try { body = JSON.parse(body); } catch (e) { /* shown as it came */ } }
  $('entry-body').textContent = body === null || body === undefined ? '(none)' : typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  $('entry-dialog').showModal();
}

// ---- the task dialog -----------------------------------------------------------

// The rules' verdict for op (with a resume flag) on this task, or null.
function verdict(op, flag, task) {
  if (!state.rules) return null;
  return state.rules.transitions.find((row) => row.op === op && row.flag === flag &&
    row.from === task.state && row.type === task.componentType) || null;
}

const ACTIONS = {
  resume: { op: 'resume', flag: null, params: {} },
  stop: { op: 'stop', flag: null, params: {} },
  restart: { op: 'resume', flag: 'restartFlag', params: { restartFlag: 'true' } },
  delete: { op: 'delete', flag: null, params: {} },
};

function clientsOf(task) {
  try {
    const clients = JSON.parse(((task.config || {}).source || {}).clients || '[]');
    return Array.isArray(clients) ? clients.filter((c) => c && typeof c === 'object') : [];
  } catch (e) {
    return [];
  }
}

function toLocalInput(ms) {
  const d = new Date(ms);
  return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + 'T' +
    two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
}

function configRow(scope, key, value, isNew) {
  return h('tr', { 'data-scope': scope, 'data-key': key, 'data-value': value, 'data-new': isNew ? '1' : null },
    h('td', {}, isNew ? h('input', { name: 'scope', value: scope, 'aria-label': 'Scope', placeholder: 'source' }) : scope),
    h('td', { class: 'mono break' }, isNew ? h('input', { name: 'key', 'aria-label': 'Key', placeholder: 'key' }) : key),
    h('td', {}, h('input', { name: 'value', value: value, 'aria-label': 'Value of ' + scope + '.' + key })),
    h('td', {}, isNew ? '' : h('input', { type: 'checkbox', name: 'delete', 'aria-label': 'Delete ' + scope + '.' + key })));
}

function fillTaskForms(task) {
  const clients = clientsOf(task);
  const select = $('pull-back-form').elements.subtopic;
  select.replaceChildren(...clients.flatMap((c) => [c.subtopic, c.clientId].filter(Boolean)
    .map((value) => h('option', { value }, value + (value === c.clientId ? ' (clientId)' : '')))));
  select.closest('label').hidden = clients.length === 0;
  $('pull-back-form').querySelector('[data-free]').hidden = clients.length > 0;
  $('pull-back-form').elements.time.value = toLocalInput(clockNow() - 3600 * 1000);
  const rows = [];
  for (const [scope, keys] of Object.entries(task.config || {}))
    for (const [key, value] of Object.entries(keys)) rows.push(configRow(scope, key, value, false));
  $('config-rows').replaceChildren(...rows);
  $('migrate-form').elements.ip.value = '';
}

function renderTaskDialog() {
  const task = state.byName.get(state.selected);
  if (!task) return; // deleted or migrated: the result says where it went
  $('task-title').replaceChildren(task.project + ' ', h('span', { class: 'tag' }, TYPE_NAMES[task.componentType] || task.componentType), ' ', badge(task.state));
  $('task-name').textContent = task.taskName;
  const facts = [['host', task.host + ':' + task.port], ['SEQ', String(task.seq).padStart(10, '0')],
    ['progress', typeof task.progress === 'number' ? (task.progress * 100).toFixed(1) + '%' : null],
    ['checkpoint', typeof task.checkpoint === 'number' ? formatTime(task.checkpoint * 1000) + ' (' + task.checkpoint + ')' : null],
    ['last error', lastErrorText(task) || null], ['updated', formatTime(task.updatedAt)]];
  $('task-facts').replaceChildren(...facts.filter(([, v]) => v !== null).map(([k, v]) => h('span', {}, h('b', {}, k), v)));
  for (const button of document.querySelectorAll('#task-dialog [data-op]')) {
    const action = ACTIONS[button.dataset.op];
    const rule = verdict(action.op, action.flag, task);
    const refused = rule && !rule.allowed;
    button.classList.toggle('refused', !!refused);
    button.title = refused ? 'The rules refuse this: ' + rule.errCode + ' (' + rule.reason + ')' : '';
  }
}

function openTask(name) {
  state.selected = name;
  $('task-result').hidden = true;
  const task = state.byName.get(name);
  if (!task) return;
  fillTaskForms(task);
  renderTaskDialog();
  $('task-dialog').showModal();
}

// Shows what the daemon answered to the steps of one action.
function showResult(steps, taskName) {
  const box = $('task-result');
  const failed = steps.find((step) => !step.ok);
  box.className = 'result ' + (failed ? 'bad' : 'ok');
  box.replaceChildren(...steps.map((step) => {
    const e = step.envelope;
    if (step.ok) return h('p', {}, h('b', {}, step.label), ': success', e && e.result && e.result !== taskName ? ' → ' + e.result : '');
    if (!e) return h('p', {}, h('b', {}, step.label), ': ', step.status ? 'HTTP ' + step.status + ' ' : '', h('span', { class: 'mono' }, step.text.slice(0, 300)));
    const detail = e.errorDetail || {};
    return h('div', { 'data-error': e.errCode || '' },
      h('p', {}, h('b', {}, step.label), ': refused ', h('span', { class: 'code' }, e.errCode || 'error'), e.retryable ? ' (retryable)' : ''),
      h('p', {}, e.errMsg || ''),
      detail.proposal ? h('p', { class: 'muted' }, 'Proposal: ' + detail.proposal) : null);
  }));
  box.hidden = false;
}

// Runs the steps in order, stopping at the first refusal, then refreshes.
// After a migrate the dialog follows the task to its new name.
async function runSteps(steps) {
  const taskName = state.selected;
  const done = [];
  for (const step of steps) {
    const answer = await oms(step.op, Object.assign({ taskName }, step.params), step.body);
    answer.label = step.label;
    done.push(answer);
    if (!answer.ok) break;
  }
  const last = done[done.length - 1];
  if (last.ok && steps[done.length - 1].op === 'migrate' && last.envelope.result) state.selected = last.envelope.result;
  showResult(done, taskName);
  await refresh();
  return done;
}

function onActionButton(event) {
  const button = event.target.closest('[data-op]');
  if (!button) return;
  const kind = button.dataset.op;
  if (kind === 'delete' && button.dataset.armed !== '1') {
    // a second press confirms: no window.confirm, which traps keyboard and tests
    button.dataset.armed = '1';
    button.textContent = 'Really delete?';
    setTimeout(() => { button.dataset.armed = ''; button.textContent = 'Delete'; }, 4000);
    return;
  }
  button.dataset.armed = '';
  if (kind === 'delete') button.textContent = 'Delete';
  const action = ACTIONS[kind];
  const label = kind === 'restart' ? 'resume restartFlag=true' : kind;
  runSteps([{ op: action.op, params: action.params, label }]);
}

async function onPullBack(event) {
  event.preventDefault();
  const task = state.byName.get(state.selected);
  if (!task) return;
  const form = event.target;
  const ms = new Date(form.elements.time.value).getTime();
  if (!Number.isFinite(ms)) return;
  const key = clientsOf(task).length ? form.elements.subtopic.value : form.elements.key.value.trim();
  const checkpoint = JSON.stringify({ [key]: String(Math.floor(ms / 1000)) });
  const steps = [];
  if (task.state === 'RUNNING') steps.push({ op: 'stop', params: {}, label: 'stop' });
  steps.push({ op: 'update', params: {}, body: { source: { checkpoint } }, label: 'update source.checkpoint' });
  steps.push({ op: 'resume', params: { pullBackFlag: 'true' }, label: 'resume pullBackFlag=true' });
  await runSteps(steps);
}

async function onUpdate(event) {
  event.preventDefault();
  const body = {};
  const deletes = [];
  for (const row of $('config-rows').children) {
    const value = row.querySelector('[name=value]').value;
    if (row.dataset.new) {
      const scope = row.querySelector('[name=scope]').value.trim();
      const key = row.querySelector('[name=key]').value.trim();
      if (scope && key) (body[scope] = body[scope] || {})[key] = value;
      continue;
    }
    const { scope, key } = row.dataset;
    if (row.querySelector('[name=delete]').checked) deletes.push(scope + '.' + key);
    else if (value !== row.dataset.value) (body[scope] = body[scope] || {})[key] = value;
  }
  const done = await runSteps([{ op: 'update', params: { deleteParams: deletes }, body, label: 'update' }]);
  const task = state.byName.get(state.selected);
  if (done[done.length - 1].ok && task) fillTaskForms(task);
}

async function onMigrate(event) {
  event.preventDefault();
  await runSteps([{ op: 'migrate', params: { ip: event.target.elements.ip.value.trim() }, label: 'migrate' }]);
}

async function onFail(event) {
  event.preventDefault();
  const name = state.selected;
  try {
    await control('POST', 'tasks/' + encodeURIComponent(name) + '/fail', { message: event.target.elements.message.value });
    showResult([{ ok: true, label: 'fail (control API)' }]);
  } catch (e) {
    showResult([{ ok: false, label: 'fail (control API)', status: e.status, text: e.message }]);
  }
  await refresh();
}

// ---- clock, faults, snapshots, namespaces ---------------------------------------

function renderClock() {
  $('clock-now').textContent = formatTime(clockNow());
  $('clock-now').dateTime = new Date(clockNow()).toISOString();
  $('clock-frozen').hidden = !state.clock.frozen;
  $('clock-freeze').textContent = state.clock.frozen ? 'Unfreeze' : 'Freeze';
}

function setClock(json) {
  state.clock = { now: json.now, frozen: json.frozen, at: Date.now() };
  renderClock();
}

async function moveClock(body) {
  try {
    setClock((await control('POST', 'clock', body)).json);
    await refresh();
  } catch (e) {
    notice('The clock did not move: ' + e.message, true);
  }
}

function faultSummary(f) {
  const a = f.action || {};
  const what = a.type === 'error' ? 'error ' + a.errCode : a.type === 'delay' || a.type === 'hang' ? a.type + ' ' + a.ms + ' ms'
    : a.type === 'lost_ack' ? 'lost_ack then ' + a.then : a.type;
  return '#' + f.id + ' ' + f.op + (f.taskName ? ' on ' + shortName(f.taskName) : '') + ': ' + what +
    ' · times ' + (f.times < 0 ? '∞' : f.times) + ' · hits ' + (f.hits || 0);
}

async function loadFaults() {
  const { json } = await control('GET', 'faults');
  $('fault-list').replaceChildren(...json.faults.map((f) => h('li', {}, h('span', { class: 'grow' }, faultSummary(f)),
    h('button', { type: 'button', 'aria-label': 'Remove fault ' + f.id, onclick: async () => {
      await control('DELETE', 'faults/' + f.id).catch((e) => notice(e.message, true));
      loadFaults();
    } }, 'Remove'))));
}

function showFaultFields() {
  const type = $('fault-form').elements.type.value;
  const then = $('fault-form').elements.then.value;
  for (const label of $('fault-form').querySelectorAll('[data-for]')) {
    const wanted = label.dataset.for;
    label.hidden = !(wanted === type || (wanted === 'error' && type === 'lost_ack' && then === 'error'));
  }
}

async function onFault(event) {
  event.preventDefault();
  const f = event.target.elements;
  const action = { type: f.type.value };
  if (action.type === 'lost_ack') action.then = f.then.value;
  if (action.type === 'error' || (action.type === 'lost_ack' && action.then === 'error')) {
    action.errCode = f.errCode.value.trim() || 'INJECTED_FAULT';
    if (f.errMsg.value.trim()) action.errMsg = f.errMsg.value.trim();
    action.retryable = f.retryable.checked;
  }
  if (action.type === 'delay') action.ms = Number(f.ms.value);
  const fault = { op: f.op.value, times: Number(f.times.value), action };
  if (f.taskName.value.trim()) fault.taskName = f.taskName.value.trim();
  try {
    const { json } = await control('POST', 'faults', fault);
    notice('Fault #' + json.id + ' injected.');
  } catch (e) {
    notice('The fault was refused: ' + e.message, true);
  }
  loadFaults();
}

async function loadSnapshots(json) {
  const list = json || (await control('GET', 'snapshots')).json;
  $('snapshot-list').replaceChildren(...list.snapshots.map((s) => h('li', {},
    h('span', { class: 'grow' }, h('b', {}, s.name), ' · ' + s.tasks + ' tasks · ' + formatTime(s.createdAt)),
    h('button', { type: 'button', onclick: () => snapshotCall('POST', 'snapshots/' + encodeURIComponent(s.name) + '/restore', undefined, 'Restored ' + s.name + '.') }, 'Restore'),
    h('button', { type: 'button', class: 'danger', 'aria-label': 'Delete snapshot ' + s.name,
      onclick: () => snapshotCall('DELETE', 'snapshots/' + encodeURIComponent(s.name), undefined, 'Deleted snapshot ' + s.name + '.') }, 'Delete'))));
}

async function snapshotCall(method, path, body, message) {
  try {
    await loadSnapshots((await control(method, path, body)).json);
    notice(message);
    await refresh();
  } catch (e) {
    notice(e.message, true);
  }
}

async function loadNamespaces() {
  const { json } = await control('GET', 'namespaces');
  const names = json.namespaces.map((n) => n.name);
  if (!names.includes(NAMESPACE)) names.push(NAMESPACE);
  $('namespace').replaceChildren(...names.sort().map((name) => h('option', { value: name, selected: name === NAMESPACE }, name)));
}

function openNamespace(name) {
  location.assign(name === 'default' ? '/_mock/ui' : '/ns/' + encodeURIComponent(name) + '/_mock/ui');
}

let noticeTimer = 0;
function notice(text, bad) {
  const box = $('notice');
  box.textContent = text;
  box.className = 'notice' + (bad ? ' bad' : '');
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

// ---- the state machine -------------------------------------------------------------

// Where each state sits; a state this page does not know goes on a row below.
const LAYOUT = { CREATED: [120, 60], RUNNING: [460, 60], FINISHED: [800, 60], STOPPED: [280, 230], ABNORMAL: [640, 230] };

// Groups the allowed transitions without a resume flag: an arrow per pair of
// different states, and per state the operations that keep it or delete it.
function machineShape(rules) {
  const edges = new Map(); // "from>to" -> {from, to, ops}
  const keeps = new Map(); // state -> Set of ops that keep it
  const removes = new Map(); // state -> Set of ops that delete the task
  const add = (map, key, op) => map.set(key, (map.get(key) || new Set()).add(op));
  for (const row of rules.transitions) {
    if (!row.allowed || row.flag) continue;
    if (row.effect === 'remove') add(removes, row.from, row.op);
    else if (row.to === row.from) add(keeps, row.from, row.op);
    else if (row.to) {
      const key = row.from + '>' + row.to;
      if (!edges.has(key)) edges.set(key, { from: row.from, to: row.to, ops: new Set() });
      edges.get(key).ops.add(row.op);
    }
  }
  return { edges: [...edges.values()], keeps, removes };
}

function drawMachine(rules) {
  const spare = rules.states.filter((s) => !LAYOUT[s]);
  const where = (s) => LAYOUT[s] || [120 + 220 * spare.indexOf(s), 380];
  const width = 920, height = spare.length ? 430 : 300;
  const { edges, keeps, removes } = machineShape(rules);
  const W = 150, H = 64;
  const root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img',
    'aria-label': 'The connector state machine: ' + edges.map((e) => e.from + ' to ' + e.to + ' by ' + [...e.ops].join(' or ')).join('; ') });
  root.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z' }))));
  // an edge leaves and enters at the boxes' borders, bent to one side so that
  // the two directions between a pair of states do not overlap
  const border = (cx, cy, dx, dy) => {
    const scale = Math.min(Math.abs((W / 2 + 4) / (dx || 1e-9)), Math.abs((H / 2 + 4) / (dy || 1e-9)));
    return [cx + dx * scale, cy + dy * scale];
  };
  for (const edge of edges) {
    const [x1, y1] = where(edge.from), [x2, y2] = where(edge.to);
    const dx = x2 - x1, dy = y2 - y1, length = Math.hypot(dx, dy);
    const bend = 24, mx = (x1 + x2) / 2 - (dy / length) * bend, my = (y1 + y2) / 2 + (dx / length) * bend;
    const [sx, sy] = border(x1, y1, mx - x1, my - y1);
    const [ex, ey] = border(x2, y2, mx - x2, my - y2);
    const text = [...edge.ops].join(', ');
    const lx = (sx + 2 * mx + ex) / 4, ly = (sy + 2 * my + ey) / 4;
    root.append(svg('g', { class: 'edge', 'data-from': edge.from, 'data-to': edge.to },
      svg('path', { d: `M${sx},${sy} Q${mx},${my} ${ex},${ey}`, 'marker-end': 'url(#arrow)' }),
      svg('rect', { x: lx - text.length * 3.4 - 5, y: ly - 9, width: text.length * 6.8 + 10, height: 17, rx: 4 }),
      svg('text', { x: lx, y: ly + 4 }, text)));
  }
  for (const name of rules.states) {
    const [x, y] = where(name);
    const lines = [keeps.has(name) ? '↻ ' + [...keeps.get(name)].join(', ') : null,
      removes.has(name) ? '✕ ' + [...removes.get(name)].join(', ') : null].filter(Boolean);
    const top = y + 5 - lines.length * 8;
    root.append(svg('g', { class: 'node s-' + name, 'data-state': name },
      svg('rect', { x: x - W / 2, y: y - H / 2, width: W, height: H, rx: 10 }),
      svg('text', { x, y: top }, name),
      lines.map((line, i) => svg('text', { class: 'loops', x, y: top + 16 * (i + 1) }, line))));
  }
  const note = h('p', { class: 'muted small' }, 'Arrows: operations that move a task. ↻ keeps the state, ✕ deletes the task. ' +
    'ABNORMAL is also reached by POST /_mock/tasks/{name}/fail' + (rules.lenient ? '. Lenient mode: a repeated stop or resume succeeds.' : '.'));
  $('machine').replaceChildren(root, note, drawMatrix(rules));
}

// The whole table as text: every op (and resume flag) against every state.
function drawMatrix(rules) {
  const variants = [];
  for (const row of rules.transitions) {
    const key = row.op + (row.flag ? ' ' + row.flag : '');
    if (!variants.includes(key)) variants.push(key);
  }
  const cell = (key, from) => {
    const rows = rules.transitions.filter((r) => (r.op + (r.flag ? ' ' + r.flag : '')) === key && r.from === from);
    const texts = [...new Set(rows.map((r) => (r.allowed ? '✓ ' + (r.effect === 'remove' ? 'gone' : r.to || 'no change') : r.errCode) +
      (rows.length > 1 && rows.some((o) => (o.allowed ? o.to : o.errCode) !== (r.allowed ? r.to : r.errCode)) ? ' (' + TYPE_NAMES[r.type] + ')' : '')))];
    return h('td', { class: rows.every((r) => r.allowed) ? 'yes' : 'no', title: rows.filter((r) => !r.allowed).map((r) => r.reason).join('; ') }, texts.join(' / '));
  };
  return h('details', { class: 'matrix' }, h('summary', {}, 'Every operation in every state'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'operation'), rules.states.map((s) => h('th', { scope: 'col' }, s)))),
      h('tbody', {}, variants.map((key) => h('tr', {}, h('th', { scope: 'row' }, key), rules.states.map((s) => cell(key, s)))))));
}

// ---- live updates: Server-Sent Events, or polling --------------------------------------

let refreshing = null;
let refreshAgain = false;
let lastTasksMs = 0;

async function loadRules() {
  const rules = (await control('GET', 'rules')).json;
  state.rules = rules;
  const chosen = $('filter-state').value;
  $('filter-state').replaceChildren(h('option', { value: '' }, 'any'),
    ...rules.states.map((s) => h('option', { value: s, selected: s === chosen }, s)));
  drawMachine(rules);
}

async function refreshOnce() {
  if (!state.rules) await loadRules(); // the first try may have met a daemon that was not up
  const started = performance.now();
  const [tasks, journal, clock] = await Promise.all([control('GET', 'tasks'),
    control('GET', 'journal?limit=' + JOURNAL_SHOWN), control('GET', 'clock')]);
  lastTasksMs = performance.now() - started;
  setClock(clock.json);
  setTasks(tasks.text);
  setJournal(journal.json.entries);
}

// Reads tasks, journal and clock. One refresh at a time: a call made while
// one runs makes it run once more, so that its caller sees a state read
// after the call.
function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      do {
        refreshAgain = false;
        await refreshOnce();
      } while (refreshAgain);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function setLive(mode) {
  state.live = mode;
  const live = $('live');
  live.textContent = mode === 'events' ? 'live (events)' : mode === 'polling' ? 'live (polling)' : mode;
  live.className = 'live' + (mode === 'events' || mode === 'polling' ? ' on' : mode === 'offline' ? ' off' : '');
  document.documentElement.dataset.live = mode;
}

// Polls while the events stream is not there. The interval grows with how
// long a refresh takes, so that 10,000 tasks do not keep the page busy.
let pollTimer = 0;
function schedulePoll() {
  clearTimeout(pollTimer);
  const interval = Math.max(POLL_MS, lastTasksMs * 4);
  pollTimer = setTimeout(async () => {
    if (state.live === 'events') return;
    if (!document.hidden) {
      try {
        await refresh();
        if (state.live !== 'polling') setLive('polling');
      } catch (e) {
        setLive('offline');
      }
    }
    schedulePoll();
  }, interval);
}

// Splits a stream of text into SSE events ({id, event, data}), as the HTML
// standard's event-stream parser does: lines end in CRLF, LF or CR (a CR at
// a chunk's end may be the first half of a CRLF), a blank line dispatches,
// and the id is the last one seen, kept across events. `lastId()` answers it.
function sseParser(onEvent) {
  let buffer = '';
  let id;
  let type = '';
  let data = [];
  const line = (text) => {
    if (text === '') {
      if (data.length) onEvent({ id, event: type || 'message', data: data.join('\n') });
      type = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
  };
  const feed = (chunk) => {
    buffer += chunk;
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      if (end < 0 || (end === buffer.length - 1 && buffer[end] === '\r')) return;
      const size = buffer.startsWith('\r\n', end) ? 2 : 1;
      line(buffer.slice(0, end));
      buffer = buffer.slice(end + size);
    }
  };
  return { feed, lastId: () => id };
}

let lastEventId = null;
let eventRefreshTimer = 0;

// An event names a journal entry or a task: refresh soon, coalescing bursts.
function onServerEvent() {
  clearTimeout(eventRefreshTimer);
  eventRefreshTimer = setTimeout(() => refresh().catch(() => setLive('offline')), 150);
}

// Streams /_mock/events with fetch (EventSource cannot send the token).
// Answers 'absent' when the daemon has no events route (the caller polls
// instead), 'empty' when a stream ended before anything came, 'streamed'
// when one delivered; the caller reconnects with Last-Event-ID.
async function streamEvents() {
  const headers = authHeaders({ Accept: 'text/event-stream' });
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  let response;
  try {
    response = await fetch(BASE + '/_mock/events', { headers });
  } catch (e) {
    return 'absent';
  }
  const type = response.headers.get('Content-Type') || '';
  if (response.status === 401) {
    await askToken(sessionStorage.getItem(TOKEN_KEY) !== null);
    return streamEvents();
  }
  if (!response.ok || !type.startsWith('text/event-stream') || !response.body) {
    if (response.body) response.body.cancel().catch(() => {});
    return 'absent';
  }
  setLive('events');
  await refresh().catch(() => {});
  const parser = sseParser(onServerEvent);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let received = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received = true;
      parser.feed(value);
      if (parser.lastId() !== undefined) lastEventId = parser.lastId();
    }
  } catch (e) {
    // the stream broke: reconnect below
  }
  return received ? 'streamed' : 'empty';
}

async function keepLive() {
  let failures = 0;
  for (;;) {
    const outcome = await streamEvents();
    if (outcome === 'absent') {
      setLive('polling');
      schedulePoll();
      // try the stream again now and then: a daemon may be upgraded under us
      setTimeout(() => { clearTimeout(pollTimer); keepLive(); }, 60000);
      return;
    }
    // back off while streams end empty; a stream that delivered resets it
    failures = outcome === 'streamed' ? 0 : failures + 1;
    setLive('connecting');
    await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 500 * 2 ** Math.min(failures, 6))));
  }
}

// ---- start ---------------------------------------------------------------------------

function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  const dark = theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  $('theme').textContent = dark ? 'Light' : 'Dark';
  $('theme').setAttribute('aria-pressed', String(dark));
}

function wire() {
  applyTheme(localStorage.getItem(THEME_KEY));
  $('theme').addEventListener('click', () => {
    const dark = $('theme').getAttribute('aria-pressed') === 'true';
    localStorage.setItem(THEME_KEY, dark ? 'light' : 'dark');
    applyTheme(dark ? 'light' : 'dark');
  });
  for (const id of ['filter-state', 'filter-type']) $(id).addEventListener('change', () => { state.page = 0; renderTasks(); });
  $('search').addEventListener('input', () => { state.page = 0; renderTasks(); });
  $('page-prev').addEventListener('click', () => { state.page--; renderTasks(); });
  $('page-next').addEventListener('click', () => { state.page++; renderTasks(); });
  $('task-dialog').querySelector('.actions').addEventListener('click', onActionButton);
  $('task-dialog').addEventListener('close', () => { state.selected = null; });
  $('pull-back-form').addEventListener('submit', onPullBack);
  $('update-form').addEventListener('submit', onUpdate);
  $('config-add').addEventListener('click', () => {
    const row = configRow('', '', '', true);
    $('config-rows').append(row);
    row.querySelector('input').focus();
  });
  $('migrate-form').addEventListener('submit', onMigrate);
  $('fail-form').addEventListener('submit', onFail);
  $('fault-form').addEventListener('submit', onFault);
  $('fault-form').elements.type.addEventListener('change', showFaultFields);
  $('fault-form').elements.then.addEventListener('change', showFaultFields);
  showFaultFields();
  $('faults-clear').addEventListener('click', async () => {
    await control('DELETE', 'faults').catch((e) => notice(e.message, true));
    loadFaults();
  });
  $('clock-freeze').addEventListener('click', () => moveClock({ freeze: !state.clock.frozen }));
  for (const button of document.querySelectorAll('[data-advance]'))
    button.addEventListener('click', () => moveClock({ advanceMs: Number(button.dataset.advance) }));
  $('snapshot-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = event.target.elements.name.value.trim();
    snapshotCall('POST', 'snapshots', { name }, 'Saved snapshot ' + name + '.');
  });
  $('reset').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    if (button.dataset.armed !== '1') {
      button.dataset.armed = '1';
      button.textContent = 'Really reset?';
      setTimeout(() => { button.dataset.armed = ''; button.textContent = 'Reset the namespace'; }, 4000);
      return;
    }
    button.dataset.armed = '';
    button.textContent = 'Reset the namespace';
    try {
      await control('POST', 'reset');
      notice('The namespace is back to its fixtures.');
      await refresh();
    } catch (e) {
      notice('Reset failed: ' + e.message, true);
    }
  });
  $('namespace').addEventListener('change', (event) => openNamespace(event.target.value));
  $('namespace-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('namespace-new').value.trim();
    if (name) openNamespace(name);
  });
  setInterval(() => { if (!document.hidden) renderClock(); }, 1000);
}

async function start() {
  wire();
  for (const name of ['CREATED', 'RUNNING', 'STOPPED', 'ABNORMAL', 'FINISHED']) $('filter-state').append(h('option', { value: name }, name));
  try {
    await loadRules();
    await refresh();
    await Promise.all([loadFaults(), loadSnapshots(), loadNamespaces()]);
  } catch (e) {
    notice('The daemon did not answer: ' + e.message, true);
    setLive('offline');
  }
  document.documentElement.dataset.ready = '1';
  keepLive();
}

start();
