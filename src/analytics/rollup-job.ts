// The analytics.rollup job: brings wallets' day rollups up to their entries, a bounded round at a time, moving each
// wallet's cursor in the same transaction as its rows and its business's day rows (their sum per business), and writes
// each complete run of blockEntries entries as a statement block behind a second cursor (blocked_seq). Off the write
// path: the writer never waits for it, and a read never needs it to be current (fact-reads.ts adds the entries after
// the cursor; a statement reads the entries no block holds from the ledger).
import { type Kysely, type Transaction, sql } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Bookkeeping } from '../db/bookkeeping.ts';
import type { Database } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-types.ts';
import type { Clock } from '../shared/clock.ts';
import { addEntryFacts, type DayFact } from './day-facts.ts';
import { entriesAfter, normalizeEntry, promotionalDeltas, statementRows } from './entry-reads.ts';
import { rollupCatchUpGapMs, rollupEntriesPerWalletMax, rollupInUseRoundMsMax, rollupRoundMsMax, rollupWalletsPerRoundMax, statementBlockEntries } from './analytics-limits.ts';
import { blockTotalsText, renderStatementEntries } from './statement-reads.ts';

export interface RollupDeps {
  db: Kysely<Database>;
  store: StoreKind;
  /** Rollups are rebuildable: their commits do not wait for the disk (a power cut costs a re-roll, never money). */
  bookkeeping: Bookkeeping;
  clock: Clock;
  /** Called with each wallet rolled up in the round's transaction (the depletion forecast's check). */
  afterWallet?: (trx: Transaction<Database>, wallet: RolledWallet) => Promise<void>;
  walletsPerRoundMax?: number;
  /** A round takes no further wallet once it has run this long (its transaction holds SQLite's one connection). */
  roundMsMax?: number;
  /** Entries per statement block (statementBlockEntries; tests use small blocks to mix blocks and ledger reads). */
  blockEntries?: number;
}

export interface RolledWallet {
  businessId: string;
  customerId: string;
  currency: string;
  zone: string;
  /** The cursor row's flag before this round. */
  forecastInHorizon: boolean;
  /** Whether the entries this round rolled up include a debit (only a debit brings depletion nearer). */
  hadDebit: boolean;
}

export interface RollupRound {
  wallets: number;
  entries: number;
  /** Whether wallets were left behind for the next round. */
  more: boolean;
}

/**
 * One bounded round: up to walletsPerRoundMax lagging wallets, up to rollupEntriesPerWalletMax entries each, and no
 * further wallet once roundMsMax has passed (at least one wallet per round, so rounds always progress).
 */
export async function rollUpRound(deps: RollupDeps): Promise<RollupRound> {
  const walletsMax = deps.walletsPerRoundMax ?? rollupWalletsPerRoundMax;
  const blockEntries = deps.blockEntries ?? statementBlockEntries;
  const lagging = await deps.db
    .selectFrom('wallets as w')
    .leftJoin('wallet_rollup_cursors as c', (join) => join.onRef('c.customer_id', '=', 'w.customer_id').onRef('c.currency', '=', 'w.currency'))
    .select(['w.customer_id', 'w.currency', 'w.business_id'])
    .where(sql<boolean>`(w.entry_count > coalesce(c.rolled_seq, 0) or w.entry_count >= coalesce(c.blocked_seq, 0) + ${blockEntries})`)
    .limit(walletsMax + 1)
    .execute();
  const batch = lagging.slice(0, walletsMax).sort((a, b) => (a.business_id < b.business_id ? -1 : a.business_id > b.business_id ? 1 : 0));
  if (batch.length === 0) return { wallets: 0, entries: 0, more: false };
  let entries = 0;
  let wallets = 0;
  let more = lagging.length > walletsMax;
  const roundMsMax = deps.roundMsMax ?? rollupRoundMsMax;
  await deps.bookkeeping(async (trx) => {
    const startedMs = performance.now();
    const zones = new Map<string, string>();
    const businessFacts = new Map<string, Map<string, DayFact>>();
    for (const w of batch) {
      if (wallets > 0 && performance.now() - startedMs >= roundMsMax) {
        more = true;
        break;
      }
      let zone = zones.get(w.business_id);
      if (zone === undefined) {
        // A zone change updates this row and drops the business's rollups in one transaction: holding the row shared
        // means every row this round writes is in the zone in force.
        let query = trx.selectFrom('businesses').select('time_zone').where('id', '=', w.business_id);
        if (deps.store === 'postgres') query = query.forShare();
        zone = (await query.executeTakeFirst())?.time_zone ?? 'UTC';
        zones.set(w.business_id, zone);
      }
      const rolled = await rollUpWallet(trx, deps, { businessId: w.business_id, customerId: w.customer_id, currency: w.currency }, zone);
      wallets += 1;
      entries += rolled.entries;
      more ||= rolled.more;
      let sums = businessFacts.get(w.business_id);
      if (!sums) businessFacts.set(w.business_id, (sums = new Map()));
      for (const f of rolled.facts) addBusinessFact(sums, f);
    }
    // The business's rows move with its wallets' cursors, in this transaction: each stays the sum of its wallets' rows.
    // In key order, so two rounds at once (a rebuild beside the job) take the rows' locks in one order.
    for (const [businessId, sums] of [...businessFacts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      await upsertBusinessFacts(trx, businessId, [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, fact]) => fact));
    }
  });
  return { wallets, entries, more };
}

function addBusinessFact(sums: Map<string, DayFact>, f: DayFact): void {
  const key = `${f.currency}\u0000${f.day}\u0000${f.eventType}`;
  const sum = sums.get(key);
  if (!sum) sums.set(key, { ...f, customerId: '' });
  else {
    sum.creditAmount += f.creditAmount;
    sum.debitAmount += f.debitAmount;
    sum.entryCount += f.entryCount;
    sum.promotionalDelta += f.promotionalDelta;
  }
}

async function upsertBusinessFacts(trx: Transaction<Database>, businessId: string, facts: DayFact[]): Promise<void> {
  for (let i = 0; i < facts.length; i += 200) {
    await trx
      .insertInto('business_day_rollups')
      .values(
        facts.slice(i, i + 200).map((f) => ({
          business_id: businessId,
          currency: f.currency,
          day: f.day,
          event_type: f.eventType,
          credit_amount: f.creditAmount,
          debit_amount: f.debitAmount,
          entry_count: f.entryCount,
          promotional_delta: f.promotionalDelta,
        })),
      )
      .onConflict((conflict) =>
        conflict.columns(['business_id', 'currency', 'day', 'event_type']).doUpdateSet((eb) => ({
          credit_amount: eb(eb.ref('business_day_rollups.credit_amount'), '+', eb.ref('excluded.credit_amount')),
          debit_amount: eb(eb.ref('business_day_rollups.debit_amount'), '+', eb.ref('excluded.debit_amount')),
          entry_count: eb(eb.ref('business_day_rollups.entry_count'), '+', eb.ref('excluded.entry_count')),
          promotional_delta: eb(eb.ref('business_day_rollups.promotional_delta'), '+', eb.ref('excluded.promotional_delta')),
        })),
      )
      .execute();
  }
}

async function rollUpWallet(
  trx: Transaction<Database>,
  deps: RollupDeps,
  wallet: { businessId: string; customerId: string; currency: string },
  zone: string,
): Promise<{ entries: number; more: boolean; facts: DayFact[] }> {
  let cursorQuery = trx
    .selectFrom('wallet_rollup_cursors')
    .select(['rolled_seq', 'blocked_seq', 'forecast_in_horizon'])
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency);
  if (deps.store === 'postgres') cursorQuery = cursorQuery.forUpdate();
  const cursor = await cursorQuery.executeTakeFirst();
  const rolledSeq = Number(cursor?.rolled_seq ?? 0);
  const countRow = await trx.selectFrom('wallets').select('entry_count').where('customer_id', '=', wallet.customerId).where('currency', '=', wallet.currency).executeTakeFirst();
  const count = Number(countRow?.entry_count ?? 0);
  const lastSeq = Math.min(count, rolledSeq + rollupEntriesPerWalletMax);
  const ref = { customerId: wallet.customerId, currency: wallet.currency };
  const rows = [];
  for (let after = rolledSeq; after < lastSeq; ) {
    const page = (await entriesAfter(trx, ref, after, lastSeq)).map(normalizeEntry);
    if (page.length === 0) throw new Error(`wallet ${wallet.customerId}/${wallet.currency} has no entries after ${after} below its count ${count}`);
    rows.push(...page);
    after = page[page.length - 1].wallet_seq;
  }
  const facts = new Map<string, DayFact>();
  if (rows.length > 0) addEntryFacts(facts, rows, await promotionalDeltas(trx, rows), zone);
  const rolledFacts = [...facts.values()];
  await upsertFacts(trx, wallet.businessId, rolledFacts);
  const blockEntries = deps.blockEntries ?? statementBlockEntries;
  const blockedSeq = Number(cursor?.blocked_seq ?? 0);
  const blockedTo = await writeBlocks(trx, wallet, blockedSeq, count, blockEntries);
  if (lastSeq === rolledSeq && blockedTo === blockedSeq) return { entries: 0, more: false, facts: [] };
  const now = deps.clock.now().toISOString();
  if (cursor) {
    const moved = await trx
      .updateTable('wallet_rollup_cursors')
      .set({ rolled_seq: lastSeq, blocked_seq: blockedTo, updated_at: now })
      .where('customer_id', '=', wallet.customerId)
      .where('currency', '=', wallet.currency)
      .where('rolled_seq', '=', rolledSeq)
      .where('blocked_seq', '=', blockedSeq)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw new Error(`rollup cursor of ${wallet.customerId}/${wallet.currency} moved under this round`);
  } else {
    await trx
      .insertInto('wallet_rollup_cursors')
      .values({ customer_id: wallet.customerId, currency: wallet.currency, business_id: wallet.businessId, rolled_seq: lastSeq, blocked_seq: blockedTo, updated_at: now })
      .execute();
  }
  if (rows.length > 0) await deps.afterWallet?.(trx, { ...wallet, zone, forecastInHorizon: Number(cursor?.forecast_in_horizon ?? 0) === 1, hadDebit: rows.some((e) => e.is_credit === 0) });
  return { entries: rows.length, more: lastSeq < count || blockedTo + blockEntries <= count, facts: rolledFacts };
}

/**
 * Writes the wallet's complete runs of blockEntries entries after blockedSeq as statement blocks (at most
 * rollupEntriesPerWalletMax entries a round) and returns the new blocked_seq.
 */
async function writeBlocks(trx: Transaction<Database>, wallet: { businessId: string; customerId: string; currency: string }, blockedSeq: number, count: number, blockEntries: number): Promise<number> {
  const ref = { customerId: wallet.customerId, currency: wallet.currency };
  let blocked = blockedSeq;
  const rows = [];
  while (blocked + blockEntries <= count && blocked - blockedSeq + blockEntries <= Math.max(blockEntries, rollupEntriesPerWalletMax)) {
    const entries = await statementRows(trx, ref, blocked, blocked + blockEntries, blockEntries);
    if (entries.length !== blockEntries) throw new Error(`wallet ${wallet.customerId}/${wallet.currency} has ${entries.length} entries after ${blocked}, not ${blockEntries}, below its count ${count}`);
    const { entries: text, totals } = renderStatementEntries(entries);
    rows.push({ customer_id: wallet.customerId, currency: wallet.currency, first_seq: blocked + 1, last_seq: blocked + blockEntries, business_id: wallet.businessId, entries: text, totals: blockTotalsText(totals) });
    blocked += blockEntries;
  }
  // A few blocks per insert: each is ~blockEntries × 230 bytes.
  for (let i = 0; i < rows.length; i += 20) await trx.insertInto('wallet_statement_blocks').values(rows.slice(i, i + 20)).execute();
  return blocked;
}

async function upsertFacts(trx: Transaction<Database>, businessId: string, facts: DayFact[]): Promise<void> {
  const months = new Map<string, DayFact>();
  for (const f of facts) {
    const month = `${f.day.slice(0, 7)}-01`;
    const key = `${f.customerId}\u0000${f.currency}\u0000${month}\u0000${f.eventType}`;
    const m = months.get(key);
    if (!m) months.set(key, { ...f, day: month });
    else {
      m.creditAmount += f.creditAmount;
      m.debitAmount += f.debitAmount;
      m.entryCount += f.entryCount;
      m.promotionalDelta += f.promotionalDelta;
    }
  }
  const row = (f: DayFact) => ({
    customer_id: f.customerId,
    currency: f.currency,
    event_type: f.eventType,
    business_id: businessId,
    credit_amount: f.creditAmount,
    debit_amount: f.debitAmount,
    entry_count: f.entryCount,
    promotional_delta: f.promotionalDelta,
  });
  for (let i = 0; i < facts.length; i += 200) {
    await trx
      .insertInto('wallet_day_rollups')
      .values(facts.slice(i, i + 200).map((f) => ({ ...row(f), day: f.day })))
      .onConflict((conflict) =>
        conflict.columns(['customer_id', 'currency', 'day', 'event_type']).doUpdateSet((eb) => ({
          credit_amount: eb(eb.ref('wallet_day_rollups.credit_amount'), '+', eb.ref('excluded.credit_amount')),
          debit_amount: eb(eb.ref('wallet_day_rollups.debit_amount'), '+', eb.ref('excluded.debit_amount')),
          entry_count: eb(eb.ref('wallet_day_rollups.entry_count'), '+', eb.ref('excluded.entry_count')),
          promotional_delta: eb(eb.ref('wallet_day_rollups.promotional_delta'), '+', eb.ref('excluded.promotional_delta')),
        })),
      )
      .execute();
  }
  const monthFacts = [...months.values()];
  for (let i = 0; i < monthFacts.length; i += 200) {
    await trx
      .insertInto('wallet_month_rollups')
      .values(monthFacts.slice(i, i + 200).map((f) => ({ ...row(f), month: f.day })))
      .onConflict((conflict) =>
        conflict.columns(['customer_id', 'currency', 'month', 'event_type']).doUpdateSet((eb) => ({
          credit_amount: eb(eb.ref('wallet_month_rollups.credit_amount'), '+', eb.ref('excluded.credit_amount')),
          debit_amount: eb(eb.ref('wallet_month_rollups.debit_amount'), '+', eb.ref('excluded.debit_amount')),
          entry_count: eb(eb.ref('wallet_month_rollups.entry_count'), '+', eb.ref('excluded.entry_count')),
          promotional_delta: eb(eb.ref('wallet_month_rollups.promotional_delta'), '+', eb.ref('excluded.promotional_delta')),
        })),
      )
      .execute();
  }
}

/** Drops the rollups and statement blocks (of one business, or all) so the job rebuilds them from the entries: `coffer rollups rebuild`. */
export async function resetRollups(db: Kysely<Database>, businessId?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let rows = trx.deleteFrom('wallet_day_rollups');
    let months = trx.deleteFrom('wallet_month_rollups');
    let businessRows = trx.deleteFrom('business_day_rollups');
    let blocks = trx.deleteFrom('wallet_statement_blocks');
    // Cursors go back to 0 rather than away: their forecast flag stays, so a rebuild fires no forecast twice.
    let cursors = trx.updateTable('wallet_rollup_cursors').set({ rolled_seq: 0, blocked_seq: 0 });
    if (businessId) {
      rows = rows.where('business_id', '=', businessId);
      months = months.where('business_id', '=', businessId);
      businessRows = businessRows.where('business_id', '=', businessId);
      blocks = blocks.where('business_id', '=', businessId);
      cursors = cursors.where('business_id', '=', businessId);
    }
    await rows.execute();
    await months.execute();
    await businessRows.execute();
    await blocks.execute();
    await cursors.execute();
  });
}

/** Rolls up until nothing lags (the rebuild command, tests). Returns the entries rolled up. */
export async function rollUpAll(deps: RollupDeps, roundsMax = 1_000_000): Promise<number> {
  let entries = 0;
  for (let round = 0; round < roundsMax; round++) {
    const result = await rollUpRound(deps);
    entries += result.entries;
    if (result.wallets === 0) return entries;
  }
  return entries;
}

/**
 * The job: one round, then the next after rollupCatchUpGapMs while wallets lag, else after intervalMs. No round while
 * `busy()` (the load gauge says the API is saturated); while `inUse()` (the API serves requests without saturating)
 * rounds stop taking wallets after rollupInUseRoundMsMax instead of rollupRoundMsMax, so a backlog takes a few
 * percent of the store's time and never a long stretch of it. It never finishes.
 */
export function rollupJobHandler(deps: RollupDeps & { intervalMs: number; busy?: () => boolean; inUse?: () => boolean }): JobHandler {
  return async () => {
    // While the API is saturated the round waits: reads are exact without it (rollups only make them faster), and its
    // writes would take the store from the ledger's.
    if (deps.busy?.()) return { status: 'defer', reason: 'the API is busy', retryInMs: deps.intervalMs };
    const round = await rollUpRound({ ...deps, roundMsMax: deps.roundMsMax ?? (deps.inUse?.() ? rollupInUseRoundMsMax : rollupRoundMsMax) });
    return { status: 'defer', reason: `rolled up ${round.entries} entries of ${round.wallets} wallets`, retryInMs: round.more ? Math.min(rollupCatchUpGapMs, deps.intervalMs) : deps.intervalMs };
  };
}
