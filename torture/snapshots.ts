// Reads the end state twice, independently: straight from the database tables, and through the public API.
import type { Kysely } from 'kysely';
import type { Database } from '../src/db/schema.ts';
import type { HttpClient } from './http-client.ts';

export interface EntryRow {
  id: string;
  customer_id: string;
  currency: string;
  amount: number;
  is_credit: number;
  idempotency_key: string | null;
  before_balance: number;
  after_balance: number;
  customer_seq: number;
  wallet_seq: number;
}

export interface DatabaseSnapshot {
  customers: Array<{ id: string; entry_count: number }>;
  wallets: Array<{ customer_id: string; currency: string; balance: number; entry_count: number }>;
  /** Ordered by customer, currency, wallet_seq. */
  entries: EntryRow[];
}

export async function readDatabase(db: Kysely<Database>): Promise<DatabaseSnapshot> {
  const customers = await db.selectFrom('customers').select(['id', 'entry_count']).orderBy('id').execute();
  const wallets = await db
    .selectFrom('wallets')
    .select(['customer_id', 'currency', 'balance', 'entry_count'])
    .orderBy('customer_id')
    .orderBy('currency')
    .execute();
  const entries = await db
    .selectFrom('ledger_entries')
    .select(['id', 'customer_id', 'currency', 'amount', 'is_credit', 'idempotency_key', 'before_balance', 'after_balance', 'customer_seq', 'wallet_seq'])
    .orderBy('customer_id')
    .orderBy('currency')
    .orderBy('wallet_seq')
    .execute();
  const number = (value: unknown) => Number(value);
  return {
    customers: customers.map((c) => ({ id: c.id, entry_count: number(c.entry_count) })),
    wallets: wallets.map((w) => ({ ...w, balance: number(w.balance), entry_count: number(w.entry_count) })),
    entries: entries.map((e) => ({
      ...e,
      amount: number(e.amount),
      is_credit: number(e.is_credit),
      before_balance: number(e.before_balance),
      after_balance: number(e.after_balance),
      customer_seq: number(e.customer_seq),
      wallet_seq: number(e.wallet_seq),
    })),
  };
}

export interface ApiSnapshot {
  /** customer → currency → balance, from GET /customers/{id}/wallets. */
  balances: Map<string, Map<string, number>>;
  /** customer → entry ids newest first, from walking every page of GET …/ledger-entries. */
  entryIds: Map<string, string[]>;
  problems: string[];
}

const pageSize = 100;
const pagesMax = 100_000;
const readConcurrency = 16;

async function inParallel<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(readConcurrency, items.length) }, worker));
}

/** Every customer's wallets, and every page of the entries of `walkedCustomers`. */
export async function readApi(http: HttpClient, customers: readonly string[], walkedCustomers: readonly string[]): Promise<ApiSnapshot> {
  const snapshot: ApiSnapshot = { balances: new Map(), entryIds: new Map(), problems: [] };
  await inParallel(customers, async (customerId) => {
    const answer = await http.request('GET', `/customers/${customerId}/wallets`);
    if (answer.kind !== 'response' || answer.status !== 200) {
      snapshot.problems.push(`GET wallets ${customerId}: ${answer.kind === 'response' ? answer.status : answer.error}`);
      return;
    }
    snapshot.balances.set(customerId, new Map(answer.body.items.map((w: any) => [w.currency, w.balance])));
  });
  await inParallel(walkedCustomers, async (customerId) => {
    const ids: string[] = [];
    for (let page = 0; page < pagesMax; page++) {
      const answer = await http.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_number=${page}&page_size=${pageSize}`);
      if (answer.kind !== 'response' || answer.status !== 200) {
        snapshot.problems.push(`GET entries ${customerId} page ${page}: ${answer.kind === 'response' ? answer.status : answer.error}`);
        return;
      }
      if (answer.body.items.length === 0) break;
      ids.push(...answer.body.items.map((e: any) => e.id));
    }
    snapshot.entryIds.set(customerId, ids);
  });
  return snapshot;
}
