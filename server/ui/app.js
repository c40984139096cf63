// app.js — keeping the page live (the events stream, or polling) and
// starting it: the last of the page's scripts, run when the others are
// loaded.
'use strict';

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

function wireTable() {
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
}

function wireTaskDialog() {
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
}

function wirePanels() {
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
  $('reset').addEventListener('click', onReset);
  $('namespace').addEventListener('change', (event) => openNamespace(event.target.value));
  $('namespace-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('namespace-new').value.trim();
    if (name) openNamespace(name);
  });
  setInterval(() => { if (!document.hidden) renderClock(); }, 1000);
}

async function start() {
  if (NAMESPACE !== 'default') document.title = 'connector-mock · ' + NAMESPACE;
  wireTable();
  wireTaskDialog();
  wirePanels();
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
