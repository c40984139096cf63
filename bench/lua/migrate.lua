-- migrate.lua — migrate chains.
--
-- Each migrate answers the task's new name in "result" (SEQ one higher, on
-- the host named by ip); the next migrate of that task uses it. A task's
-- next migrate is sent only once the answer to its previous one is in. The
-- ip alternates among four hosts.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local state

function init(args)
   state = { tasks = bench.slice(), cursor = 0, pending = {}, by_key = {}, n = 0 }
   for _, task in ipairs(state.tasks) do state.by_key[task.key] = task end
end

function request()
   local task = bench.next_free(state) or state.tasks[1]
   state.n = state.n + 1
   return wrk.format("POST", "/connector/task/v2/migrate?taskName=" .. task.enc
                        .. "&ip=10.2.0." .. (state.n % 4 + 1))
end

function response(status, headers, body)
   local key = bench.key(body)
   local task = key and state.by_key[key]
   if body:find('"isSuccess":true', 1, true) and status == 200 then
      ok = ok + 1
      local new = body:match('"result":"([^"]+)"')
      if task and new then
         task.name = new
         task.enc = bench.urlencode(new)
      end
   else
      bad = bad + 1
      local moved = body:match('"migratedTo":"([^"]+)"')
      if task and moved then
         task.name = moved
         task.enc = bench.urlencode(moved)
      end
   end
   if key then state.pending[key] = nil end
end
