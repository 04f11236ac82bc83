// The expiry jobs: record a lot's expiration for a wallet nobody writes to (credits.expire, due at expires_at), and
// emit wallet.credits_expiring once per lot before it expires (credits.notify_expiring). Both are enqueued by the
// writer in the transaction that made the lot, so each exists exactly when its lot does; both are idempotent by lot.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { JobHandler, JobOutcome } from '../jobs/job-types.ts';
import type { ExpireLotOutcome } from '../ledger/commands.ts';
import { eventRow } from '../outbox/event-row.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import type { LotJobPayload } from './lot-writes.ts';

export interface ExpiryJobDeps {
  db: Kysely<Database>;
  newId: IdGenerator;
  /** The ledger writer's submit, for the expire_lot command (the only way money moves). */
  submitExpireLot(command: { businessId: string; customerId: string; currency: string; lotId: string }): Promise<ExpireLotOutcome | 'busy'>;
  /** Called after an event commits, so that the dispatcher sends it without waiting for its poll. */
  onEvent?: () => void;
}

const busyRetryMs = 1_000;

function payloadOf(payload: unknown): LotJobPayload {
  const p = payload as Partial<LotJobPayload> | null;
  if (!p || typeof p.lot_id !== 'string' || typeof p.customer_id !== 'string' || typeof p.currency !== 'string' || typeof p.business_id !== 'string') {
    throw new Error('lot job payload must name business_id, customer_id, currency and lot_id');
  }
  return p as LotJobPayload;
}

/** Not due yet (a clock behind the one that enqueued it): wait until expires_at without counting an attempt. */
const notDue = (expiresAt: string, now: Date): JobOutcome => ({
  status: 'defer',
  reason: `lot expires at ${expiresAt}`,
  retryInMs: Math.max(1, new Date(expiresAt).getTime() - now.getTime()),
});

/** Submits expire_lot: the writer expires every due lot of the wallet first, then reports this one. */
export function lotExpiryHandler(deps: ExpiryJobDeps): JobHandler {
  return async (job, context) => {
    const lot = payloadOf(job.payload);
    const outcome = await deps.submitExpireLot({ businessId: lot.business_id, customerId: lot.customer_id, currency: lot.currency, lotId: lot.lot_id });
    if (outcome === 'busy') return { status: 'defer', reason: 'the ledger writer is busy', retryInMs: busyRetryMs };
    if (outcome.kind === 'not_due' && outcome.expiresAt !== null) return notDue(outcome.expiresAt, context.now);
    if (outcome.kind === 'lot_not_found') {
      // The writer reads a wallet's lots only when one is due or needed: a lot it did not read is not due (or gone).
      const row = await deps.db.selectFrom('credit_lots').select(['status', 'expires_at']).where('id', '=', lot.lot_id).executeTakeFirst();
      if (row?.status === 'active' && row.expires_at !== null && row.expires_at > context.now.toISOString()) return notDue(row.expires_at, context.now);
      if (row?.status === 'active') return { status: 'retry', error: `lot ${lot.lot_id} is due but was not expired` };
    }
    return { status: 'done' };
  };
}

/**
 * Marks the lot noticed and writes wallet.credits_expiring in one transaction, only while the lot is active, not
 * noticed and not expired yet: once per lot, whichever process runs it, and never about money already gone.
 */
export function lotNoticeHandler(deps: ExpiryJobDeps): JobHandler {
  return async (job, context) => {
    const lot = payloadOf(job.payload);
    const now = context.now.toISOString();
    const sent = await deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('credit_lots')
        .set({ notice_sent_at: now })
        .where('id', '=', lot.lot_id)
        .where('status', '=', 'active')
        .where('notice_sent_at', 'is', null)
        .where('expires_order', '>', now)
        .returning(['id', 'business_id', 'customer_id', 'currency', 'remaining_amount', 'category', 'expires_at'])
        .executeTakeFirst();
      if (!row) return false;
      await insertEvents(trx, [
        eventRow({
          id: deps.newId(idPrefixes.event),
          businessId: row.business_id,
          type: 'wallet.credits_expiring',
          customerId: row.customer_id,
          createdAt: now,
          data: {
            payload_type: 'WalletCreditsExpiring',
            customer_id: row.customer_id,
            currency: row.currency,
            lot_id: row.id,
            category: row.category,
            expires_at: row.expires_at,
            amount: Number(row.remaining_amount),
          },
        }),
      ]);
      return true;
    });
    if (sent) deps.onEvent?.();
    return { status: 'done' };
  };
}

