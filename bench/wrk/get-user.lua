-- GET /users/{id} over the fixture users' ids, each request picking one at random.
-- BENCH_IDS_FILE: one id per line. Each thread starts its generator from its own id.
-- BENCH_IDS_FILE=ids.txt wrk -t1 -c64 -d6s --latency -s bench/wrk/get-user.lua http://127.0.0.1:PORT
package.path = package.path .. ";./bench/wrk/?.lua"
local report = require("report")
setup = report.setup
done = report.done

local paths = {}

function init(args)
  local file = assert(io.open(assert(os.getenv("BENCH_IDS_FILE"), "BENCH_IDS_FILE is not set"), "r"))
  for line in file:lines() do
    if #line > 0 then table.insert(paths, "/users/" .. line) end
  end
  file:close()
  assert(#paths > 0, "no ids in BENCH_IDS_FILE")
  math.randomseed(os.time() * 1000 + id)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
