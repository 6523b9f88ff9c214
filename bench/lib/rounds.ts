// A B A B A B: each limit is measured right after its service scenario, so drift hits both alike.
import { CFG, NOISY_FOREIGN_CPU_PCT } from "./config.ts";
import { log } from "./log.ts";
import { type Load, type Measurement, measure } from "./measurement.ts";
import type { CpuMeter, PostgresRestartWatch } from "./noise.ts";
import { assertAlive } from "./process.ts";

export type RoundKey = "health" | "rawHealth" | "rawHealthHeaders" | "elysiaHealth" | "get" | "rawGet" | "replay" | "signup" | "hash";

export interface Step<K extends string = RoundKey> {
  key: K;
  label: string;
  load: Load;
  /** The process that answers the load, for its CPU per request. */
  serverPid?: number;
}

export interface DiscardedRound<K extends string = RoundKey> {
  round: number;
  reason: string;
  measurements: Partial<Record<K, Measurement>>;
}

/** Extra rounds allowed for PostgreSQL restarts before the bench gives up. */
const EXTRA_ROUNDS_FOR_RESTARTS = 6;

/** Keys appear in `measured` in the order their steps first ran. */
export class Rounds<K extends string = RoundKey> {
  readonly measured = {} as Record<K, Measurement[]>;
  readonly discarded: DiscardedRound<K>[] = [];
  private readonly services: Bun.Subprocess[];

  /** `postgres` watches a server other programs may restart; a bench on servers of its own has none to watch. */
  constructor(
    private readonly cpu: CpuMeter,
    private readonly pids: number[],
    services: Bun.Subprocess | Bun.Subprocess[],
    private readonly postgres?: PostgresRestartWatch,
  ) {
    this.services = Array.isArray(services) ? services : [services];
  }

  /**
   * Measures the steps in turn, CFG.rounds times. A round is done again when other processes took
   * >= 10% of the machine during it (at most CFG.noiseRetries times per call; after that, noisy
   * rounds are kept and flagged), or when PostgreSQL restarted under it (another program's tests
   * may restart it).
   */
  async alternate(steps: Step<K>[]) {
    let clean = 0;
    let doneAgainForNoise = 0;
    for (let round = 1; clean < CFG.rounds; round++) {
      const lastAllowed = doneAgainForNoise >= CFG.noiseRetries;
      const got: Array<[K, Measurement]> = [];
      for (const { key, label, load, serverPid } of steps)
        got.push([key, await measure(`[${round}] ${label}`, this.cpu, this.pids, load, serverPid)]);
      for (const service of this.services) assertAlive(service, "the service");
      const measurements = Object.fromEntries(got) as Partial<Record<K, Measurement>>;
      if (await this.postgres?.restarted()) {
        if (round >= CFG.rounds + EXTRA_ROUNDS_FOR_RESTARTS)
          throw new Error("PostgreSQL keeps being restarted by another program; no clean rounds");
        this.discarded.push({ round, reason: "PostgreSQL restarted", measurements });
        log(`round ${round} discarded: PostgreSQL was restarted (by another program) during it; again`);
        continue;
      }
      const noisiest = Math.max(...got.map(([, m]) => m.foreign_cpu_pct ?? 0));
      if (noisiest >= NOISY_FOREIGN_CPU_PCT && !lastAllowed) {
        this.discarded.push({ round, reason: `foreign CPU ${noisiest}%`, measurements });
        doneAgainForNoise++;
        log(`round ${round} discarded: other processes used ${noisiest}% of the machine; again`);
        await this.cpu.waitForQuiet(this.pids);
        continue;
      }
      for (const [key, m] of got) {
        this.measured[key] ??= [];
        this.measured[key].push(m);
      }
      clean++;
    }
  }

  get anyNoisy() {
    return (Object.values(this.measured) as Measurement[][]).flat().some((m) => (m.foreign_cpu_pct ?? 0) >= NOISY_FOREIGN_CPU_PCT);
  }
}
