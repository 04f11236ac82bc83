// What one batch loaded and how its commands have moved it so far: the deciders read it, the batch applies their writes.
import type { CustomersTable, WalletsTable } from '../db/schema.ts';
import type { EventRow } from '../outbox/event-row.ts';
import type { IdGenerator } from '../shared/ids.ts';
import { assertInvariant } from '../shared/result.ts';
import type { EntryRow, LedgerCommand, WalletSnapshot } from './commands.ts';
import { type IdempotencyRecordRow, recordKey } from './idempotency.ts';

export type LockedCustomer = Pick<CustomersTable, 'id' | 'business_id'> & { entry_count: number };

/** A wallet as the writer loads it: with the low-balance threshold in force (its own, else the business default). */
export type LoadedWallet = WalletsTable & { low_balance_effective: number | null };

export interface LoadedRecord {
  record: IdempotencyRecordRow;
  /** The entry the record points to, when it points to one. */
  entry: EntryRow | null;
}

/** Rows the writer store read (customers locked) for one batch. */
export interface LoadedBatch {
  customers: LockedCustomer[];
  wallets: LoadedWallet[];
  records: LoadedRecord[];
}

/** Which rows a batch needs: its customers (locked) and the idempotency records its keys name. */
export interface LoadRequest {
  customerIds: string[];
  keys: Array<{ businessId: string; scope: string; key: string }>;
}

export interface WalletState {
  readonly loaded: WalletsTable | null;
  readonly customerId: string;
  readonly currency: string;
  readonly createdAt: string;
  /** wallet.low_balance fires on an entry that takes the balance from at least this to below it; null: never. */
  readonly lowBalanceThreshold: number | null;
  balance: number;
  entryCount: number;
  updatedAt: string;
}

export interface CustomerState {
  readonly loaded: LockedCustomer;
  entryCount: number;
}

/** A row a decider asks to write; the batch applies it to the running state and collects it. */
export type Write =
  | { type: 'entry'; entry: EntryRow }
  | { type: 'idempotency_record'; record: IdempotencyRecordRow }
  /** An outbox event, committed with the change it reports and delivered after commit. */
  | { type: 'event'; event: EventRow };

export interface WalletMove {
  customerId: string;
  currency: string;
  /** The balance and count the batch read; the update applies only if they still hold. */
  expectedBalance: number;
  expectedEntryCount: number;
  balance: number;
  entryCount: number;
  updatedAt: string;
}

export interface CustomerMove {
  customerId: string;
  expectedEntryCount: number;
  entryCount: number;
}

/** Everything one batch writes, in one typed set (room for lots and holds as they land). */
export interface WriteSet {
  entries: EntryRow[];
  idempotencyRecords: IdempotencyRecordRow[];
  events: EventRow[];
  /** Wallets of a currency configured after the customer was created, at their final state. */
  newWallets: WalletsTable[];
  walletMoves: WalletMove[];
  customerMoves: CustomerMove[];
}

/** What a decider may read: never the store, only what the batch loaded and its own running state. */
export interface BatchView {
  readonly now: string;
  readonly newId: IdGenerator;
  customer(id: string): CustomerState | undefined;
  wallet(customerId: string, currency: string): WalletState | undefined;
  record(businessId: string, scope: string, key: string): LoadedRecord | undefined;
}

const walletKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;

export function walletSnapshot(wallet: WalletState): WalletSnapshot {
  return {
    customer_id: wallet.customerId,
    currency: wallet.currency,
    balance: wallet.balance,
    created_at: wallet.createdAt,
    updated_at: wallet.updatedAt,
  };
}

/** The rows a batch of commands needs loaded. */
export function loadRequestFor(commands: readonly LedgerCommand[]): LoadRequest {
  const customerIds = [...new Set(commands.map((c) => c.customerId))].sort();
  const seen = new Set<string>();
  const keys: LoadRequest['keys'] = [];
  for (const command of commands) {
    if (command.idempotency === null) continue;
    const id = recordKey(command.businessId, command.idempotency.scope, command.idempotency.key);
    if (seen.has(id)) continue;
    seen.add(id);
    keys.push({ businessId: command.businessId, scope: command.idempotency.scope, key: command.idempotency.key });
  }
  return { customerIds, keys };
}

/**
 * The batch's time: the clock read after the locks, never earlier than the last change of a wallet it locked, so
 * that `created_at` never runs backwards against `wallet_seq`, even across processes whose clocks disagree.
 */
export function batchTime(clockNow: Date, loaded: LoadedBatch): string {
  let now = clockNow.toISOString();
  for (const wallet of loaded.wallets) if (wallet.updated_at > now) now = wallet.updated_at;
  return now;
}

export class BatchState implements BatchView {
  private readonly customers = new Map<string, CustomerState>();
  private readonly wallets = new Map<string, WalletState>();
  private readonly records = new Map<string, LoadedRecord>();
  private readonly entries: EntryRow[] = [];
  private readonly entriesById = new Map<string, EntryRow>();
  private readonly newRecords: IdempotencyRecordRow[] = [];
  private readonly events: EventRow[] = [];

  constructor(
    loaded: LoadedBatch,
    readonly now: string,
    readonly newId: IdGenerator,
    currencies: readonly string[],
    commands: readonly LedgerCommand[],
  ) {
    for (const row of loaded.customers) this.customers.set(row.id, { loaded: row, entryCount: row.entry_count });
    for (const row of loaded.wallets) {
      this.wallets.set(walletKey(row.customer_id, row.currency), {
        loaded: row,
        customerId: row.customer_id,
        currency: row.currency,
        createdAt: row.created_at,
        lowBalanceThreshold: row.low_balance_effective,
        balance: row.balance,
        entryCount: row.entry_count,
        updatedAt: row.updated_at,
      });
    }
    for (const loadedRecord of loaded.records) {
      const { business_id, scope, key } = loadedRecord.record;
      this.records.set(recordKey(business_id, scope, key), loadedRecord);
    }
    // Wallets exist from customer creation; one is missing only when a currency was added to the configuration later.
    for (const command of commands) {
      const key = walletKey(command.customerId, command.currency);
      if (!this.customers.has(command.customerId) || this.wallets.has(key) || !currencies.includes(command.currency)) continue;
      this.wallets.set(key, {
        loaded: null,
        customerId: command.customerId,
        currency: command.currency,
        createdAt: now,
        // The business default is not loaded for a wallet that does not exist yet; its first entry cannot cross it.
        lowBalanceThreshold: null,
        balance: 0,
        entryCount: 0,
        updatedAt: now,
      });
    }
  }

  customer(id: string): CustomerState | undefined {
    return this.customers.get(id);
  }

  wallet(customerId: string, currency: string): WalletState | undefined {
    return this.wallets.get(walletKey(customerId, currency));
  }

  record(businessId: string, scope: string, key: string): LoadedRecord | undefined {
    return this.records.get(recordKey(businessId, scope, key));
  }

  /** Applies a decider's writes to the running state, checking each against it (the service half of paired checks). */
  apply(writes: readonly Write[]): void {
    for (const write of writes) {
      if (write.type === 'entry') this.applyEntry(write.entry);
      else if (write.type === 'idempotency_record') this.applyRecord(write.record);
      else this.applyEvent(write.event);
    }
  }

  private applyEntry(entry: EntryRow): void {
    const wallet = this.wallet(entry.customer_id, entry.currency);
    const customer = this.customer(entry.customer_id);
    assertInvariant(wallet && customer, `entry ${entry.id} names a loaded customer and wallet`);
    assertInvariant(entry.before_balance === wallet.balance, `entry ${entry.id} starts from the running balance`);
    const expectedAfter = entry.is_credit === 1 ? entry.before_balance + entry.amount : entry.before_balance - entry.amount;
    assertInvariant(entry.amount > 0 && entry.after_balance === expectedAfter, `entry ${entry.id}: after = before ± amount`);
    assertInvariant(entry.after_balance >= 0 && Number.isSafeInteger(entry.after_balance), `entry ${entry.id} leaves a non-negative safe balance`);
    assertInvariant(entry.wallet_seq === wallet.entryCount + 1 && entry.customer_seq === customer.entryCount + 1, `entry ${entry.id} takes the next sequences`);
    wallet.balance = entry.after_balance;
    wallet.entryCount = entry.wallet_seq;
    wallet.updatedAt = entry.created_at;
    customer.entryCount = entry.customer_seq;
    this.entries.push(entry);
    this.entriesById.set(entry.id, entry);
  }

  private applyRecord(record: IdempotencyRecordRow): void {
    const key = recordKey(record.business_id, record.scope, record.key);
    assertInvariant(!this.records.has(key), `idempotency key ${record.scope}/${record.key} is recorded once`);
    const entry = record.result_type === 'ledger_entry' ? (this.entriesById.get(record.result_id!) ?? null) : null;
    this.records.set(key, { record, entry });
    this.newRecords.push(record);
  }

  private applyEvent(event: EventRow): void {
    const customer = event.customer_id === null ? undefined : this.customer(event.customer_id);
    assertInvariant(customer && customer.loaded.business_id === event.business_id, `event ${event.id} reports a change to a loaded customer of its business`);
    assertInvariant(event.feed_seq === null, `event ${event.id} is written before the feed orders it`);
    this.events.push(event);
  }

  /** The rows to write: new entries and records, and each touched wallet and customer moved from what was read. */
  writeSet(): WriteSet {
    const newWallets: WalletsTable[] = [];
    const walletMoves: WalletMove[] = [];
    for (const wallet of this.wallets.values()) {
      if (wallet.loaded === null) {
        if (wallet.entryCount === 0) continue;
        const businessId = this.customers.get(wallet.customerId)!.loaded.business_id;
        newWallets.push({
          customer_id: wallet.customerId,
          currency: wallet.currency,
          business_id: businessId,
          balance: wallet.balance,
          entry_count: wallet.entryCount,
          created_at: wallet.createdAt,
          updated_at: wallet.updatedAt,
        });
      } else if (wallet.entryCount !== wallet.loaded.entry_count) {
        walletMoves.push({
          customerId: wallet.customerId,
          currency: wallet.currency,
          expectedBalance: wallet.loaded.balance,
          expectedEntryCount: wallet.loaded.entry_count,
          balance: wallet.balance,
          entryCount: wallet.entryCount,
          updatedAt: wallet.updatedAt,
        });
      }
    }
    const customerMoves: CustomerMove[] = [];
    for (const [customerId, customer] of this.customers) {
      if (customer.entryCount === customer.loaded.entry_count) continue;
      customerMoves.push({ customerId, expectedEntryCount: customer.loaded.entry_count, entryCount: customer.entryCount });
    }
    return { entries: this.entries, idempotencyRecords: this.newRecords, events: this.events, newWallets, walletMoves, customerMoves };
  }
}
