// Lot reads: a customer's lots (page-number paginated, newest first) and what one entry drew from each lot.
import type { Kysely } from 'kysely';
import type { CreditLotsTable, Database } from '../db/schema.ts';
import { customerEntryCount } from '../ledger/ledger-repo.ts';
import type { Clock } from '../shared/clock.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { CreditErrorCode } from './credit-errors.ts';
import type { CustomerErrorCode } from '../customers/customer-errors.ts';
import { type LotStatusFilter, drawsOfEntry, entryOfCustomer, lotsPage } from './lot-repo.ts';
import { isExpiredAt } from './lot-order.ts';

export interface WireLot {
  lot_id: string;
  customer_id: string;
  currency: string;
  amount: number;
  remaining_amount: number;
  expired_amount: number;
  category: 'paid' | 'promotional';
  expires_at: string | null;
  status: 'active' | 'expired' | 'spent';
  source_entry_id: string | null;
  created_at: string;
}

export interface WireLotDraw {
  lot_id: string;
  amount: number;
  category: 'paid' | 'promotional';
  expires_at: string | null;
}

/** A lot as the API shows it at `now`: an active lot past its expiry is expired, its remainder gone. */
export function toWireLot(row: CreditLotsTable, now: string): WireLot {
  const lapsed = row.status === 'active' && isExpiredAt(row.expires_at, now);
  return {
    lot_id: row.id,
    customer_id: row.customer_id,
    currency: row.currency,
    amount: Number(row.amount),
    remaining_amount: lapsed ? 0 : Number(row.remaining_amount),
    expired_amount: lapsed ? Number(row.remaining_amount) : Number(row.expired_amount),
    category: row.category,
    expires_at: row.expires_at,
    status: lapsed ? 'expired' : row.status,
    source_entry_id: row.source_entry_id,
    created_at: row.created_at,
  };
}

type LotResult<T> = Result<T, CreditErrorCode | CustomerErrorCode>;

export class LotService {
  constructor(private readonly deps: { db: Kysely<Database>; clock: Clock }) {}

  async listLots(
    businessId: string,
    customerId: string,
    query: { currency?: string; status?: LotStatusFilter; pageNumber: number; pageSize: number },
  ): Promise<LotResult<{ items: WireLot[] }>> {
    if ((await customerEntryCount(this.deps.db, businessId, customerId)) === undefined) return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
    const now = this.deps.clock.now().toISOString();
    const rows = await lotsPage(this.deps.db, {
      businessId,
      customerId,
      currency: query.currency,
      status: query.status,
      now,
      offset: query.pageNumber * query.pageSize,
      limit: query.pageSize,
    });
    return ok({ items: rows.map((row) => toWireLot(row, now)) });
  }

  async listDraws(businessId: string, customerId: string, entryId: string): Promise<LotResult<{ items: WireLotDraw[] }>> {
    const entry = await entryOfCustomer(this.deps.db, businessId, customerId, entryId);
    if (!entry) {
      if ((await customerEntryCount(this.deps.db, businessId, customerId)) === undefined) return err('CUSTOMER_NOT_FOUND', `Customer ${customerId} not found`);
      return err('LEDGER_ENTRY_NOT_FOUND', `Ledger entry ${entryId} not found for customer ${customerId}`);
    }
    const draws = await drawsOfEntry(this.deps.db, entryId);
    return ok({ items: draws });
  }
}
