-- POST /token grant_type=client_credentials, the client authenticated with HTTP
-- Basic (BENCH_BASIC: base64 of "client_id:client_secret"), as a service asks
-- for its own access token. One request, formatted once, in init().
local r = dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local req

function init()
  req = wrk.format("POST", "/token", {
    ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "grant_type=client_credentials")
end

function request()
  return req
end

done = r.done
