-- stop_resume.lua — stop/resume cycling over existing tasks.
--
-- The tasks start STOPPED. Each task is resumed, then stopped, then resumed
-- again, ...: in strict mode every request should succeed. A success is an
-- answer holding "isSuccess":true; anything else is counted as bad, and the
-- task's state is then taken from the answer's extraContext.state when it
-- has one (so one wrong answer does not make every later one wrong).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local state

function init(args)
   state = { tasks = bench.slice(), cursor = 0, pending = {}, running = {}, by_key = {} }
   for _, task in ipairs(state.tasks) do state.by_key[task.key] = task end
   if os.getenv("BENCH_START_STATE") == "RUNNING" then
      for _, task in ipairs(state.tasks) do state.running[task.key] = true end
   end
end

function request()
   local task = bench.next_free(state) or state.tasks[1]
   local op = state.running[task.key] and "stop" or "resume"
   return wrk.format("POST", "/connector/task/v2/" .. op .. "?taskName=" .. task.enc)
end

function response(status, headers, body)
   local key = bench.key(body)
   if body:find('"isSuccess":true', 1, true) and status == 200 then
      ok = ok + 1
      if key then state.running[key] = not state.running[key] end
   else
      bad = bad + 1
      local now = body:match('"state":"(%u+)"')
      if key and now then state.running[key] = (now == "RUNNING") end
   end
   if key then state.pending[key] = nil end
end
