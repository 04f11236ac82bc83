// What the ledger's deciders write for lots: a credit's lot (and its expiry and notice jobs), a debit's draws in
// consumption order, and the event of an expiration. Pure, like the deciders that call them.
import type { BatchView, Write } from '../ledger/batch-state.ts';
import type { EntryRow, LotRow } from '../ledger/commands.ts';
import { eventRow, type EventRow } from '../outbox/event-row.ts';
import { idPrefixes } from '../shared/ids.ts';
import { assertInvariant } from '../shared/result.ts';
import { lotExpiryJobKind, lotNoticeJobKind } from './credit-limits.ts';
import { type LotCategory, categoryRank, expiresOrderOf, isExpiredAt } from './lot-order.ts';

/** The payload of a lot's jobs. */
export interface LotJobPayload {
  business_id: string;
  customer_id: string;
  currency: string;
  lot_id: string;
}

/**
 * The credit's lot; a lot that expires also gets its expiry job (due at expires_at) and its notice job. Paid money
 * that never expires goes into the wallet's pool instead (migration 0019): last in the consumption order, spent
 * oldest first, so its lot is derived from the entry when read (lot-repo.ts) and needs no row.
 */
export function lotCreditWrites(entry: EntryRow, expiresAt: string | null, category: LotCategory, view: BatchView): Write[] {
  if (expiresAt === null && category === 'paid') return [{ type: 'pool_credit', entryId: entry.id, amount: entry.amount }];
  const lot: LotRow = {
    id: view.newId(idPrefixes.creditLot),
    business_id: entry.business_id,
    customer_id: entry.customer_id,
    currency: entry.currency,
    amount: entry.amount,
    remaining_amount: entry.amount,
    expired_amount: 0,
    category,
    category_rank: categoryRank[category],
    expires_at: expiresAt,
    expires_order: expiresOrderOf(expiresAt),
    status: 'active',
    wallet_seq: entry.wallet_seq,
    source_entry_id: entry.id,
    expiry_entry_id: null,
    notice_sent_at: null,
    created_at: entry.created_at,
    updated_at: entry.created_at,
  };
  const writes: Write[] = [{ type: 'lot', lot }];
  if (expiresAt === null) return writes;
  const payload = JSON.stringify({ business_id: lot.business_id, customer_id: lot.customer_id, currency: lot.currency, lot_id: lot.id } satisfies LotJobPayload);
  const noticeAt = new Date(new Date(expiresAt).getTime() - view.lotSettings.expiringNoticeMs).toISOString();
  writes.push(
    { type: 'job', job: { id: view.newId('job'), kind: lotExpiryJobKind, key: lot.id, payload, dueAt: expiresAt, createdAt: view.now } },
    { type: 'job', job: { id: view.newId('job'), kind: lotNoticeJobKind, key: lot.id, payload, dueAt: noticeAt > view.now ? noticeAt : view.now, createdAt: view.now } },
  );
  return writes;
}

/**
 * A debit's draws: from the wallet's active lots in consumption order, then from its pool, until its amount is covered.
 * The store read the wallet's stored lots if they held available money; if they held none, the batch's own lots (made
 * by its credits, or given back by its releases) are all the wallet has before the pool.
 */
export function lotDrawWrites(entry: EntryRow, view: BatchView): Write[] {
  const wallet = view.wallet(entry.customer_id, entry.currency)!;
  assertInvariant(wallet.prepared, `wallet ${entry.customer_id}/${entry.currency} had its due lots expired before a debit`);
  const writes: Write[] = [];
  let left = entry.amount;
  for (const lot of wallet.lots) {
    if (left === 0) break;
    if (lot.status !== 'active') continue;
    assertInvariant(!isExpiredAt(lot.row.expires_at, view.now), `lot ${lot.row.id} was expired before the debit`);
    const amount = Math.min(left, lot.remaining);
    writes.push({ type: 'lot_draw', draw: { entry_id: entry.id, lot_id: lot.row.id, amount }, expires: false });
    left -= amount;
  }
  // What is left comes from the pool; applyPool checks that the stored lots then hold nothing available.
  if (left > 0) writes.push({ type: 'pool_draw', entryId: entry.id, amount: left });
  return writes;
}

/** wallet.credits_expired: what expired, from which lot, and the expiration entry that recorded it. */
export function lotExpiredEvent(entry: EntryRow, lot: LotRow, view: Pick<BatchView, 'newId'>): EventRow {
  return eventRow({
    id: view.newId(idPrefixes.event),
    businessId: entry.business_id,
    type: 'wallet.credits_expired',
    customerId: entry.customer_id,
    createdAt: entry.created_at,
    data: {
      payload_type: 'WalletCreditsExpired',
      customer_id: entry.customer_id,
      currency: entry.currency,
      lot_id: lot.id,
      category: lot.category,
      expires_at: lot.expires_at,
      amount: entry.amount,
      entry_id: entry.id,
      wallet_seq: entry.wallet_seq,
      balance: entry.after_balance,
    },
  });
}
