-- common.lua — shared by the wrk scripts of bench/ (loaded with dofile).
--
-- Environment:
--   BENCH_TASKS   a file of task names, one a line (the tasks to work on)
--   BENCH_THREADS the number of wrk threads (-t), to slice the tasks
--   BENCH_DELAY_MS (optional) a pause before each request of a connection
--
-- Each wrk thread works on its own slice of the tasks (task j goes to
-- thread j % BENCH_THREADS), so no two threads ever touch one task. Within
-- a thread, a task is never sent a second request while its first is in
-- flight (`pending`), and the task a response is about is read back from
-- the response itself (the number of its project, p_bench<N>), so the
-- expected state of each task is known whatever the order of answers.
--
-- Every script counts `ok` and `bad` answers in response(); done() adds them
-- over the threads and prints one line that bench/run.sh reads:
--   BENCH_RESULT requests=.. duration_us=.. rps=.. p50_us=.. p99_us=..
--     p999_us=.. ok=.. bad=.. connect=.. read=.. write=.. status=.. timeout=..

bench = {}

function bench.urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

-- The number N of a task's project p_benchN: its key in the tables below.
function bench.key(text)
   local n = text:match("p_bench(%d+)%-")
   return n and tonumber(n)
end

function bench.load_tasks()
   local path = os.getenv("BENCH_TASKS")
   local f = assert(io.open(path or "", "r"), "BENCH_TASKS must name a file of task names")
   local names = {}
   for line in f:lines() do
      if #line > 0 then names[#names + 1] = line end
   end
   f:close()
   assert(#names > 0, "no task names in " .. path)
   return names
end

-- This thread's slice: a list of {key=, name=, enc=} records.
function bench.slice()
   local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
   local me = (id or 1) - 1
   local mine = {}
   for j, name in ipairs(bench.load_tasks()) do
      if (j - 1) % threads == me then
         mine[#mine + 1] = { key = bench.key(name), name = name, enc = bench.urlencode(name) }
      end
   end
   return mine
end

ok = 0
bad = 0

-- BENCH_DELAY_MS: each connection waits this long before each request (a
-- paced, not saturating, load; wrk's latency does not include the wait).
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
   function delay() return delay_ms end
end

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("id", #threads)
end

function done(summary, latency, requests)
   local good, wrong = 0, 0
   for _, thread in ipairs(threads) do
      good = good + (thread:get("ok") or 0)
      wrong = wrong + (thread:get("bad") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f"
         .. " ok=%d bad=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
      good, wrong, e.connect, e.read, e.write, e.status, e.timeout))
end

-- Round-robin over the slice, skipping tasks with a request in flight.
-- Returns the record, or nil when every task of the slice is in flight
-- (cannot happen while the slice is larger than the thread's connections).
function bench.next_free(state)
   local n = #state.tasks
   for _ = 1, n do
      state.cursor = state.cursor % n + 1
      local task = state.tasks[state.cursor]
      if not state.pending[task.key] then
         state.pending[task.key] = true
         return task
      end
   end
   return nil
end
