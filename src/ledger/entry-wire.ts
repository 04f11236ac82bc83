// A ledger entry in its wire form (Dodo's CustomerWalletTransaction): the API and the wallet events show the same.
import type { LedgerEntriesTable } from '../db/schema.ts';
import type { EventType } from './commands.ts';

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

