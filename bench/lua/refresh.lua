-- POST /refresh_token as the seed guide sends it (Bearer refresh token and the
-- same token in the body). With rotation each answer carries the session's next
-- refresh token, which goes back in the queue: a session is never refreshed
-- twice at once, as a real client would not. Without rotation (the seed) the
-- tokens are reused round-robin.
local r = dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local queue, head, tail = {}, 1, 0
local rotating = os.getenv("BENCH_ROTATING") == "1"
local last

local function push(t) tail = tail + 1; queue[tail] = t end
local function pop()
  if head > tail then return nil end
  local t = queue[head]; queue[head] = nil; head = head + 1
  return t
end

function init()
  for _, t in ipairs(r.lines(os.getenv("BENCH_TOKENS"))) do push(t) end
end

function request()
  -- An empty queue means answers without a next token (errors): resend the
  -- last one, which fails and keeps the row marked invalid.
  local t = pop() or last
  last = t
  if not rotating then push(t) end
  return wrk.format("POST", "/refresh_token",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. t },
    '{"refresh_token":"' .. t .. '"}')
end

if rotating then
  function response(status, headers, body)
    local t = body:match('"refresh_token":"([^"]+)"')
    if t then push(t) end
  end
end

done = r.done
