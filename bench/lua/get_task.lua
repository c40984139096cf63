-- get_task.lua — GET /_mock/tasks/{URL-encoded taskName}, round-robin over
-- the tasks. A success is HTTP 200 (connector-mock answers the task; the
-- baseline answers its envelope).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local state
local requests = {}

function init(args)
   state = { tasks = bench.slice(), cursor = 0 }
   for i, task in ipairs(state.tasks) do
      requests[i] = wrk.format("GET", "/_mock/tasks/" .. task.enc)
   end
end

function request()
   state.cursor = state.cursor % #requests + 1
   return requests[state.cursor]
end

function response(status, headers, body)
   if status == 200 then ok = ok + 1 else bad = bad + 1 end
end
