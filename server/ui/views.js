// views.js — the connectors table, the journal and the task dialog with its
// operations.
'use strict';

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
  if (kind === 'delete' && !pressedTwice(button, 'Really delete?')) return;
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
