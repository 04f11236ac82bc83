// Ledger use cases: post an entry (through the writer), list a customer's entries, list a customer's wallets.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import { totalInUsdCents } from '../shared/money.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { CommandOutcome, LedgerCommand, WalletSnapshot } from './commands.ts';
import { type WireEntry, toWireEntry } from './entry-wire.ts';
import type { LedgerErrorCode } from './ledger-errors.ts';
import * as repo from './ledger-repo.ts';
import { type LedgerWriter, writerBusy } from './ledger-writer.ts';

export interface LedgerSettings {
  currencies: readonly string[];
  fxRatesToUsd: Readonly<Record<string, string>>;
  /** A repeat of a key with the same request replays the original 200 instead of a 409. */
  idempotencyReplay: boolean;
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
}

type LedgerResult<T> = Result<T, LedgerErrorCode>;

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
  postEntry(request: PostEntryRequest): Promise<LedgerResult<{ outcome: 'applied' | 'replayed'; wallet: WalletSnapshot }>> {
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

  /** Submits any entry command, in any idempotency scope (Coffer's own work uses derived `coffer:` scopes). */
  async submit(command: LedgerCommand): Promise<LedgerResult<{ outcome: 'applied' | 'replayed'; wallet: WalletSnapshot }>> {
    if (!this.isSupportedCurrency(command.currency)) {
      return err('UNSUPPORTED_CURRENCY', this.unsupportedCurrencyMessage(command.currency));
    }
    const outcome = await this.deps.writer.submit(command);
    if (outcome === writerBusy) {
      return err('SERVER_BUSY', 'Coffer has too many writes waiting; nothing was written: retry after the Retry-After seconds');
    }
    return this.entryResult(command, outcome);
  }

  private entryResult(command: LedgerCommand, outcome: CommandOutcome): LedgerResult<{ outcome: 'applied' | 'replayed'; wallet: WalletSnapshot }> {
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
        return err('INSUFFICIENT_WALLET_FUNDS', 'Insufficient funds in wallet', { balance: outcome.balance, currency: command.currency });
      case 'balance_limit_exceeded':
        return err(
          'WALLET_BALANCE_LIMIT_EXCEEDED',
          `Credit would take the ${command.currency} balance past the largest allowed balance (${Number.MAX_SAFE_INTEGER})`,
          { balance: outcome.balance, currency: command.currency },
        );
    }
  }
  async listWallets(
    businessId: string,
    customerId: string,
  ): Promise<LedgerResult<{ items: WalletSnapshot[]; total_balance_usd: number }>> {
    const rows = await repo.walletsOfCustomer(this.deps.db, businessId, customerId);
    if (rows.length === 0 && (await repo.customerEntryCount(this.deps.db, businessId, customerId)) === undefined) {
      return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
    }
    const items: WalletSnapshot[] = rows.map((r) => ({
      customer_id: r.customer_id,
      currency: r.currency,
      balance: r.balance,
      created_at: r.created_at,
      updated_at: r.updated_at,
    }));
    // A currency added to the configuration after the customer was created shows as an empty wallet.
    for (const currency of this.deps.settings.currencies) {
      if (!items.some((w) => w.currency === currency)) {
        const createdAt = rows[0]?.created_at ?? this.deps.clock.now().toISOString();
        items.push({ customer_id: customerId, currency, balance: 0, created_at: createdAt, updated_at: createdAt });
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
