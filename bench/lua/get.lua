-- GET BENCH_PATH with a bearer token taken round-robin from BENCH_TOKENS (one per line):
-- many sessions, as real traffic has. Requests are formatted once, in init().
local r = dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local reqs, i = {}, 0

function init()
  local path = os.getenv("BENCH_PATH")
  for _, t in ipairs(r.lines(os.getenv("BENCH_TOKENS"))) do
    reqs[#reqs + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. t })
  end
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

done = r.done
