// Prometheus metrics of webhook delivery: attempts by outcome, attempt latency, and the backlog (read at scrape time).
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { webhookDeliveryJobKind } from './delivery-schedule.ts';

export type AttemptOutcome = 'succeeded' | 'failed' | 'skipped';

export interface DeliveryMetrics {
  /** One attempt recorded; `latencyMs` for attempts that were sent (not for skipped ones). */
  attempt(outcome: AttemptOutcome, latencyMs: number | null): void;
}

export const attemptOutcomes: readonly AttemptOutcome[] = ['succeeded', 'failed', 'skipped'];

/** Pending delivery jobs in the store (all processes) and when the oldest of them was enqueued. */
export async function deliveryBacklog(db: Kysely<Database>): Promise<{ pending: number; oldestCreatedAt: string | null }> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => [eb.fn.countAll<number>().as('pending'), eb.fn.min('created_at').as('oldest')])
    .where('kind', '=', webhookDeliveryJobKind)
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), oldestCreatedAt: (row.oldest as string | null) ?? null };
}

/**
 * Registers the delivery metrics on `registry` (once per registry). The two gauges are computed from the store when
 * scraped, so they count every process's backlog; the counter and the histogram count this process's attempts.
 */
export function createDeliveryMetrics(
  registry: Registry,
  deps: { db: Kysely<Database>; clock: Clock; onCollectError?: (error: unknown) => void },
): DeliveryMetrics {
  const attempts = new Counter({
    name: 'coffer_webhook_attempts_total',
    help: 'Webhook delivery attempts recorded by this process, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of attemptOutcomes) attempts.inc({ outcome }, 0);
  const latency = new Histogram({
    name: 'coffer_webhook_delivery_duration_seconds',
    help: 'Time from sending a webhook to its answer or failure (this process)',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'coffer_webhook_deliveries_pending',
    help: 'Webhook deliveries waiting for an attempt (pending jobs, all processes)',
    registers: [registry],
    async collect() {
      try {
        this.set((await deliveryBacklog(deps.db)).pending);
      } catch (error) {
        deps.onCollectError?.(error);
      }
    },
  });
  new Gauge({
    name: 'coffer_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest pending webhook delivery (0 when none is pending)',
    registers: [registry],
    async collect() {
      try {
        const { oldestCreatedAt } = await deliveryBacklog(deps.db);
        this.set(oldestCreatedAt === null ? 0 : Math.max(0, (deps.clock.now().getTime() - Date.parse(oldestCreatedAt)) / 1000));
      } catch (error) {
        deps.onCollectError?.(error);
      }
    },
  });
  return {
    attempt(outcome, latencyMs) {
      attempts.inc({ outcome });
      if (latencyMs !== null) latency.observe(latencyMs / 1000);
    },
  };
}
