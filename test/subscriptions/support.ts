// Helpers of the subscription suites: create one over HTTP, run every job due until a time on the test's clock (each
// at its due time, as `coffer billing run` does), and count a subscription's invoices and events.
import { expect } from 'vitest';
import type { ManualClock } from '../support/manual-clock.ts';
import type { TestApp } from '../support/test-app.ts';

export async function createSubscription(t: TestApp, body: Record<string, unknown>) {
  const response = await t.request('POST', '/subscriptions', { body: { currency: 'USD', interval: 'month', ...body } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function subscriptionOf(t: TestApp, id: string) {
  const response = await t.request('GET', `/subscriptions/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Runs the jobs due until `until`, moving the clock to each one's due time; a bound keeps a broken schedule finite. */
export async function runUntil(t: TestApp, clock: ManualClock, until: Date, roundsMax = 5_000): Promise<void> {
  for (let round = 0; round < roundsMax; round++) {
    const next = await t.coffer.store.db
      .selectFrom('jobs')
      .select('due_at')
      .where('state', '=', 'pending')
      .where('due_at', '<=', until.toISOString())
      .orderBy('due_at')
      .limit(1)
      .executeTakeFirst();
    if (!next) break;
    if (new Date(next.due_at) > clock.now()) clock.set(new Date(next.due_at));
    const tick = await t.coffer.jobs.tick();
    if (tick.claimed === 0) clock.advance(1_000);
  }
  if (clock.now() < until) clock.set(until);
}

/** The subscription's invoices, oldest period first: renewals have a period start, charges none. */
export async function invoicesOf(t: TestApp, subscriptionId: string) {
  return t.coffer.store.db.selectFrom('invoices').selectAll().where('subscription_id', '=', subscriptionId).orderBy('subscription_period_start').orderBy('id').execute();
}

/** The subscription.* and dunning.* events of a subscription, in commit order. */
export async function eventTypesOf(t: TestApp, subscriptionId: string): Promise<string[]> {
  return (await eventsOf(t, subscriptionId)).map((event) => event.type);
}

export async function eventsOf(t: TestApp, subscriptionId: string): Promise<Array<{ type: string; data: Record<string, any> }>> {
  const rows = await t.coffer.store.db.selectFrom('events').select(['type', 'data']).where('business_id', '=', t.businessId).orderBy('seq').execute();
  return rows
    .filter((row) => /^(subscription|dunning)\./.test(row.type))
    .map((row) => ({ type: row.type, data: JSON.parse(row.data) }))
    .filter((event) => event.data.subscription_id === subscriptionId);
}
