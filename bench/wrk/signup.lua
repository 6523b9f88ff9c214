-- POST /signup with a unique email and Idempotency-Key per request: the email and key are built
-- from BENCH_RUN (unique per wrk invocation), the thread's id (from setup) and a per-thread counter,
-- so no two requests of any run, thread or connection ever share an email or a key.
-- BENCH_RUN=r1 wrk -t1 -c8 -d6s --latency -s bench/wrk/signup.lua http://127.0.0.1:PORT
package.path = package.path .. ";./bench/wrk/?.lua"
local report = require("report")
setup = report.setup
done = report.done

local prefix
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  prefix = string.format("wrk-%s-t%d", assert(os.getenv("BENCH_RUN"), "BENCH_RUN is not set"), id)
end

function request()
  counter = counter + 1
  local tag = prefix .. "-" .. counter
  headers["Idempotency-Key"] = tag
  local body = '{"name":"Bench User","email":"' .. tag ..
    '@bench.example.com","password":"Velero-Azul-27","display_name":"Bench ' .. counter .. '"}'
  return wrk.format("POST", "/signup", headers, body)
end

function response(status, headers, body)
  report.count(status)
end
