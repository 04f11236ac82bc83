// Verify pass over wallets and their entries in wallet_seq order: balances, arithmetic, chains, sequences, counters, entry values.
import { sql } from 'kysely';
import { eventTypes } from '../ledger/commands.ts';
import { decodeStoredText, isServableTimestamp } from './stored-values.ts';
import { type VerifyContext, storedText } from './verify-context.ts';

interface WalletRow {
  customer_id: string;
  currency: string;
  balance: number;
  entry_count: number;
  created_at: string;
  updated_at: string;
}

interface EntryRow {
  id: string;
  customer_id: string;
  currency: string;
  amount: number;
  is_credit: number;
  before_balance: number;
  after_balance: number;
  wallet_seq: number;
  created_at: string;
  event_type: string;
  reason: string | Uint8Array | null;
  reference_object_id: string | Uint8Array | null;
  idempotency_key: string | Uint8Array | null;
}

/** What a wallet's entries added up to so far, in wallet_seq order. */
interface Chain {
  entries: number;
  lastSeq: number;
  lastAfter: number;
  sum: number;
}

const knownEventTypes = new Set<string>(eventTypes);
const walletKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;

export async function verifyWallets(context: VerifyContext): Promise<void> {
  const { trx } = context;
  let cursor: { customerId: string; currency: string } | null = null;
  for (;;) {
    const current = cursor;
    const wallets: WalletRow[] = await trx
      .selectFrom('wallets')
      .select(['customer_id', 'currency', 'balance', 'entry_count', 'created_at', 'updated_at'])
      .$if(current !== null, (q) =>
        q.where((eb) => eb(eb.refTuple('customer_id', 'currency'), '>', eb.tuple(current!.customerId, current!.currency))),
      )
      .orderBy('customer_id')
      .orderBy('currency')
      .limit(context.pageRowsMax)
      .execute();
    if (wallets.length === 0) return;
    await verifyWalletPage(context, wallets);
    context.counted('wallets', wallets.length);
    const last = wallets[wallets.length - 1];
    cursor = { customerId: last.customer_id, currency: last.currency };
  }
}

/** Reads the page's entries as one index range, in pages, and walks wallets and entries side by side. */
async function verifyWalletPage(context: VerifyContext, wallets: WalletRow[]): Promise<void> {
  const { trx, store } = context;
  const indexOf = new Map(wallets.map((w, index) => [walletKey(w.customer_id, w.currency), index]));
  const first = wallets[0];
  const last = wallets[wallets.length - 1];
  let position = 0;
  let chain: Chain = { entries: 0, lastSeq: 0, lastAfter: 0, sum: 0 };
  // The first page starts at the first wallet itself (whatever its entries' wallet_seq), the next after the last entry read.
  let cursor: [string, string, number] | null = null;
  for (;;) {
    const after = cursor;
    const entries: EntryRow[] = await trx
      .selectFrom('ledger_entries')
      .select([
        'id',
        'customer_id',
        'currency',
        'amount',
        'is_credit',
        'before_balance',
        'after_balance',
        'wallet_seq',
        'created_at',
        'event_type',
        storedText(store, 'reason').as('reason'),
        storedText(store, 'reference_object_id').as('reference_object_id'),
        storedText(store, 'idempotency_key').as('idempotency_key'),
      ])
      .where((eb) =>
        after === null
          ? eb(eb.refTuple('customer_id', 'currency'), '>=', eb.tuple(first.customer_id, first.currency))
          : eb(eb.refTuple('customer_id', 'currency', 'wallet_seq'), '>', eb.tuple(...after)),
      )
      .where((eb) => eb(eb.refTuple('customer_id', 'currency'), '<=', eb.tuple(last.customer_id, last.currency)))
      .orderBy('customer_id')
      .orderBy('currency')
      .orderBy('wallet_seq')
      .limit(context.pageRowsMax)
      .execute();
    for (const entry of entries) {
      const index = indexOf.get(walletKey(entry.customer_id, entry.currency));
      if (index === undefined) continue; // an entry without a wallet: reported by the orphan check
      while (position < index) {
        finishWallet(context, wallets[position++], chain);
        chain = { entries: 0, lastSeq: 0, lastAfter: 0, sum: 0 };
      }
      checkEntry(context, entry, chain);
    }
    context.counted('ledger_entries', entries.length);
    if (entries.length < context.pageRowsMax) break;
    const tail = entries[entries.length - 1];
    cursor = [tail.customer_id, tail.currency, tail.wallet_seq];
  }
  while (position < wallets.length) {
    finishWallet(context, wallets[position++], chain);
    chain = { entries: 0, lastSeq: 0, lastAfter: 0, sum: 0 };
  }
}

function checkEntry(context: VerifyContext, entry: EntryRow, chain: Chain): void {
  const { findings } = context;
  const ids = { entry_id: entry.id, customer_id: entry.customer_id, currency: entry.currency, wallet_seq: entry.wallet_seq };
  const signed = entry.is_credit === 1 ? entry.amount : -entry.amount;
  if (entry.before_balance < 0 || entry.after_balance < 0) {
    findings.add('negative_balance', 'ledger_entries', ids, `before_balance ${entry.before_balance}, after_balance ${entry.after_balance}`);
  }
  if ((entry.is_credit !== 0 && entry.is_credit !== 1) || entry.amount <= 0 || entry.after_balance !== entry.before_balance + signed) {
    findings.add(
      'entry_arithmetic',
      'ledger_entries',
      ids,
      `after_balance ${entry.after_balance} ≠ before_balance ${entry.before_balance} ${entry.is_credit === 1 ? '+' : '−'} amount ${entry.amount}`,
    );
  }
  if (entry.wallet_seq !== chain.lastSeq + 1) {
    findings.add('wallet_seq_gap', 'ledger_entries', ids, `wallet_seq ${entry.wallet_seq} follows ${chain.lastSeq}`);
  }
  if (entry.before_balance !== chain.lastAfter) {
    const previous = chain.entries === 0 ? 'the first entry starts from 0' : `the previous entry ended at ${chain.lastAfter}`;
    findings.add('chain_break', 'ledger_entries', ids, `before_balance ${entry.before_balance}, but ${previous}`);
  }
  if (!isServableTimestamp(entry.created_at)) {
    findings.add('invalid_timestamp', 'ledger_entries', ids, `created_at ${JSON.stringify(entry.created_at)}`);
  }
  if (!knownEventTypes.has(entry.event_type)) {
    findings.add('invalid_event_type', 'ledger_entries', ids, `event_type ${JSON.stringify(entry.event_type)}`);
  }
  for (const column of ['reason', 'reference_object_id', 'idempotency_key'] as const) {
    const value = entry[column];
    if (value !== null && decodeStoredText(value) === null) findings.add('invalid_text', 'ledger_entries', ids, `${column} is not well-formed text`);
  }
  chain.entries += 1;
  chain.lastSeq = entry.wallet_seq;
  chain.lastAfter = entry.after_balance;
  chain.sum += signed;
}

function finishWallet(context: VerifyContext, wallet: WalletRow, chain: Chain): void {
  const { findings } = context;
  const ids = { customer_id: wallet.customer_id, currency: wallet.currency };
  if (wallet.balance < 0) findings.add('negative_balance', 'wallets', ids, `balance ${wallet.balance}`);
  if (wallet.balance !== chain.sum || wallet.balance !== chain.lastAfter) {
    findings.add(
      'wallet_balance_mismatch',
      'wallets',
      ids,
      `balance ${wallet.balance}, sum of its ${chain.entries} entries ${chain.sum}, last after_balance ${chain.lastAfter}`,
    );
  }
  if (wallet.entry_count !== chain.lastSeq) {
    findings.add('wallet_entry_count_mismatch', 'wallets', ids, `entry_count ${wallet.entry_count}, last wallet_seq ${chain.lastSeq}`);
  }
  for (const column of ['created_at', 'updated_at'] as const) {
    if (!isServableTimestamp(wallet[column])) findings.add('invalid_timestamp', 'wallets', ids, `${column} ${JSON.stringify(wallet[column])}`);
  }
}

/** Entries without a wallet and wallets without a customer (the foreign keys forbid both; a copy made around them may not). */
export async function verifyOrphans(context: VerifyContext): Promise<void> {
  const { trx, findings } = context;
  const orphanEntries = await trx
    .selectFrom('ledger_entries as e')
    .select(['e.id', 'e.customer_id', 'e.currency'])
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('wallets as w').select(sql`1`.as('one')).whereRef('w.customer_id', '=', 'e.customer_id').whereRef('w.currency', '=', 'e.currency'))),
    )
    .limit(context.pageRowsMax)
    .execute();
  for (const row of orphanEntries) {
    findings.add('orphan_entry', 'ledger_entries', { entry_id: row.id, customer_id: row.customer_id, currency: row.currency }, 'no such wallet');
  }
  const orphanWallets = await trx
    .selectFrom('wallets as w')
    .select(['w.customer_id', 'w.currency'])
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('customers as c').select(sql`1`.as('one')).whereRef('c.id', '=', 'w.customer_id'))))
    .limit(context.pageRowsMax)
    .execute();
  for (const row of orphanWallets) {
    findings.add('orphan_wallet', 'wallets', { customer_id: row.customer_id, currency: row.currency }, 'no such customer');
  }
}
