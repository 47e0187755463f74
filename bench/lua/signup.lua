-- POST /signup with a new username each time (prefix from BENCH_PREFIX).
local r = dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local prefix, n = os.getenv("BENCH_PREFIX") or "u", 0

function request()
  n = n + 1
  local body = string.format('{"username":"%s%d","password":"bench password %d"}', prefix, n, n)
  return wrk.format("POST", "/signup", { ["Content-Type"] = "application/json" }, body)
end

done = r.done
