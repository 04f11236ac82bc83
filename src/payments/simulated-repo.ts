// SQL for the simulated processor's charges and refunds; no business rules beyond the conditional refund update.
import { type Kysely, sql } from 'kysely';
import type { Database, SimulatedChargesTable, SimulatedRefundsTable } from '../db/schema.ts';

export type RefundRow = SimulatedRefundsTable;

/** Inserts the charge unless its (business, idempotency key) is taken; returns whether it did. */
export async function insertChargeUnlessKeyTaken(db: Kysely<Database>, row: SimulatedChargesTable): Promise<boolean> {
  const result = await db
    .insertInto('simulated_charges')
    .values(row)
    .onConflict((oc) => oc.columns(['business_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function findChargeByKey(db: Kysely<Database>, businessId: string, key: string): Promise<SimulatedChargesTable | undefined> {
  return db.selectFrom('simulated_charges').selectAll().where('business_id', '=', businessId).where('idempotency_key', '=', key).executeTakeFirst();
}

export async function findChargeById(db: Kysely<Database>, businessId: string, id: string): Promise<SimulatedChargesTable | undefined> {
  return db.selectFrom('simulated_charges').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
}

/** Settles a pending charge; a charge already settled (by a concurrent call) keeps its outcome. */
export async function settleCharge(db: Kysely<Database>, id: string, status: SimulatedChargesTable['status'], reason: string | null, now: string): Promise<void> {
  await db.updateTable('simulated_charges').set({ status, reason, updated_at: now }).where('id', '=', id).where('status', '=', 'pending').execute();
}

export async function findRefundByKey(db: Kysely<Database>, businessId: string, key: string): Promise<RefundRow | undefined> {
  return db.selectFrom('simulated_refunds').selectAll().where('business_id', '=', businessId).where('idempotency_key', '=', key).executeTakeFirst();
}

class KeyTakenMeanwhile extends Error {}

/**
 * Decides and records one refund in one transaction: the charge's refunded amount grows by a conditional update
 * (never past the charge), and the refund row takes the key. A key taken meanwhile rolls it all back and returns the
 * refund recorded under it.
 */
export async function recordRefund(
  db: Kysely<Database>,
  input: Omit<RefundRow, 'status' | 'reason'> & { currency: string },
): Promise<RefundRow> {
  const { currency, ...base } = input;
  try {
    return await db.transaction().execute(async (trx) => {
      const charge = await trx.selectFrom('simulated_charges').selectAll().where('business_id', '=', base.business_id).where('id', '=', base.charge_id).executeTakeFirst();
      let reason: string | null = null;
      if (!charge) reason = 'charge_not_found';
      else if (charge.status !== 'succeeded') reason = 'charge_not_refundable';
      else if (charge.currency !== currency) reason = 'currency_mismatch';
      else {
        const updated = await trx
          .updateTable('simulated_charges')
          .set({ refunded_amount: sql`refunded_amount + ${base.amount}`, updated_at: base.created_at })
          .where('id', '=', charge.id)
          .where(sql<boolean>`refunded_amount + ${base.amount} <= amount`)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) reason = 'amount_exceeds_refundable';
      }
      const row: RefundRow = { ...base, status: reason === null ? 'succeeded' : 'declined', reason };
      const inserted = await trx.insertInto('simulated_refunds').values(row).onConflict((oc) => oc.columns(['business_id', 'idempotency_key']).doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new KeyTakenMeanwhile();
      return row;
    });
  } catch (error) {
    if (!(error instanceof KeyTakenMeanwhile)) throw error;
    const taken = await findRefundByKey(db, base.business_id, base.idempotency_key);
    if (!taken) throw new Error(`refund key ${base.idempotency_key} was taken but its row is gone`);
    return taken;
  }
}
