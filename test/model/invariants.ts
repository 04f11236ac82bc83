// End-of-sequence checks: every balance recomputed from its entries agrees with the database, the API and the model.
import type { Config } from '../../src/config/config.ts';
import type { Store } from '../../src/db/database.ts';
import type { EventsTable, LedgerEntriesTable, WalletsTable } from '../../src/db/schema.ts';
import { totalInUsdCents } from '../../src/shared/money.ts';
import type { TestApp } from '../support/test-app.ts';
import { rowMismatch, wireEntryMismatch } from './compare.ts';
import type { LedgerModel, ModelCustomer } from './ledger-model.ts';

export class ModelMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatch';
  }
}

export function check(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new ModelMismatch(message());
}

/** Rows appended to these customers after the model's last known entry, per customer, in customer_seq order. */
export async function rowsAfterModel(reader: Store, model: LedgerModel, customerIds: string[]): Promise<Map<string, LedgerEntriesTable[]>> {
  const result = new Map<string, LedgerEntriesTable[]>(customerIds.map((id) => [id, []]));
  if (customerIds.length === 0) return result;
  const rows = await reader.db.selectFrom('ledger_entries').selectAll().where('customer_id', 'in', customerIds).orderBy('customer_seq').execute();
  for (const row of rows) {
    if (row.customer_seq > (model.customers.get(row.customer_id)?.entries.length ?? 0)) result.get(row.customer_id)!.push(row);
  }
  return result;
}

/** Recomputes each wallet from the customer's stored entries and checks the chain of before/after balances. */
function recompute(customer: ModelCustomer, rows: LedgerEntriesTable[]): Map<string, { balance: number; count: number }> {
  const wallets = new Map<string, { balance: number; count: number }>();
  rows.forEach((row, index) => {
    check(row.customer_seq === index + 1, () => `${customer.id}: customer_seq ${row.customer_seq} at position ${index + 1}`);
    const wallet = wallets.get(row.currency) ?? { balance: 0, count: 0 };
    check(row.before_balance === wallet.balance, () => `${customer.id} seq ${row.customer_seq}: before_balance ${row.before_balance}, previous after ${wallet.balance}`);
    const after = row.is_credit === 1 ? wallet.balance + row.amount : wallet.balance - row.amount;
    check(row.after_balance === after && after >= 0, () => `${customer.id} seq ${row.customer_seq}: after_balance ${row.after_balance}, expected ${after} (≥ 0)`);
    check(row.amount > 0 && Number.isSafeInteger(row.amount), () => `${customer.id} seq ${row.customer_seq}: amount ${row.amount}`);
    wallet.balance = after;
    wallet.count += 1;
    check(row.wallet_seq === wallet.count, () => `${customer.id} seq ${row.customer_seq}: wallet_seq ${row.wallet_seq}, expected ${wallet.count}`);
    wallets.set(row.currency, wallet);
  });
  return wallets;
}

/**
 * The outbox agrees with the ledger: one customer.created, then exactly one wallet event per entry, in the order the
 * entries were appended, each showing its entry and the wallet just after it (no thresholds here: no low-balance event).
 */
function checkEvents(customer: ModelCustomer, rows: LedgerEntriesTable[], events: StoredCustomer['events']): void {
  const types = events.map((event) => event.type);
  check(types[0] === 'customer.created' && types.filter((type) => type === 'customer.created').length === 1, () => `${customer.id}: events ${types.join(', ')}`);
  const walletEvents = events.slice(1);
  check(walletEvents.length === rows.length, () => `${customer.id}: ${walletEvents.length} wallet events for ${rows.length} entries`);
  walletEvents.forEach((event, index) => {
    const row = rows[index];
    const data = JSON.parse(event.data) as { entry: { id: string; after_balance: number }; wallet: { balance: number; currency: string }; wallet_seq: number };
    const expectedType = row.is_credit === 1 ? 'wallet.credited' : 'wallet.debited';
    check(
      event.type === expectedType && event.business_id === row.business_id && data.entry.id === row.id && data.wallet_seq === row.wallet_seq &&
        data.wallet.balance === row.after_balance && data.wallet.currency === row.currency,
      () => `${customer.id} entry ${row.customer_seq}: event ${event.type} ${event.data}`,
    );
  });
}

interface StoredCustomer {
  rows: LedgerEntriesTable[];
  events: Array<Pick<EventsTable, 'type' | 'data' | 'business_id'>>;
  wallets: WalletsTable[];
  customer: { entry_count: number; business_id: string } | undefined;
}

/** Everything stored for these customers, in three queries. */
async function readStored(reader: Store, customerIds: string[]): Promise<Map<string, StoredCustomer>> {
  const stored = new Map<string, StoredCustomer>(customerIds.map((id) => [id, { rows: [], events: [], wallets: [], customer: undefined }]));
  if (customerIds.length === 0) return stored;
  const rows = await reader.db.selectFrom('ledger_entries').selectAll().where('customer_id', 'in', customerIds).orderBy('customer_seq').execute();
  for (const row of rows) stored.get(row.customer_id)!.rows.push(row);
  const events = await reader.db.selectFrom('events').select(['customer_id', 'type', 'data', 'business_id']).where('customer_id', 'in', customerIds).orderBy('seq').execute();
  for (const event of events) stored.get(event.customer_id!)!.events.push(event);
  for (const wallet of await reader.db.selectFrom('wallets').selectAll().where('customer_id', 'in', customerIds).execute()) {
    stored.get(wallet.customer_id)!.wallets.push(wallet);
  }
  const customers = await reader.db.selectFrom('customers').select(['id', 'entry_count', 'business_id']).where('id', 'in', customerIds).execute();
  for (const row of customers) stored.get(row.id)!.customer = row;
  return stored;
}

async function checkCustomer(t: TestApp, apiKey: string, config: Config, customer: ModelCustomer, stored: StoredCustomer): Promise<void> {
  const { rows, wallets: walletRows, customer: customerRow } = stored;
  check(rows.length === customer.entries.length, () => `${customer.id}: ${rows.length} stored entries, model has ${customer.entries.length}`);
  customer.entries.forEach((entry, index) => {
    const mismatch = rowMismatch(`${customer.id} entry ${index + 1}`, rows[index], entry);
    check(mismatch === null, () => mismatch!);
  });
  const recomputed = recompute(customer, rows);
  checkEvents(customer, rows, stored.events);

  check(customerRow?.entry_count === rows.length && customerRow.business_id === customer.businessId, () => `${customer.id}: customers row ${JSON.stringify(customerRow)}`);
  check(walletRows.length === customer.balances.size, () => `${customer.id}: ${walletRows.length} wallet rows`);
  for (const wallet of walletRows) {
    const fromEntries = recomputed.get(wallet.currency) ?? { balance: 0, count: 0 };
    const modelBalance = customer.balances.get(wallet.currency);
    check(
      wallet.balance === fromEntries.balance && wallet.balance === modelBalance && wallet.entry_count === fromEntries.count,
      () => `${customer.id} ${wallet.currency}: stored ${wallet.balance} (${wallet.entry_count} entries), from entries ${fromEntries.balance} (${fromEntries.count}), model ${modelBalance}`,
    );
  }

  const wallets = await t.request('GET', `/customers/${customer.id}/wallets`, { key: apiKey });
  check(wallets.statusCode === 200, () => `${customer.id}: GET wallets answered ${wallets.statusCode}`);
  const body = wallets.json() as { items: Array<{ currency: string; balance: number }>; total_balance_usd: number };
  for (const item of body.items) {
    check(item.balance === customer.balances.get(item.currency), () => `${customer.id}: API shows ${item.currency} ${item.balance}, model ${customer.balances.get(item.currency)}`);
  }
  const total = totalInUsdCents(body.items, config.fxRatesToUsd);
  check(body.total_balance_usd === total, () => `${customer.id}: total_balance_usd ${body.total_balance_usd}, expected ${total}`);

  // Every entry through the API, newest first, in pages of 100 until a short page.
  const listed: unknown[] = [];
  for (let page = 0; ; page++) {
    const response = await t.request('GET', `/customers/${customer.id}/wallets/ledger-entries?page_size=100&page_number=${page}`, { key: apiKey });
    const items = response.json().items as unknown[];
    listed.push(...items);
    if (items.length < 100) break;
  }
  check(listed.length === rows.length, () => `${customer.id}: API lists ${listed.length} entries, database holds ${rows.length}`);
  [...customer.entries].reverse().forEach((entry, index) => {
    const mismatch = wireEntryMismatch(`${customer.id} listed entry ${index}`, listed[index], entry);
    check(mismatch === null, () => mismatch!);
  });
}

/**
 * The lots agree with the ledger (docs/expiry.md): a credit that expires or is promotional made one stored lot of its
 * amount; any other credit is paid money that never expires and went into its wallet's paid pool instead (no lot row:
 * migration 0019), at the pool's end (its offset is the sum of the wallet's pool credits before it). Each stored lot's
 * remainder plus its draws is its amount; each debit drew exactly its amount from stored lots and the pool, taking from
 * the pool where the debits before it stopped (oldest money first). The wallet's pool counters are those sums and its
 * balance is its stored lots' remainders plus what holds reserve of them plus what the pool holds (nothing expires
 * during a sequence, so no expiration entries).
 */
async function checkLots(reader: Store, customerIds: string[]): Promise<void> {
  if (customerIds.length === 0) return;
  const lots = await reader.db.selectFrom('credit_lots').selectAll().where('customer_id', 'in', customerIds).execute();
  const wallets = await reader.db.selectFrom('wallets').selectAll().where('customer_id', 'in', customerIds).execute();
  const entries = await reader.db.selectFrom('ledger_entries').selectAll().where('customer_id', 'in', customerIds).orderBy('wallet_seq').execute();
  const draws = entries.length === 0 ? [] : await reader.db.selectFrom('lot_draws').selectAll().where('entry_id', 'in', entries.map((e) => e.id)).execute();
  const credits = entries.filter((e) => e.is_credit === 1);
  const stored = credits.filter((credit) => credit.pool_offset === null);
  check(lots.length === stored.length, () => `${lots.length} lots for ${stored.length} credits outside the pool`);
  for (const credit of stored) {
    const lot = lots.find((l) => l.source_entry_id === credit.id);
    check(lot && lot.amount === credit.amount && lot.wallet_seq === credit.wallet_seq, () => `credit ${credit.id} has no lot of its amount`);
    check(lot!.expires_at !== null || lot!.category === 'promotional', () => `credit ${credit.id}: paid money that never expires belongs in the pool, not lot ${lot!.id}`);
  }
  for (const lot of lots) {
    const drawn = draws.filter((d) => d.lot_id === lot.id).reduce((sum, d) => sum + d.amount, 0);
    check(lot.remaining_amount + drawn === lot.amount, () => `lot ${lot.id}: remaining ${lot.remaining_amount} + drawn ${drawn} ≠ ${lot.amount}`);
    check(lot.status === (lot.remaining_amount === 0 ? 'spent' : 'active'), () => `lot ${lot.id}: status ${lot.status} with ${lot.remaining_amount} left`);
  }
  for (const debit of entries.filter((e) => e.is_credit === 0)) {
    const taken = draws.filter((d) => d.entry_id === debit.id).reduce((sum, d) => sum + d.amount, 0);
    check(taken + (debit.pool_amount ?? 0) === debit.amount, () => `debit ${debit.id} drew ${taken} from lots and ${debit.pool_amount ?? 0} from the pool for ${debit.amount}`);
  }
  for (const wallet of wallets) {
    let poolIn = 0;
    let poolOut = 0;
    for (const entry of entries.filter((e) => e.customer_id === wallet.customer_id && e.currency === wallet.currency && e.pool_offset !== null)) {
      const at = entry.is_credit === 1 ? poolIn : poolOut;
      check(entry.pool_offset === at, () => `entry ${entry.id}: pool offset ${entry.pool_offset}, the pool's entries before it moved ${at}`);
      check(entry.is_credit === 0 || entry.pool_amount === entry.amount, () => `credit ${entry.id} put ${entry.pool_amount} of ${entry.amount} into the pool`);
      if (entry.is_credit === 1) poolIn += entry.pool_amount!;
      else poolOut += entry.pool_amount!;
    }
    check(wallet.pool_in === poolIn && wallet.pool_out === poolOut, () => `${wallet.customer_id}/${wallet.currency}: pool counters ${wallet.pool_in}/${wallet.pool_out}, entries ${poolIn}/${poolOut}`);
    const active = lots.filter((l) => l.customer_id === wallet.customer_id && l.currency === wallet.currency && l.status === 'active').reduce((sum, l) => sum + l.remaining_amount, 0);
    const held = active + wallet.held_amount - wallet.pool_held + poolIn - poolOut;
    check(held === wallet.balance, () => `${wallet.customer_id}/${wallet.currency}: balance ${wallet.balance}, lots, holds and the pool hold ${held}`);
  }
}

/**
 * Checks every customer of the sequence, then the keys: each (business, key) the model knows is stored once, and
 * no other entry carries a key of this sequence.
 */
export async function checkSequenceEnd(
  t: TestApp,
  apiKeys: Map<string, string>,
  reader: Store,
  config: Config,
  model: LedgerModel,
  keyPrefix: string,
): Promise<void> {
  const stored = await readStored(reader, [...model.customers.keys()]);
  for (const customer of model.customers.values()) {
    await checkCustomer(t, apiKeys.get(customer.businessId)!, config, customer, stored.get(customer.id)!);
  }
  await checkLots(reader, [...model.customers.keys()]);
  const keyed = await reader.db
    .selectFrom('ledger_entries')
    .select(['business_id', 'idempotency_key', 'customer_id'])
    .where('idempotency_key', 'like', `${keyPrefix}%`)
    .execute();
  check(keyed.length === model.keys.size, () => `${keyed.length} stored entries carry this sequence's keys, model has ${model.keys.size}`);
  for (const row of keyed) {
    const entry = model.keys.get(`${row.business_id}\u0000${row.idempotency_key}`);
    check(entry?.customerId === row.customer_id, () => `key ${row.idempotency_key} of ${row.business_id} is on ${row.customer_id}, model says ${entry?.customerId}`);
  }
}
