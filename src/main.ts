#!/usr/bin/env bun
import { restartWithAllocatorSetting } from "./allocator";

const args = process.argv.slice(2);
// Before the rest of the service is loaded, so that a restart costs as little as it can.
const allocator = (args[0] ?? "serve") === "serve" ? await restartWithAllocatorSetting() : undefined;
const { main } = await import("./cli");
const code = await main(args, allocator);
if (code >= 0) process.exit(code);
