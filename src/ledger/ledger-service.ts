// Ledger use cases: post an entry (through group commit), list a customer's entries, list a customer's wallets.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database, LedgerEntriesTable } from '../db/schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { IdGenerator } from '../shared/ids.ts';
import { totalInUsdCents } from '../shared/money.ts';
import { type Result, err, ok } from '../shared/result.ts';
import { GroupCommitter } from './group-commit.ts';
import { type BatchContext, ConcurrentWriteError, applyBatch, batchScheduling } from './ledger-batch.ts';
import * as repo from './ledger-repo.ts';
import type { EventType, PostEntryCommand, PostEntryOutcome, WalletSnapshot } from './ledger-types.ts';

export interface LedgerDeps {
  db: Kysely<Database>;
  config: Config;
  clock: Clock;
  newId: IdGenerator;
  onBatch?: (size: number, durationMs: number) => void;
}

export interface WireEntry {
  id: string;
  after_balance: number;
  amount: number;
  before_balance: number;
  business_id: string;
  created_at: string;
  currency: string;
  customer_id: string;
  event_type: EventType;
  is_credit: boolean;
  reason: string | null;
  reference_object_id: string | null;
  idempotency_key: string | null;
}

export function toWireEntry(row: LedgerEntriesTable): WireEntry {
  return {
    id: row.id,
    after_balance: row.after_balance,
    amount: row.amount,
    before_balance: row.before_balance,
    business_id: row.business_id,
    created_at: row.created_at,
    currency: row.currency,
    customer_id: row.customer_id,
    event_type: row.event_type as EventType,
    is_credit: row.is_credit === 1,
    reason: row.reason,
    reference_object_id: row.reference_object_id,
    idempotency_key: row.idempotency_key,
  };
}

/** PostgreSQL serialization failures, deadlocks and SQLite busy errors are worth a retry of the whole batch. */
function isRetryable(error: unknown): boolean {
  if (error instanceof ConcurrentWriteError) return true;
  const code = (error as { code?: unknown })?.code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

export class LedgerService {
  private readonly committer: GroupCommitter<PostEntryCommand, PostEntryOutcome>;

  constructor(private readonly deps: LedgerDeps, store: BatchContext['store']) {
    const context: BatchContext = {
      db: deps.db,
      store,
      clock: deps.clock,
      newId: deps.newId,
      currencies: deps.config.currencies,
    };
    this.committer = new GroupCommitter(
      (commands) => applyBatch(context, commands),
      { batchSizeMax: deps.config.batchSizeMax, batchWaitMs: deps.config.batchWaitMs, ...batchScheduling[store] },
      isRetryable,
      deps.onBatch,
    );
  }

  get batchStats() {
    return this.committer.stats;
  }

  /** Resolves when every submitted entry has been committed or failed. */
  drain(): Promise<void> {
    return this.committer.drain();
  }

  isSupportedCurrency(currency: string): boolean {
    return this.deps.config.currencies.includes(currency);
  }

  /** Appends one entry; resolves only after the transaction holding it is durable. */
  async postEntry(command: PostEntryCommand): Promise<Result<{ outcome: 'applied' | 'replayed'; wallet: WalletSnapshot }>> {
    if (!this.isSupportedCurrency(command.currency)) {
      return err('UNSUPPORTED_CURRENCY', this.unsupportedCurrencyMessage(command.currency));
    }
    const outcome = await this.committer.submit(command);
    switch (outcome.kind) {
      case 'applied':
        return ok({ outcome: 'applied', wallet: outcome.wallet });
      case 'duplicate':
        if (this.deps.config.idempotencyReplay) {
          // Replay the original 200: the wallet as that entry left it.
          const original = { ...outcome.wallet, balance: outcome.entry.after_balance, updated_at: outcome.entry.created_at };
          return ok({ outcome: 'replayed', wallet: original });
        }
        return err(
          'IDEMPOTENCY_KEY_ALREADY_USED',
          `Idempotency key "${command.idempotencyKey}" was already used; the original entry is returned in "entry"`,
          { entry: toWireEntry(outcome.entry), wallet: outcome.wallet },
        );
      case 'key_conflict':
        return err(
          'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
          `Idempotency key "${command.idempotencyKey}" was already used for a different request (customer, currency, amount or entry_type differ)`,
          { entry: toWireEntry(outcome.entry) },
        );
      case 'customer_not_found':
        return err('CUSTOMER_NOT_FOUND', `Customer ${command.customerId} not found`);
      case 'insufficient_funds':
        return err('INSUFFICIENT_WALLET_FUNDS', 'Insufficient funds in wallet', {
          balance: outcome.balance,
          currency: command.currency,
        });
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
  ): Promise<Result<{ items: WalletSnapshot[]; total_balance_usd: number }>> {
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
    for (const currency of this.deps.config.currencies) {
      if (!items.some((w) => w.currency === currency)) {
        const createdAt = rows[0]?.created_at ?? this.deps.clock.now().toISOString();
        items.push({ customer_id: customerId, currency, balance: 0, created_at: createdAt, updated_at: createdAt });
      }
    }
    const rated = items.filter((w) => w.currency in this.deps.config.fxRatesToUsd);
    return ok({ items, total_balance_usd: totalInUsdCents(rated, this.deps.config.fxRatesToUsd) });
  }

  /** Newest first; page N of size S is a range of the dense entry sequence, so every page costs the same. */
  async listEntries(
    businessId: string,
    customerId: string,
    query: { pageNumber: number; pageSize: number; currency?: string },
  ): Promise<Result<{ items: WireEntry[] }>> {
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
    return `Currency ${currency} is not supported for wallets; supported: ${this.deps.config.currencies.join(', ')}`;
  }
}
