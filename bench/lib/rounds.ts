// A B A B A B: each limit is measured right after its service scenario, so drift hits both alike.
import { CFG, NOISY_FOREIGN_CPU_PCT } from "./config.ts";
import { log } from "./log.ts";
import { type Load, type Measurement, measure } from "./measurement.ts";
import type { CpuMeter, PostgresRestartWatch } from "./noise.ts";
import { assertAlive } from "./process.ts";

export type RoundKey = "health" | "rawHealth" | "get" | "rawGet" | "replay" | "signup" | "hash";

export interface Step {
  key: RoundKey;
  label: string;
  load: Load;
}

export interface DiscardedRound {
  round: number;
  reason: string;
  measurements: Partial<Record<RoundKey, Measurement>>;
}

/** Extra rounds allowed for foreign CPU before a noisy round is kept (and flagged). */
const EXTRA_ROUNDS_FOR_NOISE = 3;
/** Extra rounds allowed for PostgreSQL restarts before the bench gives up. */
const EXTRA_ROUNDS_FOR_RESTARTS = 6;

export class Rounds {
  readonly measured: Record<RoundKey, Measurement[]> = { health: [], rawHealth: [], get: [], rawGet: [], replay: [], signup: [], hash: [] };
  readonly discarded: DiscardedRound[] = [];

  constructor(
    private readonly cpu: CpuMeter,
    private readonly pids: number[],
    private readonly service: Bun.Subprocess,
    private readonly postgres: PostgresRestartWatch,
  ) {}

  /**
   * Measures the steps in turn, CFG.rounds times. A round is done again when other processes took
   * >= 10% of the machine during it (the last allowed round is kept anyway), or when PostgreSQL
   * restarted under it (another program's tests may restart it).
   */
  async alternate(steps: Step[]) {
    let clean = 0;
    for (let round = 1; clean < CFG.rounds; round++) {
      const lastAllowed = round >= CFG.rounds + EXTRA_ROUNDS_FOR_NOISE;
      const got: Array<[RoundKey, Measurement]> = [];
      for (const { key, label, load } of steps) got.push([key, await measure(`[${round}] ${label}`, this.cpu, this.pids, load)]);
      assertAlive(this.service, "the service");
      const measurements = Object.fromEntries(got);
      if (await this.postgres.restarted()) {
        if (round >= CFG.rounds + EXTRA_ROUNDS_FOR_RESTARTS) throw new Error("PostgreSQL keeps being restarted by another program; no clean rounds");
        this.discarded.push({ round, reason: "PostgreSQL restarted", measurements });
        log(`round ${round} discarded: PostgreSQL was restarted (by another program) during it; again`);
        continue;
      }
      const noisiest = Math.max(...got.map(([, m]) => m.foreign_cpu_pct ?? 0));
      if (noisiest >= NOISY_FOREIGN_CPU_PCT && !lastAllowed) {
        this.discarded.push({ round, reason: `foreign CPU ${noisiest}%`, measurements });
        log(`round ${round} discarded: other processes used ${noisiest}% of the machine; again`);
        await this.cpu.waitForQuiet(this.pids);
        continue;
      }
      for (const [key, m] of got) this.measured[key].push(m);
      clean++;
    }
  }

  get anyNoisy() {
    return Object.values(this.measured).flat().some((m) => (m.foreign_cpu_pct ?? 0) >= NOISY_FOREIGN_CPU_PCT);
  }
}
