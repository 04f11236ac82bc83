// SQL of auto-recharge: the per-wallet setting, its attempts, and the wallet's available balance. Money never moves
// here: a recharge is a top-up (src/billing/top-up-service.ts), which credits through the ledger writer.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { AutoRechargeAttemptsTable, AutoRechargesTable, Database } from '../db/schema.ts';

export type Executor = Kysely<Database> | Transaction<Database>;

export interface WalletKey {
  businessId: string;
  customerId: string;
  currency: string;
}

export function setting(db: Executor, wallet: WalletKey): Promise<AutoRechargesTable | undefined> {
  return db
    .selectFrom('auto_recharges')
    .selectAll()
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('business_id', '=', wallet.businessId)
    .executeTakeFirst();
}

export type SettingFields = Pick<AutoRechargesTable, 'threshold_amount' | 'amount' | 'payment_method_id' | 'cooldown_seconds' | 'monthly_cap_amount' | 'max_declines'>;

/**
 * Creates or replaces the setting, turned on with its decline count cleared (the cooldown of a recharge already made
 * stays), and bumps `checks`: the caller enqueues the check of the new generation. Returns the row.
 */
export async function putSetting(trx: Transaction<Database>, wallet: WalletKey, fields: SettingFields, now: string): Promise<AutoRechargesTable> {
  await trx
    .insertInto('auto_recharges')
    .values({
      customer_id: wallet.customerId,
      currency: wallet.currency,
      business_id: wallet.businessId,
      enabled: 1,
      disabled_reason: null,
      ...fields,
      declines: 0,
      backoff_until: null,
      cooldown_until: null,
      last_attempt_at: null,
      checks: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => conflict.columns(['customer_id', 'currency']).doNothing())
    .execute();
  return trx
    .updateTable('auto_recharges')
    .set({ ...fields, enabled: 1, disabled_reason: null, declines: 0, backoff_until: null, checks: sql<number>`checks + 1`, updated_at: now })
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteSetting(db: Executor, wallet: WalletKey): Promise<boolean> {
  const result = await db
    .deleteFrom('auto_recharges')
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('business_id', '=', wallet.businessId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Moves the check generation past `seen` (unless something else already did): a trigger from now on enqueues a new
 * job instead of folding into the one running.
 */
export async function bumpChecks(db: Executor, wallet: WalletKey, seen: number): Promise<void> {
  await db
    .updateTable('auto_recharges')
    .set({ checks: sql<number>`checks + 1` })
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('checks', '=', seen)
    .execute();
}

/**
 * Claims the right to start a recharge now: the setting is on and neither cooling down nor backing off. The first
 * statement of its transaction, so it takes the row lock (PostgreSQL) or the write lock (SQLite) and two checks never
 * both pass; the caller sets the next cooldown in the same transaction. Returns the row, or undefined.
 */
export function claimStart(trx: Transaction<Database>, wallet: WalletKey, now: Date): Promise<AutoRechargesTable | undefined> {
  const at = now.toISOString();
  return trx
    .updateTable('auto_recharges')
    .set({ last_attempt_at: at, updated_at: at })
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('business_id', '=', wallet.businessId)
    .where('enabled', '=', 1)
    .where((eb) => eb.or([eb('cooldown_until', 'is', null), eb('cooldown_until', '<=', at)]))
    .where((eb) => eb.or([eb('backoff_until', 'is', null), eb('backoff_until', '<=', at)]))
    .returningAll()
    .executeTakeFirst();
}

export async function setCooldownUntil(trx: Transaction<Database>, wallet: WalletKey, until: string): Promise<void> {
  await trx.updateTable('auto_recharges').set({ cooldown_until: until }).where('customer_id', '=', wallet.customerId).where('currency', '=', wallet.currency).execute();
}

export function processingAttempt(db: Executor, wallet: WalletKey): Promise<AutoRechargeAttemptsTable | undefined> {
  return db
    .selectFrom('auto_recharge_attempts')
    .selectAll()
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('status', '=', 'processing')
    .executeTakeFirst();
}

/** What attempts started in [from, to) add up to, failed ones aside (nothing was charged for them). */
export async function rechargedAmount(db: Executor, wallet: WalletKey, from: Date, to: Date): Promise<number> {
  const row = await db
    .selectFrom('auto_recharge_attempts')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), sql<number>`0`).as('total'))
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('status', 'in', ['processing', 'succeeded'])
    .where('created_at', '>=', from.toISOString())
    .where('created_at', '<', to.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

export function recentAttempts(db: Executor, wallet: WalletKey, limit: number): Promise<AutoRechargeAttemptsTable[]> {
  return db
    .selectFrom('auto_recharge_attempts')
    .selectAll()
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('business_id', '=', wallet.businessId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** The wallet's available balance (balance − held), or undefined when the wallet does not exist. */
export async function availableBalance(db: Executor, wallet: WalletKey): Promise<number | undefined> {
  const row = await db
    .selectFrom('wallets')
    .select(['balance', 'held_amount'])
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .executeTakeFirst();
  return row ? Number(row.balance) - Number(row.held_amount) : undefined;
}

export async function insertAttempt(trx: Transaction<Database>, attempt: AutoRechargeAttemptsTable): Promise<void> {
  await trx.insertInto('auto_recharge_attempts').values(attempt).execute();
}

export function attemptById(db: Executor, id: string): Promise<AutoRechargeAttemptsTable | undefined> {
  return db.selectFrom('auto_recharge_attempts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Moves a processing attempt on (its payment id, or its final status); false when it was no longer processing. */
export async function updateProcessingAttempt(db: Executor, id: string, changes: Partial<AutoRechargeAttemptsTable>): Promise<boolean> {
  const result = await db.updateTable('auto_recharge_attempts').set(changes).where('id', '=', id).where('status', '=', 'processing').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
