import { describe, expect, test } from "bun:test";
import { AdmissionGate } from "../../src/users/admission-gate";
import { createPasswordHasher } from "../../src/users/password-hasher";

const HASH_WORKER = new URL("../../src/users/hash-worker.ts", import.meta.url);
const EXITING_WORKER = new URL("../support/exiting-hash-worker.ts", import.meta.url);
// A small argon2id keeps the test fast; the thread runs whatever it is given.
const ARGON2 = { algorithm: "argon2id", memoryCost: 1024, timeCost: 1 } as const;

describe("password hasher (hash threads)", () => {
  test("more hashes than slots all finish, each verifiable, none mixed up with another", async () => {
    const gate = new AdmissionGate(2, 10);
    const timings = { hashed: [] as number[], waited: [] as number[] };
    const hasher = createPasswordHasher(ARGON2, gate, HASH_WORKER, {
      hashed: (s) => timings.hashed.push(s),
      waited: (s) => timings.waited.push(s),
    });
    const passwords = Array.from({ length: 6 }, (_, i) => `Correct-Horse-${i}`);
    const hashes = await Promise.all(passwords.map((p) => hasher.hash(p)));
    for (const [i, hash] of hashes.entries()) {
      expect(hash).toStartWith("$argon2id$v=19$m=1024,t=1,p=1$");
      expect(await Bun.password.verify(passwords[i] ?? "", hash)).toBe(true);
      expect(await Bun.password.verify(passwords[(i + 1) % passwords.length] ?? "", hash)).toBe(false);
    }
    expect(timings.hashed).toHaveLength(6);
    expect(timings.waited).toHaveLength(6);
    expect(gate.inFlight).toBe(0);
  });

  test("bcrypt runs on the threads too", async () => {
    const hasher = createPasswordHasher({ algorithm: "bcrypt", cost: 4 }, new AdmissionGate(1, 1), HASH_WORKER);
    const hash = await hasher.hash("Correct-Horse-7");
    expect(hash).toStartWith("$2b$04$");
    expect(await Bun.password.verify("Correct-Horse-7", hash)).toBe(true);
  });

  test("a hash the thread refuses fails with the reason and frees its slot", async () => {
    const gate = new AdmissionGate(1, 1);
    const hasher = createPasswordHasher({ algorithm: "argon2id", memoryCost: 1, timeCost: 1 }, gate, HASH_WORKER);
    const failed = hasher.hash("Correct-Horse-8");
    await expect(failed).rejects.toThrow(/^password hash failed: /);
    await failed.catch((error: Error) => expect(error.message).not.toContain("Correct-Horse-8"));
    expect(gate.inFlight).toBe(0);
  });

  test("a thread that exits fails its hash instead of leaving it waiting, and the next hash gets a new thread", async () => {
    const gate = new AdmissionGate(1, 1);
    const hasher = createPasswordHasher(ARGON2, gate, EXITING_WORKER);
    await expect(hasher.hash("Correct-Horse-9")).rejects.toThrow("password hash thread exited");
    // Only a new thread can take this one: the first is gone and the gate has one slot.
    await expect(hasher.hash("Correct-Horse-10")).rejects.toThrow("password hash thread exited");
    expect(gate.inFlight).toBe(0);
  });
});
