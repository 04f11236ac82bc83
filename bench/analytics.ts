// The analytics phase of `npm run bench`: a bulk-seeded ledger of `analyticsEntryCount` entries (10 M in the full run,
// `--analytics-entries=N` for another size) over customers of 1,000 entries each spread across the past year, the
// wallet day and month rollups and the business day rollups built in SQL as the job would have left them; then one
// customer's one-year statement (p50/p99), a business-wide monthly report and the liability at a past date (each
// timed), and uniform POST c=32 with the rollup job on and with it off (COFFER_ROLLUP_INTERVAL_MS=0), so the write
// path's cost of rollups is a ratio of one run.
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { statementBlockEntries } from '../src/analytics/analytics-limits.ts';
import type { StatementEntry } from '../src/analytics/statement-reads.ts';
import { ensureBootstrapKey } from '../src/businesses/business-service.ts';
import { type StoreKind, loadConfig } from '../src/config/config.ts';
import { openStore } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrations/index.ts';
import type { Database } from '../src/db/schema.ts';
import { systemClock } from '../src/shared/clock.ts';
import { type PhaseResult, runPhase } from './load.ts';
import { type BenchDatabase, type SeededIds, benchApiKey, customerId } from './seed.ts';
import { uniformPosts } from './workloads.ts';

export const analyticsEntriesPerCustomer = 1_000;
const dayMs = 86_400_000;

export interface AnalyticsFigures {
  entries: number;
  customers: number;
  seedMs: number;
  statement: PhaseResult;
  monthlyReportMs: number[];
  liabilityMs: number[];
  liabilityExact: boolean;
  /** Whether a statement's first 1,000 entries (from blocks) are the seeded entries, every field, with their totals. */
  statementExact: boolean;
  uniformWithRollups: PhaseResult;
  uniformWithoutRollups: PhaseResult;
  /** Every (without, with) pair of --repeat=N, and the median of their ratios. */
  uniformPairs: Array<{ off: PhaseResult; on: PhaseResult }>;
  uniformRatioMedian: number;
}

function series(kind: StoreKind, count: number, name: string) {
  return kind === 'postgres'
    ? sql.raw(`select ${name} from generate_series(1, ${count}) as g(${name})`)
    : sql.raw(`with recursive g(${name}) as (select 1 union all select ${name} + 1 from g where ${name} < ${count}) select ${name} from g`);
}

const pad = (kind: StoreKind, expression: string) => sql.raw(kind === 'postgres' ? `lpad((${expression})::text, 16, '0')` : `printf('%016d', ${expression})`);

/** created_at of entry k of customer i: k steps of a year / entriesPerCustomer after the start, plus i ms. */
function createdAt(kind: StoreKind, startIso: string, stepMs: number) {
  return kind === 'postgres'
    ? sql`to_char((${startIso}::timestamptz + ((k::bigint * ${stepMs} + i) || ' milliseconds')::interval) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${startIso}, '+' || ((k * ${stepMs} + i) / 1000.0) || ' seconds')`;
}

/** Credits of 1,000 on odd k, debits of 600 on even k (merchant_adjustment and refund in turn): balances exact. */
async function seedLedger(db: Kysely<Database>, kind: StoreKind, businessId: string, customers: number, nowMs: number): Promise<void> {
  const per = analyticsEntriesPerCustomer;
  const startIso = new Date(nowMs - 365 * dayMs).toISOString();
  const stepMs = Math.floor((365 * dayMs) / per);
  const now = new Date(nowMs).toISOString();
  await db.transaction().execute(async (trx) => {
    await sql`insert into customers (id, business_id, email, name, phone_number, metadata, created_at, updated_at, entry_count)
      select 'cus_bench' || ${pad(kind, 'i - 1')}, ${businessId}, 'a' || i || '@bench.test', 'Analytics ' || i, null, '{}', ${startIso}, ${now}, ${per}
      from (${series(kind, customers, 'i')}) as s`.execute(trx);
    const finalBalance = (per / 2) * 400;
    await sql`insert into wallets (customer_id, currency, business_id, balance, entry_count, created_at, updated_at)
      select id, 'USD', business_id, ${finalBalance}, ${per}, created_at, updated_at from customers where business_id = ${businessId}`.execute(trx);
    await sql`insert into wallets (customer_id, currency, business_id, balance, entry_count, created_at, updated_at)
      select id, 'INR', business_id, 0, 0, created_at, updated_at from customers where business_id = ${businessId}`.execute(trx);
    // Every entry is paid money that never expires: credits into the wallet's pool and debits from it (migration 0019).
    await sql`insert into ledger_entries (id, business_id, customer_id, currency, amount, is_credit, event_type, reason, reference_object_id,
        idempotency_key, before_balance, after_balance, customer_seq, wallet_seq, created_at, pool_offset, pool_amount)
      select 'cwt_an' || ${pad(kind, 'i')} || ${pad(kind, 'k')}, ${businessId}, 'cus_bench' || ${pad(kind, 'i - 1')}, 'USD',
        case when k % 2 = 1 then 1000 else 600 end, k % 2,
        case when k % 2 = 1 then 'payment' when k % 4 = 0 then 'refund' else 'merchant_adjustment' end, null, null, null,
        case when k % 2 = 1 then ((k - 1) / 2) * 400 else ((k / 2) - 1) * 400 + 1000 end,
        case when k % 2 = 1 then ((k - 1) / 2) * 400 + 1000 else (k / 2) * 400 end,
        k, k, ${createdAt(kind, startIso, stepMs)},
        case when k % 2 = 1 then ((k - 1) / 2) * 1000 else ((k / 2) - 1) * 600 end, case when k % 2 = 1 then 1000 else 600 end
      from (${series(kind, customers, 'i')}) as c cross join (${series(kind, per, 'k')}) as e`.execute(trx);
    await sql`update wallets set pool_in = ${(per / 2) * 1000}, pool_out = ${(per / 2) * 600} where business_id = ${businessId} and currency = 'USD'`.execute(trx);
    // The rollups as the job leaves them (the bench business's zone is UTC: a day is the date part of created_at).
    for (const [table, bucket, key] of [
      ['wallet_day_rollups', 'day', 'substr(created_at, 1, 10)'],
      ['wallet_month_rollups', 'month', "substr(created_at, 1, 7) || '-01'"],
    ] as const) {
      await sql`insert into ${sql.table(table)} (customer_id, currency, ${sql.ref(bucket)}, event_type, business_id, credit_amount, debit_amount, entry_count, promotional_delta)
        select customer_id, currency, ${sql.raw(key)}, event_type, business_id, sum(case when is_credit = 1 then amount else 0 end),
          sum(case when is_credit = 0 then amount else 0 end), count(*), 0
        from ledger_entries where business_id = ${businessId} group by customer_id, currency, ${sql.raw(key)}, event_type, business_id`.execute(trx);
    }
    // The business's day rows: its wallets' day rows summed (what the job keeps with them, migration 0017).
    await sql`insert into business_day_rollups (business_id, currency, day, event_type, credit_amount, debit_amount, entry_count, promotional_delta)
      select business_id, currency, day, event_type, sum(credit_amount), sum(debit_amount), sum(entry_count), sum(promotional_delta)
      from wallet_day_rollups where business_id = ${businessId} group by business_id, currency, day, event_type`.execute(trx);
    // The statement blocks (migration 0020): every run of statementBlockEntries entries, rendered as the job renders
    // them (renderStatementEntries: JSON.stringify of each statement entry; here the same text built in SQL).
    const q = (column: string) => sql.raw(kind === 'postgres' ? `coalesce(to_json(${column})::text, 'null')` : `json_quote(${column})`);
    const n = statementBlockEntries;
    await sql`insert into wallet_statement_blocks (customer_id, currency, first_seq, last_seq, business_id, entries, totals)
      with t as (
        select customer_id, currency, (wallet_seq - 1) / ${sql.lit(n)} as b, event_type, sum(case when is_credit = 1 then amount else 0 end) as c,
          sum(case when is_credit = 1 then 0 else amount end) as d, count(*) as k
        from ledger_entries where business_id = ${businessId} group by customer_id, currency, (wallet_seq - 1) / ${sql.lit(n)}, event_type),
      tt as (
        select customer_id, currency, b, '[' || string_agg('[' || ${q('event_type')} || ',' || c || ',' || d || ',' || k || ']', ',') || ']' as totals
        from t group by customer_id, currency, b)
      select e.customer_id, e.currency, e.b * ${sql.lit(n)} + 1, e.b * ${sql.lit(n)} + ${sql.lit(n)}, ${businessId}, e.entries, tt.totals
      from (
        select customer_id, currency, (wallet_seq - 1) / ${sql.lit(n)} as b, string_agg('{"id":' || ${q('id')} || ',"created_at":' || ${q('created_at')}
          || ',"event_type":' || ${q('event_type')} || ',"is_credit":' || case when is_credit = 1 then 'true' else 'false' end
          || ',"amount":' || amount || ',"before_balance":' || before_balance || ',"after_balance":' || after_balance
          || ',"reason":' || ${q('reason')} || ',"reference_object_id":' || ${q('reference_object_id')} || '}', ',' order by wallet_seq) as entries
        from ledger_entries where business_id = ${businessId} group by customer_id, currency, (wallet_seq - 1) / ${sql.lit(n)}
      ) as e join tt on tt.customer_id = e.customer_id and tt.currency = e.currency and tt.b = e.b`.execute(trx);
    await sql`insert into wallet_rollup_cursors (customer_id, currency, business_id, rolled_seq, blocked_seq, forecast_in_horizon, updated_at)
      select customer_id, currency, business_id, entry_count, entry_count - entry_count % ${sql.lit(n)}, 0, ${now} from wallets where business_id = ${businessId}`.execute(trx);
  });
  // A ledger that grew over a year has been vacuumed along the way; one loaded in bulk has not: its first readers would
  // set every tuple's hint bits (writing the pages they read) and find no visibility map. Vacuum it as autovacuum would.
  if (kind === 'postgres') {
    // The tables written here, by name (this schema's, through the search path), not the whole database.
    await sql`vacuum analyze customers, wallets, ledger_entries, wallet_day_rollups, wallet_month_rollups, business_day_rollups, wallet_rollup_cursors, wallet_statement_blocks`.execute(db);
  }
  else await sql`pragma wal_checkpoint(truncate)`.execute(db);
}

export async function seedAnalytics(database: BenchDatabase, entries: number): Promise<{ ids: SeededIds; customers: number; seedMs: number; nowMs: number }> {
  const startedAt = performance.now();
  const config = loadConfig({ ...database.env, COFFER_BOOTSTRAP_API_KEY: benchApiKey });
  const store = await openStore(config);
  const customers = Math.max(1, Math.round(entries / analyticsEntriesPerCustomer));
  const nowMs = Date.now();
  try {
    await migrateToLatest(store.db, store.kind);
    const businessId = await ensureBootstrapKey(store.db, systemClock, benchApiKey);
    await seedLedger(store.db, store.kind, businessId, customers, nowMs);
    const ids = { businessId, customerCount: customers } as SeededIds;
    return { ids, customers, seedMs: performance.now() - startedAt, nowMs };
  } finally {
    await store.close();
  }
}

const randomInt = (n: number) => Math.floor(Math.random() * n);

async function timedGets(baseUrl: string, paths: string[]): Promise<{ ms: number[]; bodies: unknown[] }> {
  const ms: number[] = [];
  const bodies: unknown[] = [];
  for (const p of paths) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}${p}`, { headers: { authorization: `Bearer ${benchApiKey}` } });
    const body = await response.json();
    ms.push(performance.now() - started);
    if (!response.ok) throw new Error(`GET ${p}: ${response.status} ${JSON.stringify(body)}`);
    bodies.push(body);
  }
  return { ms, bodies };
}

/** The measured part, on a server started on the seeded store (`serverUrl`). */
export async function measureAnalytics(
  serverUrl: string,
  seeded: { customers: number; nowMs: number },
  phaseSeconds: number,
): Promise<Pick<AnalyticsFigures, 'statement' | 'monthlyReportMs' | 'liabilityMs' | 'liabilityExact' | 'statementExact'>> {
  const from = new Date(seeded.nowMs - 365 * dayMs).toISOString();
  const to = new Date(seeded.nowMs + 60_000).toISOString();
  const statementExact = await checkStatement(serverUrl, seeded, from, to);
  const statement = await runPhase({
    name: 'analytics statement c=8',
    baseUrl: serverUrl,
    connections: 8,
    durationSeconds: phaseSeconds,
    method: 'GET',
    headers: { authorization: `Bearer ${benchApiKey}` },
    next: () => ({ path: `/customers/${customerId(randomInt(seeded.customers))}/wallets/statement?currency=USD&from=${from}&to=${to}` }),
  });
  const month = new Date(seeded.nowMs - 120 * dayMs).toISOString().slice(0, 7);
  const nextMonth = new Date(Date.parse(`${month}-01T00:00:00Z`) + 40 * dayMs).toISOString().slice(0, 7);
  const monthly = await timedGets(serverUrl, Array.from({ length: 5 }, () => `/reports/activity?from=${month}-01&to=${nextMonth}-01&period=month`));
  const pastDate = new Date(seeded.nowMs - 180 * dayMs).toISOString().slice(0, 10);
  const liability = await timedGets(serverUrl, Array.from({ length: 5 }, () => `/reports/liability?date=${pastDate}`));
  // Exact: every customer's entries are the same sequence, so the brute-force figure is one wallet's balance × customers.
  const startMs = seeded.nowMs - 365 * dayMs;
  const stepMs = Math.floor((365 * dayMs) / analyticsEntriesPerCustomer);
  const endMs = Date.parse(`${pastDate}T00:00:00Z`) + dayMs;
  let expected = 0;
  for (let i = 1; i <= seeded.customers; i++) {
    const k = Math.min(analyticsEntriesPerCustomer, Math.max(0, Math.ceil((endMs - startMs - i) / stepMs) - 1));
    expected += k % 2 === 1 ? ((k - 1) / 2) * 400 + 1000 : (k / 2) * 400;
  }
  const usd = (liability.bodies[0] as { items: Array<{ currency: string; total: number }> }).items.find((r) => r.currency === 'USD');
  return { statement, monthlyReportMs: monthly.ms, liabilityMs: liability.ms, liabilityExact: usd?.total === expected, statementExact };
}

/** One customer's statement against the seed's formula: its first 1,000 entries field by field, the totals their sums. */
async function checkStatement(serverUrl: string, seeded: { customers: number; nowMs: number }, from: string, to: string): Promise<boolean> {
  const i = randomInt(seeded.customers);
  const { bodies } = await timedGets(serverUrl, [`/customers/${customerId(i)}/wallets/statement?currency=USD&from=${from}&to=${to}`]);
  const s = bodies[0] as { entries: SeededEntry[]; totals: Array<{ event_type: string; credit_amount: number; debit_amount: number; entry_count: number }>; closing_balance: number };
  const sums = new Map<string, [number, number, number]>();
  for (const e of s.entries) {
    const t = sums.get(e.event_type) ?? [0, 0, 0];
    sums.set(e.event_type, [t[0] + (e.is_credit ? e.amount : 0), t[1] + (e.is_credit ? 0 : e.amount), t[2] + 1]);
  }
  const totalsMatch = s.totals.length === sums.size && s.totals.every((t) => JSON.stringify(sums.get(t.event_type)) === JSON.stringify([t.credit_amount, t.debit_amount, t.entry_count]));
  return JSON.stringify(s.entries.slice(0, analyticsEntriesPerCustomer)) === JSON.stringify(seededEntries(i, seeded.nowMs)) && totalsMatch && s.entries.at(-1)?.after_balance === s.closing_balance;
}

/** A seeded entry as a statement lists it (the seed writes no reason and no reference). */
export type SeededEntry = StatementEntry;

/** The seeded entries of customer `index` (customerId(index)) as a statement lists them, recomputed from seedLedger's formula. */
export function seededEntries(index: number, nowMs: number): SeededEntry[] {
  const startMs = nowMs - 365 * dayMs;
  const stepMs = Math.floor((365 * dayMs) / analyticsEntriesPerCustomer);
  const pad = (n: number) => String(n).padStart(16, '0');
  const entries: SeededEntry[] = [];
  for (let k = 1; k <= analyticsEntriesPerCustomer; k++) {
    const credit = k % 2 === 1;
    const before = credit ? ((k - 1) / 2) * 400 : (k / 2 - 1) * 400 + 1000;
    entries.push({
      id: `cwt_an${pad(index + 1)}${pad(k)}`,
      created_at: new Date(startMs + k * stepMs + index + 1).toISOString(),
      event_type: credit ? 'payment' : k % 4 === 0 ? 'refund' : 'merchant_adjustment',
      is_credit: credit,
      amount: credit ? 1000 : 600,
      before_balance: before,
      after_balance: credit ? before + 1000 : before - 600,
      reason: null,
      reference_object_id: null,
    });
  }
  return entries;
}

export { uniformPosts, path };
