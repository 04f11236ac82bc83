// The outbox: events are written in the transaction of the change they report and the dispatcher gives each a
// dense feed position and one delivery job per subscribed endpoint, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventDispatcher } from '../../src/outbox/event-dispatcher.ts';
import { newId } from '../../src/shared/ids.ts';
import { webhookFanOut } from '../../src/webhooks/fan-out.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

describe.each(storeKinds)('outbox [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const createCustomer = async (email: string) => {
    const response = await t.request('POST', '/customers', { body: { email, name: 'Outbox' } });
    expect(response.statusCode).toBe(200);
    return response.json().customer_id as string;
  };
  const post = (customerId: string, body: object) =>
    t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { currency: 'USD', ...body } });

  it('writes customer.created and one wallet event per entry, none for a refused entry, and the dispatcher orders them densely', async () => {
    const db = t.coffer.store.db;
    await t.coffer.dispatcher.drain();
    const customerId = await createCustomer('outbox-1@example.com');
    expect((await post(customerId, { amount: 500, entry_type: 'credit', idempotency_key: 'o-1' })).statusCode).toBe(200);
    expect((await post(customerId, { amount: 500, entry_type: 'credit', idempotency_key: 'o-1' })).statusCode).toBe(409);
    expect((await post(customerId, { amount: 9_999, entry_type: 'debit' })).statusCode).toBe(400);
    expect((await post(customerId, { amount: 200, entry_type: 'debit' })).statusCode).toBe(200);

    const rows = await db.selectFrom('events').selectAll().where('customer_id', '=', customerId).orderBy('created_at').orderBy('id').execute();
    expect(rows.map((row) => row.type)).toEqual(['customer.created', 'wallet.credited', 'wallet.debited']);
    expect(JSON.parse(rows[0].data)).toMatchObject({ payload_type: 'Customer', customer_id: customerId, email: 'outbox-1@example.com' });
    expect(JSON.parse(rows[2].data)).toMatchObject({ payload_type: 'WalletEntry', wallet_seq: 2, wallet: { balance: 300 }, entry: { amount: 200 } });

    const dispatched = await t.coffer.dispatcher.drain();
    expect(dispatched.events).toBeGreaterThanOrEqual(3);
    expect(dispatched.jobs).toBe(0);
    const all = await db.selectFrom('events').select(['feed_seq']).orderBy('feed_seq').execute();
    expect(all.map((row) => Number(row.feed_seq))).toEqual(all.map((_, index) => index + 1));
    expect((await t.coffer.dispatcher.dispatch()).events).toBe(0);
  });

  it('enqueues one delivery job per event and enabled endpoint whose filter_types match, once', async () => {
    const db = t.coffer.store.db;
    const now = new Date().toISOString();
    const endpoint = (id: string, filterTypes: string[], disabled = 0) => ({
      id, business_id: t.businessId, url: 'http://127.0.0.1:9/', filter_types: JSON.stringify(filterTypes), disabled, description: '', metadata: '{}', headers: '{}',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', created_at: now, updated_at: now,
    });
    await db.insertInto('webhook_endpoints').values([endpoint('whk_all', []), endpoint('whk_debits', ['wallet.debited']), endpoint('whk_off', [], 1)]).execute();
    const customerId = await createCustomer('outbox-2@example.com');
    await post(customerId, { amount: 100, entry_type: 'credit' });
    await post(customerId, { amount: 40, entry_type: 'debit' });
    const result = await t.coffer.dispatcher.drain();
    expect(result).toEqual({ events: 3, jobs: 4 });
    const jobs = await db.selectFrom('jobs').select(['kind', 'key', 'payload', 'attempts_max']).where('kind', '=', 'webhook.deliver').orderBy('key').execute();
    const events = await db.selectFrom('events').select(['id', 'type']).where('customer_id', '=', customerId).execute();
    const typeOf = new Map(events.map((e) => [e.id, e.type]));
    expect(jobs.map((job) => `${typeOf.get(job.key.split(':')[0])}→${job.key.split(':')[1]}`).sort()).toEqual(
      ['customer.created→whk_all', 'wallet.credited→whk_all', 'wallet.debited→whk_all', 'wallet.debited→whk_debits'].sort(),
    );
    expect(jobs.every((job) => job.attempts_max === 8)).toBe(true);
    await db.deleteFrom('webhook_endpoints').execute();
  });

  it('while the API is busy fans out at the claim pace, every event placed in the feed at once; an endpoint gets only events from its creation on', async () => {
    const db = t.coffer.store.db;
    await t.coffer.dispatcher.drain();
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const endpoint = (id: string, createdAt: string) => ({
      id, business_id: t.businessId, url: 'http://127.0.0.1:9/', filter_types: '[]', disabled: 0, description: '', metadata: '{}', headers: '{}',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', created_at: createdAt, updated_at: createdAt,
    });
    await db.updateTable('webhook_endpoints').set({ disabled: 1 }).execute();
    await db.insertInto('webhook_endpoints').values(endpoint('whk_paced', at(-1_000))).execute();
    let busy = true;
    const dispatcher = new EventDispatcher({
      db, clock: t.coffer.clock, newId, fanOut: webhookFanOut, load: { busy: () => busy }, limits: { busyFanOutMax: 2, busyFanOutGapMs: 60_000 },
    });
    const customerId = await createCustomer('outbox-paced@example.com');
    for (let i = 0; i < 5; i++) await post(customerId, { amount: 10, entry_type: 'credit' });
    const jobsOf = async (endpointId: string) =>
      (await db.selectFrom('jobs').select('key').where('kind', '=', 'webhook.deliver').where('key', 'like', `%:${endpointId}`).execute()).length;

    expect(await dispatcher.dispatch()).toEqual({ events: 6, jobs: 2 });
    const placed = await db.selectFrom('events').select('feed_seq').where('customer_id', '=', customerId).execute();
    expect(placed.every((row) => row.feed_seq !== null)).toBe(true);
    // Within the gap nothing more is handed over.
    expect(await dispatcher.dispatch()).toEqual({ events: 0, jobs: 0 });
    // An endpoint created now does not get the older events the fan-out still owes.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await db.insertInto('webhook_endpoints').values(endpoint('whk_late', at(0))).execute();
    busy = false;
    expect(await dispatcher.drain()).toEqual({ events: 0, jobs: 4 });
    expect([await jobsOf('whk_paced'), await jobsOf('whk_late')]).toEqual([6, 0]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await post(customerId, { amount: 10, entry_type: 'credit' });
    expect(await dispatcher.drain()).toEqual({ events: 1, jobs: 2 });
    expect([await jobsOf('whk_paced'), await jobsOf('whk_late')]).toEqual([7, 1]);
    await db.updateTable('webhook_endpoints').set({ disabled: 1 }).execute();
  });

  it('reports undispatched events and their age in /metrics, and what this process dispatched', async () => {
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec((await t.request('GET', '/metrics', { key: null })).body)?.[1]);
    await t.coffer.dispatcher.drain();
    const dispatchedBefore = await metric('coffer_events_dispatched_total');
    await createCustomer('outbox-metrics@example.com');
    expect(await metric('coffer_events_undispatched')).toBe(1);
    expect(await metric('coffer_events_undispatched_age_seconds')).toBeGreaterThanOrEqual(0);
    await t.coffer.dispatcher.drain();
    expect(await metric('coffer_events_undispatched')).toBe(0);
    expect(await metric('coffer_events_undispatched_age_seconds')).toBe(0);
    expect(await metric('coffer_events_dispatched_total')).toBe(dispatchedBefore + 1);
  });
});
