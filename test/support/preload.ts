import { afterAll } from "bun:test";
import { killChildren, stopChildren } from "../../harness/processes";

// Every process the tests start is tracked (harness/processes.ts). A test that fails between
// starting a service and stopping it would leave that service running after the run, on a machine
// others share: stopped here once every file has run, and killed if the runner exits first.
afterAll(() => stopChildren(5_000));
process.on("exit", killChildren);
