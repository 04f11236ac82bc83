// Applies one batch of ledger commands in one transaction: a handful of statements however many commands it holds.
import type { Kysely } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database, LedgerEntriesTable, WalletsTable } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import { walletBalanceMax } from '../shared/money.ts';
import { assertInvariant } from '../shared/result.ts';
import * as repo from './ledger-repo.ts';
import { type PostEntryCommand, type PostEntryOutcome, type WalletSnapshot, sameRequest } from './ledger-types.ts';

/** Another process committed one of the batch's idempotency keys after the batch read them: retry the batch. */
export class ConcurrentWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentWriteError';
  }
}

interface WalletState {
  row: WalletsTable;
  balance: number;
  entryCount: number;
}

interface CustomerState {
  businessId: string;
  initialEntryCount: number;
  entryCount: number;
}

export interface BatchContext {
  db: Kysely<Database>;
  store: StoreKind;
  clock: Clock;
  newId: IdGenerator;
  currencies: readonly string[];
}

/**
 * How group commit schedules batches per store. SQLite has one writer (and one connection): one batch at a time.
 * PostgreSQL locks each batch's customers (in id order) and commits concurrent transactions with shared WAL flushes,
 * so a second batch runs its statements while the first waits for its fsync; commands on a customer that an
 * in-flight batch has locked wait for the batch after it rather than for the lock.
 */
export const batchScheduling: Record<StoreKind, { concurrencyMax: number; conflictKey?: (command: PostEntryCommand) => string }> = {
  sqlite: { concurrencyMax: 1 },
  postgres: { concurrencyMax: 2, conflictKey: (command) => command.customerId },
};

const walletKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;
const idempotencyKey = (businessId: string, key: string) => `${businessId}\u0000${key}`;

function snapshot(state: WalletState, updatedAt: string): WalletSnapshot {
  return {
    customer_id: state.row.customer_id,
    currency: state.row.currency,
    balance: state.balance,
    created_at: state.row.created_at,
    updated_at: updatedAt,
  };
}

/**
 * Reads and locks what the batch touches, decides each command in order against the running balances, then writes
 * every entry and every balance move at once. Throws (rolling the whole batch back) only on a concurrent write or a
 * broken invariant; every expected failure is an outcome of its own command.
 */
export async function applyBatch(context: BatchContext, commands: PostEntryCommand[]): Promise<PostEntryOutcome[]> {
  return context.db.transaction().execute(async (trx) => {
    const now = context.clock.now().toISOString();
    const customerIds = [...new Set(commands.map((c) => c.customerId))];

    const customers = new Map<string, CustomerState>();
    for (const row of await repo.lockCustomers(trx, context.store, customerIds)) {
      customers.set(row.id, { businessId: row.business_id, initialEntryCount: row.entry_count, entryCount: row.entry_count });
    }

    const wallets = new Map<string, WalletState>();
    const walletRows = customers.size > 0 ? await repo.selectWallets(trx, [...customers.keys()]) : [];
    for (const row of walletRows) {
      wallets.set(walletKey(row.customer_id, row.currency), { row, balance: row.balance, entryCount: row.entry_count });
    }
    await createMissingWallets(trx, context, commands, customers, wallets, now);

    const seenKeys = new Map<string, LedgerEntriesTable>();
    const keysByBusiness = new Map<string, string[]>();
    for (const command of commands) {
      if (command.idempotencyKey === null || !customers.has(command.customerId)) continue;
      const keys = keysByBusiness.get(command.businessId) ?? [];
      keys.push(command.idempotencyKey);
      keysByBusiness.set(command.businessId, keys);
    }
    for (const [businessId, keys] of keysByBusiness) {
      for (const entry of await repo.findEntriesByKeys(trx, businessId, [...new Set(keys)])) {
        seenKeys.set(idempotencyKey(businessId, entry.idempotency_key!), entry);
      }
    }

    const inserts: LedgerEntriesTable[] = [];
    const outcomes = commands.map((command) => decide(command, { context, customers, wallets, seenKeys, inserts, now }));

    const walletMoves = collectWalletMoves(wallets);
    const customerMoves = collectCustomerMoves(customers);
    const written = await repo.writeBatch(trx, context.store, { entries: inserts, walletMoves, customerMoves, updatedAt: now });
    if (written.inserted !== inserts.length) {
      throw new ConcurrentWriteError('an idempotency key of this batch was committed by another writer meanwhile');
    }
    if (written.moved !== walletMoves.length) {
      throw new ConcurrentWriteError(`moved ${written.moved} of ${walletMoves.length} wallets: a balance changed after the batch read it`);
    }
    if (written.advanced !== customerMoves.length) {
      throw new ConcurrentWriteError(`advanced ${written.advanced} of ${customerMoves.length} customer counters: one changed meanwhile`);
    }
    return outcomes;
  });
}

async function createMissingWallets(
  trx: Parameters<typeof repo.insertWalletsIfAbsent>[0],
  context: BatchContext,
  commands: PostEntryCommand[],
  customers: Map<string, CustomerState>,
  wallets: Map<string, WalletState>,
  now: string,
): Promise<void> {
  // Wallets exist from customer creation; one is missing only when a currency was added to the configuration later.
  const missing = new Map<string, WalletsTable>();
  for (const command of commands) {
    const customer = customers.get(command.customerId);
    const key = walletKey(command.customerId, command.currency);
    if (!customer || wallets.has(key) || !context.currencies.includes(command.currency)) continue;
    missing.set(key, {
      customer_id: command.customerId,
      currency: command.currency,
      business_id: customer.businessId,
      balance: 0,
      entry_count: 0,
      created_at: now,
      updated_at: now,
    });
  }
  if (missing.size === 0) return;
  await repo.insertWalletsIfAbsent(trx, [...missing.values()]);
  for (const row of await repo.selectWallets(trx, [...new Set([...missing.values()].map((w) => w.customer_id))])) {
    const key = walletKey(row.customer_id, row.currency);
    if (!wallets.has(key)) wallets.set(key, { row, balance: row.balance, entryCount: row.entry_count });
  }
}

interface DecideState {
  context: BatchContext;
  customers: Map<string, CustomerState>;
  wallets: Map<string, WalletState>;
  seenKeys: Map<string, LedgerEntriesTable>;
  inserts: LedgerEntriesTable[];
  now: string;
}

function decide(command: PostEntryCommand, state: DecideState): PostEntryOutcome {
  const customer = state.customers.get(command.customerId);
  // A customer of another business is indistinguishable from an unknown one.
  if (!customer || customer.businessId !== command.businessId) return { kind: 'customer_not_found' };
  const wallet = state.wallets.get(walletKey(command.customerId, command.currency));
  assertInvariant(wallet, `wallet ${command.customerId}/${command.currency} exists for a configured currency`);

  if (command.idempotencyKey !== null) {
    const previous = state.seenKeys.get(idempotencyKey(command.businessId, command.idempotencyKey));
    if (previous) {
      if (!sameRequest(previous, command)) return { kind: 'key_conflict', entry: previous };
      const previousWallet = state.wallets.get(walletKey(previous.customer_id, previous.currency))!;
      return { kind: 'duplicate', entry: previous, wallet: snapshot(previousWallet, previousWallet.row.updated_at) };
    }
  }

  const before = wallet.balance;
  if (!command.isCredit && before < command.amount) return { kind: 'insufficient_funds', balance: before };
  if (command.isCredit && before + command.amount > walletBalanceMax) return { kind: 'balance_limit_exceeded', balance: before };
  const after = command.isCredit ? before + command.amount : before - command.amount;
  assertInvariant(after >= 0 && Number.isSafeInteger(after), `balance ${after} stays a non-negative safe integer`);

  wallet.balance = after;
  wallet.entryCount += 1;
  wallet.row = { ...wallet.row, updated_at: state.now };
  customer.entryCount += 1;
  const entry: LedgerEntriesTable = {
    id: state.context.newId(idPrefixes.ledgerEntry),
    business_id: command.businessId,
    customer_id: command.customerId,
    currency: command.currency,
    amount: command.amount,
    is_credit: command.isCredit ? 1 : 0,
    event_type: command.eventType,
    reason: command.reason,
    reference_object_id: command.referenceObjectId,
    idempotency_key: command.idempotencyKey,
    before_balance: before,
    after_balance: after,
    customer_seq: customer.entryCount,
    wallet_seq: wallet.entryCount,
    created_at: state.now,
  };
  state.inserts.push(entry);
  if (command.idempotencyKey !== null) state.seenKeys.set(idempotencyKey(command.businessId, command.idempotencyKey), entry);
  return { kind: 'applied', entry, wallet: snapshot(wallet, state.now) };
}

/** Each wallet's move, conditional on the balance and count the batch read. */
function collectWalletMoves(wallets: Map<string, WalletState>): repo.WalletMove[] {
  const walletMoves: repo.WalletMove[] = [];
  for (const state of wallets.values()) {
    const entryCountDelta = state.entryCount - state.row.entry_count;
    if (entryCountDelta === 0) continue;
    walletMoves.push({
      customerId: state.row.customer_id,
      currency: state.row.currency,
      expectedBalance: state.row.balance,
      expectedEntryCount: state.row.entry_count,
      balanceDelta: state.balance - state.row.balance,
      entryCountDelta,
    });
  }
  return walletMoves;
}

function collectCustomerMoves(customers: Map<string, CustomerState>): repo.CustomerCountMove[] {
  const customerMoves: repo.CustomerCountMove[] = [];
  for (const [customerId, state] of customers) {
    if (state.entryCount === state.initialEntryCount) continue;
    customerMoves.push({
      customerId,
      expectedEntryCount: state.initialEntryCount,
      entryCountDelta: state.entryCount - state.initialEntryCount,
    });
  }
  return customerMoves;
}
