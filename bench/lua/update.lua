-- update.lua — update with a ~1 KiB JSON body on STOPPED tasks.
--
-- Every request sets the same keys (so a task's config does not grow run
-- after run) with values that change from one request to the next.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local state
local bodies = {}
local headers = { ["Content-Type"] = "application/json" }

local function make_body(n)
   local filler = string.rep(string.char(97 + n % 26), 600)
   local body = string.format(
      '{"sink":{"batchSize":"%d","workerNum":"%d","jdbcUrl":"jdbc:mysql://10.9.%d.%d:2881/?useSSL=false&connectTimeout=%d"},'
         .. '"coordinator":{"throttleRps":"%d","throttleIOPS":"none","bridgeQueueSize":"%d"},'
         .. '"condition":{"whiteCondition":"[{\\"name\\":\\"bench_db\\",\\"all\\":true}]","note":"%s"},'
         .. '"source":{"timezone":"+08:00","fetchSize":"%d"}}',
      100 + n, 8 + n % 8, n % 256, n % 250 + 1, 1000 + n, 1000 * n, 128 + n, filler, 500 + n)
   -- pad to 1 KiB exactly
   local pad = 1024 - #body
   if pad > 0 then
      body = body:gsub('"note":"', '"note":"' .. string.rep("x", pad), 1)
   end
   return body
end

function init(args)
   state = { tasks = bench.slice(), cursor = 0, pending = {} }
   for n = 1, 16 do bodies[n] = make_body(n) end
   state.n = 0
end

function request()
   local task = bench.next_free(state) or state.tasks[1]
   state.n = state.n % #bodies + 1
   return wrk.format("POST", "/connector/task/v2/update?taskName=" .. task.enc, headers,
                     bodies[state.n])
end

function response(status, headers, body)
   local key = bench.key(body)
   if body:find('"isSuccess":true', 1, true) and status == 200 then
      ok = ok + 1
   else
      bad = bad + 1
   end
   if key then state.pending[key] = nil end
end
