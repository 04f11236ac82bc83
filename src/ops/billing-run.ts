// `coffer billing run --until <time>`: runs every job due until that time, in due order, with the clock set to each
// job's due time (then to the end), so that a merchant or a test can replay a month of renewals, auto-recharges (their
// checks are enqueued by the dispatcher's fan-out, drained each round), expiries and payment recoveries in seconds. Nothing listens: only the job runtime and the event dispatcher run.
import { buildCoffer } from '../app/coffer.ts';
import type { Config } from '../config/config.ts';
import type { Store } from '../db/database.ts';
import { systemClock } from '../shared/clock.ts';

/** Claim rounds one run takes at most: a bound on the loop (each round runs at least one job or ends it). */
const roundsMax = 100_000;

export interface BillingRunReport {
  until: string;
  rounds: number;
  succeeded: number;
  failed: number;
  retried: number;
}

export async function runBillingUntil(config: Config, store: Store, until: Date): Promise<BillingRunReport> {
  let now = new Date(Math.min(systemClock.now().getTime(), until.getTime()));
  const clock = { now: () => new Date(now.getTime()) };
  const coffer = await buildCoffer({ config, store, clock, logger: false, startJobs: false });
  const report: BillingRunReport = { until: until.toISOString(), rounds: 0, succeeded: 0, failed: 0, retried: 0 };
  try {
    for (; report.rounds < roundsMax; report.rounds++) {
      await coffer.dispatcher.drain();
      const next = await store.db
        .selectFrom('jobs')
        .select('due_at')
        .where('state', '=', 'pending')
        .where('due_at', '<=', until.toISOString())
        .orderBy('due_at')
        .limit(1)
        .executeTakeFirst();
      if (!next) break;
      const dueAt = new Date(next.due_at);
      if (dueAt > now) now = dueAt;
      const tick = await coffer.jobs.tick();
      report.succeeded += tick.succeeded;
      report.failed += tick.failed;
      report.retried += tick.retried;
      if (tick.claimed === 0) {
        // Due but not claimable now (leased by another process, or a lease to wait out): move the clock on a little.
        now = new Date(Math.min(until.getTime(), now.getTime() + 1_000));
        if (now.getTime() === until.getTime() && dueAt > until) break;
      }
    }
    now = until;
    await coffer.dispatcher.drain();
    return report;
  } finally {
    await coffer.close();
  }
}
