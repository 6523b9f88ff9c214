-- Shared by the wrk scripts here: gives each thread a distinct id (setup runs once per thread,
-- before its init) and prints one machine-readable line from done().
-- Load it with: package.path = package.path .. ";./bench/wrk/?.lua"; local report = require("report")
local M = {}
local threads = {}

function M.setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local function quote(s)
  return '"' .. tostring(s):gsub('[%c"\\]', "") .. '"'
end

function M.done(summary, latency, requests)
  local p = function(q) return latency:percentile(q) end
  local statuses = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    if counts then
      for status, count in pairs(counts) do
        statuses[status] = (statuses[status] or 0) + count
      end
    end
  end
  local parts = {}
  for status, count in pairs(statuses) do
    table.insert(parts, quote(status) .. ":" .. count)
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f,"stdev":%.1f},' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    p(50), p(90), p(95), p(99), latency.max, latency.mean, latency.stdev,
    table.concat(parts, ",")))
end

-- Counts statuses per thread (read back by done). Only the scripts that need per-status counts use it:
-- a response() callback makes wrk hand every response to Lua.
function M.count(status)
  statuses = statuses or {}
  statuses[status] = (statuses[status] or 0) + 1
end

return M
