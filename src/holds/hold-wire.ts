// A hold as the API shows it (and as its events carry it).
import type { HoldLotReservation } from '../db/schema.ts';
import type { HoldRow } from '../ledger/commands.ts';

export interface WireHold {
  id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  amount: number;
  captured_amount: number;
  status: HoldRow['status'];
  reason: string | null;
  expires_at: string | null;
  capture_entry_id: string | null;
  reference_object_id: string | null;
  lots: HoldLotReservation[];
  created_at: string;
  updated_at: string;
}

export function toWireHold(row: HoldRow): WireHold {
  return {
    id: row.id,
    business_id: row.business_id,
    customer_id: row.customer_id,
    currency: row.currency,
    amount: Number(row.amount),
    captured_amount: Number(row.captured_amount),
    status: row.status,
    reason: row.reason,
    expires_at: row.expires_at,
    capture_entry_id: row.capture_entry_id,
    reference_object_id: row.reference_object_id,
    lots: JSON.parse(row.lots) as HoldLotReservation[],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
