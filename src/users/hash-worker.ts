// The thread a password is hashed on: one hash at a time, handed over by password-hasher.ts
// (which says why the hash runs here and not on Bun's own pool). The password arrives and the
// hash leaves by message; neither is logged, and an error carries only its message.
import type { HashJob, HashReply } from "./password-hasher";

declare const self: Worker;

self.onmessage = ({ data }: MessageEvent<HashJob>) => {
  let reply: HashReply;
  try {
    reply = { hash: Bun.password.hashSync(data.password, data.algorithm) };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  postMessage(reply);
};
