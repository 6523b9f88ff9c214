-- Replay: the same Idempotency-Key and the same payload on every request (the run script makes the
-- first request, so every request here is answered from the stored response).
-- BENCH_REPLAY_KEY=k BENCH_REPLAY_BODY='{...}' wrk -t1 -c64 -d6s --latency -s bench/wrk/replay.lua http://127.0.0.1:PORT
package.path = package.path .. ";./bench/wrk/?.lua"
local report = require("report")
setup = report.setup
done = report.done

wrk.method = "POST"
wrk.path = "/signup"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Idempotency-Key"] = assert(os.getenv("BENCH_REPLAY_KEY"), "BENCH_REPLAY_KEY is not set")
wrk.body = assert(os.getenv("BENCH_REPLAY_BODY"), "BENCH_REPLAY_BODY is not set")
-- No response() callback: it would hand every response to Lua and slow wrk down beside the GET
-- scenario; a replay is a 201, so wrk's own non-2xx count ("status" errors) must stay 0.
