// Ledger use cases: post an entry (through the writer), list a customer's entries, list a customer's wallets.
import type { Kysely } from 'kysely';
import { expiresAtHorizonDays, expiresAtHorizonMs } from '../credits/credit-limits.ts';
import { expiryFigures } from '../credits/lot-repo.ts';
import type { LotCategory } from '../credits/lot-order.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { totalInUsdCents } from '../shared/money.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { EntryOutcome, LedgerCommand, WalletSnapshot } from './commands.ts';
import { type WireEntry, toWireEntry } from './entry-wire.ts';
import type { LedgerErrorCode } from './ledger-errors.ts';
import * as repo from './ledger-repo.ts';
import { type LedgerWriter, writerBusy } from './ledger-writer.ts';

export interface LedgerSettings {
  currencies: readonly string[];
  fxRatesToUsd: Readonly<Record<string, string>>;
  /** A repeat of a key with the same request replays the original 200 instead of a 409. */
  idempotencyReplay: boolean;
  /** GET …/wallets shows as expiring_amount what expires within this long. */
  expiringWindowMs: number;
}

/** A wallet in the list: its balance without expired money, and what expires soon. */
export interface WalletWithExpiry extends WalletSnapshot {
  expiring_amount: number;
  next_expiry_at: string | null;
  held_amount: number;
  available_balance: number;
}

export interface LedgerDeps {
  db: Kysely<Database>;
  writer: LedgerWriter;
  settings: LedgerSettings;
  clock: Clock;
}

export { type WireEntry, toWireEntry } from './entry-wire.ts';

/** A client's request to credit or debit a wallet (POST …/wallets/ledger-entries). */
export interface PostEntryRequest {
  businessId: string;
  customerId: string;
  currency: string;
  amount: number;
  entryType: 'credit' | 'debit';
  reason: string | null;
  idempotencyKey: string | null;
  /** Credits only (a Coffer extension): ISO 8601 instant after now; absent: never expires. */
  expiresAt?: string | null;
  category?: LotCategory;
}

type LedgerResult<T> = Result<T, LedgerErrorCode>;

/**
 * INSUFFICIENT_WALLET_FUNDS, naming available, held and requested. Without holds the message is Dodo's own
 * ("Insufficient funds in wallet"); the extra fields are additive.
 */
export function insufficientFunds(currency: string, balance: number, held: number, requested: number) {
  const available = balance - held;
  const message =
    held === 0
      ? 'Insufficient funds in wallet'
      : `Insufficient funds in wallet: ${available} ${currency} available (balance ${balance}, held ${held}), ${requested} requested`;
  return err('INSUFFICIENT_WALLET_FUNDS', message, { balance, currency, available_balance: available, held_amount: held, requested_amount: requested });
}

export class LedgerService {
  constructor(private readonly deps: LedgerDeps) {}

  /** Batches, commands, retries, splits and refusals of the writer so far. */
  get batchStats() {
    return this.deps.writer.stats;
  }

  isSupportedCurrency(currency: string): boolean {
    return this.deps.settings.currencies.includes(currency);
  }

  /** Appends one entry for a client, its key in the client scope; resolves only after the transaction holding it is durable. */
  async postEntry(request: PostEntryRequest): Promise<LedgerResult<{ outcome: 'applied' | 'replayed'; wallet: WalletSnapshot }>> {
    const expiresAtInput = request.expiresAt ?? null;
    if (request.entryType === 'debit' && (expiresAtInput !== null || request.category !== undefined)) {
      return err('LOT_FIELDS_ON_DEBIT', 'expires_at and category apply to credits only: a debit spends lots, it does not make one');
    }
    let expiresAt: string | null = null;
    if (expiresAtInput !== null) {
      const instant = new Date(expiresAtInput).getTime();
      const now = this.deps.clock.now().getTime();
      if (!Number.isFinite(instant)) return err('INVALID_EXPIRES_AT', 'expires_at must be an ISO 8601 date-time');
      if (instant <= now) return err('INVALID_EXPIRES_AT', 'expires_at must be in the future');
      if (instant - now > expiresAtHorizonMs) return err('INVALID_EXPIRES_AT', `expires_at must be at most ${expiresAtHorizonDays} days from now`);
      expiresAt = new Date(instant).toISOString();
    }
    if (request.entryType === 'credit') {
      return this.submit({
        kind: 'credit',
        businessId: request.businessId,
        customerId: request.customerId,
        currency: request.currency,
        amount: request.amount,
        eventType: 'merchant_adjustment',
        reason: request.reason,
        referenceObjectId: null,
        idempotency: request.idempotencyKey === null ? null : { scope: 'client', key: request.idempotencyKey },
        expiresAt,
        category: request.category ?? 'paid',
      });
    }
    return this.submit({
      kind: request.entryType,
      businessId: request.businessId,
      customerId: request.customerId,
      currency: request.currency,
      amount: request.amount,
      eventType: 'merchant_adjustment',
      reason: request.reason,
      referenceObjectId: null,
      idempotency: request.idempotencyKey === null ? null : { scope: 'client', key: request.idempotencyKey },
    });
  }

  /** Submits an entry command, in any idempotency scope (Coffer's own work uses derived `coffer:` scopes). */
  async submit(command: Extract<LedgerCommand, { kind: 'credit' | 'debit' }>): Promise<LedgerResult<{ outcome: 'applied' | 'replayed'; wallet: WalletSnapshot }>> {
    if (!this.isSupportedCurrency(command.currency)) {
      return err('UNSUPPORTED_CURRENCY', this.unsupportedCurrencyMessage(command.currency));
    }
    const outcome = await this.deps.writer.submit(command);
    if (outcome === writerBusy) {
      return err('SERVER_BUSY', 'Coffer has too many writes waiting; nothing was written: retry after the Retry-After seconds');
    }
    return this.entryResult(command, outcome as EntryOutcome);
  }

  private entryResult(command: Extract<LedgerCommand, { kind: 'credit' | 'debit' }>, outcome: EntryOutcome): LedgerResult<{ outcome: 'applied' | 'replayed'; wallet: WalletSnapshot }> {
    const key = command.idempotency?.key;
    switch (outcome.kind) {
      case 'applied':
        return ok({ outcome: 'applied', wallet: outcome.wallet });
      case 'duplicate':
        if (this.deps.settings.idempotencyReplay) {
          // Replay the original 200: the wallet as that entry left it.
          const original = { ...outcome.wallet, balance: outcome.entry.after_balance, updated_at: outcome.entry.created_at };
          return ok({ outcome: 'replayed', wallet: original });
        }
        return err('IDEMPOTENCY_KEY_ALREADY_USED', `Idempotency key "${key}" was already used; the original entry is returned in "entry"`, {
          entry: toWireEntry(outcome.entry),
          wallet: outcome.wallet,
        });
      case 'key_conflict':
        return err(
          'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
          `Idempotency key "${key}" was already used for a different request (customer, currency, amount or entry_type differ)`,
          outcome.entry ? { entry: toWireEntry(outcome.entry) } : undefined,
        );
      case 'customer_not_found':
        return err('CUSTOMER_NOT_FOUND', `Customer ${command.customerId} not found`);
      case 'insufficient_funds':
        return insufficientFunds(command.currency, outcome.balance, outcome.held, command.amount);
      case 'balance_limit_exceeded':
        return err(
          'WALLET_BALANCE_LIMIT_EXCEEDED',
          `Credit would take the ${command.currency} balance past the largest allowed balance (${Number.MAX_SAFE_INTEGER})`,
          { balance: outcome.balance, currency: command.currency },
        );
      case 'expiry_not_in_future':
        return err('INVALID_EXPIRES_AT', `expires_at must be after the time the credit is written (${outcome.now})`);
    }
  }
  async listWallets(
    businessId: string,
    customerId: string,
  ): Promise<LedgerResult<{ items: WalletWithExpiry[]; total_balance_usd: number }>> {
    const rows = await repo.walletsOfCustomer(this.deps.db, businessId, customerId);
    if (rows.length === 0 && (await repo.customerEntryCount(this.deps.db, businessId, customerId)) === undefined) {
      return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
    }
    const clockNow = this.deps.clock.now();
    const now = clockNow.toISOString();
    const windowEnd = new Date(clockNow.getTime() + this.deps.settings.expiringWindowMs).toISOString();
    const items: WalletWithExpiry[] = [];
    for (const r of rows) {
      const item = {
        customer_id: r.customer_id,
        currency: r.currency,
        balance: r.balance,
        created_at: r.created_at,
        updated_at: r.updated_at,
        expiring_amount: 0,
        next_expiry_at: r.next_expiry_at,
        held_amount: r.held_amount,
        available_balance: r.balance - r.held_amount,
      };
      // Only a wallet with a lot that expires by the window's end costs a read: money expired but not yet recorded
      // (no write has touched the wallet since) is left out of balance, so no read shows it as spendable.
      if (r.next_expiry_at !== null && r.next_expiry_at <= windowEnd) {
        const figures = await expiryFigures(this.deps.db, r.customer_id, r.currency, now, windowEnd);
        item.balance -= figures.expired;
        item.available_balance -= figures.expired;
        item.expiring_amount = figures.expiring;
        item.next_expiry_at = figures.nextExpiryAt;
      }
      items.push(item);
    }
    // A currency added to the configuration after the customer was created shows as an empty wallet.
    for (const currency of this.deps.settings.currencies) {
      if (!items.some((w) => w.currency === currency)) {
        const createdAt = rows[0]?.created_at ?? now;
        items.push({ customer_id: customerId, currency, balance: 0, created_at: createdAt, updated_at: createdAt, expiring_amount: 0, next_expiry_at: null, held_amount: 0, available_balance: 0 });
      }
    }
    const rated = items.filter((w) => w.currency in this.deps.settings.fxRatesToUsd);
    return ok({ items, total_balance_usd: totalInUsdCents(rated, this.deps.settings.fxRatesToUsd) });
  }

  /** Newest first; page N of size S is a range of the dense entry sequence, so every page costs the same. */
  async listEntries(
    businessId: string,
    customerId: string,
    query: { pageNumber: number; pageSize: number; currency?: string },
  ): Promise<LedgerResult<{ items: WireEntry[] }>> {
    const { pageNumber, pageSize, currency } = query;
    let total: number | undefined;
    if (currency === undefined) {
      total = await repo.customerEntryCount(this.deps.db, businessId, customerId);
      if (total === undefined) return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
    } else {
      const wallets = await repo.walletsOfCustomer(this.deps.db, businessId, customerId);
      const wallet = wallets.find((w) => w.currency === currency);
      if (!wallet) {
        if (wallets.length === 0 && (await repo.customerEntryCount(this.deps.db, businessId, customerId)) === undefined) {
          return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
        }
        if (!this.isSupportedCurrency(currency)) return err('UNSUPPORTED_CURRENCY', this.unsupportedCurrencyMessage(currency));
        return ok({ items: [] });
      }
      total = wallet.entry_count;
    }
    const high = total - pageNumber * pageSize;
    if (high < 1) return ok({ items: [] });
    const low = Math.max(1, high - pageSize + 1);
    const rows = await repo.entriesBySequence(this.deps.db, customerId, currency, low, high);
    return ok({ items: rows.map(toWireEntry) });
  }

  private unsupportedCurrencyMessage(currency: string): string {
    return `Currency ${currency} is not supported for wallets; supported: ${this.deps.settings.currencies.join(', ')}`;
  }
}
