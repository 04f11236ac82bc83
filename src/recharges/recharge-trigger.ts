// What starts a recharge check: the dispatcher's fan-out of balance-lowering events (a debit, a hold, an expiry) for
// wallets whose auto-recharge is on and whose available balance is below its threshold. The check's job key carries
// the setting's generation (`checks`), so every trigger that arrives while a check is pending folds into that one job,
// and a second fan-out of the same event is a no-op.
import type { Transaction } from 'kysely';
import type { AutoRechargesTable, Database } from '../db/schema.ts';
import type { EnqueueJobInput } from '../jobs/enqueue.ts';
import type { FanOutEvent } from '../outbox/event-dispatcher.ts';
import { rechargeJobAttemptsMax, rechargeJobKind } from './recharge-limits.ts';

/** The events after which a wallet's available balance may be lower than before. */
export const balanceLoweringEventTypes: ReadonlySet<string> = new Set(['wallet.debited', 'hold.created', 'wallet.credits_expired']);

export interface CheckJobPayload {
  business_id: string;
  customer_id: string;
  currency: string;
  /** The generation the job was enqueued for (its key's last part). */
  checks: number;
}

/** The check job of the setting's current generation, due at `dueAt`. */
export function checkJob(row: Pick<AutoRechargesTable, 'business_id' | 'customer_id' | 'currency' | 'checks'>, dueAt: Date): EnqueueJobInput {
  const checks = Number(row.checks);
  const payload: CheckJobPayload = { business_id: row.business_id, customer_id: row.customer_id, currency: row.currency, checks };
  return { kind: rechargeJobKind, key: `${row.customer_id}:${row.currency}:${checks}`, dueAt, payload, attemptsMax: rechargeJobAttemptsMax };
}

/** One check per wallet below its threshold, on the first of the round's events that could have put it there. */
export async function autoRechargeFanOut(trx: Transaction<Database>, events: readonly FanOutEvent[], now: Date): Promise<EnqueueJobInput[][]> {
  const lowering = (event: FanOutEvent) => balanceLoweringEventTypes.has(event.type) && event.customer_id !== null;
  const customerIds = [...new Set(events.filter(lowering).map((event) => event.customer_id!))];
  if (customerIds.length === 0) return events.map(() => []);
  const rows = await trx
    .selectFrom('auto_recharges')
    .innerJoin('wallets', (join) => join.onRef('wallets.customer_id', '=', 'auto_recharges.customer_id').onRef('wallets.currency', '=', 'auto_recharges.currency'))
    .select([
      'auto_recharges.business_id',
      'auto_recharges.customer_id',
      'auto_recharges.currency',
      'auto_recharges.checks',
      'auto_recharges.threshold_amount',
      'wallets.balance',
      'wallets.held_amount',
    ])
    .where('auto_recharges.customer_id', 'in', customerIds)
    .where('auto_recharges.enabled', '=', 1)
    .execute();
  const below = new Map<string, typeof rows>();
  for (const row of rows) {
    if (Number(row.balance) - Number(row.held_amount) >= Number(row.threshold_amount)) continue;
    below.set(row.customer_id, [...(below.get(row.customer_id) ?? []), row]);
  }
  const enqueued = new Set<string>();
  return events.map((event) => {
    if (!lowering(event)) return [];
    const jobs: EnqueueJobInput[] = [];
    for (const row of below.get(event.customer_id!) ?? []) {
      const job = checkJob(row, now);
      if (row.business_id !== event.business_id || enqueued.has(job.key)) continue;
      enqueued.add(job.key);
      jobs.push(job);
    }
    return jobs;
  });
}
