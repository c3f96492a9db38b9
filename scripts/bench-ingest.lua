-- wrk script for scripts/bench-ingest.sh: sends pre-signed bodies, each once, so that every
-- request carries new event ids.
--
--   wrk -t1 -c64 -d10s -s scripts/bench-ingest.lua URL -- BODIES_FILE [once|cycle] [RATE]
--
-- BODIES_FILE has one request per line: "<hex HMAC-SHA1> <body>" (scripts/rrtool.py gen-bodies), or
-- "<hex HMAC-SHA1> <path> <body>" to send each body to its own path (gen-bodies --tenants N: the
-- requests spread over N tenants); without a path a request goes to the URL's.
-- With `once` (the default) the thread stops when the bodies run out, and done() reports the rate
-- over the time it actually sent; `cycle` starts over (for a target that ignores ids, e.g. nginx).
-- RATE (requests/s, one wrk thread) paces the requests: each one is given the next slot of a
-- 1/RATE schedule shared by all connections (for latency at a fixed load, e.g. half the peak).
-- done() prints one line "RESULT key=value ..." for the calling script.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } rr_timespec;
  int clock_gettime(int clk_id, rr_timespec *tp);
]]
local ts = ffi.new("rr_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end
local function wall()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME, to compare with other processes' clocks
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  mode = args[2] or "once"
  requests = {}
  local file = assert(io.open(path, "rb"))
  for line in file:lines() do
    local space = line:find(" ", 1, true)
    local signature = line:sub(1, space - 1)
    local body = line:sub(space + 1)
    local target = nil
    if body:sub(1, 1) == "/" then
      local next_space = body:find(" ", 1, true)
      target = body:sub(1, next_space - 1)
      body = body:sub(next_space + 1)
    end
    requests[#requests + 1] = wrk.format("POST", target, {
      ["Content-Type"] = "application/json",
      ["x-hub-signature"] = signature,
    }, body)
  end
  file:close()
  loaded = #requests
  rate = tonumber(args[3] or "0") or 0
  if rate > 0 then
    next_slot = 0
    -- wrk asks delay() (in ms) before each request, but only when the function exists, so
    -- unpaced runs stay on its fast path.
    function delay()
      local t = now()
      if next_slot < t then next_slot = t end
      local wait = next_slot - t
      next_slot = next_slot + 1 / rate
      return math.floor(wait * 1000)
    end
  end
  index = 0
  sent = 0
  exhausted = 0
  first_at = 0
  first_wall = 0
  exhausted_at = 0
end

function request()
  if index >= loaded then
    if mode == "cycle" then
      index = 0
    elseif exhausted == 0 then
      exhausted = 1
      exhausted_at = now()
      wrk.thread:stop()
    end
  end
  if sent == 0 then
    first_at = now()
    first_wall = wall()
  end
  index = index + 1
  sent = sent + 1
  return requests[math.min(index, loaded)]
end

function done(summary, latency, reqs)
  local t = threads[1]
  local loaded_n = t:get("loaded") or 0
  local sent_n = t:get("sent") or 0
  local was_exhausted = t:get("exhausted") or 0
  local active = summary.duration / 1e6
  if was_exhausted == 1 then
    active = (t:get("exhausted_at") or 0) - (t:get("first_at") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "status_errors=%d connect=%d read=%d write=%d timeout=%d loaded=%d sent=%d exhausted=%d first_wall=%.6f\n",
    summary.requests, active, summary.requests / active,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout, loaded_n, sent_n, was_exhausted,
    t:get("first_wall") or 0))
end
