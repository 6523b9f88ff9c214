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

/** Bun.password.hash runs on a worker thread; the gate bounds how many wait for one. */
export function createPasswordHasher(
  algorithm: HashAlgorithm,
  gate: AdmissionGate,
  observeSeconds: (seconds: number) => void = () => {},
): PasswordHasher {
  return {
    hash: (password) =>
      gate.run(async () => {
        const started = performance.now();
        const hash = await Bun.password.hash(password, algorithm);
        observeSeconds((performance.now() - started) / 1000);
        return hash;
      }),
  };
}
