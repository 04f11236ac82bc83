// Analytics over the append-only ledger: balances at an instant, statements, trends, forecasts and business reports.
// Every figure is exact: per-wallet reads come from the entries (by wallet_seq), business-wide ones from day facts
// (rollups up to each cursor plus the entries after it). Nothing here writes money.
import type { Kysely } from 'kysely';
import { getBusinessTimeZone, isValidTimeZone, setBusinessTimeZone } from '../businesses/business-settings.ts';
import type { StoreKind } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { totalInUsdCents } from '../shared/money.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { AnalyticsErrorCode } from './analytics-errors.ts';
import { rangeDaysMax, statementEntriesMax, topCustomersMax } from './analytics-limits.ts';
import { type WalletRef, entryAtSeq, entryPageMax, lastSeqBefore, normalizeEntry, statementRows, walletEntryCount } from './entry-reads.ts';
import { disputeShortfalls, readFacts, readSnapshot } from './fact-reads.ts';
import { type Forecast, forecast, windowStartDay } from './forecast.ts';
import * as reports from './reports.ts';
import { type ListedEntries, type StatementEntry, type StatementRange, statementEntriesWithTotals, statementEntry, statementRange, statementReadPostgres } from './statement-reads.ts';

export { type StatementEntry, statementEntry } from './statement-reads.ts';
import { type Period, addDays, dayStartMs, isCalendarDay, localDay } from './zone-days.ts';

export type AnalyticsResult<T> = Result<T, AnalyticsErrorCode>;

export interface AnalyticsDeps {
  db: Kysely<Database>;
  store: StoreKind;
  clock: Clock;
  currencies: readonly string[];
  fxRatesToUsd: Readonly<Record<string, string>>;
  forecastWindowDays: number;
  /** Entries a JSON statement lists at most (statementEntriesMax; tests set a smaller one to reach the limit cheaply). */
  statementEntriesMax?: number;
}

export interface EventTotals {
  event_type: string;
  credit_amount: number;
  debit_amount: number;
  entry_count: number;
}

export interface StatementHeader {
  customer_id: string;
  currency: string;
  from: string;
  to: string;
  opening_balance: number;
  closing_balance: number;
  totals: EventTotals[];
  entry_count: number;
}

export type StatementBounds = Omit<StatementHeader, 'totals'> & { firstSeq: number; lastSeq: number };

const days = (fromDay: string, toDay: string) => Math.round((Date.parse(`${toDay}T00:00:00Z`) - Date.parse(`${fromDay}T00:00:00Z`)) / 86_400_000);

const unsupportedCurrency = (currency: string, currencies: readonly string[]) => err('UNSUPPORTED_CURRENCY', `currency ${currency} is not one of ${currencies.join(', ')}`);
const customerNotFound = (customerId: string) => err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
const invalidTimeRange = (from: string, to: string) => err('INVALID_TIME_RANGE', `from (${from}) must be before to (${to})`);
const tooLarge = (entryCount: number, entriesMax: number) =>
  err('STATEMENT_TOO_LARGE', `The statement has ${entryCount} entries; JSON and HTML list at most ${entriesMax}: ask for format=csv (streamed) or a shorter range`);

/** A statement's header without its totals, from its range. */
const statementHeader = (customerId: string, currency: string, from: string, to: string, range: StatementRange): Omit<StatementHeader, 'totals'> => ({
  customer_id: customerId,
  currency,
  from,
  to,
  opening_balance: range.openingBalance,
  closing_balance: range.closingBalance,
  entry_count: range.lastSeq - range.firstSeq,
});

/**
 * The JSON statement as chunks whose concatenation is its text: the header with its totals, then the entries' JSON as
 * read (blocks' text and the entries around them), so that the response writes them into one buffer without building
 * the whole text as one string first (that string and the header prepended to it were most of what a statement
 * allocated: docs/performance.md).
 */
export type StatementJson = readonly string[];

function statementChunks(header: Omit<StatementHeader, 'totals'>, listed: ListedEntries): StatementJson {
  const text = JSON.stringify({ ...header, totals: listed.totals });
  const chunks = [`${text.slice(0, -1)},"entries":[`];
  listed.entries.forEach((entries, i) => chunks.push(i === 0 ? entries : `,${entries}`));
  chunks.push(']}');
  return chunks;
}

export class AnalyticsService {
  constructor(private readonly deps: AnalyticsDeps) {}

  timeZone(businessId: string): Promise<string> {
    return getBusinessTimeZone(this.deps.db, businessId);
  }

  async setTimeZone(businessId: string, zone: string): Promise<AnalyticsResult<{ time_zone: string }>> {
    if (!isValidTimeZone(zone)) return err('INVALID_TIME_ZONE', `time_zone ${JSON.stringify(zone.slice(0, 64))} is not an IANA time zone (Europe/Paris, America/New_York, UTC)`);
    const result = await setBusinessTimeZone(this.deps.db, businessId, zone);
    return ok({ time_zone: result.time_zone });
  }

  /** The wallets as the ledger held them at `asOf` (inclusive: after every entry created at or before it). */
  async walletsAsOf(businessId: string, customerId: string, asOf: string) {
    if (Date.parse(asOf) > this.deps.clock.now().getTime()) return err('AS_OF_IN_FUTURE', `as_of ${asOf} is after the present`);
    const customer = await this.customer(businessId, customerId);
    if (!customer) return customerNotFound(customerId);
    const items = [];
    for (const currency of this.deps.currencies) {
      const wallet = { customerId, currency };
      const count = (await walletEntryCount(this.deps.db, businessId, wallet)) ?? 0;
      const entry = await entryAtSeq(this.deps.db, wallet, await lastSeqBefore(this.deps.db, wallet, count, asOf, true));
      const balance = entry ? Number(entry.after_balance) : 0;
      const createdAt = customer.created_at <= asOf ? customer.created_at : asOf;
      // Holds and expiry figures describe the present; at a past instant the balance is the figure (docs/analytics.md).
      items.push({ customer_id: customerId, currency, balance, created_at: createdAt, updated_at: entry?.created_at ?? createdAt, expiring_amount: 0, next_expiry_at: null, held_amount: 0, available_balance: balance });
    }
    const rated = items.filter((w) => w.currency in this.deps.fxRatesToUsd);
    return ok({ items, total_balance_usd: totalInUsdCents(rated, this.deps.fxRatesToUsd), as_of: asOf });
  }

  /**
   * Where a statement over [from, to) starts and ends: the balance before from, the balance before to, and the
   * wallet_seq range of its entries (CSV streams them from here; `statementJson` lists them with their totals). One
   * query checks the customer, reads the wallet's entry count and searches both bounds (statement-reads.ts).
   */
  async statementBounds(businessId: string, customerId: string, currency: string, from: string, to: string): Promise<AnalyticsResult<StatementBounds>> {
    if (!this.deps.currencies.includes(currency)) return unsupportedCurrency(currency, this.deps.currencies);
    const range = await statementRange(this.deps.db, businessId, { customerId, currency }, from, to);
    if (!range) return customerNotFound(customerId);
    if (!(from < to)) return invalidTimeRange(from, to);
    return ok({ ...statementHeader(customerId, currency, from, to, range), firstSeq: range.firstSeq, lastSeq: range.lastSeq });
  }

  /**
   * The JSON statement as chunks (StatementJson): the header built here, then the entries as the statement blocks hold
   * them and the few around the blocks, with their totals per event type over the same wallet_seq range. SQLite: the
   * range, the blocks and the entries around them, three queries in process; PostgreSQL: one function call.
   */
  async statementJson(businessId: string, customerId: string, currency: string, from: string, to: string): Promise<AnalyticsResult<StatementJson>> {
    if (this.deps.store === 'postgres') return this.statementJsonInOneTrip(businessId, customerId, currency, from, to);
    const bounds = await this.statementBounds(businessId, customerId, currency, from, to);
    if (!bounds.ok) return bounds;
    const { firstSeq, lastSeq, ...header } = bounds.value;
    const entriesMax = this.deps.statementEntriesMax ?? statementEntriesMax;
    if (header.entry_count > entriesMax) return tooLarge(header.entry_count, entriesMax);
    return ok(statementChunks(header, await statementEntriesWithTotals(this.deps.db, this.deps.store, { customerId, currency }, firstSeq, lastSeq)));
  }

  /** PostgreSQL: the same statement from one query (statement-reads.ts statementReadPostgres), the same checks in the same order. */
  private async statementJsonInOneTrip(businessId: string, customerId: string, currency: string, from: string, to: string): Promise<AnalyticsResult<StatementJson>> {
    if (!this.deps.currencies.includes(currency)) return unsupportedCurrency(currency, this.deps.currencies);
    const entriesMax = this.deps.statementEntriesMax ?? statementEntriesMax;
    const read = await statementReadPostgres(this.deps.db, businessId, { customerId, currency }, from, to, entriesMax);
    if (!read) return customerNotFound(customerId);
    if (!(from < to)) return invalidTimeRange(from, to);
    const header = statementHeader(customerId, currency, from, to, read.range);
    if (!read.listed) return tooLarge(header.entry_count, entriesMax);
    return ok(statementChunks(header, read.listed));
  }

  /** The statement with its entries and their totals per event type (the JSON statement, parsed: HTML, the CLI). */
  async statement(businessId: string, customerId: string, currency: string, from: string, to: string): Promise<AnalyticsResult<StatementHeader & { entries: StatementEntry[] }>> {
    const text = await this.statementJson(businessId, customerId, currency, from, to);
    return text.ok ? ok(JSON.parse(text.value.join('')) as StatementHeader & { entries: StatementEntry[] }) : text;
  }

  /** The entries after firstSeq up to lastSeq, oldest first, page by page (the statement's columns only). */
  async *statementEntries(wallet: WalletRef, firstSeq: number, lastSeq: number): AsyncGenerator<StatementEntry> {
    for (let cursor = firstSeq; cursor < lastSeq; ) {
      const page = await statementRows(this.deps.db, wallet, cursor, lastSeq, entryPageMax);
      if (page.length === 0) return;
      for (const row of page) yield statementEntry(row);
      cursor = Number(page[page.length - 1].wallet_seq);
    }
  }

  /** Closing balance of each local day in [from, to) (business zone): after the day's last entry. */
  async trend(businessId: string, customerId: string, currency: string, fromDay: string, toDay: string) {
    const checked = await this.checkWallet(businessId, customerId, currency);
    if (!checked.ok) return checked;
    const range = this.checkDays(fromDay, toDay);
    if (!range.ok) return range;
    const zone = await this.timeZone(businessId);
    const wallet = { customerId, currency };
    const result = await readSnapshot(this.deps.db, this.deps.store, async (trx) => {
      const count = (await walletEntryCount(trx, businessId, wallet)) ?? 0;
      const openingSeq = await lastSeqBefore(trx, wallet, count, new Date(dayStartMs(fromDay, zone)).toISOString(), false);
      const opening = await entryAtSeq(trx, wallet, openingSeq);
      const facts = await readFacts(trx, { businessId, wallet, fromDay, toDay }, zone, 'day');
      return { opening: opening ? Number(opening.after_balance) : 0, facts };
    });
    const net = new Map<string, number>();
    for (const f of result.facts) net.set(f.day, (net.get(f.day) ?? 0) + f.creditAmount - f.debitAmount);
    const items = [];
    let balance = result.opening;
    for (let day = fromDay; day < toDay; day = addDays(day, 1)) {
      balance += net.get(day) ?? 0;
      items.push({ day, closing_balance: balance });
    }
    return ok({ customer_id: customerId, currency, time_zone: zone, opening_balance: result.opening, items });
  }

  async forecast(businessId: string, customerId: string, currency: string): Promise<AnalyticsResult<Forecast & { customer_id: string; currency: string }>> {
    const checked = await this.checkWallet(businessId, customerId, currency);
    if (!checked.ok) return checked;
    return ok({ customer_id: customerId, currency, ...(await this.forecastOf(this.deps.db, businessId, { customerId, currency })) });
  }

  /** The forecast of one wallet, read with `db` (the rollup job passes its transaction). */
  async forecastOf(db: Kysely<Database> | import('kysely').Transaction<Database>, businessId: string, wallet: WalletRef, zoneKnown?: string): Promise<Forecast> {
    const zone = zoneKnown ?? (await getBusinessTimeZone(db, businessId));
    const now = this.deps.clock.now();
    const today = localDay(now.getTime(), zone);
    const windowDays = this.deps.forecastWindowDays;
    const facts = await readFacts(db, { businessId, wallet, fromDay: windowStartDay(today, windowDays) }, zone, 'day');
    const count = (await walletEntryCount(db, businessId, wallet)) ?? 0;
    const last = await entryAtSeq(db, wallet, count);
    const first = await entryAtSeq(db, wallet, 1);
    return forecast({ facts, balance: last ? Number(last.after_balance) : 0, nowMs: now.getTime(), today, windowDays, firstEntryAt: first?.created_at ?? null });
  }

  async activityReport(businessId: string, query: { from: string; to: string; period: Period; currency?: string }) {
    const range = this.checkDays(query.from, query.to);
    if (!range.ok) return range;
    const zone = await this.timeZone(businessId);
    const facts = await readSnapshot(this.deps.db, this.deps.store, (trx) => readFacts(trx, { businessId, currency: query.currency, fromDay: query.from, toDay: query.to }, zone, 'day', query.period === 'month'));
    return ok({ time_zone: zone, period: query.period, from: query.from, to: query.to, items: reports.activity(facts, query.period) });
  }

  async topCustomersReport(businessId: string, query: { from: string; to: string; currency: string; limit?: number }) {
    const range = this.checkDays(query.from, query.to);
    if (!range.ok) return range;
    if (!this.deps.currencies.includes(query.currency)) return unsupportedCurrency(query.currency, this.deps.currencies);
    const zone = await this.timeZone(businessId);
    const facts = await readSnapshot(this.deps.db, this.deps.store, (trx) => readFacts(trx, { businessId, currency: query.currency, fromDay: query.from, toDay: query.to }, zone, 'customer', true));
    return ok({ time_zone: zone, currency: query.currency, from: query.from, to: query.to, items: reports.topCustomers(facts, Math.min(query.limit ?? 10, topCustomersMax)) });
  }

  /** What the business owed its customers at the end of `date` (its zone), per currency, paid and promotional. */
  async liabilityReport(businessId: string, date: string) {
    if (!isCalendarDay(date)) return err('INVALID_TIME_RANGE', `date ${date} is not a calendar day (YYYY-MM-DD)`);
    const zone = await this.timeZone(businessId);
    const toDay = addDays(date, 1);
    const at = new Date(dayStartMs(toDay, zone)).toISOString();
    const [facts, shortfalls] = await readSnapshot(this.deps.db, this.deps.store, async (trx) => [
      await readFacts(trx, { businessId, toDay }, zone, 'range', true),
      await disputeShortfalls(trx, businessId, at),
    ] as const);
    return ok({
      time_zone: zone,
      date,
      at,
      items: reports.liability(facts, this.deps.currencies),
      dispute_shortfalls: this.deps.currencies.map((currency) => ({ currency, amount: shortfalls.get(currency) ?? 0 })),
    });
  }

  async breakageReport(businessId: string, query: { from: string; to: string; period: Period }) {
    const range = this.checkDays(query.from, query.to);
    if (!range.ok) return range;
    const zone = await this.timeZone(businessId);
    const facts = await readSnapshot(this.deps.db, this.deps.store, (trx) => readFacts(trx, { businessId, fromDay: query.from, toDay: query.to }, zone, 'day', query.period === 'month'));
    return ok({ time_zone: zone, period: query.period, from: query.from, to: query.to, items: reports.breakage(facts, query.period) });
  }

  private checkDays(fromDay: string, toDay: string): AnalyticsResult<number> {
    if (!isCalendarDay(fromDay)) return err('INVALID_TIME_RANGE', `from ${fromDay} is not a calendar day (YYYY-MM-DD)`);
    if (!isCalendarDay(toDay)) return err('INVALID_TIME_RANGE', `to ${toDay} is not a calendar day (YYYY-MM-DD)`);
    const span = days(fromDay, toDay);
    if (span <= 0) return err('INVALID_TIME_RANGE', `from (${fromDay}) must be before to (${toDay})`);
    if (span > rangeDaysMax) return err('INVALID_TIME_RANGE', `from and to are ${span} days apart; at most ${rangeDaysMax}`);
    return ok(span);
  }

  private customer(businessId: string, customerId: string) {
    return this.deps.db.selectFrom('customers').select(['id', 'created_at']).where('id', '=', customerId).where('business_id', '=', businessId).executeTakeFirst();
  }

  /** The wallet's entry count (0 before its first entry), once the customer and currency are known: one query. */
  private async checkWallet(businessId: string, customerId: string, currency: string): Promise<AnalyticsResult<number>> {
    if (!this.deps.currencies.includes(currency)) return unsupportedCurrency(currency, this.deps.currencies);
    const row = await this.deps.db
      .selectFrom('customers as c')
      .leftJoin('wallets as w', (join) => join.onRef('w.customer_id', '=', 'c.id').on('w.currency', '=', currency).onRef('w.business_id', '=', 'c.business_id'))
      .select('w.entry_count')
      .where('c.id', '=', customerId)
      .where('c.business_id', '=', businessId)
      .executeTakeFirst();
    if (!row) return customerNotFound(customerId);
    return ok(Number(row.entry_count ?? 0));
  }
}

export { normalizeEntry };
