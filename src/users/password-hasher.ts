import type { Config } from "../config";
import type { AdmissionGate } from "./admission-gate";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
}

type HashAlgorithm = Parameters<typeof Bun.password.hash>[1];

export function hashAlgorithmFrom(options: Config["password"]): HashAlgorithm {
  return options.algorithm === "bcrypt"
    ? { algorithm: "bcrypt", cost: options.bcryptCost }
    : { algorithm: "argon2id", memoryCost: options.argon2MemoryCost, timeCost: options.argon2TimeCost };
}

export interface HashTimings {
  /** The hash itself, on its worker thread. */
  hashed(seconds: number): void;
  /** The wait for a hashing slot at the gate, before it. */
  waited(seconds: number): void;
}

/** Bun.password.hash runs on a worker thread; the gate bounds how many wait for one. */
export function createPasswordHasher(algorithm: HashAlgorithm, gate: AdmissionGate, timings?: HashTimings): PasswordHasher {
  return {
    hash: (password) => {
      const queued = performance.now();
      return gate.run(async () => {
        const started = performance.now();
        timings?.waited((started - queued) / 1000);
        const hash = await Bun.password.hash(password, algorithm);
        timings?.hashed((performance.now() - started) / 1000);
        return hash;
      });
    },
  };
}
