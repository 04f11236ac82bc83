// Helpers of the auto-recharge suites: the setting over HTTP, running the dispatcher and the job runtime until nothing
// is due, and the rows that count recharges (attempts, top-up payments, their credits, the processor's charges).
import { expect } from 'vitest';
import type { TestApp } from '../support/test-app.ts';

export const rechargePath = (customerId: string, currency = 'USD') => `/customers/${customerId}/wallets/${currency}/auto-recharge`;

export async function putRecharge(t: TestApp, customerId: string, body: Record<string, unknown>) {
  const response = await t.request('PUT', rechargePath(customerId), { body });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function getRecharge(t: TestApp, customerId: string) {
  const response = await t.request('GET', rechargePath(customerId));
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Dispatches events and runs due jobs until a round finds nothing to do (bounded). */
export async function runDue(t: TestApp, roundsMax = 200): Promise<void> {
  for (let round = 0; round < roundsMax; round++) {
    const dispatched = await t.coffer.dispatcher.drain();
    const tick = await t.coffer.jobs.tick();
    if (tick.claimed === 0 && dispatched.events === 0) return;
  }
  throw new Error(`jobs still due after ${roundsMax} rounds`);
}

export async function attemptsOf(t: TestApp, customerId: string) {
  return t.coffer.store.db.selectFrom('auto_recharge_attempts').selectAll().where('customer_id', '=', customerId).orderBy('created_at').orderBy('id').execute();
}

/** What counts a recharge: top-up payments, the wallet's payment credits, the processor's charges. */
export async function rechargeCounts(t: TestApp, customerId: string) {
  const db = t.coffer.store.db;
  const topUps = await db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).where('kind', '=', 'top_up').execute();
  const credits = await db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).where('event_type', '=', 'payment').where('is_credit', '=', 1).execute();
  const charges = await db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
  const attempts = await attemptsOf(t, customerId);
  return { topUps, credits, charges, attempts };
}

export async function eventsOf(t: TestApp, customerId: string, prefix = 'wallet.auto_recharge.') {
  const rows = await t.coffer.store.db.selectFrom('events').selectAll().where('customer_id', '=', customerId).orderBy('seq').execute();
  return rows.filter((row) => row.type.startsWith(prefix)).map((row) => ({ type: row.type, data: JSON.parse(row.data) as Record<string, any> }));
}
