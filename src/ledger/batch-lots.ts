// The lots of one batch: what the writer store read, the lots credits make, the draws debits and expirations take, and
// the rows and jobs that follow from them. BatchState holds one LotBook and applies lot writes through it.
import { compareLots, isExpiredAt } from '../credits/lot-order.ts';
import type { LotDrawsTable, WalletsTable } from '../db/schema.ts';
import { assertInvariant } from '../shared/result.ts';
import type { WalletState } from './batch-state.ts';
import type { EntryRow, LotRow } from './commands.ts';

/** What the batch may take from one wallet: the sum of its debits (an upper bound of what it consumes). */
export interface LotWalletRequest {
  customerId: string;
  currency: string;
  need: number;
}

/** A lot in the batch: as loaded (or made by a credit of this batch), and how the batch has moved it so far. */
export interface LotState {
  readonly row: LotRow;
  readonly isNew: boolean;
  remaining: number;
  expiredAmount: number;
  status: LotRow['status'];
  expiryEntryId: string | null;
  updatedAt: string;
}

export interface JobRowInput {
  id: string;
  kind: string;
  key: string;
  payload: string;
  dueAt: string;
  createdAt: string;
}

export interface LotMove {
  id: string;
  /** The remainder and status the batch read; the update applies only if they still hold. */
  expectedRemaining: number;
  expectedStatus: LotRow['status'];
  remaining: number;
  expiredAmount: number;
  status: LotRow['status'];
  expiryEntryId: string | null;
  updatedAt: string;
}

export interface LotSettings {
  /** wallet.credits_expiring is due this long before a lot expires. */
  expiringNoticeMs: number;
}

/**
 * Which loaded lots of one wallet the batch reads, from its active lots in consumption order: every expired one, then
 * unexpired ones until they cover `need`, then one more (so the first active lot after the batch is known). Both stores
 * follow this rule (the PostgreSQL load function in SQL); returns whether to keep `lot` and go on.
 */
export function lotPicker(need: number, now: string): (lot: Pick<LotRow, 'expires_at' | 'remaining_amount'>) => 'take' | 'take_and_stop' {
  let covered = 0;
  return (lot) => {
    if (isExpiredAt(lot.expires_at, now)) return 'take';
    if (covered >= need) return 'take_and_stop';
    covered += lot.remaining_amount;
    return 'take';
  };
}

/** The wallet columns that say where its money is: stored lots, the paid pool, holds. */
export type WalletMoney = Pick<WalletsTable, 'balance' | 'held_amount' | 'pool_in' | 'pool_out' | 'pool_held'>;

/** What the wallet's paid pool (migration 0019) holds that no hold reserves: spent after every stored lot. */
export const poolAvailable = (w: Pick<WalletMoney, 'pool_in' | 'pool_out' | 'pool_held'>): number => w.pool_in - w.pool_out - w.pool_held;

/** What the wallet's stored lots hold that no hold reserves: the available balance less the pool's available part. */
export const storedAvailable = (w: WalletMoney): number => w.balance - w.held_amount - poolAvailable(w);

/**
 * Whether a wallet's lots must be read: the batch debits it (or holds from it) and its stored lots hold available
 * money, or its earliest expiry has come. A wallet of plain paid credits has none: its debits take from the pool.
 */
export function needsLots(need: number, wallet: WalletMoney & Pick<WalletsTable, 'next_expiry_at'>, now: string): boolean {
  const nextExpiryAt = wallet.next_expiry_at;
  return (need > 0 && storedAvailable(wallet) > 0) || (nextExpiryAt !== null && nextExpiryAt !== undefined && nextExpiryAt <= now);
}

export const lotState = (row: LotRow, isNew: boolean): LotState => ({
  row,
  isNew,
  remaining: row.remaining_amount,
  expiredAmount: row.expired_amount,
  status: row.status,
  expiryEntryId: row.expiry_entry_id,
  updatedAt: row.updated_at,
});

export const lotKey = (lot: LotState) => ({ expiresAt: lot.row.expires_at, category: lot.row.category, walletSeq: lot.row.wallet_seq });

/** The batch's lots by id, its draws and jobs; the checks that tie them to the entries of the batch. */
export class LotBook {
  readonly lots = new Map<string, LotState>();
  readonly draws: LotDrawsTable[] = [];
  readonly jobs: JobRowInput[] = [];
  private readonly drawnByEntry = new Map<string, number>();

  constructor(private readonly now: string) {}

  /** Adds a loaded lot to its wallet (which sorts its lots once all are added). */
  addLoaded(row: LotRow, wallet: WalletState | undefined): void {
    assertInvariant(wallet && wallet.lotsLoaded && row.status === 'active', `lot ${row.id} was loaded active with its wallet`);
    const lot = lotState(row, false);
    wallet.lots.push(lot);
    this.lots.set(row.id, lot);
  }

  /**
   * A lot a loaded hold reserved from, in any status, placed in its wallet's consumption order (unless the wallet's
   * own load read it already). Every lot before it in the list is either loaded or reserved too, so order holds.
   */
  addHeld(row: LotRow, wallet: WalletState | undefined): void {
    // A hold a reused key points to may be another customer's, whose wallet this batch did not load: it is not needed.
    if (!wallet || this.lots.has(row.id)) return;
    const lot = lotState(row, false);
    const index = wallet.lots.findIndex((other) => compareLots(lotKey(lot), lotKey(other)) < 0);
    wallet.lots.splice(index === -1 ? wallet.lots.length : index, 0, lot);
    this.lots.set(row.id, lot);
  }

  /** A hold reserves from lots strictly in consumption order, never from an expired one, as a debit would draw. */
  reserve(lotId: string, amount: number, wallet: WalletState): void {
    const lot = this.lots.get(lotId);
    assertInvariant(lot && lot.status === 'active' && amount > 0 && amount <= lot.remaining, `reservation from lot ${lotId} takes at most its remainder`);
    assertInvariant(!isExpiredAt(lot.row.expires_at, this.now), `no hold reserves expired lot ${lotId}`);
    const position = wallet.lots.indexOf(lot);
    assertInvariant(wallet.lots.slice(0, position).every((earlier) => earlier.status !== 'active'), `lot ${lotId} is the first active lot in consumption order`);
    lot.remaining -= amount;
    if (lot.remaining === 0) lot.status = 'spent';
    lot.updatedAt = this.now;
  }

  /** A released reservation goes back to its lot, active again (the decider expires it at once if it is due). */
  giveBack(lotId: string, amount: number, wallet: WalletState): void {
    const lot = this.lots.get(lotId);
    assertInvariant(lot && amount > 0 && wallet.lots.includes(lot), `released reservation names loaded lot ${lotId}`);
    assertInvariant(lot.remaining + amount + lot.expiredAmount <= lot.row.amount, `lot ${lotId} gets back at most what was taken from it`);
    lot.remaining += amount;
    lot.status = 'active';
    lot.updatedAt = this.now;
  }

  /** A credit's new lot, placed in its wallet's consumption order. */
  addNew(row: LotRow, wallet: WalletState | undefined, entry: EntryRow | undefined): void {
    assertInvariant(wallet && entry && entry.is_credit === 1, `lot ${row.id} comes from a credit of this batch`);
    assertInvariant(row.amount === entry.amount && row.remaining_amount === row.amount && row.wallet_seq === entry.wallet_seq, `lot ${row.id} holds its credit`);
    assertInvariant(row.expires_at === null || row.expires_at > this.now, `lot ${row.id} expires after the batch's time`);
    assertInvariant(!this.lots.has(row.id), `lot ${row.id} is new`);
    const lot = lotState(row, true);
    const index = wallet.lots.findIndex((other) => compareLots(lotKey(lot), lotKey(other)) < 0);
    wallet.lots.splice(index === -1 ? wallet.lots.length : index, 0, lot);
    this.lots.set(row.id, lot);
  }

  /** A debit takes from lots strictly in consumption order and never from an expired one; an expiration takes all. */
  draw(draw: LotDrawsTable, expires: boolean, entry: EntryRow | undefined, walletOf: (lot: LotState) => WalletState, fromHold = false): void {
    const lot = this.lots.get(draw.lot_id);
    assertInvariant(lot && entry && entry.is_credit === 0, `draw of ${draw.entry_id} from ${draw.lot_id} names a lot and a debit of this batch`);
    if (fromHold) {
      // A capture spends what its hold reserved: the lot's remainder already left it (even if the lot expired since).
      assertInvariant(draw.amount > 0 && entry.customer_id === lot.row.customer_id && entry.currency === lot.row.currency, `capture draw from lot ${lot.row.id} is of its wallet`);
      this.draws.push(draw);
      this.drawnByEntry.set(entry.id, (this.drawnByEntry.get(entry.id) ?? 0) + draw.amount);
      return;
    }
    const wallet = walletOf(lot);
    assertInvariant(entry.customer_id === lot.row.customer_id && entry.currency === lot.row.currency, `draw from lot ${lot.row.id} is of its wallet`);
    assertInvariant(lot.status === 'active' && draw.amount > 0 && draw.amount <= lot.remaining, `draw from lot ${lot.row.id} takes at most its remainder`);
    const expired = isExpiredAt(lot.row.expires_at, this.now);
    if (expires) {
      assertInvariant(expired && draw.amount === lot.remaining && entry.event_type === 'expiration', `lot ${lot.row.id} expires whole, when due`);
      lot.status = 'expired';
      // A reservation released after its lot expired expires at once: the lot's expired amount grows.
      lot.expiredAmount += draw.amount;
      lot.expiryEntryId ??= entry.id;
    } else {
      assertInvariant(!expired, `no debit spends expired lot ${lot.row.id}`);
      const position = wallet.lots.indexOf(lot);
      assertInvariant(wallet.lots.slice(0, position).every((earlier) => earlier.status !== 'active'), `lot ${lot.row.id} is the first active lot in consumption order`);
      if (draw.amount === lot.remaining) lot.status = 'spent';
    }
    lot.remaining -= draw.amount;
    lot.updatedAt = entry.created_at;
    this.draws.push(draw);
    this.drawnByEntry.set(entry.id, (this.drawnByEntry.get(entry.id) ?? 0) + draw.amount);
  }

  /** What a debit took from the wallet's paid pool counts towards what it drew. */
  drewFromPool(entryId: string, amount: number): void {
    this.drawnByEntry.set(entryId, (this.drawnByEntry.get(entryId) ?? 0) + amount);
  }

  /** Every debit of the batch drew exactly its amount (the expiration entries included). */
  assertDebitsDrawn(entries: readonly EntryRow[]): void {
    for (const entry of entries) {
      if (entry.is_credit === 0) assertInvariant(this.drawnByEntry.get(entry.id) === entry.amount, `debit ${entry.id} drew exactly its amount from lots and the pool`);
    }
  }

  /** The wallet's earliest expiry after the batch: the first active lot's, as active lots are in order. */
  nextExpiryAt(wallet: WalletState): string | null {
    if (wallet.lotsLoaded) return wallet.lots.find((lot) => lot.status === 'active')?.row.expires_at ?? null;
    let next = wallet.loaded?.next_expiry_at ?? null;
    for (const lot of wallet.lots) {
      if (lot.status === 'active' && lot.row.expires_at !== null && (next === null || lot.row.expires_at < next)) next = lot.row.expires_at;
    }
    return next;
  }

  /** New lots at their final state, and each loaded lot the batch moved. */
  rows(): { newLots: LotRow[]; lotMoves: LotMove[] } {
    const newLots: LotRow[] = [];
    const lotMoves: LotMove[] = [];
    for (const lot of this.lots.values()) {
      const final = { remaining: lot.remaining, expiredAmount: lot.expiredAmount, status: lot.status, expiryEntryId: lot.expiryEntryId, updatedAt: lot.updatedAt };
      if (lot.isNew) {
        newLots.push({
          ...lot.row,
          remaining_amount: final.remaining,
          expired_amount: final.expiredAmount,
          status: final.status,
          expiry_entry_id: final.expiryEntryId,
          updated_at: final.updatedAt,
        });
      } else if (lot.remaining !== lot.row.remaining_amount || lot.status !== lot.row.status || lot.expiredAmount !== lot.row.expired_amount) {
        assertInvariant(lot.status !== 'active' || lot.expiredAmount === 0, `lot ${lot.row.id} is not left active with expired money`);
        lotMoves.push({ id: lot.row.id, expectedRemaining: lot.row.remaining_amount, expectedStatus: lot.row.status, ...final });
      }
    }
    return { newLots, lotMoves };
  }
}
