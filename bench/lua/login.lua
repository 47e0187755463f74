-- POST /login round-robin over BENCH_USERS ("username password" per line).
local r = dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local reqs, i = {}, 0

function init()
  for _, line in ipairs(r.lines(os.getenv("BENCH_USERS"))) do
    local u, p = line:match("^(%S+) (.+)$")
    local body = string.format('{"username":"%s","password":"%s"}', u, p)
    reqs[#reqs + 1] = wrk.format("POST", "/login", { ["Content-Type"] = "application/json" }, body)
  end
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

done = r.done
