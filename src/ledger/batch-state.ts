// What one batch loaded and how its commands have moved it so far: the deciders read it, the batch applies their writes.
import { compareLots, isExpiredAt } from '../credits/lot-order.ts';
import type { CustomersTable, HoldLotReservation, LotDrawsTable, WalletsTable } from '../db/schema.ts';
import type { EventRow } from '../outbox/event-row.ts';
import type { IdGenerator } from '../shared/ids.ts';
import { assertInvariant } from '../shared/result.ts';
import type { EntryRow, HoldRow, LedgerCommand, LotRow, WalletSnapshot } from './commands.ts';
import { type JobRowInput, LotBook, type LotMove, type LotSettings, type LotState, type LotWalletRequest, lotKey, poolAvailable, storedAvailable } from './batch-lots.ts';
import { type IdempotencyRecordRow, recordKey } from './idempotency.ts';

export { type JobRowInput, type LotMove, type LotSettings, type LotState, type LotWalletRequest, lotPicker, needsLots, poolAvailable, storedAvailable } from './batch-lots.ts';

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
  /**
   * Active lots of the wallets named in `lotWallets` that the batch debits or whose next expiry has come, each
   * wallet's in consumption order: every expired one, then unexpired ones until they cover `need`, then one more.
   */
  lots: LotRow[];
  /** Wallets whose lots were read (as `walletKey`), even when they have none. */
  lotWalletsLoaded: string[];
  /** The holds the batch's commands name, and those its idempotency records point to (empty without hold commands). */
  holds: HoldRow[];
  /** The lots those holds reserved, whatever their status now. */
  holdLots: LotRow[];
}

/** Which rows a batch needs: its customers (locked), the idempotency records its keys name, and lots per wallet. */
export interface LoadRequest {
  customerIds: string[];
  keys: Array<{ businessId: string; scope: string; key: string }>;
  lotWallets: LotWalletRequest[];
  /** Holds a capture, release or expire_hold names (records of result_type hold are followed by the store too). */
  holdIds: string[];
  /** The clock, read once before the locks; the store decides which lots are expired at batchTime(now, wallets). */
  now: string;
}

export interface WalletState {
  readonly loaded: WalletsTable | null;
  readonly customerId: string;
  readonly currency: string;
  readonly createdAt: string;
  /** wallet.low_balance fires on an entry that takes the balance from at least this to below it; null: never. */
  readonly lowBalanceThreshold: number | null;
  balance: number;
  /** What active holds reserve of the balance. */
  held: number;
  /** The paid pool's counters (WalletsTable): what credits added, what debits took, what holds reserve of the rest. */
  poolIn: number;
  poolOut: number;
  poolHeld: number;
  entryCount: number;
  updatedAt: string;
  /** Whether this wallet's lots were read (else `lots` holds only the ones this batch made). */
  readonly lotsLoaded: boolean;
  /** Its lots in the batch, in consumption order. */
  readonly lots: LotState[];
  /** Whether the lots due by the batch's time were expired (before the wallet's first command). */
  prepared: boolean;
}

/** A hold in the batch: as loaded (or made by this batch), and how the batch has moved it. */
export interface HoldState {
  readonly row: HoldRow;
  readonly isNew: boolean;
  status: HoldRow['status'];
  capturedAmount: number;
  captureEntryId: string | null;
  updatedAt: string;
}

export interface HoldMove {
  id: string;
  /** Moves apply only to a hold still active (the one state a hold leaves). */
  status: HoldRow['status'];
  capturedAmount: number;
  captureEntryId: string | null;
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
  | { type: 'event'; event: EventRow }
  /** A credit's lot (after its entry). */
  | { type: 'lot'; lot: LotRow }
  /** What an entry takes from a lot (after the entry); `expires` for the expiration entry, which takes all of it. */
  | { type: 'lot_draw'; draw: LotDrawsTable; expires: boolean; fromHold?: boolean }
  /** A hold's reservation of part of a lot (taken from its remainder, in consumption order). */
  | { type: 'lot_reserve'; lotId: string; amount: number }
  /** A released reservation going back to its lot's remainder. */
  | { type: 'lot_return'; lotId: string; amount: number }
  /** A new hold (it adds its amount to the wallet's held amount). */
  | { type: 'hold'; hold: HoldRow }
  /** An active hold leaving that state (its amount leaves the wallet's held amount). */
  | { type: 'hold_move'; move: HoldMove }
  /** A job row, enqueued in the transaction of the change that calls for it (skipped if its kind and key exist). */
  | { type: 'job'; job: JobRowInput }
  /** A credit of paid money that never expires going into its wallet's pool (after the entry): no lot row. */
  | { type: 'pool_credit'; entryId: string; amount: number }
  /** What a debit takes from its wallet's pool, once its stored lots are spent (`fromHold`: what a hold reserved). */
  | { type: 'pool_draw'; entryId: string; amount: number; fromHold?: boolean }
  /** A hold's reservation from its wallet's pool (after its stored lots), and a reservation going back to it. */
  | { type: 'pool_reserve'; customerId: string; currency: string; amount: number }
  | { type: 'pool_return'; customerId: string; currency: string; amount: number };

export interface WalletMove {
  customerId: string;
  currency: string;
  /** The balance and count the batch read; the update applies only if they still hold. */
  expectedBalance: number;
  expectedEntryCount: number;
  expectedHeld: number;
  balance: number;
  entryCount: number;
  held: number;
  poolIn: number;
  poolOut: number;
  poolHeld: number;
  updatedAt: string;
  nextExpiryAt: string | null;
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
  /** Lots made by this batch, at their final state. */
  newLots: LotRow[];
  lotMoves: LotMove[];
  draws: LotDrawsTable[];
  jobs: JobRowInput[];
  newHolds: HoldRow[];
  holdMoves: HoldMove[];
}

/** What a decider may read: never the store, only what the batch loaded and its own running state. */
export interface BatchView {
  readonly now: string;
  readonly newId: IdGenerator;
  customer(id: string): CustomerState | undefined;
  wallet(customerId: string, currency: string): WalletState | undefined;
  record(businessId: string, scope: string, key: string): LoadedRecord | undefined;
  lot(id: string): LotState | undefined;
  hold(id: string): HoldState | undefined;
  /** Lot settings of this process. */
  readonly lotSettings: LotSettings;
}

export const walletKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;

/** A wallet's running money, in the columns' names (for the pool's arithmetic in batch-lots.ts). */
export const moneyOf = (w: WalletState) => ({ balance: w.balance, held_amount: w.held, pool_in: w.poolIn, pool_out: w.poolOut, pool_held: w.poolHeld });

export function walletSnapshot(wallet: WalletState): WalletSnapshot {
  return {
    customer_id: wallet.customerId,
    currency: wallet.currency,
    balance: wallet.balance,
    created_at: wallet.createdAt,
    updated_at: wallet.updatedAt,
  };
}

/** The rows a batch of commands needs loaded; `now` is the clock read before the locks. */
export function loadRequestFor(commands: readonly LedgerCommand[], now: string): LoadRequest {
  const customerIds = [...new Set(commands.map((c) => c.customerId))].sort();
  const seen = new Set<string>();
  const keys: LoadRequest['keys'] = [];
  const lotWallets = new Map<string, LotWalletRequest>();
  for (const command of commands) {
    const walletId = walletKey(command.customerId, command.currency);
    let wallet = lotWallets.get(walletId);
    if (!wallet) {
      wallet = { customerId: command.customerId, currency: command.currency, need: 0 };
      lotWallets.set(walletId, wallet);
    }
    if (command.kind === 'debit' || command.kind === 'hold') wallet.need += command.amount;
  }
  const holdIds = [...new Set(commands.flatMap((c) => (c.kind === 'capture' || c.kind === 'release' || c.kind === 'expire_hold' ? [c.holdId] : [])))];
  for (const command of commands) {
    if (command.idempotency === null) continue;
    const id = recordKey(command.businessId, command.idempotency.scope, command.idempotency.key);
    if (seen.has(id)) continue;
    seen.add(id);
    keys.push({ businessId: command.businessId, scope: command.idempotency.scope, key: command.idempotency.key });
  }
  return { customerIds, keys, lotWallets: [...lotWallets.values()], holdIds, now };
}

/**
 * The batch's time: the clock read after the locks, never earlier than the last change of a wallet it locked, so
 * that `created_at` never runs backwards against `wallet_seq`, even across processes whose clocks disagree.
 */
export function batchTime(clockNow: string, wallets: readonly Pick<WalletsTable, 'updated_at'>[]): string {
  let now = clockNow;
  for (const wallet of wallets) if (wallet.updated_at > now) now = wallet.updated_at;
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
  private readonly lotBook: LotBook;
  private readonly holds = new Map<string, HoldState>();

  constructor(
    loaded: LoadedBatch,
    readonly now: string,
    readonly newId: IdGenerator,
    currencies: readonly string[],
    commands: readonly LedgerCommand[],
    readonly lotSettings: LotSettings,
  ) {
    this.lotBook = new LotBook(now);
    const lotsLoaded = new Set(loaded.lotWalletsLoaded);
    for (const row of loaded.customers) this.customers.set(row.id, { loaded: row, entryCount: row.entry_count });
    for (const row of loaded.wallets) {
      const key = walletKey(row.customer_id, row.currency);
      this.wallets.set(key, {
        lotsLoaded: lotsLoaded.has(key),
        lots: [],
        prepared: false,
        loaded: row,
        customerId: row.customer_id,
        currency: row.currency,
        createdAt: row.created_at,
        lowBalanceThreshold: row.low_balance_effective,
        balance: row.balance,
        held: row.held_amount,
        poolIn: row.pool_in,
        poolOut: row.pool_out,
        poolHeld: row.pool_held,
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
        held: 0,
        poolIn: 0,
        poolOut: 0,
        poolHeld: 0,
        entryCount: 0,
        updatedAt: now,
        // A wallet that does not exist yet has no lots: its (empty) list is complete.
        lotsLoaded: true,
        lots: [],
        prepared: false,
      });
    }
    for (const row of loaded.lots) this.lotBook.addLoaded(row, this.wallet(row.customer_id, row.currency));
    for (const wallet of this.wallets.values()) {
      wallet.lots.sort((a, b) => compareLots(lotKey(a), lotKey(b)));
      assertInvariant(wallet.lots.every((lot, i) => i === 0 || compareLots(lotKey(wallet.lots[i - 1]), lotKey(lot)) < 0), 'lots load in consumption order');
    }
    // A hold's lots join their wallet's list in consumption order, whatever their status (a reserved lot may be spent).
    for (const row of loaded.holdLots) this.lotBook.addHeld(row, this.wallet(row.customer_id, row.currency));
    for (const row of loaded.holds) {
      this.holds.set(row.id, { row, isNew: false, status: row.status, capturedAmount: row.captured_amount, captureEntryId: row.capture_entry_id, updatedAt: row.updated_at });
    }
  }

  hold(id: string): HoldState | undefined {
    return this.holds.get(id);
  }

  lot(id: string): LotState | undefined {
    return this.lotBook.lots.get(id);
  }

  /** The first lot of the wallet that is active and due by the batch's time (expired lots sort first). */
  nextDueLot(wallet: WalletState): LotState | undefined {
    const lot = wallet.lots.find((l) => l.status === 'active');
    return lot && isExpiredAt(lot.row.expires_at, this.now) ? lot : undefined;
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
      else if (write.type === 'event') this.applyEvent(write.event);
      else if (write.type === 'lot') this.lotBook.addNew(write.lot, this.wallet(write.lot.customer_id, write.lot.currency), this.lotSourceEntry(write.lot));
      else if (write.type === 'lot_draw') {
        this.lotBook.draw(write.draw, write.expires, this.entriesById.get(write.draw.entry_id), (lot) => this.wallet(lot.row.customer_id, lot.row.currency)!, write.fromHold === true);
      } else if (write.type === 'lot_reserve') this.lotBook.reserve(write.lotId, write.amount, this.walletOfLot(write.lotId));
      else if (write.type === 'lot_return') this.lotBook.giveBack(write.lotId, write.amount, this.walletOfLot(write.lotId));
      else if (write.type === 'hold') this.applyNewHold(write.hold);
      else if (write.type === 'hold_move') this.applyHoldMove(write.move);
      else if (write.type === 'job') this.lotBook.jobs.push(write.job);
      else this.applyPool(write);
    }
  }

  /** The paid pool's moves, each checked against the running counters; entries get their pool offsets here. */
  private applyPool(write: Extract<Write, { type: 'pool_credit' | 'pool_draw' | 'pool_reserve' | 'pool_return' }>): void {
    assertInvariant(write.amount > 0, `pool moves move money`);
    if (write.type === 'pool_reserve' || write.type === 'pool_return') {
      const wallet = this.wallet(write.customerId, write.currency);
      assertInvariant(wallet, `pool reservation of a loaded wallet`);
      if (write.type === 'pool_reserve') {
        assertInvariant(write.amount <= poolAvailable(moneyOf(wallet)), `a hold reserves at most the pool's available money`);
        wallet.poolHeld += write.amount;
      } else {
        assertInvariant(write.amount <= wallet.poolHeld, `a released reservation gives the pool back at most what holds reserve of it`);
        wallet.poolHeld -= write.amount;
      }
      return;
    }
    const entry = this.entriesById.get(write.entryId);
    assertInvariant(entry && entry.pool_offset === null, `pool move of entry ${write.entryId}, of this batch, once`);
    const wallet = this.wallet(entry.customer_id, entry.currency)!;
    if (write.type === 'pool_credit') {
      assertInvariant(entry.is_credit === 1 && write.amount === entry.amount, `credit ${entry.id} puts its whole amount into the pool`);
      entry.pool_offset = wallet.poolIn;
      entry.pool_amount = write.amount;
      wallet.poolIn += write.amount;
      return;
    }
    assertInvariant(entry.is_credit === 0 && entry.event_type !== 'expiration', `pool draw of debit ${entry.id}`);
    if (write.fromHold) {
      assertInvariant(write.amount <= wallet.poolHeld, `capture ${entry.id} takes at most what holds reserve of the pool`);
      wallet.poolHeld -= write.amount;
    } else {
      assertInvariant(write.amount <= poolAvailable(moneyOf(wallet)), `debit ${entry.id} takes at most the pool's available money`);
    }
    entry.pool_offset = wallet.poolOut;
    entry.pool_amount = write.amount;
    wallet.poolOut += write.amount;
    // The pool is last in the consumption order: a debit reaches it only once the stored lots hold nothing available.
    if (!write.fromHold) assertInvariant(storedAvailable(moneyOf(wallet)) === 0, `debit ${entry.id} spent the stored lots before the pool`);
    this.lotBook.drewFromPool(entry.id, write.amount);
  }

  private walletOfLot(lotId: string): WalletState {
    const lot = this.lotBook.lots.get(lotId);
    assertInvariant(lot, `lot ${lotId} was loaded`);
    return this.wallet(lot.row.customer_id, lot.row.currency)!;
  }

  private applyNewHold(row: HoldRow): void {
    const wallet = this.wallet(row.customer_id, row.currency);
    assertInvariant(wallet && !this.holds.has(row.id) && row.status === 'active', `hold ${row.id} is new, active and of a loaded wallet`);
    assertInvariant(row.amount > 0 && wallet.held + row.amount <= wallet.balance, `hold ${row.id} takes only available funds`);
    const parts = JSON.parse(row.lots) as HoldLotReservation[];
    const reserved = parts.reduce((sum, part) => sum + part.amount, 0);
    assertInvariant(reserved === row.amount, `hold ${row.id} reserved exactly its amount from lots and the pool`);
    wallet.held += row.amount;
    if (parts.some((part) => part.lot_id === null)) assertInvariant(storedAvailable(moneyOf(wallet)) === 0, `hold ${row.id} reserved the stored lots before the pool`);
    wallet.updatedAt = this.now;
    this.holds.set(row.id, { row, isNew: true, status: 'active', capturedAmount: 0, captureEntryId: null, updatedAt: row.created_at });
  }

  private applyHoldMove(move: HoldMove): void {
    const hold = this.holds.get(move.id);
    assertInvariant(hold && hold.status === 'active' && move.status !== 'active', `hold ${move.id} leaves the active state once`);
    const wallet = this.wallet(hold.row.customer_id, hold.row.currency)!;
    assertInvariant(move.capturedAmount <= hold.row.amount && (move.status === 'captured') === (move.captureEntryId !== null), `hold ${move.id} captures at most its amount`);
    assertInvariant(wallet.held >= hold.row.amount, `wallet ${wallet.customerId}/${wallet.currency} holds hold ${move.id}`);
    wallet.held -= hold.row.amount;
    wallet.updatedAt = this.now;
    hold.status = move.status;
    hold.capturedAmount = move.capturedAmount;
    hold.captureEntryId = move.captureEntryId;
    hold.updatedAt = move.updatedAt;
  }

  private lotSourceEntry(row: LotRow): EntryRow | undefined {
    return row.source_entry_id === null ? undefined : this.entriesById.get(row.source_entry_id);
  }

  private applyEntry(entry: EntryRow): void {
    const wallet = this.wallet(entry.customer_id, entry.currency);
    const customer = this.customer(entry.customer_id);
    assertInvariant(wallet && customer, `entry ${entry.id} names a loaded customer and wallet`);
    assertInvariant(entry.before_balance === wallet.balance, `entry ${entry.id} starts from the running balance`);
    const expectedAfter = entry.is_credit === 1 ? entry.before_balance + entry.amount : entry.before_balance - entry.amount;
    assertInvariant(entry.amount > 0 && entry.after_balance === expectedAfter, `entry ${entry.id}: after = before ± amount`);
    assertInvariant(entry.after_balance >= 0 && Number.isSafeInteger(entry.after_balance), `entry ${entry.id} leaves a non-negative safe balance`);
    // No debit spends held money: a capture's hold leaves the held amount first (its hold_move comes before its entry).
    assertInvariant(entry.is_credit === 1 || entry.after_balance >= wallet.held, `entry ${entry.id} never spends held funds`);
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
    this.lotBook.assertDebitsDrawn(this.entries);
    const newWallets: WalletsTable[] = [];
    const walletMoves: WalletMove[] = [];
    for (const wallet of this.wallets.values()) {
      assertInvariant(wallet.held >= 0 && wallet.held <= wallet.balance, `wallet ${wallet.customerId}/${wallet.currency} holds at most its balance`);
      assertInvariant(
        wallet.poolHeld >= 0 && wallet.poolHeld <= wallet.held && poolAvailable(moneyOf(wallet)) >= 0 && storedAvailable(moneyOf(wallet)) >= 0,
        `wallet ${wallet.customerId}/${wallet.currency}: its pool and stored lots hold what it holds`,
      );
      if (wallet.loaded === null) {
        if (wallet.entryCount === 0) continue;
        const businessId = this.customers.get(wallet.customerId)!.loaded.business_id;
        newWallets.push({
          customer_id: wallet.customerId,
          currency: wallet.currency,
          business_id: businessId,
          balance: wallet.balance,
          entry_count: wallet.entryCount,
          held_amount: wallet.held,
          pool_in: wallet.poolIn,
          pool_out: wallet.poolOut,
          pool_held: wallet.poolHeld,
          created_at: wallet.createdAt,
          updated_at: wallet.updatedAt,
          next_expiry_at: this.lotBook.nextExpiryAt(wallet),
        });
      } else if (wallet.entryCount !== wallet.loaded.entry_count || wallet.held !== wallet.loaded.held_amount) {
        walletMoves.push({
          customerId: wallet.customerId,
          currency: wallet.currency,
          expectedBalance: wallet.loaded.balance,
          expectedEntryCount: wallet.loaded.entry_count,
          expectedHeld: wallet.loaded.held_amount,
          balance: wallet.balance,
          entryCount: wallet.entryCount,
          held: wallet.held,
          poolIn: wallet.poolIn,
          poolOut: wallet.poolOut,
          poolHeld: wallet.poolHeld,
          updatedAt: wallet.updatedAt,
          nextExpiryAt: this.lotBook.nextExpiryAt(wallet),
        });
      }
    }
    const customerMoves: CustomerMove[] = [];
    for (const [customerId, customer] of this.customers) {
      if (customer.entryCount === customer.loaded.entry_count) continue;
      customerMoves.push({ customerId, expectedEntryCount: customer.loaded.entry_count, entryCount: customer.entryCount });
    }
    const { newLots, lotMoves } = this.lotBook.rows();
    const newHolds: HoldRow[] = [];
    const holdMoves: HoldMove[] = [];
    for (const hold of this.holds.values()) {
      const final = { status: hold.status, captured_amount: hold.capturedAmount, capture_entry_id: hold.captureEntryId, updated_at: hold.updatedAt };
      if (hold.isNew) newHolds.push({ ...hold.row, ...final });
      else if (hold.status !== hold.row.status) {
        holdMoves.push({ id: hold.row.id, status: hold.status, capturedAmount: hold.capturedAmount, captureEntryId: hold.captureEntryId, updatedAt: hold.updatedAt });
      }
    }
    return {
      entries: this.entries,
      idempotencyRecords: this.newRecords,
      events: this.events,
      newWallets,
      walletMoves,
      customerMoves,
      newLots,
      lotMoves,
      draws: this.lotBook.draws,
      jobs: this.lotBook.jobs,
      newHolds,
      holdMoves,
    };
  }
}
