// Rows of auto-recharge as the wire shows them (GET, PUT, DELETE and the wallet.auto_recharge.* events).
import type { AutoRechargeAttemptsTable, AutoRechargesTable } from '../db/schema.ts';
import type { WireAttempt, WireSettings } from './recharge-schemas.ts';

export function toWireSettings(row: AutoRechargesTable): WireSettings {
  return {
    customer_id: row.customer_id,
    currency: row.currency,
    enabled: Number(row.enabled) === 1,
    disabled_reason: row.disabled_reason,
    threshold_amount: Number(row.threshold_amount),
    amount: Number(row.amount),
    payment_method_id: row.payment_method_id,
    cooldown_seconds: Number(row.cooldown_seconds),
    monthly_cap_amount: Number(row.monthly_cap_amount),
    max_declines: Number(row.max_declines),
    declines: Number(row.declines),
    backoff_until: row.backoff_until,
    cooldown_until: row.cooldown_until,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toWireAttempt(row: AutoRechargeAttemptsTable): WireAttempt {
  return {
    id: row.id,
    customer_id: row.customer_id,
    currency: row.currency,
    amount: Number(row.amount),
    status: row.status,
    available_balance_before: Number(row.available_balance_before),
    payment_id: row.payment_id,
    payment_method_id: row.payment_method_id,
    error_code: row.error_code,
    error_message: row.error_message,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
