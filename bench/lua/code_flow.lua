-- The authorization-code flow of browsers that are already signed in, as a
-- relying party runs it: GET BENCH_AUTHORIZE (the authorization request, with
-- a browser session's cookie, round-robin over the lines of BENCH_COOKIES)
-- answers 303 to the redirect URI with a code; POST /token (that code, Basic
-- client auth BENCH_BASIC) answers 200 with an id_token. One flow = those two
-- requests; the figures are flows:
-- "requests" counts token answers with an id_token, p50/p99 are from sending
-- the authorization request to receiving the id_token.
--
-- wrk gives a script no connection identity, so the codes go into one queue
-- and whichever connection asks next for a request redeems the oldest (at
-- once: each connection has one request in flight). The flow's number goes
-- out as state and nonce and comes back in the id_token's nonce, which ties
-- the id_token to the moment its flow began. Any other answer (an error
-- redirect, a login page, a token answer without id_token) is an error.
local r = dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local ffi = require("ffi")
local bit = require("bit")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

-- The id_token's payload, decoded into one buffer and made a string once.
-- Made a string per byte (string.char, then table.concat), it took wrk 0.19
-- to 0.20 of a core at 3,000 flows/s, 0.16 to 0.17 this way (0.13 without
-- decoding at all), on the two cores that the servers share with it.
local B64 = ffi.new("int16_t[256]")
do
  for i = 0, 255 do B64[i] = -1 end
  local a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  for i = 1, #a do B64[a:byte(i)] = i - 1 end
end
local MAX_DECODED = 16384
local decoded = ffi.new("uint8_t[?]", MAX_DECODED)
local function b64url_decode(s)
  local n, acc, bits = 0, 0, 0
  if #s > MAX_DECODED then return "" end  -- 4 characters are 3 bytes: it fits
  for i = 1, #s do
    local v = B64[s:byte(i)]
    if v >= 0 then
      acc = bit.bor(bit.lshift(acc, 6), v)
      bits = bits + 6
      if bits >= 8 then
        bits = bits - 8
        decoded[n] = bit.band(bit.rshift(acc, bits), 255)
        n = n + 1
        acc = bit.band(acc, bit.lshift(1, bits) - 1)
      end
    end
  end
  return ffi.string(decoded, n)
end

-- Per thread (wrk's done() reads them with thread:get).
flows, bad, samples = 0, 0, {}
local started = {}             -- flow number -> when its authorization request went out
local queue, head, tail = {}, 1, 0
local seq = 0
local authorize, cookies, post_headers, redirect_enc
local browser = 0

function init()
  authorize = os.getenv("BENCH_AUTHORIZE")
  cookies = {}
  for _, c in ipairs(r.lines(os.getenv("BENCH_COOKIES"))) do cookies[#cookies + 1] = { ["Cookie"] = c } end
  post_headers = {
    ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  redirect_enc = os.getenv("BENCH_REDIRECT_URI"):gsub("[^%w%-%._~]",
    function(c) return string.format("%%%02X", c:byte()) end)
end

function request()
  if head <= tail then
    local code = queue[head]
    queue[head] = nil
    head = head + 1
    return wrk.format("POST", "/token", post_headers,
      "grant_type=authorization_code&code=" .. code .. "&redirect_uri=" .. redirect_enc)
  end
  seq = seq + 1
  started[seq] = now_us()
  browser = browser % #cookies + 1
  return wrk.format("GET", authorize .. "&state=" .. seq .. "&nonce=" .. seq, cookies[browser])
end

function response(status, headers, body)
  if status == 303 then
    local loc = headers["Location"] or headers["location"] or ""
    local code = loc:match("[?&]code=([^&]+)")
    if code then
      tail = tail + 1
      queue[tail] = code
      return
    end
  elseif status == 200 then
    local payload = body:match('"id_token"%s*:%s*"[^".]+%.([^".]+)%.')
    local id = payload and tonumber(b64url_decode(payload):match('"nonce"%s*:%s*"(%d+)"'))
    local t0 = id and started[id]
    if t0 then
      started[id] = nil
      flows = flows + 1
      samples[flows] = now_us() - t0
      return
    end
  end
  -- 4xx and 5xx are wrk's own status errors already.
  if status < 400 then bad = bad + 1 end
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency)
  local n, wrong, all = 0, 0, {}
  for _, t in ipairs(threads) do
    n = n + t:get("flows")
    wrong = wrong + t:get("bad")
    for _, v in ipairs(t:get("samples")) do all[#all + 1] = v end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(#all * p / 100))]
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"http_requests":%d,"bad_answers":%d}\n',
    n, summary.duration, e.connect, e.read, e.write, e.status + wrong, e.timeout,
    pct(50), pct(99), all[#all] or 0, summary.requests, wrong))
end
