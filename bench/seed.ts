// Makes a fresh store for one benchmark run and bulk-inserts its wallets and ledgers straight through Kysely.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { ensureBootstrapKey } from '../src/businesses/business-service.ts';
import { type StoreKind, loadConfig } from '../src/config/config.ts';
import { openStore } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrations/index.ts';
import type { Database } from '../src/db/schema.ts';
import { randomBase62 } from '../src/shared/ids.ts';
import { systemClock } from '../src/shared/clock.ts';
import { dropPostgresSchema } from '../test/support/stores.ts';
import { rollUpAll } from '../src/analytics/rollup-job.ts';
import { bookkeepingFor } from '../src/db/bookkeeping.ts';

export const benchApiKey = 'ck_rw_bench_0123456789abcdefghijklmnop';
/** Every uniform wallet starts with this much, so that random credits and debits never run one dry. */
export const seedBalance = 1_000_000_000;
export const hotSeedBalance = 1_000_000_000_000;

export interface BenchDatabase {
  kind: StoreKind;
  /** Environment that points Coffer (or the naive peer) at this store. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export interface SeededIds {
  businessId: string;
  /** customerId(i) for i in [0, customerCount) is a uniform wallet's owner. */
  customerCount: number;
  hotCustomerId: string;
  deepCustomerId: string;
  shallowCustomerId: string;
  deepEntryCount: number;
  shallowEntryCount: number;
  /** A wallet holding lotsCount active promotional lots, each expiring an hour after the one before. */
  lotsCustomerId: string;
  lotsCount: number;
}

/** Each of the lots wallet's lots holds this much: debits of at most 1000 take from the first one or two. */
export const lotAmount = 1_000_000;

export const customerId = (i: number) => `cus_bench${String(i).padStart(16, '0')}`;

/** A fresh SQLite file, or a fresh schema in the coffer_bench database (created if absent). */
export async function createBenchDatabase(kind: StoreKind, postgresUrl: string): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-'));
    return { kind, env: { DATABASE_URL: path.join(dir, 'coffer.db') }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const url = await ensurePostgresDatabase(postgresUrl, 'coffer_bench');
  const schema = `bench_${randomBase62(10).toLowerCase()}`;
  return {
    kind,
    env: { DATABASE_URL: url, COFFER_DB_SCHEMA: schema },
    drop: () => dropPostgresSchema(url, schema),
  };
}

/** Creates `name` on the server of `serverUrl` if it does not exist; returns a URL that points at it. */
export async function ensurePostgresDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A sequence 0..count-1 as a row source, in each store's dialect. */
function series(kind: StoreKind, count: number) {
  return kind === 'postgres'
    ? sql`select i from generate_series(0, ${count - 1}::int) as g(i)`
    : sql`with recursive g(i) as (select 0 union all select i + 1 from g where i + 1 < ${count}) select i from g`;
}

function pad(kind: StoreKind, expression: ReturnType<typeof sql>) {
  return kind === 'postgres' ? sql`lpad(${expression}::text, 16, '0')` : sql`printf('%016d', ${expression})`;
}

/**
 * Migrates, bootstraps the bench key, then bulk-inserts: `customerCount` customers with funded USD wallets, one hot
 * wallet, and two customers whose USD ledgers hold `deepEntryCount` and `shallowEntryCount` credits of 1 with dense
 * sequences and exact before/after balances and counters, as if posted one by one. Returns the durability settings the
 * store reports through Coffer's own openStore.
 */
export async function seed(
  database: BenchDatabase,
  sizes: { customerCount: number; deepEntryCount: number; shallowEntryCount: number; lotsCount: number },
): Promise<{ ids: SeededIds; durability: Record<string, string>; seedMs: number }> {
  const startedAt = performance.now();
  const config = loadConfig({ ...database.env, COFFER_BOOTSTRAP_API_KEY: benchApiKey });
  const store = await openStore(config);
  try {
    await migrateToLatest(store.db, store.kind);
    const businessId = await ensureBootstrapKey(store.db, systemClock, benchApiKey);
    const now = new Date().toISOString();
    const kind = store.kind;
    const db = store.db;
    const ids: SeededIds = {
      businessId,
      customerCount: sizes.customerCount,
      hotCustomerId: 'cus_benchhot0000000000000',
      deepCustomerId: 'cus_benchdeep000000000000',
      shallowCustomerId: 'cus_benchshallow000000000',
      deepEntryCount: sizes.deepEntryCount,
      shallowEntryCount: sizes.shallowEntryCount,
      lotsCustomerId: 'cus_benchlots000000000000',
      lotsCount: sizes.lotsCount,
    };
    await db.transaction().execute(async (trx) => {
      await sql`insert into customers (id, business_id, email, name, phone_number, metadata, created_at, updated_at, entry_count)
        select 'cus_bench' || ${pad(kind, sql`i`)}, ${businessId}, 'c' || i || '@bench.test', 'Bench ' || i, null, '{}', ${now}, ${now}, 0
        from (${series(kind, sizes.customerCount)}) as s`.execute(trx);
      for (const currency of config.currencies) {
        const balance = currency === 'USD' ? seedBalance : 0;
        await sql`insert into wallets (customer_id, currency, business_id, balance, entry_count, created_at, updated_at)
          select id, ${currency}, business_id, ${balance}, 0, created_at, updated_at from customers where business_id = ${businessId}`.execute(trx);
      }
      await insertSpecialCustomer(trx, ids.hotCustomerId, businessId, now, config.currencies, hotSeedBalance, 0);
      await insertSpecialCustomer(trx, ids.deepCustomerId, businessId, now, config.currencies, sizes.deepEntryCount, sizes.deepEntryCount);
      await insertSpecialCustomer(trx, ids.shallowCustomerId, businessId, now, config.currencies, sizes.shallowEntryCount, sizes.shallowEntryCount);
      await insertCreditLedger(trx, kind, ids.deepCustomerId, businessId, now, sizes.deepEntryCount);
      await insertCreditLedger(trx, kind, ids.shallowCustomerId, businessId, now, sizes.shallowEntryCount);
      // Balances of paid money that never expires are the wallets' pools (migration 0019), as plain credits leave them;
      // the seeded balances have no credit entries of their own (the credit ledgers' entries stand in for them).
      await sql`update wallets set pool_in = balance where business_id = ${businessId}`.execute(trx);
      await insertLotsCustomer(trx, kind, ids.lotsCustomerId, businessId, now, config.currencies, sizes.lotsCount);
    });
    // The seeded ledgers' day rollups, as a running Coffer keeps them (docs/analytics.md#rollups): the phases then
    // measure the rollup job keeping up with their writes, not catching up with the seed.
    await rollUpAll({ db, store: kind, bookkeeping: bookkeepingFor(store), clock: systemClock });
    if (kind === 'postgres') await sql`analyze`.execute(db);
    else await sql`pragma wal_checkpoint(truncate)`.execute(db);
    return { ids, durability: store.durability, seedMs: performance.now() - startedAt };
  } finally {
    await store.close();
  }
}

/**
 * A customer whose USD wallet holds `count` active promotional lots (and nothing else), expiring one hour apart from
 * an hour from now, so that a debit finds them in the consumption index and reads only the first one or two. Like
 * opening lots they have no credit entry (wallet_seq 0): the bench measures the debits, not the ledger's history.
 */
async function insertLotsCustomer(trx: Kysely<Database>, kind: StoreKind, id: string, businessId: string, now: string, currencies: readonly string[], count: number) {
  const startMs = Date.parse(now) + 3_600_000;
  await insertSpecialCustomer(trx, id, businessId, now, currencies, count * lotAmount, 0);
  const expiresAt =
    kind === 'postgres'
      ? sql`to_char((${new Date(startMs).toISOString()}::timestamptz + (i || ' hours')::interval) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${new Date(startMs).toISOString()}, '+' || i || ' hours')`;
  await sql`insert into credit_lots (id, business_id, customer_id, currency, amount, remaining_amount, expired_amount, category,
      category_rank, expires_at, expires_order, status, wallet_seq, source_entry_id, expiry_entry_id, notice_sent_at, created_at, updated_at)
    select 'lot_benchlots' || ${pad(kind, sql`i`)}, ${businessId}, ${id}, 'USD', ${lotAmount}, ${lotAmount}, 0, 'promotional', 0,
      e, e, 'active', 0, null, null, null, ${now}, ${now}
    from (select i, ${expiresAt} as e from (${series(kind, count)}) as s) as t`.execute(trx);
  await sql`update wallets set next_expiry_at = (select min(expires_at) from credit_lots where customer_id = ${id})
    where customer_id = ${id} and currency = 'USD'`.execute(trx);
}

async function insertSpecialCustomer(
  trx: Kysely<Database>,
  id: string,
  businessId: string,
  now: string,
  currencies: readonly string[],
  usdBalance: number,
  entryCount: number,
): Promise<void> {
  await trx
    .insertInto('customers')
    .values({ id, business_id: businessId, email: `${id}@bench.test`, name: id, phone_number: null, metadata: '{}', created_at: now, updated_at: now, entry_count: entryCount })
    .execute();
  await trx
    .insertInto('wallets')
    .values(
      currencies.map((currency) => ({
        customer_id: id,
        currency,
        business_id: businessId,
        balance: currency === 'USD' ? usdBalance : 0,
        entry_count: currency === 'USD' ? entryCount : 0,
        created_at: now,
        updated_at: now,
        next_expiry_at: null,
        held_amount: 0,
        pool_in: 0,
        pool_out: 0,
        pool_held: 0,
      })),
    )
    .execute();
}

/** Entries 1..count, each a USD credit of 1: before = seq - 1, after = seq, customer_seq = wallet_seq = seq. */
async function insertCreditLedger(trx: Kysely<Database>, kind: StoreKind, id: string, businessId: string, now: string, count: number) {
  const prefix = `cwt_b${id.slice(9, 13)}`;
  await sql`insert into ledger_entries (id, business_id, customer_id, currency, amount, is_credit, event_type, reason,
      reference_object_id, idempotency_key, before_balance, after_balance, customer_seq, wallet_seq, created_at)
    select ${prefix} || ${pad(kind, sql`i`)}, ${businessId}, ${id}, 'USD', 1, 1, 'merchant_adjustment', null,
      null, null, i, i + 1, i + 1, i + 1, ${now}
    from (${series(kind, count)}) as s`.execute(trx);
}
