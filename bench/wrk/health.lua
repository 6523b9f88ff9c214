-- GET /health (and the raw-health baseline): one fixed request; this script only adds the report.
-- wrk -t1 -c64 -d6s --latency -s bench/wrk/health.lua http://127.0.0.1:PORT/health
package.path = package.path .. ";./bench/wrk/?.lua"
local report = require("report")
setup = report.setup
done = report.done
