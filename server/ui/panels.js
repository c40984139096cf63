// panels.js — the clock, faults, snapshots and namespaces, and the state
// machine drawn from GET /_mock/rules.
'use strict';

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

async function onReset(event) {
  if (!pressedTwice(event.currentTarget, 'Really reset?')) return;
  try {
    await control('POST', 'reset');
    notice('The namespace is back to its fixtures.');
    await refresh();
  } catch (e) {
    notice('Reset failed: ' + e.message, true);
  }
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
